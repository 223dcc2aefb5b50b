"""The dbt models on a tiny hand-made build database (tests/support/scenario.py).

Every expected value below was worked out by hand from the scenario, as of D = 2009-02-04:

44501 (commune of district 445)                        outcome at 2009-01-31 / at D
  A1  DD online  rec 01-05 due 01-20 fin 01-15 (10)    early / early
  A2  'tư  PHÁP' rec 01-10 due 01-20 fin 01-20 (9)     on_time / on_time (sector name -> TP)
  A3  DD         rec 01-06 due 01-16 fin 01-26 (10)    late / late (apology date ignored)
  A4  DD postal  rec 01-12 due 01-22, 7 first on 01-30 on_time / on_time (withdrawn 01-30)
  A5  TP online  rec 01-28 due 02-04 (4)               pending_within / pending_within (due = D)
  A6  DD         rec 01-07 due 01-21 (5)               pending_overdue / pending_overdue
  A7  DD         rec 01-13 due 01-27 ret 01-27 (10)    on_time / on_time (returned date)
  A8  TP         rec 01-14 due 02-10 (9, no dates)     pending_within / pending_within
  A9  DD         rec 2008-12-20 due 01-08 fin 01-09    late (carried over into January)
  A10 DD         refused (3)                           no outcome
  A11 DD online  rec 01-20 due 02-03; 02-02 file: fin 02-02 -> pending_within / early
  A13 only in the replaced file                        absent
445 (district)
  B1  TP online  rec 01-19 due 01-30 (4)               pending_overdue (02-05 file ignored)
  B2  DD         rec 01-21 due 02-06, fin 01-29        early
  B3  DD         rec 02-02 due 02-16 (2)               pending_within
  B4  'XYZ'      rec 01-22 due 01-26 fin 01-23 (9)     early, sector NULL (only in ALL)
  B5  DD         rec 01-25 due 01-25 fin 01-20 (9)     on_time (resolution floored at 01-25)
S01 (department)
  C1  DD         rec 01-30 due 02-13 (4)               pending_within
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt import run_dbt
from tests.support.scenario import AS_OF, build_raw_db

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    work = tmp_path_factory.mktemp("dbt")
    db_path = work / "motcua_build.duckdb"
    build_raw_db(db_path)
    result = run_dbt(db_path, work, "build", "--vars", f'{{report_date: "{AS_OF}"}}')
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def test_missing_report_date_fails_clearly(tmp_path: Path) -> None:
    db_path = tmp_path / "b.duckdb"
    build_raw_db(db_path)
    result = run_dbt(db_path, tmp_path, "run", "--select", "int_periods")
    assert result.returncode != 0
    assert "the as-of date (the var `report_date` or the environment variable" in result.stdout
    assert "is required and must be a real date, got None" in result.stdout


def test_report_date_from_the_environment(tmp_path: Path) -> None:
    """The pipeline passes the as-of date in MOTCUA_REPORT_DATE (not as a var, which would make
    dbt parse the whole project again every night); a date that does not exist fails clearly."""
    db_path = tmp_path / "b.duckdb"
    build_raw_db(db_path)
    bad = run_dbt(db_path, tmp_path, "run", "--select", "int_periods", report_date="2009-02-30")
    assert bad.returncode != 0
    assert "must be a real date, got 2009-02-30" in bad.stdout
    good = run_dbt(db_path, tmp_path, "run", "--select", "+int_periods", report_date="2009-02-14")
    assert good.returncode == 0, good.stdout[-2000:]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        as_of = con.execute(
            "select as_of_date from intermediate.int_periods "
            "where period_type = 'month' and period_start = date '2009-02-01'"
        ).fetchall()
    finally:
        con.close()
    assert as_of == [(dt.date(2009, 2, 14),)]


def test_fct_dossier_outcomes(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = {
        (u, c): (sector, outcome, resolution, withdrawn, status, issues)
        for u, c, sector, outcome, resolution, withdrawn, status, issues in rows(
            warehouse,
            """select unit_code, dossier_code, sector_code, outcome, resolution_date,
                      withdrawn_date, status_code, issue_count
               from marts.fct_dossier""",
        )
    }
    assert got == {
        ("44501", "A1"): ("DD", "early", D("2009-01-15"), None, 10, 0),
        ("44501", "A2"): ("TP", "on_time", D("2009-01-20"), None, 9, 0),
        ("44501", "A3"): ("DD", "late", D("2009-01-26"), None, 10, 1),
        ("44501", "A4"): ("DD", "on_time", D("2009-01-30"), D("2009-01-30"), 7, 0),
        ("44501", "A5"): ("TP", "pending_within", None, None, 4, 0),
        ("44501", "A6"): ("DD", "pending_overdue", None, None, 5, 1),
        ("44501", "A7"): ("DD", "on_time", D("2009-01-27"), None, 10, 0),
        ("44501", "A8"): ("TP", "pending_within", None, None, 9, 1),
        ("44501", "A9"): ("DD", "late", D("2009-01-09"), None, 10, 0),
        ("44501", "A10"): ("DD", None, None, None, 3, 0),
        ("44501", "A11"): ("DD", "early", D("2009-02-02"), None, 10, 0),
        ("445", "B1"): ("TP", "pending_overdue", None, None, 4, 0),
        ("445", "B2"): ("DD", "early", D("2009-01-29"), None, 10, 0),
        ("445", "B3"): ("DD", "pending_within", None, None, 2, 0),
        ("445", "B4"): (None, "early", D("2009-01-23"), None, 9, 0),
        ("445", "B5"): ("DD", "on_time", D("2009-01-25"), None, 9, 1),
        ("S01", "C1"): ("DD", "pending_within", None, None, 4, 0),
    }
    a11 = rows(
        warehouse,
        """select first_report_date, last_file_id, is_received, as_of_date, district_code
           from marts.fct_dossier where dossier_code = 'A11'""",
    )
    assert a11 == [(D("2009-01-29"), 14, True, D(AS_OF), "445")]
    assert rows(
        warehouse, "select is_received from marts.fct_dossier where dossier_code = 'A10'"
    ) == [(False,)]


COHORT_SQL = """
    select received, returned_on_time, returned_late, in_process, resolved,
           on_time_rate, late_rate, in_process_rate, on_time_rate_of_resolved
    from marts.ind_cohort
    where period_type = ? and period_end = ? and scope_level = ? and scope_code = ?
      and sector_code = ?
"""


@pytest.mark.parametrize(
    ("period_type", "scope_level", "scope_code", "sector", "expected"),
    [
        # January 2009 (received in January, outcome at 01-31)
        ("month", "unit", "44501", "ALL", (9, 4, 1, 4)),
        ("month", "unit", "44501", "DD", (6, 3, 1, 2)),
        ("month", "unit", "44501", "TP", (3, 1, 0, 2)),
        ("month", "unit", "445", "ALL", (4, 3, 0, 1)),
        ("month", "unit", "445", "DD", (2, 2, 0, 0)),
        ("month", "unit", "445", "TP", (1, 0, 0, 1)),
        ("month", "unit", "S01", "ALL", (1, 0, 0, 1)),
        ("month", "district", "445", "ALL", (13, 7, 1, 5)),
        ("month", "district", "445", "DD", (8, 5, 1, 2)),
        ("month", "province", "42", "ALL", (14, 7, 1, 6)),
        ("month", "province", "42", "DD", (9, 5, 1, 3)),
        ("month", "province", "42", "TP", (4, 1, 0, 3)),
        # twelve months ending January 2009: A9 (received 2008-12-20, late) comes in
        ("ttm", "unit", "44501", "ALL", (10, 4, 2, 4)),
        ("ttm", "district", "445", "ALL", (14, 7, 2, 5)),
        ("ttm", "province", "42", "ALL", (15, 7, 2, 6)),
        ("ttm", "province", "42", "DD", (10, 5, 2, 3)),
    ],
)
def test_ind_cohort_january(
    warehouse: duckdb.DuckDBPyConnection,
    period_type: str,
    scope_level: str,
    scope_code: str,
    sector: str,
    expected: tuple[int, int, int, int],
) -> None:
    got = rows(warehouse, COHORT_SQL, period_type, D("2009-01-31"), scope_level, scope_code, sector)
    received, on_time, late, in_process = expected
    assert got == [
        (
            received,
            on_time,
            late,
            in_process,
            on_time + late,
            pytest.approx(on_time / received),
            pytest.approx(late / received),
            pytest.approx(in_process / received),
            pytest.approx(on_time / (on_time + late)) if on_time + late else None,
        )
    ]


def test_ind_cohort_running_periods(warehouse: duckdb.DuckDBPyConnection) -> None:
    # Q1 2009 is still running: received 01-01..02-04, outcomes at D (A11 now early).
    got = rows(
        warehouse,
        """select is_complete, as_of_date, received, returned_on_time, returned_late, in_process
           from marts.ind_cohort
           where period_type = 'quarter' and period_start = '2009-01-01'
             and scope_level = 'province' and sector_code = 'ALL'""",
    )
    assert got == [(False, D(AS_OF), 15, 8, 1, 6)]
    # A (scope, sector) without dossiers in a period still has its row, with empty rates.
    got = rows(
        warehouse,
        """select received, on_time_rate from marts.ind_cohort
           where period_type = 'month' and period_start = '2009-02-01'
             and scope_level = 'unit' and scope_code = '44501' and sector_code = 'TP'""",
    )
    assert got == [(0, None)]
    periods = rows(
        warehouse,
        "select distinct period_type, period_start, period_end, is_complete from marts.ind_cohort",
    )
    assert sorted(periods) == sorted(
        [
            ("month", D("2009-01-01"), D("2009-01-31"), True),
            ("month", D("2009-02-01"), D("2009-02-28"), False),
            ("quarter", D("2009-01-01"), D("2009-03-31"), False),
            ("half", D("2009-01-01"), D("2009-06-30"), False),
            ("nine_months", D("2009-01-01"), D("2009-09-30"), False),
            ("year", D("2009-01-01"), D("2009-12-31"), False),
            ("ttm", D("2008-02-01"), D("2009-01-31"), True),
            ("ttm", D("2008-03-01"), D("2009-02-28"), False),
        ]
    )
    # 14 (scope, sector) combinations x 8 periods
    assert rows(warehouse, "select count(*) from marts.ind_cohort") == [(112,)]


BIEU06_COLUMNS = """c03_received_total, c04_received_online, c05_received_direct_postal,
    c06_carried_over, c07_resolved_total, c08_resolved_early, c09_resolved_on_time,
    c10_resolved_late, c11_pending_total, c12_pending_within, c13_pending_overdue"""


def test_rpt_bieu06_january_with_carried_over(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        f"""select sector_code, {BIEU06_COLUMNS}, progress_score, is_complete
            from marts.rpt_bieu06
            where unit_code = '44501' and period_type = 'month' and period_start = '2009-01-01'
            order by sector_code""",
    )
    assert got == [
        # c03 c04 c05 c06 c07 c08 c09 c10 c11 c12 c13
        ("ALL", 10, 3, 6, 1, 6, 1, 3, 2, 4, 3, 1, pytest.approx(14.0), True),
        ("DD", 7, 2, 4, 1, 5, 1, 2, 2, 2, 1, 1, pytest.approx(20 * 4 / 7), True),
        ("TP", 3, 1, 2, 0, 1, 0, 1, 0, 2, 2, 0, pytest.approx(20 * 3 / 3), True),
    ]


def test_rpt_bieu06_running_month(warehouse: duckdb.DuckDBPyConnection) -> None:
    # February is reported as of D: A5, A6, A8, A11 carried over; A11 resolved early on 02-02.
    got = rows(
        warehouse,
        f"""select {BIEU06_COLUMNS}, is_complete, as_of_date from marts.rpt_bieu06
            where unit_code = '44501' and sector_code = 'ALL' and period_type = 'month'
              and period_start = '2009-02-01'""",
    )
    assert got == [(4, 0, 0, 4, 1, 1, 0, 0, 3, 2, 1, False, D(AS_OF))]
    assert rows(warehouse, "select count(*) from marts.rpt_bieu06 where period_type = 'ttm'") == [
        (0,)
    ]
    # 8 (unit, sector) combinations x 6 periods
    assert rows(warehouse, "select count(*) from marts.rpt_bieu06") == [(48,)]


def test_ind_adoption(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        """select as_of_date, level, units_total, units_implementing, adoption_rate
           from marts.ind_adoption order by as_of_date, level""",
    )
    assert got == [
        (D("2009-01-31"), "commune", 3, 2, pytest.approx(2 / 3)),
        (D("2009-01-31"), "department", 1, 0, 0.0),
        (D("2009-01-31"), "district", 1, 1, 1.0),
        (D("2009-02-28"), "commune", 2, 1, 0.5),
        (D("2009-02-28"), "department", 1, 1, 1.0),
        (D("2009-02-28"), "district", 1, 1, 1.0),
    ]


def test_dq_issues(warehouse: duckdb.DuckDBPyConnection) -> None:
    r01 = rows(
        warehouse,
        """select unit_code, report_date, severity, dossier_code, detail_vi, detail_en
           from marts.dq_issues where rule_id = 'R01_missing_submission'
           order by unit_code, report_date""",
    )
    assert [(u, r) for u, r, *_ in r01] == [
        ("445", D("2009-02-01")),
        ("44501", D("2009-02-01")),
        ("44501", D("2009-02-03")),
        ("44503", D("2009-01-31")),
        ("S01", D("2009-02-01")),
        ("S01", D("2009-02-04")),
    ]
    assert r01[0][2:] == (
        "error",
        None,
        "Đơn vị không gửi sổ theo dõi ngày 01/02/2009",
        "No ledger submitted for 2009-02-01",
    )
    others = rows(
        warehouse,
        """select rule_id, unit_code, report_date, dossier_code, source from marts.dq_issues
           where rule_id <> 'R01_missing_submission' order by rule_id""",
    )
    # R04 twice for the same row -> once; findings of the replaced file and of the file after D
    # are gone.
    assert others == [
        ("R02_unreadable_file", "44501", D("2009-01-31"), None, "ingestion"),
        ("R03_missing_required", "44501", D("2009-01-29"), None, "validation"),
        ("R04_invalid_value", "44501", D("2009-01-29"), "A3", "validation"),
        ("R07_date_order", "445", D("2009-01-30"), "B5", "validation"),
        ("R08_status_date_mismatch", "44501", D("2009-01-30"), "A8", "validation"),
        ("R10_overdue_without_apology", "44501", D("2009-01-29"), "A6", "validation"),
    ]


def test_dq_unit_scorecard(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        """select unit_code, month, submissions_expected, submissions_received,
                  missing_submissions, rows_received, rows_with_issues, issue_rate,
                  rank_in_province, district_code
           from marts.dq_unit_scorecard order by month, unit_code""",
    )
    jan, feb = D("2009-01-01"), D("2009-02-01")
    assert got == [
        # gap ratios Jan: 445 1/8, 44501 4/15, 44503 1/3
        ("445", jan, 3, 3, 0, 5, 1, pytest.approx(0.2), 3, "445"),
        ("44501", jan, 3, 3, 0, 12, 4, pytest.approx(1 / 3), 2, "445"),
        ("44503", jan, 3, 2, 1, 0, 0, None, 1, "445"),
        # gap ratios Feb: 445 1/5, 44501 2/7, 44503 0, S01 2/4
        ("445", feb, 4, 3, 1, 1, 0, 0.0, 3, "445"),
        ("44501", feb, 4, 2, 2, 3, 0, 0.0, 2, "445"),
        ("44503", feb, 2, 2, 0, 0, 0, None, 4, "445"),
        ("S01", feb, 4, 2, 2, 0, 0, None, 1, None),
    ]
    district = rows(
        warehouse,
        """select month, units_count, submissions_expected, submissions_received,
                  missing_submissions, rows_received, rows_with_issues, district_name
           from marts.dq_district_scorecard where district_code = '445' order by month""",
    )
    assert district == [
        (jan, 3, 9, 8, 1, 17, 5, "Huyện Thạch Hà"),
        (feb, 3, 10, 7, 3, 4, 0, "Huyện Thạch Hà"),
    ]


def test_dims(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        "select unit_code, district_code, district_name from marts.dim_unit order by unit_code",
    )
    assert got == [
        ("42", None, None),
        ("445", "445", "Huyện Thạch Hà"),
        ("44501", "445", "Huyện Thạch Hà"),
        ("44502", "445", "Huyện Thạch Hà"),
        ("44503", "445", "Huyện Thạch Hà"),
        ("S01", None, None),
    ]
    assert rows(warehouse, "select count(*) from marts.dim_procedure") == [(2,)]


# What changes from one night to the next: the ingestion tables that grow, the build's own tables.
NIGHTLY_SOURCES = {"files", "submission_rows", "findings", "validated_files", "build_changes",
                   "build_runs", "build_dossiers_before", "build_periods_before"}  # fmt: skip
DATE_MACROS = {"macro.motcua.as_of_date", "macro.motcua.previous_as_of_date"}
STATIC_MODELS = {
    "stg_ingest__files", "stg_ingest__findings", "stg_ingest__procedures",
    "stg_ingest__submission_rows", "stg_ingest__units", "stg_ingest__unit_successions",
    "stg_build__runs", "stg_build__changes", "stg_build__dossiers_before",
    "stg_build__periods_before", "int_issues_unioned", "int_dossiers_before", "int_dates_indexed",
    "dim_date", "dim_procedure", "fct_dossier_history", "metricflow_time_spine",
    "int_files_nighted",
}  # fmt: skip


def test_static_models_do_not_depend_on_the_night(tmp_path: Path) -> None:
    """Models tagged `static` are left out of incremental nights (BuildPlan.dbt_build_args): a
    view's SQL must not depend on the as-of date; a table must not either, nor read, through any
    model, a table that changes at night."""
    result = run_dbt(tmp_path / "b.duckdb", tmp_path, "parse")
    assert result.returncode == 0, result.stdout[-2000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    nodes, macros, sources = manifest["nodes"], manifest["macros"], manifest["sources"]

    def macro_closure(names: list[str], seen: set[str]) -> set[str]:
        for name in names:
            if name not in seen and name in macros:
                seen.add(name)
                macro_closure(macros[name]["depends_on"]["macros"], seen)
        return seen

    def reads_the_date(node: dict) -> bool:
        return bool(macro_closure(node["depends_on"]["macros"], set()) & DATE_MACROS) or bool(
            re.search(r"var\(\s*['\"](report_date|MOTCUA_REPORT_DATE)['\"]", node["raw_code"])
        )

    def changes_at_night(unique_id: str) -> bool:
        if unique_id in sources:
            return sources[unique_id]["name"] in NIGHTLY_SOURCES
        node = nodes[unique_id]
        if node["resource_type"] == "seed":
            return False
        return reads_the_date(node) or any(
            changes_at_night(up) for up in node["depends_on"]["nodes"]
        )

    def static(node: dict) -> bool:
        materialized = node["config"]["materialized"]
        if materialized == "view":
            return not reads_the_date(node)
        return materialized == "table" and not changes_at_night(node["unique_id"])

    models = {n["name"]: n for n in nodes.values() if n["resource_type"] == "model"}
    tagged = {name for name, node in models.items() if "static" in node["tags"]}
    assert tagged == STATIC_MODELS
    assert [name for name in sorted(tagged) if not static(models[name])] == []
    # the check does tell: a view and tables that read the date, a table of the night's rows
    for name in ("int_submission_rows_used", "int_periods", "dim_unit", "ops_file_manifest"):
        assert not static(models[name]), name


# Columns of raw.submission_rows that no dossier state needs: free text and the raw date strings.
UNREAD_RAW_COLUMNS = {
    "load_id",
    "channel_raw",
    "status_raw",
    "handling_agency",
    "notes",
    "received_at_raw",
    "due_at_raw",
    "rescheduled_due_at_raw",
    "finished_at_raw",
    "returned_at_raw",
}


def test_dossier_states_read_only_the_columns_they_need(tmp_path: Path) -> None:
    """The dossier history reads the 10M submission rows: DuckDB must prune the columns it does not
    use. A CTE read twice in macros/submission_rows_used.sql, materialized by DuckDB 1.5, kept it
    from pruning any (all 25 columns read, 25% slower a night): the plan shows what is scanned.
    The rows are read once for the columns the states use, and three times for the keys the
    successions' handover needs (a handful of columns)."""
    db_path = tmp_path / "b.duckdb"
    build_raw_db(db_path)
    result = run_dbt(
        db_path, tmp_path, "run", "--select", "+fct_dossier_history", report_date=AS_OF
    )
    assert result.returncode == 0, result.stdout[-2000:]
    compiled = tmp_path / "target" / "compiled" / "motcua" / "models"
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        # the full rebuild's SQL, then a night's
        for path in (
            compiled / "intermediate" / "dossiers" / "int_dossier_states.sql",
            compiled / "intermediate" / "dossiers" / "int_dossier_states_rederived.sql",
        ):
            plan = json.loads(
                con.execute("explain (format json) " + path.read_text()).fetchall()[0][1]
            )
            scanned: list[list[str]] = []

            def walk(node: dict, scanned: list[list[str]] = scanned) -> None:
                info = node.get("extra_info") or {}
                if isinstance(info, dict) and str(info.get("Table", "")).endswith(
                    "raw.submission_rows"
                ):
                    projections = info.get("Projections", [])
                    scanned.append([projections] if isinstance(projections, str) else projections)
                for child in node.get("children", []):
                    walk(child)

            for node in plan:
                walk(node)
            # one read of the rows, and narrow reads of their keys for the successions' handover
            rows, *keys = sorted(scanned, key=len, reverse=True)
            assert {"unit_code", "dossier_code", "status_code"} <= set(rows), path.name
            assert not UNREAD_RAW_COLUMNS & set(rows), path.name
            assert len(keys) == 3, path.name
            for columns in keys:
                assert set(columns) <= {
                    "file_id",
                    "unit_code",
                    "dossier_code",
                    "report_date",
                    "received_date",
                }, path.name
    finally:
        con.close()
