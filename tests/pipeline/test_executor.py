"""The nightly DAG under a real executor, not ``airflow dags test``: an Airflow scheduler with the
LocalExecutor on SQLite, a DAG processor and the API server's execution API (which Airflow 3 task
processes report to), all started here and all stopped at the end, process groups and every
descendant included.

A triggered run must succeed, update the warehouse asset, publish the night, and the tasks of the
one-slot pool ``motcua_duckdb`` (every DuckDB writer) must never overlap in time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from motcua.common.config import Settings
from motcua.demo import generate_province
from motcua.pipeline.airflow_local import DUCKDB_POOL, airflow_env, ensure_metadata_db
from tests.support.published import fetch

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
pytestmark = pytest.mark.e2e
WRITERS = {"ingest", "validate", "build", "test", "publish"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM then SIGKILL every component, its process group and every descendant."""
    victims: dict[int, psutil.Process] = {}
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(proc.pid)
            victims[parent.pid] = parent
            for child in parent.children(recursive=True):
                victims[child.pid] = child
    for proc in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(list(victims.values()), timeout=10)
    for proc in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    for victim in alive:
        with contextlib.suppress(psutil.Error):
            victim.kill()
    psutil.wait_procs(alive, timeout=10)
    for proc in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def query(db: Path, sql: str, params=()) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return []  # table not there yet / database busy: the caller polls again
    finally:
        con.close()


def wait_for(what: str, check, timeout: float, logs: Path, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    tails = "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.glob("*.log"))
    )
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


def test_a_triggered_run_succeeds_under_the_local_executor(tmp_path):
    data_dir = tmp_path / "data"
    report = generate_province(data_dir, seed=3, profile="small")
    day = report.last_report_date
    settings = Settings.from_env(data_dir)
    ensure_metadata_db(settings)  # migrate + the one-slot pool, as `motcua run` does
    home = settings.airflow_home
    db = home / "airflow.db"
    assert query(db, "select slots from slot_pool where pool = ?", (DUCKDB_POOL,)) == [(1,)]

    port = free_port()
    env = airflow_env(settings)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",  # room for parallel tasks: the pool must say no
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": "test-executor-secret",
            "AIRFLOW__API__SECRET_KEY": "test-executor-secret",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "MOTCUA_NIGHTLY_SCHEDULE": "none",  # only the run triggered below
            "MOTCUA_TASK_RETRIES": "0",
            "MOTCUA_PSEUDONYM_KEY": "executor-key",
        }
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    components = {
        "api-server": [AIRFLOW, "api-server", "--apps", "execution", "-H", "127.0.0.1"]
        + ["-p", str(port), "-w", "1"],
        "scheduler": [AIRFLOW, "scheduler"],
        "dag-processor": [AIRFLOW, "dag-processor"],
    }
    processes: list[subprocess.Popen] = []
    started = time.monotonic()
    try:
        for name, command in components.items():
            handle = (logs / f"{name}.log").open("w")
            processes.append(
                subprocess.Popen(
                    command,
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        wait_for(
            "the DAG to be parsed",
            lambda: query(db, "select 1 from dag where dag_id = 'motcua_nightly'"),
            timeout=180,
            logs=logs,
        )
        logical = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.timezone(dt.timedelta(hours=7)))
        run_id = f"executor_test__{day.isoformat()}"
        for command in (
            [AIRFLOW, "dags", "unpause", "motcua_nightly"],
            [AIRFLOW, "dags", "trigger", "motcua_nightly", "-l", logical.isoformat(), "-r", run_id],
        ):
            result = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
        state = wait_for(
            "the run to finish",
            lambda: [
                s
                for (s,) in query(db, "select state from dag_run where run_id = ?", (run_id,))
                if s in ("success", "failed")
            ],
            timeout=480,
            logs=logs,
            interval=2,
        )
        tis = query(
            db,
            "select task_id, state, pool, start_date, end_date from task_instance "
            "where run_id = ? order by start_date",
            (run_id,),
        )
        assert state == ["success"], tis
        print(f"run finished {time.monotonic() - started:.0f} s after the components started")
    finally:
        stop(processes)
    for proc in processes:
        assert proc.poll() is not None
    assert not [
        p.pid
        for p in psutil.process_iter(["environ"])
        if (p.info.get("environ") or {}).get("AIRFLOW_HOME") == str(home)
    ], "an Airflow component outlived the test"

    assert {t for t, *_ in tis} == WRITERS | {"report"}
    assert all(state == "success" for _, state, *_ in tis), tis
    pooled = [(t, s, e) for t, _, pool, s, e in tis if pool == DUCKDB_POOL]
    assert {t for t, *_ in pooled} == WRITERS
    spans = sorted((s, e, t) for t, s, e in pooled)
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"{first} and {second} wrote DuckDB at the same time"

    (published,) = fetch(settings.warehouse_db, "select report_date, run_id from ops.publication")
    assert published == (day, run_id)
    events = query(
        db,
        "select a.uri from asset_event e join asset a on a.id = e.asset_id "
        "where e.source_run_id = ?",
        (run_id,),
    )
    assert events == [("motcua://warehouse/motcua.duckdb",)]
