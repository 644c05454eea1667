"""The date conventions of RULES.md section 2: periods by the UK "corresponding date" rule.

All rule dates are calendar dates in Europe/London, so these work on `date`, never `datetime`.
Both functions that add months are cached: they are pure, `relativedelta` arithmetic costs
microseconds, and an assessment asks the same question for many complaints.
"""

from calendar import monthrange
from dataclasses import dataclass
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


# --- periods a procedure states in months or in days (RULES.md section 11) ---

MONTHS = "months"
DAYS = "days"


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time as a procedure writes it: whole months (the corresponding-date rule) or days.

    Validation (how long a period may be) is the policy's: here it is only a value.
    """

    count: int
    unit: str = MONTHS  # MONTHS or DAYS

    def to_dict(self) -> dict[str, int]:
        """As the API writes it: {"months": 1} or {"days": 30}."""
        return {self.unit: self.count}


def last_in_time(incident: date, period: Period) -> date:
    """The last reported date in time for an incident: the months rule of section 2, or incident + N days."""
    if period.unit == DAYS:
        return incident + timedelta(days=period.count)
    return last_in_time_reported_date(incident, period.count)


def window_ending_with(received: date, period: Period) -> tuple[date, date]:
    """The lookback window ending with the received date: section 2's months, or received - N days + 1 .. received."""
    if period.unit == DAYS:
        _require_date(received, "received date")
        return received - timedelta(days=period.count - 1), received
    return lookback_window(received, period.count)


# A whole Gregorian cycle: every pattern of month lengths and leap years occurs in it, and then repeats.
_CYCLE_START_YEAR = 2000
_CYCLE_YEARS = 400


def _shift_months(d: date, months: int) -> date:
    """`d` moved by whole months, clamped to the target month's last day (relativedelta's rule, without its cost)."""
    years, month0 = divmod(d.month - 1 + months, 12)
    year = d.year + years
    return date(year, month0 + 1, min(d.day, monthrange(year, month0 + 1)[1]))


@lru_cache(maxsize=256)
def _span_extremes(months: int, backwards: bool) -> tuple[int, int]:
    # Every day of a month up to the 28th gives the same span as its 1st (no month is shorter than 28
    # days, so nothing is clamped); only the 1st and the 29th to 31st need looking at.
    spans = []
    for year in range(_CYCLE_START_YEAR, _CYCLE_START_YEAR + _CYCLE_YEARS):
        for month in range(1, 13):
            last = monthrange(year, month)[1]
            for day in (1, 29, 30, 31):
                if day > last:
                    break
                d = date(year, month, day)
                if backwards:  # a lookback: how many days the window ending with d holds
                    spans.append((d - _shift_months(d, -months)).days)
                else:  # a reporting window: how many days after the incident one may still report
                    corresponding = _shift_months(d, months)
                    last_day = corresponding if corresponding.day != day else corresponding - _ONE_DAY
                    spans.append((last_day - d).days)
    return min(spans), max(spans)


def span_days_range(period: Period, *, lookback: bool) -> tuple[int, int]:
    """The fewest and most days a period gives on any date: (N, N) for N days; for months it depends on the date.

    A reporting window's span is the days from the incident to its last in-time reported date; a
    lookback's is the number of days in the window. Used to tell whether one period is ever longer
    than another (a national floor, RULES.md section 11).
    """
    if period.unit == DAYS:
        return period.count, period.count
    return _span_extremes(period.count, lookback)
