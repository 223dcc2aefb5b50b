"""A successor with its predecessors (the scope ``unit_lineage``, issue #14 part 3) in
``motcua report --scope lineage:<code>`` and on the dashboard's ``lineage-<code>.html``, for the
generated small province (tests/reports/conftest.py): 18412 Thiên Lộc and 18418 Vượng Lộc (Can
Lộc) end on 2009-01-31 and merge into the new commune 18413 Thiên Vượng from 2009-02-01. Every
number is compared with the independent oracle (tests/support/oracle.py, which reads the landing
files) over the three units."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from tests.support.oracle import Oracle, month_end
from tests.support.pages import number, open_offline, percent, read_page
from tests.support.published import sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
AS_OF = dt.date(2009, 2, 14)
LINEAGE = {"18413", "18412", "18418"}
Q1 = (dt.date(2009, 1, 1), dt.date(2009, 3, 31))


def report(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, q = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * q - 2, 1)
    return start, month_end(dt.date(year, 3 * q, 1))


def test_report_a_successor_with_its_predecessors(province_dir):
    oracle = Oracle(province_dir, AS_OF)
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    before = sha(warehouse)
    jan = (dt.date(2009, 1, 1), dt.date(2009, 1, 31))
    result = report(
        province_dir, "--period", "2009-01", "--scope", "lineage:18413", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert (row["scope_level"], row["scope_code"], row["scope_name"], row["sector_code"]) == (
        "unit_lineage",
        "18413",
        "Xã Thiên Vượng",
        "ALL",
    )
    # January, before the merger: the lineage is what its predecessors received
    expected = oracle.cohort(*jan, units=LINEAGE)
    assert expected == oracle.cohort(*jan, units={"18412", "18418"})
    assert expected["received"] > 0
    for key in ("received", "returned_on_time", "returned_late", "in_process"):
        assert row[key] == expected[key], key
    bieu = [oracle.bieu06(u, *jan) for u in sorted(LINEAGE)]
    numerator = sum(c["c08"] + c["c09"] + c["c12"] for c in bieu)
    denominator = sum(c["c03"] for c in bieu)
    assert (row["progress_numerator"], row["received_total"]) == (numerator, denominator)
    assert row["pending_overdue"] == sum(c["c13"] for c in bieu)

    # the quarter as text, with the members named; the successor's own received in February
    q1 = oracle.cohort(*Q1, units=LINEAGE)
    assert q1["received"] > expected["received"]
    result = report(province_dir, "--period", "2009-Q1", "--scope", "lineage:18413")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "Xã Thiên Vượng (unit_lineage 18413), quarter 2009-Q1 (2009-01-01 … 2009-03-31)"
    )
    assert lines[1] == (
        "  with its predecessors (cùng các đơn vị tiền thân): Xã Thiên Vượng (18413), "
        "Xã Thiên Lộc (18412, merge), Xã Vượng Lộc (18418, merge)"
    )
    assert lines[2].split() == ["received", "(tiếp", "nhận)", f"{q1['received']:,}"]

    bad = {
        ("--scope", "lineage:18412"): (
            "'18412' has no lineage scope: it was succeeded by 18413: ask lineage:18413; "
            "successors with predecessors: 18413"
        ),
        ("--scope", "lineage:443"): "it succeeded no other unit (its own figures: unit:443)",
        ("--scope", "lineage:"): "cannot read the scope 'lineage:'",
    }
    for args, message in bad.items():
        result = report(province_dir, "--period", "2009-Q1", *args)
        assert result.returncode == 2, (args, result.stdout)
        assert message in result.stderr, (args, result.stderr)
    assert sha(warehouse) == before


def test_the_dashboard_page_of_a_successor(province_dir, tmp_path):
    oracle = Oracle(province_dir, AS_OF)
    reports = province_dir / "reports"
    index = read_page(reports / "index.html")
    assert '<a href="lineage-18413.html">Xã Thiên Vượng</a>' in index.html
    assert "lineages" not in index.data
    page = read_page(reports / "lineage-18413.html")
    assert [(r["unit_code"].text, r["role"].text) for r in page.tables["members"]] == [
        ("18413", "Đơn vị kế thừa / successor"),
        ("18412", "Đơn vị tiền thân / predecessor"),
        ("18418", "Đơn vị tiền thân / predecessor"),
    ]
    assert page.tables["members"][1]["succession_kinds"].text == "sáp nhập / merge"
    assert page.tables["members"][1]["successor_since"].text == "01/02/2009"

    # the headline quarter (2009-Q1, running) of the three units together
    quarter = page.tables["headline"][1]
    assert quarter["period"].text.startswith("Quý gần nhất / latest quarter: 2009-Q1")
    expected = oracle.cohort(*Q1, units=LINEAGE)
    for key in ("received", "returned_on_time", "returned_late", "in_process"):
        assert number(quarter[key].text) == expected[key], key

    # every quarter: the lineage and each unit side by side
    history = page.tables["history"]
    assert [r["period_label"].text for r in history][-1] == "2009-Q1"
    for row in history:
        bounds = quarter_bounds(row["period_label"].text)
        whole = oracle.cohort(*bounds, units=LINEAGE)
        assert row["received"].value == whole["received"], bounds
        rate = whole["returned_on_time"] / whole["received"] if whole["received"] else None
        assert row["on_time_rate"].text == percent(rate)
        for code in LINEAGE:
            one = oracle.cohort(*bounds, units={code})
            assert row[f"received_{code}"].value == one["received"], (bounds, code)
    q1 = history[-1]
    assert sum(q1[f"received_{c}"].value for c in LINEAGE) == q1["received"].value > 0
    assert q1["received_18413"].value > 0 and q1["received_18412"].value > 0

    # the monthly trend: January is the predecessors', February the new commune's
    trend = {r["period_label"].text: r for r in page.tables["trend"]}
    for month, units in (("2009-01", {"18412", "18418"}), ("2009-02", {"18413"})):
        start = dt.date.fromisoformat(f"{month}-01")
        want = oracle.cohort(start, month_end(start), units=units)
        assert number(trend[month]["received"].text) == want["received"] > 0

    shot = tmp_path / "lineage-18413.png"
    visit = open_offline((reports / "lineage-18413.html").as_uri(), shot)
    assert visit.outside_requests == [] and visit.console_errors == []
    assert visit.charts == 2 == visit.drawn  # the history and the monthly trend
    assert "Xã Thiên Vượng và các đơn vị tiền thân" in visit.text
