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
from functools import lru_cache
from pathlib import Path

from .headers import is_recognisable, match_header, normalize_label

ALLOWED_EXTENSIONS = ("csv", "xlsx", "json", "jsonl")
HEADER_SEARCH_ROWS = 30  # title rows above the header that we look through
SMALL_CSV_BYTES = 64 * 1024  # smaller CSVs are parsed in Python, batched (see load._stage)
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
    text: str | None = None  # the NFC text of a small file, parsed in Python (see load._stage)

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
    text, encoding = _decode(data)
    return unicodedata.normalize("NFC", text), encoding


def _decode(data: bytes) -> tuple[str, str]:
    """The text as written (not normalised) and the encoding it was written in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable(
            "bad_encoding",
            "the file is UTF-16 text (e.g. Excel's 'Unicode Text'); the contract allows UTF-8 "
            "or Windows-1258: save it as 'CSV UTF-8'",
        )
    if b"\x00" in data:
        raise Unreadable("binary_content", "the file holds NUL bytes: it is not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise Unreadable("bad_encoding", f"UTF-8 BOM but invalid UTF-8: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes Vietnamese with combining tone marks: NFC composes them.
        return data.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError as exc:
        raise Unreadable(
            "bad_encoding", f"the text is neither UTF-8 nor Windows-1258 ({exc})"
        ) from exc


def _find_csv_header(lines: list[str]) -> tuple[int, str, list[str], dict[int, str]]:
    for index, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        found = _header_in_line(line)
        if found is not None:
            return (index, *found)
    raise Unreadable(
        "no_header",
        "no recognisable header (need dossier_code / 'Mã hồ sơ' and at least "
        "two other contract columns) in the first 30 lines",
    )


@lru_cache(maxsize=4096)
def _header_in_line(line: str) -> tuple[str, list[str], dict[int, str]] | None:
    """The delimiter, cells and column mapping of a header line (units send the same header
    night after night: each distinct line is examined once a process)."""
    best = None
    if not line.strip():
        return None
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        mapping = match_header(cells)
        if is_recognisable(mapping) and (best is None or len(mapping) > len(best[2])):
            best = (delimiter, cells, mapping)
    return best


def _read_csv(path: Path, data: bytes, work_dir: Path) -> CsvSource:
    raw, encoding = _decode(data)
    lines = raw.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    lines = [unicodedata.normalize("NFC", ln).rstrip("\r") for ln in lines]
    try:
        index, delimiter, cells, mapping = _find_csv_header(lines)
    except Unreadable as exc:
        if encoding == "windows-1258":
            exc.message += _encoding_hint(data)
        raise
    read_path = path
    small = len(data) <= SMALL_CSV_BYTES
    as_is = small or (
        encoding in ("utf-8", "utf-8-sig")
        and (data.isascii() or unicodedata.is_normalized("NFC", raw))
    )
    if not as_is:
        # DuckDB reads UTF-8 only, and every text the loader keeps is NFC: hand it a normalised
        # UTF-8 copy (the archive keeps the original bytes).
        work_dir.mkdir(parents=True, exist_ok=True)
        read_path = work_dir / (path.stem + ".utf8.csv")
        read_path.write_text(unicodedata.normalize("NFC", raw), encoding="utf-8")
    return CsvSource(
        path=read_path,
        delimiter=delimiter,
        skip=index + 1,
        ncols=len(cells) + EXTRA_CSV_COLUMNS,
        mapping=dict(mapping),
        encoding=encoding,
        text=unicodedata.normalize("NFC", raw) if small else None,
    )


def _encoding_hint(data: bytes) -> str:
    """For the reason of an unreadable non-UTF-8 file: the encoding it most likely is in."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
    except Exception:  # a hint only: never let it turn a reason into a crash
        return ""
    if best is None or best.encoding in ("cp1258", "utf_8", "ascii"):
        return " (read as Windows-1258)"
    return f" (read as Windows-1258; the text looks like {best.encoding})"


def python_csv_rows(source: CsvSource) -> list[list[str | None]]:
    """The data rows of a CSV read by Python's strict csv module (DuckDB's fallback)."""
    text = source.text
    if text is None:
        text = source.path.read_text(encoding="utf-8-sig")
    position = 0
    for _ in range(source.skip):
        position = text.find("\n", position) + 1
        if position == 0:
            return []
    try:
        records = list(
            csv.reader(
                io.StringIO(text[position:], newline=""), delimiter=source.delimiter, strict=True
            )
        )
    except csv.Error as exc:
        raise Unreadable("csv_error", f"malformed CSV: {exc}") from exc
    rows = [[_csv_cell(c) for c in r] for r in records]
    return [r for r in rows if any(r)]


def _csv_cell(text: str) -> str | None:
    """A CSV cell as the DuckDB path keeps it (see parse.trimmed_sql): NFC, spaces trimmed."""
    if not text.isascii():  # ASCII text is NFC already
        text = unicodedata.normalize("NFC", text)
    return text.strip(" ") or None


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
    # A date typed into a General-format cell reaches us as its Excel serial number: in a
    # column whose header names a date, a serial of a plausible date is that date.
    serial_positions = (
        {p for p, c in mapping.items() if c in DATE_COLUMNS} if fmt == "xlsx" else set()
    )
    rows: list[list[str | None]] = []
    ignored: list[str] = []
    for row in grid[header_index + 1 :]:
        cells = [
            cell_text(_excel_serial(v) if p in serial_positions else v) for p, v in enumerate(row)
        ]
        if not any(cells):
            continue
        if _is_totals_row(cells, code_position):
            ignored.append("totals row: " + " | ".join(c for c in cells if c))
            continue
        rows.append(cells)
    return TableSource(rows=rows, mapping=mapping, format=fmt, ignored_rows=ignored)


DATE_COLUMNS = {"received_at", "due_at", "rescheduled_due_at", "finished_at", "returned_at"}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_RANGE = (32874.0, 73416.0)  # 1990-01-01 .. 2100-12-31


def _excel_serial(value: object) -> object:
    """An Excel date serial (days since 1899-12-30, time as the fraction) as a datetime; any
    other value unchanged."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value < _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + dt.timedelta(seconds=round(float(value) * 86400))
    return value


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
