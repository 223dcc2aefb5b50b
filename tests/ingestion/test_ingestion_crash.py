"""Atomicity: a run killed at any point leaves every file fully taken in or not at all, and the
next run finishes the job with the very state an uninterrupted run reaches.

A child process runs the ingestion with tiny chunks (two files each) and SIGKILLs itself at a
chosen point: while archiving, while reading, inside the chunk's transaction just before its
commit, right after a commit, and between a commit and the quarantine copies. Big nights are
fetched by worker processes: killed, the loader leaves none of them behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ingestion.load import ingest
from motcua.common.config import REPO_ROOT, Settings
from tests.support.builders import csv_text, make_reference, write_json

HEADER = ["dossier_code", "procedure_code", "sector", "channel", "received_at", "due_at", "status"]
KEY = "crash-test-key"

# The child: CHUNK_FILES = 2, and a SIGKILL at the n-th call of one of the loader's steps.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from ingestion import load, quarantine, readers, scan, workers
    from motcua.common.config import Settings

    point, nth, data_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    scan.CHUNK_FILES = 2
    if "processes" in sys.argv[4:]:
        workers.FETCH_PROCESS_MIN_FILES = 0
    calls = {"n": 0}

    def die_at_nth():
        calls["n"] += 1
        if calls["n"] == nth:
            tasks = f"/proc/{os.getpid()}/task"
            workers = [open(f"{tasks}/{t}/children").read() for t in os.listdir(tasks)]
            print("workers", *workers, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    def before(function):
        def wrapper(*args, **kwargs):
            die_at_nth()
            return function(*args, **kwargs)
        return wrapper

    def after(function):
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            die_at_nth()
            return result
        return wrapper

    if point == "archive":
        readers._write_once = after(readers._write_once)
    elif point == "read":
        readers.read_file = before(readers.read_file)
    elif point == "before_commit":
        load.Ingestor._insert_manifest = after(load.Ingestor._insert_manifest)
    elif point == "after_commit":
        load.Ingestor._process_chunk = after(load.Ingestor._process_chunk)
    elif point == "quarantine_copy":
        quarantine.write_copy = before(quarantine.write_copy)
    load.ingest(Settings.from_env(data_dir))
    print("finished without being killed")
    """
)


def build_landing(data_dir: Path) -> None:
    """Eight files: CSVs, a JSON re-send of one unit and date, and two unreadable files."""
    make_reference(data_dir)
    day = data_dir / "landing" / "2009-01-05"
    day.mkdir(parents=True)
    mtime = 1_231_142_400 * 10**9  # 2009-01-05 08:00 UTC; one second apart, in this order
    files = []
    for unit, count in (("44501", 3), ("44502", 2), ("445", 4), ("S01", 1)):
        path = day / f"{unit}.csv"
        rows = [
            [f"{unit}-{i}", "TP01", "TP", "1", "2009-01-05", "2009-01-06", "4"]
            for i in range(count)
        ]
        path.write_text(csv_text(HEADER, rows), encoding="utf-8")
        files.append(path)
    bad = day / "44501.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken workbook")
    files.append(bad)
    resend = day / "44502.json"  # same unit and date as 44502.csv, arriving later: replaces it
    write_json(
        resend,
        [dict(zip(HEADER, ["44502-9", "TP01", "TP", "2", "2009-01-05", "", "2"], strict=True))],
    )
    files.append(resend)
    unknown = day / "99999.csv"
    unknown.write_text(csv_text(HEADER, [["X", "TP01", "TP", "1", "2009-01-05", "", "4"]]))
    files.append(unknown)
    other_day = data_dir / "landing" / "2009-01-06"
    other_day.mkdir()
    late = other_day / "44501.csv"
    late.write_text(csv_text(HEADER, [["44501-0", "TP01", "TP", "1", "2009-01-05", "", "9"]]))
    files.append(late)
    for offset, path in enumerate(files):
        os.utime(path, ns=(mtime + offset * 10**9,) * 2)


def state(settings: Settings) -> dict:
    """Everything a run leaves behind, without run-specific ids."""
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        files = con.execute(
            "select landing_path, sha256, status, rows_read, reason_code, archive_path "
            "from files order by landing_path, status"
        ).fetchall()
        rows = con.execute(
            "select f.landing_path, s.row_number, s.dossier_code, s.status_code, "
            "s.received_date, s.applicant_key from submission_rows s join files f using (file_id) "
            "order by 1, 2"
        ).fetchall()
        findings = con.execute(
            "select x.rule_id, f.landing_path from findings x join files f using (file_id) "
            "order by 1, 2"
        ).fetchall()
        orphans = con.execute(
            "select count(*) from submission_rows where file_id not in (select file_id from files)"
        ).fetchone()[0]
    finally:
        con.close()
    quarantine = sorted(
        (
            sorted(p.name for p in folder.iterdir()),
            json.loads((folder / "reason.json").read_text())["landing_path"],
        )
        for folder in settings.quarantine_dir.iterdir()
        if not folder.name.startswith(".")
    )
    archive = sorted(
        p.relative_to(settings.data_dir).as_posix()
        for p in settings.archive_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
    return {
        "files": files,
        "rows": rows,
        "findings": findings,
        "orphans": orphans,
        "quarantine": quarantine,
        "archive": archive,
    }


def assert_each_file_whole(settings: Settings) -> None:
    """Every manifest row's rows are all there (rows_read of them); no row without its file."""
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        bad = con.execute(
            "select f.landing_path, f.rows_read, count(s.file_id) from files f "
            "left join submission_rows s using (file_id) group by all "
            "having count(s.file_id) <> f.rows_read"
        ).fetchall()
        orphans = con.execute(
            "select count(*) from submission_rows where file_id not in (select file_id from files)"
        ).fetchone()[0]
    finally:
        con.close()
    assert (bad, orphans) == ([], 0)


@pytest.fixture(scope="module")
def reference_state(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("uninterrupted")
    build_landing(data_dir)
    os.environ["MOTCUA_PSEUDONYM_KEY"] = KEY
    try:
        ingest(Settings(data_dir))
    finally:
        del os.environ["MOTCUA_PSEUDONYM_KEY"]
    return state(Settings(data_dir))


def test_uninterrupted_run_is_what_the_contract_says(reference_state):
    statuses = [(path, status, rows) for path, _, status, rows, _, _ in reference_state["files"]]
    assert statuses == [
        ("2009-01-05/445.csv", "loaded", 4),
        ("2009-01-05/44501.csv", "loaded", 3),
        ("2009-01-05/44501.xlsx", "quarantined", 0),
        ("2009-01-05/44502.csv", "replaced", 2),
        ("2009-01-05/44502.json", "loaded", 1),
        ("2009-01-05/99999.csv", "quarantined", 0),
        ("2009-01-05/S01.csv", "loaded", 1),
        ("2009-01-06/44501.csv", "loaded", 1),
    ]
    assert reference_state["findings"] == [
        ("R02_unreadable_file", "2009-01-05/44501.xlsx"),
        ("R05_unknown_reference", "2009-01-05/99999.csv"),
    ]
    assert reference_state["quarantine"] == [
        (["44501.xlsx", "reason.json"], "2009-01-05/44501.xlsx"),
        (["99999.csv", "reason.json"], "2009-01-05/99999.csv"),
    ]
    assert len(reference_state["rows"]) == 12


def test_fetch_processes_reach_the_same_state(tmp_path, monkeypatch, reference_state):
    """Files fetched by worker processes (big nights), a few a batch over several chunks, are
    taken in exactly as when fetched by threads."""
    from ingestion import scan, workers

    monkeypatch.setattr(workers, "FETCH_PROCESS_MIN_FILES", 0)
    monkeypatch.setattr(scan, "CHUNK_FILES", 3)
    monkeypatch.setattr(workers, "FETCH_BATCH_FILES", 2)
    monkeypatch.setenv("MOTCUA_PSEUDONYM_KEY", KEY)
    build_landing(tmp_path)
    ingest(Settings(tmp_path))
    assert state(Settings(tmp_path)) == reference_state


def gone(pid: int) -> bool:
    """Whether a process has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize(
    ("point", "nth", "fetch"),
    [
        ("archive", 1, "threads"),
        ("archive", 4, "threads"),
        ("read", 3, "threads"),
        ("before_commit", 1, "threads"),
        ("before_commit", 3, "threads"),
        ("after_commit", 2, "threads"),
        ("quarantine_copy", 1, "threads"),
        ("before_commit", 3, "processes"),
        ("after_commit", 2, "processes"),
    ],
)
def test_killed_run_leaves_whole_files_and_the_next_run_finishes(
    tmp_path, monkeypatch, reference_state, point, nth, fetch
):
    build_landing(tmp_path)
    env = dict(os.environ, MOTCUA_PSEUDONYM_KEY=KEY, PYTHONPATH=str(REPO_ROOT))
    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(nth), str(tmp_path), fetch],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stdout + child.stderr  # killed, as planned
    if fetch == "processes":  # its fetch workers end with it
        workers = [int(pid) for pid in child.stdout.split("workers", 1)[1].split()]
        assert workers
        deadline = time.monotonic() + 30
        while not all(gone(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(gone(pid) for pid in workers)
    settings = Settings(tmp_path)
    if settings.ingest_db.exists():
        assert_each_file_whole(settings)
    monkeypatch.setenv("MOTCUA_PSEUDONYM_KEY", KEY)
    ingest(settings)
    assert_each_file_whole(settings)
    assert state(settings) == reference_state
    again = ingest(settings)  # and a further run has nothing left to do
    assert again.files_new == 0
    assert state(settings) == reference_state
    shutil.rmtree(tmp_path / "landing")
