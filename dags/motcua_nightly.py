"""
### motcua_nightly — the one-stop-shop warehouse, refreshed every night

Takes in every unit ledger that has landed in `$MOTCUA_DATA_DIR/landing/` and not been taken in
yet (late files included), validates it with Great Expectations, builds the warehouse with dbt in
a separate DuckDB file, tests it, and only then publishes it to
`$MOTCUA_DATA_DIR/warehouse/motcua.duckdb` by atomic rename (write – audit – publish).

`ingest` → `validate` → `build` (dbt models, no tests) → `test` (`dbt test`) → `publish` → `report`

* **Logical date = report date.** The run for report date *D* starts at 01:00 Asia/Ho_Chi_Minh on
  *D + 1*; everything is computed as of *D*. Files for later report dates wait for their night.
* **Idempotent, order-free.** Re-running a night, or running nights in another order (backfill),
  gives the same warehouse for that night.
* **Safe.** A failure — or a kill — in any task leaves the published warehouse as it was. Every
  task that writes DuckDB runs in the one-slot pool `motcua_duckdb` (one writer per file).
* **Retries** with exponential backoff on transient errors; pipeline errors (bad reference data,
  failing dbt test) fail at once. A task that fails for good calls `motcua.ops.alerts`
  (e-mail / webhook, off unless configured).
* **Asset** `motcua://warehouse/motcua.duckdb` is updated by `publish`: schedule downstream DAGs
  on it (`schedule=[Asset("motcua://warehouse/motcua.duckdb")]`).

Operator's page: `docs/operations.md`. The stages and their order are the table
`motcua.pipeline.stages.STAGES`; each task runs one of them (`motcua.pipeline.steps`).
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

from motcua.common.errors import PipelineError
from motcua.ops.alerts import notify_failure
from motcua.pipeline.stages import DUCKDB_POOL, STAGES, Stage, get_stage, is_transient

LOCAL_TZ = pendulum.timezone("Asia/Ho_Chi_Minh")
WAREHOUSE = Asset("motcua://warehouse/motcua.duckdb", group="motcua")
# "none" runs the DAG only when triggered (a staging machine, the real-executor test).
SCHEDULE = os.environ.get("MOTCUA_NIGHTLY_SCHEDULE", "0 1 * * *")
RETRIES = int(os.environ.get("MOTCUA_TASK_RETRIES", "2"))
# Seconds before the first retry (then doubled each time, at most 30 minutes).
RETRY_DELAY = dt.timedelta(seconds=int(os.environ.get("MOTCUA_TASK_RETRY_DELAY", "120")))


def _run(stage_name: str, upstream: dict) -> dict:
    """Run one stage for this run's report date (the logical date, in local time); a pipeline
    error that retrying cannot fix fails the task without retries."""
    from airflow.sdk.exceptions import AirflowFailException

    stage = get_stage(stage_name)
    context = get_current_context()
    report_date = pendulum.instance(context["logical_date"]).in_timezone(LOCAL_TZ).date()
    try:
        result = stage.run(report_date, run_id=context["run_id"], upstream=upstream)
    except PipelineError as exc:
        if is_transient(exc):
            raise
        raise AirflowFailException(str(exc)) from exc
    if stage.publishes:
        context["outlet_events"][WAREHOUSE].extra = {
            "report_date": result.get("report_date"),
            "run_id": result.get("run_id"),
        }
    return result


def _task(stage: Stage):
    """The stage as a task: DuckDB writers share the one-slot pool and retry; readers do not."""
    options = {"task_id": stage.name, "doc_md": stage.does}
    if stage.publishes:
        options["outlets"] = [WAREHOUSE]
    if not stage.writes_duckdb:
        options.update(pool="default_pool", retries=0)
    return task(**options)(_run)


@dag(
    dag_id="motcua_nightly",
    schedule=None
    if SCHEDULE.lower() == "none"
    else CronDataIntervalTimetable(SCHEDULE, timezone=LOCAL_TZ),
    start_date=pendulum.datetime(2008, 7, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["motcua"],
    default_args={
        "pool": DUCKDB_POOL,
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=30),
        "execution_timeout": dt.timedelta(hours=3),
        "on_failure_callback": notify_failure,
    },
)
def motcua_nightly():
    # A straight line in the table's order; a stage also takes the results of the stages it
    # reads (the report: the validation's Data Docs).
    results = {}
    previous = None
    for stage in STAGES:
        names = ([previous] if previous else []) + [n for n in stage.reads if n != previous]
        results[stage.name] = _task(stage)(stage.name, {name: results[name] for name in names})
        previous = stage.name


motcua_nightly()
