"""The aggregates' invariants, driven without infrastructure: every refusal is seen."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from domain.actor import SYSTEM
from domain.case_reviews import CaseReview, Recommendation
from domain.complaints import Complaint
from domain.consents import Consent
from domain.errors import InvalidFact, RuleBroken
from domain.people import Contact, Person, PersonalText, TextRef
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ComplaintCategory,
    ConsentPurpose,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Route,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TEXT = TextRef(person_id=uuid4(), text_id=uuid4())


def log(**overrides) -> Complaint:
    facts = dict(
        victim_id=uuid4(), complainant_id=uuid4(), agency="hampshire-constabulary", agency_reference=None,
        incident_date=date(2026, 10, 1), reported_date=date(2026, 10, 2), caused_had=True,
        category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None, actor=SYSTEM, recorded_at=NOW,
    )  # fmt: skip
    facts.update(overrides)
    return Complaint.log(**facts)


def request(**overrides) -> CaseReview:
    victim = uuid4()
    facts = dict(
        route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim, member_ids=[], received_date=date(2026, 11, 2),
        channel=Channel.PHONE_101, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN, complaint_ids=None, actor=SYSTEM, recorded_at=NOW,
    )  # fmt: skip
    facts.update(overrides)
    return CaseReview.request(**facts)


def decided(decision=Decision.MET, verdict="met", **overrides) -> CaseReview:
    review = request()
    facts = dict(
        decision=decision,
        grounds=None,
        reason=None,
        decided_on=date(2026, 11, 5),
        assessment={"verdict": verdict},
        actor=SYSTEM,
        recorded_at=NOW,
    )
    facts.update(overrides)
    review.decide_threshold(**facts)
    return review


# --- complaints --------------------------------------------------------------------------


def test_a_reported_date_before_the_incident_date_is_refused():
    with pytest.raises(InvalidFact) as refused:
        log(incident_date=date(2026, 10, 5), reported_date=date(2026, 10, 4))
    assert refused.value.field == "reported_date"


@pytest.mark.parametrize("field", ["incident_date", "reported_date"])
def test_dates_after_today_in_london_are_refused(field):
    with pytest.raises(InvalidFact) as refused:
        log(**{field: date(2026, 11, 24)})
    assert refused.value.field == field


def test_today_is_the_london_date_not_the_utc_date():
    # 23:30 UTC on 31 May is already 1 June in London (BST): a report dated 1 June is not in the future.
    late_evening = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    log(incident_date=date(2026, 6, 1), reported_date=date(2026, 6, 1), recorded_at=late_evening)


def test_an_agency_is_a_slug():
    with pytest.raises(InvalidFact):
        log(agency="Hampshire Constabulary")


def test_a_withdrawn_complaint_cannot_be_withdrawn_again_or_amended():
    complaint = log()
    complaint.withdraw(reason=TEXT, actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(RuleBroken):
        complaint.withdraw(reason=TEXT, actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(RuleBroken):
        complaint.amend(changes={"agency_reference": "X"}, actor=SYSTEM, recorded_at=NOW)


def test_an_amendment_keeps_the_date_rules_and_changes_only_facts():
    complaint = log()
    with pytest.raises(InvalidFact):
        complaint.amend(changes={"reported_date": date(2026, 9, 30)}, actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(InvalidFact) as refused:
        complaint.amend(changes={"victim_id": uuid4()}, actor=SYSTEM, recorded_at=NOW)
    assert refused.value.field == "victim_id"
    with pytest.raises(InvalidFact):
        complaint.amend(changes={"caused_had": True}, actor=SYSTEM, recorded_at=NOW)  # changes nothing
    complaint.amend(changes={"reported_date": date(2026, 10, 3)}, actor=SYSTEM, recorded_at=NOW)
    assert complaint.reported_date == date(2026, 10, 3) and complaint.version == 2


# --- consents ----------------------------------------------------------------------------


def test_a_withdrawn_consent_cannot_be_withdrawn_again():
    consent = Consent.give(
        person_id=uuid4(),
        application_id=uuid4(),
        purpose=ConsentPurpose.APPLICATION_ON_BEHALF,
        given_on=date(2026, 11, 1),
        actor=SYSTEM,
        recorded_at=NOW,
    )
    with pytest.raises(InvalidFact):
        consent.withdraw(withdrawn_on=date(2026, 10, 31), actor=SYSTEM, recorded_at=NOW)
    consent.withdraw(withdrawn_on=date(2026, 11, 10), actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(RuleBroken):
        consent.withdraw(withdrawn_on=date(2026, 11, 11), actor=SYSTEM, recorded_at=NOW)


# --- applications ------------------------------------------------------------------------


def test_routes_name_the_right_people():
    with pytest.raises(InvalidFact) as refused:
        request(victim_id=None)
    assert refused.value.field == "victim_id"
    with pytest.raises(InvalidFact) as refused:
        request(route=Route.GROUP, victim_id=None, member_ids=[])
    assert refused.value.field == "member_ids"
    member = uuid4()
    with pytest.raises(InvalidFact):
        request(route=Route.GROUP, victim_id=None, member_ids=[member, member])
    with pytest.raises(InvalidFact) as refused:
        request(received_date=date(2026, 11, 24))
    assert refused.value.field == "received_date"


def test_no_review_before_a_met_decision():
    review = request()
    with pytest.raises(RuleBroken):
        review.complete_review(completed_on=date(2026, 11, 10), recommendations=[], actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(RuleBroken):
        review.share_information(
            agency="vivid-homes", shared_on=date(2026, 11, 10), summary=None, actor=SYSTEM, recorded_at=NOW
        )
    not_met = decided(Decision.NOT_MET, verdict="not_met")
    with pytest.raises(RuleBroken):
        not_met.complete_review(completed_on=date(2026, 11, 10), recommendations=[], actor=SYSTEM, recorded_at=NOW)


def test_not_met_against_a_met_assessment_is_refused():
    with pytest.raises(RuleBroken):
        decided(Decision.NOT_MET, verdict="met")


def test_discretion_needs_grounds_and_a_reason():
    with pytest.raises(InvalidFact) as refused:
        decided(Decision.MET, verdict="not_met")
    assert refused.value.field == "grounds"
    with pytest.raises(InvalidFact) as refused:
        decided(Decision.MET, verdict="not_met", grounds=DiscretionGrounds.HARM)
    assert refused.value.field == "reason"
    review = decided(Decision.MET, verdict="not_met", grounds=DiscretionGrounds.HARM, reason=TEXT)
    assert review.status is CaseStatus.UNDER_REVIEW and review.decision.grounds is DiscretionGrounds.HARM
    with pytest.raises(InvalidFact):
        decided(Decision.MET, verdict="met", grounds=DiscretionGrounds.HARM, reason=TEXT)


def test_the_threshold_is_decided_once_and_not_before_receipt():
    with pytest.raises(InvalidFact):
        decided(decided_on=date(2026, 11, 1))
    review = decided()
    with pytest.raises(RuleBroken):
        review.decide_threshold(
            decision=Decision.MET,
            grounds=None,
            reason=None,
            decided_on=date(2026, 11, 6),
            assessment=None,
            actor=SYSTEM,
            recorded_at=NOW,
        )


def test_no_second_outcome_notice_and_none_before_the_review():
    review = decided()
    with pytest.raises(RuleBroken):
        review.notify_outcome(notified_on=date(2026, 11, 12), actor=SYSTEM, recorded_at=NOW)
    review.complete_review(completed_on=date(2026, 11, 12), recommendations=[], actor=SYSTEM, recorded_at=NOW)
    review.notify_outcome(notified_on=date(2026, 11, 13), actor=SYSTEM, recorded_at=NOW)
    assert review.status is CaseStatus.CLOSED
    with pytest.raises(RuleBroken):
        review.notify_outcome(notified_on=date(2026, 11, 14), actor=SYSTEM, recorded_at=NOW)


def test_a_delay_notice_comes_only_before_completion_with_a_later_target():
    """RULES.md 14: completion is the applicant being told the outcome, not the review's completion."""
    review = decided()
    with pytest.raises(InvalidFact) as refused:
        review.notify_delay(
            reason=TEXT, new_target_date=date(2026, 11, 9), notified_on=date(2026, 11, 9), actor=SYSTEM, recorded_at=NOW
        )
    assert refused.value.field == "new_target_date"
    review.notify_delay(
        reason=TEXT, new_target_date=date(2026, 12, 9), notified_on=date(2026, 11, 9), actor=SYSTEM, recorded_at=NOW
    )
    review.complete_review(completed_on=date(2026, 11, 12), recommendations=[], actor=SYSTEM, recorded_at=NOW)
    review.notify_delay(  # between the review's completion and the outcome notice: allowed
        reason=TEXT, new_target_date=date(2026, 12, 19), notified_on=date(2026, 11, 13), actor=SYSTEM, recorded_at=NOW
    )
    review.notify_outcome(notified_on=date(2026, 11, 16), actor=SYSTEM, recorded_at=NOW)
    with pytest.raises(RuleBroken):
        review.notify_delay(
            reason=TEXT,
            new_target_date=date(2026, 12, 23),
            notified_on=date(2026, 11, 17),
            actor=SYSTEM,
            recorded_at=NOW,
        )


def test_recommendations_are_due_after_the_review():
    review = decided()
    with pytest.raises(InvalidFact) as refused:
        review.complete_review(
            completed_on=date(2026, 11, 12), recommendations=[Recommendation(action=TEXT, agency="vivid-homes", due_date=date(2026, 11, 1))],
            actor=SYSTEM, recorded_at=NOW,
        )  # fmt: skip
    assert refused.value.field == "recommendations[0].due_date"


def test_escalation_follows_a_decision_one_at_a_time_and_upheld_goes_back_to_review():
    review = request()
    with pytest.raises(RuleBroken):
        review.request_escalation(
            escalation_id=uuid4(), requested_on=date(2026, 11, 10), reason=None, actor=SYSTEM, recorded_at=NOW
        )
    review = decided(Decision.NOT_MET, verdict="not_met")
    review.notify_outcome(notified_on=date(2026, 11, 6), actor=SYSTEM, recorded_at=NOW)
    first = uuid4()
    review.request_escalation(
        escalation_id=first, requested_on=date(2026, 11, 10), reason=None, actor=SYSTEM, recorded_at=NOW
    )
    assert review.status is CaseStatus.ESCALATED
    with pytest.raises(RuleBroken):
        review.request_escalation(
            escalation_id=uuid4(), requested_on=date(2026, 11, 11), reason=None, actor=SYSTEM, recorded_at=NOW
        )
    review.decide_escalation(
        escalation_id=first,
        result=EscalationResult.UPHELD,
        decided_on=date(2026, 11, 12),
        actor=SYSTEM,
        recorded_at=NOW,
    )
    with pytest.raises(RuleBroken):
        review.decide_escalation(
            escalation_id=first,
            result=EscalationResult.UPHELD,
            decided_on=date(2026, 11, 12),
            actor=SYSTEM,
            recorded_at=NOW,
        )
    assert review.status is CaseStatus.UNDER_REVIEW
    review.complete_review(completed_on=date(2026, 11, 20), recommendations=[], actor=SYSTEM, recorded_at=NOW)
    review.notify_outcome(notified_on=date(2026, 11, 20), actor=SYSTEM, recorded_at=NOW)
    assert review.status is CaseStatus.CLOSED


def test_every_event_names_its_actor_and_recorded_time():
    person = Person.register(display_name="Alex", contact=Contact(), actor=SYSTEM, recorded_at=NOW)
    text = PersonalText.record(person_id=person.id, purpose="note", text="hello", actor=SYSTEM, recorded_at=NOW)
    review = decided()
    for event in [*person.collect_events(), *text.collect_events(), *review.collect_events()]:
        assert event.actor == SYSTEM and event.timestamp == NOW and type(event).class_version == 1
