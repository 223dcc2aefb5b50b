"""Readers: turn one submitted file's bytes into something the loader can insert.

A CSV that DuckDB can read as it is (UTF-8) becomes a :class:`CsvSource`, read later by DuckDB's
own CSV reader together with every other file of the same layout. Anything that must be decoded
in Python first (Windows-1258 CSV, XLSX, JSON, JSONL) becomes a :class:`TableSource` of text
cells. A file that cannot be read raises :class:`Unreadable` with the reason, and is quarantined.

The loader's per-file work (read a landing file, hash it, archive it, read it: :func:`fetch_batch`)
lives here too: it runs in the loader's fetch workers, threads or processes, and this module
imports nothing heavy (neither DuckDB nor Arrow), so that a worker process starts at once.
"""

from __future__ import annotations

import array
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import os
import pickle
import re
import signal
import stat
import sys
import threading
import traceback
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Sequence
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

    def __reduce__(self):
        # The loader's fetch workers may be processes: the reason crosses back pickled.
        return (type(self), (self.code, self.message))


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
    small = len(data) <= SMALL_CSV_BYTES
    # A small file is parsed in Python, from its NFC text; of a big one only the lines searched
    # for the header are normalised here.
    text = unicodedata.normalize("NFC", raw) if small else None
    lines = (raw if text is None else text).split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    if text is None:
        lines = [unicodedata.normalize("NFC", ln) for ln in lines]
    lines = [ln.rstrip("\r") for ln in lines]
    try:
        index, delimiter, cells, mapping = _find_csv_header(lines)
    except Unreadable as exc:
        if encoding == "windows-1258":
            exc.message += _encoding_hint(data)
        raise
    read_path = path
    as_is = small or (
        encoding in ("utf-8", "utf-8-sig")
        and (data.isascii() or unicodedata.is_normalized("NFC", raw))
    )
    if not as_is:
        # DuckDB reads UTF-8 only, and every text the loader keeps is NFC: hand it a normalised
        # UTF-8 copy (the archive keeps the original bytes).
        read_path = work_dir / (path.stem + ".utf8.csv")
        _write_private(read_path, unicodedata.normalize("NFC", raw).encode("utf-8"))
    return CsvSource(
        path=read_path,
        delimiter=delimiter,
        skip=index + 1,
        ncols=len(cells) + EXTRA_CSV_COLUMNS,
        mapping=dict(mapping),
        encoding=encoding,
        text=text,
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
    # Cells as the DuckDB path keeps them (see parse.trimmed_sql): NFC, spaces trimmed. The text
    # is NFC (see _read_csv), and so is each cell: the csv module cuts it at delimiters, quotes
    # and line breaks, none of which composes with what is next to it.
    rows = [[cell.strip(" ") or None for cell in record] for record in records]
    return [row for row in rows if any(row)]


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


# How far a workbook may expand once unzipped (a zip bomb is a few kilobytes that expand to
# gigabytes): documented settings, read from the environment at each workbook.
XLSX_MAX_MB_ENV = "MOTCUA_XLSX_MAX_MB"
XLSX_MAX_MB = 100  # MiB, all the workbook's parts together: about 200,000 ledger rows
XLSX_MAX_RATIO_ENV = "MOTCUA_XLSX_MAX_RATIO"
XLSX_MAX_RATIO = 100  # real ledgers compress 10-20 times
# How many cells the first sheet may span, from A1 to its farthest row and column holding a
# value: calamine allocates that whole grid at once (a stray value at XFD1048576 in a 5 kB
# workbook asks for 17 billion cells and aborts the process), and the loader then walks it.
XLSX_MAX_CELLS_ENV = "MOTCUA_XLSX_MAX_CELLS"
XLSX_MAX_CELLS = 10_000_000  # e.g. 200,000 rows of 50 columns; a ledger spans far fewer
_RATIO_FLOOR = 1 << 20  # a part smaller than this (1 MiB unzipped) may compress as it likes
_INFLATE_STEP = 1 << 20


def _positive_setting(name: str, default: float) -> float:
    """A positive number from the environment variable ``name``, or ``default`` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{name}={raw!r}: a positive number is needed (default {default})")
    return value


def xlsx_limits() -> tuple[int, float]:
    """The most bytes a workbook may expand to, and the highest compression ratio of a part,
    from ``MOTCUA_XLSX_MAX_MB`` and ``MOTCUA_XLSX_MAX_RATIO`` (defaults 100 MiB and 100)."""
    megabytes = _positive_setting(XLSX_MAX_MB_ENV, XLSX_MAX_MB)
    return int(megabytes * (1 << 20)), _positive_setting(XLSX_MAX_RATIO_ENV, XLSX_MAX_RATIO)


def xlsx_max_cells() -> int:
    """The most cells the first sheet's grid may span (``MOTCUA_XLSX_MAX_CELLS``, default
    10,000,000): calamine holds the sheet as a dense grid from A1 to its farthest cell."""
    return int(_positive_setting(XLSX_MAX_CELLS_ENV, XLSX_MAX_CELLS))


def check_xlsx_expansion(data: bytes) -> None:
    """Refuse (:class:`Unreadable` ``xlsx_too_large``) a workbook that would expand beyond
    :func:`xlsx_limits` once unzipped, before anything opens it: the sizes its zip directory
    declares, each big part's compression ratio, and then (the declarations may lie) what each
    part really inflates to, counted and thrown away a megabyte at a time.

    As the first sheet inflates, the cells holding a value are located: a sheet whose grid
    from A1 to its farthest row and column spans more than :func:`xlsx_max_cells` cells is
    refused too (``xlsx_grid_too_large``), before calamine allocates that grid."""
    limit, max_ratio = xlsx_limits()
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return  # no zip at all: nothing to expand, and calamine says what it is not
    declared = sum(part.file_size for part in parts)
    if declared > limit:
        raise Unreadable(
            "xlsx_too_large",
            f"the workbook would expand to {declared:,} bytes once unzipped ({len(parts)} "
            f"parts, {len(data):,} bytes on disk), over the limit of {limit:,} bytes "
            f"({XLSX_MAX_MB_ENV}): not opened; send the ledger as CSV, or split it",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_FLOOR and ratio > max_ratio:
            raise Unreadable(
                "xlsx_too_large",
                f"part '{part.filename}' would expand {ratio:,.0f} times "
                f"({part.compress_size:,} -> {part.file_size:,} bytes), over the limit of "
                f"{max_ratio:g} times ({XLSX_MAX_RATIO_ENV}): a zip bomb, not opened",
            )
    sheets = _first_sheet_parts(data, parts)
    for part in parts:
        grid = _CellGrid() if part.filename in sheets else None
        if _inflated_size(data, part, grid) > part.file_size:
            raise Unreadable(
                "xlsx_too_large",
                f"part '{part.filename}' inflates to more than the {part.file_size:,} bytes it "
                "declares: a zip bomb, not opened",
            )
        if grid is not None:
            grid.check(part.filename)


def _inflated_size(data: bytes, part: zipfile.ZipInfo, grid: _CellGrid | None = None) -> int:
    """How many bytes ``part`` inflates to, up to one more than it declares (then it lies); what
    comes out is handed to ``grid`` as it comes, if given."""
    offset = part.header_offset
    if data[offset : offset + 4] != b"PK\x03\x04":
        raise Unreadable("bad_xlsx", f"part '{part.filename}' has no local header")
    start = offset + 30 + int.from_bytes(data[offset + 26 : offset + 28], "little")
    start += int.from_bytes(data[offset + 28 : offset + 30], "little")
    if part.compress_type == zipfile.ZIP_STORED:
        size = min(part.compress_size, len(data) - start)
        if grid is not None:
            for position in range(start, start + size, _INFLATE_STEP):
                grid.feed(data[position : min(position + _INFLATE_STEP, start + size)])
            grid.close()
        return size
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise Unreadable(
            "bad_xlsx",
            f"part '{part.filename}' uses zip compression method {part.compress_type}; "
            "XLSX workbooks use deflate",
        )
    view = memoryview(data)[start:]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size, position = 0, 0
    try:
        while not inflater.eof and size <= part.file_size:
            if inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            elif position < len(view):
                chunk = view[position : position + _INFLATE_STEP]
                position += _INFLATE_STEP
            else:
                break  # cut short: the reader will say the workbook is broken
            out = inflater.decompress(chunk, _INFLATE_STEP)
            size += len(out)
            if grid is not None and size <= part.file_size:
                grid.feed(out)
    except zlib.error as exc:
        raise Unreadable("bad_xlsx", f"part '{part.filename}' is corrupt: {exc}") from exc
    if grid is not None:
        grid.close()
    return size


def _first_sheet_parts(data: bytes, parts: list[zipfile.ZipInfo]) -> set[str]:
    """The zip part of the workbook's first sheet (the one :func:`_read_xlsx` reads), from
    ``xl/workbook.xml`` and its relationships; every worksheet part when that cannot be told
    (the check then errs on the strict side). Both files are small, and bounded by the sizes
    already checked."""
    every = {p.filename for p in parts if p.filename.startswith("xl/worksheets/")}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        sheet = re.search(rb"<(?:[\w.-]+:)?sheet\s[^>]*>", workbook)
        rel_id = sheet and re.search(rb"""\s[\w.-]+:id\s*=\s*["']([^"']*)["']""", sheet[0])
        if rel_id is None:
            return every
        for rel in re.findall(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", rels):
            found = re.search(rb"""\sId\s*=\s*["']([^"']*)["']""", rel)
            target = re.search(rb"""\sTarget\s*=\s*["']([^"']*)["']""", rel)
            if found and target and found[1] == rel_id[1]:
                name = target[1].decode("utf-8")
                name = name[1:] if name.startswith("/") else "xl/" + name
                name = os.path.normpath(name).replace(os.sep, "/")
                return {name} if name in {p.filename for p in parts} else every
    except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError, zlib.error, OSError):
        pass
    return every


# Where the cells of a sheet lie, as its XML streams by (see _CellGrid). The fast pattern
# reads the common form, every cell tag being ``<c r="B7" ...>``; a cell with a value is one
# that is neither self-closing nor closed at once (calamine places no empty cell).
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*(?<!/)>(?!</c>)')
_ODD_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s/>]|<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]')
_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>(</(?:[A-Za-z_][\w.-]*:)?c>)?"
)
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_REF = re.compile(rb"([A-Za-z]{0,3})([0-9]{1,7})")
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _CellGrid:
    """The extent of a sheet's cells holding a value, read from its XML a piece at a time:
    the farthest row and column (1-based), that is the grid calamine will allocate from A1.

    Positions are placed as calamine places them: a cell's ``r`` reference, or (no
    reference) the next column of the current row, rows counted from their ``r`` or one
    after the other. A sheet written in the common form (every cell tag ``<c r="...">``) is
    read with a few C-speed passes; any other form goes tag by tag."""

    def __init__(self) -> None:
        self.rows = 0
        self.cols = 0
        self._carry = b""
        self._fast = True
        self._row = 0  # the current row and column (0-based) when tags are read one by one
        self._col = 0

    def feed(self, chunk: bytes) -> None:
        text = self._carry + chunk
        # Cut before the last tag (it may go on in the next piece), and keep a start tag
        # together with a close that follows it (an empty cell is no cell).
        cut = text.rfind(b"<")
        if cut > 0 and text.startswith(b"</", cut):
            cut = max(text.rfind(b"<", 0, cut), 0)
        if cut < 0:
            cut = len(text)
        carry = text[cut:]
        end = carry.find(b">")
        if end < 0 and len(carry) > _INFLATE_STEP:
            raise Unreadable("bad_xlsx", "the sheet holds a tag of over a megabyte")
        if end >= 0 and len(carry) > end + 5:
            # A complete tag then text without a tag: what follows the tag's '>' only
            # matters for its first bytes (is the cell closed at once?).
            carry = carry[: end + 5]
        self._carry = carry
        self._scan(text[:cut])

    def close(self) -> None:
        self._scan(self._carry)
        self._carry = b""

    def _scan(self, text: bytes) -> None:
        if not text:
            return
        if self._fast and not self._common_form(text):
            # From here on tag by tag. Where the pieces read so far left the current row and
            # column is not kept: taken as far as any cell went, which can only widen the grid.
            self._fast = False
            self._row, self._col = max(self.rows - 1, 0), self.cols
        if not self._fast:
            self._scan_tags(text)
            return
        refs = _FAST_CELL.findall(text)
        if not refs:
            return
        letters = max(
            map(
                bytes.rjust, map(bytes.rstrip, refs, itertools.repeat(_DIGITS)), itertools.repeat(3)
            )
        )
        digits = max(
            map(
                bytes.rjust,
                map(bytes.lstrip, refs, itertools.repeat(_LETTERS)),
                itertools.repeat(7),
            )
        )
        self.cols = max(self.cols, _column_number(letters.strip()))
        self.rows = max(self.rows, int(digits))

    @staticmethod
    def _common_form(text: bytes) -> bool:
        """Every cell tag of ``text`` is ``<c r="<letters><digits>"``: no prefix, no other
        spacing, no cell placed by its order."""
        return _ODD_CELL.search(text) is None

    def _scan_tags(self, text: bytes) -> None:
        for closing, name, attributes, closed in _TAG.findall(text):
            empty = attributes.endswith(b"/")
            if name == b"row":
                if not closing:
                    found = _R_ATTRIBUTE.search(attributes)
                    if found:
                        self._row = self._number(found[1], row_only=True)[0]
                    self._col = 0
                if closing or empty:
                    self._row += 1
                    self._col = 0
                continue
            if closing:
                continue
            row = self._row
            found = _R_ATTRIBUTE.search(attributes)
            if found:
                row, self._col = self._number(found[1])
            if not empty and not closed:
                self.rows = max(self.rows, row + 1)
                self.cols = max(self.cols, self._col + 1)
            self._col += 1

    def _number(self, ref: bytes, row_only: bool = False) -> tuple[int, int]:
        """The 0-based (row, column) of a reference ('B7', or a row's '7')."""
        found = _REF.fullmatch(ref.strip())
        if found is None or (row_only and found[1]) or not (row_only or found[1]):
            raise Unreadable("bad_xlsx", f"a cell reference is not valid: {ref[:20]!r}")
        return int(found[2]) - 1, _column_number(found[1]) - 1

    def check(self, part: str) -> None:
        """Refuse the sheet (``xlsx_grid_too_large``) if its grid is over the limit."""
        limit = xlsx_max_cells()
        cells = self.rows * self.cols
        if cells > limit:
            raise Unreadable(
                "xlsx_grid_too_large",
                f"the first sheet ('{part}') has values as far as row {self.rows:,} and "
                f"column {_column_letters(self.cols)}: a grid of {cells:,} cells from A1, over "
                f"the limit of {limit:,} cells ({XLSX_MAX_CELLS_ENV}): not opened; delete "
                "the cells beyond the ledger (Ctrl+End shows the last one), or send it as CSV",
            )


def _read_xlsx(data: bytes) -> TableSource:
    check_xlsx_expansion(data)
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


# --- fetching: the loader's per-file work, in its fetch workers ---------------------------------


@dataclass(frozen=True)
class FetchTask:
    """A landing file to fetch (see :func:`fetch`), as plain values."""

    path: str  # the landing file
    archive_prefix: str  # its archive path (relative to the data folder) before the hash...
    archive_suffix: str  # ...and after it
    ext: str  # how to read it
    # Read it as a submission unless None (it is never loaded: bad path, unknown unit) or its
    # hash is in here (content taken in already). A hint only: the loader reads what it skipped.
    read_unless: frozenset[str] | None
    # A link, FIFO, socket or device (see scan.scan_landing): never opened; a description of
    # it is archived instead of content.
    describe_only: bool = False
    identity: tuple[int, int] | None = None  # (st_dev, st_ino) the scan saw
    landing_root: str | None = None  # the landing folder, for a file replaced since the scan


@dataclass
class Fetched:
    """A landing file read, hashed and archived, and read as a submission when it looked worth
    it; its bytes are not kept."""

    sha256: str
    size: int
    archive_rel: str  # relative to the data folder
    read: bool = False  # reading was tried: the fields below are its outcome
    format: str | None = None
    csv: CsvSource | None = None  # for DuckDB's read_csv; else rows decoded, in FetchedBatch
    error: Unreadable | None = None
    # Removed from landing (or renamed) between the scan and its reading: nothing was taken in
    # (no content, no archive copy); the loader skips it, and takes it in if it comes back.
    vanished: bool = False


@dataclass
class DecodedColumns:
    """The rows decoded in Python of several submissions sharing one column mapping, column by
    column, as the buffers of Arrow arrays (the loader wraps them without a copy): ``items``
    holds each row's submission (int32 index), ``columns`` the text of each mapped position in
    position order (64-bit offsets, UTF-8 data; an empty cell is ''). Only mapped positions are
    kept: unnamed and spare cells are never loaded."""

    mapping: dict[int, str]
    rows: int
    items: bytes
    columns: list[tuple[bytes, bytes]]


@dataclass
class FetchedBatch:
    """What a fetch worker hands back for a batch of tasks, in their order; a few plain objects
    and byte strings, cheap to pass between processes (unlike lists of Python strings)."""

    files: list[Fetched]
    decoded: list[DecodedColumns]  # the rows of the files decoded in Python, by column mapping


def fetch_batch(tasks: list[FetchTask], data_dir: str, work_dir: str) -> FetchedBatch:
    """:func:`fetch` for several files: one hand-off to a worker for many small files."""
    files, decoded = [], []
    for task in tasks:
        fetched, rows = fetch(task, data_dir, work_dir)
        files.append(fetched)
        decoded.append(rows)
    return FetchedBatch(files, decoded_columns(decoded))


def fetch(task: FetchTask, data_dir: str, work_dir: str) -> tuple[Fetched, TableSource | None]:
    """Read, hash and archive one landing file, and read it as a submission as ``task`` says.
    Returns the rows too when they were decoded in Python.

    Only a regular file inside the landing folder is read: one that turned into a link, a FIFO
    or a device since the scan, or that now resolves outside the folder, is archived as its
    description and refused (see :func:`_read_landing_file`). One that is no longer there comes
    back ``vanished``, with nothing archived."""
    refused = None
    if task.describe_only:
        data = describe(task.path).encode()
    else:
        try:
            data = _read_landing_file(task)
        except Unreadable as exc:
            refused = exc
            data = describe(task.path).encode()
        except (FileNotFoundError, NotADirectoryError):
            # Deleted or renamed since the scan (the unit's uploader at work, as a rule)
            return Fetched("", 0, "", vanished=True), None
    sha = hashlib.sha256(data).hexdigest()
    fetched = Fetched(sha, len(data), f"{task.archive_prefix}{sha}{task.archive_suffix}")
    archive = os.path.join(data_dir, fetched.archive_rel)
    _write_once(archive, data)
    if refused is not None:
        fetched.read, fetched.error = True, refused
        return fetched, None
    if task.read_unless is None or sha in task.read_unless:
        return fetched, None
    return fetched, read_fetched(fetched, data, Path(archive), task.ext, Path(work_dir))


def describe(path: str) -> str:
    """What the archive keeps of a landing entry that is never opened: what it is (and where a
    link points), one line."""
    try:
        mode = os.lstat(path)
    except FileNotFoundError:
        return "gone: removed from landing before it could be examined\n"
    if stat.S_ISLNK(mode.st_mode):
        return f"symlink -> {os.readlink(path)}\n"
    kinds = (
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISDIR, "folder"),
        (stat.S_ISREG, "regular file"),
    )
    kind = next((name for test, name in kinds if test(mode.st_mode)), "unknown")
    if kind.endswith("device"):
        kind += f" {os.major(mode.st_rdev)},{os.minor(mode.st_rdev)}"
    return f"{kind}, mode {stat.filemode(mode.st_mode)}: not opened\n"


# A landing file is opened without following a link in its last part, and without waiting on a
# FIFO (no writer): what was opened is then checked to be the regular file the scan saw.
_OPEN_LANDING = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _read_landing_file(task: FetchTask) -> bytes:
    """The bytes of a landing file the scan saw as a regular file, if it still is one inside
    the landing folder; else :class:`Unreadable` (``symlink``, ``special_file``,
    ``leaves_landing``)."""
    try:
        fd = os.open(task.path, _OPEN_LANDING)
    except OSError as exc:
        # ELOOP: a link put in the file's place since the scan; ENXIO: a socket
        try:
            mode = os.lstat(task.path).st_mode
        except OSError:
            raise exc from None
        if stat.S_ISLNK(mode):
            raise Unreadable(
                "symlink", f"'{task.path}' became a link after the scan: never followed"
            ) from exc
        if not stat.S_ISREG(mode):
            raise Unreadable(
                "special_file",
                f"'{task.path}' is not a regular file (mode {stat.filemode(mode)}): never read",
            ) from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Unreadable(
                "special_file",
                f"'{task.path}' is not a regular file (mode "
                f"{stat.filemode(st.st_mode)}): never read",
            )
        if task.identity is not None and (st.st_dev, st.st_ino) != task.identity:
            # Replaced since the scan (a re-send, as a rule): still read it if the path leads
            # to a file inside landing/, not through a folder swapped for a link.
            _check_inside(task)
        # os.read straight from the descriptor: wrapping it in a file object costs more than
        # reading a small file (measured).
        parts = []
        while chunk := os.read(fd, max(st.st_size + 1, 1 << 16)):
            parts.append(chunk)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def _check_inside(task: FetchTask) -> None:
    if task.landing_root is None:
        return
    root = os.path.realpath(task.landing_root)
    if os.path.commonpath([root, os.path.realpath(task.path)]) != root:
        raise Unreadable(
            "leaves_landing",
            f"'{task.path}' leads outside the landing folder (a folder on its way was replaced "
            "by a link after the scan): never read",
        )


def read_fetched(
    fetched: Fetched, data: bytes, path: Path, ext: str, work_dir: Path
) -> TableSource | None:
    """Read an archived file as a submission into ``fetched``; small CSVs are parsed by Python's
    csv module right away (DuckDB's cost per file outweighs their rows). Returns the rows
    decoded in Python, if any."""
    fetched.read = True
    try:
        source = read_file(path, data, ext, work_dir)
        fetched.format = source.format
        if isinstance(source, CsvSource) and source.text is not None:
            source = TableSource(python_csv_rows(source), source.mapping, source.format)
    except Unreadable as exc:
        fetched.error = exc
        return None
    if isinstance(source, CsvSource):
        fetched.csv = source
        return None
    return source


# The archive (and the loader's work copies) hold personal data: owner-only files and folders
# whatever the umask (see motcua.common.private, which the loader uses for the archive itself).
_PRIVATE_FILE, _PRIVATE_DIR = 0o600, 0o700
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def _write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a new owner-only file (its folder made owner-only if it is new)."""
    try:
        fd = os.open(path, _NEW_FILE, _PRIVATE_FILE)
    except FileNotFoundError:  # the folder's first file
        _make_private_dirs(os.path.dirname(path))
        fd = os.open(path, _NEW_FILE, _PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _make_private_dirs(folder: str) -> None:
    """Create ``folder`` and its missing parents, each owner-only (``os.makedirs`` gives the
    parents the umask's mode)."""
    parent = os.path.dirname(folder)
    if parent and parent != folder and not os.path.isdir(parent):
        _make_private_dirs(parent)
    try:
        os.mkdir(folder, _PRIVATE_DIR)
    except FileExistsError:
        pass


def _write_once(path: str, data: bytes) -> None:
    """Write content-addressed bytes atomically; an existing file already holds them."""
    if os.path.exists(path):
        return
    folder, name = os.path.split(path)
    tmp = f"{folder}/.{name}.{os.getpid()}.{threading.get_ident()}.tmp"
    _write_private(tmp, data)
    os.replace(tmp, path)


def decoded_columns(sources: list[TableSource | None]) -> list[DecodedColumns]:
    """The rows of decoded submissions, by column mapping (see :class:`DecodedColumns`); a
    row's item is its submission's index in ``sources``."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for item, source in enumerate(sources):
        if source is not None:
            groups[tuple(sorted(source.mapping.items()))].append(item)
    decoded = []
    for key, items in groups.items():
        positions = [p for p, _ in key]
        width = positions[-1] + 1 if positions else 0
        items_column = array.array("i")
        rows: list[list[str | None]] = []
        for item in items:
            item_rows = sources[item].rows  # type: ignore[union-attr]
            items_column.extend([item] * len(item_rows))
            rows += item_rows
        # Rows short of the last mapped position are padded (a cell missing is an empty one),
        # then the rows are turned into columns at once.
        padded = [row if len(row) >= width else row + [None] * (width - len(row)) for row in rows]
        columns = list(zip(*padded, strict=False)) if padded else [()] * width
        decoded.append(
            DecodedColumns(
                dict(key),
                len(rows),
                items_column.tobytes(),
                [_text_buffers(columns[p]) for p in positions],
            )
        )
    return decoded


def _text_buffers(values: Sequence[str | None]) -> tuple[bytes, bytes]:
    """The offsets (64-bit) and data (UTF-8) buffers of an Arrow text array of ``values``."""
    texts = [value or "" for value in values]
    joined = "".join(texts)
    if joined.isascii():  # most columns (codes, dates): one encoding, lengths in characters
        data = joined.encode("ascii")
        lengths = map(len, texts)
    else:
        encoded = [text.encode() for text in texts]
        data = b"".join(encoded)
        lengths = map(len, encoded)
    return array.array("q", itertools.accumulate(lengths, initial=0)).tobytes(), data


def fetch_worker() -> None:
    """The loop of a fetch worker process (see ``workers.FetchProcesses``): read a pickled call
    ``(function, args, kwargs)`` on stdin, write back its pickled outcome ``(True, result)`` or
    ``(False, exception)`` on stdout, until stdin ends (the loader is done, or dead)."""
    calls = sys.stdin.buffer
    outcomes = open(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output, a library's too: stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the loader's to handle
    while True:
        try:
            function, args, kwargs = pickle.load(calls)
        except EOFError:
            return
        try:
            outcome = pickle.dumps((True, function(*args, **kwargs)), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the loader raises it: a pipeline error is never swallowed
            trace = traceback.format_exc()
            try:
                exc.add_note(f"in fetch worker {os.getpid()}:\n{trace}")
                outcome = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its text then
                error = RuntimeError(f"fetch worker {os.getpid()} failed:\n{trace}")
                outcome = pickle.dumps((False, error), pickle.HIGHEST_PROTOCOL)
        outcomes.write(outcome)
        outcomes.flush()
