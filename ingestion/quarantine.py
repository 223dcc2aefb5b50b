"""Quarantine: files that cannot be taken in, set aside with their reason.

A quarantined file's manifest row (status ``quarantined``, its reason) and its R02/R05 finding
(:func:`finding`) are committed with its chunk (see :mod:`ingestion.load`); after the commit
:func:`write_copy` writes ``quarantine/<file_id:08d>_<sha256[:12]>/`` (:func:`folder_name`):
a copy of the archived file under its landing name and ``reason.json``. The manifest is the
truth and the quarantine folder its readable mirror: a copy missing after a crash is written at
the start of the next run (:func:`repair`).

Imports nothing heavy (neither DuckDB nor Arrow): :func:`repair` is handed the connection.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from motcua.common import private

log = logging.getLogger(__name__)

_FINDING_VI = {
    "R02_unreadable_file": "Tệp không đọc được, đã cách ly",
    "R05_unknown_reference": "Mã đơn vị trong tên tệp không có trong danh mục, tệp đã cách ly",
}
# The manifest columns reason.json holds (and report_date, as ISO text or null).
_REASON_KEYS = (
    "file_id",
    "landing_path",
    "unit_code",
    "sha256",
    "reason_code",
    "reason",
    "load_id",
)


def folder_name(record: dict) -> str:
    """``quarantine/<file_id>_<sha256[:12]>``: one folder per quarantined file."""
    return f"{record['file_id']:08d}_{record['sha256'][:12]}"


def mark(record: dict, rule: str, code: str, message: str) -> dict:
    """Set a manifest record to quarantined under ``rule`` with the reason ``code: message``."""
    record.update(status="quarantined", reason_code=rule, reason=f"{code}: {message}")
    return record


def finding(rule_id: str, record: dict, reason: str) -> tuple:
    """The ``findings`` row (blocking) of a quarantined file, in the table's column order."""
    vi = _FINDING_VI[rule_id]
    return (
        rule_id,
        "blocking",
        record["file_id"],
        None,
        record["unit_code"],
        record["report_date"],
        None,
        f"{vi}: {record['landing_path']} ({reason})",
        f"File {record['landing_path']} quarantined: {reason}",
    )


def write_copy(quarantine_dir: Path, data_dir: Path, record: dict) -> None:
    """Write a quarantined file's folder: the archived file under its landing name and
    ``reason.json``, built aside and renamed into place (an earlier folder is replaced).
    Owner-only, like the archive it copies from: the folder 0700, its files 0600."""
    target = quarantine_dir / folder_name(record)
    tmp = target.with_name("." + target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    private.ensure_dir(tmp)
    source = data_dir / record["archive_path"]
    name = Path(record["landing_path"]).name
    with open(source, "rb") as original, open(private.open_new(tmp / name), "wb") as copy:
        shutil.copyfileobj(original, copy)
    reason = {k: record[k] for k in _REASON_KEYS}
    reason["report_date"] = str(record["report_date"]) if record["report_date"] else None
    text = json.dumps(reason, ensure_ascii=False, indent=2)
    private.write_bytes(tmp / "reason.json", text.encode("utf-8"))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def repair(con, quarantine_dir: Path, data_dir: Path) -> None:
    """Write the quarantine copy of every quarantined file of the manifest (table ``files`` of
    the DuckDB connection ``con``) that lacks one (crash repair)."""
    present = set(os.listdir(quarantine_dir)) if quarantine_dir.exists() else set()
    columns = ("file_id", "landing_path", "unit_code", "report_date", "sha256")
    columns += ("archive_path", "reason_code", "reason", "load_id")
    for values in con.execute(
        f"select {', '.join(columns)} from files where status = 'quarantined' order by file_id"
    ).fetchall():
        record = dict(zip(columns, values, strict=True))
        if folder_name(record) not in present:
            log.warning("quarantine copy of %s was missing: written", record["landing_path"])
            write_copy(quarantine_dir, data_dir, record)
