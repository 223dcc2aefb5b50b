"""The production topology of docker-compose.yml, run for real (``make test-production``).

PostgreSQL (metadata and Celery results) and Redis (Celery broker) from Debian's packages on
127.0.0.1 only; ``airflow-init``'s script; the api-server, the scheduler, the dag-processor, the
triggerer and a Celery worker with the environment the compose file gives them
(tests/support/production.py derives it from docker-compose.yml, the Dockerfile and
.env.example). ``motcua_nightly`` is triggered through the REST API on a generated province; the
Celery worker is killed (SIGKILL, every process of it) while ``build`` writes its DuckDB file; a
new worker is started. The run must complete by retrying ``build``, publish a whole warehouse
equal to the independent oracle, and the one-slot pool must have kept the DuckDB writers apart
(no two tries of pool members overlap in time, killed try included). Then the UI, in Debian's
chromium: log in, the DAG's grid shows the run (screenshot ``build/test-production/
airflow-grid.png``, kept with every component's log). An api-server whose admin password is a
default one refuses to start.

Every process is started here and stopped by its own id at the end, also on failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from motcua.common.config import DAG_ID, REPO_ROOT, Settings
from motcua.demo import generate_province
from motcua.pipeline.stages import DUCKDB_POOL, STAGES
from tests.support.oracle import Oracle
from tests.support.production import (
    Api,
    Postgres,
    Redis,
    Topology,
    dotenv,
    free_port,
    kill_now,
    stop,
    wait_for,
)
from tests.support.published import fetch, fingerprint

pytestmark = pytest.mark.production

WRITERS = {s.name for s in STAGES if s.writes_duckdb}
KILLED = "build"  # dbt writing the build file: the longest DuckDB writer
WRITTEN_BEFORE_KILL = 2 * 2**20  # bytes of the build file (and its WAL) before the kill
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
CHROMIUM = "/usr/bin/chromium"
SUCCESS_TICK = 'd="M20 6 9 17l-5-5"'  # the tick icon of a succeeded task in Airflow 3.3's grid
# The screenshot and every component's log of the last run, kept (build/ is git-ignored).
ARTIFACTS = REPO_ROOT / "build" / "test-production"


def parse(stamp: str | None) -> dt.datetime | None:
    return None if stamp is None else dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_celery_topology_survives_a_killed_worker(tmp_path):
    began = time.monotonic()
    timings: dict[str, float] = {}

    def mark(what: str) -> None:
        timings[what] = round(time.monotonic() - began, 1)
        print(f"[{timings[what]:6.1f} s] {what}", flush=True)

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    data_dir = tmp_path / "data"
    report = generate_province(data_dir, seed=5, profile="small")
    day = report.last_report_date
    env_file = dotenv({"AIRFLOW_EXECUTOR": "CeleryExecutor", "MOTCUA_HOST_DATA_DIR": str(data_dir)})
    ports = {"postgres": free_port(), "redis": free_port(), "airflow-apiserver": free_port()}
    health_port = free_port()
    overrides = {
        # only the run triggered below (the compose file keeps the nightly schedule)
        "MOTCUA_NIGHTLY_SCHEDULE": "none",
        # the retry 3 s after the failure instead of 2 minutes
        "MOTCUA_TASK_RETRY_DELAY": "3",
        # the scheduler gives up on the killed worker's task after 30 s without a heartbeat
        # instead of 5 minutes
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
        # what the containers' port mappings do: loopback, and ports free on this machine
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(ports["airflow-apiserver"]),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(health_port),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
    }
    topology = Topology(tmp_path, env_file, ports, overrides)
    logs = topology.logs
    worker_env = topology.service_env("airflow-worker")
    home = worker_env["AIRFLOW_HOME"]
    settings = Settings.from_env(worker_env["MOTCUA_DATA_DIR"])
    assert settings.data_dir == data_dir
    assert worker_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert worker_env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://127.0.0.1:{ports['redis']}/0"
    assert worker_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")

    postgres = Postgres(
        env_file["POSTGRES_USER"],
        env_file["POSTGRES_PASSWORD"],
        env_file["POSTGRES_DB"],
        logs,
        port=ports["postgres"],
    )
    redis = Redis(logs, port=ports["redis"])
    processes: list[subprocess.Popen] = []
    api = Api(f"http://127.0.0.1:{ports['airflow-apiserver']}")
    run_id = f"production_test__{day.isoformat()}"
    try:
        postgres.start(processes)
        redis.start(processes)
        assert postgres.listening() == ["127.0.0.1"]
        assert redis.listening() == ["127.0.0.1"]
        mark("PostgreSQL and Redis up on 127.0.0.1")

        init = topology.run_init()
        assert "pool motcua_duckdb ready" in init
        mark("airflow-init done (migrated, pool, admin password)")

        # An api-server whose passwords file holds a default password refuses to start.
        weak_file = tmp_path / "weak-passwords.json"
        weak_file.write_text(json.dumps({env_file["AIRFLOW_ADMIN_USER"]: "admin"}))
        weak = subprocess.Popen(
            topology.command("airflow-apiserver"),
            env=topology.service_env("airflow-apiserver")
            | {
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(weak_file),
                "AIRFLOW__API__PORT": str(free_port()),
            },
            stdout=(logs / "weak-apiserver.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(weak)

        workers = {}
        for name in AIRFLOW_SERVICES:
            workers[name] = topology.start(name, processes)
        worker = workers["airflow-worker"]

        wait_for("the api-server", api.up, timeout=180, logs=logs)
        api.login(env_file["AIRFLOW_ADMIN_USER"], env_file["AIRFLOW_ADMIN_PASSWORD"])
        mark("api-server up, token from the auth manager")

        def dag_ready():
            try:
                return not api.get(f"/dags/{DAG_ID}")["is_paused"]
            except AssertionError:
                return False  # not parsed yet: 404

        wait_for("the DAG to be parsed (unpaused)", dag_ready, timeout=180, logs=logs)
        assert api.get(f"/pools/{DUCKDB_POOL}")["slots"] == 1

        def scheduler_healthy():
            try:
                url = f"http://127.0.0.1:{health_port}/health"
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for("the scheduler's health check", scheduler_healthy, timeout=120, logs=logs)
        mark("DAG parsed, scheduler healthy")

        logical = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.timezone(dt.timedelta(hours=7)))
        created = api.post(
            f"/dags/{DAG_ID}/dagRuns",
            {"dag_run_id": run_id, "logical_date": logical.isoformat()},
        )
        assert created["dag_run_id"] == run_id
        mark("run triggered through the REST API")

        # SIGKILL the worker while `build`'s task process holds the build file open and dbt has
        # written a good part of it (the published file of this province is about 13 MB).
        build_file = settings.build_db

        def written() -> int:
            return sum(
                p.stat().st_size for p in (build_file, Path(f"{build_file}.wal")) if p.exists()
            )

        def writing_task():
            state = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{KILLED}")["state"]
            assert state in (None, "scheduled", "queued", "running"), f"{KILLED} is {state}"
            if written() < WRITTEN_BEFORE_KILL:
                return None
            for proc in [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(True)]:
                try:
                    if any(f.path.startswith(str(build_file)) for f in proc.open_files()):
                        return proc.pid
                except psutil.Error:
                    continue
            return None

        writer_pid = wait_for(
            f"{KILLED} to write {build_file}", writing_task, timeout=300, logs=logs, every=0.2
        )
        killed = kill_now(worker)
        assert writer_pid in killed
        assert not psutil.pid_exists(writer_pid) or psutil.Process(writer_pid).status() == "zombie"
        mark(
            f"worker SIGKILLed ({len(killed)} processes) while {KILLED} wrote "
            f"({written() / 2**20:.1f} MiB written)"
        )
        topology.start("airflow-worker", processes, log="airflow-worker-2")

        def finished():
            state = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}")["state"]
            return state if state in ("success", "failed") else None

        state = wait_for("the run to finish", finished, timeout=480, logs=logs, every=2)
        mark(f"run finished: {state}")
        instances = api.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
        assert state == "success", instances
        tries = {
            ti["task_id"]: api.get(
                f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/tries"
            )["task_instances"]
            for ti in instances
        }

        # The UI: log in with the admin's password, the DAG's grid shows the run.
        screenshot = ARTIFACTS / "airflow-grid.png"
        check_grid(api.base, env_file, run_id, screenshot, tmp_path)
        mark(f"UI: logged in, the grid shows the run ({screenshot})")
    finally:
        stopped = stop(processes)
        postgres.cleanup()
        shutil.copytree(logs, ARTIFACTS / "logs", dirs_exist_ok=True)
    mark("every process stopped")

    for proc in processes:
        assert proc.poll() is not None, proc.args
    # PostgreSQL's backends, Celery's pool, the log servers, the task supervisors…: all gone
    alive = []
    for pid in stopped:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    assert not alive, f"still running after the test: {alive}"
    leftovers = []
    for p in psutil.process_iter(["environ", "cmdline"]):
        try:
            if (p.info.get("environ") or {}).get("AIRFLOW_HOME") == home:
                leftovers.append((p.pid, p.info["cmdline"]))
        except psutil.Error:
            continue
    assert not leftovers, f"outlived the test: {leftovers}"

    # The weak api-server refused, saying why, and never served.
    weak_log = (logs / "weak-apiserver.log").read_text()
    assert weak.returncode != 0, weak_log[-3000:]
    assert "refusing to start the api-server" in weak_log and "is a default password" in weak_log

    # The run completed by retry: only the killed task has two tries, the first failed.
    assert {ti["task_id"] for ti in instances} == {s.name for s in STAGES}
    assert all(ti["state"] == "success" for ti in instances), instances
    assert [t["state"] for t in tries[KILLED]] == ["failed", "success"], tries[KILLED]
    assert all(len(tries[name]) == 1 for name in tries if name != KILLED), tries

    # The pool kept the writers apart: no two tries of pool members overlap, the killed one too.
    spans = []
    for name, attempts in tries.items():
        for attempt in attempts:
            assert (attempt["pool"] == DUCKDB_POOL) == (name in WRITERS), attempt
            if name in WRITERS:
                start, end = parse(attempt["start_date"]), parse(attempt["end_date"])
                assert start and end, attempt
                spans.append((start, end, f"{name}#{attempt['try_number']}"))
    spans.sort()
    assert len(spans) == len(WRITERS) + 1
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        assert end <= start, f"{first} and {second} held the DuckDB pool at the same time"

    # The published file is whole: it opens, every mart reads, this run published it, and the
    # dossiers' outcomes equal the independent oracle's.
    assert fetch(settings.warehouse_db, "select report_date, run_id from ops.publication") == [
        (day, run_id)
    ]
    marts = fingerprint(settings.warehouse_db)
    assert marts["fct_dossier"][0] > 0 and len(marts) >= 10, marts
    oracle = Oracle(data_dir, day)
    got = dict(
        ((u, c), o)
        for u, c, o in fetch(
            settings.warehouse_db, "select unit_code, dossier_code, outcome from marts.fct_dossier"
        )
    )
    assert got == {
        k: (d.outcome(day) if d.is_received and d.received else None)
        for k, d in oracle.dossiers.items()
    }
    elapsed = time.monotonic() - began
    print(f"production topology test: {elapsed:.0f} s; {timings}")


def check_grid(base: str, env_file: dict, run_id: str, screenshot, tmp_path) -> None:
    """Log in through the UI's form and find the run in the DAG's grid."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run `make install-chromium`"
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on(
                "request",
                lambda r: r.url.startswith((base, "data:", "blob:")) or outside.append(r.url),
            )
            page.goto(f"{base}/dags/{DAG_ID}")
            page.wait_for_url("**/auth/login**", timeout=60_000)
            page.fill("input[name=username]", env_file["AIRFLOW_ADMIN_USER"])
            page.fill("input[name=password]", env_file["AIRFLOW_ADMIN_PASSWORD"])
            page.click("button[type=submit]")
            page.wait_for_url(f"**/dags/{DAG_ID}**", timeout=60_000)
            try:
                # the grid: a cell per task of the run, each with the success badge (a tick)
                for stage in STAGES:
                    cell = page.wait_for_selector(
                        f'[data-testid="grid-{run_id}-{stage.name}"]', timeout=60_000
                    )
                    badge = cell.inner_html()
                    assert 'data-testid="task-state-badge"' in badge, badge
                    assert SUCCESS_TICK in badge, f"{stage.name} is not shown as succeeded: {badge}"
            finally:
                page.screenshot(path=str(screenshot), full_page=True)
                (tmp_path / "airflow-grid.html").write_text(page.content())
        finally:
            browser.close()
    assert screenshot.stat().st_size > 10_000
    assert not outside, f"the UI fetched from outside the api-server: {outside}"
