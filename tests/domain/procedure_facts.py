"""Small builders of plain facts for the section 11 tests: complaints, applications, consents, assessments.

Not a test file: the tests in this folder import it (pytest puts this folder on the import path).
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.eligibility import ApplicationFacts, Assessment, ComplaintRevision, ConsentRevision, assess
from domain.policy import HAVANT_POLICY, Policy
from domain.vocabulary import ComplaintCategory, ComplaintSource, ConsentPurpose, Route

VICTIM = UUID(int=1)
HELPER = UUID(int=3)
APPLICATION = UUID(int=100)
MEMBERS = tuple(UUID(int=n) for n in range(201, 211))
POLICE = "hampshire-constabulary"
COUNCIL = "havant-borough-council"
HOME = "uprn-100062456789"  # an opaque location key
ELSEWHERE = "uprn-100062999999"

_ids = itertools.count(10_000)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def complaint(
    incident: date,
    reported: date | None = None,
    *,
    victim: UUID = VICTIM,
    complainant: UUID | None = None,
    agency: str = POLICE,
    had: bool = True,
    ref: str | None = None,
    withdrawn: bool = False,
    category: ComplaintCategory = ComplaintCategory.OTHER,
    source: ComplaintSource = ComplaintSource.OTHER,
    location_key: str | None = None,
    recorded_at: datetime | None = None,
) -> ComplaintRevision:
    """A complaint as logged: reported on the incident day and recorded at noon that day unless told."""
    reported = reported or incident
    return ComplaintRevision(
        complaint_id=UUID(int=next(_ids)),
        recorded_at=recorded_at or at(reported),
        victim_id=victim,
        complainant_id=complainant or victim,
        agency=agency,
        incident_date=incident,
        reported_date=reported,
        caused_had=had,
        incident_ref=ref,
        withdrawn=withdrawn,
        category=category,
        source=source,
        location_key=location_key,
    )


def individual(received: date, *, applicant: UUID = VICTIM, victim: UUID = VICTIM) -> ApplicationFacts:
    return ApplicationFacts(APPLICATION, Route.INDIVIDUAL, applicant, victim, (), received, None)


def group(members: tuple[UUID, ...], received: date, *, applicant: UUID | None = None) -> ApplicationFacts:
    """A group application; the representative is the first member unless told."""
    return ApplicationFacts(APPLICATION, Route.GROUP, applicant or members[0], None, members, received, None)


def consent(
    person: UUID, *, on: date, purpose: ConsentPurpose = ConsentPurpose.GROUP_REPRESENTATION
) -> ConsentRevision:
    return ConsentRevision(UUID(int=next(_ids)), at(on), person, APPLICATION, purpose, on, False)


def decide(
    application: ApplicationFacts,
    complaints: list[ComplaintRevision],
    consents: list[ConsentRevision] = (),  # type: ignore[assignment]
    *,
    policy: Policy = HAVANT_POLICY,
) -> Assessment:
    """The assessment as known well after everything was recorded."""
    later = at(application.received_date + timedelta(days=60))
    return assess(application, complaints, consents, policy, later)


def status(assessment: Assessment, revision: ComplaintRevision) -> str | tuple[str, ...] | None:
    """'counted', the tuple of reasons it was excluded for, or None when it was not considered."""
    if any(c.complaint_id == revision.complaint_id for c in assessment.counted):
        return "counted"
    for e in assessment.excluded:
        if e.complaint_id == revision.complaint_id:
            return tuple(e.reasons)
    return None
