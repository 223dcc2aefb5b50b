"""The nightly pipeline: the table of stages (:mod:`.stages`), their steps (:mod:`.steps`) and
the local Airflow runner (:mod:`.airflow_local`). Drives ``ingestion``, ``expectations`` and
:mod:`motcua.warehouse`."""
