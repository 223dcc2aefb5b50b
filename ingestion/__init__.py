"""motcua ingestion: landing → archive → ingestion database.

Takes in the units' landing files, archives every one, quarantines what cannot be read,
decodes and pseudonymises the rows and loads them into ``ingest/ingest.duckdb``. Imports only
:mod:`motcua.common` of the rest of the project.
"""
