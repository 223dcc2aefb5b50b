"""motcua ingestion: take in unit submissions, archive them, load their rows into DuckDB."""

__version__ = "0.1.0"
