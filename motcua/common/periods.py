"""Reporting periods on the two calendars a province reports by.

* ``calendar``: a month is the month; a quarter, a half, nine months and a year run from the
  first day of their first month to the last day of their last month.
* ``cutoff``: the official cut-off of periodic reports (Nghị định 09/2019/NĐ-CP, Điều 12
  "Thời gian chốt số liệu báo cáo trong chế độ báo cáo định kỳ"): a month runs from the 15th of
  the month before to the 14th of the month; a quarter from the 15th of the month before it to the
  14th of its last month; six months from 15 December of the year before (or 15 June) to 14 June
  (or 14 December); a year from 15 December of the year before to 14 December. The Decree has no
  nine-month report; provinces that ask for one use 15 December to 14 September (e.g. Khánh Hòa,
  QĐ 01/2023/QĐ-UBND, Điều 4), and so does motcua. A trailing twelve months ends with a cut-off
  month. See docs/reports.md, "The reporting calendar".

The warehouse computes its periods on the calendar named by ``MOTCUA_REPORTING_CALENDAR``
(``calendar``, the default, or ``cutoff``); ``rpt_bieu06`` and ``ind_cohort`` say which in
``period_basis``. A change of the setting rebuilds the warehouse (motcua.warehouse.build
fingerprints it). ``int_periods`` (with ``macros/reporting_calendar.sql``) writes the same rule in
SQL; tests/warehouse/test_reporting_calendar.py holds the two equal.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import os
from collections.abc import Mapping

from motcua.common.errors import PipelineError

CALENDAR = "calendar"
CUTOFF = "cutoff"
BASES = (CALENDAR, CUTOFF)
ENV_VAR = "MOTCUA_REPORTING_CALENDAR"
CUTOFF_DAY = 14  # the last day of a cut-off month; the next one starts on the 15th

#: (first month, last month) of each standard period type with a number.
QUARTERS = {q: (3 * q - 2, 3 * q) for q in (1, 2, 3, 4)}
HALVES = {1: (1, 6), 2: (7, 12)}


def reporting_calendar(environ: Mapping[str, str] | None = None) -> str:
    """The value of ``MOTCUA_REPORTING_CALENDAR`` (default ``calendar``), checked."""
    env = os.environ if environ is None else environ
    value = (env.get(ENV_VAR) or CALENDAR).strip().lower()
    if value not in BASES:
        raise PipelineError(
            f"{ENV_VAR}={value!r} is not a reporting calendar: use "
            f"{' or '.join(BASES)} (see docs/reports.md, 'The reporting calendar')"
        )
    return value


def check_basis(basis: str) -> str:
    if basis not in BASES:
        raise ValueError(f"unknown period basis {basis!r}: use {' or '.join(BASES)}")
    return basis


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def span(year: int, first_month: int, last_month: int, basis: str) -> tuple[dt.date, dt.date]:
    """The days [start, end] of the months ``first_month``..``last_month`` of ``year``."""
    check_basis(basis)
    if basis == CALENDAR:
        last_day = _calendar.monthrange(year, last_month)[1]
        return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)
    before_year, before_month = _month_before(year, first_month)
    return (
        dt.date(before_year, before_month, CUTOFF_DAY + 1),
        dt.date(year, last_month, CUTOFF_DAY),
    )


def bounds(period_type: str, year: int, number: int | None, basis: str) -> tuple[dt.date, dt.date]:
    """[start, end] of a standard period: ``number`` is the month (``month``), the quarter
    (``quarter``) or the half (``half``); unused for ``nine_months`` and ``year``."""
    if period_type == "month":
        return span(year, number, number, basis)
    if period_type == "quarter":
        return span(year, *QUARTERS[number], basis)
    if period_type == "half":
        return span(year, *HALVES[number], basis)
    if period_type == "nine_months":
        return span(year, 1, 9, basis)
    if period_type == "year":
        return span(year, 1, 12, basis)
    raise ValueError(f"unknown period type {period_type!r}")


def month_of(day: dt.date, basis: str) -> tuple[int, int]:
    """(year, month) of the month that holds ``day`` on ``basis``."""
    check_basis(basis)
    if basis == CALENDAR or day.day <= CUTOFF_DAY:
        return day.year, day.month
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def standard_of(start: dt.date, end: dt.date) -> tuple[str, str, int, int | None] | None:
    """(period_type, basis, year, number) of the standard period that is exactly [start, end]."""
    for basis in BASES:
        year, last = month_of(end, basis)
        candidates = [("month", last)]
        candidates += [("quarter", q) for q, (_, m) in QUARTERS.items() if m == last]
        candidates += [("half", h) for h, (_, m) in HALVES.items() if m == last]
        if last == 9:
            candidates.append(("nine_months", None))
        if last == 12:
            candidates.append(("year", None))
        for period_type, number in candidates:
            if bounds(period_type, year, number, basis) == (start, end):
                return period_type, basis, year, number
    return None
