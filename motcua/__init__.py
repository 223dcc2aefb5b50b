"""motcua: the one-stop-shop (một cửa) data platform of a province.

The application package. Its parts, each importing only the ones listed before it:

* :mod:`motcua.common` — configuration, errors, the ingestion database's contract, the
  Vietnamese working-day calendar: the leaf every package may import (``ingestion``,
  ``expectations`` and every part of ``motcua``); it imports none of them.
* :mod:`motcua.ops` — fault injection (drills) and failure alerts.
* :mod:`motcua.warehouse` — the dbt build, write–audit–publish, the dbt docs site.
* :mod:`motcua.reports` — what people read: the province's summary of a night.
* :mod:`motcua.demo` — the generated demo province.
* :mod:`motcua.pipeline` — the nightly stages (one table, read by the DAG, ``run_night`` and
  ``run_stage``) and the local Airflow runner; it drives ``ingestion`` (landing → archive →
  ingestion database), ``expectations`` (Great Expectations) and ``motcua.warehouse``.
* :mod:`motcua.cli` — the ``motcua`` command.

This file imports nothing, so that importing :mod:`motcua.common` stays a leaf.
"""

__version__ = "0.1.0"
