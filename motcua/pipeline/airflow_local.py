"""Run the nightly DAG through a local Airflow (SQLite metadata under the data folder)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from motcua.common.config import DAG_ID, DAGS_DIR, Settings
from motcua.common.errors import PipelineError
from motcua.pipeline.stages import DUCKDB_POOL, POOL_DESCRIPTION

log = logging.getLogger(__name__)


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for a local Airflow whose home, metadata and logs live in the data folder."""
    home = Path(os.environ.get("MOTCUA_AIRFLOW_HOME", settings.airflow_home))
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
            "MOTCUA_DATA_DIR": str(settings.data_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def _airflow() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


_MIGRATED = "migrated+pool v2\n"


def ensure_metadata_db(settings: Settings) -> None:
    """``airflow db migrate`` and the one-slot pool ``motcua_duckdb``, once per Airflow home.

    Idempotent; docker-compose's ``airflow-init`` does the same for PostgreSQL.
    """
    env = airflow_env(settings)
    home = Path(env["AIRFLOW_HOME"])
    marker = home / ".motcua-migrated"
    if marker.exists() and marker.read_text() == _MIGRATED and (home / "airflow.db").exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    print(f"[motcua] preparing Airflow metadata database in {home} ...", flush=True)
    for command, what in (
        ([_airflow(), "db", "migrate"], "airflow db migrate"),
        ([_airflow(), "pools", "set", DUCKDB_POOL, "1", POOL_DESCRIPTION], "creating the pool"),
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PipelineError(
                f"{what} failed; check AIRFLOW_HOME ({home}) permissions.\n" + result.stderr[-3000:]
            )
    marker.write_text(_MIGRATED)


def run_dag(settings: Settings, report_date: dt.date, *, quiet: bool = False) -> int:
    """``airflow dags test motcua_nightly <date>``: returns the exit code (0 = run succeeded)."""
    ensure_metadata_db(settings)
    env = airflow_env(settings)
    # `dags test` runs in the foreground: fail at once instead of waiting for retry delays.
    env.setdefault("MOTCUA_TASK_RETRIES", "0")
    log_file = settings.data_dir / "logs" / f"motcua_nightly_{report_date.isoformat()}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [_airflow(), "dags", "test", DAG_ID, report_date.isoformat()]
    print(f"[motcua] {' '.join(command[1:])}  (log: {log_file})", flush=True)
    started = time.monotonic()
    with log_file.open("w") as handle:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            handle.write(line)
            if not quiet and _is_progress(line):
                print("  " + line.rstrip()[:200], flush=True)
        code = process.wait()
    elapsed = time.monotonic() - started
    state = "succeeded" if code == 0 else f"FAILED (exit {code})"
    print(f"[motcua] run for {report_date} {state} in {elapsed:.0f} s", flush=True)
    if code != 0:
        print(f"[motcua] see {log_file} for the failing task's log", flush=True)
    return code


_PROGRESS_MARKERS = (
    "Marking task as",
    "ingest:",
    "validation:",
    "stage ",
    "report |",
    "published",
    "dbt finished",
    "ERROR",
    "PipelineError",
    "Traceback",
    "Data Docs",
)


def _is_progress(line: str) -> bool:
    return any(marker in line for marker in _PROGRESS_MARKERS)
