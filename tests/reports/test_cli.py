"""``motcua export bieu06`` end to end, as reporting staff run it: on the scenario (hand-worked
figures in tests/reports/test_workbook.py) and on the generated small province, whose workbook
cells are compared with the independent oracle (tests/support/oracle.py). The published
warehouse is only read.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.oracle import Oracle
from tests.support.published import fetch, sha

MOTCUA = str(Path(sys.executable).with_name("motcua"))
COLUMNS = ["c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12", "c13"]


def export(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MOTCUA, "--data-dir", str(data_dir), "export", "bieu06", *args],
        env=None if env is None else {**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def table(ws) -> dict[str, tuple[int, ...]]:
    """Column B → the numbers in C–M, for every row under the (1)…(13) row up to Tổng cộng."""
    start = next(r for r in range(1, 40) if ws.cell(r, 1).value == "(1)")
    out = {}
    for r in range(start + 1, start + 60):
        label = ws.cell(r, 2).value
        out[label] = tuple(ws.cell(r, c).value for c in range(3, 14))
        if label == "Tổng cộng":
            return out
    raise AssertionError("no Tổng cộng row")


def test_a_district_month_and_its_csv(scenario_dir, tmp_path):
    warehouse = scenario_dir / "warehouse" / "motcua.duckdb"
    before = sha(warehouse)
    out = tmp_path / "out" / "bieu06-445-2009-01.xlsx"
    result = export(
        scenario_dir, "--period", "2009-01", "--scope", "district:445", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"[motcua] wrote {out} (xlsx, 4 sheets): Biểu 06 Tháng 1 năm 2009 "
        "(2009-01-01 … 2009-01-31), Huyện Thạch Hà (district:445), from marts.rpt_bieu06"
    )
    wb = load_workbook(out)
    assert wb.sheetnames == ["Tổng hợp", "445", "44501", "44503"]
    assert table(wb["Tổng hợp"])["Tổng cộng"] == (14, 4, 9, 1, 9, 3, 4, 2, 5, 3, 2)
    assert table(wb["44501"]) == {
        "Đất đai": (7, 2, 4, 1, 5, 1, 2, 2, 2, 1, 1),
        "Tư pháp": (3, 1, 2, 0, 1, 0, 1, 0, 2, 2, 0),
        "Tổng cộng": (10, 3, 6, 1, 6, 1, 3, 2, 4, 3, 1),
    }

    # csv: by the extension, or by --format whatever the name
    for name, extra in (("a.csv", []), ("b.txt", ["--format", "csv"])):
        out_csv = tmp_path / name
        result = export(
            scenario_dir, "--period", "2009-01", "--scope", "district:445", "--out", str(out_csv),
            *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        rows = list(csv.DictReader(out_csv.read_text(encoding="utf-8").splitlines()))
        assert [r["sector_code"] for r in rows] == ["DD", "TP", "", "ALL"]
        assert rows[-1]["c03_received_total"] == "14"
    assert sha(warehouse) == before


def test_an_explicit_range_on_demand(scenario_dir, tmp_path):
    out = tmp_path / "range.xlsx"
    result = export(
        scenario_dir, "--period", "2009-01-10..2009-01-20", "--scope", "unit:44501",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "from on demand (marts.fct_dossier)" in result.stdout
    ws = load_workbook(out).active
    assert ws["A5"].value == "Kỳ báo cáo: 10/01/2009 – 20/01/2009"
    assert ws["A6"].value == "(Từ ngày 10/01/2009 đến ngày 20/01/2009)"
    assert table(ws) == {
        "Đất đai": (6, 1, 2, 3, 1, 1, 0, 0, 5, 4, 1),
        "Tư pháp": (2, 0, 2, 0, 1, 0, 1, 0, 1, 1, 0),
        "Tổng cộng": (8, 1, 4, 3, 2, 1, 1, 0, 6, 5, 1),
    }


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--basis", "cutoff"], None),
        ([], {"MOTCUA_REPORTING_CALENDAR": "cutoff"}),  # the province's setting is the default
    ],
)
def test_a_cutoff_quarter(scenario_dir, tmp_path, args, env):
    out = tmp_path / "q1.csv"
    result = export(
        scenario_dir, "--period", "2009-Q1", "--scope", "unit:44501", *args, "--out", str(out),
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Biểu 06 Quý I năm 2009 (2008-12-15 … 2009-03-14)" in result.stdout
    assert "from on demand (marts.fct_dossier), cut-off calendar" in result.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["period_start"], r["period_end"], r["period_label"]) for r in rows} == {
        ("2008-12-15", "2009-03-14", "2009-Q1")
    }


def test_a_bad_reporting_calendar_setting_is_named(scenario_dir, tmp_path):
    result = export(
        scenario_dir, "--period", "2009-Q1", "--scope", "province", "--out", str(tmp_path / "x"),
        env={"MOTCUA_REPORTING_CALENDAR": "fiscal"},
    )  # fmt: skip
    assert result.returncode == 2
    assert "MOTCUA_REPORTING_CALENDAR='fiscal' is not a reporting calendar" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2009-13", "--scope", "province"], "there is no month 13"),
        (["--period", "Q1-2009", "--scope", "province"], "cannot read the period 'Q1-2009'"),
        (["--period", "2009-Q1", "--scope", "commune:44501"], "cannot read the scope"),
        (["--period", "2009-Q1", "--scope", "district:44501"], "is not a district-level unit"),
        (["--period", "2009-Q2", "--scope", "province"], "marts.rpt_bieu06 has no quarter 2009-Q2"),
        (["--period", "2009-Q1", "--scope", "province", "--sector", "XX"], "unknown sector 'XX'"),
    ],
)
def test_bad_input_fails_with_a_clear_message(scenario_dir, tmp_path, args, message):
    out = tmp_path / "never.xlsx"
    result = export(scenario_dir, *args, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_no_published_warehouse(tmp_path):
    result = export(tmp_path, "--period", "2009-Q1", "--scope", "province", "--out", "x.xlsx")
    assert result.returncode == 2
    assert "no published warehouse at" in result.stderr


def test_a_district_quarter_of_the_generated_province_equals_the_oracle(province_dir, tmp_path):
    """What the issue's check does: cells C–M under the (1)…(13) row, for a district and for each
    of its units, equal values computed independently (the oracle reads the landing files)."""
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    ((as_of,),) = fetch(warehouse, "select max(as_of_date) from marts.fct_dossier")
    oracle = Oracle(province_dir, as_of)
    with open(province_dir / "reference" / "procedures.csv", encoding="utf-8") as handle:
        names = {r["sector_code"]: r["sector_name"] for r in csv.DictReader(handle)}
    before = sha(warehouse)
    out = tmp_path / "443.xlsx"
    result = export(
        province_dir, "--period", "2009-Q1", "--scope", "district:443", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    wb = load_workbook(out)
    start, end = dt.date(2009, 1, 1), dt.date(2009, 3, 31)

    unknown = "Lĩnh vực chưa xác định (không khớp danh mục)"

    def expected(units: set[str]) -> dict[str, tuple[int, ...]]:
        """Sector rows by name, the row of dossiers without a known sector (the oracle's sector
        None) when there are any, then the total."""
        sectors = {d.sector for d in oracle.received_dossiers(units) if d.sector}
        lines = [*((names[s], s) for s in sorted(sectors)), (unknown, None), ("Tổng cộng", "ALL")]
        out = {}
        for label, sector in lines:
            sums = [0] * 11
            for unit in units:
                exp = oracle.bieu06(unit, start, end, sector)
                sums = [a + exp[c] for a, c in zip(sums, COLUMNS, strict=True)]
            if sector is not None or any(sums):
                out[label] = tuple(sums)
        return out

    district_units = oracle.district_units("443")
    got = table(wb["Tổng hợp"])
    want = expected(district_units)
    assert got == want
    assert want["Tổng cộng"][0] > 0
    # the district-level unit, then its communes (the merged 18412 and its successor 18413
    # included; a commune that does not run the one-stop shop and has no dossier is left out)
    sheets = wb.sheetnames[1:]
    assert sheets[0] == "443"
    assert "18412" in sheets and "18413" in sheets
    for code in sheets:
        assert code in district_units
        assert table(wb[code]) == expected({code}), code
    assert sum(table(wb[c])["Tổng cộng"][0] for c in sheets) == want["Tổng cộng"][0]
    assert sha(warehouse) == before


def test_the_province_csv_of_the_generated_province(province_dir, tmp_path):
    warehouse = province_dir / "warehouse" / "motcua.duckdb"
    ((as_of,),) = fetch(warehouse, "select max(as_of_date) from marts.fct_dossier")
    oracle = Oracle(province_dir, as_of)
    out = tmp_path / "province.csv"
    result = export(province_dir, "--period", "2009-02", "--scope", "province", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[-1]["sector_code"] == "ALL"
    start, end = dt.date(2009, 2, 1), dt.date(2009, 2, 28)
    for row in rows:
        if not row["sector_code"]:
            continue
        want = [0] * 11
        for unit in {d.unit for d in oracle.dossiers.values()}:
            exp = oracle.bieu06(unit, start, end, row["sector_code"])
            want = [a + exp[c] for a, c in zip(want, COLUMNS, strict=True)]
        got = [int(v) for k, v in row.items() if k[:3] in COLUMNS]
        assert got == want, row["sector_code"]
    assert rows[-1]["is_complete"] == "false" and rows[-1]["as_of_date"] == str(as_of)
