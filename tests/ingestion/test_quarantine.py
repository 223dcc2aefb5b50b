"""ingestion.quarantine: the folder name, the reason, the finding row, the copy with its
reason.json, and the repair of copies a crash left missing."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from ingestion import quarantine
from motcua.common import store

SHA = "0123456789abcdef" * 4


def record(**changes) -> dict:
    """A manifest record of a quarantined file, as the loader holds it."""
    values = {
        "file_id": 7,
        "landing_path": "2009-01-05/44501.xlsx",
        "unit_code": "44501",
        "report_date": dt.date(2009, 1, 5),
        "sha256": SHA,
        "archive_path": f"archive/2009-01-05/44501.{SHA}.xlsx",
        "status": "quarantined",
        "reason_code": "R02_unreadable_file",
        "reason": "bad_xlsx: not a readable XLSX workbook",
        "load_id": "run1",
    }
    values.update(changes)
    return values


def test_folder_name_is_the_file_id_and_the_start_of_the_hash():
    assert quarantine.folder_name(record()) == "00000007_0123456789ab"
    assert quarantine.folder_name(record(file_id=123456789)) == "123456789_0123456789ab"


def test_mark_sets_the_record_quarantined_with_its_coded_reason():
    loaded = record(status="loaded", reason_code=None, reason=None)
    marked = quarantine.mark(loaded, "R05_unknown_reference", "unknown_unit", "not in units.csv")
    assert marked is loaded
    assert (marked["status"], marked["reason_code"], marked["reason"]) == (
        "quarantined",
        "R05_unknown_reference",
        "unknown_unit: not in units.csv",
    )


def test_finding_is_a_blocking_row_in_the_findings_columns():
    assert quarantine.finding("R02_unreadable_file", record(), "bad_xlsx: broken") == (
        "R02_unreadable_file",
        "blocking",
        7,
        None,
        "44501",
        dt.date(2009, 1, 5),
        None,
        "Tệp không đọc được, đã cách ly: 2009-01-05/44501.xlsx (bad_xlsx: broken)",
        "File 2009-01-05/44501.xlsx quarantined: bad_xlsx: broken",
    )
    unknown = record(landing_path="2009-01-05/99999.csv", unit_code="99999")
    assert quarantine.finding("R05_unknown_reference", unknown, "unknown_unit: x") == (
        "R05_unknown_reference",
        "blocking",
        7,
        None,
        "99999",
        dt.date(2009, 1, 5),
        None,
        "Mã đơn vị trong tên tệp không có trong danh mục, tệp đã cách ly: "
        "2009-01-05/99999.csv (unknown_unit: x)",
        "File 2009-01-05/99999.csv quarantined: unknown_unit: x",
    )
    with pytest.raises(KeyError):
        quarantine.finding("R04_bad_value", record(), "x")


def archived(data_dir, rec: dict, content: bytes = b"PK\x03\x04 broken workbook") -> bytes:
    path = data_dir / rec["archive_path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return content


REASON_JSON = f"""{{
  "file_id": 7,
  "landing_path": "2009-01-05/44501.xlsx",
  "unit_code": "44501",
  "sha256": "{SHA}",
  "reason_code": "R02_unreadable_file",
  "reason": "bad_xlsx: not a readable XLSX workbook",
  "load_id": "run1",
  "report_date": "2009-01-05"
}}"""


def test_write_copy_writes_the_file_under_its_landing_name_and_reason_json(tmp_path):
    rec = record()
    content = archived(tmp_path, rec)
    folder = tmp_path / "quarantine"
    quarantine.write_copy(folder, tmp_path, rec)
    assert os.listdir(folder) == ["00000007_0123456789ab"]  # no work folder left
    copy = folder / "00000007_0123456789ab"
    assert sorted(os.listdir(copy)) == ["44501.xlsx", "reason.json"]
    assert (copy / "44501.xlsx").read_bytes() == content
    assert (copy / "reason.json").read_text() == REASON_JSON


def test_reason_json_keeps_vietnamese_text_and_a_missing_date_as_null(tmp_path):
    rec = record(
        landing_path="sai chỗ/44501.csv",
        unit_code="44501",
        report_date=None,
        archive_path=f"archive/_unparsed/{SHA}.csv",
        reason="bad_path: 'sai chỗ/44501.csv' is not <YYYY-MM-DD>/<unit_code>.<ext>",
    )
    archived(tmp_path, rec, b"x")
    quarantine.write_copy(tmp_path / "quarantine", tmp_path, rec)
    copy = tmp_path / "quarantine" / "00000007_0123456789ab"
    text = (copy / "reason.json").read_text()
    assert "'sai chỗ/44501.csv'" in text  # not \u escapes
    assert json.loads(text)["report_date"] is None
    assert sorted(os.listdir(copy)) == ["44501.csv", "reason.json"]


def test_write_copy_replaces_an_earlier_folder_and_a_stale_work_folder(tmp_path):
    rec = record()
    content = archived(tmp_path, rec)
    folder = tmp_path / "quarantine"
    (folder / "00000007_0123456789ab").mkdir(parents=True)
    (folder / "00000007_0123456789ab" / "half.txt").write_text("a crashed copy")
    (folder / ".00000007_0123456789ab.tmp").mkdir()
    (folder / ".00000007_0123456789ab.tmp" / "junk").write_text("junk")
    quarantine.write_copy(folder, tmp_path, rec)
    assert os.listdir(folder) == ["00000007_0123456789ab"]
    copy = folder / "00000007_0123456789ab"
    assert sorted(os.listdir(copy)) == ["44501.xlsx", "reason.json"]
    assert (copy / "44501.xlsx").read_bytes() == content


def manifest(con, *records: dict) -> None:
    for rec in records:
        con.execute(
            "insert into files (file_id, landing_path, unit_code, report_date, sha256, "
            "size_bytes, archive_path, load_id, status, reason_code, reason) "
            "values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
            [
                rec["file_id"],
                rec["landing_path"],
                rec["unit_code"],
                rec["report_date"],
                rec["sha256"],
                rec["archive_path"],
                rec["load_id"],
                rec["status"],
                rec["reason_code"],
                rec["reason"],
            ],
        )


def test_repair_writes_the_copies_a_crash_left_missing_and_only_those(tmp_path, monkeypatch):
    folder = tmp_path / "quarantine"
    missing = record()
    present = record(file_id=8, landing_path="2009-01-05/99999.csv", unit_code="99999")
    present.update(archive_path=f"archive/2009-01-05/99999.{SHA}.csv")
    loaded = record(file_id=9, status="loaded", reason_code=None, reason=None)
    for rec in (missing, present, loaded):
        archived(tmp_path, rec)
    quarantine.write_copy(folder, tmp_path, present)
    (folder / "00000008_0123456789ab" / "99999.csv").write_bytes(b"left as it is")

    def crash(*args):
        raise KeyboardInterrupt("killed before the rename")

    with monkeypatch.context() as patch:  # a run killed while writing the copy of file 7
        patch.setattr(os, "replace", crash)
        with pytest.raises(KeyboardInterrupt):
            quarantine.write_copy(folder, tmp_path, missing)
    assert sorted(os.listdir(folder)) == [".00000007_0123456789ab.tmp", "00000008_0123456789ab"]

    con = store.connect(tmp_path / "ingest.duckdb")
    try:
        manifest(con, missing, present, loaded)
        quarantine.repair(con, folder, tmp_path)
    finally:
        con.close()

    assert sorted(os.listdir(folder)) == ["00000007_0123456789ab", "00000008_0123456789ab"]
    copy = folder / "00000007_0123456789ab"
    assert sorted(os.listdir(copy)) == ["44501.xlsx", "reason.json"]
    assert (copy / "reason.json").read_text() == REASON_JSON
    assert (folder / "00000008_0123456789ab" / "99999.csv").read_bytes() == b"left as it is"


def test_repair_without_a_quarantine_folder_creates_what_is_missing(tmp_path):
    rec = record()
    archived(tmp_path, rec)
    con = store.connect(tmp_path / "ingest.duckdb")
    try:
        quarantine.repair(con, tmp_path / "quarantine", tmp_path)  # nothing quarantined yet
        assert not (tmp_path / "quarantine").exists()
        manifest(con, rec)
        quarantine.repair(con, tmp_path / "quarantine", tmp_path)
    finally:
        con.close()
    assert os.listdir(tmp_path / "quarantine") == ["00000007_0123456789ab"]
