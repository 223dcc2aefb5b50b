"""The Biểu 06 workbook: each sheet in the layout of the official form (Thông tư 01/2020/TT-VPCP,
Biểu số 06; see docs/reports.md for the sources and what is still to be checked against them).

Layout of a sheet (columns A–M):

====  ==============================================================================
rows  content
====  ==============================================================================
1–2   A1:C2 the form number; D1:J2 the title; K1:M1 ``- Đơn vị báo cáo:``, K2:M2 the unit
3–4   A3:C4 the circular it is issued under; K3:M3 ``- Đơn vị nhận báo cáo:``, K4:M4 the
      recipient
5     A5:M5 ``Kỳ báo cáo: Quý I năm 2009``
6     A6:M6 ``(Từ ngày 01/01/2009 đến ngày 31/03/2009)``
7     A7:I7 the as-of date when the period is still running; J7:M7 ``Đơn vị tính: Số hồ sơ
      TTHC.``
8–10  the three header rows (:data:`HEADER_CELLS`)
11    ``(1)`` … ``(13)``
12…   one row per sector (A its number, B its name, C–M columns 3–13), then ``Tổng cộng``
then  a note on columns 9 and 12, and the signature block
====  ==============================================================================
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.reports.bieu06 import Bieu06Report, FormRow, FormSheet

TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
ISSUED_UNDER = "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
UNIT_LINE = "Đơn vị tính: Số hồ sơ TTHC."
NOTE = (
    "Ghi chú: Cột (9) bao gồm cả hồ sơ công dân xin rút; cột (11) bao gồm cả hồ sơ đang chờ "
    "công dân bổ sung (trong hạn hay quá hạn theo ngày hẹn trả kết quả)."
)

HEADER_ROW = 8
NUMBER_ROW = 11
FIRST_DATA_ROW = 12

#: (range, text) of the header rows 8–10; the ranges are merged when they span several cells.
HEADER_CELLS: tuple[tuple[str, str], ...] = (
    ("A8:A10", "TT"),
    ("B8:B10", "Lĩnh vực, công việc giải quyết theo cấp"),
    ("C8:F8", "Tiếp nhận"),
    ("G8:J8", "Số lượng hồ sơ đã giải quyết"),
    ("K8:M8", "Số lượng hồ sơ đang giải quyết"),
    ("C9:C10", "Tổng số"),
    ("D9:E9", "Trong đó"),
    ("D10", "Trực tuyến"),
    ("E10", "Trực tiếp, dịch vụ bưu chính"),
    ("F9:F10", "Từ kỳ trước"),
    ("G9:G10", "Tổng số"),
    ("H9:H10", "Trước hạn"),
    ("I9:I10", "Đúng hạn"),
    ("J9:J10", "Quá hạn"),
    ("K9:K10", "Tổng số"),
    ("L9:L10", "Trong hạn"),
    ("M9:M10", "Quá hạn"),
)

FONT = "Times New Roman"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WIDTHS = {"A": 6, "B": 42, **{get_column_letter(c): 12 for c in range(3, 14)}}


def _font(bold: bool = False, italic: bool = False, size: int = 12) -> Font:
    return Font(name=FONT, bold=bold, italic=italic, size=size)


def _put(
    ws: Worksheet,
    cells: str,
    value: object,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 12,
    align: str = "center",
) -> None:
    """Write ``value`` into the first cell of ``cells``, merging them when they are a range."""
    if ":" in cells:
        ws.merge_cells(cells)
    first = ws[cells.split(":")[0]]
    first.value = value
    first.font = _font(bold, italic, size)
    first.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)


def _data_row(ws: Worksheet, row: int, line: FormRow, *, bold: bool = False) -> None:
    ws.cell(row, 1, line.number)
    ws.cell(row, 2, line.label)
    for offset, value in enumerate(line.values):
        ws.cell(row, 3 + offset, value).number_format = "#,##0"
    for column in range(1, 14):
        cell = ws.cell(row, column)
        cell.border = BOX
        cell.font = _font(bold=bold)
        cell.alignment = Alignment(
            horizontal="left" if column == 2 else ("center" if column == 1 else "right"),
            vertical="center",
            wrap_text=column == 2,
        )


def write_sheet(ws: Worksheet, report: Bieu06Report, sheet: FormSheet) -> None:
    """One form: ``sheet``'s figures for ``report``'s period."""
    ws.title = sheet.sheet_name
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width

    _put(ws, "A1:C2", sheet.form_number, bold=True, align="left")
    _put(ws, "A3:C4", ISSUED_UNDER, italic=True, size=10, align="left")
    _put(ws, "D1:J2", TITLE, bold=True)
    _put(ws, "K1:M1", "- Đơn vị báo cáo:", bold=True, align="left")
    _put(ws, "K2:M2", sheet.reporting_unit, align="left")
    _put(ws, "K3:M3", "- Đơn vị nhận báo cáo:", bold=True, align="left")
    _put(ws, "K4:M4", sheet.recipient, align="left")
    _put(ws, "A5:M5", f"Kỳ báo cáo: {report.period.label}", bold=True)
    _put(ws, "A6:M6", report.period.dates_line)
    if not report.is_complete:
        _put(
            ws,
            "A7:I7",
            f"Kỳ báo cáo chưa kết thúc: số liệu tính đến hết ngày {report.as_of:%d/%m/%Y}.",
            italic=True,
            align="left",
        )
    _put(ws, "J7:M7", UNIT_LINE, italic=True, align="right")
    for row in (1, 2, 4):
        ws.row_dimensions[row].height = 30

    for cells, text in HEADER_CELLS:
        _put(ws, cells, text, bold=True)
    for row in range(HEADER_ROW, NUMBER_ROW + 1):
        for column in range(1, 14):
            ws.cell(row, column).border = BOX
    ws.row_dimensions[HEADER_ROW].height = 32
    ws.row_dimensions[HEADER_ROW + 2].height = 48
    for column in range(1, 14):
        cell = ws.cell(NUMBER_ROW, column, f"({column})")
        cell.font = _font(italic=True)
        cell.alignment = CENTER

    row = FIRST_DATA_ROW
    for line in sheet.rows:
        _data_row(ws, row, line)
        row += 1
    _data_row(ws, row, sheet.total, bold=True)
    ws.cell(row, 2).alignment = Alignment(horizontal="center", vertical="center")

    _put(ws, f"A{row + 1}:M{row + 1}", NOTE, italic=True, size=11, align="left")
    sign = row + 3
    _put(ws, f"I{sign}:M{sign}", f"{sheet.place}, ngày …… tháng …… năm ……", italic=True)
    _put(ws, f"A{sign + 1}:E{sign + 1}", "NGƯỜI LẬP BIỂU", bold=True)
    _put(ws, f"A{sign + 2}:E{sign + 2}", "(Ký, ghi rõ họ tên)", italic=True)
    _put(ws, f"I{sign + 1}:M{sign + 1}", "THỦ TRƯỞNG ĐƠN VỊ", bold=True)
    _put(ws, f"I{sign + 2}:M{sign + 2}", "(Ký tên, đóng dấu)", italic=True)

    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{NUMBER_ROW}"
    ws.print_area = f"A1:M{sign + 6}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def write_workbook(report: Bieu06Report, out: Path) -> None:
    """The scope's own form first, then (district, province) one sheet per reporting unit."""
    workbook = Workbook()
    first = workbook.active
    for index, sheet in enumerate(report.sheets):
        ws = first if index == 0 else workbook.create_sheet()
        write_sheet(ws, report, sheet)
    workbook.properties.title = f"Biểu 06 — {report.scope_name} — {report.period.label}"
    workbook.properties.creator = "motcua"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    workbook.save(tmp)
    tmp.replace(out)
