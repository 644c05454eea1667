"""Applies the generator's steps through the application's own commands, as if each were recorded at its time.

Going through the commands (not around them) means demo and benchmark data obey every rule the
API enforces, and a step the domain refuses is a bug in the generator, reported as such.
"""

import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from demo import generator as g
from domain.actor import Actor
from domain.people import Contact
from domain.vocabulary import Role
from service import commands as c
from service.casework import Casework

COORDINATOR = Actor(key_id="demo-data", role=Role.COORDINATOR)
PCC = Actor(key_id="demo-data", role=Role.PCC)  # the local policing body's results (RULES.md 13)
DEMO_SEED = 2014
DEMO_COMPLAINTS = 600


def agency_actor(agency: str) -> Actor:
    return Actor(key_id="demo-data", role=Role.AGENCY, agency=agency)


def command_for(casework: Casework, step: Any) -> tuple[Any, Actor]:
    """The command a generator step stands for, and who gives it (an agency logs and shares as itself)."""
    match step:
        case g.RegisterPerson():
            contact = Contact(phone=step.phone, email=step.email, address=step.address)
            return c.RegisterPerson(step.display_name, contact, id=step.person_id), COORDINATOR
        case g.LogComplaint():
            return c.LogComplaint(
                victim_id=step.victim_id, complainant_id=step.complainant_id, agency=step.agency,
                agency_reference=step.agency_reference, incident_date=step.incident_date, reported_date=step.reported_date,
                caused_had=step.caused_had, category=step.category, location=step.location, description=step.description,
                incident_ref=step.incident_ref, id=step.complaint_id,
            ), agency_actor(step.agency)  # fmt: skip
        case g.WithdrawComplaint():
            agency = casework.complaint(step.complaint_id).agency
            return c.WithdrawComplaint(step.complaint_id, reason=step.reason), agency_actor(agency)
        case g.RequestCaseReview():
            return c.RequestCaseReview(
                route=step.route, applicant_id=step.applicant_id, victim_id=step.victim_id, member_ids=list(step.member_ids),
                received_date=step.received_date, channel=step.channel, dissatisfaction=step.dissatisfaction,
                complaint_ids=None if step.complaint_ids is None else list(step.complaint_ids), id=step.application_id,
            ), COORDINATOR  # fmt: skip
        case g.GiveConsent():
            return c.GiveConsent(
                person_id=step.person_id, application_id=step.application_id, purpose=step.purpose,
                given_on=step.given_on, id=step.consent_id,
            ), COORDINATOR  # fmt: skip
        case g.WithdrawConsent():
            return c.WithdrawConsent(step.consent_id, withdrawn_on=step.withdrawn_on), COORDINATOR
        case g.Acknowledge():
            return c.Acknowledge(step.application_id, acknowledged_on=step.acknowledged_on), COORDINATOR
        case g.DecideThreshold():
            return c.DecideThreshold(
                step.application_id, decision=step.intended, grounds=step.grounds, reason=step.reason,
                decided_on=step.decided_on,
            ), COORDINATOR  # fmt: skip
        case g.ShareInformation():
            return c.ShareInformation(
                step.application_id, agency=step.agency, shared_on=step.shared_on, summary=step.summary
            ), COORDINATOR  # on the agency's behalf: an agency shares as itself only where it was asked (API.md)
        case g.NotifyDelay():
            return c.NotifyDelay(
                step.application_id, reason=step.reason, new_target_date=step.new_target_date,
                notified_on=step.notified_on,
            ), COORDINATOR  # fmt: skip
        case g.CompleteReview():
            recommendations = [c.RecommendationInput(r.action, r.agency, r.due_date) for r in step.recommendations]
            return c.CompleteReview(step.application_id, step.completed_on, recommendations), COORDINATOR
        case g.NotifyOutcome():
            return c.NotifyOutcome(step.application_id, notified_on=step.notified_on), COORDINATOR
        case g.RequestEscalation():
            return c.RequestEscalation(
                step.application_id, escalation_id=step.escalation_id, requested_on=step.requested_on,
                reason=step.reason,
            ), COORDINATOR  # fmt: skip
        case g.DecideEscalation():
            return c.DecideEscalation(
                step.application_id, escalation_id=step.escalation_id, result=step.result, decided_on=step.decided_on
            ), COORDINATOR
        case g.RecordInvolvement():
            return c.RecordInvolvement(
                step.application_id, level=step.level, invited=step.invited, invitation_mode=step.invitation_mode,
                attended=step.attended, impact_statement=step.impact_statement,
                not_invited_reason=step.not_invited_reason,
            ), COORDINATOR  # fmt: skip
        case g.HoldReviewMeeting():
            return c.HoldReviewMeeting(
                step.application_id, held_on=step.held_on, chair=step.chair, independent_chair=step.independent_chair,
                agencies_present=list(step.agencies_present),
            ), COORDINATOR  # fmt: skip
        case g.MarkActionDone():  # the owning agency marks its action done
            return c.MarkActionDone(
                step.application_id, step.action_id, done_on=step.done_on, evidence=step.evidence
            ), agency_actor(step.agency)
        case g.DropAction():
            return c.DropAction(step.application_id, step.action_id, step.dropped_on, step.reason), COORDINATOR
        case g.GiveUpdate():
            return c.GiveUpdate(step.application_id, step.updated_on, step.channel, step.summary), COORDINATOR
        case g.RequestInformation():
            return c.RequestInformation(
                step.application_id, step.request_id, agency=step.agency, requested_on=step.requested_on,
                due_date=step.due_date, question=step.question,
            ), COORDINATOR  # fmt: skip
        case g.AnswerInformationRequest():  # the agency asked answers
            return c.AnswerInformationRequest(
                step.application_id, step.request_id, answered_on=step.answered_on, answer=step.answer
            ), agency_actor(step.agency)
        case g.RecordLetterSent():
            return c.RecordLetterSent(step.application_id, step.kind, step.sent_on, step.channel), COORDINATOR
        case g.RequestPccReview():
            return c.RequestPccReview(
                step.application_id, step.pcc_review_id, requested_on=step.requested_on, grounds=list(step.grounds),
                reason=step.reason,
            ), COORDINATOR  # fmt: skip
        case g.DecidePccReview():  # the local policing body decides
            next_steps = [c.NextStepInput(s.action, s.agency, s.due_date) for s in step.next_steps]
            return c.DecidePccReview(
                step.application_id, step.pcc_review_id, result=step.result, reasons=step.reasons,
                decided_on=step.decided_on, next_steps=next_steps,
            ), PCC  # fmt: skip
        case g.TellAboutCaseReview():
            return c.TellAboutCaseReview(step.person_id, told_on=step.told_on, channel=step.channel), COORDINATOR
        case _:
            raise TypeError(f"unknown step {type(step).__name__}")


def apply_step(casework: Casework, step: Any) -> None:
    command, actor = command_for(casework, step)
    casework.handle(command, actor=actor, now=step.at)


def load(casework: Casework, steps: Iterable[Any], *, progress: Callable[[int], None] | None = None) -> int:
    """Apply every step; returns the number of events now in the store."""
    for count, step in enumerate(steps, start=1):
        try:
            apply_step(casework, step)
        except Exception as error:
            raise RuntimeError(f"the generator's step {count} ({type(step).__name__}) was refused: {error}") from error
        if progress and count % 500 == 0:
            progress(count)
    return casework.store.recorder.max_notification_id() or 0


def load_demo(casework: Casework, today: date) -> int:
    """Load the demo data set into an empty store; returns its event count (0 when the store was not empty)."""
    if casework.store.holds_case_data():
        return 0
    started = time.monotonic()

    def progress(count: int) -> None:
        print(f"  demo data: {count} steps applied ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)

    steps = g.generate(seed=DEMO_SEED, complaints=DEMO_COMPLAINTS, today=today)
    return load(casework, steps, progress=progress)
