"""Reading ``--period`` and ``--scope`` (motcua.reports.bieu06): every form, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from motcua.reports.bieu06 import Period, Scope, parse_period, parse_scope

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("text", "period_type", "start", "end", "label"),
    [
        ("2009-03", "month", "2009-03-01", "2009-03-31", "Tháng 3 năm 2009"),
        ("2009-02", "month", "2009-02-01", "2009-02-28", "Tháng 2 năm 2009"),
        ("2008-02", "month", "2008-02-01", "2008-02-29", "Tháng 2 năm 2008"),
        ("2009-12", "month", "2009-12-01", "2009-12-31", "Tháng 12 năm 2009"),
        ("2009-Q1", "quarter", "2009-01-01", "2009-03-31", "Quý I năm 2009"),
        ("2009-Q2", "quarter", "2009-04-01", "2009-06-30", "Quý II năm 2009"),
        ("2009-Q3", "quarter", "2009-07-01", "2009-09-30", "Quý III năm 2009"),
        ("2009-q4", "quarter", "2009-10-01", "2009-12-31", "Quý IV năm 2009"),
        ("2009-H1", "half", "2009-01-01", "2009-06-30", "6 tháng đầu năm 2009"),
        ("2009-H2", "half", "2009-07-01", "2009-12-31", "6 tháng cuối năm 2009"),
        ("2009-9M", "nine_months", "2009-01-01", "2009-09-30", "9 tháng năm 2009"),
        ("2009", "year", "2009-01-01", "2009-12-31", "Năm 2009"),
        (" 2009-Q1 ", "quarter", "2009-01-01", "2009-03-31", "Quý I năm 2009"),
    ],
)
def test_standard_periods(text, period_type, start, end, label):
    period = parse_period(text)
    assert (period.period_type, period.start, period.end) == (period_type, D(start), D(end))
    assert period.is_standard
    assert period.label == label
    assert period.dates_line == (f"(Từ ngày {D(start):%d/%m/%Y} đến ngày {D(end):%d/%m/%Y})")


# The official cut-off (Nghị định 09/2019/NĐ-CP, Điều 12), worked out by hand from the Decree:
# month = 15th of the month before .. 14th; quarter = 15th of the month before it .. 14th of its
# last month; six months = 15/12 (or 15/06) .. 14/06 (or 14/12); year = 15/12 .. 14/12; nine months
# (provincial practice) = 15/12 .. 14/09.
@pytest.mark.parametrize(
    ("text", "period_type", "start", "end", "label"),
    [
        ("2009-03", "month", "2009-02-15", "2009-03-14", "Tháng 3 năm 2009"),
        ("2009-01", "month", "2008-12-15", "2009-01-14", "Tháng 1 năm 2009"),
        ("2009-12", "month", "2009-11-15", "2009-12-14", "Tháng 12 năm 2009"),
        ("2009-Q1", "quarter", "2008-12-15", "2009-03-14", "Quý I năm 2009"),
        ("2009-Q2", "quarter", "2009-03-15", "2009-06-14", "Quý II năm 2009"),
        ("2021-Q3", "quarter", "2021-06-15", "2021-09-14", "Quý III năm 2021"),
        ("2009-Q4", "quarter", "2009-09-15", "2009-12-14", "Quý IV năm 2009"),
        ("2009-H1", "half", "2008-12-15", "2009-06-14", "6 tháng đầu năm 2009"),
        ("2009-H2", "half", "2009-06-15", "2009-12-14", "6 tháng cuối năm 2009"),
        ("2009-9M", "nine_months", "2008-12-15", "2009-09-14", "9 tháng năm 2009"),
        ("2009", "year", "2008-12-15", "2009-12-14", "Năm 2009"),
    ],
)
def test_cutoff_periods(text, period_type, start, end, label):
    period = parse_period(text, "cutoff")
    assert (period.period_type, period.start, period.end) == (period_type, D(start), D(end))
    assert period.basis == "cutoff" and period.is_standard
    assert period.label == label
    assert period.dates_line == (f"(Từ ngày {D(start):%d/%m/%Y} đến ngày {D(end):%d/%m/%Y})")


def test_an_unknown_basis_is_refused():
    with pytest.raises(ValueError, match="unknown period basis 'fiscal'"):
        parse_period("2009-Q1", "fiscal")


def test_the_dates_line_of_a_quarter():
    assert parse_period("2009-Q1").dates_line == "(Từ ngày 01/01/2009 đến ngày 31/03/2009)"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2009-01-01..2009-02-15", "01/01/2009 – 15/02/2009"),
        ("2009-02-10..2009-02-10", "10/02/2009 – 10/02/2009"),
        ("2008-12-16..2009-03-14", "16/12/2008 – 14/03/2009"),
        # the official cut-off quarter (Nghị định 09/2019, Điều 12) is written as the quarter
        ("2008-12-15..2009-03-14", "Quý I năm 2009"),
        ("2009-02-15..2009-03-14", "Tháng 3 năm 2009"),
        # a range that is exactly a standard period is written as that period
        ("2009-01-01..2009-03-31", "Quý I năm 2009"),
        ("2009-07-01..2009-12-31", "6 tháng cuối năm 2009"),
        ("2009-01-01..2009-09-30", "9 tháng năm 2009"),
        ("2009-01-01..2009-12-31", "Năm 2009"),
        ("2009-02-01..2009-02-28", "Tháng 2 năm 2009"),
        ("2009-02-01..2009-04-30", "01/02/2009 – 30/04/2009"),  # three months, not a quarter
    ],
)
def test_explicit_ranges(text, label):
    period = parse_period(text)
    first, last = text.split("..")
    assert period == Period("range", D(first), D(last), text)
    assert not period.is_standard
    assert period.label == label


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read the period ''"),
        ("Q1", "cannot read the period 'Q1'"),
        ("09-03", "cannot read the period '09-03'"),
        ("2009-3", "cannot read the period '2009-3'"),
        ("2009-13", "there is no month 13"),
        ("2009-00", "there is no month 0"),
        ("2009-Q5", "cannot read the period '2009-Q5'"),
        ("2009-H3", "cannot read the period '2009-H3'"),
        ("2009-6M", "cannot read the period '2009-6M'"),
        ("2009/03", "cannot read the period '2009/03'"),
        ("2009-03-31..2009-01-01", "ends (2009-01-01) before it starts (2009-03-31)"),
        ("2009-02-30..2009-03-01", "'2009-02-30' is not a valid date"),
        ("2009-01-01..", "'' is not a date YYYY-MM-DD"),
        ("2009-1-1..2009-01-31", "'2009-1-1' is not a date YYYY-MM-DD"),
    ],
)
def test_bad_periods_fail_with_a_clear_message(text, message):
    with pytest.raises(ValueError) as error:
        parse_period(text)
    assert message in str(error.value)


def test_an_unreadable_period_lists_every_accepted_form():
    with pytest.raises(ValueError) as error:
        parse_period("last quarter")
    for form in ("YYYY-MM", "YYYY-Q1..Q4", "YYYY-H1", "YYYY-9M", "YYYY (a year)", ".."):
        assert form in str(error.value)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("unit:44501", Scope("unit", "44501")),
        ("unit:S01", Scope("unit", "S01")),
        ("district:445", Scope("district", "445")),
        ("province", Scope("province", None)),
        ("province:42", Scope("province", "42")),
    ],
)
def test_scopes(text, scope):
    assert parse_scope(text) == scope


@pytest.mark.parametrize("text", ["", "unit", "unit:", "44501", "commune:44501", "district"])
def test_bad_scopes_fail_with_a_clear_message(text):
    with pytest.raises(ValueError) as error:
        parse_scope(text)
    assert str(error.value) == (
        f"cannot read the scope '{text}': expected unit:<code>, district:<code> or province"
    )
