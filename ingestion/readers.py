"""Readers: turn one submitted file's bytes into something the loader can insert.

A CSV that DuckDB can read as it is (UTF-8) becomes a :class:`CsvSource`, read later by DuckDB's
own CSV reader together with every other file of the same layout. Anything that must be decoded
in Python first (Windows-1258 CSV, XLSX, JSON, JSONL) becomes a :class:`TableSource` of text
cells. A file that cannot be read raises :class:`Unreadable` with the reason, and is quarantined.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .headers import is_recognisable, match_header, normalize_label

ALLOWED_EXTENSIONS = ("csv", "xlsx", "json", "jsonl")
HEADER_SEARCH_ROWS = 30  # title rows above the header that we look through
EXTRA_CSV_COLUMNS = 8  # tolerate trailing delimiters / unnamed extra cells
TOTAL_LABELS = {"tong cong", "tong", "cong", "total", "totals", "grand total"}


class Unreadable(Exception):
    """The file cannot be taken in; ``code`` is a machine-readable reason."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class CsvSource:
    """A UTF-8 CSV for DuckDB: the header is line ``skip`` (0-based); data follows it."""

    path: Path
    delimiter: str
    skip: int
    ncols: int
    mapping: dict[int, str]
    encoding: str

    @property
    def layout(self) -> tuple:
        return (self.delimiter, self.skip, self.ncols, tuple(sorted(self.mapping.items())))

    @property
    def format(self) -> str:
        return f"csv;{self.encoding};{self.delimiter}"


@dataclass
class TableSource:
    """Rows already decoded in Python: ``rows[i][j]`` is the text of cell j of data row i."""

    rows: list[list[str | None]]
    mapping: dict[int, str]
    format: str
    ignored_rows: list[str] = field(default_factory=list)


Source = CsvSource | TableSource


def read_file(path: Path, data: bytes, ext: str, work_dir: Path) -> Source:
    """Read one archived file; ``data`` is its content (already in memory for hashing)."""
    if ext == "csv":
        return _read_csv(path, data, work_dir)
    if ext == "xlsx":
        return _read_xlsx(data)
    if ext == "json":
        return _read_json(data)
    if ext == "jsonl":
        return _read_jsonl(data)
    raise Unreadable(
        "extension_not_allowed", f"extension .{ext} is not one of {ALLOWED_EXTENSIONS}"
    )


# --- CSV -----------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text submission: UTF-8 (with or without BOM), else Windows-1258, NFC."""
    if b"\x00" in data:
        raise Unreadable("binary_content", "the file holds NUL bytes: it is not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return unicodedata.normalize("NFC", data[3:].decode("utf-8")), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise Unreadable("bad_encoding", f"UTF-8 BOM but invalid UTF-8: {exc}") from exc
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes Vietnamese with combining tone marks: NFC composes them.
        return unicodedata.normalize("NFC", data.decode("cp1258")), "windows-1258"
    except UnicodeDecodeError as exc:
        raise Unreadable(
            "bad_encoding", f"the text is neither UTF-8 nor Windows-1258 ({exc})"
        ) from exc


def _find_csv_header(lines: list[str]) -> tuple[int, str, list[str], dict[int, str]]:
    best: tuple[int, str, list[str], dict[int, str]] | None = None
    for index, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if not line.strip():
            continue
        for delimiter in (",", ";", "\t"):
            try:
                cells = next(csv.reader([line], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            mapping = match_header(cells)
            if is_recognisable(mapping) and (best is None or len(mapping) > len(best[3])):
                best = (index, delimiter, cells, mapping)
        if best is not None:
            return best
    raise Unreadable(
        "no_header",
        "no recognisable header (need dossier_code / 'Mã hồ sơ' and at least "
        "two other contract columns) in the first 30 lines",
    )


def _read_csv(path: Path, data: bytes, work_dir: Path) -> CsvSource:
    text, encoding = decode_text(data)
    lines = text.split("\n", HEADER_SEARCH_ROWS)
    index, delimiter, cells, mapping = _find_csv_header([ln.rstrip("\r") for ln in lines])
    read_path = path
    original = data[3:] if encoding == "utf-8-sig" else data
    if encoding not in ("utf-8", "utf-8-sig") or not _same_text(text, original):
        # DuckDB reads UTF-8 only: hand it a normalised UTF-8 copy (the archive keeps the original).
        work_dir.mkdir(parents=True, exist_ok=True)
        read_path = work_dir / (path.stem + ".utf8.csv")
        read_path.write_text(text, encoding="utf-8")
    return CsvSource(
        path=read_path,
        delimiter=delimiter,
        skip=index + 1,
        ncols=len(cells) + EXTRA_CSV_COLUMNS,
        mapping=mapping,
        encoding=encoding,
    )


def _same_text(text: str, original: bytes) -> bool:
    """True when DuckDB reading the original bytes sees the same (already NFC) text."""
    return original.isascii() or text.encode("utf-8") == original


# --- cells from Python readers ---------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """Text of a cell: dates in ISO form, whole floats without '.0', empty → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def _table_from_grid(grid: list[list[object]], fmt: str) -> TableSource:
    header_index = None
    mapping: dict[int, str] = {}
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        cells = [cell_text(v) or "" for v in row]
        mapping = match_header(cells)
        if is_recognisable(mapping):
            header_index = index
            break
    if header_index is None:
        raise Unreadable("no_header", "no recognisable header row in the first 30 rows")
    code_position = next(p for p, c in mapping.items() if c == "dossier_code")
    rows: list[list[str | None]] = []
    ignored: list[str] = []
    for row in grid[header_index + 1 :]:
        cells = [cell_text(v) for v in row]
        if not any(cells):
            continue
        if _is_totals_row(cells, code_position):
            ignored.append("totals row: " + " | ".join(c for c in cells if c))
            continue
        rows.append(cells)
    return TableSource(rows=rows, mapping=mapping, format=fmt, ignored_rows=ignored)


def _is_totals_row(cells: list[str | None], code_position: int) -> bool:
    """A 'Tổng cộng' line: a total label, and no dossier code other than that label."""
    labels = {normalize_label(c) for c in cells if c}
    if not labels & TOTAL_LABELS:
        return False
    code = cells[code_position] if code_position < len(cells) else None
    return code is None or normalize_label(code) in TOTAL_LABELS


def _read_xlsx(data: bytes) -> TableSource:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise Unreadable("no_sheet", "the workbook has no sheet")
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Unreadable:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise Unreadable("bad_xlsx", f"not a readable XLSX workbook: {exc}") from exc
    return _table_from_grid(grid, "xlsx")


def _records_to_grid(records: list[object], fmt: str) -> TableSource:
    keys: list[str] = []
    for record in records:
        if not isinstance(record, dict):
            raise Unreadable("bad_json", "every element must be an object (a dossier row)")
        for key in record:
            if key not in keys:
                keys.append(key)
    mapping = match_header(keys)
    if records and not is_recognisable(mapping):
        raise Unreadable("no_header", f"no recognisable field names among {keys[:20]}")
    rows = [[cell_text(record.get(key)) for key in keys] for record in records]  # type: ignore[union-attr]
    return TableSource(rows=[r for r in rows if any(r)], mapping=mapping, format=fmt)


def _read_json(data: bytes) -> TableSource:
    text, _ = decode_text(data)
    try:
        document = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise Unreadable("bad_json", f"invalid JSON: {exc}") from exc
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise Unreadable("bad_json", "a JSON submission must be an array of objects")
        document = lists[0]
    if not isinstance(document, list):
        raise Unreadable("bad_json", "a JSON submission must be an array of objects")
    return _records_to_grid(document, "json")


def _read_jsonl(data: bytes) -> TableSource:
    text, _ = decode_text(data)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise Unreadable("bad_json", f"line {number} is not a JSON object: {exc}") from exc
    return _records_to_grid(records, "jsonl")
