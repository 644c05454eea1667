"""A partnership's published review procedure as data: its policy (RULES.md sections 7 and 11 to 13).

A policy is versioned and never edited: a change is a new version with its own effective-from
date, so an assessment can always name the exact rules it used and be replayed under them.
Validation names the field at fault (dotted inside objects, indexed inside lists, such as
`stages[1].from` or `category_thresholds.hate_incident`), so the API can answer
`errors: [{field, message}]`.

Section 11 generalised section 7's parameters; section 7's names still work on input
(`reporting_window_months`, `lookback_months`, `review_due_working_days`,
`acknowledge_working_days`, `threshold_decision_working_days`, `outcome_letter_working_days`),
are readable as properties, and are written by `to_dict` wherever the new parameters can say
them, so a client written for section 7 keeps working.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any, Self

from domain.calendar import calendar_problem
from domain.dates import DAYS, MONTHS, Period
from domain.vocabulary import ComplaintCategory, ComplaintSource, DayKind, GroupRule, StageName

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_GROUND = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")  # snake_case, as the API writes codes
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The law (s.104 and the statutory guidance) caps the complaints a partnership may require at three,
# and so any number of complaints of one category that meets the threshold on its own.
LEGAL_MAX_COMPLAINTS = 3

# Upper bounds the rules do not state: they only keep nonsense (a 10**9-month window) from
# overflowing date arithmetic or looping over working days long after validation has passed.
_MAX_MONTHS = 120
_MAX_DAYS = 3660  # as long as the longest period in months: ten years
_MAX_STAGE_DAYS = 366  # a time limit of more than a year of days is a typing slip, not a procedure
_MAX_GROUP = 100  # a street or an estate; no published procedure asks for more than five people
_MAX_VERSION = 2**31 - 1  # read models keep the version in a 32-bit integer column
_MAX_AGENCIES = 200
_MAX_GROUNDS = 20
_MAX_NAME = 100
_MAX_CLOSURE_DAYS = 1000
# Effective dates and closure days: the `holidays` calendars are built from the 1900s on, and a
# date after 2999 is a typing slip (20260 for 2026); both keep every due date and window worked
# out from them thousands of years away from date.max, where date arithmetic overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)

RECEIVED = "received"  # the `from` of a stage counted from the application's received date

HAVANT_PCC_REVIEW_GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")


class PolicyError(ValueError):
    """A policy parameter that breaks a rule; `field` names it (dotted inside objects, indexed inside lists)."""

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


def _in_date_range(day: date, field: str) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise PolicyError(
            field,
            f"{field} must be from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()} (got {day.isoformat()})",
        )
    return day


def _require_int(value: Any, field: str, low: int, high: int | None = None, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(field, f"{field} must be a whole number (got {value!r})")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        raise PolicyError(field, f"{field} must be {bounds}{why} (got {value})")
    return value


def _list(value: Any, field: str) -> list:
    # A string is iterable too, but a list of its letters is never what was meant.
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise PolicyError(field, f"{field} must be a list")
    return list(value)


def _frozen_set(value: Any, field: str) -> frozenset:
    try:
        return frozenset(_list(value, field))
    except TypeError:  # an unhashable item, such as a nested list
        raise PolicyError(field, f"{field} must be a list of plain values") from None


def _mapping(value: Any, field: str, what: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise PolicyError(field, f"{field} must be an object: {what}")
    return value


def _no_unknown_keys(data: Mapping, allowed: Iterable[str], field: str, what: str) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        name = sorted(map(str, unknown))[0]
        raise PolicyError(f"{field}.{name}", f"{field}.{name} is not {what}")


def _member(enum: type, value: Any, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise PolicyError(field, f"{field} must be one of {', '.join(e.value for e in enum)} (got {value!r})") from None


# --- the parts of a policy ---


@dataclass(frozen=True)
class CalendarSpec:
    """Which working-day calendar the partnership keeps: bank holidays of a (sub)country, plus closures.

    Data only: `domain.calendar.WorkingCalendar` is built from it where working days are counted.
    A new policy version checks it is usable (`check_usable`): a country and subdivision the
    `holidays` package knows.
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

    def check_usable(self) -> None:
        """Refuse a calendar `holidays` cannot supply, or closure days out of range, naming the field.

        Part of validating a new policy version (not of reading a stored one), so that an unknown
        calendar is refused when published rather than failing when a due date is first worked out.
        """
        problem = calendar_problem(self.country, self.subdivision)
        if problem is not None:
            raise PolicyError(f"calendar.{problem[0]}", problem[1])
        if len(self.closure_days) > _MAX_CLOSURE_DAYS:
            raise PolicyError(
                "calendar.closure_days", f"calendar.closure_days may list at most {_MAX_CLOSURE_DAYS} days"
            )
        for day in sorted(self.closure_days):
            _in_date_range(day, "calendar.closure_days")

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
        data = _mapping(data, "calendar", '{"country", "subdivision", "closure_days"}')
        _no_unknown_keys(data, ("country", "subdivision", "closure_days"), "calendar", "a calendar parameter")
        days = data.get("closure_days", ())
        return cls(
            country=data.get("country", "GB"),
            subdivision=data.get("subdivision", "ENG"),
            closure_days=frozenset(
                _parse_date(day, "calendar.closure_days") for day in _frozen_set(days, "calendar.closure_days")
            ),
        )


@dataclass(frozen=True)
class Stage:
    """One step of the procedure with its time limit: due `days` days after its `from_step` happened.

    `from_step` is "received" or the name of an earlier stage; that date itself is not counted.
    """

    name: StageName
    days: int
    day_kind: DayKind = DayKind.WORKING
    from_step: str = RECEIVED

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "days": self.days,
            "day_kind": self.day_kind.value,
            "from": str(self.from_step),
        }


HAVANT_STAGES = (Stage(StageName.REVIEW_COMPLETED, 20, DayKind.WORKING, RECEIVED),)
_STAGE_ORDER = {name: index for index, name in enumerate(StageName)}
_STAGE_KEYS = ("name", "days", "day_kind", "from")

# Section 7's names for stages counted in working days from the received date.
LEGACY_STAGE_NAMES = {
    "review_due_working_days": StageName.REVIEW_COMPLETED,
    "acknowledge_working_days": StageName.ACKNOWLEDGED,
    "threshold_decision_working_days": StageName.THRESHOLD_DECIDED,
    "outcome_letter_working_days": StageName.OUTCOME_NOTIFIED,
}
LEGACY_PERIOD_NAMES = {"reporting_window_months": "reporting_window", "lookback_months": "lookback"}
LEGACY_NAMES = (*LEGACY_PERIOD_NAMES, *LEGACY_STAGE_NAMES)


# --- parsing each parameter: API-shaped or typed values in, typed values out ---


def _period(value: Any, field: str) -> Period:
    if isinstance(value, Period):
        value = value.to_dict()
    data = _mapping(value, field, '{"months": N} or {"days": N}')
    if len(data) != 1 or next(iter(data)) not in (MONTHS, DAYS):
        raise PolicyError(field, f'{field} must be {{"months": N}} or {{"days": N}} (got {dict(data)!r})')
    unit, count = next(iter(data.items()))
    high = _MAX_MONTHS if unit == MONTHS else _MAX_DAYS
    return Period(_require_int(count, f"{field}.{unit}", 1, high), unit)


def _category_thresholds(value: Any, field: str = "category_thresholds") -> tuple[tuple[ComplaintCategory, int], ...]:
    items = value if isinstance(value, tuple) else _mapping(value, field, "category -> number").items()
    thresholds: dict[ComplaintCategory, int] = {}
    for key, number in items:
        where = f"{field}.{key}"
        try:
            category = ComplaintCategory.known(key)
        except ValueError:
            known = ", ".join(c.value for c in ComplaintCategory)
            raise PolicyError(where, f"{where}: not a category this service knows ({known})") from None
        thresholds[category] = _require_int(
            number, where, 1, LEGAL_MAX_COMPLAINTS, ": the law caps the number of complaints at three"
        )
    return tuple(sorted(thresholds.items()))


def _excluded_sources(value: Any, field: str = "excluded_sources") -> frozenset[ComplaintSource]:
    sources = frozenset(
        _member(ComplaintSource, source, f"{field}[{index}]") for index, source in enumerate(_list(value, field))
    )
    if len(sources) == len(ComplaintSource):
        raise PolicyError(field, f"{field} cannot exclude every source: no complaint could ever count")
    return sources


def _stages(value: Any, field: str = "stages") -> tuple[Stage, ...]:
    items = _list(value, field)
    if not items:
        raise PolicyError(field, f"{field} must list at least the review_completed stage")
    stages: list[Stage] = []
    for index, item in enumerate(items):
        at = f"{field}[{index}]"
        data = item.to_dict() if isinstance(item, Stage) else _mapping(item, at, '{"name", "days", "day_kind", "from"}')
        _no_unknown_keys(data, _STAGE_KEYS, at, "a stage parameter (name, days, day_kind, from)")
        if "name" not in data or "days" not in data:
            missing = "name" if "name" not in data else "days"
            raise PolicyError(f"{at}.{missing}", f"{at}.{missing} is required")
        name = _member(StageName, data["name"], f"{at}.name")
        if any(stage.name is name for stage in stages):
            raise PolicyError(f"{at}.name", f"{at}.name: the stage {name.value} is listed twice")
        days = _require_int(data["days"], f"{at}.days", 1, _MAX_STAGE_DAYS)
        day_kind = _member(DayKind, data.get("day_kind", DayKind.WORKING), f"{at}.day_kind")
        from_step = data.get("from", RECEIVED)
        earlier = [stage.name.value for stage in stages]
        if from_step != RECEIVED and from_step not in earlier:
            choices = ", ".join([RECEIVED, *earlier])
            raise PolicyError(
                f"{at}.from",
                f"{at}.from must be received or the name of an earlier stage ({choices}); got {from_step!r}",
            )
        stages.append(Stage(name, days, day_kind, str(from_step)))
    return tuple(stages)


def _check_review_stage(stages: tuple[Stage, ...], field: str = "stages") -> None:
    """The review_completed stage gives an application its due date (section 8), known from the day it arrives."""
    for index, stage in enumerate(stages):
        if stage.name is StageName.REVIEW_COMPLETED:
            if stage.from_step != RECEIVED:
                raise PolicyError(
                    f"{field}[{index}].from",
                    f"{field}[{index}].from must be received: the review_completed stage gives the application "
                    "its due date, which is known when the application is received",
                )
            return
    raise PolicyError(field, f"{field} must include a review_completed stage: it gives the application its due date")


def _pcc_review_grounds(value: Any, field: str = "pcc_review_grounds") -> tuple[str, ...]:
    grounds: list[str] = []
    for index, ground in enumerate(_list(value, field)):
        at = f"{field}[{index}]"
        if not isinstance(ground, str) or not _GROUND.match(ground) or len(ground) > 60:
            raise PolicyError(at, f"{at} must be a code in snake_case such as procedure_not_followed (got {ground!r})")
        if ground in grounds:
            raise PolicyError(at, f"{at}: {ground} is listed twice")
        grounds.append(ground)
    if not 1 <= len(grounds) <= _MAX_GROUNDS:
        raise PolicyError(field, f"{field} must list from 1 to {_MAX_GROUNDS} grounds")
    return tuple(grounds)


def _partner_agencies(value: Any, field: str = "partner_agencies") -> frozenset[str]:
    agencies = _frozen_set(value, field)
    for agency in agencies:
        if not isinstance(agency, str) or not _SLUG.match(agency) or len(agency) > _MAX_NAME:
            raise PolicyError(
                field, f"each of {field} must be a lower-case slug such as hampshire-constabulary (got {agency!r})"
            )
    if len(agencies) > _MAX_AGENCIES:
        raise PolicyError(field, f"{field} may name at most {_MAX_AGENCIES} agencies")
    return agencies


def _bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(field, f"{field} must be true or false (got {value!r})")
    return value


def _name(value: Any, field: str = "name") -> str:
    # Versions are named NAME@VERSION, so a name is a plain lower-case slug.
    if not isinstance(value, str) or not _SLUG.match(value) or len(value) > _MAX_NAME:
        raise PolicyError(field, f"{field} must be a lower-case slug such as safer-havant")
    return value


def _effective_from(value: Any, field: str = "effective_from") -> date:
    if not _is_date(value) and not isinstance(value, str):
        raise PolicyError(field, f"{field} must be a calendar date")
    return _parse_date(value, field)


def _reporting_year_start(value: Any, field: str = "reporting_year_start") -> tuple[int, int]:
    if isinstance(value, str):
        return parse_month_day(value, field)
    if isinstance(value, list):  # a JSON pair
        value = tuple(value)
    _check_month_day(value, field)
    return value


def _working_days(field: str) -> Any:
    return lambda value, _field=field: _require_int(value, _field, 1, _MAX_STAGE_DAYS)


# Every parameter in the order `to_dict` writes them, with how its value is read and checked.
_PARSERS: dict[str, Any] = {
    "name": _name,
    "version": lambda value: _require_int(value, "version", 1, _MAX_VERSION),
    "effective_from": _effective_from,
    "individual_min_complaints": lambda value: _require_int(
        value,
        "individual_min_complaints",
        1,
        LEGAL_MAX_COMPLAINTS,
        ": the law caps the number of complaints a partnership may require at three",
    ),
    "group_min_individuals": lambda value: _require_int(
        value, "group_min_individuals", 2, None, ": a group has two or more people"
    ),
    "group_rule": lambda value: _member(GroupRule, value, "group_rule"),
    "reporting_window": lambda value: _period(value, "reporting_window"),
    "lookback": lambda value: _period(value, "lookback"),
    "last_incident_in_window": lambda value: _bool(value, "last_incident_in_window"),
    "category_thresholds": _category_thresholds,
    "excluded_sources": _excluded_sources,
    "stages": _stages,
    "tell_within_working_days": _working_days("tell_within_working_days"),
    "update_every_working_days": _working_days("update_every_working_days"),
    "pcc_request_within_working_days": _working_days("pcc_request_within_working_days"),
    "pcc_review_grounds": _pcc_review_grounds,
    "reporting_year_start": _reporting_year_start,
    "partner_agencies": _partner_agencies,
    "calendar": CalendarSpec.from_dict,
}
PARAMETERS = tuple(name for name in _PARSERS if name not in ("name", "version", "effective_from"))


def parse_parameter(name: str, value: Any) -> Any:
    """One parameter's value, typed and checked as a policy checks it (its shape, not the whole policy's rules)."""
    if name not in _PARSERS:
        raise PolicyError(name, f"{name} is not a policy parameter")
    return _PARSERS[name](value)


def _with_review_stage_of(stages: tuple[Stage, ...], base: tuple[Stage, ...]) -> tuple[tuple[Stage, ...], bool]:
    """`stages` as given, or, when they leave out review_completed, with the version's own put where the lifecycle has
    it, and True: a procedure that lists only its earlier steps keeps its section 8 time frame (RULES.md section 11's
    worked example of an acknowledgement and a threshold decision "with only these changes")."""
    if any(stage.name is StageName.REVIEW_COMPLETED for stage in stages):
        return stages, False
    review = next((stage for stage in base if stage.name is StageName.REVIEW_COMPLETED), HAVANT_STAGES[0])
    if review.from_step != RECEIVED:  # a stored version read as it was: fall back to section 8's own
        review = HAVANT_STAGES[0]
    place = next(
        (i for i, stage in enumerate(stages) if _STAGE_ORDER[stage.name] > _STAGE_ORDER[StageName.REVIEW_COMPLETED]),
        len(stages),
    )
    return (*stages[:place], review, *stages[place:]), True


def _with_legacy_stage(stages: tuple[Stage, ...], field: str, days: Any) -> tuple[Stage, ...]:
    """`stages` with section 7's `field` applied: its stage counted in working days from received, or none."""
    name = LEGACY_STAGE_NAMES[field]
    if days is None:
        if name is StageName.REVIEW_COMPLETED:
            raise PolicyError(field, f"{field} must be a whole number (got None): every application has a due date")
        for stage in stages:
            if stage.from_step == name:
                raise PolicyError(
                    field,
                    f"{field} cannot be unset: the {stage.name.value} stage is counted from {name.value}; "
                    "change the stages instead",
                )
        return tuple(stage for stage in stages if stage.name is not name)
    new = Stage(name, _require_int(days, field, 1, _MAX_STAGE_DAYS), DayKind.WORKING, RECEIVED)
    if any(stage.name is name for stage in stages):
        return tuple(new if stage.name is name else stage for stage in stages)
    # A stage counted from received may stand anywhere; put it where the lifecycle has it.
    place = next((i for i, stage in enumerate(stages) if _STAGE_ORDER[stage.name] > _STAGE_ORDER[name]), len(stages))
    return (*stages[:place], new, *stages[place:])


def _legacy_stage_days(stages: tuple[Stage, ...], name: StageName) -> tuple[bool, int | None]:
    """(can section 7 say it, its value): the days of a stage counted in working days from received, or None."""
    stage = next((stage for stage in stages if stage.name is name), None)
    if stage is None:
        return True, None
    if stage.day_kind is DayKind.WORKING and stage.from_step == RECEIVED:
        return True, stage.days
    return False, None


def _check_new_version(values: Mapping[str, Any]) -> None:
    """The rules a version must obey when it is published now, beyond its shape.

    They came with RULES.md section 11; a version stored before them is read as it was published
    (`Policy.from_stored`), since an event is a fact, but no new version may break them.
    """
    _in_date_range(values["effective_from"], "effective_from")
    _require_int(values["group_min_individuals"], "group_min_individuals", 2, _MAX_GROUP)
    if not values["partner_agencies"]:
        raise PolicyError(
            "partner_agencies", "partner_agencies must name at least one agency: complaints count only when made to one"
        )
    values["calendar"].check_usable()


def _resolve(base: Mapping[str, Any], params: Mapping[str, Any], *, stored: bool = False) -> dict[str, Any]:
    """`base`'s values with `params` (typed, or as the API writes them, new names or section 7's) applied, checked.

    `stored`: a version read back from the store, checked for its shape only (`_check_new_version` skipped).
    """
    unknown = set(params) - set(_PARSERS) - set(LEGACY_NAMES)
    if unknown:
        name = sorted(map(str, unknown))[0]
        raise PolicyError(name, f"{name} is not a policy parameter")
    values = dict(base)
    for name, parse in _PARSERS.items():
        if name in params:
            values[name] = parse(params[name])
    # Section 7's names: each says one of the new parameters, and must agree with it when both are given.
    for old, new in LEGACY_PERIOD_NAMES.items():
        if old in params:
            period = Period(_require_int(params[old], old, 1, _MAX_MONTHS), MONTHS)
            if new in params and values[new] != period:
                raise PolicyError(old, f"{old} {params[old]} contradicts {new} {values[new].to_dict()}")
            values[new] = period
    stages, inherited = (
        _with_review_stage_of(values["stages"], base["stages"]) if "stages" in params else (values["stages"], False)
    )
    for old in LEGACY_STAGE_NAMES:
        if old in params:
            changed = _with_legacy_stage(stages, old, params[old])
            given = inherited and LEGACY_STAGE_NAMES[old] is StageName.REVIEW_COMPLETED  # the list left it to us
            if "stages" in params and changed != stages and not given:
                raise PolicyError(old, f"{old} {params[old]!r} contradicts the stages given with it")
            stages = changed
    _check_review_stage(stages)
    values["stages"] = stages
    for name in _PARSERS:
        if name not in values:
            raise PolicyError(name, f"{name} is required")
    if not stored:
        _check_new_version(values)
    return values


@dataclass(frozen=True, init=False, eq=True)
class Policy:
    """One version of a partnership's review procedure: the parameters the rules are decided by.

    Built from keyword parameters, typed or as the API writes them, section 7's names included:
    `Policy(name=..., version=..., effective_from=..., partner_agencies=[...], lookback={"days": 183})`.
    Defaults are Havant's; partner agencies have no sensible default and must be given.
    """

    name: str
    version: int
    effective_from: date
    individual_min_complaints: int
    group_min_individuals: int
    group_rule: GroupRule
    reporting_window: Period
    lookback: Period
    last_incident_in_window: bool
    category_thresholds: tuple[tuple[ComplaintCategory, int], ...]  # sorted by category; read as a mapping below
    excluded_sources: frozenset[ComplaintSource]
    stages: tuple[Stage, ...]
    tell_within_working_days: int
    update_every_working_days: int
    pcc_request_within_working_days: int
    pcc_review_grounds: tuple[str, ...]
    reporting_year_start: tuple[int, int]
    partner_agencies: frozenset[str]
    calendar: CalendarSpec

    def __init__(self, name: str, version: int, effective_from: date | str, **params: Any) -> None:
        params = {"name": name, "version": version, "effective_from": effective_from, **params}
        for key, value in _resolve(_DEFAULTS, params).items():
            object.__setattr__(self, key, value)

    def __hash__(self) -> int:
        # A policy keys caches on hot paths; hashing every field each time would cost more than the lookup.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", cached)
        return cached

    # --- section 7's names, read from the new parameters ---

    @property
    def reporting_window_months(self) -> int | None:
        """Section 7's name; None when the window is counted in days."""
        return self.reporting_window.count if self.reporting_window.unit == MONTHS else None

    @property
    def lookback_months(self) -> int | None:
        """Section 7's name; None when the lookback is counted in days."""
        return self.lookback.count if self.lookback.unit == MONTHS else None

    @property
    def review_due_working_days(self) -> int | None:
        """Section 7's name: the review_completed stage's days, when counted in working days."""
        return _legacy_stage_days(self.stages, StageName.REVIEW_COMPLETED)[1]

    @property
    def acknowledge_working_days(self) -> int | None:
        return _legacy_stage_days(self.stages, StageName.ACKNOWLEDGED)[1]

    @property
    def threshold_decision_working_days(self) -> int | None:
        return _legacy_stage_days(self.stages, StageName.THRESHOLD_DECIDED)[1]

    @property
    def outcome_letter_working_days(self) -> int | None:
        return _legacy_stage_days(self.stages, StageName.OUTCOME_NOTIFIED)[1]

    # --- reading ---

    @property
    def category_threshold_map(self) -> dict[ComplaintCategory, int]:
        return dict(self.category_thresholds)

    def stage(self, name: StageName | str) -> Stage | None:
        return next((stage for stage in self.stages if stage.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON primitives only, as a published version is stored and served.

        Section 7's names follow the new parameters wherever those can say them (a window in
        months, a stage in working days from received; None for a stage the policy does not
        have), so a client reading section 7's names still finds them; one the new parameters
        cannot say (a window in days) is left out rather than written wrongly.
        """
        data: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "individual_min_complaints": self.individual_min_complaints,
            "group_min_individuals": self.group_min_individuals,
            "group_rule": self.group_rule.value,
            "reporting_window": self.reporting_window.to_dict(),
            "lookback": self.lookback.to_dict(),
            "last_incident_in_window": self.last_incident_in_window,
            "category_thresholds": {category.value: number for category, number in self.category_thresholds},
            "excluded_sources": sorted(source.value for source in self.excluded_sources),
            "stages": [stage.to_dict() for stage in self.stages],
            "tell_within_working_days": self.tell_within_working_days,
            "update_every_working_days": self.update_every_working_days,
            "pcc_request_within_working_days": self.pcc_request_within_working_days,
            "pcc_review_grounds": list(self.pcc_review_grounds),
            "reporting_year_start": format_month_day(self.reporting_year_start),
            "partner_agencies": sorted(self.partner_agencies),
            "calendar": self.calendar.to_dict(),
        }
        for old, new in LEGACY_PERIOD_NAMES.items():
            period: Period = getattr(self, new)
            if period.unit == MONTHS:
                data[old] = period.count
        for old, stage_name in LEGACY_STAGE_NAMES.items():
            expressible, days = _legacy_stage_days(self.stages, stage_name)
            if expressible:
                data[old] = days
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inverse of `to_dict`; parameters left out take the defaults (Havant's)."""
        if not isinstance(data, Mapping):
            raise PolicyError("policy", "a policy must be an object of parameters")
        for required in ("name", "version", "effective_from"):
            if required not in data:
                raise PolicyError(required, f"{required} is required")
        return cls(**data)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Self:
        """A version as it was published (`to_dict` of its day, upcast): its shape is checked, not today's
        publication rules, so that a version published before a rule existed still reads."""
        if not isinstance(data, Mapping):
            raise PolicyError("policy", "a policy must be an object of parameters")
        policy = object.__new__(cls)
        for key, value in _resolve(_DEFAULTS, data, stored=True).items():
            object.__setattr__(policy, key, value)
        return policy

    def with_changes(self, **params: Any) -> Self:
        """A new version from this one: parameters not given are taken from it, all are validated.

        Values may be typed (a `date`) or as the API writes them (an ISO string, "MM-DD", a list),
        under the new names or section 7's. A partial `calendar` object keeps this version's values
        for the calendar fields it leaves out.
        """
        if isinstance(params.get("calendar"), Mapping):
            params["calendar"] = {**self.calendar.to_dict(), **params["calendar"]}
        policy = object.__new__(type(self))
        for key, value in _resolve(self._values(), params).items():
            object.__setattr__(policy, key, value)
        return policy

    def check_usable(self) -> None:
        """Refuse (PolicyError naming the field) a version no rule can be worked out under: a calendar
        `holidays` cannot supply, or an effective date so far out of range that date arithmetic overflows.

        Every version is checked so when read back from the store (domain/policy_book.py), however
        it was stored: those rules are part of publishing now, but older code let such versions in.
        Only what breaks the working out is checked here: odd closure days, say, are harmless to it.
        """
        _in_date_range(self.effective_from, "effective_from")
        problem = calendar_problem(self.calendar.country, self.calendar.subdivision)
        if problem is not None:
            raise PolicyError(f"calendar.{problem[0]}", problem[1])

    def changed_from(self, other: "Policy") -> list[str]:
        """The parameters (new names, in `to_dict` order) whose values differ from `other`'s.

        Name, version and effective date identify a version rather than decide anything, so they
        are not listed.
        """
        return [name for name in PARAMETERS if getattr(self, name) != getattr(other, name)]

    def _values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_DEFAULTS: dict[str, Any] = {
    "individual_min_complaints": 3,
    "group_min_individuals": 5,
    "group_rule": GroupRule.INDIVIDUALS,
    "reporting_window": Period(1, MONTHS),
    "lookback": Period(6, MONTHS),
    "last_incident_in_window": True,
    "category_thresholds": (),
    "excluded_sources": frozenset(),
    "stages": HAVANT_STAGES,
    "tell_within_working_days": 10,
    "update_every_working_days": 10,
    "pcc_request_within_working_days": 20,
    "pcc_review_grounds": HAVANT_PCC_REVIEW_GROUNDS,
    "reporting_year_start": (4, 1),
    "calendar": CalendarSpec(),
}


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
    reporting_window={"months": 1},
    lookback={"months": 6},
    stages=[{"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"}],
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
