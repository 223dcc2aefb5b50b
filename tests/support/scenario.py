"""A tiny hand-made build database for the dbt models (tests/warehouse/test_dbt_models.py).

The scenario (as-of date D = 2009-02-04; first file 2009-01-29):

units   42 province; 445 district (one-stop since 2008-07-01); communes 44501 (running),
        44502 (not running), 44503 (running, in force until 2009-02-02); department S01
        (one-stop since 2009-02-01).
files   see FILES; 44501's 2009-01-31 file is quarantined, its 2009-02-02 file was re-sent
        (file 13 replaced by file 14), 445's 2009-02-05 file lies after D.
rows    dossiers A1..A13 (44501), B1..B5 (445), C1 (S01); see ROWS.
"""

# ruff: noqa: E501  (the scenario tables below stay one row per line)
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tests.support.dbt import create_raw_schema

AS_OF = "2009-02-04"


def d(text: str | None) -> dt.date | None:
    return None if text is None else dt.date.fromisoformat(text)


UNITS = [
    # unit_code, unit_name, level, parent_code, one_stop_since, valid_from, valid_to
    ("42", "Tỉnh Hà Tĩnh", "province", None, None, "2008-01-01", None),
    ("445", "Huyện Thạch Hà", "district", "42", "2008-07-01", "2008-01-01", None),
    ("44501", "Xã Thạch Long", "commune", "445", "2008-07-01", "2008-01-01", None),
    ("44502", "Xã Thạch Sơn", "commune", "445", None, "2008-01-01", None),
    ("44503", "Xã Thạch Hải", "commune", "445", "2008-07-01", "2008-01-01", "2009-02-02"),
    ("S01", "Sở Tư pháp", "department", "42", "2009-02-01", "2008-01-01", None),
]

PROCEDURES = [
    # procedure_code, procedure_name, sector_code, sector_name, level, statutory_days, inter_agency
    ("P-DD-01", "Cấp giấy chứng nhận quyền sử dụng đất", "DD", "Đất đai", "commune", 10, False),
    ("P-TP-01", "Chứng thực bản sao", "TP", "Tư pháp", "commune", 5, False),
]

FILES = [
    # file_id, unit_code, report_date, status
    (1, "445", "2009-01-29", "loaded"),
    (2, "44501", "2009-01-29", "loaded"),
    (3, "44503", "2009-01-29", "loaded"),
    (4, "445", "2009-01-30", "loaded"),
    (5, "44501", "2009-01-30", "loaded"),
    (6, "44503", "2009-01-30", "loaded"),
    (7, "S01", "2009-01-30", "loaded"),
    (8, "445", "2009-01-31", "loaded"),
    (9, "44501", "2009-01-31", "quarantined"),
    (10, "44503", "2009-02-01", "loaded"),
    (11, "44503", "2009-02-02", "loaded"),
    (12, "445", "2009-02-02", "loaded"),
    (13, "44501", "2009-02-02", "replaced"),
    (14, "44501", "2009-02-02", "loaded"),
    (15, "S01", "2009-02-02", "loaded"),
    (16, "445", "2009-02-03", "loaded"),
    (17, "S01", "2009-02-03", "loaded"),
    (18, "445", "2009-02-04", "loaded"),
    (19, "44501", "2009-02-04", "loaded"),
    (20, "445", "2009-02-05", "loaded"),
]

# fmt: off
# file_id, row_number, dossier_code, procedure_code, sector, channel, received, due,
# rescheduled_due, finished, returned, status
ROWS = [
    # 445, 2009-01-29
    (1, 1, "B1", "P-TP-01", "TP", 2, "2009-01-19", "2009-01-30", None, None, None, 4),
    (1, 2, "B2", "P-DD-01", "DD", 1, "2009-01-21", "2009-02-06", None, None, None, 4),
    (1, 3, "B4", "P-DD-01", "XYZ", 1, "2009-01-22", "2009-01-26", None, "2009-01-23", None, 9),
    # 44501, 2009-01-29
    (2, 1, "A1", "P-DD-01", "DD", 2, "2009-01-05", "2009-01-20", None, "2009-01-15", "2009-01-16", 10),
    (2, 2, "A3", "P-DD-01", "DD", 1, "2009-01-06", "2009-01-16", "2009-01-26", "2009-01-26", "2009-01-27", 10),
    (2, 3, "A4", "P-DD-01", "DD", 3, "2009-01-12", "2009-01-22", None, None, None, 4),
    (2, 4, "A6", "P-DD-01", "DD", 1, "2009-01-07", "2009-01-21", None, None, None, 5),
    (2, 5, "A9", "P-DD-01", "DD", 1, "2008-12-20", "2009-01-08", None, "2009-01-09", "2009-01-09", 10),
    (2, 6, "A11", "P-DD-01", "Đất đai", 2, "2009-01-20", "2009-02-03", None, None, None, 4),
    (2, 7, None, "P-DD-01", "DD", 1, "2009-01-25", "2009-02-05", None, None, None, 2),
    # 445, 2009-01-30 (B5: finished before received -> counts as received date)
    (4, 1, "B2", "P-DD-01", "DD", 1, "2009-01-21", "2009-02-06", None, "2009-01-29", "2009-01-30", 10),
    (4, 2, "B5", "P-DD-01", "DD", 1, "2009-01-25", "2009-01-25", None, "2009-01-20", None, 9),
    # 44501, 2009-01-30
    (5, 1, "A2", "P-TP-01", "tư  PHÁP", 1, "2009-01-10", "2009-01-20", None, "2009-01-20", None, 9),
    (5, 2, "A4", "P-DD-01", "DD", 3, "2009-01-12", "2009-01-22", None, None, None, 7),
    (5, 3, "A7", "P-DD-01", "DD", 1, "2009-01-13", "2009-01-27", None, None, "2009-01-27", 10),
    (5, 4, "A8", "P-TP-01", "TP", 1, "2009-01-14", "2009-02-10", None, None, None, 9),
    (5, 5, "A10", "P-DD-01", "DD", 1, "2009-01-15", None, None, None, None, 3),
    # S01, 2009-01-30
    (7, 1, "C1", "P-DD-01", "DD", 1, "2009-01-30", "2009-02-13", None, None, None, 4),
    # 445, 2009-02-02
    (12, 1, "B3", "P-DD-01", "DD", 1, "2009-02-02", "2009-02-16", None, None, None, 2),
    # 44501, 2009-02-02: replaced file (ignored) then its correction
    (13, 1, "A11", "P-DD-01", "DD", 2, "2009-01-20", "2009-02-03", None, "2009-02-04", "2009-02-04", 10),
    (13, 2, "A13", "P-DD-01", "DD", 1, "2009-02-01", "2009-02-10", None, None, None, 4),
    (14, 1, "A11", "P-DD-01", "DD", 2, "2009-01-20", "2009-02-03", None, "2009-02-02", "2009-02-02", 10),
    (14, 2, "A4", "P-DD-01", "DD", 3, "2009-01-12", "2009-01-22", None, None, None, 7),
    # 44501, 2009-02-04
    (19, 1, "A5", "P-TP-01", "TP", 2, "2009-01-28", "2009-02-04", None, None, None, 4),
    # 445, 2009-02-05: after D, ignored
    (20, 1, "B1", "P-TP-01", "TP", 2, "2009-01-19", "2009-01-30", None, "2009-02-05", "2009-02-05", 10),
]
# fmt: on

FINDINGS = [
    # rule_id, severity, file_id, row_number, unit_code, report_date, dossier_code
    ("R02_unreadable_file", "blocking", 9, None, "44501", "2009-01-31", None),
    ("R03_missing_required", "error", 2, 7, "44501", "2009-01-29", None),
    ("R04_invalid_value", "error", 2, 2, "44501", "2009-01-29", "A3"),
    ("R04_invalid_value", "error", 2, 2, "44501", "2009-01-29", "A3"),  # same gap twice
    ("R10_overdue_without_apology", "warning", 2, 4, "44501", "2009-01-29", "A6"),
    ("R07_date_order", "error", 4, 2, "445", "2009-01-30", "B5"),
    ("R08_status_date_mismatch", "error", 5, 4, "44501", "2009-01-30", "A8"),
    ("R09_due_date_vs_statutory", "warning", 13, 1, "44501", "2009-02-02", "A11"),  # replaced
    ("R10_overdue_without_apology", "warning", 20, 1, "445", "2009-02-05", "B1"),  # after D
]


def build_raw_db(path: Path) -> None:
    """Create the build database with schema `raw` holding the ingestion tables of the scenario."""
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
        con.executemany(
            "insert into ref_units values (?, ?, ?, ?, ?, ?, ?)",
            [(c, n, lv, p, d(o), d(f), d(t)) for c, n, lv, p, o, f, t in UNITS],
        )
        con.executemany("insert into ref_procedures values (?, ?, ?, ?, ?, ?, ?)", PROCEDURES)
        rows_read = {}
        for row in ROWS:
            rows_read[row[0]] = rows_read.get(row[0], 0) + 1
        for file_id, unit, report_date, status in FILES:
            path_ = f"{report_date}/{unit}.csv"
            con.execute(
                """insert into files (file_id, landing_path, unit_code, report_date, ext, sha256,
                       size_bytes, archive_path, load_id, rows_read, status, reason_code)
                   values (?, ?, ?, ?, 'csv', ?, 100, ?, 'test', ?, ?, ?)""",
                [
                    file_id,
                    path_,
                    unit,
                    d(report_date),
                    f"{file_id:064x}",
                    f"archive/{path_}",
                    rows_read.get(file_id, 0),
                    status,
                    "R02_unreadable_file" if status == "quarantined" else None,
                ],
            )
        report_dates = {f[0]: (f[1], f[2]) for f in FILES}
        for (
            file_id,
            row_number,
            dossier,
            procedure,
            sector,
            channel,
            received,
            due,
            rescheduled,
            finished,
            returned,
            status,
        ) in ROWS:
            unit, report_date = report_dates[file_id]
            con.execute(
                """insert into submission_rows (file_id, row_number, unit_code, report_date,
                       load_id, dossier_code, procedure_code, sector, channel_raw, status_raw,
                       received_at_raw, due_at_raw, channel_code, status_code, received_date,
                       due_date, rescheduled_due_date, finished_date, returned_date)
                   values (?, ?, ?, ?, 'test', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    file_id,
                    row_number,
                    unit,
                    d(report_date),
                    dossier,
                    procedure,
                    sector,
                    str(channel),
                    str(status),
                    received,
                    due,
                    channel,
                    status,
                    d(received),
                    d(due),
                    d(rescheduled),
                    d(finished),
                    d(returned),
                ],
            )
        con.executemany(
            "insert into findings values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r, s, f, n, u, d(rd), dc, f"chi tiết {r}", f"detail {r}")
                for r, s, f, n, u, rd, dc in FINDINGS
            ],
        )
    finally:
        con.close()
