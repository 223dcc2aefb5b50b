"""Biểu 06 figures (motcua.reports.bieu06): the on-demand computation equals marts.rpt_bieu06 for
every unit, sector and standard period; explicit ranges equal hand-worked values (the scenario)
and the independent oracle (the generated province); districts and the province roll up their
units as the marts do (ind_progress_score).

The scenario (tests/support/scenario.py, as of D = 2009-02-04), by hand, for the explicit range
2009-01-10..2009-01-20 (as of 01-20):

44501  A1 DD  rec 01-05, early 01-15         carried over (c06), resolved early (c08)
       A2 TP  rec 01-10 direct, 01-20 = due  received (c05), resolved on time (c09)
       A3 DD  rec 01-06, resolved 01-26      carried over, pending, due 01-16 < 01-20: overdue
       A4 DD  rec 01-12 postal, withdrawn 01-30  received (c05), pending within (due 01-22)
       A6 DD  rec 01-07, pending             carried over, pending within (due 01-21)
       A7 DD  rec 01-13 direct, resolved 01-27   received (c05), pending within (due 01-27)
       A8 TP  rec 01-14 direct, never resolved   received (c05), pending within (due 02-10)
       A11 DD rec 01-20 online, resolved 02-02   received (c04), pending within (due 02-03)
       A9 (resolved 01-09, before the range) and A5 (received 01-28, after it) do not count.
445    B1 TP  rec 01-19 online, pending      received (c04), pending within (due 01-30)
       B2-B5 received after 01-20.
S01    C1 received 01-30: zeros, but S01/DD and S01/ALL are rows (C1 was received by D).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from motcua.common.errors import PipelineError
from motcua.reports.bieu06 import (
    ALL,
    COLUMNS,
    ZERO,
    build_report,
    on_demand_figures,
    parse_period,
    parse_scope,
    rpt_figures,
)
from tests.support.oracle import Oracle

D = dt.date.fromisoformat


def connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data_dir / "warehouse" / "motcua.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def scenario(scenario_dir: Path) -> duckdb.DuckDBPyConnection:
    con = connect(scenario_dir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def province(province_dir: Path) -> duckdb.DuckDBPyConnection:
    con = connect(province_dir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def oracle(province: duckdb.DuckDBPyConnection, province_dir: Path) -> Oracle:
    """The independent calculation, as of the warehouse's date."""
    as_of = province.execute("select max(as_of_date) from marts.fct_dossier").fetchone()[0]
    return Oracle(province_dir, as_of)


def standard_periods(con: duckdb.DuckDBPyConnection) -> list[tuple[str, dt.date, dt.date]]:
    return con.execute(
        "select distinct period_type, period_start, period_end from marts.rpt_bieu06 "
        "order by period_type, period_start"
    ).fetchall()


def assert_on_demand_equals_rpt(con: duckdb.DuckDBPyConnection) -> int:
    checked = 0
    for period_type, start, end in standard_periods(con):
        expected = rpt_figures(con, period_type, start)
        assert expected, (period_type, start)
        assert on_demand_figures(con, start, end) == expected, (period_type, start)
        checked += len(expected)
    return checked


def test_on_demand_equals_rpt_bieu06_on_the_scenario(scenario):
    assert standard_periods(scenario) == [
        ("half", D("2009-01-01"), D("2009-06-30")),
        ("month", D("2009-01-01"), D("2009-01-31")),
        ("month", D("2009-02-01"), D("2009-02-28")),
        ("nine_months", D("2009-01-01"), D("2009-09-30")),
        ("quarter", D("2009-01-01"), D("2009-03-31")),
        ("year", D("2009-01-01"), D("2009-12-31")),
    ]
    # 8 (unit, sector) rows: 445 ALL/DD/TP, 44501 ALL/DD/TP, S01 ALL/DD, in 6 periods
    assert assert_on_demand_equals_rpt(scenario) == 48


def test_on_demand_equals_rpt_bieu06_on_the_generated_province(province):
    periods = standard_periods(province)
    assert {p[0] for p in periods} == {"month", "quarter", "half", "nine_months", "year"}
    units = {u for (u, _) in rpt_figures(province, "month", D("2009-02-01"))}
    assert {"18412", "18413", "443"} <= units  # the merger's predecessor and successor
    assert assert_on_demand_equals_rpt(province) > 50


def test_the_rule_columns_are_exactly_rpt_bieu06s(scenario):
    got = [
        r[0]
        for r in scenario.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'rpt_bieu06' and column_name like 'c%' order by ordinal_position"
        ).fetchall()
    ]
    assert tuple(got) == COLUMNS


def test_an_explicit_range_by_hand(scenario):
    zeros = ZERO
    assert on_demand_figures(scenario, D("2009-01-10"), D("2009-01-20")) == {
        # c03 c04 c05 c06 c07 c08 c09 c10 c11 c12 c13
        ("44501", "ALL"): (8, 1, 4, 3, 2, 1, 1, 0, 6, 5, 1),
        ("44501", "DD"): (6, 1, 2, 3, 1, 1, 0, 0, 5, 4, 1),
        ("44501", "TP"): (2, 0, 2, 0, 1, 0, 1, 0, 1, 1, 0),
        ("445", "ALL"): (1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0),
        ("445", "DD"): zeros,
        ("445", "TP"): (1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0),
        ("S01", "ALL"): zeros,
        ("S01", "DD"): zeros,
    }


def test_a_range_running_past_the_warehouse_date_is_counted_as_of_it(scenario):
    # 2009-02-01..2009-03-15 as of D = 2009-02-04: February's rows (February also runs as of D)
    assert on_demand_figures(scenario, D("2009-02-01"), D("2009-03-15")) == rpt_figures(
        scenario, "month", D("2009-02-01")
    )
    report = build_report(
        scenario, parse_period("2009-02-01..2009-03-15"), parse_scope("unit:44501")
    )
    assert (report.as_of, report.is_complete) == (D("2009-02-04"), False)
    # A5, A6, A8 pending, A11 resolved early on 02-02, all carried over from January
    assert report.main.total.values == (4, 0, 0, 4, 1, 1, 0, 0, 3, 2, 1)


def test_a_cutoff_month_is_computed_on_demand_from_a_calendar_warehouse(scenario):
    # The scenario is built on calendar months; January on the official cut-off is
    # 2008-12-15..2009-01-14 (Nghị định 09/2019, Điều 12). By hand, for 44501 as of 01-14:
    # received A9 (12-20), A1 (01-05 online), A3, A6, A2, A4 (postal), A7 and A8 (01-14, the last
    # day); A10 (01-15) and A11 (01-20) fall in February's. A9 resolved late on 01-09; the seven
    # others are pending within their due dates on 01-14 (A3's first due date is 01-16).
    report = build_report(scenario, parse_period("2009-01", "cutoff"), parse_scope("unit:44501"))
    assert (report.period.start, report.period.end) == (D("2008-12-15"), D("2009-01-14"))
    assert report.source == "on demand (marts.fct_dossier), cut-off calendar"
    assert (report.as_of, report.is_complete) == (D("2009-01-14"), True)
    assert report.main.total.values == (8, 1, 7, 0, 1, 0, 0, 1, 7, 7, 0)
    calendar_january = build_report(scenario, parse_period("2009-01"), parse_scope("unit:44501"))
    assert calendar_january.source == "marts.rpt_bieu06"
    assert calendar_january.main.total.values != report.main.total.values


@pytest.mark.parametrize(
    "text",
    [
        "2009-01-10..2009-01-20",
        "2009-01-15..2009-02-10",
        "2008-12-15..2009-01-14",
        "2009-01-01..2009-01-01",
        "2009-02-01..2009-02-14",
        "2009-01-20..2009-03-31",
    ],
)
def test_explicit_ranges_equal_the_oracle(province, oracle, text):
    period = parse_period(text)
    got = on_demand_figures(province, period.start, period.end)
    carried = 0
    for (unit, sector), values in got.items():
        exp = oracle.bieu06(unit, period.start, period.end, sector)
        assert values == tuple(exp[c[:3]] for c in COLUMNS), (unit, sector)
        carried += exp["c06"] if sector == ALL else 0
    units_with_dossiers = {d.unit for d in oracle.received_dossiers(None)}
    assert {u for u, _ in got} == units_with_dossiers
    if period.start > D("2009-01-01"):
        assert carried > 0


def scope_rows(report) -> dict[str, tuple[int, ...]]:
    out = {r.sector_code: r.values for r in report.main.rows}
    out[ALL] = report.main.total.values
    return out


def assert_scopes_roll_up_like_the_marts(con: duckdb.DuckDBPyConnection) -> int:
    """Every district and the province, every standard period and sector: the scope's figures
    equal ind_progress_score's (sums of rpt_bieu06 over int_unit_scopes)."""
    marts = {}
    for row in con.execute(
        "select period_type, period_start, scope_level, scope_code, sector_code, received_total, "
        "resolved_early, resolved_on_time, pending_within from marts.ind_progress_score "
        "where scope_level in ('district', 'province')"
    ).fetchall():
        marts[row[:5]] = row[5:]
    checked = 0
    for period_type, start, end in standard_periods(con):
        period = parse_period(f"{start}..{end}")  # on demand: also checks the roll-up of ranges
        for level, code in {(k[2], k[3]) for k in marts if k[0] == period_type}:
            scope = parse_scope("province" if level == "province" else f"district:{code}")
            report = build_report(con, period, scope)
            assert report.scope.code == code
            got = scope_rows(report)
            expected = {
                k[4]: v for k, v in marts.items() if k[:4] == (period_type, start, level, code)
            }
            assert set(expected) <= set(got)
            for sector, (c03, c08, c09, c12) in expected.items():
                values = got[sector]
                assert (values[0], values[5], values[6], values[9]) == (c03, c08, c09, c12)
                checked += 1
            extra = set(got) - set(expected)
            assert extra <= {""}, extra  # only the unknown-sector row, not in the marts
    return checked


def test_scopes_roll_up_like_the_marts_on_the_scenario(scenario):
    assert assert_scopes_roll_up_like_the_marts(scenario) == 6 * (3 + 3)  # 445 and 42: ALL DD TP


def test_scopes_roll_up_like_the_marts_on_the_generated_province(province):
    assert assert_scopes_roll_up_like_the_marts(province) > 30


def test_a_district_is_the_sum_of_its_units_by_the_oracle(province, oracle):
    period = parse_period("2009-01-05..2009-02-10")
    for district in ("443", "448"):
        report = build_report(province, period, parse_scope(f"district:{district}"))
        units = oracle.district_units(district)
        for sector, values in scope_rows(report).items():
            expected = [0] * len(COLUMNS)
            for unit in units:  # the row of dossiers without a known sector: the oracle's None
                exp = oracle.bieu06(unit, period.start, period.end, sector or None)
                expected = [a + exp[c[:3]] for a, c in zip(expected, COLUMNS, strict=True)]
            assert values == tuple(expected), (district, sector)
        assert report.main.total.values[0] > 0


def test_errors_say_what_is_wrong(scenario):
    q1 = parse_period("2009-Q1")
    with pytest.raises(PipelineError, match="unknown unit '99999'"):
        build_report(scenario, q1, parse_scope("unit:99999"))
    with pytest.raises(
        PipelineError, match=r"'44501' is not a district-level unit \(districts: 445\)"
    ):
        build_report(scenario, q1, parse_scope("district:44501"))
    with pytest.raises(PipelineError, match=r"'445' is not the province \(the province is 42\)"):
        build_report(scenario, q1, parse_scope("province:445"))
    with pytest.raises(
        PipelineError,
        match=r"marts.rpt_bieu06 has no quarter 2008-Q4: its months run from 2009-01 to 2009-02 "
        r"\(as of 2009-02-04\)",
    ):
        build_report(scenario, parse_period("2008-Q4"), parse_scope("unit:44501"))
    with pytest.raises(PipelineError, match="starts after the warehouse's date 2009-02-04"):
        build_report(scenario, parse_period("2009-02-05..2009-02-28"), parse_scope("province"))
    with pytest.raises(
        PipelineError, match=r"unknown sector 'XD' \(sectors of the catalogue: DD, TP\)"
    ):
        build_report(scenario, q1, parse_scope("province"), sector="XD")
