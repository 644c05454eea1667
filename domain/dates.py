"""The date conventions of RULES.md section 2: periods by the UK "corresponding date" rule.

All rule dates are calendar dates in Europe/London, so these work on `date`, never `datetime`.
Both functions that add months are cached: they are pure, `relativedelta` arithmetic costs
microseconds, and an assessment asks the same question for many complaints.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

_ONE_DAY = timedelta(days=1)


def _require_months(months: int) -> None:
    # bool is an int; True months would be a typing slip, not a period.
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValueError(f"a period must be a whole number of months, at least 1 (got {months!r})")


def _require_date(value: date, name: str) -> None:
    # A datetime is a date subclass: it would be accepted and then compare wrongly with dates.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{name} must be a calendar date (got {value!r})")


@lru_cache(maxsize=8192, typed=True)
def last_in_time_reported_date(incident: date, months: int = 1) -> date:
    """The last day of the `months`-month period beginning with the incident date.

    The period ends the day before the same day-of-month `months` later; when that month has no
    such day (31 Jan + 1 month), it ends on that month's last day (28 Feb), not a day earlier.
    """
    _require_date(incident, "incident date")
    _require_months(months)
    corresponding = incident + relativedelta(months=months)
    if corresponding.day != incident.day:  # relativedelta clamped to a shorter month's last day
        return corresponding
    return corresponding - _ONE_DAY


def reported_in_time(incident: date, reported: date, months: int = 1) -> bool:
    """Whether a complaint was reported within `months` of its incident (check 4 of section 3).

    A report before its incident is not a late report but impossible input, so it is refused.
    """
    _require_date(reported, "reported date")
    if reported < incident:
        raise ValueError(f"reported date {reported.isoformat()} is before incident date {incident.isoformat()}")
    return reported <= last_in_time_reported_date(incident, months)


@lru_cache(maxsize=4096, typed=True)
def lookback_window(received: date, months: int = 6) -> tuple[date, date]:
    """The `months` months ending with the received date: (first day, last day), both inclusive.

    The window starts the day after the date `months` calendar months before `received`,
    that date clamped to the month's last day when the month is shorter (31 Aug -> 28 Feb -> 1 Mar).
    """
    _require_date(received, "received date")
    _require_months(months)
    return received - relativedelta(months=months) + _ONE_DAY, received


_MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def written_date(d: date) -> str:
    """A date as a letter writes it (GOV.UK style): 16 January 2026, no leading zero, no weekday."""
    return f"{d.day} {_MONTH_NAMES[d.month]} {d.year}"
