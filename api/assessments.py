"""Assessing an application as known at a moment: gather the facts by index, then ask the pure rules.

Which facts existed at T is found through the recorded-time index (`event_timeline`) and the
fact links (`fact_links`), never by scanning the store; the events found are folded into one
revision per event, each carrying its recorded time, and `domain.eligibility.assess` decides.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from api.application import CommunityTrigger, NotFound
from api.policies import Policies
from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.consents import Consent
from domain.eligibility import ApplicationFacts, Assessment, ComplaintRevision, ConsentRevision, assess
from domain.errors import InvalidFact
from domain.policy import Policy


def application_facts(review: CaseReview) -> ApplicationFacts:
    return ApplicationFacts(
        application_id=review.id,
        route=review.route,
        applicant_id=review.applicant_id,
        victim_id=review.victim_id,
        member_ids=tuple(review.member_ids),
        received_date=review.received_date,
        complaint_ids=review.complaint_ids,
    )


def revisions(events: Iterable[Any]) -> tuple[list[ComplaintRevision], list[ConsentRevision]]:
    """Fold each aggregate's events in order; every event gives the revision in force from its recorded time."""
    complaints: list[ComplaintRevision] = []
    consents: list[ConsentRevision] = []
    current: dict[UUID, Any] = {}
    for event in events:
        aggregate = event.mutate(current.get(event.originator_id))
        current[event.originator_id] = aggregate
        if isinstance(aggregate, Complaint):
            complaints.append(
                ComplaintRevision(
                    complaint_id=aggregate.id,
                    recorded_at=event.timestamp,
                    victim_id=aggregate.victim_id,
                    complainant_id=aggregate.complainant_id,
                    agency=aggregate.agency,
                    incident_date=aggregate.incident_date,
                    reported_date=aggregate.reported_date,
                    caused_had=aggregate.caused_had,
                    incident_ref=aggregate.incident_ref,
                    withdrawn=aggregate.withdrawn,
                )  # fmt: skip
            )
        elif isinstance(aggregate, Consent):
            consents.append(
                ConsentRevision(
                    consent_id=aggregate.id,
                    recorded_at=event.timestamp,
                    person_id=aggregate.person_id,
                    application_id=aggregate.application_id,
                    purpose=aggregate.purpose,
                    given_on=aggregate.given_on,
                    withdrawn=aggregate.withdrawn,
                )  # fmt: skip
            )
    return complaints, consents


class Assessor:
    def __init__(self, trigger: CommunityTrigger, policies: Policies) -> None:
        self.trigger = trigger
        self.policies = policies

    def case_review_as_known_at(self, review_id: UUID, as_known_at: datetime) -> CaseReview:
        version = self.trigger.versions_at([review_id], as_known_at).get(review_id)
        if version is None:
            if self.trigger.versions_at([review_id], datetime.max.replace(tzinfo=as_known_at.tzinfo)):
                raise InvalidFact(
                    f"the application was not yet recorded at {as_known_at.isoformat()}", field="as_known_at"
                )
            raise NotFound("case review", review_id)
        return self.trigger.load(CaseReview, review_id, what="case review", version=version)

    def policy_for(self, review: CaseReview, reference: str | None = None) -> Policy:
        return self.policies.named(reference) if reference else self.policies.in_force(review.received_date)

    def relied_on(self, review: CaseReview, as_known_at: datetime) -> tuple[list[UUID], list[UUID]]:
        """The complaints (named ones, else all of its victims') and consents an application may rely on."""
        if review.complaint_ids is not None:
            complaint_ids = list(review.complaint_ids)
        else:
            victims = [review.victim_id] if review.victim_id else list(review.member_ids)
            complaint_ids = self.trigger.linked_facts(victims, as_known_at)
        return complaint_ids, self.trigger.linked_facts([review.id], as_known_at)

    def assess(self, review: CaseReview, as_known_at: datetime, policy: Policy | None = None) -> Assessment:
        """The automatic assessment of `review` under `policy` (default: in force on its received date)."""
        complaint_ids, consent_ids = self.relied_on(review, as_known_at)
        complaints, consents = revisions(self.trigger.events_as_known_at([*complaint_ids, *consent_ids], as_known_at))
        return assess(application_facts(review), complaints, consents, policy or self.policy_for(review), as_known_at)
