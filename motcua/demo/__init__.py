"""Demo data for motcua: Hà Tĩnh's one-stop-shop ledgers, July 2008 – June 2009 (``hatinh``), or
January 2025 – June 2026 across the two-level reform (``hatinh-2026``).

``generate_province(data_dir, seed=2009, profile="hatinh")`` writes ``reference/`` and
``landing/`` as the submission contract describes; see :mod:`motcua.demo.generator`.
Run ``python -m motcua.demo.generator --data-dir data`` from the command line.
"""

from .generator import GenerationReport, PlantedGap, generate_province, write_night

__all__ = ["GenerationReport", "PlantedGap", "generate_province", "write_night"]
