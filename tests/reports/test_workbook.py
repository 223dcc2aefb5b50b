"""The Biểu 06 workbook and csv (motcua.reports.workbook, bieu06.write_csv) on the scenario of
tests/support/scenario.py, as of D = 2009-02-04, read back with openpyxl / csv.

Figures worked out by hand (c03 … c13), January 2009 (complete):

445    B1 TP online, pending, due 01-30: overdue at 01-31     TP  (1,1,0,0, 0,0,0,0, 1,0,1)
       B2 DD early 01-29; B5 DD on time (01-20 floored to 01-25 = due)
                                                              DD  (2,0,2,0, 2,1,1,0, 0,0,0)
       B4 sector 'XYZ' (no catalogue sector), early          ''  (1,0,1,0, 1,1,0,0, 0,0,0)
       B3 received 02-02: not in January
44501  DD: A1 online early, A3 late, A4 postal withdrawn 01-30 (on time), A6 overdue, A7 on
       time, A9 carried over from 2008-12-20 and late, A11 online pending within
                                                              DD  (7,2,4,1, 5,1,2,2, 2,1,1)
       TP: A2 on time, A5 online pending within, A8 pending within (status 9 without dates)
                                                              TP  (3,1,2,0, 1,0,1,0, 2,2,0)
S01    C1 DD received 01-30, pending within                   DD  (1,0,1,0, 0,0,0,0, 1,1,0)
44503  in force until 2009-02-02, running, no dossier: a sheet of zeros; 44502 does not run
       the one-stop shop and has no dossier: no sheet; 42 (the province row) neither.

Quarter I 2009 for 44501, as of D (A11 resolved early on 02-02, A5 due on D is within):
       DD (7,2,4,1, 6,2,2,2, 1,0,1); TP (3,1,2,0, 1,0,1,0, 2,2,0)
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from motcua.reports.bieu06 import build_report, parse_period, parse_scope, write_csv
from motcua.reports.workbook import write_workbook

DD_445 = (2, 0, 2, 0, 2, 1, 1, 0, 0, 0, 0)
TP_445 = (1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1)
XYZ_445 = (1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0)
DD_44501 = (7, 2, 4, 1, 5, 1, 2, 2, 2, 1, 1)
TP_44501 = (3, 1, 2, 0, 1, 0, 1, 0, 2, 2, 0)
DD_S01 = (1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0)


def add(*rows: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sum(values) for values in zip(*rows, strict=True))


UNKNOWN = "Lĩnh vực chưa xác định (không khớp danh mục)"
HEADER_MERGES = {
    "A8:A10": "TT",
    "B8:B10": "Lĩnh vực, công việc giải quyết theo cấp",
    "C8:F8": "Tiếp nhận",
    "G8:J8": "Số lượng hồ sơ đã giải quyết",
    "K8:M8": "Số lượng hồ sơ đang giải quyết",
    "C9:C10": "Tổng số",
    "D9:E9": "Trong đó",
    "F9:F10": "Từ kỳ trước",
    "G9:G10": "Tổng số",
    "H9:H10": "Trước hạn",
    "I9:I10": "Đúng hạn",
    "J9:J10": "Quá hạn",
    "K9:K10": "Tổng số",
    "L9:L10": "Trong hạn",
    "M9:M10": "Quá hạn",
}


@pytest.fixture(scope="module")
def scenario(scenario_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(scenario_dir / "warehouse" / "motcua.duckdb"), read_only=True)
    yield con
    con.close()


def workbook_for(con, tmp_path: Path, period: str, scope: str, sector: str | None = None):
    report = build_report(con, parse_period(period), parse_scope(scope), sector)
    out = tmp_path / "bieu06.xlsx"
    write_workbook(report, out)
    return load_workbook(out)


def table(ws) -> tuple[list[tuple], tuple]:
    """(A, B, C–M) of every row under the (1)…(13) row up to the total, and the total row."""
    number_row = next(
        r
        for r in range(1, 40)
        if [ws.cell(r, c).value for c in (1, 2, 13)] == ["(1)", "(2)", "(13)"]
    )
    rows = []
    for r in range(number_row + 1, number_row + 50):
        line = tuple(ws.cell(r, c).value for c in range(1, 14))
        if line[1] == "Tổng cộng":
            return rows, line
        rows.append(line)
    raise AssertionError("no Tổng cộng row")


def test_a_district_workbook_by_hand(scenario, tmp_path):
    wb = workbook_for(scenario, tmp_path, "2009-01", "district:445")
    assert wb.sheetnames == ["Tổng hợp", "445", "44501", "44503"]
    ws = wb["Tổng hợp"]
    rows, total = table(ws)
    assert rows == [
        (1, "Đất đai", *add(DD_445, DD_44501)),
        (2, "Tư pháp", *add(TP_445, TP_44501)),
        (3, UNKNOWN, *XYZ_445),
    ]
    assert total == (None, "Tổng cộng", *add(DD_445, DD_44501, TP_445, TP_44501, XYZ_445))
    assert total[2:] == (14, 4, 9, 1, 9, 3, 4, 2, 5, 3, 2)
    assert ws["A1"].value == "Biểu số II.06b/VPCP/KSTT"
    assert ws["K2"].value == "Ủy ban nhân dân huyện Thạch Hà"
    assert ws["K4"].value == "Ủy ban nhân dân tỉnh Hà Tĩnh (Văn phòng UBND tỉnh)"

    rows, total = table(wb["445"])
    assert rows == [(1, "Đất đai", *DD_445), (2, "Tư pháp", *TP_445), (3, UNKNOWN, *XYZ_445)]
    assert total[2:] == (4, 1, 3, 0, 3, 2, 1, 0, 1, 0, 1)
    assert wb["445"]["K4"].value == "Ủy ban nhân dân tỉnh Hà Tĩnh (Văn phòng UBND tỉnh)"

    rows, total = table(wb["44501"])
    assert rows == [(1, "Đất đai", *DD_44501), (2, "Tư pháp", *TP_44501)]
    assert total[2:] == (10, 3, 6, 1, 6, 1, 3, 2, 4, 3, 1)
    ws = wb["44501"]
    assert ws["A1"].value == "Biểu số II.06a/VPCP/KSTT"
    assert (ws["K2"].value, ws["K4"].value) == ("Xã Thạch Long", "Ủy ban nhân dân huyện Thạch Hà")

    rows, total = table(wb["44503"])
    assert rows == [] and total[2:] == (0,) * 11
    assert wb["44503"]["K2"].value == "Xã Thạch Hải"


def test_every_sheet_has_the_layout_of_the_form(scenario, tmp_path):
    wb = workbook_for(scenario, tmp_path, "2009-01", "district:445")
    for ws in wb.worksheets:
        merged = {str(r) for r in ws.merged_cells.ranges}
        for cells, text in HEADER_MERGES.items():
            assert cells in merged, (ws.title, cells)
            assert ws[cells.split(":")[0]].value == text
        assert ws["D10"].value == "Trực tuyến"
        assert ws["E10"].value == "Trực tiếp, dịch vụ bưu chính"
        assert {"A1:C2", "D1:J2", "K1:M1", "K2:M2", "K3:M3", "K4:M4", "A5:M5", "A6:M6"} <= merged
        assert ws["A1"].value.startswith("Biểu số II.06")
        assert ws["D1"].value == (
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
        )
        assert (ws["K1"].value, ws["K3"].value) == ("- Đơn vị báo cáo:", "- Đơn vị nhận báo cáo:")
        assert ws["A5"].value == "Kỳ báo cáo: Tháng 1 năm 2009"
        assert ws["A6"].value == "(Từ ngày 01/01/2009 đến ngày 31/01/2009)"
        assert ws["A7"].value is None  # a complete period: no as-of note
        assert ws["J7"].value == "Đơn vị tính: Số hồ sơ TTHC."
        assert [ws.cell(11, c).value for c in range(1, 14)] == [f"({n})" for n in range(1, 14)]
        _, total = table(ws)
        for r in range(12, 12 + len(table(ws)[0]) + 1):
            for c in range(3, 14):
                cell = ws.cell(r, c)
                assert cell.data_type == "n" and isinstance(cell.value, int), (ws.title, r, c)
                assert cell.number_format == "#,##0"
        values = [[cell.value for cell in row] for row in ws.iter_rows()]
        flat = [v for row in values for v in row if v is not None]
        assert "NGƯỜI LẬP BIỂU" in flat and "THỦ TRƯỞNG ĐƠN VỊ" in flat
        assert "(Ký, ghi rõ họ tên)" in flat and "(Ký tên, đóng dấu)" in flat
        assert any(str(v).endswith(", ngày …… tháng …… năm ……") for v in flat)
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
        assert ws.column_dimensions["B"].width >= 30
        assert all(ws.column_dimensions[c].width >= 10 for c in "CDEFGHIJKLM")
    assert wb["Tổng hợp"]["I18"].value == "Thạch Hà, ngày …… tháng …… năm ……"
    assert wb["44501"]["I17"].value == "Thạch Long, ngày …… tháng …… năm ……"


def test_a_unit_workbook_for_a_running_quarter(scenario, tmp_path):
    wb = workbook_for(scenario, tmp_path, "2009-Q1", "unit:44501")
    assert wb.sheetnames == ["44501"]
    ws = wb["44501"]
    rows, total = table(ws)
    assert rows == [
        (1, "Đất đai", 7, 2, 4, 1, 6, 2, 2, 2, 1, 0, 1),
        (2, "Tư pháp", 3, 1, 2, 0, 1, 0, 1, 0, 2, 2, 0),
    ]
    assert total == (None, "Tổng cộng", 10, 3, 6, 1, 7, 2, 3, 2, 3, 2, 1)
    assert ws["A5"].value == "Kỳ báo cáo: Quý I năm 2009"
    assert ws["A6"].value == "(Từ ngày 01/01/2009 đến ngày 31/03/2009)"
    assert ws["A7"].value == "Kỳ báo cáo chưa kết thúc: số liệu tính đến hết ngày 04/02/2009."


def test_a_province_workbook_lists_departments_then_districts_then_communes(scenario, tmp_path):
    wb = workbook_for(scenario, tmp_path, "2009-01", "province")
    # 42 (the province row) and 44502 neither run the one-stop shop nor have figures
    assert wb.sheetnames == ["Tổng hợp", "S01", "445", "44501", "44503"]
    rows, total = table(wb["Tổng hợp"])
    assert rows == [
        (1, "Đất đai", *add(DD_445, DD_44501, DD_S01)),
        (2, "Tư pháp", *add(TP_445, TP_44501)),
        (3, UNKNOWN, *XYZ_445),
    ]
    assert total[2:] == (15, 4, 10, 1, 9, 3, 4, 2, 6, 4, 2)
    ws = wb["Tổng hợp"]
    assert ws["K2"].value == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert ws["K4"].value == "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)"
    assert table(wb["S01"]) == ([(1, "Đất đai", *DD_S01)], (None, "Tổng cộng", *DD_S01))
    assert wb["S01"]["K2"].value == "Sở Tư pháp"


def test_one_sector(scenario, tmp_path):
    wb = workbook_for(scenario, tmp_path, "2009-01", "district:445", sector="TP")
    assert table(wb["Tổng hợp"]) == (
        [(1, "Tư pháp", *add(TP_445, TP_44501))],
        (None, "Tổng cộng", *add(TP_445, TP_44501)),
    )
    assert table(wb["44501"]) == ([(1, "Tư pháp", *TP_44501)], (None, "Tổng cộng", *TP_44501))


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(raw.decode("utf-8").splitlines()))


COLUMNS = [
    "c03_received_total",
    "c04_received_online",
    "c05_received_direct_postal",
    "c06_carried_over",
    "c07_resolved_total",
    "c08_resolved_early",
    "c09_resolved_on_time",
    "c10_resolved_late",
    "c11_pending_total",
    "c12_pending_within",
    "c13_pending_overdue",
]


def test_the_csv_holds_the_same_rows(scenario, tmp_path):
    report = build_report(scenario, parse_period("2009-01"), parse_scope("district:445"))
    out = tmp_path / "bieu06.csv"
    write_csv(report, out)
    rows = read_csv(out)
    assert list(rows[0]) == [
        "scope_level",
        "scope_code",
        "scope_name",
        "period_type",
        "period_label",
        "period_start",
        "period_end",
        "as_of_date",
        "is_complete",
        "tt",
        "sector_code",
        "sector_name",
        *COLUMNS,
    ]
    head = {
        "scope_level": "district",
        "scope_code": "445",
        "scope_name": "Huyện Thạch Hà",
        "period_type": "month",
        "period_label": "2009-01",
        "period_start": "2009-01-01",
        "period_end": "2009-01-31",
        "as_of_date": "2009-01-31",
        "is_complete": "true",
    }
    expected = [
        ("1", "DD", "Đất đai", add(DD_445, DD_44501)),
        ("2", "TP", "Tư pháp", add(TP_445, TP_44501)),
        ("3", "", UNKNOWN, XYZ_445),
        ("", "ALL", "Tổng cộng", (14, 4, 9, 1, 9, 3, 4, 2, 5, 3, 2)),
    ]
    assert rows == [
        {
            **head,
            "tt": tt,
            "sector_code": code,
            "sector_name": name,
            **{c: str(v) for c, v in zip(COLUMNS, values, strict=True)},
        }
        for tt, code, name, values in expected
    ]
    # the workbook's first sheet shows the very same rows
    write_workbook(report, tmp_path / "same.xlsx")
    rows_xlsx, total = table(load_workbook(tmp_path / "same.xlsx")["Tổng hợp"])
    from_csv = [(r["sector_name"], *(int(r[c]) for c in COLUMNS)) for r in rows]
    assert [(r[1], *r[2:]) for r in [*rows_xlsx, total]] == from_csv


def test_the_csv_of_one_sector_and_of_a_range(scenario, tmp_path):
    report = build_report(
        scenario, parse_period("2009-01-10..2009-01-20"), parse_scope("unit:44501"), "DD"
    )
    out = tmp_path / "dd.csv"
    write_csv(report, out)
    (row,) = read_csv(out)
    assert (row["period_type"], row["period_label"], row["as_of_date"]) == (
        "range",
        "2009-01-10..2009-01-20",
        "2009-01-20",
    )
    assert (row["scope_level"], row["scope_code"], row["sector_code"]) == ("unit", "44501", "DD")
    assert [int(row[c]) for c in COLUMNS] == [6, 1, 2, 3, 1, 1, 0, 0, 5, 4, 1]
