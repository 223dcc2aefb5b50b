"""Feedback to each unit (issue #17): its open record-keeping gaps and what to do about each.

Every night, for each unit with open gaps, ``$MOTCUA_DATA_DIR/reports/units/<unit_code>.xlsx``
and ``.csv``, in Vietnamese, from the published warehouse (``marts.dq_gap_status``): the unit, the
as-of date, one row per open gap (rule id and title, report date and file, row number, dossier
code, field, what the gap is and what to do, since when), oldest first, and a summary sheet
(open gaps by rule, gaps opened and fixed this month, the unit's rank in the province). ``motcua
feedback --unit U [--date D]`` writes one on demand; with ``--date`` the gaps open on that night,
read from the lifecycle (first seen by D, not fixed by D).

A unit gone by the as-of date (merged or abolished on a succession of
``reference/unit_successions.csv``) gets no workbook: its open gaps are listed in its latest
successor's, whose ledger now carries its dossiers and which may still send its missing ledgers,
each gap's detail starting with "Sổ của đơn vị tiền thân <code> <name>:".

No personal data: the dossier code and the row number identify the record; the details are those
of ``marts.dq_issues`` (dates, codes, field names).

Speed: a night writes every unit's feedback (on the 10M-state benchmark hundreds of units and
hundreds of thousands of open gaps, most of them stale dossiers). Each row's cells are rendered
by DuckDB straight into the sheet's XML and the csv line, aggregated per unit; Python only frames
them into the workbook's parts (a minimal SpreadsheetML package: two sheets, inline strings, real
dates and numbers, Times New Roman like the Biểu 06 workbook). openpyxl, which the Biểu 06
workbook (:mod:`motcua.reports.workbook`) uses, builds every cell as a Python object: 100,000
gap rows took 290 s in its write-only mode against 24 s this way (300 workbooks), the same
(busy) machine, back to back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from expectations.rules import RULES
from motcua.common.config import Settings
from motcua.common.errors import PipelineError
from motcua.common.store import sql_literal

log = logging.getLogger(__name__)

# Vietnamese title of every rule: R02-R10 from the validation's registry, the history rules here.
RULE_TITLES: dict[str, str] = {
    "R01_missing_submission": "Không gửi sổ theo dõi hồ sơ",
    **{rule_id: rule.title_vi for rule_id, rule in RULES.items()},
    "R11_stale_pending": "Hồ sơ quá hạn không được cập nhật",
    "R12_retroactive_edit": "Sửa ngày nhận, ngày hẹn trả của hồ sơ đã báo cáo",
    "R13_volume_anomaly": "Số hồ sơ báo cáo bất thường",
    "R14_status_regression": "Trạng thái hồ sơ bị lùi",
}

# (field, what to do) of each rule; {ngay} = the report date (DD/MM/YYYY), {truong} = the fields
# named in the gap's detail (R03, R04). R05 on a whole file (unknown unit) has its own action.
RULE_ACTIONS: dict[str, tuple[str, str]] = {
    "R01_missing_submission": ("", "Gửi sổ ngày {ngay}"),
    "R02_unreadable_file": (
        "",
        "Gửi lại sổ ngày {ngay} ở định dạng đọc được (csv, xlsx, json, jsonl), có dòng tiêu đề",
    ),
    "R03_missing_required": ("{truong}", "Bổ sung {truong}"),
    "R04_invalid_value": ("{truong}", "Sửa {truong} cho đúng định dạng"),
    "R05_unknown_reference": ("Mã TTHC, Lĩnh vực", "Sửa mã theo danh mục thủ tục hành chính"),
    "R06_duplicate_dossier": ("Mã hồ sơ", "Mỗi hồ sơ ghi một dòng: gửi lại sổ ngày {ngay}"),
    "R07_date_order": (
        "Ngày nhận hồ sơ, Ngày hẹn trả, Ngày có kết quả, Ngày trả kết quả",
        "Sửa các ngày của hồ sơ cho đúng thứ tự",
    ),
    "R08_status_date_mismatch": (
        "Trạng thái, Ngày có kết quả, Ngày trả kết quả",
        "Cập nhật trạng thái và ngày có kết quả, ngày trả kết quả cho khớp nhau",
    ),
    "R09_due_date_vs_statutory": (
        "Ngày hẹn trả",
        "Kiểm tra Ngày hẹn trả theo thời hạn giải quyết của thủ tục",
    ),
    "R10_overdue_without_apology": (
        "Ngày hẹn lại",
        "Lập phiếu xin lỗi và hẹn lại, ghi Ngày hẹn lại",
    ),
    "R11_stale_pending": ("Trạng thái", "Cập nhật tình trạng giải quyết hồ sơ trong sổ"),
    "R12_retroactive_edit": (
        "Ngày nhận hồ sơ, Ngày hẹn trả",
        "Giải trình việc sửa ngày, hoặc gửi lại sổ với ngày đã báo cáo trước đó",
    ),
    "R13_volume_anomaly": ("", "Kiểm tra sổ ngày {ngay}: số hồ sơ khác thường"),
    "R14_status_regression": ("Trạng thái", "Kiểm tra lại trạng thái hồ sơ (trạng thái bị lùi)"),
}
UNKNOWN_UNIT_ACTION = "Đặt tên tệp theo mã đơn vị trong danh mục và gửi lại sổ ngày {ngay}"

GAP_SHEET = "Lỗi cần khắc phục"
SUMMARY_SHEET = "Tổng hợp"
HEADER = (
    "STT",
    "Mã lỗi",
    "Tên lỗi",
    "Ngày báo cáo",
    "Tệp",
    "Dòng",
    "Mã hồ sơ",
    "Trường",
    "Nội dung lỗi",
    "Cách khắc phục",
    "Phát hiện từ ngày",
    "Số ngày chưa khắc phục",
)
WIDTHS = (6, 24, 34, 13, 24, 7, 16, 24, 60, 50, 13, 12)
HEADER_ROW = 6  # rows 1-4: title, unit, as-of date, count; 5 empty
NO_FILE = "(không có tệp)"

# Cell styles of xl/styles.xml: 0 plain, 1 date, 2 bold, 3 header (bold, boxed, wrapped),
# 4 title (bold, 14), 5 wrapped text
S_PLAIN, S_DATE, S_BOLD, S_HEADER, S_TITLE, S_WRAP = range(6)
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class UnitFeedback:
    """What one unit's workbook holds (the gap rows themselves stay rendered)."""

    unit_code: str
    unit_name: str
    as_of: dt.date
    open_gaps: int = 0
    by_rule: list[tuple[str, int]] = field(default_factory=list)
    opened_this_month: int = 0
    fixed_this_month: int = 0
    rank: int | None = None
    units_ranked: int = 0
    sheet_rows: str = ""
    csv_rows: str = ""


def _vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _sql_text(expr: str) -> str:
    """``expr`` as XML text: escaped, characters XML forbids removed, NULL as empty."""
    forbidden = "'[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]'"
    cleaned = f"regexp_replace(coalesce(cast({expr} as varchar), ''), {forbidden}, '', 'g')"
    return f"replace(replace(replace({cleaned}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _sql_cell(col: int, expr: str, kind: str = "s", style: int = S_PLAIN) -> str:
    """SQL building one ``<c>`` of the gap sheet for the row ``_r`` (empty when NULL)."""
    ref = f"'{_column_letter(col)}' || _r"
    if kind == "n":
        body = f"'<c r=\"' || {ref} || '\"><v>' || cast({expr} as varchar) || '</v></c>'"
    elif kind == "d":
        body = (
            f"'<c r=\"' || {ref} || '\" s=\"{S_DATE}\"><v>' || "
            f"cast(cast({expr} as date) - date '{EXCEL_EPOCH}' as varchar) || '</v></c>'"
        )
    else:
        body = (
            f'\'<c r="\' || {ref} || \'" t="inlineStr" s="{style}"><is><t>\' || '
            f"{_sql_text(expr)} || '</t></is></c>'"
        )
    if kind == "s":  # no cell at all for an empty text, as for a missing number or date
        return f"(case when coalesce(cast({expr} as varchar), '') = '' then '' else {body} end)"
    return f"coalesce({body}, '')"


def _sql_csv(expr: str) -> str:
    return f"'\"' || replace(coalesce(cast({expr} as varchar), ''), '\"', '\"\"') || '\"'"


def _column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _rules_values() -> str:
    rows = []
    for rule_id, title in RULE_TITLES.items():
        field_vi, action = RULE_ACTIONS[rule_id]
        rows.append(
            f"({sql_literal(rule_id)}, {sql_literal(title)}, {sql_literal(field_vi)}, "
            f"{sql_literal(action)})"
        )
    return "values " + ", ".join(rows)


def _recipients_sql(day: str) -> str:
    """SQL of ``recipients(unit_code, recipient, unit_name, runs_one_stop)``, every unit of
    ``dim_unit`` with its latest name and whether it runs the one-stop shop on ``day`` (in a
    version in force then), and of ``routed_gaps``, ``dq_gap_status`` with each gap's recipient:
    who is told of a unit's gaps on ``day``. A unit in force that day (a version of ``dim_unit``
    covers it), or one without a successor, is told of its own; a unit gone by then (merged,
    abolished: its ledger is kept by another now, docs/warehouse.md, "Successions") has its gaps
    listed in the workbook of its latest successor (``map_unit_successor``; of a split, the lowest
    code), each naming it."""
    return f"""
        recipients as (
            select
                units.unit_code,
                if(units.in_force, units.unit_code, coalesce(successors.successor, units.unit_code))
                    as recipient,
                units.unit_name,
                units.runs_one_stop,
            from (
                select
                    unit_code,
                    arg_max(unit_name, coalesce(valid_from, date '1900-01-01')) as unit_name,
                    bool_or(in_force) as in_force,
                    coalesce(bool_or(in_force and one_stop_since <= {day}), false)
                        as runs_one_stop,
                from (
                    select
                        *,
                        coalesce(valid_from, date '1900-01-01') <= {day}
                            and (valid_to is null or valid_to >= {day}) as in_force,
                    from marts.dim_unit
                )
                group by unit_code
            ) as units
            left join (
                select unit_code, min(successor_unit_code) as successor
                from marts.map_unit_successor
                where steps > 0
                group by unit_code
            ) as successors using (unit_code)
        ),
        routed_gaps as (
            select g.*, coalesce(r.recipient, g.unit_code) as recipient, r.unit_name,
            from marts.dq_gap_status as g
            left join recipients as r using (unit_code)
            where g.unit_code is not null
        )"""


def _gap_query(as_of: dt.date, unit: str | None) -> str:
    """One row per unit: its open gaps as of ``as_of``, rendered as sheet XML and csv lines."""
    day = sql_literal(as_of)
    only_unit = f"and g.recipient = {sql_literal(unit)}" if unit else ""
    # the fields an R03 / R04 detail names ("Thiếu trường bắt buộc: A, B"; ": A \"x\"; B \"y\"")
    fields = """case
            when g.rule_id = 'R03_missing_required'
                then regexp_replace(g.detail_vi, '^[^:]*:\\s*', '')
            when g.rule_id = 'R04_invalid_value'
                then array_to_string(
                    regexp_extract_all(g.detail_vi, '(?:: |; )([^";]+?) "', 1), ', ')
        end"""
    cells = [
        (1, "_r - " + str(HEADER_ROW), "n"),
        (2, "rule_id", "s"),
        (3, "title_vi", "s"),
        (4, "report_date", "d"),
        (5, "file_label", "s"),
        (6, "row_number", "n"),
        (7, "dossier_code", "s"),
        (8, "field_vi", "s"),
        (9, "detail_vi", "w"),
        (10, "action_vi", "w"),
        (11, "first_seen_date", "d"),
        (12, "days_open", "n"),
    ]
    xml_cells = " || ".join(
        _sql_cell(col, expr, "s" if kind == "w" else kind, S_WRAP if kind == "w" else S_PLAIN)
        for col, expr, kind in cells
    )
    csv_cells = " || ',' || ".join(
        _sql_csv(
            "_r - " + str(HEADER_ROW)
            if col == 1
            else f"strftime({expr}, '%d/%m/%Y')"
            if kind == "d"
            else expr
        )
        for col, expr, kind in cells
    )
    return f"""
        with
        rules(rule_id, title_vi, field_vi, action_vi) as ({_rules_values()}),
        {_recipients_sql(day)},
        gaps as (
            select
                g.*,
                coalesce(m.landing_path, {sql_literal(NO_FILE)}) as file_label,
                {fields} as fields,
            from routed_gaps as g
            left join marts.ops_file_manifest as m on m.file_id = g.file_id
            where g.first_seen_date <= {day}
                and (g.fixed_date is null or g.fixed_date > {day})
                {only_unit}
        ),
        described as (
            select
                gaps.recipient,
                gaps.rule_id,
                coalesce(rules.title_vi, gaps.rule_id) as title_vi,
                gaps.report_date,
                gaps.file_label,
                gaps.row_number,
                gaps.dossier_code,
                replace(coalesce(rules.field_vi, ''), '{{truong}}', coalesce(gaps.fields, ''))
                    as field_vi,
                if(gaps.recipient = gaps.unit_code, '',
                    'Sổ của đơn vị tiền thân ' || gaps.unit_code
                        || coalesce(' ' || gaps.unit_name, '') || ': ')
                    || gaps.detail_vi as detail_vi,
                replace(replace(
                    case
                        when gaps.rule_id = 'R05_unknown_reference' and gaps.row_number is null
                            then {sql_literal(UNKNOWN_UNIT_ACTION)}
                        else coalesce(rules.action_vi, '')
                    end,
                    '{{ngay}}', coalesce(strftime(gaps.report_date, '%d/%m/%Y'), '')),
                    '{{truong}}', coalesce(gaps.fields, '')) as action_vi,
                gaps.first_seen_date,
                cast({day} - gaps.first_seen_date as integer) as days_open,
                {HEADER_ROW} + row_number() over (
                    partition by gaps.recipient
                    order by gaps.first_seen_date, gaps.report_date nulls first, gaps.rule_id,
                        gaps.dossier_code nulls first, gaps.row_number nulls first, gaps.issue_id
                ) as _r,
            from gaps
            left join rules on rules.rule_id = gaps.rule_id
        )
        select
            recipient,
            count(*) as n,
            string_agg('<row r="' || _r || '">' || {xml_cells} || '</row>', '' order by _r),
            string_agg({csv_cells}, chr(13) || chr(10) order by _r),
        from described
        group by recipient
    """


def _summary_query(as_of: dt.date) -> str:
    day = sql_literal(as_of)
    month = sql_literal(as_of.replace(day=1))
    return f"""
        with
        {_recipients_sql(day)},
        units as (
            select unit_code, unit_name as name, runs_one_stop as in_force from recipients
        ),
        open_gaps as (
            select recipient as unit_code, count(*) as n from routed_gaps
            where first_seen_date <= {day} and (fixed_date is null or fixed_date > {day})
            group by recipient
        ),
        ranked as (
            select units.unit_code, coalesce(open_gaps.n, 0) as n,
                rank() over (order by coalesce(open_gaps.n, 0) desc) as rank,
                count(*) over () as units_ranked
            from units left join open_gaps using (unit_code)
            where units.in_force
        ),
        month_counts as (
            select recipient as unit_code,
                count(*) filter (where first_seen_date between {month} and {day}) as opened,
                count(*) filter (where fixed_date between {month} and {day}) as fixed
            from routed_gaps
            group by recipient
        ),
        by_rule as (
            select unit_code,
                list(struct_pack(rule_id := rule_id, n := n) order by rule_id) as rules
            from (
                select recipient as unit_code, rule_id, count(*) as n from routed_gaps
                where first_seen_date <= {day} and (fixed_date is null or fixed_date > {day})
                group by all
            )
            group by unit_code
        ),
        codes as (
            select unit_code from units
            union
            select distinct recipient from routed_gaps
        )
        select codes.unit_code, units.name, coalesce(m.opened, 0), coalesce(m.fixed, 0),
            r.rank, r.units_ranked, b.rules
        from codes
        left join units on units.unit_code = codes.unit_code
        left join month_counts as m on m.unit_code = codes.unit_code
        left join by_rule as b on b.unit_code = codes.unit_code
        left join ranked as r on r.unit_code = codes.unit_code
    """


def warehouse_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of the published warehouse (every manifest row carries it)."""
    (day,) = con.execute(
        "select coalesce((select max(as_of_date) from marts.ops_file_manifest), "
        "(select max(as_of_date) from marts.fct_dossier))"
    ).fetchone()
    if day is None:
        raise PipelineError("the warehouse holds no file yet: run a night first (motcua run)")
    return day


def collect(
    warehouse: Path, as_of: dt.date | None = None, unit: str | None = None
) -> tuple[dt.date, dict[str, UnitFeedback]]:
    """Every unit's feedback (or ``unit``'s) as of ``as_of`` (default: the warehouse's date).
    Units without open gaps are left out unless asked for by ``unit``."""
    if not warehouse.exists():
        raise PipelineError(f"no published warehouse at {warehouse}: run a night first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        latest = warehouse_as_of(con)
        day = as_of or latest
        if day > latest:
            raise PipelineError(
                f"the warehouse is as of {latest}: there is no feedback for {day} yet "
                f"(give --date {latest} or earlier, or run that night first)"
            )
        summaries = {row[0]: row for row in con.execute(_summary_query(day)).fetchall() if row[0]}
        if unit and unit not in summaries:
            raise PipelineError(
                f"unit {unit} is not in the warehouse's unit registry (marts.dim_unit); "
                "give a unit_code of reference/units.csv"
            )
        if unit:
            (recipient,) = con.execute(
                f"with {_recipients_sql(sql_literal(day))} "
                "select recipient from recipients where unit_code = ?",
                [unit],
            ).fetchone()
            if recipient != unit:
                raise PipelineError(
                    f"unit {unit} is no longer in force on {day}: its open gaps are in the "
                    f"feedback of its successor (--unit {recipient})"
                )
        out: dict[str, UnitFeedback] = {}
        for code, n, sheet_rows, csv_rows in con.execute(_gap_query(day, unit)).fetchall():
            out[code] = UnitFeedback(code, code, day, n, sheet_rows=sheet_rows, csv_rows=csv_rows)
        if unit and unit not in out:
            out[unit] = UnitFeedback(unit, unit, day)
    finally:
        con.close()
    for code, feedback in out.items():
        summary = summaries.get(code)
        if summary is None:
            continue
        _, name, opened, fixed, rank, units_ranked, rules = summary
        feedback.unit_name = name or code
        feedback.opened_this_month = opened
        feedback.fixed_this_month = fixed
        feedback.rank = rank
        feedback.units_ranked = units_ranked or 0
        feedback.by_rule = [(r["rule_id"], r["n"]) for r in rules or []]
    return day, out


# --- the workbook -----------------------------------------------------------------------------


def _cell(ref: str, value: object, style: int = S_PLAIN) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, dt.date):
        serial = (value - EXCEL_EPOCH).days
        return f'<c r="{ref}" s="{S_DATE if style == S_PLAIN else style}"><v>{serial}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    text = _esc(str(value))
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number: int, values: list[object], style: int = S_PLAIN) -> str:
    cells = "".join(
        _cell(f"{_column_letter(i)}{number}", v, style) for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def _sheet(
    rows: str, widths: tuple[int, ...], *, freeze: int | None = None, extra: str = ""
) -> str:
    pane = (
        f'<pane ySplit="{freeze}" topLeftCell="A{freeze + 1}" activePane="bottomLeft" '
        'state="frozen"/>'
        if freeze
        else ""
    )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>{rows}</sheetData>{extra}"
        '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape"/>'
        "</worksheet>"
    )


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="12"/><name val="Times New Roman"/><family val="1"/></font>'
    '<font><b/><sz val="12"/><name val="Times New Roman"/><family val="1"/></font>'
    '<font><b/><sz val="14"/><name val="Times New Roman"/><family val="1"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>'
    "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" '
    'applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" '
    'wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet2.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)


def _workbook_xml(last_row: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{_esc(GAP_SHEET)}" sheetId="1" r:id="rId1"/>'
        f'<sheet name="{_esc(SUMMARY_SHEET)}" sheetId="2" r:id="rId2"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
        f"'{_esc(GAP_SHEET)}'!$A${HEADER_ROW}:$L${last_row}</definedName></definedNames>"
        "</workbook>"
    )


def _gap_sheet(fb: UnitFeedback) -> str:
    head = "".join(
        [
            _row(1, ["THÔNG BÁO LỖI GHI CHÉP SỔ THEO DÕI HỒ SƠ CẦN KHẮC PHỤC"], S_TITLE),
            _row(2, [f"Đơn vị: {fb.unit_name} (mã {fb.unit_code})"], S_BOLD),
            _row(3, [f"Tính đến ngày: {_vn(fb.as_of)} (xếp từ lỗi tồn tại lâu nhất)"]),
            _row(
                4,
                [
                    f"Số lỗi chưa khắc phục: {fb.open_gaps}"
                    if fb.open_gaps
                    else "Không có lỗi chưa khắc phục."
                ],
                S_BOLD,
            ),
            _row(HEADER_ROW, list(HEADER), S_HEADER),
        ]
    )
    last = HEADER_ROW + fb.open_gaps
    auto_filter = f'<autoFilter ref="A{HEADER_ROW}:L{last}"/>'
    return _sheet(head + fb.sheet_rows, WIDTHS, freeze=HEADER_ROW, extra=auto_filter)


def summary_rows(fb: UnitFeedback) -> list[list[object]]:
    """The summary sheet's rows (also what the tests read)."""
    month = f"{fb.as_of.month:02d}/{fb.as_of.year}"
    rows: list[list[object]] = [
        ["TỔNG HỢP LỖI GHI CHÉP SỔ THEO DÕI HỒ SƠ"],
        [f"Đơn vị: {fb.unit_name} (mã {fb.unit_code})"],
        [f"Tính đến ngày: {_vn(fb.as_of)}"],
        [],
        ["Mã lỗi", "Tên lỗi", "Số lỗi chưa khắc phục"],
    ]
    rows += [[rule, RULE_TITLES.get(rule, rule), n] for rule, n in fb.by_rule]
    rows.append(["Tổng cộng", "", fb.open_gaps])
    rows.append([])
    rows.append([f"Lỗi phát hiện trong tháng {month}", "", fb.opened_this_month])
    rows.append([f"Lỗi đã khắc phục trong tháng {month}", "", fb.fixed_this_month])
    rank = (
        f"{fb.rank} / {fb.units_ranked} đơn vị"
        if fb.rank is not None
        else "(đơn vị chưa thực hiện cơ chế một cửa vào ngày này)"
    )
    rows.append(["Xếp hạng trong tỉnh theo số lỗi chưa khắc phục (1 = nhiều lỗi nhất)", "", rank])
    return rows


def _summary_sheet(fb: UnitFeedback) -> str:
    body = []
    for number, values in enumerate(summary_rows(fb), start=1):
        style = S_TITLE if number == 1 else S_HEADER if number == 5 else S_PLAIN
        if values and values[0] == "Tổng cộng":
            style = S_BOLD
        body.append(_row(number, values, style))
    return _sheet("".join(body), (24, 40, 22))


def _replace(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_unit(fb: UnitFeedback, folder: Path) -> tuple[Path, Path]:
    """``<folder>/<unit>.xlsx`` and ``.csv`` (each written whole, then renamed into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv_path = folder / f"{fb.unit_code}.xlsx", folder / f"{fb.unit_code}.csv"

    def write_xlsx(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr("[Content_Types].xml", CONTENT_TYPES)
            z.writestr("_rels/.rels", ROOT_RELS)
            z.writestr("xl/workbook.xml", _workbook_xml(HEADER_ROW + fb.open_gaps))
            z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
            z.writestr("xl/styles.xml", STYLES)
            z.writestr("xl/worksheets/sheet1.xml", _gap_sheet(fb))
            z.writestr("xl/worksheets/sheet2.xml", _summary_sheet(fb))

    def write_csv(tmp: Path) -> None:
        header = ",".join(f'"{h}"' for h in HEADER)
        body = header + "\r\n" + (fb.csv_rows + "\r\n" if fb.csv_rows else "")
        tmp.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))  # BOM: Excel reads it as UTF-8

    _replace(xlsx, write_xlsx)
    _replace(csv_path, write_csv)
    return xlsx, csv_path


def units_dir(settings: Settings) -> Path:
    return settings.data_dir / "reports" / "units"


def write_unit_feedback(
    settings: Settings, unit: str, as_of: dt.date | None = None, folder: Path | None = None
) -> tuple[UnitFeedback, Path, Path]:
    """``motcua feedback --unit U [--date D]``: one unit's workbook and csv, also without gaps."""
    _, feedbacks = collect(settings.warehouse_db, as_of, unit)
    fb = feedbacks[unit]
    xlsx, csv_path = write_unit(fb, folder or units_dir(settings))
    return fb, xlsx, csv_path


def write_all_feedback(settings: Settings, as_of: dt.date | None = None) -> dict:
    """The nightly feedback: a workbook and a csv for every unit with open gaps; the files of
    units that have none left are removed (their gaps were all fixed). Returns the figures and,
    under ``line``, a sentence for the run's log."""
    started = time.monotonic()
    folder = units_dir(settings)
    day, feedbacks = collect(settings.warehouse_db, as_of)
    for fb in feedbacks.values():
        write_unit(fb, folder)
    removed = 0
    if folder.exists():
        for path in sorted(folder.glob("*.xlsx")) + sorted(folder.glob("*.csv")):
            if path.stem not in feedbacks:
                path.unlink()
                removed += 1
    seconds = time.monotonic() - started
    gaps = sum(fb.open_gaps for fb in feedbacks.values())
    line = (
        f"feedback to units as of {day}: {len(feedbacks)} units with {gaps:,} open gaps, "
        f"written to {folder} in {seconds:.1f} s"
    )
    log.info("%s", line)
    return {
        "line": line,
        "feedback_dir": str(folder),
        "feedback_as_of": day.isoformat(),
        "feedback_units": len(feedbacks),
        "feedback_open_gaps": gaps,
        "feedback_files_removed": removed,
        "feedback_seconds": round(seconds, 2),
    }


def nightly_feedback(settings: Settings) -> dict:
    """What the ``report`` step runs: :func:`write_all_feedback` as of the published warehouse's
    date. Like the rest of the report step it never fails the night over the warehouse (the night
    is already published): a warehouse it cannot read gives a line saying so."""
    try:
        return write_all_feedback(settings)
    except (PipelineError, duckdb.Error) as exc:
        return {"line": f"no feedback to units: {exc}", "feedback_units": 0}
