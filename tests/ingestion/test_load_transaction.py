"""ingestion.load: a chunk's manifest rows, data rows, replacements and findings, committed in
one transaction or not at all; the quarantine copies written after the commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import duckdb
import pytest

from ingestion import scan
from ingestion.load import Ingestor, ingest
from motcua.common.config import Settings
from tests.support.builders import csv_text, landing

HEADER = ["dossier_code", "procedure_code", "sector", "channel", "received_at", "due_at", "status"]
DAY = dt.date(2009, 1, 5)
NEXT_DAY = dt.date(2009, 1, 6)
MTIME = 1_231_142_400 * 10**9  # 2009-01-05 08:00 UTC


def put(settings: Settings, name: str, content: bytes, second: int) -> str:
    """A landing file for 2009-01-05 arriving ``second`` s after MTIME; its bytes' hash."""
    path = landing(settings.data_dir, "2009-01-05", name)
    path.write_bytes(content)
    os.utime(path, ns=(MTIME + second * 10**9,) * 2)
    return hashlib.sha256(content).hexdigest()


def rows_csv(*codes: str) -> bytes:
    rows = [[code, "TP01", "TP", "1", "2009-01-05", "2009-01-06", "4"] for code in codes]
    return csv_text(HEADER, rows).encode()


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.ingest_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def everything(settings: Settings) -> dict:
    """What the ingestion database and the quarantine folder hold."""
    folder = settings.quarantine_dir
    return {
        "files": query(
            settings, "select file_id, landing_path, status, rows_read from files order by 1"
        ),
        "rows": query(
            settings, "select file_id, row_number, dossier_code from submission_rows order by 1, 2"
        ),
        "findings": query(settings, "select rule_id, file_id from findings order by file_id"),
        "quarantine": sorted(os.listdir(folder)) if folder.exists() else [],
    }


def test_a_chunk_writes_its_manifest_rows_data_rows_and_findings(settings):
    contents = {
        "44501.csv": rows_csv("A1", "A2"),
        "44502.json": b'[{"dossier_code": "B1", "procedure_code": "TP01", "sector": "TP"}]',
        "445.csv": csv_text(HEADER, []).encode(),  # a header only: no activity, loaded
        "99999.csv": rows_csv("X1"),  # unknown unit
        "S01.xlsx": b"PK\x03\x04 broken",
    }
    sha = {
        name: put(settings, name, content, i) for i, (name, content) in enumerate(contents.items())
    }

    ingestor = Ingestor(settings, None, "run1")
    try:
        summary = ingestor.run()
        temp_tables = ingestor.con.execute(
            "select table_name from duckdb_tables() where temporary"
        ).fetchall()
    finally:
        ingestor.close()

    assert temp_tables == []  # the staged rows and the lookup table are dropped
    assert summary.as_dict() == {
        "load_id": "run1",
        "files_seen": 5,
        "files_new": 5,
        "loaded": 3,
        "replaced": 0,
        "duplicate": 0,
        "quarantined": 2,
        "rows_loaded": 3,
        "waiting": 0,
        "vanished": 0,
        "quarantine_reasons": {"R05_unknown_reference": 1, "R02_unreadable_file": 1},
    }
    outcome = {  # rows_read, status, reason_code, reason, format
        "44501.csv": (2, "loaded", None, None, "csv;utf-8;,"),
        "44502.json": (1, "loaded", None, None, "json"),
        "445.csv": (0, "loaded", None, None, "csv;utf-8;,"),
        "99999.csv": (
            0,
            "quarantined",
            "R05_unknown_reference",
            "unknown_unit: unit code '99999' is not in reference/units.csv",
            None,
        ),
        "S01.xlsx": (
            0,
            "quarantined",
            "R02_unreadable_file",
            "bad_xlsx: not a readable XLSX workbook: Cannot detect file format",
            None,
        ),
    }
    expected = []
    for i, (name, content) in enumerate(contents.items()):
        unit, ext = name.split(".")
        mtime = MTIME + i * 10**9
        expected.append(
            (i + 1, f"2009-01-05/{name}", unit, DAY, ext, sha[name], len(content))
            + (f"archive/2009-01-05/{unit}.{sha[name]}.{ext}",)
            + (dt.datetime.fromtimestamp(mtime / 1e9), mtime, "run1", *outcome[name])
        )
    assert query(settings, "select * from files order by file_id") == expected
    assert query(
        settings,
        "select file_id, row_number, unit_code, report_date, load_id, dossier_code, "
        "status_code, received_date, due_date from submission_rows order by 1, 2",
    ) == [
        (1, 1, "44501", DAY, "run1", "A1", 4, DAY, dt.date(2009, 1, 6)),
        (1, 2, "44501", DAY, "run1", "A2", 4, DAY, dt.date(2009, 1, 6)),
        (2, 1, "44502", DAY, "run1", "B1", None, None, None),  # no date or status columns
    ]
    assert query(settings, "select rule_id, file_id, unit_code from findings order by 2") == [
        ("R05_unknown_reference", 4, "99999"),
        ("R02_unreadable_file", 5, "S01"),
    ]
    assert everything(settings)["quarantine"] == [
        f"00000004_{sha['99999.csv'][:12]}",
        f"00000005_{sha['S01.xlsx'][:12]}",
    ]


def fail_after(monkeypatch, method: str, nth: int = 1) -> None:
    """Make the ``nth`` call of ``Ingestor.<method>`` raise once it has done its work."""
    original = getattr(Ingestor, method)
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == nth:
            raise RuntimeError(f"failed after {method}")
        return result

    monkeypatch.setattr(Ingestor, method, failing)


def test_a_failure_inside_the_transaction_leaves_nothing_of_the_chunk(settings, monkeypatch):
    """Rows inserted, rows counted, an earlier file replaced and manifest rows written, then
    a failure before the findings and the commit: none of it stays, no quarantine copy is
    written, and the next run takes the chunk in whole."""
    put(settings, "44501.csv", rows_csv("A1"), 0)
    ingest(settings, load_id="run1")
    before = everything(settings)
    assert before == {
        "files": [(1, "2009-01-05/44501.csv", "loaded", 1)],
        "rows": [(1, 1, "A1")],
        "findings": [],
        "quarantine": [],
    }
    put(settings, "44501.csv", rows_csv("A1", "A2"), 10)  # a re-send: replaces file 1
    put(settings, "44502.csv", rows_csv("B1"), 11)
    unknown_sha = put(settings, "99999.csv", rows_csv("X1"), 12)

    with monkeypatch.context() as patch:
        fail_after(patch, "_insert_manifest")
        with pytest.raises(RuntimeError, match="failed after _insert_manifest"):
            ingest(settings, load_id="run2")
    assert everything(settings) == before

    summary = ingest(settings, load_id="run3")
    assert (summary.loaded, summary.replaced, summary.quarantined) == (2, 1, 1)
    after = everything(settings)  # file ids 2-4 went with the failed run
    assert after == {
        "files": [
            (1, "2009-01-05/44501.csv", "replaced", 1),
            (5, "2009-01-05/44501.csv", "loaded", 2),
            (6, "2009-01-05/44502.csv", "loaded", 1),
            (7, "2009-01-05/99999.csv", "quarantined", 0),
        ],
        "rows": [(1, 1, "A1"), (5, 1, "A1"), (5, 2, "A2"), (6, 1, "B1")],
        "findings": [("R05_unknown_reference", 7)],
        "quarantine": [f"00000007_{unknown_sha[:12]}"],
    }


def test_a_failure_in_a_later_chunk_keeps_the_earlier_chunks_whole(settings, monkeypatch):
    monkeypatch.setattr(scan, "FIRST_CHUNK_FILES", 2)
    monkeypatch.setattr(scan, "CHUNK_FILES", 2)
    for second, unit in enumerate(["44501", "44502", "445", "S01", "99999"]):
        put(settings, f"{unit}.csv", rows_csv(f"{unit}-1"), second)
    with monkeypatch.context() as patch:
        fail_after(patch, "_count_rows", nth=2)  # inside the second chunk's transaction
        with pytest.raises(RuntimeError, match="failed after _count_rows"):
            ingest(settings, load_id="run1")
    assert everything(settings) == {
        "files": [
            (1, "2009-01-05/44501.csv", "loaded", 1),
            (2, "2009-01-05/44502.csv", "loaded", 1),
        ],
        "rows": [(1, 1, "44501-1"), (2, 1, "44502-1")],
        "findings": [],
        "quarantine": [],
    }
    summary = ingest(settings, load_id="run2")  # the rest, three files in two chunks
    assert (summary.files_new, summary.loaded, summary.quarantined) == (3, 2, 1)
    assert [f[1:] for f in everything(settings)["files"]] == [
        ("2009-01-05/44501.csv", "loaded", 1),
        ("2009-01-05/44502.csv", "loaded", 1),
        ("2009-01-05/445.csv", "loaded", 1),
        ("2009-01-05/S01.csv", "loaded", 1),
        ("2009-01-05/99999.csv", "quarantined", 0),
    ]


def test_within_a_chunk_the_last_loaded_file_of_a_unit_and_date_stays_loaded(settings):
    ingestor = Ingestor(settings, None, "run1")
    try:
        records = [
            {"file_id": 1, "unit_code": "44501", "report_date": DAY, "status": "loaded"},
            {"file_id": 2, "unit_code": "44501", "report_date": DAY, "status": "quarantined"},
            {"file_id": 3, "unit_code": "44502", "report_date": DAY, "status": "loaded"},
            {"file_id": 4, "unit_code": "44501", "report_date": DAY, "status": "loaded"},
            {"file_id": 5, "unit_code": "44501", "report_date": DAY, "status": "duplicate"},
            {"file_id": 6, "unit_code": "44501", "report_date": DAY, "status": "loaded"},
            {"file_id": 7, "unit_code": "44501", "report_date": NEXT_DAY, "status": "loaded"},
        ]
        ingestor._settle_replacements(records)
    finally:
        ingestor.close()
    assert [r["status"] for r in records] == [
        "replaced",
        "quarantined",
        "loaded",
        "replaced",
        "duplicate",
        "loaded",
        "loaded",
    ]


def test_a_touched_file_only_gets_its_new_mtime(settings):
    put(settings, "44501.csv", rows_csv("A1"), 0)
    ingest(settings, load_id="run1")
    os.utime(landing(settings.data_dir, "2009-01-05", "44501.csv"), ns=(MTIME + 5 * 10**9,) * 2)
    summary = ingest(settings, load_id="run2")
    assert (summary.files_seen, summary.files_new, summary.rows_loaded) == (1, 0, 0)
    assert query(settings, "select file_id, mtime_ns, load_id, status from files") == [
        (1, MTIME + 5 * 10**9, "run1", "loaded")
    ]
    assert query(settings, "select count(*) from submission_rows") == [(1,)]
    assert ingest(settings, load_id="run3").files_new == 0  # and it is known from then on
