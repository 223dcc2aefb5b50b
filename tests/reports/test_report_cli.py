"""``motcua report --period --scope --sector --format``: any figure of the dashboard on the command
line, for the generated small province, compared with the independent oracle
(tests/support/oracle.py). The published warehouse is only read."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from tests.support.oracle import Oracle
from tests.support.published import sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
AS_OF = dt.date(2009, 2, 14)


def report(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_district_month_as_json_and_every_sector_as_csv(province_dir):
    oracle = Oracle(province_dir, AS_OF)
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    before = sha(warehouse)
    members = oracle.district_units("443")
    jan = (dt.date(2009, 1, 1), dt.date(2009, 1, 31))

    result = report(
        province_dir, "--period", "2009-01", "--scope", "district:443", "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    expected = oracle.cohort(*jan, units=members)
    assert (row["period_type"], row["period_start"], row["period_end"]) == (
        "month",
        "2009-01-01",
        "2009-01-31",
    )
    assert (row["scope_level"], row["scope_code"], row["sector_code"]) == ("district", "443", "ALL")
    assert row["is_complete"] is True
    for key in ("received", "returned_on_time", "returned_late", "in_process"):
        assert row[key] == expected[key], key
    assert row["on_time_rate"] == expected["returned_on_time"] / expected["received"]
    bieu = [oracle.bieu06(u, *jan) for u in members]
    numerator = sum(c["c08"] + c["c09"] + c["c12"] for c in bieu)
    denominator = sum(c["c03"] for c in bieu)
    assert (row["progress_numerator"], row["received_total"]) == (numerator, denominator)
    assert abs(row["progress_score"] - 20 * numerator / denominator) < 1e-9
    assert row["pending_within"] == sum(c["c12"] for c in bieu)
    assert row["pending_overdue"] == sum(c["c13"] for c in bieu)
    online = [
        x
        for x in oracle.received_dossiers(members)
        if jan[0] <= x.received <= jan[1] and x.channel == 2
    ]
    assert row["received_online"] == len(online)

    # every sector and ALL, trailing twelve months ending January, as csv
    result = report(province_dir, "--period", "TTM-2009-01", "--sector", "each", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert rows[-1]["sector_code"] == "ALL"
    assert {r["period_start"] for r in rows} == {"2008-02-01"}
    ttm = (dt.date(2008, 2, 1), dt.date(2009, 1, 31))
    for r in rows:
        want = oracle.cohort(*ttm, sector=r["sector_code"])
        assert int(r["received"]) == want["received"] > 0, r["sector_code"]
        assert int(r["in_process"]) == want["in_process"], r["sector_code"]
    assert sum(int(r["received"]) for r in rows[:-1]) <= int(rows[-1]["received"])
    assert sha(warehouse) == before


def test_text_of_a_unit_quarter_and_errors(province_dir):
    oracle = Oracle(province_dir, AS_OF)
    q1 = oracle.cohort(dt.date(2009, 1, 1), dt.date(2009, 3, 31), units={"18409"})
    result = report(province_dir, "--period", "2009-Q1", "--scope", "unit:18409")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "Thị trấn Nghèn (unit 18409), quarter 2009-Q1 (2009-01-01 … 2009-03-31)"
    )
    assert "still running: as of 2009-02-14" in lines[0]
    assert lines[1].split() == ["received", "(tiếp", "nhận)", f"{q1['received']:,}"]
    assert lines[2].split()[-4:-2] == [
        f"{q1['returned_on_time']:,}",
        f"{100 * q1['returned_on_time'] / q1['received']:.1f}%",
    ]

    bad = {
        ("--period", "2009-01-01..2009-01-31"): "standard periods only",
        ("--period", "2011-Q1"): "no figures for 2011-Q1",
        ("--scope", "district:18409"): "'18409' is not a district-level unit (districts: 443, 448)",
        ("--scope", "unit:99999"): "unknown unit '99999'",
        ("--period", "2009-13"): "there is no month 13",
    }
    for args, message in bad.items():
        result = report(province_dir, *args)
        assert result.returncode == 2, (args, result.stdout)
        assert message in result.stderr, (args, result.stderr)
