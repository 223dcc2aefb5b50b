"""
### motcua_nightly — the one-stop-shop warehouse, refreshed every night

Takes in every unit ledger that has landed in `$MOTCUA_DATA_DIR/landing/` and not been taken in
yet (late files included), validates it with Great Expectations, builds the warehouse with dbt in
a separate DuckDB file, tests it, and only then publishes it to
`$MOTCUA_DATA_DIR/warehouse/motcua.duckdb` by atomic rename.

* **Logical date = report date.** The run for report date *D* starts at 01:00 Asia/Ho_Chi_Minh on
  *D + 1*; everything is computed as of *D*. Files for later report dates wait for their night.
* **Idempotent.** Re-running a night takes in nothing new and rebuilds the same warehouse.
* **Safe.** A failure in any step leaves the published warehouse as it was.

Steps live in `ingestion.pipeline` (and `expectations.validate`); see the README's operator page.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, dag, get_current_context, task
from airflow.timetables.interval import CronDataIntervalTimetable

LOCAL_TZ = pendulum.timezone("Asia/Ho_Chi_Minh")
WAREHOUSE = Asset("motcua://warehouse/motcua.duckdb", group="motcua")


def _report_date() -> dt.date:
    """The report date of this run: the logical date, in local time."""
    logical = get_current_context()["logical_date"]
    return pendulum.instance(logical).in_timezone(LOCAL_TZ).date()


@dag(
    dag_id="motcua_nightly",
    schedule=CronDataIntervalTimetable("0 1 * * *", timezone=LOCAL_TZ),
    start_date=pendulum.datetime(2008, 7, 1, tz=LOCAL_TZ),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["motcua"],
    default_args={"retries": 0},
)
def motcua_nightly():
    @task
    def ingest() -> dict:
        from ingestion.pipeline import step_ingest

        return step_ingest(_report_date())

    @task
    def validate(ingested: dict) -> dict:
        from ingestion.pipeline import step_validate

        return step_validate(_report_date())

    @task
    def build_and_test(validated: dict) -> dict:
        from ingestion.pipeline import step_build

        return step_build(_report_date())

    @task(outlets=[WAREHOUSE])
    def publish(built: dict) -> dict:
        from ingestion.pipeline import step_publish

        return step_publish(_report_date())

    publish(build_and_test(validate(ingest())))


motcua_nightly()
