"""Readable finding details, in Vietnamese (dates DD/MM/YYYY) and English (ISO dates)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from expectations.rules import FIELD_LABELS, R09, STATUS_LABELS

Row = Mapping[str, Any]

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


def vi_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"  # strftime is 5x slower


def en_date(d: date) -> str:
    return d.isoformat()


def _fields(value: str) -> list[str]:
    return [f.strip() for f in str(value).split(",") if f.strip()]


def _vi_fields(fields: list[str]) -> str:
    return ", ".join(FIELD_LABELS.get(f, (f, f))[0] for f in fields)


def _status(code: Any) -> tuple[str, str]:
    vi, en = STATUS_LABELS.get(int(code), ("?", "?"))
    return f"{int(code)} ({vi})", f"{int(code)} ({en})"


def _missing_required(row: Row, value: str) -> tuple[str, str]:
    fields = _fields(value)
    return (
        f"Thiếu trường bắt buộc: {_vi_fields(fields)}",
        f"Missing required field(s): {', '.join(fields)}",
    )


def _invalid_value(row: Row, value: str) -> tuple[str, str]:
    parts = [(f, row.get(RAW_COLUMNS.get(f, f))) for f in _fields(value)]
    return (
        "Giá trị không hợp lệ: "
        + "; ".join(f'{FIELD_LABELS.get(f, (f, f))[0]} "{raw}"' for f, raw in parts),
        "Invalid value(s): " + "; ".join(f'{f} "{raw}"' for f, raw in parts),
    )


def _unknown_procedure(row: Row, value: str) -> tuple[str, str]:
    return (
        f'Mã TTHC "{value}" không có trong danh mục thủ tục hành chính',
        f'Procedure code "{value}" is not in the procedure catalogue',
    )


def _unknown_sector(row: Row, value: str) -> tuple[str, str]:
    return (
        f'Lĩnh vực "{value}" không có trong danh mục (mã hoặc tên lĩnh vực)',
        f'Sector "{value}" is neither a sector code nor a sector name of the catalogue',
    )


def _duplicate(row: Row, value: str) -> tuple[str, str]:
    copies = len(_fields(value))
    code = row["dossier_code"]
    return (
        f'Mã hồ sơ "{code}" xuất hiện {copies} lần trong tệp (dòng {value})',
        f'Dossier code "{code}" appears {copies} times in the file (rows {value})',
    )


def _due_before_received(row: Row, value: str) -> tuple[str, str]:
    due, rec = row["due_date"], row["received_date"]
    return (
        f"Ngày hẹn trả ({vi_date(due)}) trước ngày nhận hồ sơ ({vi_date(rec)})",
        f"Due on {en_date(due)}, before the received date {en_date(rec)}",
    )


def _finished_before_received(row: Row, value: str) -> tuple[str, str]:
    fin, rec = row["finished_date"], row["received_date"]
    return (
        f"Ngày có kết quả ({vi_date(fin)}) trước ngày nhận hồ sơ ({vi_date(rec)})",
        f"Result dated {en_date(fin)}, before the received date {en_date(rec)}",
    )


def _returned_before_finished(row: Row, value: str) -> tuple[str, str]:
    ret, fin = row["returned_date"], row["finished_date"]
    return (
        f"Ngày trả kết quả ({vi_date(ret)}) trước ngày có kết quả ({vi_date(fin)})",
        f"Returned on {en_date(ret)}, before the result date {en_date(fin)}",
    )


_EN_EVENT = {
    "received_at": "Received on",
    "finished_at": "Result dated",
    "returned_at": "Returned on",
}


def _after_report_date(row: Row, value: str) -> tuple[str, str]:
    rep = row["report_date"]
    vi, en = [], []
    for f in _fields(value):
        d = row[DATE_COLUMNS[f]]
        vi.append(f"{FIELD_LABELS[f][0]} ({vi_date(d)}) sau ngày báo cáo ({vi_date(rep)})")
        en.append(f"{_EN_EVENT[f]} {en_date(d)}, after the report date {en_date(rep)}")
    return "; ".join(vi), "; ".join(en)


def _resolved_without_dates(row: Row, value: str) -> tuple[str, str]:
    vi, en = _status(row["status_code"])
    return (
        f"Trạng thái {vi} nhưng không có ngày có kết quả và ngày trả kết quả",
        f"Status {en} but neither a result date nor a return date",
    )


def _returned_without_return_date(row: Row, value: str) -> tuple[str, str]:
    vi, en = _status(row["status_code"])
    return (
        f"Trạng thái {vi} nhưng không có ngày trả kết quả",
        f"Status {en} but no return date",
    )


def _show(row: Row, field: str, fmt: Callable[[date], str]) -> str:
    d = row.get(DATE_COLUMNS[field])
    return fmt(d) if d is not None else str(row.get(RAW_COLUMNS[field]))


def _return_date_not_returned(row: Row, value: str) -> tuple[str, str]:
    vi, en = _status(row["status_code"])
    return (
        f"Có ngày trả kết quả ({_show(row, 'returned_at', vi_date)}) nhưng trạng thái là {vi}",
        f"Returned on {_show(row, 'returned_at', en_date)} but the status is {en}",
    )


def _pending_with_result(row: Row, value: str) -> tuple[str, str]:
    vi, en = _status(row["status_code"])
    fields = _fields(value)
    en_names = {"finished_at": "a result date", "returned_at": "a return date"}
    return (
        f"Trạng thái {vi} nhưng đã có "
        + ", ".join(f"{FIELD_LABELS[f][0].lower()} ({_show(row, f, vi_date)})" for f in fields),
        f"Status {en} but has "
        + ", ".join(f"{en_names[f]} ({_show(row, f, en_date)})" for f in fields),
    )


def _due_vs_statutory(row: Row, value: Any) -> tuple[str, str]:
    deviation = int(value)
    days, due, rec = row["statutory_days"], row["due_date"], row["received_date"]
    expected = row["expected_due_date"]
    vi_dir, en_dir = ("muộn", "later") if deviation > 0 else ("sớm", "earlier")
    return (
        f"Ngày hẹn trả ({vi_date(due)}) {vi_dir} hơn {abs(deviation)} ngày làm việc so với "
        f"thời hạn {days} ngày làm việc kể từ ngày nhận hồ sơ ({vi_date(rec)}); "
        f"hạn đúng là {vi_date(expected)} (dung sai {R09.tolerance_working_days} ngày)",
        f"Due on {en_date(due)}, {abs(deviation)} working days {en_dir} than {days} working "
        f"days after receipt on {en_date(rec)}; expected {en_date(expected)} "
        f"(tolerance {R09.tolerance_working_days} day)",
    )


def _late_or_overdue(row: Row, value: str) -> tuple[str, str]:
    due = row["due_date"]
    if value == "late":
        fin = row["finished_date"]
        return (
            f"Có kết quả ngày {vi_date(fin)}, trễ hạn so với ngày hẹn trả {vi_date(due)}, "
            "không có ngày hẹn lại (phiếu xin lỗi)",
            f"Result on {en_date(fin)}, after the due date {en_date(due)}, with no rescheduled "
            "date from an apology letter",
        )
    rep = row["report_date"]
    return (
        f"Quá hạn: hẹn trả ngày {vi_date(due)}, chưa có kết quả đến ngày báo cáo "
        f"{vi_date(rep)}, không có ngày hẹn lại (phiếu xin lỗi)",
        f"Overdue: due {en_date(due)}, not resolved by the report date {en_date(rep)}, with no "
        "rescheduled date from an apology letter",
    )


DESCRIBE: dict[str, Callable[[Row, Any], tuple[str, str]]] = {
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


def describe(check: str, row: Row, value: Any) -> tuple[str, str]:
    """``(detail_vi, detail_en)`` of one failed check on one row; ``value`` is the unexpected
    value GX reported for the check's derived column."""
    return DESCRIBE[check](row, value)
