"""Biểu số 06/VPCP/KSTT (indicators.md §3) from the published warehouse: periods, scopes, figures.

A *period* is a standard one of ``marts.rpt_bieu06`` (``2009-03``, ``2009-Q1``, ``2009-H1``,
``2009-9M``, ``2009``) or an explicit range (``2009-01-01..2009-03-31``). A *scope* is a unit
(``unit:<code>``), a district (``district:<code>``: the district-level unit and every commune under
it) or the province (``province``: every unit, departments included).

Figures per unit and sector:

* a standard period is read from ``marts.rpt_bieu06`` when it is on the calendar the warehouse
  is cut on (``period_basis``, ``MOTCUA_REPORTING_CALENDAR``, :mod:`motcua.common.periods`), and
  otherwise computed on demand like a range;
* an explicit range is computed on demand from ``marts.fct_dossier`` by :data:`ON_DEMAND_SQL`, the
  rules of the dbt models (``int_dossiers_latest``'s resolution class, ``period_dossier_rows`` and
  ``period_fact_sums`` in ``dbt_project/macros/period_facts.sql``, ``int_unit_sectors`` and
  ``rpt_bieu06``), so that for every standard period it gives exactly the rows of
  ``rpt_bieu06`` (tests/reports/test_bieu06_figures.py checks it).

A district's or the province's figures are the sums over their units, with the membership rule of
``int_unit_scopes`` (what ``ind_progress_score`` and ``ind_cohort`` roll up by): a unit belongs to
the district of its latest ``dim_unit`` version that has one (the version in force at the
warehouse's date first); the province holds every unit.

:func:`build_report` gathers what the workbook (:mod:`motcua.reports.workbook`) and the CSV
(:func:`write_csv`) print.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from motcua.common import periods
from motcua.common.errors import PipelineError

#: The figure columns of ``marts.rpt_bieu06``, in the form's order (columns 3 to 13).
COLUMNS: tuple[str, ...] = (
    "c03_received_total",
    "c04_received_online",
    "c05_received_direct_postal",
    "c06_carried_over",
    "c07_resolved_total",
    "c08_resolved_early",
    "c09_resolved_on_time",
    "c10_resolved_late",
    "c11_pending_total",
    "c12_pending_within",
    "c13_pending_overdue",
)

ALL = "ALL"
ZERO: tuple[int, ...] = (0,) * len(COLUMNS)

#: Label of the row that holds the dossiers whose sector matched no sector of the catalogue
#: (counted in ``ALL`` only, as in the marts), so that the sector rows add up to the total.
UNKNOWN_SECTOR_NAME = "Lĩnh vực chưa xác định (không khớp danh mục)"
TOTAL_LABEL = "Tổng cộng"

PERIOD_FORMS = (
    "YYYY-MM (a month), YYYY-Q1..Q4 (a quarter), YYYY-H1 or YYYY-H2 (six months), "
    "YYYY-9M (nine months), YYYY (a year), or YYYY-MM-DD..YYYY-MM-DD (an explicit range)"
)
SCOPE_FORMS = "unit:<code>, district:<code> or province"

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period [start, end] (both days included). ``period_type`` is the
    ``rpt_bieu06`` type of a standard period, ``range`` for an explicit one; ``basis`` is the
    calendar of a standard period (``calendar`` or ``cutoff``, motcua.common.periods)."""

    period_type: str
    start: dt.date
    end: dt.date
    text: str
    basis: str = periods.CALENDAR

    @property
    def is_standard(self) -> bool:
        return self.period_type != "range"

    @property
    def label(self) -> str:
        """The period as the form writes it after ``Kỳ báo cáo:`` (an explicit range that is
        exactly a standard period, on either calendar, is written as that period)."""
        standard = periods.standard_of(self.start, self.end)
        if standard is None:
            return f"{_vn_date(self.start)} – {_vn_date(self.end)}"
        kind, _basis, year, number = standard
        if kind == "month":
            return f"Tháng {number} năm {year}"
        if kind == "quarter":
            return f"Quý {ROMAN[number]} năm {year}"
        if kind == "half":
            return f"6 tháng {'đầu' if number == 1 else 'cuối'} năm {year}"
        if kind == "nine_months":
            return f"9 tháng năm {year}"
        return f"Năm {year}"

    @property
    def dates_line(self) -> str:
        return f"(Từ ngày {_vn_date(self.start)} đến ngày {_vn_date(self.end)})"


def _vn_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _parse_day(text: str, whole: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"period '{whole}': '{text}' is not a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"period '{whole}': '{text}' is not a valid date") from None


def parse_period(text: str, basis: str = periods.CALENDAR) -> Period:
    """The period written ``text`` on the calendar ``basis`` (``calendar`` or ``cutoff``: a
    standard period's dates depend on it, an explicit range's do not); a ValueError says what is
    accepted when it cannot be read."""
    periods.check_basis(basis)
    raw = text.strip()
    if ".." in raw:
        first, _, last = raw.partition("..")
        start, end = _parse_day(first.strip(), raw), _parse_day(last.strip(), raw)
        if end < start:
            raise ValueError(f"period '{raw}': the range ends ({end}) before it starts ({start})")
        return Period("range", start, end, raw)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})|-([qQ])([1-4])|-([hH])([12])|-(9[mM]))?", raw)
    if match is None:
        raise ValueError(f"cannot read the period '{text}': expected {PERIOD_FORMS}")
    year = int(match.group(1))
    if year < 1900:
        raise ValueError(f"period '{raw}': the year {year} is out of range")
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"period '{raw}': there is no month {month} (01 to 12)")
        kind, number, name = "month", month, raw
    elif match.group(4):
        kind, number = "quarter", int(match.group(4))
        name = f"{year}-Q{number}"
    elif match.group(6):
        kind, number = "half", int(match.group(6))
        name = f"{year}-H{number}"
    elif match.group(7):
        kind, number, name = "nine_months", None, f"{year}-9M"
    else:
        kind, number, name = "year", None, raw
    start, end = periods.bounds(kind, year, number, basis)
    return Period(kind, start, end, name, basis)


# --- scopes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    level: str  # unit | district | province
    code: str | None  # None for the province until resolved against the warehouse

    @property
    def text(self) -> str:
        return "province" if self.level == "province" else f"{self.level}:{self.code}"


def parse_scope(text: str) -> Scope:
    raw = text.strip()
    if raw == "province":
        return Scope("province", None)
    level, sep, code = raw.partition(":")
    code = code.strip()
    if sep and level in ("unit", "district", "province") and code:
        return Scope(level, code)
    raise ValueError(f"cannot read the scope '{text}': expected {SCOPE_FORMS}")


# --- figures ---------------------------------------------------------------------------------

#: Biểu 06 per unit x sector (each sector and ALL) for [$period_start, $period_end], as of
#: $as_of (the warehouse's date: a period still running is counted as of it, as in the marts).
#: The same rules as the dbt models, line by line:
#:   * resolution_class: int_dossiers_latest (withdrawn or no due date = on time);
#:   * the dossiers of a period and what each counts: period_dossier_rows and period_fact_sums
#:     (macros/period_facts.sql), with A = least(period end, D);
#:   * a dossier without a sector counts in ALL only (int_period_unit_deltas);
#:   * a dossier counts in the unit that holds it at A: after a succession's handover
#:     (fct_dossier.handover_date <= A), its successor (fct_dossier.holding_unit_code);
#:   * the rows: every (unit, sector) with a dossier received or held by D, and (unit, ALL),
#:     zeros included (int_unit_sectors, rpt_bieu06's grid); c03 = c04 + c05 + c06.
ON_DEMAND_SQL = """
with

bounds as (

    select
        cast($period_start as date) as period_start,
        least(cast($period_end as date), cast($as_of as date)) as as_of,
        cast($as_of as date) as warehouse_date,

),

dossiers as (

    select
        unit_code,
        holding_unit_code,
        handover_date,
        sector_code,
        channel,
        received_date,
        due_date,
        resolution_date,
        case
            when resolution_date is null then null
            when is_withdrawn then 'on_time'
            when due_date is null then 'on_time'
            when resolution_date < due_date then 'early'
            when resolution_date = due_date then 'on_time'
            else 'late'
        end as resolution_class,
    from marts.fct_dossier
    where is_received
        and received_date is not null

),

period_rows as (

    select
        d.* replace (
            if(d.handover_date <= b.as_of, d.holding_unit_code, d.unit_code) as unit_code
        ),
        d.received_date >= b.period_start as is_received_in_period,
        b.as_of,
    from dossiers as d
    cross join bounds as b
    where d.received_date <= b.as_of
        and coalesce(d.resolution_date, date '9999-12-31') >= b.period_start

),

by_sector as (

    select
        unit_code,
        sector_code,
        count(*) filter (where is_received_in_period and channel = 2) as c04,
        count(*) filter (where is_received_in_period and channel is distinct from 2) as c05,
        count(*) filter (where not is_received_in_period) as c06,
        count(*) filter (where resolution_date <= as_of) as c07,
        count(*) filter (where resolution_date <= as_of and resolution_class = 'early') as c08,
        count(*) filter (where resolution_date <= as_of and resolution_class = 'on_time') as c09,
        count(*) filter (where resolution_date <= as_of and resolution_class = 'late') as c10,
        count(*) filter (where resolution_date is null or resolution_date > as_of) as c11,
        count(*) filter (
            where (resolution_date is null or resolution_date > as_of)
                and (due_date is null or due_date >= as_of)
        ) as c12,
        count(*) filter (
            where (resolution_date is null or resolution_date > as_of) and due_date < as_of
        ) as c13,
    from period_rows
    group by all

),

sectored as (

    select * from by_sector where sector_code is not null

    union all

    select
        unit_code,
        'ALL' as sector_code,
        sum(c04), sum(c05), sum(c06), sum(c07), sum(c08), sum(c09), sum(c10), sum(c11),
        sum(c12), sum(c13),
    from by_sector
    group by unit_code

),

received_by_d as (

    select d.unit_code, d.sector_code
    from dossiers as d
    cross join bounds as b
    where d.received_date <= b.warehouse_date

    union all

    select d.holding_unit_code, d.sector_code
    from dossiers as d
    cross join bounds as b
    where d.handover_date <= b.warehouse_date

),

grid as (

    select unit_code, sector_code from received_by_d where sector_code is not null
    union
    select unit_code, 'ALL' from received_by_d

),

filled as (

    select
        g.unit_code,
        g.sector_code,
        cast(coalesce(s.c04, 0) as bigint) as c04,
        cast(coalesce(s.c05, 0) as bigint) as c05,
        cast(coalesce(s.c06, 0) as bigint) as c06,
        cast(coalesce(s.c07, 0) as bigint) as c07,
        cast(coalesce(s.c08, 0) as bigint) as c08,
        cast(coalesce(s.c09, 0) as bigint) as c09,
        cast(coalesce(s.c10, 0) as bigint) as c10,
        cast(coalesce(s.c11, 0) as bigint) as c11,
        cast(coalesce(s.c12, 0) as bigint) as c12,
        cast(coalesce(s.c13, 0) as bigint) as c13,
    from grid as g
    left join sectored as s
        on g.unit_code = s.unit_code
        and g.sector_code = s.sector_code

)

select
    unit_code,
    sector_code,
    c04 + c05 + c06 as c03_received_total,
    c04 as c04_received_online,
    c05 as c05_received_direct_postal,
    c06 as c06_carried_over,
    c07 as c07_resolved_total,
    c08 as c08_resolved_early,
    c09 as c09_resolved_on_time,
    c10 as c10_resolved_late,
    c11 as c11_pending_total,
    c12 as c12_pending_within,
    c13 as c13_pending_overdue,
from filled
order by unit_code, sector_code
"""

Figures = dict[tuple[str, str], tuple[int, ...]]


def warehouse_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date D of the warehouse (every fct_dossier row carries it)."""
    (day,) = con.execute("select max(as_of_date) from marts.fct_dossier").fetchone()
    if day is None:
        raise PipelineError("the warehouse holds no dossiers: there is nothing to report")
    return day


def on_demand_figures(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, as_of: dt.date | None = None
) -> Figures:
    """Biểu 06 per (unit_code, sector_code) for [start, end] computed from marts.fct_dossier,
    as of the warehouse's date (or ``as_of``): columns :data:`COLUMNS`."""
    as_of = as_of or warehouse_date(con)
    rows = con.execute(
        ON_DEMAND_SQL, {"period_start": start, "period_end": end, "as_of": as_of}
    ).fetchall()
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def rpt_figures(con: duckdb.DuckDBPyConnection, period_type: str, period_start: dt.date) -> Figures:
    """The rows of marts.rpt_bieu06 for one standard period, by (unit_code, sector_code)."""
    rows = con.execute(
        f"select unit_code, sector_code, {', '.join(COLUMNS)} from marts.rpt_bieu06 "
        "where period_type = ? and period_start = ?",
        [period_type, period_start],
    ).fetchall()
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def warehouse_basis(con: duckdb.DuckDBPyConnection) -> str:
    """The calendar the warehouse's periods are cut on (``rpt_bieu06.period_basis``; calendar
    months for a warehouse built before the column existed or holding no period)."""
    columns = {c[0] for c in con.execute("select * from marts.rpt_bieu06 limit 0").description}
    if "period_basis" not in columns:
        return periods.CALENDAR
    row = con.execute("select any_value(period_basis) from marts.rpt_bieu06").fetchone()
    return row[0] or periods.CALENDAR


def _standard_period_status(con: duckdb.DuckDBPyConnection, period: Period) -> tuple[bool, dt.date]:
    row = con.execute(
        "select bool_and(is_complete), max(as_of_date) from marts.rpt_bieu06 "
        "where period_type = ? and period_start = ? and period_end = ?",
        [period.period_type, period.start, period.end],
    ).fetchone()
    if row is None or row[1] is None:
        first, last, as_of = con.execute(
            "select min(period_start), max(period_end), max(as_of_date) from marts.rpt_bieu06 "
            "where period_type = 'month'"
        ).fetchone()
        held = (
            f"its months run from {first:%Y-%m} to {last:%Y-%m} (as of {as_of})"
            if first
            else "it holds no figures"
        )
        raise PipelineError(
            f"marts.rpt_bieu06 has no {period.period_type} {period.text}: {held}. An explicit "
            "range YYYY-MM-DD..YYYY-MM-DD is computed on demand for any dates up to the "
            "warehouse's date."
        )
    return bool(row[0]), row[1]


# --- units and scopes ------------------------------------------------------------------------

LEVEL_ORDER = {"province": 0, "department": 1, "district": 2, "commune": 3}


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    level: str | None
    district_code: str | None  # the district it rolls up into (int_unit_scopes' rule)
    runs_in_period: bool  # a version in force in the period, running the one-stop shop by its end

    @property
    def sort_key(self) -> tuple:
        return (LEVEL_ORDER.get(self.level or "", 9), self.unit_code)


UNITS_SQL = """
with

versions as (

    select * from marts.dim_unit

),

current_version as (

    select unit_code, unit_name, level
    from versions
    qualify row_number() over (
        partition by unit_code order by is_in_force desc, valid_from desc nulls last
    ) = 1

),

-- int_unit_scopes: the district of the unit's latest version that had one (in force at D first)
districts as (

    select unit_code, district_code
    from versions
    where district_code is not null
    qualify row_number() over (
        partition by unit_code order by is_in_force desc, valid_from desc nulls last
    ) = 1

),

running as (

    select
        unit_code,
        bool_or(
            coalesce(valid_from, date '1900-01-01') <= cast($period_end as date)
            and coalesce(valid_to, date '9999-12-31') >= cast($period_start as date)
            and one_stop_since <= cast($period_end as date)
        ) as runs_in_period,
    from versions
    group by unit_code

)

select c.unit_code, c.unit_name, c.level, d.district_code, coalesce(r.runs_in_period, false)
from current_version as c
left join districts as d on c.unit_code = d.unit_code
left join running as r on c.unit_code = r.unit_code
"""


def _units(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Unit]:
    rows = con.execute(
        UNITS_SQL, {"period_start": period.start, "period_end": period.end}
    ).fetchall()
    return {r[0]: Unit(*r) for r in rows}


def _province(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    row = con.execute(
        "select unit_code, unit_name from marts.dim_unit where level = 'province' "
        "order by is_in_force desc, valid_from desc nulls last, unit_code limit 1"
    ).fetchone()
    if row is None:
        raise PipelineError("marts.dim_unit has no province row (level 'province')")
    return row


def sector_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """sector_code -> sector_name as in the procedure catalogue (marts.dim_procedure)."""
    return dict(
        con.execute(
            "select sector_code, min(sector_name) from marts.dim_procedure "
            "where sector_code is not null group by sector_code"
        ).fetchall()
    )


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRow:
    """One line of the form's table: ``number`` in column A (None on the total), the label in
    column B, the figures of columns 3-13 in C-M. ``sector_code`` is '' for the unknown-sector
    row and ``ALL`` on the total."""

    number: int | None
    sector_code: str
    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class FormSheet:
    """One reporting unit's (or the scope's) form."""

    sheet_name: str
    code: str
    level: str | None
    form_number: str
    reporting_unit: str
    recipient: str
    place: str
    rows: tuple[FormRow, ...]
    total: FormRow


@dataclass
class Bieu06Report:
    scope: Scope
    scope_name: str
    period: Period
    as_of: dt.date
    is_complete: bool
    source: str  # marts.rpt_bieu06 | on demand (marts.fct_dossier)
    sector: str | None
    sheets: list[FormSheet] = field(default_factory=list)

    @property
    def main(self) -> FormSheet:
        return self.sheets[0]


FORM_NUMBER_UNIT = "Biểu số II.06a/VPCP/KSTT"
FORM_NUMBER_COMBINED = "Biểu số II.06b/VPCP/KSTT"
VPCP = "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)"
LEVEL_WORDS = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Tỉnh", "Quận", "Xã")


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:] if name else name


def _place(name: str) -> str:
    """'Huyện Can Lộc' -> 'Can Lộc' (the place a form is signed in)."""
    for word in LEVEL_WORDS:
        if name.startswith(word + " "):
            return name[len(word) + 1 :]
    return name


def _people_committee(name: str) -> str:
    return f"Ủy ban nhân dân {_lower_first(name)}"


def _add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _sub(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x - y for x, y in zip(a, b, strict=True))


def _form_rows(
    figures: Figures, units: list[str], names: dict[str, str], sector: str | None
) -> tuple[tuple[FormRow, ...], FormRow]:
    """The sector rows and the total of the sum over ``units``."""
    summed: dict[str, tuple[int, ...]] = {}
    for (unit, code), values in figures.items():
        if unit in units:
            summed[code] = _add(summed.get(code, ZERO), values)
    total = summed.pop(ALL, ZERO)
    if sector is not None:
        values = summed.get(sector, ZERO)
        row = FormRow(1, sector, names.get(sector, sector), values)
        return (row,), FormRow(None, sector, TOTAL_LABEL, values)
    rows: list[FormRow] = []
    for number, code in enumerate(sorted(summed), start=1):
        rows.append(FormRow(number, code, names.get(code, code), summed[code]))
    rest = total
    for row in rows:
        rest = _sub(rest, row.values)
    if any(rest):
        rows.append(FormRow(len(rows) + 1, "", UNKNOWN_SECTOR_NAME, rest))
    return tuple(rows), FormRow(None, ALL, TOTAL_LABEL, total)


def _recipient(unit: Unit, units: dict[str, Unit], province_name: str) -> str:
    province_office = f"{_people_committee(province_name)} (Văn phòng UBND tỉnh)"
    if unit.level == "commune" and unit.district_code in units:
        return _people_committee(units[unit.district_code].unit_name)
    if unit.level == "province":
        return VPCP
    return province_office


def build_report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    scope: Scope,
    sector: str | None = None,
) -> Bieu06Report:
    """Everything the form prints for ``scope`` and ``period`` (one sector with ``sector``)."""
    as_of_d = warehouse_date(con)
    if period.is_standard and period.basis == warehouse_basis(con):
        is_complete, as_of = _standard_period_status(con, period)
        figures = rpt_figures(con, period.period_type, period.start)
        source = "marts.rpt_bieu06"
    else:
        if period.start > as_of_d:
            raise PipelineError(
                f"the period {period.text} starts after the warehouse's date {as_of_d}"
            )
        as_of = min(period.end, as_of_d)
        is_complete = period.end <= as_of_d
        figures = on_demand_figures(con, period.start, period.end, as_of_d)
        source = "on demand (marts.fct_dossier)"
        if period.is_standard:  # a period on the other calendar than the warehouse's
            cutoff = period.basis == periods.CUTOFF
            source += ", cut-off calendar" if cutoff else ", calendar months"
    names = sector_names(con)
    if sector == ALL:
        sector = None
    if sector is not None and sector not in names and not any(s == sector for _, s in figures):
        known = ", ".join(sorted(names)) or "none"
        raise PipelineError(f"unknown sector '{sector}' (sectors of the catalogue: {known})")
    units = _units(con, period)
    for unit_code, _ in figures:
        if unit_code not in units:  # a unit that is not in the registry (kept, as the marts do)
            units[unit_code] = Unit(unit_code, unit_code, None, None, False)
    province_code, province_name = _province(con)
    report_units: list[Unit]
    if scope.level == "unit":
        if scope.code not in units:
            raise PipelineError(f"unknown unit '{scope.code}' (not in marts.dim_unit)")
        own = units[scope.code]
        scope_name = own.unit_name
        report_units = [own]
    elif scope.level == "district":
        district = units.get(scope.code)
        if district is None or district.level != "district":
            known = ", ".join(sorted(u.unit_code for u in units.values() if u.level == "district"))
            raise PipelineError(
                f"'{scope.code}' is not a district-level unit (districts: {known or 'none'})"
            )
        scope_name = district.unit_name
        report_units = [u for u in units.values() if u.district_code == scope.code]
    else:
        if scope.code is not None and scope.code != province_code:
            raise PipelineError(
                f"'{scope.code}' is not the province (the province is {province_code})"
            )
        scope = Scope("province", province_code)
        scope_name = province_name
        report_units = list(units.values())
    report_units.sort(key=lambda u: u.sort_key)
    codes = [u.unit_code for u in report_units]

    report = Bieu06Report(scope, scope_name, period, as_of, is_complete, source, sector)
    rows, total = _form_rows(figures, codes, names, sector)
    if scope.level == "unit":
        own = report_units[0]
        report.sheets.append(
            FormSheet(
                own.unit_code,
                own.unit_code,
                own.level,
                FORM_NUMBER_UNIT,
                own.unit_name,
                _recipient(own, units, province_name),
                _place(own.unit_name if own.level != "department" else province_name),
                rows,
                total,
            )
        )
        return report
    combined_name = _people_committee(scope_name)
    report.sheets.append(
        FormSheet(
            "Tổng hợp",
            scope.code,
            scope.level,
            FORM_NUMBER_COMBINED,
            combined_name,
            VPCP
            if scope.level == "province"
            else f"{_people_committee(province_name)} (Văn phòng UBND tỉnh)",
            _place(scope_name),
            rows,
            total,
        )
    )
    for unit in report_units:
        unit_rows, unit_total = _form_rows(figures, [unit.unit_code], names, sector)
        has_figures = any(any(r.values) for r in unit_rows) or any(unit_total.values)
        if not (unit.runs_in_period or has_figures):
            continue
        report.sheets.append(
            FormSheet(
                unit.unit_code,
                unit.unit_code,
                unit.level,
                FORM_NUMBER_UNIT,
                unit.unit_name,
                _recipient(unit, units, province_name),
                _place(unit.unit_name if unit.level != "department" else province_name),
                unit_rows,
                unit_total,
            )
        )
    return report


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = (
    "scope_level",
    "scope_code",
    "scope_name",
    "period_type",
    "period_label",
    "period_start",
    "period_end",
    "as_of_date",
    "is_complete",
    "tt",
    "sector_code",
    "sector_name",
    *COLUMNS,
)


def csv_rows(report: Bieu06Report) -> list[tuple]:
    """The scope's own rows (sector rows, then the total; one sector with --sector)."""
    sheet = report.main
    lines = list(sheet.rows)
    if report.sector is None:
        lines.append(sheet.total)
    head = (
        report.scope.level,
        report.scope.code,
        report.scope_name,
        report.period.period_type,
        report.period.text,
        report.period.start.isoformat(),
        report.period.end.isoformat(),
        report.as_of.isoformat(),
        "true" if report.is_complete else "false",
    )
    return [
        (*head, "" if r.number is None else r.number, r.sector_code, r.label, *r.values)
        for r in lines
    ]


def write_csv(report: Bieu06Report, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_rows(report))


# --- entry point -----------------------------------------------------------------------------


def export_bieu06(
    warehouse: Path,
    period: Period,
    scope: Scope,
    out: Path,
    *,
    sector: str | None = None,
    fmt: str = "xlsx",
) -> Bieu06Report:
    """Write the form for ``scope`` and ``period`` from the published warehouse (opened
    read-only) to ``out`` as an xlsx workbook or a csv file."""
    if not warehouse.exists():
        raise PipelineError(
            f"no published warehouse at {warehouse}: run `motcua run --date ...` first"
        )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        report = build_report(con, period, scope, sector)
    finally:
        con.close()
    if fmt == "csv":
        write_csv(report, out)
    elif fmt == "xlsx":
        from motcua.reports.workbook import write_workbook

        write_workbook(report, out)
    else:
        raise PipelineError(f"unknown format '{fmt}' (xlsx or csv)")
    return report
