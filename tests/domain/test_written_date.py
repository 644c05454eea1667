"""Dates as letters write them (GOV.UK style, RULES.md section 13's letters and every explanation)."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from domain.dates import written_date
from domain.eligibility import _day


def test_a_date_is_written_day_month_year_without_a_leading_zero() -> None:
    assert written_date(date(2026, 1, 16)) == "16 January 2026"
    assert written_date(date(2026, 2, 28)) == "28 February 2026"
    assert written_date(date(2027, 1, 4)) == "4 January 2027"
    assert written_date(date(2026, 12, 31)) == "31 December 2026"


@given(st.dates())
def test_explanations_and_letters_write_every_date_the_same_way(d: date) -> None:
    assert _day(d) == written_date(d)
    day, month, year = written_date(d).split(" ")
    assert (int(day), int(year)) == (d.day, d.year) and month == d.strftime("%B")
