"""A partnership's published review procedure as data: its policy (RULES.md section 7).

A policy is versioned and never edited: a change is a new version with its own effective-from
date, so an assessment can always name the exact rules it used and be replayed under them.
Validation names the field at fault, so the API can answer `errors: [{field, message}]`.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any, Self

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The law (s.104 and the statutory guidance) caps the complaints a partnership may require at three.
LEGAL_MAX_COMPLAINTS = 3

# Upper bounds the rules do not state: they only keep nonsense (a 10**9-month window) from
# overflowing date arithmetic or looping over working days long after validation has passed.
_MAX_MONTHS = 120
_MAX_WORKING_DAYS = 366


class PolicyError(ValueError):
    """A policy parameter that breaks a rule; `field` names it (dotted inside `calendar`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NoPolicyInForce(ValueError):
    """No version of the policy had taken effect on the date asked about."""


def parse_month_day(text: str, field: str = "reporting_year_start") -> tuple[int, int]:
    """'MM-DD' (as the API writes a reporting year's start) to (month, day)."""
    match = _MONTH_DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise PolicyError(field, f"{field} must be written MM-DD, for example 04-01 (got {text!r})")
    month_day = (int(match.group(1)), int(match.group(2)))
    _check_month_day(month_day, field)
    return month_day


def format_month_day(month_day: tuple[int, int]) -> str:
    month, day = month_day
    return f"{month:02d}-{day:02d}"


def _check_month_day(month_day: Any, field: str) -> None:
    if (
        not isinstance(month_day, tuple)
        or len(month_day) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in month_day)
    ):
        raise PolicyError(field, f"{field} must be a (month, day) pair")
    try:
        date(2001, *month_day)  # a year without 29 Feb: every year must have the start day
    except ValueError:
        raise PolicyError(field, f"{field} {format_month_day(month_day)} is not a day that every year has") from None


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _parse_date(value: Any, field: str) -> date:
    if _is_date(value):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):  # YYYY-MM-DD only, as API.md writes dates
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PolicyError(field, f"{field} must be a date written YYYY-MM-DD (got {value!r})")


def _require_int(value: Any, field: str, low: int, high: int | None = None, why: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(field, f"{field} must be a whole number (got {value!r})")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        raise PolicyError(field, f"{field} must be {bounds}{why} (got {value})")


def _frozen_set(value: Any, field: str) -> frozenset:
    # A string is iterable too, but a list of its letters is never what was meant.
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise PolicyError(field, f"{field} must be a list")
    try:
        return frozenset(value)
    except TypeError:  # an unhashable item, such as a nested list
        raise PolicyError(field, f"{field} must be a list of plain values") from None


@dataclass(frozen=True)
class CalendarSpec:
    """Which working-day calendar the partnership keeps: bank holidays of a (sub)country, plus closures.

    Data only: `domain.calendar.WorkingCalendar` is built from it where working days are counted.
    """

    country: str = "GB"
    subdivision: str | None = "ENG"  # None only for a country without regional bank holidays
    closure_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.country, str) or not re.fullmatch(r"[A-Z]{2}", self.country):
            raise PolicyError("calendar.country", "calendar.country must be a two-letter code such as GB")
        if self.subdivision is not None and (
            not isinstance(self.subdivision, str) or not 1 <= len(self.subdivision) <= 10
        ):
            raise PolicyError("calendar.subdivision", "calendar.subdivision must be a code such as ENG")
        closure_days = _frozen_set(self.closure_days, "calendar.closure_days")
        for day in closure_days:
            if not _is_date(day):
                raise PolicyError("calendar.closure_days", f"closure day {day!r} is not a calendar date")
        object.__setattr__(self, "closure_days", closure_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "subdivision": self.subdivision,
            "closure_days": sorted(day.isoformat() for day in self.closure_days),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise PolicyError("calendar", 'calendar must be {"country", "subdivision", "closure_days"}')
        unknown = set(data) - {"country", "subdivision", "closure_days"}
        if unknown:
            name = sorted(unknown)[0]
            raise PolicyError(f"calendar.{name}", f"calendar.{name} is not a calendar parameter")
        days = data.get("closure_days", ())
        return cls(
            country=data.get("country", "GB"),
            subdivision=data.get("subdivision", "ENG"),
            closure_days=frozenset(
                _parse_date(day, "calendar.closure_days") for day in _frozen_set(days, "calendar.closure_days")
            ),
        )


@dataclass(frozen=True)
class Policy:
    """One version of a partnership's review procedure: the parameters the rules are decided by.

    Defaults are Havant's numbers; partner agencies have no sensible default and start empty.
    """

    name: str
    version: int
    effective_from: date
    individual_min_complaints: int = 3
    group_min_individuals: int = 5
    reporting_window_months: int = 1
    lookback_months: int = 6
    review_due_working_days: int = 20
    acknowledge_working_days: int | None = None
    threshold_decision_working_days: int | None = None
    outcome_letter_working_days: int | None = None
    reporting_year_start: tuple[int, int] = (4, 1)
    partner_agencies: frozenset[str] = frozenset()
    calendar: CalendarSpec = field(default_factory=CalendarSpec)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _SLUG.match(self.name):
            # Versions are named NAME@VERSION, so a name is a plain lower-case slug.
            raise PolicyError("name", "name must be a lower-case slug such as safer-havant")
        _require_int(self.version, "version", 1)
        if not _is_date(self.effective_from):
            raise PolicyError("effective_from", "effective_from must be a calendar date")
        _require_int(
            self.individual_min_complaints, "individual_min_complaints", 1, LEGAL_MAX_COMPLAINTS,
            ": the law caps the number of complaints a partnership may require at three",
        )  # fmt: skip
        _require_int(self.group_min_individuals, "group_min_individuals", 2, None, ": a group has two or more people")
        _require_int(self.reporting_window_months, "reporting_window_months", 1, _MAX_MONTHS)
        _require_int(self.lookback_months, "lookback_months", 1, _MAX_MONTHS)
        _require_int(self.review_due_working_days, "review_due_working_days", 1, _MAX_WORKING_DAYS)
        for name in ("acknowledge_working_days", "threshold_decision_working_days", "outcome_letter_working_days"):
            if getattr(self, name) is not None:  # None: the step is not tracked
                _require_int(getattr(self, name), name, 1, _MAX_WORKING_DAYS)
        _check_month_day(self.reporting_year_start, "reporting_year_start")
        agencies = _frozen_set(self.partner_agencies, "partner_agencies")
        for agency in agencies:
            if not isinstance(agency, str) or not _SLUG.match(agency):
                raise PolicyError(
                    "partner_agencies",
                    f"each of partner_agencies must be a lower-case slug such as hampshire-constabulary (got {agency!r})",
                )
        object.__setattr__(self, "partner_agencies", agencies)
        if not isinstance(self.calendar, CalendarSpec):
            raise PolicyError("calendar", "calendar must be a CalendarSpec")

    def to_dict(self) -> dict[str, Any]:
        """JSON primitives only, as a published version is stored and served."""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["effective_from"] = self.effective_from.isoformat()
        data["reporting_year_start"] = format_month_day(self.reporting_year_start)
        data["partner_agencies"] = sorted(self.partner_agencies)
        data["calendar"] = self.calendar.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of `to_dict`; parameters left out take the defaults (Havant's numbers)."""
        if not isinstance(data, Mapping):
            raise PolicyError("policy", "a policy must be an object of parameters")
        for required in ("name", "version", "effective_from"):
            if required not in data:
                raise PolicyError(required, f"{required} is required")
        return cls(**_parsed(data))

    def with_changes(self, **params: Any) -> Self:
        """A new version from this one: parameters not given are taken from it, all are validated.

        Values may be typed (a `date`) or as the API writes them (an ISO string, "MM-DD", a list).
        A partial `calendar` object keeps this version's values for the calendar fields it leaves out.
        """
        if isinstance(params.get("calendar"), Mapping):
            params["calendar"] = {**self.calendar.to_dict(), **params["calendar"]}
        return replace(self, **_parsed(params))


_FIELD_NAMES = frozenset(f.name for f in fields(Policy))


def _parsed(params: Mapping[str, Any]) -> dict[str, Any]:
    """API-shaped values to typed ones; typed values pass through; unknown names are refused."""
    unknown = set(params) - _FIELD_NAMES
    if unknown:
        name = sorted(unknown)[0]
        raise PolicyError(name, f"{name} is not a policy parameter")
    typed = dict(params)
    if "effective_from" in typed:
        typed["effective_from"] = _parse_date(typed["effective_from"], "effective_from")
    if isinstance(typed.get("reporting_year_start"), str):
        typed["reporting_year_start"] = parse_month_day(typed["reporting_year_start"])
    elif isinstance(typed.get("reporting_year_start"), list):  # a JSON pair
        typed["reporting_year_start"] = tuple(typed["reporting_year_start"])
    if "calendar" in typed:
        typed["calendar"] = CalendarSpec.from_dict(typed["calendar"])
    return typed


HAVANT_PARTNER_AGENCIES = (  # in a fixed order: the demo generator draws from it with a seed
    "havant-borough-council",
    "hampshire-constabulary",
    "nhs-hampshire-iow-icb",
    # Registered housing providers the partnership co-opts (illustrative):
    "sovereign-network-group",
    "vivid-homes",
    "clarion-housing",
)

HAVANT_POLICY = Policy(
    name="safer-havant",
    version=1,
    effective_from=date(2014, 10, 20),  # the day the 2014 Act's case review provisions came into force
    individual_min_complaints=3,
    group_min_individuals=5,
    reporting_window_months=1,
    lookback_months=6,
    review_due_working_days=20,
    reporting_year_start=(4, 1),
    partner_agencies=frozenset(HAVANT_PARTNER_AGENCIES),
    calendar=CalendarSpec(country="GB", subdivision="ENG"),
)


def policy_in_force(versions: Iterable[Policy], on: date) -> Policy:
    """The version in force on `on`: the latest effective_from on or before it; on a tie, the highest version."""
    in_force = [policy for policy in versions if policy.effective_from <= on]
    if not in_force:
        raise NoPolicyInForce(f"no policy version had taken effect on {on.isoformat()}")
    return max(in_force, key=lambda policy: (policy.effective_from, policy.version))


def reporting_year(policy: Policy, year: int) -> tuple[date, date]:
    """The reporting year that starts in `year` (Havant: 1 April `year` to 31 March `year + 1`), inclusive."""
    start = date(year, *policy.reporting_year_start)
    return start, date(year + 1, *policy.reporting_year_start) - timedelta(days=1)
