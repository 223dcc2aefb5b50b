"""The two reporting calendars (motcua.common.periods), against dates worked out by hand from
Nghị định 09/2019/NĐ-CP, Điều 12 (15th of the month before .. 14th)."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.common import periods
from motcua.common.errors import PipelineError

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("day", "basis", "month"),
    [
        ("2009-03-14", "cutoff", (2009, 3)),  # the last day of the cut-off March
        ("2009-03-15", "cutoff", (2009, 4)),  # the first day of the cut-off April
        ("2009-12-14", "cutoff", (2009, 12)),
        ("2009-12-15", "cutoff", (2010, 1)),  # already in next year's January (and year)
        ("2009-02-28", "cutoff", (2009, 3)),
        ("2009-03-14", "calendar", (2009, 3)),
        ("2009-03-15", "calendar", (2009, 3)),
        ("2009-12-31", "calendar", (2009, 12)),
    ],
)
def test_the_month_that_holds_a_day(day, basis, month):
    assert periods.month_of(D(day), basis) == month


def test_every_standard_period_is_recognised_from_its_dates():
    for basis in periods.BASES:
        for year in (2008, 2009, 2024):  # 2008 and 2024 are leap years
            kinds = [("month", m) for m in range(1, 13)]
            kinds += [("quarter", q) for q in range(1, 5)] + [("half", 1), ("half", 2)]
            kinds += [("nine_months", None), ("year", None)]
            for kind, number in kinds:
                start, end = periods.bounds(kind, year, number, basis)
                assert periods.standard_of(start, end) == (kind, basis, year, number)


def test_cutoff_periods_tile_the_year_without_gap_or_overlap():
    months = [periods.bounds("month", 2009, m, "cutoff") for m in range(1, 13)]
    assert months[0][0] == D("2008-12-15") and months[-1][1] == D("2009-12-14")
    for (_, end), (start, _) in zip(months, months[1:], strict=False):
        assert start - end == dt.timedelta(days=1)
    assert periods.bounds("year", 2009, None, "cutoff") == (months[0][0], months[-1][1])
    assert periods.bounds("quarter", 2009, 2, "cutoff") == (months[3][0], months[5][1])


def test_ranges_that_are_no_standard_period():
    assert periods.standard_of(D("2009-02-01"), D("2009-04-30")) is None
    assert periods.standard_of(D("2008-12-16"), D("2009-03-14")) is None
    assert periods.standard_of(D("2009-01-15"), D("2009-03-14")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "calendar"), ("", "calendar"), ("cutoff", "cutoff"), (" CutOff ", "cutoff")],
)
def test_the_setting(value, expected):
    env = {} if value is None else {"MOTCUA_REPORTING_CALENDAR": value}
    assert periods.reporting_calendar(env) == expected


def test_a_bad_setting_says_what_is_accepted():
    with pytest.raises(PipelineError, match="use calendar or cutoff"):
        periods.reporting_calendar({"MOTCUA_REPORTING_CALENDAR": "fiscal"})
