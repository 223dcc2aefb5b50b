"""The one registry of record-keeping gap rules checked per submission (R02–R10).

Ids and severities are fixed by ``shared/spec/record-keeping-gaps.md``. Every severity, title and
threshold the validation uses comes from here; ``CHECKS`` lists the expectations that make up the
GX suite, one per derived column (see ``expectations.derive``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Severity(StrEnum):
    BLOCKING = "blocking"
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title_vi: str
    title_en: str


@dataclass(frozen=True)
class ReferenceRule(Rule):
    """R05: an unknown procedure or sector in a row is an error; an unknown unit in a file name
    is blocking (the file is quarantined by ingestion, which writes that finding)."""

    unknown_unit_severity: Severity = Severity.BLOCKING


@dataclass(frozen=True)
class DueDateRule(Rule):
    """R09: the due date must be the N-th working day after the received date."""

    tolerance_working_days: int = 1


@dataclass(frozen=True)
class OverdueRule(Rule):
    """R10: late (result after the due date) or overdue (unresolved past the due date as of the
    report date) without a rescheduled date from an apology letter."""

    grace_days: int = 0  # a dossier due on the report date itself is not yet overdue


R02 = Rule("R02_unreadable_file", Severity.BLOCKING, "Tệp không đọc được", "Unreadable file")
R03 = Rule(
    "R03_missing_required",
    Severity.ERROR,
    "Thiếu trường bắt buộc",
    "Missing required field",
)
R04 = Rule("R04_invalid_value", Severity.ERROR, "Giá trị không hợp lệ", "Invalid value")
R05 = ReferenceRule(
    "R05_unknown_reference",
    Severity.ERROR,
    "Mã không có trong danh mục",
    "Unknown reference code",
)
R06 = Rule(
    "R06_duplicate_dossier",
    Severity.ERROR,
    "Trùng mã hồ sơ trong một tệp",
    "Duplicate dossier in one submission",
)
R07 = Rule("R07_date_order", Severity.ERROR, "Thứ tự ngày không hợp lệ", "Dates out of order")
R08 = Rule(
    "R08_status_date_mismatch",
    Severity.ERROR,
    "Trạng thái và ngày không khớp",
    "Status and dates disagree",
)
R09 = DueDateRule(
    "R09_due_date_vs_statutory",
    Severity.WARNING,
    "Ngày hẹn trả không khớp thời hạn giải quyết",
    "Due date does not match the statutory time limit",
    tolerance_working_days=1,
)
R10 = OverdueRule(
    "R10_overdue_without_apology",
    Severity.WARNING,
    "Trễ hạn, quá hạn không có phiếu xin lỗi, hẹn lại",
    "Late or overdue without an apology letter",
)

RULES: dict[str, Rule] = {r.id: r for r in (R02, R03, R04, R05, R06, R07, R08, R09, R10)}

# Status codes of the contract (national public-service portal).
STATUS_LABELS: dict[int, tuple[str, str]] = {
    1: ("Mới đăng ký", "registered online"),
    2: ("Được tiếp nhận", "accepted"),
    3: ("Không được tiếp nhận", "refused at the counter"),
    4: ("Đang xử lý", "in process"),
    5: ("Yêu cầu bổ sung giấy tờ", "waiting for documents"),
    6: ("Yêu cầu thực hiện nghĩa vụ tài chính", "waiting for fees or taxes"),
    7: ("Công dân yêu cầu rút hồ sơ", "withdrawn"),
    8: ("Dừng xử lý", "processing stopped"),
    9: ("Đã xử lý xong", "result ready"),
    10: ("Đã trả kết quả", "result returned"),
}
# Refused or withdrawn: no due date required (R03), none checked (R09).
NO_DUE_DATE_STATUSES = (3, 7)
PENDING_STATUSES = (2, 4, 5, 6, 8)  # no result yet (R08, R10)
RESOLVED_STATUSES = (9, 10)  # need a result or return date (R08)
RETURNED_STATUS = 10  # needs a return date; the only status that may carry one (R08)

# Contract fields, as named in the English header and in Vietnamese (for readable details).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "dossier_code": ("Mã hồ sơ", "dossier_code"),
    "procedure_code": ("Mã TTHC", "procedure_code"),
    "sector": ("Lĩnh vực", "sector"),
    "channel": ("Kênh nộp", "channel"),
    "received_at": ("Ngày nhận hồ sơ", "received_at"),
    "due_at": ("Ngày hẹn trả", "due_at"),
    "rescheduled_due_at": ("Ngày hẹn lại", "rescheduled_due_at"),
    "finished_at": ("Ngày có kết quả", "finished_at"),
    "returned_at": ("Ngày trả kết quả", "returned_at"),
    "status": ("Trạng thái", "status"),
}


@dataclass(frozen=True)
class Check:
    """One expectation of a GX suite: a derived column that must be empty (``null``) or, for
    R09, a number of working days within the rule's tolerance (``between``)."""

    rule: Rule
    name: str
    column: str
    description_en: str
    kind: Literal["null", "between"] = "null"
    severity_override: Severity | None = None  # e.g. R05 on a file name: blocking, not error

    @property
    def severity(self) -> Severity:
        return self.severity_override or self.rule.severity


CHECKS: tuple[Check, ...] = (
    Check(R03, "missing_required", "r03_missing_fields", "required fields present"),
    Check(R04, "invalid_value", "r04_invalid_fields", "present values are understood"),
    Check(R05, "unknown_procedure", "r05_unknown_procedure", "procedure code in the catalogue"),
    Check(R05, "unknown_sector", "r05_unknown_sector", "sector code or name in the catalogue"),
    Check(R06, "duplicate_dossier", "r06_duplicate_rows", "dossier code unique in its file"),
    Check(R07, "due_before_received", "r07_due_before_received", "due date not before receipt"),
    Check(
        R07,
        "finished_before_received",
        "r07_finished_before_received",
        "result date not before receipt",
    ),
    Check(
        R07,
        "returned_before_finished",
        "r07_returned_before_finished",
        "return date not before the result date",
    ),
    Check(
        R07,
        "after_report_date",
        "r07_after_report_date",
        "received, result and return dates not after the report date",
    ),
    Check(
        R08,
        "resolved_without_dates",
        "r08_resolved_without_dates",
        "status 9/10 has a result or return date",
    ),
    Check(
        R08,
        "returned_without_return_date",
        "r08_returned_without_return_date",
        "status 10 has a return date",
    ),
    Check(
        R08,
        "return_date_not_returned",
        "r08_return_date_not_returned",
        "only status 10 has a return date",
    ),
    Check(
        R08,
        "pending_with_result",
        "r08_pending_with_result",
        "pending statuses have no result or return date",
    ),
    Check(
        R09,
        "due_vs_statutory",
        "r09_deviation_days",
        "due date within tolerance of the statutory working days",
        kind="between",
    ),
    Check(R10, "late_or_overdue", "r10_late_or_overdue", "not late without a rescheduled date"),
)


# The file-level suite (``motcua_files``): one row per manifest row of the files taken in by the
# run. Ingestion quarantines these files and writes their findings; the suite puts them in the
# same Data Docs report as the row-level gaps.
FILE_CHECKS: tuple[Check, ...] = (
    Check(
        R02,
        "unreadable_file",
        "r02_unreadable_file",
        "file readable: allowed name, folder and extension, encoding, format, header",
    ),
    Check(
        R05,
        "unknown_unit",
        "r05_unknown_unit",
        "unit code of the file name in the unit registry",
        severity_override=R05.unknown_unit_severity,
    ),
)
