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


def xlsx_bomb(expanded: int, *, declared: int | None = None) -> bytes:
    """A real XLSX (openpyxl's parts, re-zipped with ``zipfile``) whose sheet part expands to
    ``expanded`` bytes: a header row, then blanks (XML white space between rows), deflated at
    the best ratio deflate has (about 1,000 to 1). Its zip directory declares the true size,
    or ``declared`` (a bomb that lies). Built in well under a second and a few megabytes: the
    blanks are deflated once, a MiB, and that block's bytes repeated (each block ends with a
    full flush, so that no block refers to the one before), never the whole expansion."""
    import struct
    import zipfile
    import zlib

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Mã hồ sơ", "Mã TTHC", "Lĩnh vực", "Trạng thái"])
    plain = io.BytesIO()
    workbook.save(plain)
    sheet_name = "xl/worksheets/sheet1.xml"
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>dossier_code</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>procedure_code</t></is></c>'
        b'<c r="C1" t="inlineStr"><is><t>status</t></is></c></row>'
    )
    tail = b"</sheetData></worksheet>"
    block = b" " * (1 << 20)
    blocks, rest = divmod(expanded - len(head) - len(tail), len(block))

    def deflated(data: bytes, final: bool) -> bytes:
        deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return deflater.compress(data) + deflater.flush(
            zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH
        )

    stream = deflated(head, False) + deflated(block, False) * blocks
    stream += deflated(block[:rest] + tail, True)
    crc = _crc32_repeated(zlib.crc32(head), zlib.crc32(block), len(block), blocks)
    crc = zlib.crc32(block[:rest] + tail, crc)
    # Every part as openpyxl wrote it, and the sheet as its deflated bytes stored as they are;
    # then the sheet's headers are set to say what those bytes are (deflate, its CRC and size).
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != sheet_name:
                target.writestr(info, source.read(info), zipfile.ZIP_DEFLATED)
        target.writestr(zipfile.ZipInfo(sheet_name), stream, zipfile.ZIP_STORED)
    data = bytearray(out.getvalue())
    size = expanded if declared is None else declared
    name = sheet_name.encode()
    local = data.index(b"PK\x03\x04" + data[4:6])  # first local header: found again below
    for signature, fields in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        position = local
        while True:
            position = data.index(signature, position)
            name_at = position + (30 if fields == 8 else 46)
            if data[name_at : name_at + len(name)] == name:
                break
            position += 4
        # method, then (after the time and date) CRC-32, compressed size, uncompressed size
        struct.pack_into("<H", data, position + fields, zipfile.ZIP_DEFLATED)
        struct.pack_into("<I", data, position + fields + 6, crc)
        struct.pack_into("<I", data, position + fields + 14, size)
    return bytes(data)


def _crc32_repeated(crc: int, block_crc: int, block_len: int, times: int) -> int:
    """CRC-32 of data whose CRC is ``crc`` followed by ``times`` copies of a block (its CRC
    ``block_crc``, ``block_len`` bytes), without reading a gigabyte: zlib's crc32_combine."""
    copies, copies_crc, copies_len = times, block_crc, block_len
    while copies:
        if copies & 1:
            crc = _crc32_combine(crc, copies_crc, copies_len)
        copies_crc = _crc32_combine(copies_crc, copies_crc, copies_len)
        copies_len *= 2
        copies >>= 1
    return crc


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from CRC(A), CRC(B) and len(B) (zlib's crc32_combine, GF(2) matrices)."""

    def times(matrix: list[int], vector: int) -> int:
        total, row = 0, 0
        while vector:
            if vector & 1:
                total ^= matrix[row]
            vector >>= 1
            row += 1
        return total

    def square(matrix: list[int]) -> list[int]:
        return [times(matrix, matrix[n]) for n in range(32)]

    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = square(odd)  # two zero bits
    odd = square(even)  # four zero bits
    while True:
        even = square(odd)
        if len2 & 1:
            crc1 = times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = square(even)
        if len2 & 1:
            crc1 = times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2
