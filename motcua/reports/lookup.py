"""``motcua report --period P --scope S --sector C --format text|csv|json``: any figure of the
dashboard for one period and scope, on the command line.

The figures are the marts' (:func:`motcua.reports.figures.scope_period`: ``ind_cohort``,
``ind_progress_score``, ``ind_service_measures``), read from the published warehouse opened
read-only. Periods are the marts' standard ones, written as for ``motcua export bieu06``
(``2009-03``, ``2009-Q1``, ``2009-H1``, ``2009-9M``, ``2009``) plus the trailing twelve months
``TTM-2009-06`` (the twelve months ending with June 2009), and found by that label
(``period_label``), so on whichever calendar the warehouse is cut (``period_basis``). Scopes are
``export bieu06``'s (``unit:<code>``, ``district:<code>``, ``province``) plus ``lineage:<code>``:
a successor unit with its predecessors (the marts' ``scope_level = 'unit_lineage'``, whose members
are in ``marts.map_unit_lineage``; docs/warehouse.md).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass

import duckdb

from motcua.common.errors import PipelineError
from motcua.reports import bieu06
from motcua.reports import figures as fig

FORMATS = ("text", "csv", "json")
#: ``motcua report --scope``'s forms: Biểu 06's, and a successor with its predecessors.
SCOPE_HELP = (
    "unit:<code>, district:<code>, lineage:<code> (a successor with its predecessors) or province"
)
LINEAGE = "unit_lineage"
PERIOD_HELP = (
    "2009-03 (month), 2009-Q1, 2009-H1, 2009-9M, 2009 (year) or TTM-2009-06 (the twelve months "
    "ending with the month); default: the latest trailing twelve months"
)


@dataclass(frozen=True)
class ReportPeriod:
    period_type: str
    start: dt.date | None  # None: the latest of its type (ttm only)
    end: dt.date | None
    text: str


def parse_report_period(text: str) -> ReportPeriod:
    """A standard period of the marts; a ValueError says what is accepted."""
    raw = text.strip()
    match = re.fullmatch(r"(?:TTM-(\d{4})-(\d{2})|(\d{4})-(\d{2})-TTM)", raw, re.IGNORECASE)
    if match:
        year = int(match.group(1) or match.group(3))
        month = int(match.group(2) or match.group(4))
        if not 1 <= month <= 12:
            raise ValueError(f"period '{raw}': there is no month {month} (01 to 12)")
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        first = dt.date(year - 1, month, 1) + dt.timedelta(days=32)
        start = first.replace(day=1)
        return ReportPeriod("ttm", start, end, f"TTM-{year}-{month:02d}")
    try:
        period = bieu06.parse_period(raw)
    except ValueError as exc:
        raise ValueError(f"{exc}; or TTM-YYYY-MM (twelve months)") from None
    if not period.is_standard:
        raise ValueError(
            f"period '{raw}': the indicators exist for standard periods only ({PERIOD_HELP}); "
            "for any dates use `motcua export bieu06 --period START..END`"
        )
    return ReportPeriod(period.period_type, period.start, period.end, period.text)


def parse_report_scope(text: str) -> bieu06.Scope:
    """A scope of ``motcua report``: ``lineage:<code>`` (or ``unit_lineage:<code>``), else one of
    Biểu 06's (:func:`motcua.reports.bieu06.parse_scope`); a ValueError says what is accepted."""
    level, sep, code = text.strip().partition(":")
    if sep and level.strip() in ("lineage", LINEAGE):
        if not code.strip():
            raise ValueError(f"cannot read the scope '{text}': expected {SCOPE_HELP}")
        return bieu06.Scope(LINEAGE, code.strip())
    try:
        return bieu06.parse_scope(text)
    except ValueError:
        raise ValueError(f"cannot read the scope '{text}': expected {SCOPE_HELP}") from None


def _lineage_members(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """The members of a lineage scope (``marts.map_unit_lineage``): the successor first."""
    cur = con.execute(
        "select unit_code, unit_name, steps, succession_kinds from marts.map_unit_lineage "
        "where lineage_code = ? order by steps, unit_code",
        [code],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _resolve_lineage(con: duckdb.DuckDBPyConnection, code: str) -> None:
    """Raise, naming what to ask instead, unless ``code`` is a successor with predecessors."""
    if _lineage_members(con, code):
        return
    successors = [
        r[0]
        for r in con.execute(
            "select successor_unit_code from marts.map_unit_successor where unit_code = ? "
            "and successor_unit_code <> unit_code order by 1",
            [code],
        ).fetchall()
    ]
    lineages = [
        r[0]
        for r in con.execute(
            "select distinct lineage_code from marts.map_unit_lineage order by 1"
        ).fetchall()
    ]
    if successors:
        hint = f"it was succeeded by {', '.join(successors)}: ask lineage:{successors[0]}"
    else:
        hint = f"it succeeded no other unit (its own figures: unit:{code})"
    raise PipelineError(
        f"'{code}' has no lineage scope: {hint}; successors with predecessors: "
        f"{', '.join(lineages) or 'none'}"
    )


def _resolve_scope(con: duckdb.DuckDBPyConnection, scope: bieu06.Scope) -> tuple[str, str]:
    """(scope_level, scope_code) as the marts name them."""
    if scope.level == "province":
        code, _ = bieu06._province(con)
        if scope.code is not None and scope.code != code:
            raise PipelineError(f"'{scope.code}' is not the province (the province is {code})")
        return "province", code
    if scope.level == LINEAGE:
        _resolve_lineage(con, scope.code)
        return LINEAGE, scope.code
    levels = {
        r[0]
        for r in con.execute(
            "select level from marts.dim_unit where unit_code = ?", [scope.code]
        ).fetchall()
    }
    if not levels:
        raise PipelineError(f"unknown unit '{scope.code}' (not in marts.dim_unit)")
    if scope.level == "district" and "district" not in levels:
        known = [
            r[0]
            for r in con.execute(
                "select distinct unit_code from marts.dim_unit where level = 'district' order by 1"
            ).fetchall()
        ]
        raise PipelineError(
            f"'{scope.code}' is not a district-level unit (districts: {', '.join(known) or 'none'})"
        )
    return scope.level, scope.code


def lookup(
    con: duckdb.DuckDBPyConnection,
    period: ReportPeriod | None,
    scope: bieu06.Scope,
    sector: str | None = "ALL",
) -> list[dict]:
    """The rows of :func:`motcua.reports.figures.scope_period` for the period, scope and sector
    (``sector`` None: each sector and ALL); an error names what the warehouse holds instead."""
    level, code = _resolve_scope(con, scope)
    if period is None:
        row = con.execute(
            "select period_start, period_end from marts.ind_cohort where period_type = 'ttm' "
            "and scope_level = 'province' and sector_code = 'ALL' "
            "order by is_complete desc, period_end desc limit 1"
        ).fetchone()
        if row is None:
            raise PipelineError("marts.ind_cohort holds no trailing twelve months")
        period = ReportPeriod("ttm", row[0], row[1], f"TTM-{row[1]:%Y-%m}")
    rows = fig.scope_period(con, period.period_type, period.text, level, code, sector)
    if not rows:
        held = con.execute(
            "select min(period_start), max(period_end) from marts.ind_cohort "
            "where period_type = 'month'"
        ).fetchone()
        sectors = [
            r[0]
            for r in con.execute(
                "select distinct sector_code from marts.ind_cohort where scope_level = ? "
                "and scope_code = ? order by 1",
                [level, code],
            ).fetchall()
        ]
        raise PipelineError(
            f"no figures for {period.text}, {level} {code}, "
            f"sector {sector or 'any'}: the warehouse's months run from {held[0]} to {held[1]}; "
            f"sectors of this scope: {', '.join(sectors) or 'none'}"
        )
    if level == LINEAGE:
        members = _lineage_members(con, code)
        for row in rows:
            row["lineage_members"] = members
    return rows


# --- output ----------------------------------------------------------------------------------

LABELS = {
    "received": "received (tiếp nhận)",
    "returned_on_time": "returned on time (đúng/trước hạn)",
    "returned_late": "returned late (quá hạn)",
    "in_process": "in process (đang giải quyết)",
    "resolved": "resolved (đã giải quyết)",
    "on_time_rate_of_resolved": "on time over resolved",
    "received_total": "Biểu 06 (3) to resolve (phải giải quyết)",
    "progress_numerator": "(8) + (9) + (12)",
    "progress_score": "766 progress score (điểm tiến độ, /20)",
    "band": "766 band (xếp loại)",
    "received_online": "received online (trực tuyến)",
    "online_share": "online share (tỷ lệ trực tuyến)",
    "processing_days_mean": "processing days, mean (ngày làm việc)",
    "processing_days_median": "processing days, median",
    "processing_days_p90": "processing days, 90th percentile",
    "pending_within": "in process within deadline (trong hạn)",
    "pending_overdue": "in process past deadline (quá hạn)",
    "overdue_1_5_days": "  overdue 1–5 working days",
    "overdue_6_15_days": "  overdue 6–15 working days",
    "overdue_16_30_days": "  overdue 16–30 working days",
    "overdue_over_30_days": "  overdue over 30 working days",
    "apology_compliance": "apology letters (phiếu xin lỗi)",
}
RATE_OF = {
    "returned_on_time": "on_time_rate",
    "returned_late": "late_rate",
    "in_process": "in_process_rate",
}


def _text_value(key: str, value) -> str:
    if value is None:
        return "—"
    if key in ("online_share", "apology_compliance", "on_time_rate_of_resolved"):
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def as_text(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        running = "" if row["is_complete"] else f" (still running: as of {row['as_of_date']})"
        sector = "all sectors" if row["sector_code"] == "ALL" else f"sector {row['sector_code']}"
        lines.append(
            f"{row['scope_name'] or row['scope_code']} ({row['scope_level']} {row['scope_code']}), "
            f"{row['period_type']} {row['period_label']} ({row['period_start']} … "
            f"{row['period_end']}), {sector}{running}"
        )
        if row.get("lineage_members"):
            members = ", ".join(
                f"{m['unit_name'] or m['unit_code']} ({m['unit_code']}"
                + (f", {m['succession_kinds']})" if m["succession_kinds"] else ")")
                for m in row["lineage_members"]
            )
            lines.append(f"  with its predecessors (cùng các đơn vị tiền thân): {members}")
        for key, label in LABELS.items():
            rate = ""
            if key in RATE_OF:
                rate = f"  {_text_value('online_share', row[RATE_OF[key]]):>6} of received"
            lines.append(f"  {label:42} {_text_value(key, row[key]):>10}{rate}")
        lines.append("")
    return "\n".join(lines)


def as_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fig.SCOPE_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in fig.SCOPE_FIELDS})
    return buffer.getvalue()


def as_json(rows: list[dict]) -> str:
    return json.dumps([{k: r[k] for k in fig.SCOPE_FIELDS} for r in rows], ensure_ascii=False,
                      indent=1) + "\n"  # fmt: skip


def render(rows: list[dict], fmt: str) -> str:
    if fmt == "csv":
        return as_csv(rows)
    if fmt == "json":
        return as_json(rows)
    return as_text(rows)
