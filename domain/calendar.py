"""Working days and review deadlines (RULES.md sections 1, 7 and 8).

A partnership counts time in working days: Monday to Friday, except the bank holidays of its
calendar (GB, subdivision ENG for Havant) and its own closure days. The review is due
`review_due_working_days` working days after the received date, the received date itself not
counted. Nothing here reads the clock: "today" is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday is 0, so Saturday and Sunday are 5 and 6

# No real calendar has a year without a working day; a longer run means a misconfiguration,
# and stopping beats looping until date.max.
_MAX_NON_WORKING_RUN = 366


@cache
def _bank_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """The weekday bank holidays of one year, built once: `holidays` is slow to build.

    The package also lists a holiday's nominal date when it falls at a weekend (Boxing Day on
    Saturday 26 Dec 2026) next to its weekday substitute (Monday 28 Dec). Only the weekday ones
    are bank holidays in the gov.uk sense, and only they can take away a working day.
    """
    observed = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(d for d in observed if d.year == year and d.weekday() < _SATURDAY)


@cache
def _supported() -> dict[str, list[str]]:
    return holidays.list_supported_countries()


@cache
def calendar_problem(country: str, subdivision: str | None) -> tuple[str, str] | None:
    """Why `holidays` cannot supply this calendar, as (the field at fault, a message), or None when it can.

    Checked when a policy is published, so that an unknown calendar is refused then rather than
    failing later, when a due date is first worked out.
    """
    subdivisions = _supported().get(country)
    if subdivisions is None:
        return "country", f"calendar.country {country!r} is not a country whose bank holidays are known"
    if subdivision is None:
        if subdivisions:
            return "subdivision", (
                f"country {country} needs a subdivision (calendar.subdivision, one of {', '.join(subdivisions)}): "
                "without one its regional bank holidays are missing"
            )
        return None
    if subdivision not in subdivisions:
        choices = f"one of {', '.join(subdivisions)}" if subdivisions else "none: it has no regional bank holidays"
        return "subdivision", f"calendar.subdivision {subdivision!r} is not a subdivision of {country} ({choices})"
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as unknown:
        return "subdivision", f"calendar.subdivision {subdivision!r} of {country} is not supported: {unknown}"
    return None


def _check_known(country: str, subdivision: str | None) -> None:
    """Refuse a calendar `holidays` cannot supply."""
    problem = calendar_problem(country, subdivision)
    if problem is not None:
        raise ValueError(f"unknown holiday calendar country={country!r} subdivision={subdivision!r}: {problem[1]}")


def _weekdays_through(d: date) -> int:
    """Mondays-to-Fridays from 1 Jan of year 1 (a Monday) up to and including d."""
    weeks, extra_days = divmod(d.toordinal(), 7)
    return weeks * 5 + min(extra_days, 5)


@dataclass(frozen=True)
class WorkingCalendar:
    """A partnership's working days: a hashable value, so it can key caches and sit in policies.

    `subdivision` must be given whenever the country has subdivisions: for GB without "ENG"
    the `holidays` package leaves out Easter Monday and the other English bank holidays.
    """

    country: str
    subdivision: str | None
    closure_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # A set (or list) would make the value unhashable; keep whatever was given as a frozenset.
        closure_days = frozenset(self.closure_days)
        for day in closure_days:
            # datetime is a date subclass but never equals a date, so it would silently not close.
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"closure day {day!r} is not a calendar date")
        object.__setattr__(self, "closure_days", closure_days)

        _check_known(self.country, self.subdivision)

    def bank_holidays(self, year: int) -> frozenset[date]:
        """The bank holidays (Monday to Friday) of `year`; closure days are not included."""
        return _bank_holidays(self.country, self.subdivision, year)

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday, not a bank holiday, not a closure day (RULES.md section 1)."""
        return d.weekday() < _SATURDAY and d not in self.bank_holidays(d.year) and d not in self.closure_days

    def add_working_days(self, start: date, n: int) -> date:
        """The date `n` working days after `start`; `start` itself is never counted.

        n == 0 returns `start` unchanged, even when `start` is not a working day.
        """
        if n < 0:
            raise ValueError(f"cannot add a negative number of working days ({n})")
        day, run = start, 0
        while n > 0:
            day += _ONE_DAY
            if self.is_working_day(day):
                n, run = n - 1, 0
            else:
                run += 1
                if run > _MAX_NON_WORKING_RUN:
                    raise ValueError(f"no working day for over a year after {day - run * _ONE_DAY}")
        return day

    def due_date(self, received: date, working_days: int) -> date:
        """RULES.md section 8: `working_days` working days after the received date."""
        return self.add_working_days(received, working_days)

    def working_days_after(self, a: date, b: date) -> int:
        """How many working days d have a < d <= b (0 when b <= a).

        Counted arithmetically (weekdays, less the weekday holidays and closures in range), so a
        long-overdue case costs no more than a new one.
        """
        if b <= a:
            return 0
        weekdays = _weekdays_through(b) - _weekdays_through(a)
        days_off: set[date] = set(self.closure_days)
        for year in range(a.year, b.year + 1):
            days_off |= self.bank_holidays(year)
        lost = sum(1 for d in days_off if a < d <= b and d.weekday() < _SATURDAY)
        return weekdays - lost


def working_days_left(cal: WorkingCalendar, due: date, on: date) -> int:
    """RULES.md section 8: working days after `on` up to and including `due` (0 on the day).

    Once the due date has passed the count is negative: minus the working days after `due`
    up to and including `on`. So it falls by one each working day and stands still otherwise.
    """
    if on <= due:
        return cal.working_days_after(on, due)
    return -cal.working_days_after(due, on)


class DeadlineState(StrEnum):
    """Where one application stands against its review deadline (RULES.md section 8)."""

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DELAY_NOTIFIED = "delay_notified"
    COMPLETED_IN_TIME = "completed_in_time"
    COMPLETED_LATE = "completed_late"


def deadline_state(
    cal: WorkingCalendar,
    *,
    due: date,
    on: date,
    completed_on: date | None = None,
    delay_notified_on: date | None = None,
    due_soon_days: int = 5,
) -> DeadlineState:
    """The deadline state as seen on date `on`.

    Facts dated after `on` were not yet known then, so they are ignored: that keeps a past
    deadline view reproducible. Completion is judged against the statutory due date, never a
    delay notice's new target: a notice explains lateness, it does not excuse it.

    `delay_notified_on` is the date of the application's first delay notice. Only a notice dated
    on or before `due` gives `delay_notified` (RULES.md section 14): one given after the due date
    is still a recorded fact, but the applicant was not told before it passed, so the state stays
    `overdue`. Notices are dated in order (CaseReview.notify_delay), so when the first is late,
    every later one is too.
    """
    if due_soon_days < 0:
        raise ValueError(f"due_soon_days must be 0 or more, not {due_soon_days}")
    if completed_on is not None and completed_on <= on:
        if completed_on <= due:
            return DeadlineState.COMPLETED_IN_TIME
        return DeadlineState.COMPLETED_LATE
    if delay_notified_on is not None and delay_notified_on <= on and delay_notified_on <= due:
        return DeadlineState.DELAY_NOTIFIED
    if on > due:
        # Passed, even on the weekend straight after a Friday due date, when no working day
        # has gone by yet (working days left is still 0): the same test as completed_late.
        return DeadlineState.OVERDUE
    if working_days_left(cal, due, on) <= due_soon_days:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TRACK
