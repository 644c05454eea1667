"""Applies the generator's steps through the application's own commands, as if each were recorded at its time.

Going through the commands (not around them) means demo and benchmark data obey every rule the
API enforces, and a step the domain refuses is a bug in the generator, reported as such.
"""

import sys
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from api.application import CommunityTrigger, RecommendationInput
from benchmarks import generator as g
from domain.actor import Actor
from domain.people import Contact
from domain.vocabulary import Role

Assess = Callable[[Any, datetime], dict | None]  # (case review, as known at) -> the assessment to record

COORDINATOR = Actor(key_id="demo-data", role=Role.COORDINATOR)
DEMO_SEED = 2014
DEMO_COMPLAINTS = 600


def agency_actor(agency: str) -> Actor:
    return Actor(key_id="demo-data", role=Role.AGENCY, agency=agency)


def apply_step(trigger: CommunityTrigger, step: Any, assess: Assess) -> None:
    at = step.at
    match step:
        case g.RegisterPerson():
            contact = Contact(phone=step.phone, email=step.email, address=step.address)
            trigger.register_person(
                display_name=step.display_name, contact=contact, actor=COORDINATOR, now=at, id=step.person_id
            )
        case g.LogComplaint():
            trigger.log_complaint(
                victim_id=step.victim_id, complainant_id=step.complainant_id, agency=step.agency,
                agency_reference=step.agency_reference, incident_date=step.incident_date, reported_date=step.reported_date,
                caused_had=step.caused_had, category=step.category, location=step.location, description=step.description,
                incident_ref=step.incident_ref, actor=agency_actor(step.agency), now=at, id=step.complaint_id,
            )  # fmt: skip
        case g.WithdrawComplaint():
            agency = trigger.complaint(step.complaint_id).agency
            trigger.withdraw_complaint(step.complaint_id, reason=step.reason, actor=agency_actor(agency), now=at)
        case g.RequestCaseReview():
            trigger.request_case_review(
                route=step.route, applicant_id=step.applicant_id, victim_id=step.victim_id, member_ids=list(step.member_ids),
                received_date=step.received_date, channel=step.channel, dissatisfaction=step.dissatisfaction,
                complaint_ids=None if step.complaint_ids is None else list(step.complaint_ids), actor=COORDINATOR, now=at,
                id=step.application_id,
            )  # fmt: skip
        case g.GiveConsent():
            trigger.give_consent(
                person_id=step.person_id, application_id=step.application_id, purpose=step.purpose, given_on=step.given_on,
                actor=COORDINATOR, now=at, id=step.consent_id,
            )  # fmt: skip
        case g.WithdrawConsent():
            trigger.withdraw_consent(step.consent_id, withdrawn_on=step.withdrawn_on, actor=COORDINATOR, now=at)
        case g.Acknowledge():
            trigger.acknowledge(step.application_id, acknowledged_on=step.acknowledged_on, actor=COORDINATOR, now=at)
        case g.DecideThreshold():
            trigger.decide_threshold(
                step.application_id, decision=step.intended, grounds=step.grounds, reason=step.reason,
                decided_on=step.decided_on, assess=lambda review: assess(review, at), actor=COORDINATOR, now=at,
            )  # fmt: skip
        case g.ShareInformation():
            trigger.share_information(
                step.application_id,
                agency=step.agency,
                shared_on=step.shared_on,
                summary=step.summary,
                actor=agency_actor(step.agency),
                now=at,
            )
        case g.NotifyDelay():
            trigger.notify_delay(
                step.application_id,
                reason=step.reason,
                new_target_date=step.new_target_date,
                notified_on=step.notified_on,
                actor=COORDINATOR,
                now=at,
            )
        case g.CompleteReview():
            recommendations = [
                RecommendationInput(action=r.action, agency=r.agency, due_date=r.due_date) for r in step.recommendations
            ]
            trigger.complete_review(
                step.application_id,
                completed_on=step.completed_on,
                recommendations=recommendations,
                actor=COORDINATOR,
                now=at,
            )
        case g.NotifyOutcome():
            trigger.notify_outcome(step.application_id, notified_on=step.notified_on, actor=COORDINATOR, now=at)
        case g.RequestEscalation():
            trigger.request_escalation(
                step.application_id,
                escalation_id=step.escalation_id,
                requested_on=step.requested_on,
                reason=step.reason,
                actor=COORDINATOR,
                now=at,
            )
        case g.DecideEscalation():
            trigger.decide_escalation(
                step.application_id,
                escalation_id=step.escalation_id,
                result=step.result,
                decided_on=step.decided_on,
                actor=COORDINATOR,
                now=at,
            )
        case _:
            raise TypeError(f"unknown step {type(step).__name__}")


def load(
    trigger: CommunityTrigger,
    steps: Iterable[Any],
    *,
    assess: Assess = lambda review, at: None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply every step; returns the number of events now in the store."""
    for count, step in enumerate(steps, start=1):
        try:
            apply_step(trigger, step, assess)
        except Exception as error:
            raise RuntimeError(f"the generator's step {count} ({type(step).__name__}) was refused: {error}") from error
        if progress and count % 500 == 0:
            progress(count)
    return trigger.recorder.max_notification_id() or 0


def load_demo(trigger: CommunityTrigger, today: date, assess: Assess) -> int:
    """Load the demo data set into an empty store; returns its event count (0 when the store was not empty)."""
    if trigger.holds_case_data():
        return 0
    started = time.monotonic()

    def progress(count: int) -> None:
        print(f"  demo data: {count} steps applied ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)

    steps = g.generate(seed=DEMO_SEED, complaints=DEMO_COMPLAINTS, today=today)
    return load(trigger, steps, assess=assess, progress=progress)
