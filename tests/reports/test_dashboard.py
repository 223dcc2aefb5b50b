"""The nightly dashboard (``reports/index.html`` and a page per district), as the ``report`` stage
of ``motcua run`` writes it for the generated small province (tests/reports/conftest.py).

The numbers a reader sees in its tables are compared with the independent oracle
(tests/support/oracle.py, which reads the landing files) wherever it computes them (cohorts,
Biểu 06 sums and the 766 score, online share, backlog, missing submissions), and otherwise with
the marts read directly; the pages are opened in Debian's chromium with the network blocked.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.pipeline.steps import step_report
from tests.support.oracle import Oracle, month_end
from tests.support.pages import number, open_offline, percent, read_page
from tests.support.published import fetch, sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
AS_OF = dt.date(2009, 2, 14)  # the small province's last night


@pytest.fixture(scope="module")
def oracle(province_dir) -> Oracle:
    return Oracle(province_dir, AS_OF)


@pytest.fixture(scope="module")
def index(province_dir):
    return read_page(province_dir / "reports" / "index.html")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_the_nightly_run_wrote_the_pages_and_exports(province_dir, index):
    reports = province_dir / "reports"
    pages = sorted(p.name for p in reports.glob("*.html"))
    assert pages == ["district-443.html", "district-448.html", "index.html", "lineage-18413.html"]
    assert (reports / "assets" / "vega-embed.js").stat().st_size > 500_000
    assert sorted(p.name for p in (reports / "bieu06").iterdir()) == [
        "bieu06-province-2009-01.csv",
        "bieu06-province-2009-01.xlsx",
        "bieu06-province-2009-Q1.csv",
        "bieu06-province-2009-Q1.xlsx",
    ]
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    ((report_date, run_id),) = fetch(warehouse, "select report_date, run_id from ops.publication")
    assert index.data["as_of_date"] == "2009-02-14" == report_date.isoformat()
    assert index.data["publication"]["run_id"] == run_id
    assert f'data-run-id="{run_id}"' in index.html
    assert "14/02/2009" in index.html.split("</header>")[0]
    # nothing on the page or beside it is fetched from elsewhere
    for page in reports.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org", "")
        assert 'src="https' not in text and 'href="https' not in text


def test_headline_and_trend_equal_the_oracle(index, oracle):
    rows = index.tables["headline"]
    periods = [r["period"].text.split(":")[0] for r in rows]
    assert periods == [
        "Tháng gần nhất / latest month",
        "Quý gần nhất / latest quarter",
        "12 tháng gần nhất / trailing twelve months",
    ]
    # month: January (complete); quarter: Q1, still running at 14/02; TTM: Feb 2008 - Jan 2009
    bounds = [
        (dt.date(2009, 1, 1), dt.date(2009, 1, 31)),
        (dt.date(2009, 1, 1), dt.date(2009, 3, 31)),
        (dt.date(2008, 2, 1), dt.date(2009, 1, 31)),
    ]
    assert "chưa kết thúc" in rows[1]["period"].text and "chưa" not in rows[0]["period"].text
    for row, (start, end) in zip(rows, bounds, strict=True):
        expected = oracle.cohort(start, end)
        for key in ("received", "returned_on_time", "returned_late", "in_process"):
            assert number(row[key].text) == expected[key] == row[key].value, (start, key)
        received = expected["received"]
        assert row["on_time_rate"].text == percent(expected["returned_on_time"] / received)
        assert row["late_rate"].text == percent(expected["returned_late"] / received)
        assert row["in_process_rate"].text == percent(expected["in_process"] / received)
        resolved = expected["returned_on_time"] + expected["returned_late"]
        assert number(row["resolved"].text) == resolved
        assert row["on_time_rate_of_resolved"].text == percent(
            expected["returned_on_time"] / resolved
        )
    assert number(rows[1]["received"].text) > 0

    trend = index.tables["trend"]
    first_month = min(x.received for x in oracle.received_dossiers(None)).replace(day=1)
    months = []
    day = first_month
    while day <= AS_OF:
        months.append(day)
        day = month_end(day) + dt.timedelta(days=1)
    assert [r["period_label"].text for r in trend] == [f"{m:%Y-%m}" for m in months]
    for row, start in zip(trend, months, strict=True):
        expected = oracle.cohort(start, month_end(start))
        assert number(row["received"].text) == expected["received"]
        assert number(row["returned_on_time"].text) == expected["returned_on_time"]
        assert number(row["returned_late"].text) == expected["returned_late"]
        assert number(row["in_process"].text) == expected["in_process"]
        online = sum(
            1
            for x in oracle.received_dossiers(None)
            if start <= x.received <= month_end(start) and x.channel == 2
        )
        assert number(row["received_online"].text) == online


def score(oracle: Oracle, units: set[str], start: dt.date, end: dt.date) -> tuple[int, int]:
    """(numerator, denominator) of the 766 tiến độ ratio: Biểu 06 (8)+(9)+(12) over (3)."""
    num = den = 0
    for unit in units:
        c = oracle.bieu06(unit, start, end)
        num += c["c08"] + c["c09"] + c["c12"]
        den += c["c03"]
    return num, den


def test_rankings_equal_the_oracle(index, oracle):
    q1 = (dt.date(2009, 1, 1), dt.date(2009, 3, 31))
    districts = index.tables["district-ranking"]
    assert [r["scope_code"].text for r in districts] and len(districts) == 2
    scores = []
    for rank, row in enumerate(districts, start=1):
        num, den = score(oracle, oracle.district_units(row["scope_code"].text), *q1)
        assert (number(row["progress_numerator"].text), number(row["received_total"].text)) == (
            num,
            den,
        )
        assert row["progress_score"].text == f"{20 * num / den:.2f}".replace(".", ",")
        value = 20 * num / den
        band = (
            "Tốt"
            if value >= 16
            else "Khá"
            if value >= 14
            else "Trung bình"
            if value >= 10
            else "Yếu"
        )
        assert row["band"].text == band
        assert number(row["rank"].text) == rank
        scores.append(value)
        cohort = oracle.cohort(*q1, units=oracle.district_units(row["scope_code"].text))
        assert row["on_time_rate"].text == percent(cohort["returned_on_time"] / cohort["received"])
    assert scores == sorted(scores, reverse=True)

    units = index.tables["unit-ranking"]
    got = {r["scope_code"].text: r for r in units}
    for code, row in got.items():
        num, den = score(oracle, {code}, *q1)
        assert (number(row["progress_numerator"].text), number(row["received_total"].text)) == (
            num,
            den,
        ), code
    ranked = [r["progress_score"].value for r in units if r["progress_score"].value is not None]
    assert ranked == sorted(ranked, reverse=True)

    # online share by district, the same quarter
    for row in index.tables["online"]:
        members = oracle.district_units(row["scope_code"].text)
        received = [x for x in oracle.received_dossiers(members) if q1[0] <= x.received <= q1[1]]
        online = sum(1 for x in received if x.channel == 2)
        assert number(row["received"].text) == len(received)
        assert number(row["received_online"].text) == online
        assert row["online_share"].text == percent(online / len(received))


def test_backlog_equals_the_oracle_and_the_marts(index, oracle, province_dir):
    february = (dt.date(2009, 2, 1), dt.date(2009, 2, 28))
    sums = {"c12": 0, "c13": 0}
    for unit in oracle.units:
        c = oracle.bieu06(unit, *february)
        sums["c12"] += c["c12"]
        sums["c13"] += c["c13"]
    (total,) = index.tables["backlog-total"]
    assert number(total["pending_within"].text) == sums["c12"]
    assert number(total["pending_overdue"].text) == sums["c13"]
    assert number(total["pending_total"].text) == sums["c12"] + sums["c13"]
    buckets = [
        "overdue_1_5_days",
        "overdue_6_15_days",
        "overdue_16_30_days",
        "overdue_over_30_days",
    ]
    assert sum(number(total[b].text) for b in buckets) == sums["c13"]
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    ((b1, b2, b3, b4),) = fetch(
        warehouse,
        "select overdue_1_5_days, overdue_6_15_days, overdue_16_30_days, overdue_over_30_days "
        "from marts.ind_service_measures where period_type = 'month' and period_start = ? "
        "and scope_level = 'province' and sector_code = 'ALL'",
        [february[0]],
    )
    assert [number(total[b].text) for b in buckets] == [b1, b2, b3, b4]
    for row in index.tables["backlog"]:
        members = oracle.district_units(row["scope_code"].text)
        within = sum(oracle.bieu06(u, *february)["c12"] for u in members)
        overdue = sum(oracle.bieu06(u, *february)["c13"] for u in members)
        assert (number(row["pending_within"].text), number(row["pending_overdue"].text)) == (
            within,
            overdue,
        )


def test_record_keeping_equals_the_oracle_and_the_marts(index, oracle, province_dir):
    rk = index.data["province"]["record_keeping"]
    first = AS_OF - dt.timedelta(days=30)
    assert (rk["calendar_start"], rk["calendar_end"]) == (first.isoformat(), AS_OF.isoformat())
    expected = {(u, day) for u, day in oracle.missing_submissions() if first <= day <= AS_OF}
    assert expected, "the generated province plants missing submissions"
    assert {(m["unit_code"], d(m["report_date"])) for m in rk["missing"]} == expected
    table = {r["unit_code"].text: r for r in index.tables["missing"]}
    assert set(table) == {u for u, _ in expected}
    for unit, row in table.items():
        days = sorted(day for u, day in expected if u == unit)
        assert number(row["missing_days"].text) == len(days)
        assert row["days"].text == ", ".join(f"{x:%d/%m}" for x in days)
    spec = read_spec(province_dir / "reports" / "index.html", "chart-calendar")
    red = {
        (v["unit"], v["day"])
        for v in spec["datasets"]["calendar"]
        if v["state"].startswith("Thiếu")
    }
    assert len(red) == len(expected)

    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    scorecard = fetch(
        warehouse,
        "select rank_in_province, unit_code, submissions_expected, missing_submissions, "
        "rows_received, rows_with_issues from marts.dq_unit_scorecard where month = ? "
        "order by rank_in_province, unit_code",
        [dt.date(2009, 2, 1)],
    )
    got = [
        (number(r["rank_in_province"].text), r["unit_code"].text,
         number(r["submissions_expected"].text), number(r["missing_submissions"].text),
         number(r["rows_received"].text), number(r["rows_with_issues"].text))
        for r in index.tables["scorecard"]
    ]  # fmt: skip
    assert got == [tuple(r) for r in scorecard]
    accountability = fetch(
        warehouse,
        "select rank_in_province, unit_code, gaps_opened, gaps_fixed, gaps_open_at_month_end "
        "from marts.dq_unit_accountability where month = ? and rank_in_province is not null "
        "order by rank_in_province, unit_code",
        [dt.date(2009, 2, 1)],
    )
    assert accountability  # the small province has gaps
    got = [
        (number(r["rank_in_province"].text), r["unit_code"].text, number(r["gaps_opened"].text),
         number(r["gaps_fixed"].text), number(r["gaps_open_at_month_end"].text))
        for r in index.tables["accountability"]
    ]  # fmt: skip
    assert got == [tuple(r) for r in accountability]
    rules = fetch(
        warehouse,
        "select rule_id, count(*), count(*) filter (where report_date >= date '2009-02-01') "
        "from marts.dq_issues group by 1 order by 1",
    )
    assert [
        (r["rule_id"].text, number(r["issues"].text), number(r["issues_this_month"].text))
        for r in index.tables["rules"]
    ] == [tuple(r) for r in rules]


def read_spec(path: Path, chart_id: str) -> dict:
    import json
    import re

    text = path.read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="motcua-specs">(.*?)</script>', text, re.S)
    return json.loads(raw.group(1).replace("<\\/", "</"))[chart_id]


def test_district_page_equals_the_oracle(province_dir, oracle):
    page = read_page(province_dir / "reports" / "district-443.html")
    members = oracle.district_units("443")
    (month, quarter, ttm) = page.tables["headline"]
    expected = oracle.cohort(dt.date(2009, 1, 1), dt.date(2009, 3, 31), units=members)
    assert number(quarter["received"].text) == expected["received"] > 0
    assert number(quarter["returned_on_time"].text) == expected["returned_on_time"]
    codes = {r["scope_code"].text for r in page.tables["unit-ranking"]}
    assert codes <= members and "443" in codes
    assert {r["unit_code"].text for r in page.tables["scorecard"]} <= members


def test_pages_open_offline_in_chromium(province_dir, oracle, tmp_path):
    reports = province_dir / "reports"
    quarter = oracle.cohort(dt.date(2009, 1, 1), dt.date(2009, 3, 31))
    shown = f"{quarter['received']:,}".replace(",", ".")
    for name in ("index.html", "district-443.html"):
        shot = tmp_path / f"{name}.png"
        visit = open_offline((reports / name).as_uri(), shot)
        assert visit.outside_requests == []
        assert visit.console_errors == []
        assert visit.charts >= 6 and visit.drawn == visit.charts
        assert shot.stat().st_size > 50_000
        assert "Số liệu đến hết ngày / data as of 14/02/2009" in visit.text
    index = read_page(reports / "index.html")
    assert index.tables["headline"][1]["received"].text == shown


def test_motcua_report_html_and_a_failure(province_dir, tmp_path):
    """``motcua report --html`` writes the same pages again; a warehouse the dashboard cannot read
    makes the report step raise (the nightly task fails and alerts) and stays untouched."""
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    before = sha(warehouse)
    result = subprocess.run(
        [MOTCUA, "--data-dir", str(province_dir), "report", "--html"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {province_dir / 'reports' / 'index.html'} (4 pages" in result.stdout
    assert sha(warehouse) == before

    broken = Settings.from_env(tmp_path / "data")
    broken.warehouse_db.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, broken.warehouse_db)
    con = duckdb.connect(str(broken.warehouse_db))
    con.execute("drop table marts.ind_service_measures")
    con.close()
    frozen = sha(broken.warehouse_db)
    with pytest.raises(PipelineError, match="ind_service_measures"):
        step_report(AS_OF, broken, run_id="test")
    assert sha(broken.warehouse_db) == frozen
    assert not (broken.data_dir / "reports" / "index.html").exists()


def test_a_warehouse_without_dossiers_gets_a_page_not_a_failure(province_dir, tmp_path):
    from motcua.reports.dashboard import write_nightly

    empty = Settings.from_env(tmp_path / "data")
    empty.warehouse_db.parent.mkdir(parents=True)
    shutil.copyfile(province_dir / "warehouse" / "motcua.duckdb", empty.warehouse_db)
    con = duckdb.connect(str(empty.warehouse_db))
    con.execute("delete from marts.fct_dossier")
    con.close()
    out = write_nightly(empty)
    assert (out["pages"], out["exports"]) == (1, [])
    page = (empty.data_dir / "reports" / "index.html").read_text(encoding="utf-8")
    assert "holds no dossiers yet" in page
