"""Write – audit – publish under crashes: a run SIGKILLed in any stage leaves the published
warehouse byte-identical and readable, and the next run completes the work. An analyst's
read-only connection held open during a publish keeps working; reconnecting shows the new data.
Replays are order-free: a night replayed after a later one gives the same marts as in order.

Each stage runs in its own process (``python -m motcua.pipeline <stage>``: the very function the
DAG's task calls), as under Airflow; ``MOTCUA_FAULT_STAGE`` makes it kill itself and its dbt child
with SIGKILL inside the stage (motcua/ops/faults.py). Whole nights go through
``motcua run --no-airflow``. The DAG under a real executor: tests/pipeline/test_executor.py.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from motcua.demo import generate_province
from tests.support.published import fetch, fingerprint, sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
pytestmark = pytest.mark.e2e

# stage → MOTCUA_FAULT_STAGE: a delay lands the kill inside the stage's work (or at its end if
# the stage is quicker); publish dies at its fixed point, between keeping the old version and the
# atomic rename.
KILLS = [
    ("ingest", "ingest@0.2"),
    ("validate", "validate@4"),
    ("build", "build@6"),
    ("test", "test@4"),
    ("publish", "publish"),
]


def motcua_run(data_dir: Path, day: dt.date, fault: str | None = None, timeout: float = 600):
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="faults-key")
    env.pop("MOTCUA_FAULT_STAGE", None)
    if fault:
        env["MOTCUA_FAULT_STAGE"] = fault
    return subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "-v", "run", "--date", day.isoformat()]
        + ["--no-airflow", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=True,
    )


def published_date(path: Path) -> dt.date:
    (row,) = fetch(path, "select report_date from ops.publication")
    return row[0]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """A small province; its next-to-last night published (the base every fault test keeps)."""
    data_dir = tmp_path_factory.mktemp("faults")
    report = generate_province(data_dir, seed=5, profile="small")
    last = report.last_report_date
    before = last - dt.timedelta(days=1)
    result = motcua_run(data_dir, before)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    warehouse = data_dir / "warehouse" / "motcua.duckdb"
    return {
        "dir": data_dir,
        "warehouse": warehouse,
        "night_before": before,
        "last": last,
        "fingerprint_before": fingerprint(warehouse),
    }


def stage_process(data_dir: Path, name: str, day: dt.date, run_id: str, fault: str | None = None):
    """One stage in its own process, as an Airflow task runs it."""
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY="faults-key", MOTCUA_DATA_DIR=str(data_dir))
    env.pop("MOTCUA_FAULT_STAGE", None)
    if fault:
        env["MOTCUA_FAULT_STAGE"] = fault
    return subprocess.run(
        [sys.executable, "-m", "motcua.pipeline", name, day.isoformat(), run_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        start_new_session=True,
    )


def test_a_run_killed_in_each_stage_leaves_the_warehouse_intact_and_the_next_run_completes(
    province,
):
    """Each stage runs in its own process (as under Airflow) and is first SIGKILLed midway, then
    run again (the task's retry, or the next run): the published file never changes until the
    publish that completes the night, during which an analyst keeps reading."""
    data_dir, warehouse, last = province["dir"], province["warehouse"], province["last"]
    published = sha(warehouse)
    rows_before = fetch(warehouse, "select count(*) from marts.fct_dossier")
    run_id = f"faults__{last.isoformat()}"
    analyst = duckdb.connect(str(warehouse), read_only=True)  # opened before the night's run
    seen: list[object] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_reading():
        while not stop.is_set():
            try:
                seen.append(analyst.execute("select report_date from ops.publication").fetchone())
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            time.sleep(0.2)

    reader = threading.Thread(target=keep_reading, daemon=True)
    reader.start()
    try:
        for stage_name, fault in KILLS:
            started = time.monotonic()
            killed = stage_process(data_dir, stage_name, last, run_id, fault)
            log = killed.stdout + killed.stderr
            assert killed.returncode == -9, (stage_name, killed.returncode, log[-4000:])
            assert f"stage {stage_name} started" in log, (stage_name, log[-4000:])
            assert sha(warehouse) == published, f"killed in {stage_name}: published file changed"
            assert fetch(warehouse, "select count(*) from marts.fct_dossier") == rows_before
            assert published_date(warehouse) == province["night_before"]
            # dbt died with its stage: nothing keeps the build file open
            leftovers = subprocess.run(
                ["pgrep", "-f", str(data_dir)], capture_output=True, text=True, check=False
            ).stdout.split()
            assert leftovers == [], (stage_name, leftovers)
            again = stage_process(data_dir, stage_name, last, run_id)
            assert again.returncode == 0, (stage_name, again.stdout[-2000:], again.stderr[-4000:])
            if stage_name != "publish":
                assert sha(warehouse) == published
            print(f"{stage_name}: killed and redone in {time.monotonic() - started:.1f} s")
    finally:
        stop.set()
        reader.join(timeout=10)
    assert errors == []
    assert len(seen) > 3 and set(seen) == {(province["night_before"],)}
    # the open connection still reads the old data …
    assert analyst.execute("select report_date from ops.publication").fetchone() == (
        province["night_before"],
    )
    assert analyst.execute("select count(*) from marts.fct_dossier").fetchall() == rows_before
    analyst.close()
    # … and reconnecting shows the new night
    assert published_date(warehouse) == last
    assert sha(warehouse) != published
    province["fingerprint_last"] = fingerprint(warehouse)
    # the file it replaced is kept in versions/, as the same bytes (a hard link, not a copy)
    versions = (warehouse.parent / "versions").glob("motcua-*.duckdb")
    assert [v for v in versions if sha(v) == published], "the previous published file is kept"


def test_rollback_swaps_atomically_and_is_reversible(province):
    data_dir, warehouse = province["dir"], province["warehouse"]
    if "fingerprint_last" not in province:
        pytest.skip("needs the fault test's completed run")
    current = sha(warehouse)
    env = dict(os.environ)
    back = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "publish", "--rollback"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert back.returncode == 0, back.stderr
    assert published_date(warehouse) == province["night_before"]
    assert fingerprint(warehouse) == province["fingerprint_before"]
    versions = sorted((warehouse.parent / "versions").glob("motcua-*.duckdb"))
    assert sha(versions[-1]) == current  # the file rolled back from is the newest version
    again = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "publish", "--rollback"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert sha(warehouse) == current
    listing = subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "publish"], capture_output=True, text=True, check=True
    ).stdout
    assert listing.splitlines()[0].startswith("published") and str(province["last"]) in listing


def test_a_night_replayed_after_a_later_one_gives_the_same_marts(province):
    """Nights in another order: the night before, run again after the last night was published
    (a backfill after the fact; its files and the later night's are all in the ingestion database
    now), gives exactly the marts it gave when it ran in order."""
    if "fingerprint_last" not in province:
        pytest.skip("needs the fault test's completed run")
    data_dir, warehouse = province["dir"], province["warehouse"]
    result = motcua_run(data_dir, province["night_before"])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert published_date(warehouse) == province["night_before"]
    got, expected = fingerprint(warehouse), province["fingerprint_before"]
    assert got.keys() == expected.keys()
    assert [t for t in got if got[t] != expected[t]] == []
