"""RULES.md section 14's rulings on the case review lifecycle, to the day, on England's calendar.

An application received Mon 14 Dec 2026 is due Thu 14 Jan 2027 (section 8's worked example: 20
working days, Christmas Day, the Boxing Day substitute on Mon 28 Dec and New Year's Day not counted).
"""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actor import SYSTEM
from domain.calendar import DeadlineState, WorkingCalendar, deadline_state
from domain.case_reviews import CaseReview
from domain.errors import InvalidFact, RuleBroken
from domain.people import TextRef
from domain.vocabulary import Channel, Decision, DiscretionGrounds, Dissatisfaction, EscalationResult, Route

ENGLAND = WorkingCalendar(country="GB", subdivision="ENG")
RECEIVED = date(2026, 12, 14)
DUE = date(2027, 1, 14)
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
TEXT = TextRef(person_id=uuid4(), text_id=uuid4())


def received() -> CaseReview:
    applicant = uuid4()
    return CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=applicant, victim_id=applicant, member_ids=[], received_date=RECEIVED,
        channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN, complaint_ids=None, actor=SYSTEM,
        recorded_at=NOW,
    )  # fmt: skip


def decided(decision: Decision = Decision.MET, verdict: str = "met", on: date = date(2026, 12, 16)) -> CaseReview:
    review = received()
    review.decide_threshold(
        decision=decision, grounds=None, reason=None, decided_on=on, assessment={"verdict": verdict, "reasons": []},
        actor=SYSTEM, recorded_at=NOW,
    )  # fmt: skip
    return review


def notify_delay(review: CaseReview, notified_on: date, new_target_date: date, due: date | None = DUE) -> None:
    review.notify_delay(
        reason=TEXT, new_target_date=new_target_date, notified_on=notified_on, actor=SYSTEM, recorded_at=NOW,
        review_due_date=due,
    )  # fmt: skip


def state_on(review: CaseReview, on: date) -> DeadlineState:
    """The deadline state as the deadline view asks for it: the first notice, dated on or before `on`."""
    first = review.delay_notices[0].notified_on if review.delay_notices else None
    return deadline_state(ENGLAND, due=DUE, on=on, delay_notified_on=first if first and first <= on else None)


def test_the_worked_example_due_date():
    assert ENGLAND.due_date(RECEIVED, 20) == DUE


# --- ruling 1: a delay notice after the due date is recorded, the state stays overdue -------------


def test_rules_14_a_delay_notice_on_the_due_date_gives_delay_notified():
    review = decided()
    notify_delay(review, notified_on=DUE, new_target_date=date(2027, 2, 1))
    assert state_on(review, date(2027, 1, 13)) is DeadlineState.DUE_SOON  # not yet given
    assert state_on(review, DUE) is DeadlineState.DELAY_NOTIFIED
    assert state_on(review, date(2027, 1, 15)) is DeadlineState.DELAY_NOTIFIED
    assert state_on(review, date(2027, 2, 8)) is DeadlineState.DELAY_NOTIFIED


def test_rules_14_a_delay_notice_the_day_after_the_due_date_is_recorded_but_the_state_stays_overdue():
    review = decided()
    notify_delay(review, notified_on=date(2027, 1, 15), new_target_date=date(2027, 2, 1))
    assert len(review.delay_notices) == 1 and review.delay_notices[0].notified_on == date(2027, 1, 15)
    assert state_on(review, date(2027, 1, 15)) is DeadlineState.OVERDUE
    assert state_on(review, date(2027, 1, 18)) is DeadlineState.OVERDUE
    assert state_on(review, date(2027, 2, 8)) is DeadlineState.OVERDUE


def test_rules_14_a_late_notice_does_not_excuse_a_late_completion():
    assert (
        deadline_state(ENGLAND, due=DUE, on=date(2027, 2, 8), completed_on=date(2027, 1, 29), delay_notified_on=date(2027, 1, 15))
        is DeadlineState.COMPLETED_LATE
    )  # fmt: skip


@given(notice=st.dates(date(2026, 12, 14), date(2027, 3, 31)), on=st.dates(date(2026, 12, 14), date(2027, 6, 30)))
def test_rules_14_only_a_notice_by_the_due_date_ever_gives_delay_notified(notice: date, on: date):
    state = deadline_state(ENGLAND, due=DUE, on=on, delay_notified_on=notice)
    assert (state is DeadlineState.DELAY_NOTIFIED) == (notice <= DUE and notice <= on)
    if notice > DUE and on > DUE:
        assert state is DeadlineState.OVERDUE


def test_rules_14_the_new_target_must_be_after_the_due_date():
    review = decided()
    version = review.version
    with pytest.raises(InvalidFact) as refused:
        notify_delay(review, notified_on=date(2027, 1, 4), new_target_date=DUE)  # after the notice, not the due date
    assert refused.value.field == "new_target_date" and "2027-01-14" in refused.value.message
    assert review.version == version  # nothing recorded
    notify_delay(review, notified_on=date(2027, 1, 4), new_target_date=date(2027, 1, 15))
    assert review.current_due_date(DUE) == date(2027, 1, 15)


def test_rules_14_the_current_due_date_is_the_last_target_the_applicant_was_given():
    review = decided()
    assert review.current_due_date(DUE) == DUE
    notify_delay(review, notified_on=date(2027, 1, 11), new_target_date=date(2027, 1, 29))
    with pytest.raises(InvalidFact) as refused:  # after the policy's due date, not after the last target
        notify_delay(review, notified_on=date(2027, 1, 25), new_target_date=date(2027, 1, 29))
    assert refused.value.field == "new_target_date" and "2027-01-29" in refused.value.message
    notify_delay(review, notified_on=date(2027, 1, 25), new_target_date=date(2027, 2, 12))
    assert review.current_due_date(DUE) == date(2027, 2, 12)
    assert state_on(review, date(2027, 2, 1)) is DeadlineState.DELAY_NOTIFIED  # the first notice came in time


def test_rules_14_a_late_notice_s_target_still_binds_the_next_notice():
    review = decided()
    notify_delay(review, notified_on=date(2027, 1, 18), new_target_date=date(2027, 2, 1))  # late
    with pytest.raises(InvalidFact) as refused:
        notify_delay(review, notified_on=date(2027, 1, 20), new_target_date=date(2027, 1, 29))
    assert refused.value.field == "new_target_date"


def test_rules_14_delay_notices_are_dated_in_order():
    review = decided()
    notify_delay(review, notified_on=date(2027, 1, 11), new_target_date=date(2027, 1, 29))
    with pytest.raises(InvalidFact) as refused:
        notify_delay(review, notified_on=date(2027, 1, 8), new_target_date=date(2027, 2, 12))
    assert refused.value.field == "notified_on"


def test_rules_14_without_the_policy_due_date_only_earlier_targets_bind():
    review = decided()
    notify_delay(review, notified_on=date(2027, 1, 4), new_target_date=date(2027, 1, 8), due=None)
    with pytest.raises(InvalidFact):
        notify_delay(review, notified_on=date(2027, 1, 5), new_target_date=date(2027, 1, 8), due=None)
    assert review.current_due_date(None) == date(2027, 1, 8)
    assert review.current_due_date(DUE) == DUE  # the policy's date is later than that early target
    with pytest.raises(InvalidFact):
        notify_delay(review, notified_on=date(2027, 1, 5), new_target_date=DUE)


# --- ruling 2: completion is the applicant being told the outcome ---------------------------------


def test_rules_14_a_delay_notice_between_review_completion_and_the_outcome_notice_is_allowed():
    review = decided()
    review.complete_review(completed_on=date(2027, 1, 12), recommendations=[], actor=SYSTEM, recorded_at=NOW)
    notify_delay(review, notified_on=date(2027, 1, 13), new_target_date=date(2027, 1, 22))
    assert review.completion_on is None
    review.notify_outcome(notified_on=date(2027, 1, 21), actor=SYSTEM, recorded_at=NOW)
    assert review.completion_on == date(2027, 1, 21)
    version = review.version
    with pytest.raises(RuleBroken) as refused:
        notify_delay(review, notified_on=date(2027, 1, 21), new_target_date=date(2027, 2, 5))
    assert "2027-01-21" in refused.value.message and review.version == version


def test_rules_14_a_not_met_decision_may_be_delayed_until_the_applicant_is_told():
    review = decided(Decision.NOT_MET, verdict="not_met")
    notify_delay(review, notified_on=date(2026, 12, 17), new_target_date=date(2027, 1, 20))
    review.notify_outcome(notified_on=date(2026, 12, 18), actor=SYSTEM, recorded_at=NOW)
    assert review.completion_on == date(2026, 12, 18)
    with pytest.raises(RuleBroken):
        notify_delay(review, notified_on=date(2026, 12, 21), new_target_date=date(2027, 1, 29))


def test_rules_14_completion_stands_after_an_upheld_escalation():
    """The deadline of section 8 was finished by the first telling; a reopened round has none."""
    review = decided(Decision.NOT_MET, verdict="not_met")
    review.notify_outcome(notified_on=date(2026, 12, 18), actor=SYSTEM, recorded_at=NOW)
    escalation = uuid4()
    review.request_escalation(
        escalation_id=escalation, requested_on=date(2026, 12, 21), reason=None, actor=SYSTEM, recorded_at=NOW
    )
    review.decide_escalation(
        escalation_id=escalation, result=EscalationResult.UPHELD, decided_on=date(2027, 1, 4), actor=SYSTEM,
        recorded_at=NOW,
    )  # fmt: skip
    with pytest.raises(RuleBroken):
        notify_delay(review, notified_on=date(2027, 1, 5), new_target_date=date(2027, 2, 1))


# --- ruling 3: 'met' against a pending assessment is refused ---------------------------------------


@pytest.mark.parametrize("missing", ["victim_consent_missing", "member_consent_missing"])
def test_rules_14_met_against_a_pending_assessment_is_refused_naming_the_missing_consent(missing):
    review = received()
    for grounds, reason in ((None, None), (DiscretionGrounds.HARM, TEXT)):  # discretion does not help
        with pytest.raises(RuleBroken) as refused:
            review.decide_threshold(
                decision=Decision.MET, grounds=grounds, reason=reason, decided_on=date(2026, 12, 16),
                assessment={"verdict": "pending", "reasons": [missing]}, actor=SYSTEM, recorded_at=NOW,
            )  # fmt: skip
        assert missing in refused.value.message and refused.value.field == "decision"
    assert review.decision is None and review.version == 1


def test_rules_14_not_met_against_a_pending_assessment_may_be_decided():
    review = received()
    review.decide_threshold(
        decision=Decision.NOT_MET, grounds=None, reason=None, decided_on=date(2026, 12, 16),
        assessment={"verdict": "pending", "reasons": ["victim_consent_missing"]}, actor=SYSTEM, recorded_at=NOW,
    )  # fmt: skip
    assert review.decision.decision is Decision.NOT_MET


def test_rules_14_discretion_still_decides_met_against_not_met():
    review = received()
    review.decide_threshold(
        decision=Decision.MET, grounds=DiscretionGrounds.PERSISTENCE, reason=TEXT,
        decided_on=RECEIVED + timedelta(days=2), assessment={"verdict": "not_met", "reasons": ["too_few_incidents"]},
        actor=SYSTEM, recorded_at=NOW,
    )  # fmt: skip
    assert review.review_ordered
