"""Unit versions, the date dimension, the indicator marts, the semantic layer and the docs site, on
the hand-made build database of tests/support/scenario.py (as-of date D = 2009-02-04) with:

* the working-day calendar of motcua.common.calendar for 2008-2009 (raw.ref_calendar; Tết 2009 is
  25-29 January, Thursday 29 making up for the eve on Sunday 25; no swap in 2009, so Friday
  30 January is worked and Saturday 17 January is not);
* a merger, as in the demo's small profile (raw.ref_unit_successions): commune 18412 (Thạch Hà,
  one-stop shop since 2008-07-01) ends on 2009-01-31, its successor 18413 starts on 2009-02-01
  (one-stop shop from that day); each sent one header-only file (2009-01-29, 2009-02-03);
* a commune 42001 of the post-2025 registry, whose parent is the province (no district level).

Every expected value below is worked out by hand from tests/support/scenario.py.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from motcua.common.calendar import calendar_rows, override_paths, read_overrides
from motcua.common.config import DBT_PROJECT_DIR, REPO_ROOT, Settings
from tests.support.dbt import run_dbt
from tests.support.scenario import AS_OF, build_raw_db

D = dt.date.fromisoformat
MF_BIN = REPO_ROOT / ".venv" / "bin" / "mf"


def _add_scenario(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    try:
        con.executemany(
            "insert into raw.ref_calendar values (?, ?, ?)",
            calendar_rows(D("2008-01-01"), D("2009-12-31"), read_overrides(override_paths())),
        )
        con.executemany(
            "insert into raw.ref_units values (?, ?, ?, ?, ?, ?, ?)",
            [
                ("18412", "Xã Thiên Lộc", "commune", "445", D("2008-07-01"), D("2005-01-01"),
                 D("2009-01-31")),
                ("18413", "Xã Thiên Vượng", "commune", "445", D("2009-02-01"), D("2009-02-01"),
                 None),
                ("42001", "Xã Mới", "commune", "42", None, D("2025-07-01"), None),
            ],
        )  # fmt: skip
        # the province's unit_successions.csv: the merger, and rows of units this registry lacks
        con.executemany(
            "insert into raw.ref_unit_successions values (?, ?, ?, ?, ?)",
            [
                ("18412", "18413", D("2009-02-01"), "merge", "Thiên Lộc vào Thiên Vượng"),
                ("18418", "18413", D("2009-02-01"), "merge", None),
                ("18620", "18619", D("2008-01-01"), "merge", None),
            ],
        )
        for file_id, unit, day in ((21, "18412", "2009-01-29"), (22, "18413", "2009-02-03")):
            con.execute(
                """insert into raw.files (file_id, landing_path, unit_code, report_date, ext,
                       sha256, size_bytes, archive_path, load_id, rows_read, status)
                   values (?, ?, ?, ?, 'csv', ?, 100, ?, 'test', 0, 'loaded')""",
                [file_id, f"{day}/{unit}.csv", unit, D(day), f"{file_id:064x}", f"archive/{day}"],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("warehouse")
    db_path = work / "motcua_build.duckdb"
    build_raw_db(db_path)
    _add_scenario(db_path)
    result = run_dbt(db_path, work, "build", "--vars", f'{{report_date: "{AS_OF}"}}')
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    return db_path


@pytest.fixture(scope="module")
def warehouse(built: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_dim_unit_versions_and_districts(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        """select unit_code, district_code, valid_from, valid_to, is_in_force from marts.dim_unit
           where unit_code in ('18412', '18413', '42001') order by unit_code""",
    )
    assert got == [
        ("18412", "445", D("2005-01-01"), D("2009-01-31"), False),
        ("18413", "445", D("2009-02-01"), None, True),
        ("42001", None, D("2025-07-01"), None, False),  # parent is the province: no district
    ]


def test_successions(warehouse: duckdb.DuckDBPyConnection) -> None:
    # unit_successions.csv also lists 18418 -> 18413 and 18620 -> 18619: not in this registry
    assert rows(
        warehouse,
        """select old_unit_code, old_unit_name, successor_unit_code, successor_unit_name,
                  effective_date, kind, district_code
           from marts.dim_unit_succession""",
    ) == [("18412", "Xã Thiên Lộc", "18413", "Xã Thiên Vượng", D("2009-02-01"), "merge", "445")]
    got = rows(
        warehouse,
        """select unit_code, successor_unit_code, steps, successor_since, succession_kinds
           from marts.map_unit_successor
           where unit_code in ('18412', '18413', '44501') order by unit_code""",
    )
    assert got == [
        ("18412", "18413", 1, D("2009-02-01"), "merge"),
        ("18413", "18413", 0, None, None),
        ("44501", "44501", 0, None, None),
    ]
    n_units = rows(warehouse, "select count(distinct unit_code) from raw.ref_units")[0][0]
    assert rows(warehouse, "select count(*) from marts.map_unit_successor") == [(n_units,)]


def test_adoption_counts_units_in_force(warehouse: duckdb.DuckDBPyConnection) -> None:
    # 31 Jan: 44501, 44502, 44503, 18412 in force, all but 44502 running; 28 Feb: 44501, 44502,
    # 18413 (44503 ended on 2 Feb, 18412 on 31 Jan, 42001 starts in 2025), 44501 and 18413 running
    got = rows(
        warehouse,
        """select as_of_date, units_total, units_implementing from marts.ind_adoption
           where level = 'commune' order by as_of_date""",
    )
    assert got == [(D("2009-01-31"), 4, 3), (D("2009-02-28"), 3, 2)]


def test_expected_submissions_only_while_in_force(warehouse: duckdb.DuckDBPyConnection) -> None:
    # R01 window from the first file (2009-01-29) to D (2009-02-04), clipped to each version
    got = rows(
        warehouse,
        """select unit_code, month, submissions_expected, submissions_received,
                  missing_submissions
           from marts.dq_unit_scorecard where unit_code in ('18412', '18413')
           order by unit_code, month""",
    )
    assert got == [
        ("18412", D("2009-01-01"), 3, 1, 2),
        ("18413", D("2009-02-01"), 4, 1, 3),
    ]


def test_dim_date(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        """select date_day, is_working_day, is_weekend, is_override, month_key, quarter_key,
                  half_key
           from marts.dim_date where date_day in ('2009-01-17', '2009-01-26', '2009-01-29',
                                                  '2009-01-30', '2009-02-02', '2009-07-01')
           order by date_day""",
    )
    assert got == [
        (D("2009-01-17"), False, True, False, "2009-01", "2009-Q1", "2009-H1"),  # no swap in 2009
        (D("2009-01-26"), False, False, False, "2009-01", "2009-Q1", "2009-H1"),  # Tết
        (D("2009-01-29"), False, False, False, "2009-01", "2009-Q1", "2009-H1"),  # for the eve
        (D("2009-01-30"), True, False, False, "2009-01", "2009-Q1", "2009-H1"),
        (D("2009-02-02"), True, False, False, "2009-02", "2009-Q1", "2009-H1"),
        (D("2009-07-01"), True, False, False, "2009-07", "2009-Q3", "2009-H2"),
    ]
    # working days in (Fri 23 Jan, Mon 2 Feb]: Fri 30 Jan and 2 Feb (Tết 26-29, two weekends)
    index = dict(
        rows(
            warehouse,
            """select date_day, working_day_index from marts.dim_date
               where date_day in ('2009-01-23', '2009-02-02')""",
        )
    )
    assert index[D("2009-02-02")] - index[D("2009-01-23")] == 2
    assert rows(
        warehouse, "select count(*) from marts.dim_date where date_day between '2009-01-01' and "
        "'2009-12-31' and is_working_day"
    ) == rows(
        warehouse, "select count(*) from raw.ref_calendar where calendar_date between "
        "'2009-01-01' and '2009-12-31' and is_working_day"
    )  # fmt: skip


def test_processing_times(warehouse: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        warehouse,
        """select dossier_code, processing_working_days, processing_calendar_days
           from intermediate.int_dossier_processing_times
           where dossier_code in ('A1', 'A2', 'B2', 'B4', 'B5', 'A4', 'B1')
           order by dossier_code""",
    )
    assert got == [
        ("A1", 8, 10),  # Mon 5 Jan -> Thu 15 Jan
        ("A2", 7, 10),  # Sat 10 Jan -> Tue 20 Jan: 12-16 and 19-20 Jan
        ("B2", 2, 8),  # Wed 21 Jan -> Thu 29 Jan: 22, 23 Jan, then weekend and Tết
        ("B4", 1, 1),
        ("B5", 0, 0),  # finished before received: counts as the received date (R07)
    ]  # A4 is withdrawn, B1 not resolved: no processing time


def test_progress_score(warehouse: duckdb.DuckDBPyConnection) -> None:
    # unit 445, January (as of 31 Jan): B1 pending overdue, B2 and B4 early, B5 on time:
    # 20 x (2 + 1 + 0) / 4 = 15
    got = rows(
        warehouse,
        """select received_total, resolved_early, resolved_on_time, pending_within,
                  progress_numerator, progress_score
           from marts.ind_progress_score
           where period_type = 'month' and period_start = '2009-01-01' and scope_level = 'unit'
             and scope_code = '445' and sector_code = 'ALL'""",
    )
    assert got == [(4, 2, 1, 0, 3, 15.0)]
    # province rows are the sums of Biểu 06 over every unit, in every period and sector
    assert rows(
        warehouse,
        """with b as (
               select period_type, period_start, sector_code,
                      sum(c03_received_total) c03, sum(c08_resolved_early + c09_resolved_on_time
                      + c12_pending_within) num
               from marts.rpt_bieu06 group by all)
           select count(*) from b
           join marts.ind_progress_score p using (period_type, period_start, sector_code)
           where p.scope_level = 'province'
             and (p.received_total <> b.c03 or p.progress_numerator <> b.num
                  or abs(coalesce(p.progress_score, -1)
                         - coalesce(20.0 * b.num / nullif(b.c03, 0), -1)) > 1e-9)""",
    ) == [(0,)]


def test_service_measures(warehouse: duckdb.DuckDBPyConnection) -> None:
    # unit 445, January as of 31 Jan: received B1 (online), B2, B4, B5; resolved B2 (2 working
    # days), B4 (1), B5 (0); B1 pending past its due date 30 Jan (a day off) at Saturday 31 Jan:
    # 0 working days past due, first bucket; no apology date
    got = rows(
        warehouse,
        """select received, received_online, online_share, resolved_measured,
                  processing_days_mean, processing_days_median, processing_days_p90,
                  late_or_overdue, late_or_overdue_with_apology, apology_compliance,
                  pending_overdue, overdue_1_5_days, overdue_6_15_days, overdue_16_30_days,
                  overdue_over_30_days
           from marts.ind_service_measures
           where period_type = 'month' and period_start = '2009-01-01' and scope_level = 'unit'
             and scope_code = '445' and sector_code = 'ALL'""",
    )
    assert got == [(4, 1, 0.25, 3, 1.0, 1.0, pytest.approx(1.8), 1, 0, 0.0, 1, 1, 0, 0, 0)]
    # A3 (late, resolved 26 Jan) carries an apology letter's new date
    got = rows(
        warehouse,
        """select late_or_overdue, late_or_overdue_with_apology from marts.ind_service_measures
           where period_type = 'month' and period_start = '2009-01-01'
             and scope_level = 'unit' and scope_code = '44501' and sector_code = 'ALL'""",
    )
    late, with_apology = got[0]
    assert with_apology >= 1 and late >= with_apology
    # the same (scope, sector) x period grid as ind_cohort, with the same received counts
    assert rows(
        warehouse,
        """select count(*) from marts.ind_cohort c
           full join marts.ind_service_measures s
             using (period_type, period_start, period_end, scope_level, scope_code, sector_code)
           where c.received is distinct from s.received""",
    ) == [(0,)]


def test_service_measures_quantiles_equal_duckdb_on_the_dossiers(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    # ind_service_measures takes mean, median and p90 from per-unit histograms; here DuckDB's own
    # avg / median / quantile_cont run on the dossiers' processing times of every period, scope
    # and sector (each and ALL): every row must agree
    assert rows(
        warehouse,
        """with direct as (
               select p.period_type, p.period_start, sc.scope_level, sc.scope_code, x.sector_code,
                      count(*) as n, avg(t.processing_working_days) as mean,
                      median(t.processing_working_days) as med,
                      quantile_cont(t.processing_working_days, 0.9) as p90
               from intermediate.int_dossier_processing_times t
               join intermediate.int_periods p
                 on t.resolution_date between p.period_start and p.as_of_date
               join intermediate.int_unit_scopes sc on t.unit_code = sc.unit_code
               cross join unnest(case when t.sector_code is null then ['ALL']
                                      else [t.sector_code, 'ALL'] end) as x(sector_code)
               group by all)
           select count(*) from direct d
           full join (select * from marts.ind_service_measures where resolved_measured > 0) m
             using (period_type, period_start, scope_level, scope_code, sector_code)
           where d.n is distinct from m.resolved_measured
              or abs(d.mean - m.processing_days_mean) > 1e-9
              or abs(d.med - m.processing_days_median) > 1e-9
              or abs(d.p90 - m.processing_days_p90) > 1e-9
              or m.processing_days_p90 is null""",
    ) == [(0,)]
    assert rows(
        warehouse,
        "select count(distinct processing_days_p90) > 3 from marts.ind_service_measures",
    ) == [(True,)]


def _mf(project: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MOTCUA_BUILD_DB": str(db),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "false",
    }
    return subprocess.run(
        [str(MF_BIN), *args], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )


def test_metricflow_query(built: Path, tmp_path: Path) -> None:
    db = tmp_path / "mf.duckdb"  # mf opens the file for writing: not the one the tests read
    shutil.copyfile(built, db)
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    parsed = run_dbt(db, tmp_path, "parse")  # semantic_manifest.json under tmp_path/target
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    (project / "target").mkdir()
    shutil.copy(tmp_path / "target" / "semantic_manifest.json", project / "target")
    result = _mf(
        project,
        db,
        "query",
        "--metrics",
        "received,on_time_rate_of_received",
        "--group-by",
        "metric_time__month",
        "--order",
        "metric_time__month",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line.split() for line in result.stdout.splitlines() if line[:4] in ("2008", "2009")]
    # received: A9 in December; 9 dossiers of 44501, 4 of 445 and C1 in January; B3 in February
    assert [(cols[0][:7], int(cols[1])) for cols in lines] == [
        ("2008-12", 1),
        ("2009-01", 14),
        ("2009-02", 1),
    ]


def test_docs_site(built: Path, tmp_path: Path) -> None:
    from motcua.warehouse.docs import generate

    settings = Settings(tmp_path / "data")
    settings.state_db.parent.mkdir(parents=True)
    shutil.copyfile(built, settings.state_db)  # the docs describe the whole build
    out = generate(settings)
    assert out == settings.docs_dir / "dbt" / "index.html"
    html = out.read_text(encoding="utf-8")
    assert "ind_progress_score" in html and "dim_date" in html and "map_unit_successor" in html
