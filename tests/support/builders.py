"""Builders of realistic submission files for tests (each written by hand, not by the code under
test): Windows-1258 text, XLSX with title rows, JSON and JSONL."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese text the way Windows-1258 does: base letters (â, ơ, ư, đ …) precomposed,
    tone marks as separate combining characters."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        # recompose the base with a non-tone mark (circumflex, breve, horn) when cp1258 has it
        tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
        keep = [m for m in marks if m not in tones]
        tone = [m for m in marks if m in tones]
        out += unicodedata.normalize("NFC", base + "".join(keep)).encode("cp1258")
        for mark in tone:
            out += mark.encode("cp1258")
    return bytes(out)


def csv_text(header: list[str], rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_xlsx(
    path: Path,
    header: list[str],
    rows: list[list[object]],
    *,
    titles: list[str],
    totals: bool = True,
) -> None:
    """An XLSX like a commune keeps by hand: merged title rows, a blank row, the header, data,
    an empty column, and a 'Tổng cộng' totals row."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "So theo doi"
    for title in titles:
        ws.append([title])
    for index in range(1, len(titles) + 1):
        ws.merge_cells(start_row=index, start_column=1, end_row=index, end_column=len(header))
    ws.append([])
    ws.append(header + [None])
    for row in rows:
        ws.append(list(row))
    if totals:
        ws.append(["Tổng cộng", None, None, None, len(rows)])
    for row in ws.iter_rows():
        for cell in row:
            if hasattr(cell.value, "year"):
                cell.number_format = "dd/mm/yyyy"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_json(path: Path, records: list[dict] | dict, *, lines: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if lines:
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
        )
    else:
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")


UNITS_CSV = """unit_code,unit_name,level,parent_code,one_stop_since,valid_from,valid_to
42,Tỉnh Hà Tĩnh,province,,,2005-01-01,
445,Huyện Thạch Hà,district,42,2007-01-01,2005-01-01,
44501,Xã Thạch Hạ,commune,445,2008-03-01,2005-01-01,
44502,Xã Thạch Trị,commune,445,2008-09-01,2005-01-01,
S01,Sở Tư pháp,department,42,2008-01-01,2005-01-01,
"""

PROCEDURES_CSV = """\
procedure_code,procedure_name,sector_code,sector_name,level,statutory_days,inter_agency
DD01,Cấp giấy chứng nhận quyền sử dụng đất,DD,Đất đai,district,30,false
TP01,Đăng ký khai sinh,TP,Tư pháp,commune,1,false
LD01,Xác nhận hồ sơ hưởng chế độ ưu đãi,LDTBXH,Lao động - Thương binh và Xã hội,commune,5,true
"""


def make_reference(data_dir: Path) -> None:
    ref = data_dir / "reference"
    ref.mkdir(parents=True, exist_ok=True)
    (ref / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (ref / "procedures.csv").write_text(PROCEDURES_CSV, encoding="utf-8")


def landing(data_dir: Path, report_date: str, name: str) -> Path:
    path = data_dir / "landing" / report_date / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
