"""The nightly refresh's steps as plain functions: the DAG only wires them together.

Each step takes the report date and returns a small JSON-able summary (Airflow keeps it as the
task's return value). Every step can be called without Airflow, e.g. from tests.
"""

from __future__ import annotations

import datetime as dt
import logging

from . import build, publish
from .config import Settings
from .load import ingest

log = logging.getLogger(__name__)


def step_ingest(report_date: dt.date, settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    summary = ingest(settings, report_date)
    log.info(
        "ingest: %d new files (%d loaded, %d replaced, %d duplicate, %d quarantined), %d rows",
        summary.files_new,
        summary.loaded,
        summary.replaced,
        summary.duplicate,
        summary.quarantined,
        summary.rows_loaded,
    )
    return summary.as_dict()


def step_validate(report_date: dt.date, settings: Settings | None = None) -> dict:
    from expectations.validate import validate_new_files

    settings = settings or Settings.from_env()
    summary = validate_new_files(settings, report_date=report_date)
    return summary.as_dict() if hasattr(summary, "as_dict") else dict(summary.__dict__)


def step_build(report_date: dt.date, settings: Settings | None = None) -> dict:
    """Prepare a fresh build file and run ``dbt build`` (models + tests) into it."""
    settings = settings or Settings.from_env()
    build.prepare_build(settings)
    build.run_dbt(settings, report_date, "build")
    return {"build_db": str(settings.build_db), "report_date": report_date.isoformat()}


def step_publish(report_date: dt.date, settings: Settings | None = None) -> dict:
    settings = settings or Settings.from_env()
    target = publish.publish(settings)
    return {"warehouse": str(target), "report_date": report_date.isoformat()}
