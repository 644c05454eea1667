"""PROVISIONAL stand-in (the full module with tests is being written): the API is the agreed one."""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any


class PolicyError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CalendarSpec:
    country: str = "GB"
    subdivision: str = "ENG"
    closure_days: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Policy:
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
        if not 1 <= self.individual_min_complaints <= 3:
            raise PolicyError("individual_min_complaints", "must be 1 to 3: the law caps it at three")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["effective_from"] = self.effective_from.isoformat()
        data["reporting_year_start"] = "%02d-%02d" % self.reporting_year_start
        data["partner_agencies"] = sorted(self.partner_agencies)
        data["calendar"] = {
            "country": self.calendar.country,
            "subdivision": self.calendar.subdivision,
            "closure_days": sorted(d.isoformat() for d in self.calendar.closure_days),
        }
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Policy":
        data = dict(data)
        data["effective_from"] = date.fromisoformat(data["effective_from"])
        month, day = data["reporting_year_start"].split("-")
        data["reporting_year_start"] = (int(month), int(day))
        data["partner_agencies"] = frozenset(data["partner_agencies"])
        cal = data["calendar"]
        data["calendar"] = CalendarSpec(cal["country"], cal["subdivision"], frozenset(date.fromisoformat(d) for d in cal["closure_days"]))
        return cls(**data)

    def with_changes(self, **params: Any) -> "Policy":
        return replace(self, **params)


HAVANT_POLICY = Policy(
    name="safer-havant",
    version=1,
    effective_from=date(2014, 10, 20),
    partner_agencies=frozenset(
        {"havant-borough-council", "hampshire-constabulary", "nhs-hampshire-iow-icb", "sovereign-network-group", "vivid-homes", "clarion-housing"}
    ),
)


def policy_in_force(versions: Iterable[Policy], on: date) -> Policy:
    candidates = [p for p in versions if p.effective_from <= on]
    if not candidates:
        raise ValueError(f"no policy version is in force on {on.isoformat()}")
    return max(candidates, key=lambda p: (p.effective_from, p.version))
