"""The leaf of motcua: settings and paths, pipeline errors, the ingestion database's contract
(DDL, connection), owner-only folders and files, the Vietnamese working-day calendar. Imports
no other package of the project."""
