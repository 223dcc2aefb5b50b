"""The warehouse on the official cut-off calendar (MOTCUA_REPORTING_CALENDAR=cutoff, Nghị định
09/2019/NĐ-CP Điều 12): the scenario of tests/support/scenario.py plus one dossier received on the
15th, built by the real dbt project as of D = 2009-02-04.

By hand, on the cut-off calendar: the first file (2009-01-29) lies in the cut-off February
(2009-01-15..2009-02-14, running at D), so the periods are February, 2009-Q1 (2008-12-15..
2009-03-14), 2009-H1, 2009-9M, 2009 and TTM-2009-02; there is no January (2008-12-15..2009-01-14).
The sector TP:

44501  A2 (01-10) and A8 (01-14, the last day of the cut-off January) are not February's; A5
       (01-28, online) is: February received 1 (A2 and A8 carried over), Q1 received 3.
445    B6 (added here: received 01-15 online, returned 01-20, due 01-25) and B1 (01-19, online)
       are February's: received 2, both online. As of D: B6 returned on time, B1 in process (its
       resolution on 02-05 lies after D).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from motcua.common import periods
from motcua.reports.bieu06 import on_demand_figures, rpt_figures
from tests.support.dbt import run_dbt
from tests.support.scenario import AS_OF, build_raw_db

D = dt.date.fromisoformat
MOTCUA = str(Path(sys.executable).with_name("motcua"))
VARS = f'{{report_date: "{AS_OF}", reporting_calendar: cutoff}}'


def add_dossier_received_on_the_15th(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    try:
        con.execute(
            """insert into raw.submission_rows (file_id, row_number, unit_code, report_date,
                   load_id, dossier_code, procedure_code, sector, channel_raw, status_raw,
                   received_at_raw, due_at_raw, channel_code, status_code, received_date,
                   due_date, rescheduled_due_date, finished_date, returned_date)
               values (4, 3, '445', date '2009-01-30', 'test', 'B6', 'P-TP-01', 'TP', '2', '10',
                   '2009-01-15', '2009-01-25', 2, 10, date '2009-01-15', date '2009-01-25', null,
                   date '2009-01-20', date '2009-01-20')"""
        )
        con.execute("update raw.files set rows_read = rows_read + 1 where file_id = 4")
    finally:
        con.close()


@pytest.fixture(scope="module")
def cutoff_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose published warehouse is the scenario (+ B6) cut on the cut-off."""
    work = tmp_path_factory.mktemp("cutoff")
    db_path = work / "motcua_build.duckdb"
    build_raw_db(db_path)
    add_dossier_received_on_the_15th(db_path)
    result = run_dbt(db_path, work, "build", "--vars", VARS)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    data_dir = work / "data"
    (data_dir / "warehouse").mkdir(parents=True)
    shutil.copyfile(db_path, data_dir / "warehouse" / "motcua.duckdb")
    return data_dir


@pytest.fixture(scope="module")
def warehouse(cutoff_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(cutoff_dir / "warehouse" / "motcua.duckdb"), read_only=True)
    yield con
    con.close()


def _schema_of(con: duckdb.DuckDBPyConnection, table: str) -> str:
    return con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [table]
    ).fetchone()[0]


def test_the_periods_are_those_of_the_python_rule(warehouse):
    rows = warehouse.execute(
        f"select period_type, period_label, period_start, period_end, period_basis "
        f"from {_schema_of(warehouse, 'int_periods')}.int_periods order by all"
    ).fetchall()
    expected = set()
    for year, month in ((2009, 2),):  # the first file's (01-29) cut-off month .. D's (02-04)
        for kind, number, label in (
            ("month", month, f"{year}-{month:02d}"),
            ("quarter", 1, f"{year}-Q1"),
            ("half", 1, f"{year}-H1"),
            ("nine_months", None, f"{year}-9M"),
            ("year", None, f"{year}"),
        ):
            expected.add((kind, label, *periods.bounds(kind, year, number, "cutoff"), "cutoff"))
        first, _ = periods.bounds("month", year - 1, month + 1, "cutoff")  # 11 months before
        _, last = periods.bounds("month", year, month, "cutoff")
        expected.add(("ttm", f"TTM-{year}-{month:02d}", first, last, "cutoff"))
    assert set(rows) == expected
    assert ("quarter", "2009-Q1", D("2008-12-15"), D("2009-03-14"), "cutoff") in rows


def test_rpt_bieu06_on_the_cutoff(warehouse):
    bases = warehouse.execute("select distinct period_basis from marts.rpt_bieu06").fetchall()
    assert bases == [("cutoff",)]
    february = rpt_figures(warehouse, "month", D("2009-01-15"))
    # columns 3-6: total = received online + received direct/postal + carried over
    # A5 received online; A2 and A8 (received on the 14th) carried over from January
    assert february[("44501", "TP")][:4] == (3, 1, 0, 2)
    assert february[("445", "TP")][:4] == (2, 2, 0, 0)  # B6 (the 15th) and B1, both online
    quarter = rpt_figures(warehouse, "quarter", D("2008-12-15"))
    assert quarter[("44501", "TP")][:4] == (3, 1, 2, 0)  # A2, A8 direct, A5 online


def test_ind_cohort_on_the_cutoff(warehouse):
    def cohort(unit: str, start: str) -> tuple:
        return warehouse.execute(
            "select received, returned_on_time, returned_late, in_process, period_basis "
            "from marts.ind_cohort where period_type = 'month' and scope_level = 'unit' "
            "and scope_code = ? and sector_code = 'TP' and period_start = ?",
            [unit, D(start)],
        ).fetchone()

    assert cohort("445", "2009-01-15") == (2, 1, 0, 1, "cutoff")  # B6 (the 15th) and B1
    assert cohort("44501", "2009-01-15") == (1, 0, 0, 1, "cutoff")  # A5; not A8 (the 14th)
    assert cohort("44501", "2008-12-15") is None  # no cut-off January in this warehouse


def test_on_demand_equals_rpt_bieu06_for_every_cutoff_period(warehouse):
    standard = warehouse.execute(
        "select distinct period_type, period_start, period_end from marts.rpt_bieu06"
    ).fetchall()
    assert len(standard) == 5  # February, the quarter, the half, nine months, the year
    for period_type, start, end in standard:
        assert on_demand_figures(warehouse, start, end) == rpt_figures(
            warehouse, period_type, start
        ), (period_type, start)


@pytest.mark.parametrize(
    ("basis", "source"),
    [
        ("cutoff", "from marts.rpt_bieu06"),
        ("calendar", "from on demand (marts.fct_dossier), calendar months"),
    ],
)
def test_the_export_reads_the_warehouse_basis_and_computes_the_other(
    cutoff_dir, tmp_path, basis, source
):
    out = tmp_path / "q1.csv"
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(cutoff_dir), "export", "bieu06", "--period", "2009-Q1"]
        + ["--scope", "unit:44501", "--basis", basis, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert source in result.stdout


def test_a_bad_calendar_fails_the_build_clearly(tmp_path: Path) -> None:
    db_path = tmp_path / "b.duckdb"
    build_raw_db(db_path)
    result = run_dbt(
        db_path, tmp_path, "run", "--select", "int_periods",
        "--vars", f'{{report_date: "{AS_OF}", reporting_calendar: fiscal}}',
    )  # fmt: skip
    assert result.returncode != 0
    assert "must be calendar or cutoff, got fiscal" in result.stdout
