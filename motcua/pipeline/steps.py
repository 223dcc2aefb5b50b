"""The nightly refresh's steps as plain functions: the DAG only wires them together.

One function ``step_<stage>`` per stage of :data:`motcua.pipeline.stages.STAGES` (the table of
stages and their order lives there). Each takes the report date, the settings, the run's id and
the results of the earlier stages, and returns a small JSON-able summary (Airflow keeps it as the
task's return value). Every step can be called without Airflow, e.g. from tests or from
``motcua run --no-airflow``.

Every stage runs inside :func:`motcua.ops.faults.stage`, which logs it and lets a drill kill the
process in the middle of it (``MOTCUA_FAULT_STAGE``, see :mod:`motcua.ops.faults`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.ops.faults import stage
from motcua.warehouse import build, publish

log = logging.getLogger(__name__)

BUILD_MARKER = "build.json"


# --- the steps --------------------------------------------------------------------------------


def step_ingest(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    from ingestion.load import ingest

    settings = settings or Settings.from_env()
    with stage("ingest"):
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


def step_validate(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    from expectations.validate import validate_new_files

    settings = settings or Settings.from_env()
    with stage("validate"):
        summary = validate_new_files(settings, report_date=report_date)
    return summary.as_dict() if hasattr(summary, "as_dict") else dict(summary.__dict__)


def _marker(settings: Settings) -> Path:
    return settings.build_db.with_name(BUILD_MARKER)


def step_build(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    """The build file (:func:`motcua.warehouse.build.prepare_build`: incremental from the published
    warehouse, or fresh and ``--full-refresh``), then ``dbt build`` of the models (no tests;
    seeds on a full rebuild: :meth:`motcua.warehouse.build.BuildPlan.dbt_build_args`) into it.

    A marker next to the build file records which run built it, so that the ``test`` and
    ``publish`` steps of another run (a backfill running beside the nightly run) refuse it.
    """
    settings = settings or Settings.from_env()
    run_id = run_id or f"manual__{dt.datetime.now(dt.UTC).isoformat()}"
    with stage("build"):
        _marker(settings).unlink(missing_ok=True)
        # incremental from the published warehouse when possible, else fresh + --full-refresh
        plan = build.prepare_build(settings, report_date)
        build.run_dbt(settings, report_date, *plan.dbt_build_args())
        built = {
            "report_date": report_date.isoformat(),
            "run_id": run_id,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        _marker(settings).write_text(json.dumps(built) + "\n")
    return {**plan.as_dict(), **built}


def _check_marker(settings: Settings, report_date: dt.date, run_id: str | None) -> dict:
    marker = _marker(settings)
    if not marker.exists() or publish.pending_build(settings) is None:
        raise PipelineError(
            f"no finished build at {settings.build_db}: the build step of this run did not "
            "complete (or another run consumed it). Re-run the night."
        )
    built = json.loads(marker.read_text())
    if built["report_date"] != report_date.isoformat() or (run_id and built["run_id"] != run_id):
        raise PipelineError(
            f"the build file was made by run {built['run_id']} for {built['report_date']}, not by "
            f"this run ({run_id}, {report_date}): two runs overlapped (a backfill beside the "
            "nightly run?). Nothing was published; re-run this night alone."
        )
    return built


def step_test(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    """``dbt test`` (every data test, no unit test) on the build file: the audit before
    publishing."""
    settings = settings or Settings.from_env()
    with stage("test"):
        built = _check_marker(settings, report_date, run_id)
        build.run_dbt(settings, report_date, *build.DBT_TEST_ARGS)
    return {"tested": True, **built}


def step_publish(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    settings = settings or Settings.from_env()
    with stage("publish"):
        current = publish.published_info(settings.warehouse_db)
        if (
            run_id
            and publish.pending_build(settings) is None
            and current is not None
            and current.get("run_id") == run_id
        ):
            # A retry after the rename went through: this run's build is already published.
            log.info("publish: %s already holds this run's build", settings.warehouse_db)
            return {"warehouse": str(settings.warehouse_db), **current}
        built = _check_marker(settings, report_date, run_id)
        target = publish.publish(settings, info=built)
        _marker(settings).unlink(missing_ok=True)
    log.info("published %s (report date %s)", target, report_date)
    return {"warehouse": str(target), **built}


def _no_dossiers_yet(settings: Settings) -> bool:
    """The published warehouse opens and holds no dossier (a province before its first
    ledger); False when it cannot be read."""
    import duckdb

    try:
        con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    except duckdb.Error:
        return False
    try:
        return con.execute("select count(*) from marts.fct_dossier").fetchone() == (0,)
    except duckdb.Error:
        return False
    finally:
        con.close()


# The report step's parts, in order, and what to do when one fails (after fixing its cause).
REPORT_PARTS = {
    "summary": "check that the published warehouse opens (`motcua report` prints the same summary)",
    "dashboard": "look at the error above (the dashboard's figures or the reports/ folder)",
    "feedback": "look at the error above (the gaps' marts or the reports/units/ folder)",
}


def step_report(
    report_date: dt.date,
    settings: Settings | None = None,
    *,
    run_id: str | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    """Log a short summary of the published warehouse (province figures, gap counts, docs; the
    Data Docs are the ones the ``validate`` stage wrote, when its result is at hand), then write
    the dashboard ``reports/index.html`` and the night's exports from it
    (:func:`motcua.reports.dashboard.write_nightly`), and each unit's feedback workbook
    (:func:`motcua.reports.feedback.write_all_feedback`). The warehouse is only read.

    Each part (:data:`REPORT_PARTS`) is attempted whatever befell the others; a part that fails
    is logged with its error and what to do, and once every part had its turn the step raises
    :class:`PipelineError` naming the parts that failed, so that the task fails and alerts. The
    published warehouse is not affected (this step runs after it is published)."""
    from motcua.reports.dashboard import write_nightly
    from motcua.reports.feedback import write_all_feedback
    from motcua.reports.summary import run_summary

    settings = settings or Settings.from_env()
    failed: dict[str, str] = {}

    def attempt(part: str, run):
        try:
            return run()
        except Exception as exc:  # every part has its turn; the step fails at the end
            failed[part] = f"{type(exc).__name__}: {exc}"
            log.exception(
                "report: the %s failed (%s); the other parts are still written. What to do: "
                "%s, fix it, then re-run the report task (the published warehouse is not "
                "affected).",
                part,
                failed[part],
                REPORT_PARTS[part],
            )
            return None

    def summarize() -> dict:
        data_docs = (upstream or {}).get("validate", {}).get("data_docs_index")
        out = run_summary(settings, report_date, data_docs=data_docs)
        if "province" not in out and not _no_dossiers_yet(settings):
            # run_summary says so in a line instead of raising. A province before its first
            # ledger has no figures and is no failure (the dashboard draws an empty page).
            raise PipelineError(
                "no province figures from the published warehouse: " + "; ".join(out["lines"])
            )
        return out

    with stage("report"):
        summary = attempt("summary", summarize) or {
            "warehouse": str(settings.warehouse_db),
            "report_date": str(report_date),
            "lines": [],
        }
        dashboard = attempt("dashboard", lambda: write_nightly(settings))
        if dashboard is not None:
            summary["dashboard"] = dashboard
            summary["lines"].append(
                f"dashboard: {dashboard['index']} ({dashboard['pages']} pages), "
                f"{len(dashboard['exports'])} exports"
            )
        feedback = attempt("feedback", lambda: write_all_feedback(settings))  # issue #17
        if feedback is not None:
            summary["lines"].append(feedback.pop("line"))
            summary.update(feedback)
    for line in summary["lines"]:
        log.info("report | %s", line)
    if failed:
        raise PipelineError(
            f"report: {len(failed)} of {len(REPORT_PARTS)} parts failed: "
            + "; ".join(f"{part} ({error})" for part, error in failed.items())
            + ". The other parts were written and the published warehouse is not affected: "
            "fix the cause (see the log above for each part) and re-run the report task."
        )
    return summary
