"""Readable finding details, in Vietnamese (dates DD/MM/YYYY) and English (ISO dates).

Each check's details are a pair of DuckDB expressions (``DETAILS[check](value)``), computed in
the findings query for the failing rows only (tens of thousands a night: Python formatting them
one by one took longer than GX's whole suite). ``value`` is the check's derived column, the
unexpected value GX reported; the other names are columns of ``_validation_rows`` and the
``derive.DETAIL_COLUMNS`` of ``submission_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from expectations.rules import FIELD_LABELS, R09, STATUS_LABELS

Sql = str
Details = Callable[[Sql], tuple[Sql, Sql]]

# Raw column of each contract field checked by R04.
RAW_COLUMNS = {
    "channel": "channel_raw",
    "status": "status_raw",
    "received_at": "received_at_raw",
    "due_at": "due_at_raw",
    "rescheduled_due_at": "rescheduled_due_at_raw",
    "finished_at": "finished_at_raw",
    "returned_at": "returned_at_raw",
}
DATE_COLUMNS = {
    "received_at": "received_date",
    "finished_at": "finished_date",
    "returned_at": "returned_date",
}
_EN_EVENT = {
    "received_at": "Received on",
    "finished_at": "Result dated",
    "returned_at": "Returned on",
}
_EN_RESULT = {"finished_at": "a result date", "returned_at": "a return date"}


def literal(text: str) -> Sql:
    return "'" + text.replace("'", "''") + "'"


def cat(*parts: Sql) -> Sql:
    """Concatenation (a NULL part counts as empty)."""
    return f"concat({', '.join(parts)})"


def vi_date(column: Sql) -> Sql:
    return f"strftime({column}, '%d/%m/%Y')"


def en_date(column: Sql) -> Sql:
    return f"strftime({column}, '%Y-%m-%d')"


def _case(key: Sql, mapping: Mapping[object, str], default: Sql = "null") -> Sql:
    whens = " ".join(f"when {literal(str(k))} then {v}" for k, v in mapping.items())
    return f"(case {key}::varchar {whens} else {default} end)"


def _vi_label(field: Sql, lower: bool = False) -> Sql:
    labels = {f: literal(vi.lower() if lower else vi) for f, (vi, _) in FIELD_LABELS.items()}
    return _case(field, labels, default=field)


def _each(value: Sql, item: Callable[[Sql], Sql], sep: str) -> Sql:
    """``item`` applied to each field of a derived list (``'a, b'``), joined with ``sep``."""
    each = f"list_transform(string_split({value}, ', '), lambda f: {item('f')})"
    return f"array_to_string({each}, '{sep}')"


def _status(lang: int) -> Sql:
    """``'9 (Đã xử lý xong)'`` or ``'9 (result ready)'``."""
    labels = {code: literal(names[lang]) for code, names in STATUS_LABELS.items()}
    return cat("status_code::varchar", "' ('", _case("status_code", labels, "'?'"), "')'")


def _show(field: Sql, fmt: Callable[[Sql], Sql]) -> Sql:
    """A date field as a date, or as sent when it could not be read."""
    dates = {f: fmt(c) for f, c in DATE_COLUMNS.items()}
    raws = {f: RAW_COLUMNS[f] for f in DATE_COLUMNS}
    return f"coalesce({_case(field, dates)}, {_case(field, raws)})"


def _missing_required(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat("'Thiếu trường bắt buộc: '", _each(v, _vi_label, ", ")),
        cat("'Missing required field(s): '", v),
    )


def _invalid_value(v: Sql) -> tuple[Sql, Sql]:
    def raw(f: Sql) -> Sql:
        return _case(f, RAW_COLUMNS)

    return (
        cat(
            "'Giá trị không hợp lệ: '",
            _each(v, lambda f: cat(_vi_label(f), "' \"'", raw(f), "'\"'"), "; "),
        ),
        cat("'Invalid value(s): '", _each(v, lambda f: cat(f, "' \"'", raw(f), "'\"'"), "; ")),
    )


def _unknown_procedure(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat("'Mã TTHC \"'", v, "'\" không có trong danh mục thủ tục hành chính'"),
        cat("'Procedure code \"'", v, "'\" is not in the procedure catalogue'"),
    )


def _unknown_sector(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat("'Lĩnh vực \"'", v, "'\" không có trong danh mục (mã hoặc tên lĩnh vực)'"),
        cat("'Sector \"'", v, "'\" is neither a sector code nor a sector name of the catalogue'"),
    )


def _duplicate(v: Sql) -> tuple[Sql, Sql]:
    copies = f"len(string_split({v}, ', '))::varchar"
    return (
        cat(
            "'Mã hồ sơ \"'", "dossier_code", "'\" xuất hiện '", copies, "' lần trong tệp (dòng '",
            v, "')'",
        ),
        cat(
            "'Dossier code \"'", "dossier_code", "'\" appears '", copies,
            "' times in the file (rows '", v, "')'",
        ),
    )  # fmt: skip


def _due_before_received(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat(
            "'Ngày hẹn trả ('", vi_date("due_date"), "') trước ngày nhận hồ sơ ('",
            vi_date("received_date"), "')'",
        ),
        cat(
            "'Due on '", en_date("due_date"), "', before the received date '",
            en_date("received_date"),
        ),
    )  # fmt: skip


def _finished_before_received(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat(
            "'Ngày có kết quả ('", vi_date("finished_date"), "') trước ngày nhận hồ sơ ('",
            vi_date("received_date"), "')'",
        ),
        cat(
            "'Result dated '", en_date("finished_date"), "', before the received date '",
            en_date("received_date"),
        ),
    )  # fmt: skip


def _returned_before_finished(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat(
            "'Ngày trả kết quả ('", vi_date("returned_date"), "') trước ngày có kết quả ('",
            vi_date("finished_date"), "')'",
        ),
        cat(
            "'Returned on '", en_date("returned_date"), "', before the result date '",
            en_date("finished_date"),
        ),
    )  # fmt: skip


def _after_report_date(v: Sql) -> tuple[Sql, Sql]:
    def day(f: Sql, fmt: Callable[[Sql], Sql]) -> Sql:
        return fmt(_case(f, DATE_COLUMNS))

    events = {f: literal(text) for f, text in _EN_EVENT.items()}
    return (
        _each(
            v,
            lambda f: cat(
                _vi_label(f), "' ('", day(f, vi_date), "') sau ngày báo cáo ('",
                vi_date("report_date"), "')'",
            ),
            "; ",
        ),
        _each(
            v,
            lambda f: cat(
                _case(f, events), "' '", day(f, en_date), "', after the report date '",
                en_date("report_date"),
            ),
            "; ",
        ),
    )  # fmt: skip


def _resolved_without_dates(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat("'Trạng thái '", _status(0), "' nhưng không có ngày có kết quả và ngày trả kết quả'"),
        cat("'Status '", _status(1), "' but neither a result date nor a return date'"),
    )


def _returned_without_return_date(v: Sql) -> tuple[Sql, Sql]:
    return (
        cat("'Trạng thái '", _status(0), "' nhưng không có ngày trả kết quả'"),
        cat("'Status '", _status(1), "' but no return date'"),
    )


def _return_date_not_returned(v: Sql) -> tuple[Sql, Sql]:
    returned = "'returned_at'"
    return (
        cat(
            "'Có ngày trả kết quả ('", _show(returned, vi_date), "') nhưng trạng thái là '",
            _status(0),
        ),
        cat("'Returned on '", _show(returned, en_date), "' but the status is '", _status(1)),
    )  # fmt: skip


def _pending_with_result(v: Sql) -> tuple[Sql, Sql]:
    results = {f: literal(text) for f, text in _EN_RESULT.items()}
    return (
        cat(
            "'Trạng thái '", _status(0), "' nhưng đã có '",
            _each(
                v, lambda f: cat(_vi_label(f, lower=True), "' ('", _show(f, vi_date), "')'"), ", "
            ),
        ),
        cat(
            "'Status '", _status(1), "' but has '",
            _each(v, lambda f: cat(_case(f, results), "' ('", _show(f, en_date), "')'"), ", "),
        ),
    )  # fmt: skip


def _due_vs_statutory(v: Sql) -> tuple[Sql, Sql]:
    days = f"abs({v}::integer)::varchar"
    later = f"{v} > 0"
    tolerance = int(R09.tolerance_working_days)
    return (
        cat(
            "'Ngày hẹn trả ('", vi_date("due_date"), "') '",
            f"(case when {later} then 'muộn' else 'sớm' end)", "' hơn '", days,
            "' ngày làm việc so với thời hạn '", "statutory_days::varchar",
            "' ngày làm việc kể từ ngày nhận hồ sơ ('", vi_date("received_date"),
            "'); hạn đúng là '", vi_date("expected_due_date"),
            f"' (dung sai {tolerance} ngày)'",
        ),
        cat(
            "'Due on '", en_date("due_date"), "', '", days, "' working days '",
            f"(case when {later} then 'later' else 'earlier' end)", "' than '",
            "statutory_days::varchar", "' working days after receipt on '",
            en_date("received_date"), "'; expected '", en_date("expected_due_date"),
            f"' (tolerance {tolerance} day)'",
        ),
    )  # fmt: skip


def _late_or_overdue(v: Sql) -> tuple[Sql, Sql]:
    late_vi = cat(
        "'Có kết quả ngày '", vi_date("finished_date"), "', trễ hạn so với ngày hẹn trả '",
        vi_date("due_date"), "', không có ngày hẹn lại (phiếu xin lỗi)'",
    )  # fmt: skip
    overdue_vi = cat(
        "'Quá hạn: hẹn trả ngày '", vi_date("due_date"), "', chưa có kết quả đến ngày báo cáo '",
        vi_date("report_date"), "', không có ngày hẹn lại (phiếu xin lỗi)'",
    )  # fmt: skip
    late_en = cat(
        "'Result on '", en_date("finished_date"), "', after the due date '", en_date("due_date"),
        "', with no rescheduled date from an apology letter'",
    )  # fmt: skip
    overdue_en = cat(
        "'Overdue: due '", en_date("due_date"), "', not resolved by the report date '",
        en_date("report_date"), "', with no rescheduled date from an apology letter'",
    )  # fmt: skip
    late = f"{v} = 'late'"
    return (
        f"(case when {late} then {late_vi} else {overdue_vi} end)",
        f"(case when {late} then {late_en} else {overdue_en} end)",
    )


DETAILS: dict[str, Details] = {
    "missing_required": _missing_required,
    "invalid_value": _invalid_value,
    "unknown_procedure": _unknown_procedure,
    "unknown_sector": _unknown_sector,
    "duplicate_dossier": _duplicate,
    "due_before_received": _due_before_received,
    "finished_before_received": _finished_before_received,
    "returned_before_finished": _returned_before_finished,
    "after_report_date": _after_report_date,
    "resolved_without_dates": _resolved_without_dates,
    "returned_without_return_date": _returned_without_return_date,
    "return_date_not_returned": _return_date_not_returned,
    "pending_with_result": _pending_with_result,
    "due_vs_statutory": _due_vs_statutory,
    "late_or_overdue": _late_or_overdue,
}


def describe_sql(check: str, value: Sql) -> tuple[Sql, Sql]:
    """``(detail_vi, detail_en)`` expressions of one failed check on one row."""
    return DETAILS[check](value)
