"""The nightly stages, in order: the one table that the DAG, :func:`run_night` and
:func:`run_stage` all read.

``ingest`` → ``validate`` → ``build`` (build file + dbt models, no tests) → ``test`` (``dbt test``
on the build file) → ``publish`` (atomic rename) → ``report``. Each stage is one step function of
:mod:`motcua.pipeline.steps` (``step_<name>``); every step can be called without Airflow.

This module is light (no DuckDB, dbt or GX at import time): the DAG file imports it while the
scheduler parses DAGs. The steps are imported when a stage runs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from motcua.common.config import Settings
from motcua.common.errors import PipelineError

log = logging.getLogger(__name__)

# The one-slot Airflow pool of the stages that write a DuckDB file (one writer per file).
DUCKDB_POOL = "motcua_duckdb"
POOL_DESCRIPTION = "one writer per DuckDB file: every motcua task that writes DuckDB"


@dataclass(frozen=True)
class Stage:
    """One stage of the night.

    ``writes_duckdb``: it writes a DuckDB file, so it runs in the one-slot pool
    :data:`DUCKDB_POOL` and is retried on transient errors; a stage that only reads runs in
    Airflow's default pool without retries. ``reads``: earlier stages whose results it takes
    besides the stage before it (the DAG draws those edges too). ``publishes``: it updates the
    published warehouse (the DAG's asset).
    """

    name: str
    does: str
    writes_duckdb: bool = True
    reads: tuple[str, ...] = ()
    publishes: bool = False

    def run(
        self,
        report_date: dt.date,
        settings: Settings | None = None,
        *,
        run_id: str | None = None,
        upstream: Mapping[str, dict] | None = None,
    ) -> dict:
        """Run the stage's step in this process; ``upstream``: results of earlier stages."""
        from motcua.pipeline import steps

        step = getattr(steps, f"step_{self.name}")
        return step(report_date, settings, run_id=run_id, upstream=upstream)


STAGES: tuple[Stage, ...] = (
    Stage("ingest", "take in the landing files: archive, quarantine, load the ingestion database"),
    Stage("validate", "Great Expectations on the files taken in: findings R02–R10, Data Docs"),
    Stage("build", "the build file, incremental from the published warehouse, and dbt's models"),
    Stage("test", "dbt's data tests on the build file: the audit before publishing"),
    Stage("publish", "rename the tested build file over the published warehouse", publishes=True),
    Stage(
        "report",
        "the province's figures, the dashboard reports/index.html and the night's Biểu 06 exports",
        writes_duckdb=False,
        reads=("validate",),
    ),
)
STAGE_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)


def get_stage(name: str) -> Stage:
    for candidate in STAGES:
        if candidate.name == name:
            return candidate
    raise PipelineError(f"unknown stage {name!r}; stages: {', '.join(STAGE_NAMES)}")


def run_stage(
    stage_name: str,
    report_date: dt.date,
    run_id: str,
    settings: Settings | None = None,
    upstream: Mapping[str, dict] | None = None,
) -> dict:
    """One stage, as one Airflow task runs it (``python -m motcua.pipeline``)."""
    return get_stage(stage_name).run(report_date, settings, run_id=run_id, upstream=upstream)


def run_night(report_date: dt.date, settings: Settings | None = None) -> dict:
    """Every stage in order in this process (``motcua run --no-airflow``): same code as the DAG."""
    settings = settings or Settings.from_env()
    run_id = f"direct__{report_date.isoformat()}__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}"
    out: dict[str, dict] = {}
    for stage in STAGES:
        out[stage.name] = stage.run(report_date, settings, run_id=run_id, upstream=dict(out))
    return out


def is_transient(exc: BaseException) -> bool:
    """Whether retrying may help: lock conflicts and I/O hiccups yes, data/pipeline errors no."""
    text = str(exc)
    transient_markers = ("Could not set lock", "database is locked", "Resource temporarily")
    if isinstance(exc, PipelineError):
        return any(marker in text for marker in transient_markers)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m motcua.pipeline <stage> <YYYY-MM-DD> <run_id>``: one stage in its own
    process, like an Airflow task (drills, debugging a single step)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m motcua.pipeline")
    parser.add_argument("stage", choices=STAGE_NAMES)
    parser.add_argument("date", type=dt.date.fromisoformat)
    parser.add_argument("run_id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        out = run_stage(args.stage, args.date, args.run_id)
    except PipelineError as exc:
        print(f"motcua: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, default=str))
    return 0
