"""The leaf of motcua: settings and paths, pipeline errors, the ingestion database's contract
(DDL, connection), the Vietnamese working-day calendar. Imports no other package of the project."""
