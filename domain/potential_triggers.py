"""Identifying triggers before anyone applies (RULES.md section 12).

As on a day D and as known at a recorded time T, a victim with no open application is assessed as
if they applied on D: the incidents section 3 (and 11) would count, under the policy in force on D.
That is `domain.eligibility.assess` itself, on an application the victim never made, so the two can
never disagree about which incidents count. What section 12 adds is small and lives here:

- the state, the first of `threshold_reached`, `should_be_told`, `told` that applies; fewer than two
  counted incidents is not listed at all (`state_of`);
- the telling due date: `tell_within_working_days` working days (the policy's calendar) after the
  reported date of the second counted incident, kept while the victim has not been told;
- for a policy whose group rule is `linked_location`, the places whose counted incidents reach the
  group number (`linked_location_trigger`), counted as a group application of the people who
  reported there would count them.

Reading of "told since the first of them": a telling dated on or after the reported date of the
earliest reported counted incident (the day the first qualifying report was made), recorded by T and
dated by D.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from domain.deadlines import calendar_for
from domain.eligibility import (
    ApplicationFacts,
    ComplaintRevision,
    ConsentRevision,
    CountedComplaint,
    assess,
)
from domain.policy import Policy
from domain.vocabulary import ConsentPurpose, Route, Verdict

MIN_LISTED = 2  # RULES.md 12: "A victim with fewer than 2 counted incidents is not listed."
_NO_APPLICATION = UUID(int=0)  # the application the victim did not make: it stands for "if they applied on D"


class TriggerState(StrEnum):
    """RULES.md section 12's states, in the order the first that applies is chosen."""

    THRESHOLD_REACHED = "threshold_reached"
    SHOULD_BE_TOLD = "should_be_told"
    TOLD = "told"


@dataclass(frozen=True, slots=True)
class Telling:
    """The victim was told about the case review on `told_on`; the system learned it at `recorded_at`."""

    told_on: date
    recorded_at: datetime


def state_of(*, counted: int, threshold_met: bool, told: bool) -> TriggerState | None:
    """RULES.md section 12's table, the first that applies; None: fewer than 2 counted incidents, not listed."""
    if counted < MIN_LISTED:
        return None
    if threshold_met:
        return TriggerState.THRESHOLD_REACHED
    if not told:
        return TriggerState.SHOULD_BE_TOLD
    return TriggerState.TOLD


@dataclass(frozen=True)
class PotentialTrigger:
    """One victim as section 12 lists them on `on`, as known at `as_known_at`."""

    victim_id: UUID
    on: date
    as_known_at: datetime
    state: TriggerState
    counted: tuple[CountedComplaint, ...]
    by_agency: dict[str, int]  # the counted incidents per agency the report was made to
    told: bool  # told since the first counted incident
    told_on: date | None  # the latest telling dated by `on` (whether or not it is since the first incident)
    tell_due_date: date | None  # while not told
    threshold_met: bool
    policy_name: str
    policy_version: int
    agencies: frozenset[str] = frozenset()  # every agency with a complaint, counted or not
    agency_of: dict[UUID, str] = field(default_factory=dict)  # each counted complaint's agency

    @property
    def counted_incidents(self) -> int:
        return len(self.counted)


def tell_due_date(policy: Policy, counted: Sequence[CountedComplaint]) -> date | None:
    """`tell_within_working_days` working days after the second counted incident's reported date (None below two)."""
    reported = sorted(c.reported_date for c in counted)
    if len(reported) < MIN_LISTED:
        return None
    return calendar_for(policy.calendar).add_working_days(reported[1], policy.tell_within_working_days)


def potential_trigger(
    victim_id: UUID,
    complaints: Iterable[ComplaintRevision],
    tellings: Iterable[Telling],
    policy: Policy,
    *,
    on: date,
    as_known_at: datetime,
) -> PotentialTrigger | None:
    """The victim as section 12 lists them on `on`, as known at `as_known_at`; None when not listed.

    `complaints` are the victim's complaint revisions (others are ignored by the assessment's first
    check); `policy` must be the version in force on `on` as known at `as_known_at` (the caller's to
    find). The victim's having no open application is the caller's to check too: it is a fact about
    applications, not about complaints.
    """
    revisions = [r for r in complaints if r.victim_id == victim_id]
    application = ApplicationFacts(
        application_id=_NO_APPLICATION, route=Route.INDIVIDUAL, applicant_id=victim_id, victim_id=victim_id,
        member_ids=(), received_date=on, complaint_ids=None,
    )  # fmt: skip
    assessment = assess(application, revisions, (), policy, as_known_at)
    counted = assessment.counted
    known = [t for t in tellings if t.recorded_at <= as_known_at and t.told_on <= on]
    told_on = max((t.told_on for t in known), default=None)
    first_reported = min((c.reported_date for c in counted), default=None)
    told = first_reported is not None and told_on is not None and told_on >= first_reported
    threshold_met = assessment.verdict is Verdict.MET
    state = state_of(counted=len(counted), threshold_met=threshold_met, told=told)
    if state is None:
        return None
    agency_of = {r.complaint_id: r.agency for r in revisions}
    return PotentialTrigger(
        victim_id=victim_id,
        on=on,
        as_known_at=as_known_at,
        state=state,
        counted=counted,
        by_agency=dict(sorted(Counter(agency_of[c.complaint_id] for c in counted).items())),
        told=told,
        told_on=told_on,
        tell_due_date=None if told else tell_due_date(policy, counted),
        threshold_met=threshold_met,
        policy_name=policy.name,
        policy_version=policy.version,
        agencies=frozenset(r.agency for r in revisions if r.recorded_at <= as_known_at),
        agency_of={c.complaint_id: agency_of[c.complaint_id] for c in counted},
    )


@dataclass(frozen=True)
class LocationTrigger:
    """A linked location (RULES.md section 11 `linked_location`) whose counted incidents reach the group number."""

    location: str  # the place's key as the caller gave it (the read model gives a keyed digest, never the key)
    on: date
    counted: tuple[CountedComplaint, ...]
    reported_by: int  # the different people whose reports were counted there
    by_agency: dict[str, int]
    threshold_met: bool  # also reported by two or more people, and recent enough: a group could apply
    policy_name: str
    policy_version: int
    agency_of: dict[UUID, str] = field(default_factory=dict)  # each counted complaint's agency

    @property
    def counted_incidents(self) -> int:
        return len(self.counted)


def linked_location_trigger(
    location: str, complaints: Iterable[ComplaintRevision], policy: Policy, *, on: date, as_known_at: datetime
) -> LocationTrigger | None:
    """The place as section 12 lists it for a `linked_location` policy; None when its counted incidents fall short.

    Counted as a group application of everyone who reported there, received on `on`, would count them
    (section 4's checks with the reported-by-the-member check, and section 11's rule), as if each of
    them had consented: consent is asked for when a group applies, and the question here is whether
    the incidents would be enough. Only the complaints at `location` are given to the assessment.
    """
    revisions = [r for r in complaints if r.location_key == location]
    people = tuple(sorted({r.victim_id for r in revisions}, key=lambda person: person.int))
    if not people:
        return None
    application = ApplicationFacts(
        application_id=_NO_APPLICATION, route=Route.GROUP, applicant_id=people[0], victim_id=None,
        member_ids=people, received_date=on, complaint_ids=None,
    )  # fmt: skip
    consents = [
        ConsentRevision(
            consent_id=UUID(int=index + 1),
            recorded_at=as_known_at,
            person_id=person,
            application_id=_NO_APPLICATION,
            purpose=ConsentPurpose.GROUP_REPRESENTATION,
            given_on=on,
            withdrawn=False,
        )  # fmt: skip
        for index, person in enumerate(people[1:])
    ]
    assessment = assess(application, revisions, consents, policy, as_known_at)
    counted = assessment.counted
    if len(counted) < max(policy.group_min_individuals, MIN_LISTED):
        return None
    agency_of = {r.complaint_id: r.agency for r in revisions}
    return LocationTrigger(
        location=location,
        on=on,
        counted=counted,
        reported_by=len({c.victim_id for c in counted}),
        by_agency=dict(sorted(Counter(agency_of[c.complaint_id] for c in counted).items())),
        threshold_met=assessment.verdict is Verdict.MET,
        policy_name=policy.name,
        policy_version=policy.version,
        agency_of={c.complaint_id: agency_of[c.complaint_id] for c in counted},
    )
