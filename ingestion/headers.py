"""Header matching: English or Vietnamese column names, any case, spacing or diacritics."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Canonical contract columns and the headers units really write (contract, "Vietnamese header
# also accepted"). Aliases are compared after `normalize_label`.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "dossier_code": ("dossier_code", "ma ho so", "so ho so"),
    "procedure_code": ("procedure_code", "ma tthc", "ma thu tuc", "ma thu tuc hanh chinh"),
    "procedure_name": ("procedure_name", "ten tthc", "ten thu tuc", "ten thu tuc hanh chinh"),
    "sector": ("sector", "linh vuc", "sector_code", "sector_name"),
    "channel": ("channel", "kenh nop", "hinh thuc nop", "kenh tiep nhan"),
    "applicant_name": (
        "applicant_name",
        "ten ca nhan to chuc",
        "ten ca nhan",
        "nguoi nop",
        "ho ten nguoi nop",
    ),
    "applicant_id": ("applicant_id", "so giay to", "cccd", "so cccd", "cmnd", "so cmnd"),
    "applicant_phone": ("applicant_phone", "so dien thoai", "dien thoai"),
    "applicant_address": ("applicant_address", "dia chi"),
    "handling_agency": ("handling_agency", "co quan chu tri giai quyet", "co quan giai quyet"),
    "received_at": ("received_at", "ngay nhan ho so", "ngay tiep nhan", "ngay nhan"),
    "due_at": ("due_at", "ngay hen tra", "hen tra ket qua", "ngay hen tra ket qua"),
    "rescheduled_due_at": ("rescheduled_due_at", "ngay hen lai", "ngay hen tra lai"),
    "finished_at": ("finished_at", "ngay co ket qua", "ngay xu ly xong"),
    "returned_at": ("returned_at", "ngay tra ket qua"),
    "status": ("status", "trang thai", "trang thai ho so"),
    "notes": ("notes", "ghi chu"),
}

PERSONAL_COLUMNS = ("applicant_name", "applicant_id", "applicant_phone", "applicant_address")

# A header is recognisable when it names the dossier code and at least this many contract
# columns in all; otherwise the file is R02 (no recognisable header).
MIN_RECOGNISED_COLUMNS = 3

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def normalize_label(text: str) -> str:
    """Lower-case ASCII form of a header or label: no diacritics (đ → d), single spaces.

    >>> normalize_label("  Ngày  nhận HỒ SƠ ")
    'ngay nhan ho so'
    >>> normalize_label("Tên cá nhân, tổ chức")
    'ten ca nhan to chuc'
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.lower()).strip()


_ALIAS_TO_COLUMN = {
    normalize_label(alias): column
    for column, aliases in COLUMN_ALIASES.items()
    for alias in aliases
}


def match_header(cells: list[str]) -> dict[int, str]:
    """Map header cell positions to canonical column names; unknown cells are left out.

    When two cells name the same column, the first one wins.
    """
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for position, cell in enumerate(cells):
        column = _ALIAS_TO_COLUMN.get(normalize_label(cell or ""))
        if column and column not in seen:
            mapping[position] = column
            seen.add(column)
    return mapping


def is_recognisable(mapping: dict[int, str]) -> bool:
    columns = set(mapping.values())
    return "dossier_code" in columns and len(columns) >= MIN_RECOGNISED_COLUMNS
