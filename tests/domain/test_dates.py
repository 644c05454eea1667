"""RULES.md section 2: "reported in time" and "the previous six months", by the corresponding-date rule."""

from datetime import date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from domain.dates import last_in_time_reported_date, lookback_window, reported_in_time

ONE_DAY = timedelta(days=1)


# --- the worked examples of section 2, word for word ---


@pytest.mark.parametrize(
    ("incident", "last_in_time"),
    [
        (date(2026, 1, 10), date(2026, 2, 9)),
        (date(2026, 1, 28), date(2026, 2, 27)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 12, 15), date(2027, 1, 14)),
    ],
)
def test_rules_reported_in_time_examples(incident: date, last_in_time: date) -> None:
    assert last_in_time_reported_date(incident) == last_in_time
    assert reported_in_time(incident, last_in_time)
    assert not reported_in_time(incident, last_in_time + ONE_DAY)


@pytest.mark.parametrize(
    ("received", "first_day"),
    [
        (date(2026, 7, 15), date(2026, 1, 16)),
        (date(2026, 8, 31), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2025, 9, 2)),
    ],
)
def test_rules_previous_six_months_examples(received: date, first_day: date) -> None:
    assert lookback_window(received) == (first_day, received)


# --- month ends and 29 February ---


@pytest.mark.parametrize(
    ("incident", "last_in_time"),
    [
        (date(2026, 1, 29), date(2026, 2, 28)),  # no 29 Feb in 2026: the month's last day
        (date(2026, 1, 30), date(2026, 2, 28)),
        (date(2028, 1, 29), date(2028, 2, 28)),  # 29 Feb 2028 exists: the day before it
        (date(2028, 1, 30), date(2028, 2, 29)),  # leap year: clamped to 29 Feb
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 28)),  # from 29 Feb itself
        (date(2026, 2, 28), date(2026, 3, 27)),
        (date(2026, 5, 31), date(2026, 6, 30)),  # a 30-day month follows
        (date(2026, 4, 30), date(2026, 5, 29)),
        (date(2026, 12, 31), date(2027, 1, 30)),  # over the year end
        (date(2026, 2, 1), date(2026, 2, 28)),  # the shortest period: 28 days
    ],
)
def test_reported_in_time_month_ends_and_leap_years(incident: date, last_in_time: date) -> None:
    assert last_in_time_reported_date(incident) == last_in_time


@pytest.mark.parametrize(
    ("received", "first_day"),
    [
        (date(2028, 8, 31), date(2028, 3, 1)),  # 6 months before is 29 Feb 2028 (clamped), then the day after
        (date(2028, 8, 29), date(2028, 3, 1)),  # exactly 29 Feb 2028
        (date(2028, 8, 28), date(2028, 2, 29)),  # window starts on 29 Feb
        (date(2026, 8, 29), date(2026, 3, 1)),  # no 29 Feb 2026: clamped to 28 Feb
        (date(2026, 8, 28), date(2026, 3, 1)),
        (date(2026, 8, 27), date(2026, 2, 28)),
        (date(2028, 2, 29), date(2027, 8, 30)),  # received on 29 Feb
        (date(2027, 2, 28), date(2026, 8, 29)),
        (date(2026, 12, 31), date(2026, 7, 1)),  # 30 Jun + 1 day
        (date(2026, 1, 1), date(2025, 7, 2)),  # over the year end
    ],
)
def test_window_month_ends_and_leap_years(received: date, first_day: date) -> None:
    assert lookback_window(received) == (first_day, received)


def test_the_lengths_are_parameters() -> None:
    assert last_in_time_reported_date(date(2026, 1, 31), months=2) == date(2026, 3, 30)
    assert last_in_time_reported_date(date(2025, 12, 31), months=2) == date(2026, 2, 28)
    assert lookback_window(date(2026, 7, 15), months=12) == (date(2025, 7, 16), date(2026, 7, 15))
    assert lookback_window(date(2026, 3, 31), months=1) == (date(2026, 3, 1), date(2026, 3, 31))
    assert reported_in_time(date(2026, 1, 10), date(2026, 3, 9), months=2)


def test_reported_on_the_incident_day_is_in_time() -> None:
    assert reported_in_time(date(2026, 1, 10), date(2026, 1, 10))


def test_a_report_before_its_incident_is_refused() -> None:
    with pytest.raises(ValueError, match="before incident date"):
        reported_in_time(date(2026, 1, 10), date(2026, 1, 9))


@pytest.mark.parametrize("months", [0, -1, True, 1.5])
def test_a_period_is_a_whole_number_of_months(months: object) -> None:
    with pytest.raises(ValueError, match="whole number of months"):
        last_in_time_reported_date(date(2026, 1, 10), months)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number of months"):
        lookback_window(date(2026, 1, 10), months)  # type: ignore[arg-type]


def test_a_datetime_is_not_a_rule_date() -> None:
    with pytest.raises(ValueError, match="calendar date"):
        lookback_window(datetime(2026, 7, 15, 12))


# --- properties ---

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
month_counts = st.integers(min_value=1, max_value=24)


@given(dates, month_counts)
def test_window_ends_on_received_and_starts_after_months_before(received: date, months: int) -> None:
    first, last = lookback_window(received, months)
    assert last == received
    before = received - relativedelta(months=months)
    assert first == before + ONE_DAY  # "from the day after the date six calendar months before A"
    assert first > before
    assert first <= received


@given(dates, dates)
def test_a_later_received_date_never_starts_the_window_earlier(a: date, b: date) -> None:
    a, b = min(a, b), max(a, b)
    assert lookback_window(a)[0] <= lookback_window(b)[0]


@given(dates)
def test_six_months_are_181_to_184_days(received: date) -> None:
    first, last = lookback_window(received)
    assert 181 <= (last - first).days + 1 <= 184


@given(dates, month_counts)
def test_in_time_period_contains_the_incident_and_is_at_least_28_days(incident: date, months: int) -> None:
    last = last_in_time_reported_date(incident, months)
    assert reported_in_time(incident, incident, months)
    assert (last - incident).days + 1 >= 28 * months
    assert last < incident + relativedelta(months=months + 1)


@given(dates)
def test_in_time_period_ends_the_day_before_the_corresponding_date(incident: date) -> None:
    last = last_in_time_reported_date(incident)
    day_after = last + ONE_DAY
    corresponding = incident + relativedelta(months=1)
    if corresponding.day == incident.day:  # the next month has the same day-of-month
        assert day_after == corresponding
    else:  # it has not: the period ends on that month's last day
        assert last == corresponding and day_after.day == 1


@given(dates, st.integers(min_value=0, max_value=70))
def test_reported_in_time_is_reported_on_or_before_the_last_in_time_day(incident: date, delay: int) -> None:
    reported = incident + timedelta(days=delay)
    assert reported_in_time(incident, reported) == (reported <= last_in_time_reported_date(incident))
