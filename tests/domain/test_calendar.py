"""Working days and deadlines (RULES.md sections 1, 7 and 8), without a database.

Bank holiday dates below were checked against the `holidays` package (GB, subdivision ENG) and
agree with gov.uk: Boxing Day 2026 is a Saturday, so its substitute is Monday 28 December.
"""

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

import domain.calendar as calendar_module
from domain.calendar import DeadlineState, WorkingCalendar, deadline_state, working_days_left

ENGLAND = WorkingCalendar(country="GB", subdivision="ENG")
REVIEW_DUE = 20  # Havant's review_due_working_days

# The partnership is shut between Christmas and New Year.
CLOSED_29_TO_31_DEC = WorkingCalendar(
    country="GB",
    subdivision="ENG",
    closure_days=frozenset({date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)}),
)

dates_2020_2030 = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


# --- RULES.md section 8 worked examples -------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 2), date(2026, 11, 30)),  # Mon -> Mon, no holidays
        (date(2026, 12, 14), date(2027, 1, 14)),  # Mon -> Thu, across Christmas and New Year
        (date(2026, 3, 20), date(2026, 4, 21)),  # Fri -> Tue, across Easter
    ],
)
def test_rules_section_8_worked_examples(received: date, due: date) -> None:
    assert ENGLAND.due_date(received, REVIEW_DUE) == due
    assert ENGLAND.add_working_days(received, REVIEW_DUE) == due


# --- bank holidays ---------------------------------------------------------------------------


def test_bank_holidays_of_england_2026_and_2027() -> None:
    assert ENGLAND.bank_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day (substitute): 26 Dec is a Saturday
    }
    assert ENGLAND.bank_holidays(2027) == {
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),
        date(2027, 5, 31),
        date(2027, 8, 30),
        date(2027, 12, 27),  # Christmas Day (substitute): 25 Dec is a Saturday
        date(2027, 12, 28),  # Boxing Day (substitute): 26 Dec is a Sunday
    }


def test_bank_holidays_leave_out_closure_days() -> None:
    assert CLOSED_29_TO_31_DEC.bank_holidays(2026) == ENGLAND.bank_holidays(2026)


def test_the_subdivision_matters_to_the_holidays_package() -> None:
    """Why the calendar insists on a subdivision: GB alone has no Easter Monday."""
    assert date(2026, 4, 6) not in holidays.country_holidays("GB", years=2026)
    assert date(2026, 4, 6) in holidays.country_holidays("GB", subdiv="ENG", years=2026)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 24), True),  # Thursday before Christmas
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 26), False),  # Saturday (Boxing Day's nominal date)
        (date(2026, 12, 28), False),  # Boxing Day substitute
        (date(2026, 12, 29), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 1, 4), True),
        (date(2026, 4, 2), True),
        (date(2026, 4, 3), False),  # Good Friday 2026
        (date(2026, 4, 6), False),  # Easter Monday 2026
        (date(2026, 4, 7), True),
        (date(2027, 3, 26), False),  # Good Friday 2027
        (date(2027, 3, 29), False),  # Easter Monday 2027
        (date(2027, 3, 30), True),
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2026, 11, 29), False),  # an ordinary Sunday
        (date(2026, 11, 30), True),  # an ordinary Monday
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert ENGLAND.is_working_day(day) is working


@pytest.mark.parametrize(
    ("received", "one_day_later", "due"),
    [
        # Christmas and New Year 2026-27: 25 Dec, 28 Dec and 1 Jan are skipped.
        (date(2026, 12, 24), date(2026, 12, 29), date(2027, 1, 26)),
        # Easter 2026: Good Friday 3 Apr and Easter Monday 6 Apr; May Day 4 May too.
        (date(2026, 4, 2), date(2026, 4, 7), date(2026, 5, 5)),
        # Easter 2027: Good Friday 26 Mar and Easter Monday 29 Mar.
        (date(2027, 3, 25), date(2027, 3, 30), date(2027, 4, 26)),
    ],
)
def test_due_dates_spanning_holidays(received: date, one_day_later: date, due: date) -> None:
    assert ENGLAND.add_working_days(received, 1) == one_day_later
    assert ENGLAND.due_date(received, REVIEW_DUE) == due


# --- received on a day that is not a working day ---------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 12, 18), date(2027, 1, 20)),  # Friday
        (date(2026, 12, 19), date(2027, 1, 20)),  # Saturday: counting starts Monday, as for Friday
        (date(2026, 12, 20), date(2027, 1, 20)),  # Sunday: likewise
        (date(2026, 12, 21), date(2027, 1, 21)),  # Monday: one day later
        (date(2026, 12, 28), date(2027, 1, 26)),  # Boxing Day substitute: as for Christmas Eve
        (date(2026, 4, 3), date(2026, 5, 5)),  # Good Friday: as for the Thursday before
    ],
)
def test_received_on_a_non_working_day(received: date, due: date) -> None:
    assert ENGLAND.due_date(received, REVIEW_DUE) == due


# --- closure days ----------------------------------------------------------------------------


def test_closure_days_are_not_working_days() -> None:
    for day in (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)):
        assert ENGLAND.is_working_day(day)
        assert not CLOSED_29_TO_31_DEC.is_working_day(day)
    assert CLOSED_29_TO_31_DEC.is_working_day(date(2027, 1, 4))


@pytest.mark.parametrize(
    ("received", "open_due", "closed_due"),
    [
        (date(2026, 12, 14), date(2027, 1, 14), date(2027, 1, 19)),  # three days later
        (date(2026, 12, 24), date(2027, 1, 26), date(2027, 1, 29)),
        (date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 30)),  # before the closure
    ],
)
def test_closure_days_move_due_dates_later(received: date, open_due: date, closed_due: date) -> None:
    assert ENGLAND.due_date(received, REVIEW_DUE) == open_due
    assert CLOSED_29_TO_31_DEC.due_date(received, REVIEW_DUE) == closed_due


def test_received_on_a_closure_day() -> None:
    # Received while shut on 30 Dec: the first counted day is Monday 4 January.
    assert CLOSED_29_TO_31_DEC.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 4)


# --- add_working_days and working_days_after edges -------------------------------------------


def test_zero_working_days_is_the_start_itself_even_at_a_weekend() -> None:
    assert ENGLAND.add_working_days(date(2026, 12, 26), 0) == date(2026, 12, 26)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        ENGLAND.add_working_days(date(2026, 11, 2), -1)


def test_working_days_after_counts_the_end_not_the_start() -> None:
    assert ENGLAND.working_days_after(date(2026, 11, 2), date(2026, 11, 2)) == 0
    assert ENGLAND.working_days_after(date(2026, 11, 2), date(2026, 11, 3)) == 1
    assert ENGLAND.working_days_after(date(2026, 11, 6), date(2026, 11, 9)) == 1  # Fri -> Mon
    assert ENGLAND.working_days_after(date(2026, 11, 30), date(2026, 11, 2)) == 0  # b before a
    assert ENGLAND.working_days_after(date(2026, 12, 24), date(2027, 1, 4)) == 4
    assert CLOSED_29_TO_31_DEC.working_days_after(date(2026, 12, 24), date(2027, 1, 4)) == 1


def test_a_calendar_without_working_days_stops_rather_than_looping() -> None:
    start = date(2030, 1, 1)
    shut = frozenset(start + timedelta(days=i) for i in range(400))
    cal = WorkingCalendar(country="GB", subdivision="ENG", closure_days=shut)
    with pytest.raises(ValueError, match="no working day"):
        cal.add_working_days(start - timedelta(days=1), 1)


# --- the calendar as a value -----------------------------------------------------------------


def test_calendar_is_a_hashable_value() -> None:
    a = WorkingCalendar(country="GB", subdivision="ENG", closure_days={date(2026, 12, 29)})
    b = WorkingCalendar(country="GB", subdivision="ENG", closure_days=frozenset({date(2026, 12, 29)}))
    assert a == b
    assert hash(a) == hash(b)
    assert isinstance(a.closure_days, frozenset)
    assert len({a, b, ENGLAND}) == 2
    with pytest.raises(AttributeError):
        a.country = "FR"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("country", "subdivision", "message"),
    [
        ("XX", "ENG", "unknown holiday calendar"),
        ("GB", "ZZZ", "unknown holiday calendar"),
        ("GB", None, "needs a subdivision"),
    ],
)
def test_unknown_or_incomplete_calendars_are_refused(country: str, subdivision: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(country=country, subdivision=subdivision)


def test_a_closure_day_must_be_a_date_not_a_timestamp() -> None:
    with pytest.raises(ValueError, match="not a calendar date"):
        WorkingCalendar(country="GB", subdivision="ENG", closure_days={datetime(2026, 12, 29, 9, 0)})


def test_holidays_are_built_once_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of due dates must not rebuild the slow `holidays` object each time."""
    built: list[object] = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        built.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar_module._bank_holidays.cache_clear()
    try:
        start = date(2026, 1, 1)
        for i in range(2000):
            ENGLAND.due_date(start + timedelta(days=i % 365), REVIEW_DUE)
        assert sorted(built) == [2026, 2027]
    finally:
        calendar_module._bank_holidays.cache_clear()


# --- working days left -----------------------------------------------------------------------


def test_working_days_left_around_the_due_date() -> None:
    due = date(2026, 11, 30)  # Monday
    assert working_days_left(ENGLAND, due, on=due) == 0
    assert working_days_left(ENGLAND, due, on=date(2026, 11, 27)) == 1  # Friday before
    assert working_days_left(ENGLAND, due, on=date(2026, 12, 1)) == -1  # first working day after


def test_working_days_left_stand_still_over_the_weekend_before_the_due_date() -> None:
    due = date(2026, 11, 30)
    friday, saturday, sunday = date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)
    assert [working_days_left(ENGLAND, due, on=d) for d in (friday, saturday, sunday)] == [1, 1, 1]


# One application, received Mon 14 Dec 2026, due Thu 14 Jan 2027, seen on many dates.
DECEMBER_RECEIVED = date(2026, 12, 14)
DECEMBER_DUE = date(2027, 1, 14)
DECEMBER_TABLE = [
    # on,                working days left, state
    (date(2026, 12, 14), 20, DeadlineState.ON_TRACK),  # received
    (date(2026, 12, 18), 16, DeadlineState.ON_TRACK),  # Friday
    (date(2026, 12, 19), 16, DeadlineState.ON_TRACK),  # Saturday
    (date(2026, 12, 20), 16, DeadlineState.ON_TRACK),  # Sunday
    (date(2026, 12, 21), 15, DeadlineState.ON_TRACK),
    (date(2026, 12, 24), 12, DeadlineState.ON_TRACK),
    (date(2026, 12, 25), 12, DeadlineState.ON_TRACK),  # Christmas Day
    (date(2026, 12, 28), 12, DeadlineState.ON_TRACK),  # Boxing Day substitute
    (date(2026, 12, 29), 11, DeadlineState.ON_TRACK),
    (date(2026, 12, 31), 9, DeadlineState.ON_TRACK),
    (date(2027, 1, 1), 9, DeadlineState.ON_TRACK),  # New Year's Day
    (date(2027, 1, 4), 8, DeadlineState.ON_TRACK),
    (date(2027, 1, 6), 6, DeadlineState.ON_TRACK),
    (date(2027, 1, 7), 5, DeadlineState.DUE_SOON),  # 5 or fewer left
    (date(2027, 1, 8), 4, DeadlineState.DUE_SOON),
    (date(2027, 1, 10), 4, DeadlineState.DUE_SOON),  # Sunday
    (date(2027, 1, 13), 1, DeadlineState.DUE_SOON),
    (date(2027, 1, 14), 0, DeadlineState.DUE_SOON),  # the due date
    (date(2027, 1, 15), -1, DeadlineState.OVERDUE),
    (date(2027, 1, 16), -1, DeadlineState.OVERDUE),  # Saturday
    (date(2027, 1, 17), -1, DeadlineState.OVERDUE),  # Sunday
    (date(2027, 1, 18), -2, DeadlineState.OVERDUE),
    (date(2027, 1, 21), -5, DeadlineState.OVERDUE),
]


def test_december_application_has_the_worked_example_due_date() -> None:
    assert ENGLAND.due_date(DECEMBER_RECEIVED, REVIEW_DUE) == DECEMBER_DUE


@pytest.mark.parametrize(("on", "left", "state"), DECEMBER_TABLE)
def test_one_application_seen_on_many_dates(on: date, left: int, state: DeadlineState) -> None:
    assert working_days_left(ENGLAND, DECEMBER_DUE, on=on) == left
    assert deadline_state(ENGLAND, due=DECEMBER_DUE, on=on) is state


# --- deadline state --------------------------------------------------------------------------


def state_on(on: date, **facts: date) -> DeadlineState:
    return deadline_state(ENGLAND, due=DECEMBER_DUE, on=on, **facts)


def test_every_open_state() -> None:
    assert state_on(date(2027, 1, 4)) is DeadlineState.ON_TRACK
    assert state_on(date(2027, 1, 7)) is DeadlineState.DUE_SOON
    assert state_on(date(2027, 1, 15)) is DeadlineState.OVERDUE
    assert state_on(date(2027, 1, 13), delay_notified_on=date(2027, 1, 12)) is DeadlineState.DELAY_NOTIFIED


def test_a_delay_notice_stays_the_state_after_the_due_date_passes() -> None:
    assert state_on(date(2027, 2, 1), delay_notified_on=date(2027, 1, 12)) is DeadlineState.DELAY_NOTIFIED


def test_a_delay_notice_counts_from_the_day_it_is_given() -> None:
    assert state_on(date(2027, 1, 12), delay_notified_on=date(2027, 1, 12)) is DeadlineState.DELAY_NOTIFIED


def test_a_delay_notice_dated_later_is_not_yet_known() -> None:
    notice = date(2027, 1, 20)
    assert state_on(date(2027, 1, 13), delay_notified_on=notice) is DeadlineState.DUE_SOON
    assert state_on(date(2027, 1, 15), delay_notified_on=notice) is DeadlineState.OVERDUE


def test_completed_on_the_due_date_is_in_time() -> None:
    completed = DECEMBER_DUE
    assert state_on(completed, completed_on=completed) is DeadlineState.COMPLETED_IN_TIME
    assert state_on(date(2027, 6, 1), completed_on=completed) is DeadlineState.COMPLETED_IN_TIME


def test_completed_the_working_day_after_the_due_date_is_late() -> None:
    completed = date(2027, 1, 15)
    assert state_on(completed, completed_on=completed) is DeadlineState.COMPLETED_LATE


def test_completed_late_even_after_a_delay_notice() -> None:
    """Lateness is judged against the statutory due date, not the notice's new target."""
    state = state_on(date(2027, 2, 1), completed_on=date(2027, 1, 25), delay_notified_on=date(2027, 1, 12))
    assert state is DeadlineState.COMPLETED_LATE


def test_completed_early_is_in_time() -> None:
    state = state_on(date(2027, 1, 4), completed_on=date(2026, 12, 22))
    assert state is DeadlineState.COMPLETED_IN_TIME


def test_a_completion_dated_later_is_not_yet_known() -> None:
    assert state_on(date(2027, 1, 4), completed_on=date(2027, 1, 8)) is DeadlineState.ON_TRACK
    assert state_on(date(2027, 1, 15), completed_on=date(2027, 1, 20)) is DeadlineState.OVERDUE
    assert (
        state_on(
            date(2027, 1, 13),
            completed_on=date(2027, 1, 20),
            delay_notified_on=date(2027, 1, 12),
        )
        is DeadlineState.DELAY_NOTIFIED
    )


def test_due_soon_days_is_a_parameter() -> None:
    on = date(2027, 1, 6)  # 6 working days left
    assert deadline_state(ENGLAND, due=DECEMBER_DUE, on=on) is DeadlineState.ON_TRACK
    assert deadline_state(ENGLAND, due=DECEMBER_DUE, on=on, due_soon_days=6) is DeadlineState.DUE_SOON
    assert deadline_state(ENGLAND, due=DECEMBER_DUE, on=DECEMBER_DUE, due_soon_days=0) is DeadlineState.DUE_SOON
    with pytest.raises(ValueError, match="due_soon_days"):
        deadline_state(ENGLAND, due=DECEMBER_DUE, on=on, due_soon_days=-1)


def test_state_values_are_the_api_words() -> None:
    assert [s.value for s in DeadlineState] == [
        "on_track",
        "due_soon",
        "overdue",
        "delay_notified",
        "completed_in_time",
        "completed_late",
    ]


# --- properties ------------------------------------------------------------------------------


@given(received=dates_2020_2030, n=st.integers(min_value=0, max_value=60))
def test_due_date_is_exactly_n_working_days_after_received(received: date, n: int) -> None:
    due = ENGLAND.due_date(received, n)
    assert ENGLAND.working_days_after(received, due) == n
    if n == 0:
        # Zero working days is the received date itself, which may be a weekend or holiday.
        assert due == received
    else:
        assert ENGLAND.is_working_day(due)
        # Nothing skipped: the day before the due date is at most n - 1 working days on.
        assert ENGLAND.working_days_after(received, due - timedelta(days=1)) == n - 1


closure_sets = st.frozensets(st.dates(min_value=date(2026, 11, 1), max_value=date(2027, 2, 28)), max_size=20)


@given(
    a=st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 3, 31)),
    span=st.integers(min_value=-10, max_value=150),
    closed=closure_sets,
)
def test_working_days_after_agrees_with_counting_day_by_day(a: date, span: int, closed: frozenset[date]) -> None:
    cal = WorkingCalendar(country="GB", subdivision="ENG", closure_days=closed)
    b = a + timedelta(days=span)
    by_hand = sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, span + 1))
    assert cal.working_days_after(a, b) == by_hand


@given(due=dates_2020_2030, on=dates_2020_2030)
def test_working_days_left_fall_by_one_on_each_working_day_only(due: date, on: date) -> None:
    tomorrow = on + timedelta(days=1)
    step = 1 if ENGLAND.is_working_day(tomorrow) else 0
    assert working_days_left(ENGLAND, due, tomorrow) == working_days_left(ENGLAND, due, on) - step


@given(due=dates_2020_2030, anywhere=dates_2020_2030)
def test_working_days_left_from_one_working_day_to_the_next(due: date, anywhere: date) -> None:
    last = ENGLAND.add_working_days(anywhere, 1)  # e.g. a Friday or the day before a holiday
    following = ENGLAND.add_working_days(last, 1)
    left = working_days_left(ENGLAND, due, last)
    assert working_days_left(ENGLAND, due, following) == left - 1
    day = last + timedelta(days=1)
    while day < following:  # the non-working days in between: the count stands still
        assert working_days_left(ENGLAND, due, day) == left
        day += timedelta(days=1)


@given(
    received=dates_2020_2030,
    n1=st.integers(min_value=0, max_value=60),
    n2=st.integers(min_value=0, max_value=60),
)
def test_add_working_days_is_monotonic_in_n(received: date, n1: int, n2: int) -> None:
    low, high = sorted((n1, n2))
    if low == high:
        assert ENGLAND.add_working_days(received, low) == ENGLAND.add_working_days(received, high)
    else:
        assert ENGLAND.add_working_days(received, low) < ENGLAND.add_working_days(received, high)


@given(due=dates_2020_2030, on=dates_2020_2030)
def test_the_sign_of_working_days_left_says_which_side_of_the_due_date(due: date, on: date) -> None:
    left = working_days_left(ENGLAND, due, on)
    if left > 0:
        assert on < due
    if left < 0:
        assert on > due
    if on == due:
        assert left == 0
