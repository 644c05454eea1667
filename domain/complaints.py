"""A complaint: one report of anti-social behaviour made to a partner agency (RULES.md sections 1 and 11).

Its `location_key` (a UPRN or the partnership's own place id) is the victim's personal data: the
event store seals it with the victim's key, and it reads as None once the victim is erased.
"""

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate, require_not_before, require_not_future
from domain.errors import InvalidFact, RuleBroken
from domain.people import TextRef
from domain.vocabulary import ComplaintCategory, ComplaintSource

AGENCY_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# The facts an amendment may correct. Who the victim is and which agency took the report are
# identity, not detail: a report to the wrong agency is withdrawn and logged again.
AMENDABLE = ("agency_reference", "incident_date", "reported_date", "caused_had", "category", "incident_ref")
MAX_LOCATION_KEY = 200  # a UPRN is 12 digits; room for a partnership's own ids, not for an address in free text


def require_agency_slug(agency: str, field: str = "agency") -> None:
    if not AGENCY_SLUG.match(agency):
        raise InvalidFact(f"{field} must be a lower-case slug such as 'hampshire-constabulary'", field=field)


def check_location_key(location_key: str | None, field: str = "location_key") -> None:
    """Opaque, compared as given: only a blank or overlong key is refused (equal strings are one place)."""
    if location_key is None:
        return
    if not isinstance(location_key, str) or not location_key.strip() or len(location_key) > MAX_LOCATION_KEY:
        raise InvalidFact(
            f"{field} must be a non-blank identifier of at most {MAX_LOCATION_KEY} characters", field=field
        )


def check_dates(incident_date: date, reported_date: date, recorded_at: datetime) -> None:
    require_not_future(incident_date, "incident_date", recorded_at)
    require_not_future(reported_date, "reported_date", recorded_at)
    require_not_before(reported_date, incident_date, "reported_date", "incident_date")


class Complaint(AuditedAggregate):
    class Logged(AuditedAggregate.Created):
        class_version = 2
        victim_id: UUID
        complainant_id: UUID
        agency: str
        agency_reference: str | None
        incident_date: date
        reported_date: date
        caused_had: bool
        category: ComplaintCategory
        location: TextRef | None
        description: TextRef | None
        incident_ref: str | None
        source: ComplaintSource
        location_key: str | None

        personal_fields = ("location_key",)  # the victim's: sealed with their key (store/personal_data.py)
        subject_field = "victim_id"

        @staticmethod
        def erased_values() -> dict[str, Any]:
            return {"location_key": None}  # the place is gone with the victim; the case facts stay

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Complaints logged before section 11 came by no recorded source and at no linked location."""
            state["source"] = ComplaintSource.OTHER
            state["location_key"] = None

        def apply(self, complaint: "Complaint") -> None:
            for name in (
                "victim_id", "complainant_id", "agency", "agency_reference", "incident_date", "reported_date",
                "caused_had", "category", "location", "description", "incident_ref", "source", "location_key",
            ):  # fmt: skip
                setattr(complaint, name, getattr(self, name))
            complaint.withdrawn = False
            complaint.withdrawal_reason = None

    class Amended(AuditedAggregate.Event):
        class_version = 1
        changes: dict[str, Any]

        def apply(self, complaint: "Complaint") -> None:
            for name, value in self.changes.items():
                setattr(complaint, name, value)

    class Withdrawn(AuditedAggregate.Event):
        class_version = 1
        reason: TextRef | None

        def apply(self, complaint: "Complaint") -> None:
            complaint.withdrawn = True
            complaint.withdrawal_reason = self.reason

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        victim_id: UUID
        complainant_id: UUID
        agency: str
        agency_reference: str | None
        incident_date: date
        reported_date: date
        caused_had: bool
        category: ComplaintCategory
        location: TextRef | None
        description: TextRef | None
        incident_ref: str | None
        source: ComplaintSource
        location_key: str | None
        withdrawn: bool
        withdrawal_reason: TextRef | None

    @classmethod
    def log(
        cls,
        *,
        victim_id: UUID,
        complainant_id: UUID,
        agency: str,
        agency_reference: str | None,
        incident_date: date,
        reported_date: date,
        caused_had: bool,
        category: ComplaintCategory,
        location: TextRef | None,
        description: TextRef | None,
        incident_ref: str | None,
        actor: Actor,
        recorded_at: datetime,
        id: UUID | None = None,
        source: ComplaintSource | str = ComplaintSource.OTHER,
        location_key: str | None = None,
    ) -> "Complaint":
        require_agency_slug(agency)
        check_dates(incident_date, reported_date, recorded_at)
        try:
            source = ComplaintSource(source)
        except ValueError:
            choices = ", ".join(s.value for s in ComplaintSource)
            raise InvalidFact(f"source must be one of {choices} (got {source!r})", field="source") from None
        check_location_key(location_key)
        return cls._start(
            cls.Logged, id=id, recorded_at=recorded_at, victim_id=victim_id, complainant_id=complainant_id,
            agency=agency, agency_reference=agency_reference, incident_date=incident_date,
            reported_date=reported_date, caused_had=caused_had, category=category, location=location,
            description=description, incident_ref=incident_ref, source=source, location_key=location_key,
            actor=actor,
        )  # fmt: skip

    def amend(self, *, changes: dict[str, Any], actor: Actor, recorded_at: datetime) -> None:
        if self.withdrawn:
            raise RuleBroken("a withdrawn complaint cannot be amended; log a new one")
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            field = sorted(unknown)[0]
            raise InvalidFact(f"{field} cannot be amended (amendable: {', '.join(AMENDABLE)})", field=field)
        changed = {name: value for name, value in changes.items() if getattr(self, name) != value}
        if not changed:
            raise InvalidFact("the amendment changes nothing", field=next(iter(changes), None))
        merged = replace_facts(self, changed)
        check_dates(merged["incident_date"], merged["reported_date"], recorded_at)
        self._record(self.Amended, recorded_at=recorded_at, changes=changed, actor=actor)

    def withdraw(self, *, reason: TextRef | None, actor: Actor, recorded_at: datetime) -> None:
        if self.withdrawn:
            raise RuleBroken("the complaint is already withdrawn")
        self._record(self.Withdrawn, recorded_at=recorded_at, reason=reason, actor=actor)


def replace_facts(complaint: Complaint, changes: dict[str, Any]) -> dict[str, Any]:
    facts = {name: getattr(complaint, name) for name in AMENDABLE}
    facts.update(changes)
    return facts
