"""A national floor: parameters no local policy version may relax (RULES.md section 11).

A deployment may fix, for example, what statute sets ("three complaints in six months"). A floor
names only the parameters it fixes; each is checked on its own against the local version, and a
local version "relaxes" a parameter when, on some date and facts, it would meet the threshold or
allow time the floor would not. Precisely, per parameter:

| parameter | relaxed when the local version has |
|---|---|
| `individual_min_complaints`, `group_min_individuals` | a lower number |
| `reporting_window`, `lookback` | a longer period on some date: months against months or days against days, more of them; days against months, more days than the months' shortest span (1 month from 1 Feb 2026 reaches 28 Feb: 27 days); months against days, a longest span over the days |
| `last_incident_in_window` | false where the floor has true |
| `category_thresholds` (also checked when the floor fixes only `individual_min_complaints`) | a category threshold lower than the floor's for that category or, where the floor has none for it, lower than the floor's general number (its `individual_min_complaints`, else the local one): a threshold as high as the general number never meets where that number would not |
| `excluded_sources` | a source the floor excludes and it counts |
| `group_rule` | another rule: each can be met where the other cannot (five people anywhere against five incidents at one place) |
| `stages` | a floor stage missing, or due later on some dates: counted from another step than the floor's (except from received, the earliest), more days of the same kind, or working days where the floor counts calendar days (a working day is never shorter), or more calendar days than the floor's working days |
| `tell_within_working_days`, `update_every_working_days` | more days |
| `pcc_request_within_working_days` | fewer days (less time for the applicant to ask) |
| `pcc_review_grounds` | a ground the floor lists missing |
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Self

from domain.dates import DAYS, Period, span_days_range
from domain.policy import RECEIVED, Policy, PolicyError, Stage, parse_parameter
from domain.vocabulary import ComplaintCategory, ComplaintSource, DayKind, GroupRule


@dataclass(frozen=True)
class NationalFloor:
    """The parameters a deployment fixes as a floor; None: not fixed. Values as a policy holds them."""

    individual_min_complaints: int | None = None
    group_min_individuals: int | None = None
    group_rule: GroupRule | None = None
    reporting_window: Period | None = None
    lookback: Period | None = None
    last_incident_in_window: bool | None = None
    category_thresholds: tuple[tuple[ComplaintCategory, int], ...] | None = None
    excluded_sources: frozenset[ComplaintSource] | None = None
    stages: tuple[Stage, ...] | None = None
    tell_within_working_days: int | None = None
    update_every_working_days: int | None = None
    pcc_request_within_working_days: int | None = None
    pcc_review_grounds: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """A floor as a deployment writes it: policy parameters in the API's shape, each checked as a policy's."""
        if not isinstance(data, Mapping):
            raise PolicyError("floor", "a national floor must be an object of policy parameters")
        names = {f.name for f in fields(cls)}
        for name in data:
            if name not in names:
                raise PolicyError(str(name), f"{name} is not a parameter a national floor can fix")
        return cls(**{name: parse_parameter(name, value) for name, value in data.items() if value is not None})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, Period):
                value = value.to_dict()
            elif f.name == "category_thresholds":
                value = {category.value: number for category, number in value}
            elif f.name == "excluded_sources":
                value = sorted(source.value for source in value)
            elif f.name == "stages":
                value = [stage.to_dict() for stage in value]
            elif isinstance(value, GroupRule):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return data


def _longer(local: Period, floor: Period, *, lookback: bool) -> bool:
    """Whether `local` is longer than `floor` on some date (see the module's table)."""
    if local.unit == floor.unit:
        return local.count > floor.count
    if local.unit == DAYS:  # against months: longer than the months' shortest span
        return local.count > span_days_range(floor, lookback=lookback)[0]
    return span_days_range(local, lookback=lookback)[1] > floor.count


def _words(period: Period) -> str:
    return f"{period.count} {period.unit}" if period.count != 1 else f"1 {period.unit[:-1]}"


def _stage_relaxes(local: Stage, floor: Stage) -> bool:
    if local.from_step not in (floor.from_step, RECEIVED):
        return True
    if local.day_kind is floor.day_kind:
        return local.days > floor.days
    if local.day_kind is DayKind.CALENDAR:  # against working days: n calendar days end no later than n working days
        return local.days > floor.days
    return True  # working days against calendar days: later on some dates (a weekend, a bank holiday)


def relaxations(policy: Policy, floor: NationalFloor) -> list[tuple[str, str]]:
    """Every parameter of `policy` that relaxes `floor`, as (the policy's field, why), in the policy's order."""
    found: list[tuple[str, str]] = []

    def relaxed(field: str, message: str) -> None:
        found.append((field, message))

    for name in ("individual_min_complaints", "group_min_individuals"):
        fixed = getattr(floor, name)
        if fixed is not None and getattr(policy, name) < fixed:
            relaxed(name, f"{name} {getattr(policy, name)} is lower than the national floor's {fixed}")
    if floor.group_rule is not None and policy.group_rule is not floor.group_rule:
        relaxed(
            "group_rule",
            f"group_rule {policy.group_rule.value} differs from the national floor's {floor.group_rule.value}",
        )
    for name in ("reporting_window", "lookback"):
        fixed = getattr(floor, name)
        local = getattr(policy, name)
        if fixed is not None and _longer(local, fixed, lookback=name == "lookback"):
            relaxed(
                name, f"{name} of {_words(local)} is longer, on some dates, than the national floor's {_words(fixed)}"
            )
    if floor.last_incident_in_window and not policy.last_incident_in_window:
        relaxed("last_incident_in_window", "last_incident_in_window is false where the national floor requires it")
    if floor.category_thresholds is not None or floor.individual_min_complaints is not None:
        floor_thresholds = dict(floor.category_thresholds or ())
        general = floor.individual_min_complaints or policy.individual_min_complaints
        for category, number in policy.category_thresholds:
            limit = floor_thresholds.get(category, general)
            if number < limit:
                relaxed(
                    f"category_thresholds.{category.value}",
                    f"category_thresholds.{category.value} {number} is lower than the {limit} the national floor needs",
                )
    if floor.excluded_sources:
        for source in sorted(floor.excluded_sources - policy.excluded_sources):
            relaxed(
                "excluded_sources", f"complaints from the source {source.value} count, the national floor excludes them"
            )
    for floor_stage in floor.stages or ():
        index = next((i for i, stage in enumerate(policy.stages) if stage.name is floor_stage.name), None)
        fixed = f"{floor_stage.days} {floor_stage.day_kind.value} days from {floor_stage.from_step}"
        if index is None:
            relaxed("stages", f"the stage {floor_stage.name.value} is missing; the national floor sets {fixed}")
        elif _stage_relaxes(policy.stages[index], floor_stage):
            stage = policy.stages[index]
            relaxed(
                f"stages[{index}]",
                f"the stage {stage.name.value} ({stage.days} {stage.day_kind.value} days from {stage.from_step}) "
                f"can fall due later than the national floor's {fixed}",
            )
    for name in ("tell_within_working_days", "update_every_working_days"):
        fixed = getattr(floor, name)
        if fixed is not None and getattr(policy, name) > fixed:
            relaxed(name, f"{name} {getattr(policy, name)} is more than the national floor's {fixed}")
    fixed = floor.pcc_request_within_working_days
    if fixed is not None and policy.pcc_request_within_working_days < fixed:
        relaxed(
            "pcc_request_within_working_days",
            f"pcc_request_within_working_days {policy.pcc_request_within_working_days} is fewer than the national floor's {fixed}",
        )
    for ground in floor.pcc_review_grounds or ():
        if ground not in policy.pcc_review_grounds:
            relaxed("pcc_review_grounds", f"the ground {ground} is missing; the national floor lists it")
    return found


def require_within_floor(policy: Policy, floor: NationalFloor | None) -> None:
    """Refuse a version that relaxes the floor: `PolicyError` naming the first parameter (the API's 422)."""
    if floor is None:
        return
    found = relaxations(policy, floor)
    if found:
        raise PolicyError(*found[0])
