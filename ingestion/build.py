"""Write–audit–publish: build the warehouse in a separate file, test it, then publish it.

1. :func:`prepare_build` creates a fresh build file and copies the ingestion database into its
   schema ``raw`` (the published warehouse is then self-contained).
2. :func:`run_dbt` runs ``dbt build`` (models and their tests) into the build file, in a
   separate process so that no DuckDB handle of dbt outlives the build.
3. :mod:`ingestion.publish` then publishes the tested build file (atomic rename).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from . import store
from .config import DBT_PROJECT_DIR, Settings
from .errors import PipelineError

log = logging.getLogger(__name__)

RAW_TABLES = (
    "files",
    "submission_rows",
    "ref_units",
    "ref_procedures",
    "ref_calendar",
    "findings",
    "validated_files",
)


def _remove_db(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def prepare_build(settings: Settings) -> Path:
    """A fresh build file holding a copy of the ingestion tables in schema ``raw``."""
    if not settings.ingest_db.exists():
        raise PipelineError(
            f"{settings.ingest_db} does not exist: run the ingest step first "
            "(motcua run does it for you)."
        )
    build = settings.build_db
    build.parent.mkdir(parents=True, exist_ok=True)
    _remove_db(build)
    store.connect(settings.ingest_db).close()  # make sure every table exists
    con = duckdb.connect(str(build))
    try:
        con.execute(f"attach '{settings.ingest_db.as_posix()}' as ingest (read_only)")
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(f"create table raw.{table} as select * from ingest.main.{table}")
        con.execute("detach ingest")
        con.execute("checkpoint")
    finally:
        con.close()
    log.info("build file prepared: %s", build)
    return build


def dbt_command(settings: Settings, *args: str, report_date: dt.date | None = None) -> list[str]:
    """The dbt command line for this data folder (target and logs under build/)."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt",
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(settings.data_dir / "build" / "dbt_target"),
        "--log-path",
        str(settings.data_dir / "build" / "dbt_logs"),
    ]
    if report_date is not None:
        command += ["--vars", json.dumps({"report_date": report_date.isoformat()})]
    return command


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["MOTCUA_BUILD_DB"] = str(settings.build_db)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def run_dbt(settings: Settings, report_date: dt.date, *args: str) -> None:
    """``dbt build`` (or the given command) as of ``report_date``; raises when dbt fails."""
    command = dbt_command(settings, *(args or ("build",)), report_date=report_date)
    log.info("running %s", " ".join(command))
    started = time.monotonic()
    result = subprocess.run(
        command, env=dbt_env(settings), capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        log.info("dbt | %s", line)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-40:] + result.stderr.splitlines()[-20:])
        raise PipelineError(
            f"dbt {' '.join(args or ('build',))} failed (exit {result.returncode}); the published "
            f"warehouse is unchanged. Fix the model or test named below, then re-run the night.\n"
            f"{tail}"
        )
    log.info("dbt finished in %.1f s", time.monotonic() - started)
