"""SQL expressions that turn a submission's text into typed values (dates, status, channel).

The same expressions are used for every format, so a value means the same whether it came
from CSV, XLSX or JSON. An expression yields NULL when the text is empty or not understood;
validation flags present-but-not-understood values as R04.
"""

from __future__ import annotations

from .headers import normalize_label

# Every date form the contract allows, each with an optional time (readers turn real Excel
# dates into ISO text before this point).
_DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S", " %H:%M:%S.%f", "T%H:%M:%S.%f")
DATE_FORMATS = tuple(day + suffix for day in _DAY_FORMATS for suffix in _TIME_SUFFIXES)

STATUS_LABELS: dict[int, tuple[str, ...]] = {
    1: ("Mới đăng ký", "registered"),
    2: ("Được tiếp nhận", "Đã tiếp nhận", "accepted"),
    3: ("Không được tiếp nhận", "refused"),
    4: ("Đang xử lý", "Đang giải quyết", "in process"),
    5: ("Yêu cầu bổ sung giấy tờ", "Yêu cầu bổ sung", "waiting for documents"),
    6: ("Yêu cầu thực hiện nghĩa vụ tài chính", "waiting for fees"),
    7: ("Công dân yêu cầu rút hồ sơ", "Rút hồ sơ", "withdrawn"),
    8: ("Dừng xử lý", "stopped"),
    9: ("Đã xử lý xong", "Đã có kết quả", "result ready"),
    10: ("Đã trả kết quả", "returned"),
}

CHANNEL_LABELS: dict[int, tuple[str, ...]] = {
    1: ("Trực tiếp", "in person", "direct", "counter"),
    2: ("Trực tuyến", "online"),
    3: ("Bưu chính công ích", "Bưu chính", "Qua bưu chính công ích", "postal", "post"),
}


def trimmed_sql(expr: str) -> str:
    """The text without surrounding spaces, NULL when nothing is left.

    Only spaces: DuckDB's plain ``trim`` has a fast path that ``trim(x, characters)`` lacks,
    and trimming tabs and line breaks too made the whole load half again slower (measured by
    benchmarks/ingest.py). A cell holding only a tab is thus kept (and flagged), never lost.
    """
    return f"nullif(trim({expr}), '')"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalized_sql(expr: str) -> str:
    """SQL twin of headers.normalize_label for label matching."""
    return (
        "trim(regexp_replace(lower(strip_accents(replace(replace("
        f"{expr}, 'đ', 'd'), 'Đ', 'D'))), '[^0-9a-z]+', ' ', 'g'))"
    )


def date_sql(expr: str) -> str:
    """Calendar date of a date or date-time text, NULL when empty or not understood."""
    formats = ", ".join(_quote(f) for f in DATE_FORMATS)
    return f"cast(try_strptime({expr}, [{formats}]) as date)"


def _code_sql(expr: str, labels: dict[int, tuple[str, ...]]) -> str:
    maximum = max(labels)
    whens = " ".join(
        f"when {_quote(normalize_label(label))} then {code}"
        for code, names in labels.items()
        for label in names
    )
    number = f"try_cast(try_cast({expr} as double) as integer)"
    return (
        f"cast(case when {number} between 1 and {maximum} "
        f"and try_cast({expr} as double) = {number} then {number} "
        f"else (case {normalized_sql(expr)} {whens} else null end) end as tinyint)"
    )


def status_sql(expr: str) -> str:
    """Status code 1–10 from a code (``4``, ``4.0``) or a Vietnamese/English label."""
    return _code_sql(expr, STATUS_LABELS)


def channel_sql(expr: str) -> str:
    """Channel code 1 (in person), 2 (online), 3 (postal) from a code or a label."""
    return _code_sql(expr, CHANNEL_LABELS)
