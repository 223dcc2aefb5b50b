"""History rules R11-R14 (record-keeping-gaps.md) and the dossier history, on a small hand-made
build database: for each rule a case that must trigger it and a near miss that must not.

As of D = 2009-02-20. Commune 44501 sends a few ledgers (01-05, 01-06 twice: the first is
replaced, 01-07, 01-08, 01-09, 01-21):

  X1  received 01-02 -> 01-03 in the 01-06 ledger                R12 on 01-06 (received date)
  X2  due 01-16 -> 01-20 in the 01-07 ledger                     R12 on 01-07 (due date)
  X3  twice in the 01-05 ledger (due 01-16, then 01-19); 01-08 repeats 01-19
                                                                 no R12 (R06 within one ledger)
  X4  apology letter's new date 01-25 on 01-09                   no R12 (rescheduled date)
  X5  due 01-30 only in the replaced 01-06 ledger                no R12 (replaced file)
  X6  returned (10) on 01-05, in process (4) on 01-06            R14 on 01-06
  X7  4 -> 5 -> 4                                                no R14 (same rank)
  X8  in process since 01-05, due 01-10                          R11, stale since 02-05
  X9  first and last seen 01-21, due 01-20: 30 days untouched    no R11 (needs more than 30)
  X10 last seen 01-05, due 02-25                                 no R11 (not past due)

District 445 sends a ledger every night from 01-01: 6 new dossiers a night, header-only files
02-06..02-12 (R13 quiet on 02-12 only: 02-11 has 6 quiet nights), 99 rows on 02-18 (no R13: fewer
than 100 rows), 100 rows on 02-19 (R13 burst: more than 10 x the median 6).
"""

# ruff: noqa: E501
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt import create_raw_schema, run_dbt

AS_OF = "2009-02-20"
D = dt.date.fromisoformat
P = ("P-DD-01", "DD")

# 44501 rows per (report_date, file status): dossier, received, due, rescheduled, finished, returned, status
COMMUNE = [
    (
        "2009-01-05",
        "loaded",
        [
            ("X1", "2009-01-02", "2009-01-16", None, None, None, 4),
            ("X2", "2009-01-02", "2009-01-16", None, None, None, 4),
            ("X3", "2009-01-02", "2009-01-16", None, None, None, 4),
            ("X3", "2009-01-02", "2009-01-19", None, None, None, 4),
            ("X4", "2009-01-02", "2009-01-16", None, None, None, 4),
            ("X5", "2009-01-02", "2009-01-16", None, None, None, 4),
            ("X6", "2009-01-02", "2009-03-01", None, "2009-01-05", "2009-01-05", 10),
            ("X7", "2009-01-02", "2009-03-01", None, None, None, 4),
            ("X8", "2009-01-02", "2009-01-10", None, None, None, 4),
            ("X10", "2009-01-02", "2009-02-25", None, None, None, 4),
        ],
    ),
    (
        "2009-01-06",
        "replaced",
        [
            ("X5", "2009-01-02", "2009-01-30", None, None, None, 4),
        ],
    ),
    (
        "2009-01-06",
        "loaded",
        [
            ("X1", "2009-01-03", "2009-01-16", None, None, None, 4),
            ("X5", "2009-01-02", "2009-01-16", None, None, None, 5),
            ("X6", "2009-01-02", "2009-03-01", None, None, None, 4),
            ("X7", "2009-01-02", "2009-03-01", None, None, None, 5),
        ],
    ),
    (
        "2009-01-07",
        "loaded",
        [
            ("X2", "2009-01-02", "2009-01-20", None, None, None, 4),
            ("X7", "2009-01-02", "2009-03-01", None, None, None, 4),
        ],
    ),
    (
        "2009-01-08",
        "loaded",
        [
            ("X3", "2009-01-02", "2009-01-19", None, None, None, 4),
        ],
    ),
    (
        "2009-01-09",
        "loaded",
        [
            ("X4", "2009-01-02", "2009-01-16", "2009-01-25", None, None, 5),
        ],
    ),
    (
        "2009-01-21",
        "loaded",
        [
            ("X1", "2009-01-03", "2009-01-16", None, "2009-01-21", "2009-01-21", 10),
            ("X2", "2009-01-02", "2009-01-20", None, "2009-01-21", "2009-01-21", 10),
            ("X3", "2009-01-02", "2009-01-19", None, "2009-01-21", "2009-01-21", 10),
            ("X4", "2009-01-02", "2009-01-16", "2009-01-25", "2009-01-21", "2009-01-21", 10),
            ("X5", "2009-01-02", "2009-01-16", None, "2009-01-21", "2009-01-21", 10),
            ("X9", "2009-01-19", "2009-01-20", None, None, None, 4),
        ],
    ),
]


def district_rows(day: dt.date) -> int:
    if D("2009-02-06") <= day <= D("2009-02-12"):
        return 0
    return {D("2009-02-18"): 99, D("2009-02-19"): 100}.get(day, 6)


def build_history_db(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
        con.executemany(
            "insert into ref_units values (?, ?, ?, ?, ?, ?, ?)",
            [
                ("42", "Tỉnh Hà Tĩnh", "province", None, None, D("2008-01-01"), None),
                ("445", "Huyện Thạch Hà", "district", "42", D("2009-01-01"), D("2008-01-01"), None),
                (
                    "44501",
                    "Xã Thạch Long",
                    "commune",
                    "445",
                    D("2009-01-01"),
                    D("2008-01-01"),
                    None,
                ),
            ],
        )
        con.execute(
            "insert into ref_procedures values ('P-DD-01', 'Cấp GCN', 'DD', 'Đất đai', 'commune', 10, false)"
        )
        files: list[tuple] = []
        rows: list[tuple] = []
        for report_date, status, dossiers in COMMUNE:
            file_id = len(files) + 1
            files.append((file_id, "44501", D(report_date), status, len(dossiers)))
            for n, (code, rec, due, resched, fin, ret, st) in enumerate(dossiers, start=1):
                rows.append(
                    (file_id, n, "44501", D(report_date), code, rec, due, resched, fin, ret, st)
                )
        day = D("2009-01-01")
        while day <= D(AS_OF):
            file_id = len(files) + 1
            count = district_rows(day)
            files.append((file_id, "445", day, "loaded", count))
            due = D(AS_OF) + dt.timedelta(days=10)
            for n in range(1, count + 1):
                rows.append(
                    (
                        file_id,
                        n,
                        "445",
                        day,
                        f"B{day:%m%d}-{n}",
                        day.isoformat(),
                        due.isoformat(),
                        None,
                        None,
                        None,
                        4,
                    )
                )
            day += dt.timedelta(days=1)
        for file_id, unit, report_date, status, count in files:
            con.execute(
                """insert into files (file_id, landing_path, unit_code, report_date, ext, sha256,
                       size_bytes, archive_path, load_id, rows_read, status)
                   values (?, ?, ?, ?, 'csv', ?, 100, 'archive', 'test', ?, ?)""",
                [
                    file_id,
                    f"{report_date}/{unit}.csv",
                    unit,
                    report_date,
                    f"{file_id:064x}",
                    count,
                    status,
                ],
            )
        con.executemany(
            """insert into submission_rows (file_id, row_number, unit_code, report_date, load_id,
                   dossier_code, procedure_code, sector, channel_code, status_code, received_date,
                   due_date, rescheduled_due_date, finished_date, returned_date)
               values (?, ?, ?, ?, 'test', ?, 'P-DD-01', 'DD', 1, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    f,
                    n,
                    u,
                    rd,
                    code,
                    st,
                    D(rec),
                    D(due),
                    resched and D(resched),
                    fin and D(fin),
                    ret and D(ret),
                )
                for f, n, u, rd, code, rec, due, resched, fin, ret, st in rows
            ],
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    work = tmp_path_factory.mktemp("history")
    db_path = work / "motcua_build.duckdb"
    build_history_db(db_path)
    result = run_dbt(
        db_path, work, "build", "--full-refresh", "--vars", f'{{report_date: "{AS_OF}"}}'
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


def issues(con: duckdb.DuckDBPyConnection, rule: str) -> list[tuple]:
    return con.execute(
        """select unit_code, report_date, dossier_code, severity from marts.dq_issues
           where rule_id = ? order by unit_code, report_date, dossier_code""",
        [rule],
    ).fetchall()


def test_r12_retroactive_edit(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert issues(warehouse, "R12_retroactive_edit") == [
        ("44501", D("2009-01-06"), "X1", "error"),
        ("44501", D("2009-01-07"), "X2", "error"),
    ]
    details = warehouse.execute(
        """select detail_vi, detail_en from marts.dq_issues
           where rule_id = 'R12_retroactive_edit' order by dossier_code"""
    ).fetchall()
    assert details == [
        (
            "Hồ sơ X1 bị sửa lùi: ngày tiếp nhận 02/01/2009 → 03/01/2009 (sổ ngày 05/01/2009 → 06/01/2009)",
            "Dossier X1 edited retroactively: received date 2009-01-02 → 2009-01-03 (ledger of 2009-01-05 → 2009-01-06)",
        ),
        (
            "Hồ sơ X2 bị sửa lùi: ngày hẹn trả 16/01/2009 → 20/01/2009 (sổ ngày 05/01/2009 → 07/01/2009)",
            "Dossier X2 edited retroactively: due date 2009-01-16 → 2009-01-20 (ledger of 2009-01-05 → 2009-01-07)",
        ),
    ]


def test_r14_status_regression(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert issues(warehouse, "R14_status_regression") == [
        ("44501", D("2009-01-06"), "X6", "warning")
    ]
    assert warehouse.execute(
        "select detail_en from marts.dq_issues where rule_id = 'R14_status_regression'"
    ).fetchall() == [
        ("Dossier X6 status moved backwards 10 → 4 (ledger of 2009-01-05 → 2009-01-06)",)
    ]


def test_r11_stale_pending(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert issues(warehouse, "R11_stale_pending") == [("44501", D("2009-02-05"), "X8", "warning")]


def test_r13_volume_anomaly(warehouse: duckdb.DuckDBPyConnection) -> None:
    assert issues(warehouse, "R13_volume_anomaly") == [
        ("445", D("2009-02-12"), None, "warning"),
        ("445", D("2009-02-19"), None, "warning"),
    ]
    assert warehouse.execute(
        """select detail_en from marts.dq_issues where rule_id = 'R13_volume_anomaly'
           order by report_date"""
    ).fetchall() == [
        ("No rows in the 7 nights up to 2009-02-12, usually 6.0 rows a night",),
        ("100 rows on 2009-02-19, more than 10 times the usual 6.0 rows a night",),
    ]


def test_dossier_history(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = warehouse.execute(
        """select report_date, status_code, due_date, previous_status_code, rows_in_submission
           from marts.fct_dossier_history where unit_code = '44501' and dossier_code = ?
           order by report_date""",
        ["X3"],
    ).fetchall()
    assert got == [
        (D("2009-01-05"), 4, D("2009-01-19"), None, 2),
        (D("2009-01-08"), 4, D("2009-01-19"), 4, 1),
        (D("2009-01-21"), 10, D("2009-01-19"), 4, 1),
    ]
    # the replaced 01-06 ledger is not part of X5's history
    assert warehouse.execute(
        """select report_date, file_id, due_date from marts.fct_dossier_history
           where dossier_code = 'X5' order by report_date"""
    ).fetchall() == [
        (D("2009-01-05"), 1, D("2009-01-16")),
        (D("2009-01-06"), 3, D("2009-01-16")),
        (D("2009-01-21"), 7, D("2009-01-16")),
    ]
    first = warehouse.execute(
        """select dossier_code, first_report_date, last_report_date, submission_count
           from marts.fct_dossier where dossier_code in ('X3', 'X9') order by dossier_code"""
    ).fetchall()
    assert first == [
        ("X3", D("2009-01-05"), D("2009-01-21"), 4),
        ("X9", D("2009-01-21"), D("2009-01-21"), 1),
    ]
