"""RULES.md section 13 on the case review: the victim's part and the partnership's promises, to the day.

Dates are on England's calendar around Christmas 2026: Fri 25 Dec and Mon 28 Dec 2026 (Boxing Day's
substitute) and Fri 1 Jan 2027 are bank holidays.
"""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actor import SYSTEM, Actor
from domain.calendar import WorkingCalendar
from domain.case_reviews import CaseReview, Recommendation
from domain.errors import InvalidFact, NotPermitted, RuleBroken
from domain.people import TextRef
from domain.promises import (
    ActionState,
    InformationRequestState,
    action_state,
    information_request_state,
    next_step_action_id,
    recommendation_action_id,
)
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ContactChannel,
    Decision,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Role,
    Route,
)

ENGLAND = WorkingCalendar(country="GB", subdivision="ENG")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
RECEIVED = date(2026, 11, 30)
DECIDED = date(2026, 12, 2)
COUNCIL, POLICE, HOUSING = "havant-borough-council", "hampshire-constabulary", "vivid-homes"
COORDINATOR = Actor(key_id="coord", role=Role.COORDINATOR)
COUNCIL_KEY = Actor(key_id="hbc", role=Role.AGENCY, agency=COUNCIL)
POLICE_KEY = Actor(key_id="police", role=Role.AGENCY, agency=POLICE)
AUDITOR = Actor(key_id="audit", role=Role.AUDITOR)
GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")  # Havant's
TEXT = TextRef(person_id=uuid4(), text_id=uuid4())


def text() -> TextRef:
    return TextRef(person_id=TEXT.person_id, text_id=uuid4())


def received() -> CaseReview:
    applicant = uuid4()
    return CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=applicant, victim_id=applicant, member_ids=[], received_date=RECEIVED,
        channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None, actor=SYSTEM,
        recorded_at=NOW,
    )  # fmt: skip


def decided(decision: Decision = Decision.MET) -> CaseReview:
    review = received()
    verdict = "met" if decision is Decision.MET else "not_met"
    review.decide_threshold(
        decision=decision, grounds=None, reason=None, decided_on=DECIDED, assessment={"verdict": verdict},
        actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    return review


def completed(*recommendations: Recommendation, on: date = date(2026, 12, 18)) -> CaseReview:
    review = decided()
    review.complete_review(completed_on=on, recommendations=list(recommendations), actor=COORDINATOR, recorded_at=NOW)
    return review


def told(review: CaseReview, on: date) -> CaseReview:
    review.notify_outcome(notified_on=on, actor=COORDINATOR, recorded_at=NOW)
    return review


def recommendation(agency: str = COUNCIL, due: date | None = date(2027, 1, 15)) -> Recommendation:
    return Recommendation(action=text(), agency=agency, due_date=due)


def involvement(review: CaseReview, **overrides) -> None:
    facts = dict(
        level=InvolvementLevel.ATTEND, invited=None, invitation_mode=None, attended=None, impact_statement=None,
        not_invited_reason=None, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    facts.update(overrides)
    review.record_involvement(**facts)


def meeting(review: CaseReview, held_on: date = date(2026, 12, 14), **overrides) -> None:
    facts = dict(
        held_on=held_on, chair=text(), independent_chair=True, agencies_present=[COUNCIL, POLICE], actor=COORDINATOR,
        recorded_at=NOW,
    )  # fmt: skip
    facts.update(overrides)
    review.hold_review_meeting(**facts)


def refused(error: type, field: str | None, call, *args, **kwargs) -> None:
    """The call is refused with `error` naming `field`, and records nothing."""
    review: CaseReview = call.__self__
    version = review.version
    with pytest.raises(error) as raised:
        call(*args, **kwargs)
    assert raised.value.field == field, raised.value.message
    assert review.version == version


# --- involvement ---------------------------------------------------------------------------------


def test_rules_13_involvement_level_may_be_recorded_from_the_application():
    review = received()
    involvement(review, level=InvolvementLevel.WRITTEN_STATEMENT, impact_statement=text())
    assert review.involvement.level is InvolvementLevel.WRITTEN_STATEMENT


def test_rules_13_a_refusal_to_invite_says_why_and_how_one_was_invited_may_follow():
    review = decided()
    refused(InvalidFact, "not_invited_reason", review.record_involvement, **_inv(invited=False))
    refused(InvalidFact, "invitation_mode", review.record_involvement, **_inv(invited=False, invitation_mode=InvitationMode.ONLINE, not_invited_reason=text()))  # fmt: skip
    refused(InvalidFact, "not_invited_reason", review.record_involvement, **_inv(invited=True, invitation_mode=InvitationMode.ONLINE, not_invited_reason=text()))  # fmt: skip
    refused(InvalidFact, "not_invited_reason", review.record_involvement, **_inv(not_invited_reason=text()))
    refused(InvalidFact, "attended", review.record_involvement, **_inv(invited=False, not_invited_reason=text(), attended=True))  # fmt: skip
    involvement(review, invited=False, not_invited_reason=text())
    assert review.involvement.invited is False and review.involvement.not_invited_reason is not None
    involvement(review, invited=True)  # how, when it is known
    involvement(review, invited=True, invitation_mode=InvitationMode.ONLINE)
    assert review.involvement.invitation_mode is InvitationMode.ONLINE


def _inv(**overrides) -> dict:
    facts = dict(
        level=InvolvementLevel.ATTEND, invited=None, invitation_mode=None, attended=None, impact_statement=None,
        not_invited_reason=None, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    return {**facts, **overrides}


def test_rules_13_no_invitation_before_a_met_decision_and_attendance_recorded_in_any_order_with_the_meeting():
    refused(RuleBroken, None, received().record_involvement, **_inv(invited=True, invitation_mode=InvitationMode.ONLINE))  # fmt: skip
    refused(RuleBroken, None, received().record_involvement, **_inv(attended=True))
    refused(RuleBroken, None, decided(Decision.NOT_MET).record_involvement, **_inv(invited=False, not_invited_reason=text()))  # fmt: skip
    review = decided()
    involvement(review, invited=True, invitation_mode=InvitationMode.IN_PERSON, attended=True)  # told before it is recorded
    meeting(review)
    assert review.involvement.attended is True


def test_rules_13_the_latest_involvement_record_stands():
    review = decided()
    involvement(review, level=InvolvementLevel.ATTEND, invited=True, invitation_mode=InvitationMode.ONLINE)
    involvement(review, level=InvolvementLevel.UPDATES_ONLY, invited=False, not_invited_reason=text())
    assert review.involvement.level is InvolvementLevel.UPDATES_ONLY and review.involvement.invitation_mode is None
    assert [type(e).__name__ for e in review.collect_events()].count("InvolvementRecorded") == 2


# --- review meeting ------------------------------------------------------------------------------


def test_rules_13_a_review_meeting_only_while_a_review_is_in_progress():
    refused(RuleBroken, None, received().hold_review_meeting, held_on=date(2026, 12, 3), chair=None,
            independent_chair=None, agencies_present=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, decided(Decision.NOT_MET).hold_review_meeting, held_on=date(2026, 12, 3), chair=None,
            independent_chair=None, agencies_present=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    done = completed()
    refused(RuleBroken, None, done.hold_review_meeting, held_on=date(2026, 12, 21), chair=None,
            independent_chair=None, agencies_present=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


def test_rules_13_a_review_meeting_records_when_who_chaired_and_who_came():
    review = decided()
    meeting(review, held_on=date(2026, 12, 14), independent_chair=False, agencies_present=[COUNCIL, HOUSING])
    held = review.meetings[0]
    assert held.held_on == date(2026, 12, 14) and held.independent_chair is False
    assert held.agencies_present == [COUNCIL, HOUSING] and isinstance(held.chair, TextRef)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"held_on": date(2026, 12, 1)}, "held_on"),  # before the decision
        ({"held_on": date(2027, 3, 2)}, "held_on"),  # in the future
        ({"agencies_present": [COUNCIL, "Hampshire Police"]}, "agencies_present[1]"),
        ({"agencies_present": [COUNCIL, COUNCIL]}, "agencies_present"),
    ],
)
def test_rules_13_a_review_meeting_with_bad_facts_is_refused(overrides, field):
    review = decided()
    facts = dict(held_on=date(2026, 12, 14), chair=None, independent_chair=None, agencies_present=[COUNCIL])
    refused(
        InvalidFact, field, review.hold_review_meeting, **{**facts, **overrides}, actor=COORDINATOR, recorded_at=NOW
    )


# --- actions -------------------------------------------------------------------------------------


def test_rules_13_each_recommendation_becomes_an_action_with_a_derived_id():
    review = completed(recommendation(COUNCIL), recommendation(POLICE, date(2027, 1, 29)))
    ids = [recommendation_action_id(review.id, 1, 0), recommendation_action_id(review.id, 1, 1)]
    assert list(review.actions) == ids and len(set(ids)) == 2
    first, second = review.actions.values()
    assert (first.agency, first.due_date, first.agreed_on) == (COUNCIL, date(2027, 1, 15), date(2026, 12, 18))
    assert (second.agency, second.due_date) == (POLICE, date(2027, 1, 29))
    assert recommendation_action_id(review.id, 2, 0) not in ids  # a second round makes new ids


def test_rules_13_an_action_is_overdue_the_day_after_its_due_date_and_done_from_its_date():
    review = completed(recommendation(COUNCIL, date(2027, 1, 15)))
    action_id = recommendation_action_id(review.id, 1, 0)
    assert action_state(review.actions[action_id], date(2027, 1, 15)) is ActionState.OPEN
    assert action_state(review.actions[action_id], date(2027, 1, 16)) is ActionState.OVERDUE
    review.mark_action_done(
        action_id=action_id, done_on=date(2027, 1, 20), evidence=text(), actor=COUNCIL_KEY, recorded_at=NOW
    )
    action = review.actions[action_id]
    assert action_state(action, date(2027, 1, 19)) is ActionState.OVERDUE  # as it stood on that day
    assert action_state(action, date(2027, 1, 20)) is ActionState.DONE
    assert review.collect_events()[-1].actor == COUNCIL_KEY


def test_rules_13_only_the_owning_agency_or_a_coordinator_marks_an_action_done():
    review = completed(recommendation(COUNCIL), recommendation(COUNCIL))
    first, second = review.actions
    for someone in (POLICE_KEY, AUDITOR, Actor(key_id="x", role=Role.AGENCY, agency=None)):
        refused(NotPermitted, None, review.mark_action_done, action_id=first, done_on=date(2027, 1, 4), evidence=None,
                actor=someone, recorded_at=NOW)  # fmt: skip
    review.mark_action_done(
        action_id=first, done_on=date(2027, 1, 4), evidence=None, actor=COUNCIL_KEY, recorded_at=NOW
    )
    review.mark_action_done(
        action_id=second, done_on=date(2027, 1, 4), evidence=None, actor=COORDINATOR, recorded_at=NOW
    )


def test_rules_13_only_a_coordinator_drops_an_action_with_a_reason():
    review = completed(recommendation(COUNCIL))
    (action_id,) = review.actions
    refused(NotPermitted, None, review.drop_action, action_id=action_id, dropped_on=date(2027, 1, 4), reason=text(),
            actor=COUNCIL_KEY, recorded_at=NOW)  # fmt: skip
    review.drop_action(
        action_id=action_id, dropped_on=date(2027, 1, 4), reason=text(), actor=COORDINATOR, recorded_at=NOW
    )
    assert action_state(review.actions[action_id], date(2027, 2, 1)) is ActionState.DROPPED


def test_rules_13_an_action_is_done_or_dropped_once_and_not_before_it_was_agreed():
    review = completed(recommendation(COUNCIL), recommendation(POLICE))
    first, second = review.actions
    refused(RuleBroken, None, review.mark_action_done, action_id=uuid4(), done_on=date(2027, 1, 4), evidence=None,
            actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(InvalidFact, "done_on", review.mark_action_done, action_id=first, done_on=date(2026, 12, 17),
            evidence=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(InvalidFact, "dropped_on", review.drop_action, action_id=first, dropped_on=date(2027, 3, 2),
            reason=text(), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.mark_action_done(
        action_id=first, done_on=date(2027, 1, 4), evidence=None, actor=COORDINATOR, recorded_at=NOW
    )
    review.drop_action(action_id=second, dropped_on=date(2027, 1, 4), reason=text(), actor=COORDINATOR, recorded_at=NOW)
    refused(RuleBroken, None, review.mark_action_done, action_id=first, done_on=date(2027, 1, 5), evidence=None,
            actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, review.drop_action, action_id=first, dropped_on=date(2027, 1, 5), reason=text(),
            actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, review.mark_action_done, action_id=second, done_on=date(2027, 1, 5), evidence=None,
            actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


def test_rules_13_a_review_is_not_closed_while_any_action_is_open():
    review = told(completed(recommendation(COUNCIL), recommendation(POLICE)), date(2026, 12, 21))
    first, second = review.actions
    assert review.status is CaseStatus.ACTIONS_OPEN and review.closed_on is None
    review.mark_action_done(
        action_id=first, done_on=date(2027, 1, 11), evidence=None, actor=COUNCIL_KEY, recorded_at=NOW
    )
    assert review.status is CaseStatus.ACTIONS_OPEN
    review.drop_action(
        action_id=second, dropped_on=date(2027, 1, 12), reason=text(), actor=COORDINATOR, recorded_at=NOW
    )
    assert review.status is CaseStatus.CLOSED and review.closed_on == date(2027, 1, 12)


def test_rules_13_actions_done_before_the_outcome_notice_close_the_case_when_the_applicant_is_told():
    review = completed(recommendation(COUNCIL))
    (action_id,) = review.actions
    review.mark_action_done(action_id=action_id, done_on=date(2026, 12, 21), evidence=None, actor=COUNCIL_KEY, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.REVIEW_COMPLETED
    told(review, date(2026, 12, 22))
    assert review.status is CaseStatus.CLOSED and review.closed_on == date(2026, 12, 22)


def test_rules_13_a_review_without_recommendations_closes_with_the_outcome_notice():
    review = told(completed(), date(2026, 12, 21))
    assert review.status is CaseStatus.CLOSED and review.closed_on == date(2026, 12, 21)


@given(outcomes=st.lists(st.sampled_from(["open", "done", "dropped"]), min_size=1, max_size=6))
def test_rules_13_closed_exactly_when_every_action_is_done_or_dropped(outcomes):
    review = told(completed(*(recommendation(COUNCIL) for _ in outcomes)), date(2026, 12, 21))
    for action_id, outcome in zip(list(review.actions), outcomes, strict=True):
        if outcome == "done":
            review.mark_action_done(action_id=action_id, done_on=date(2027, 1, 4), evidence=None, actor=COUNCIL_KEY, recorded_at=NOW)  # fmt: skip
        elif outcome == "dropped":
            review.drop_action(action_id=action_id, dropped_on=date(2027, 1, 5), reason=text(), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    if "open" in outcomes:
        assert review.status is CaseStatus.ACTIONS_OPEN and review.closed_on is None
    else:
        assert review.status is CaseStatus.CLOSED
        assert review.closed_on == (date(2027, 1, 5) if "dropped" in outcomes else date(2027, 1, 4))


# --- updates to the applicant --------------------------------------------------------------------


def test_rules_13_every_update_is_recorded_with_its_channel():
    review = decided()
    review.give_update(updated_on=date(2026, 12, 16), channel=ContactChannel.PHONE, summary=text(), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.give_update(updated_on=date(2026, 12, 30), channel=ContactChannel.EMAIL, summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert [(u.updated_on, u.channel) for u in review.updates] == [
        (date(2026, 12, 16), ContactChannel.PHONE),
        (date(2026, 12, 30), ContactChannel.EMAIL),
    ]
    refused(InvalidFact, "updated_on", review.give_update, updated_on=date(2026, 11, 29), channel=ContactChannel.PHONE,
            summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(InvalidFact, "updated_on", review.give_update, updated_on=date(2027, 3, 2), channel=ContactChannel.PHONE,
            summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


# --- information requests ------------------------------------------------------------------------


def ask(review: CaseReview, request_id: UUID | None = None, **overrides) -> UUID:
    request_id = request_id or uuid4()
    facts = dict(
        request_id=request_id, agency=POLICE, requested_on=date(2026, 12, 3), due_date=date(2026, 12, 17),
        question=text(), actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    review.request_information(**{**facts, **overrides})
    return request_id


def test_rules_13_an_information_request_is_overdue_the_day_after_its_due_date_until_answered():
    review = decided()
    request_id = ask(review)
    request = review.information_requests[request_id]
    assert information_request_state(request, date(2026, 12, 17)) is InformationRequestState.OPEN
    assert information_request_state(request, date(2026, 12, 18)) is InformationRequestState.OVERDUE
    review.answer_information_request(request_id=request_id, answered_on=date(2026, 12, 22), answer=text(), actor=POLICE_KEY, recorded_at=NOW)  # fmt: skip
    request = review.information_requests[request_id]
    assert information_request_state(request, date(2026, 12, 21)) is InformationRequestState.OVERDUE
    assert information_request_state(request, date(2026, 12, 22)) is InformationRequestState.ANSWERED


def test_rules_13_information_may_be_asked_for_before_the_threshold_decision():
    review = received()
    ask(review, requested_on=date(2026, 12, 1))
    assert len(review.information_requests) == 1


def test_rules_13_only_a_coordinator_asks_and_only_the_asked_agency_or_a_coordinator_answers():
    review = decided()
    refused(NotPermitted, None, review.request_information, **_ask(actor=POLICE_KEY))
    request_id = ask(review)
    refused(NotPermitted, None, review.answer_information_request, request_id=request_id, answered_on=date(2026, 12, 10),
            answer=None, actor=COUNCIL_KEY, recorded_at=NOW)  # fmt: skip
    review.answer_information_request(request_id=request_id, answered_on=date(2026, 12, 10), answer=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, review.answer_information_request, request_id=request_id, answered_on=date(2026, 12, 11),
            answer=None, actor=POLICE_KEY, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, review.answer_information_request, request_id=uuid4(), answered_on=date(2026, 12, 11),
            answer=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


def _ask(**overrides) -> dict:
    facts = dict(
        request_id=uuid4(), agency=POLICE, requested_on=date(2026, 12, 3), due_date=date(2026, 12, 17),
        question=None, actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    return {**facts, **overrides}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_date": date(2026, 12, 2)}, "due_date"),
        ({"requested_on": date(2026, 11, 29)}, "requested_on"),
        ({"requested_on": date(2027, 3, 2), "due_date": date(2027, 3, 9)}, "requested_on"),
        ({"agency": "Hampshire Police"}, "agency"),
    ],
)
def test_rules_13_an_information_request_with_bad_facts_is_refused(overrides, field):
    refused(InvalidFact, field, decided().request_information, **_ask(**overrides))


def test_rules_13_an_information_request_answer_not_before_the_request_and_ids_are_unique():
    review = decided()
    request_id = ask(review)
    refused(RuleBroken, None, review.request_information, **_ask(request_id=request_id))
    refused(InvalidFact, "answered_on", review.answer_information_request, request_id=request_id,
            answered_on=date(2026, 12, 2), answer=None, actor=POLICE_KEY, recorded_at=NOW)  # fmt: skip


def test_rules_13_no_information_request_once_the_applicant_was_told_the_outcome():
    review = told(completed(), date(2026, 12, 21))
    refused(RuleBroken, None, review.request_information, **_ask(requested_on=date(2026, 12, 22), due_date=date(2027, 1, 5)))  # fmt: skip


# --- letters -------------------------------------------------------------------------------------


def letter(review: CaseReview, kind: LetterKind, sent_on: date, version: str = "havant-2026-1") -> None:
    review.record_letter_sent(
        kind=kind, sent_on=sent_on, channel=ContactChannel.LETTER, template_version=version, actor=COORDINATOR,
        recorded_at=NOW,
    )  # fmt: skip


def test_rules_13_each_letter_follows_the_step_it_reports():
    review = received()
    for kind in LetterKind:
        refused(RuleBroken, None, review.record_letter_sent, kind=kind, sent_on=date(2026, 12, 1),
                channel=ContactChannel.LETTER, template_version="v1", actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.acknowledge(acknowledged_on=date(2026, 12, 1), actor=COORDINATOR, recorded_at=NOW)
    refused(InvalidFact, "sent_on", review.record_letter_sent, kind=LetterKind.ACKNOWLEDGEMENT, sent_on=date(2026, 11, 30),
            channel=ContactChannel.LETTER, template_version="v1", actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    letter(review, LetterKind.ACKNOWLEDGEMENT, date(2026, 12, 1))
    review.decide_threshold(decision=Decision.MET, grounds=None, reason=None, decided_on=DECIDED,
                            assessment={"verdict": "met"}, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    letter(review, LetterKind.THRESHOLD_DECISION, date(2026, 12, 3))
    review.notify_delay(reason=text(), new_target_date=date(2027, 1, 29), notified_on=date(2026, 12, 21),
                        actor=COORDINATOR, recorded_at=NOW, review_due_date=date(2026, 12, 29))  # fmt: skip
    letter(review, LetterKind.DELAY, date(2026, 12, 21))
    review.complete_review(completed_on=date(2027, 1, 13), recommendations=[], actor=COORDINATOR, recorded_at=NOW)
    letter(review, LetterKind.OUTCOME, date(2027, 1, 14))
    letter(review, LetterKind.OUTCOME, date(2027, 1, 18), version="havant-2026-2")  # sent again: both recorded
    assert [(x.kind, x.sent_on, x.template_version) for x in review.letters][-2:] == [
        (LetterKind.OUTCOME, date(2027, 1, 14), "havant-2026-1"),
        (LetterKind.OUTCOME, date(2027, 1, 18), "havant-2026-2"),
    ]


def test_rules_13_a_not_met_decision_is_told_by_the_threshold_decision_letter_not_an_outcome_letter():
    review = decided(Decision.NOT_MET)
    letter(review, LetterKind.THRESHOLD_DECISION, DECIDED)
    refused(RuleBroken, None, review.record_letter_sent, kind=LetterKind.OUTCOME, sent_on=DECIDED,
            channel=ContactChannel.EMAIL, template_version="v1", actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


def test_rules_13_a_letter_names_its_template_version():
    review = decided()
    refused(InvalidFact, "template_version", review.record_letter_sent, kind=LetterKind.THRESHOLD_DECISION,
            sent_on=DECIDED, channel=ContactChannel.EMAIL, template_version="  ", actor=COORDINATOR, recorded_at=NOW)  # fmt: skip


# --- review by the Police and Crime Commissioner -------------------------------------------------

TOLD = date(2026, 12, 18)  # a Friday; 20 working days later is Wed 20 Jan 2027
LAST_DAY = date(2027, 1, 20)


def told_not_met() -> CaseReview:
    return told(decided(Decision.NOT_MET), TOLD)


def pcc(review: CaseReview, requested_on: date = date(2027, 1, 4), **overrides) -> UUID:
    facts = _pcc(requested_on=requested_on, **overrides)
    review.request_pcc_review(**facts)
    return facts["pcc_review_id"]


def _pcc(**overrides) -> dict:
    facts = dict(
        pcc_review_id=uuid4(), requested_on=date(2027, 1, 4), grounds=["threshold_wrongly_applied"], reason=text(),
        late_acceptance_reason=None, allowed_grounds=GROUNDS, calendar=ENGLAND, request_within_working_days=20,
        actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    return {**facts, **overrides}


def test_rules_13_a_pcc_review_is_asked_within_20_working_days_of_being_told():
    review = told_not_met()
    pcc(review, requested_on=LAST_DAY)
    assert review.status is CaseStatus.ESCALATED and review.open_pcc_review is not None


def test_rules_13_a_late_pcc_request_is_refused_unless_the_coordinator_records_why_it_is_accepted():
    review = told_not_met()
    refused(RuleBroken, "requested_on", review.request_pcc_review, **_pcc(requested_on=date(2027, 1, 21)))
    pcc(review, requested_on=date(2027, 1, 21), late_acceptance_reason=text())
    assert review.open_pcc_review.late_acceptance_reason is not None


def test_rules_13_an_in_time_pcc_request_needs_no_late_acceptance_reason():
    refused(InvalidFact, "late_acceptance_reason", told_not_met().request_pcc_review,
            **_pcc(requested_on=LAST_DAY, late_acceptance_reason=text()))  # fmt: skip


@pytest.mark.parametrize(
    ("grounds", "field"), [([], "grounds"), (["unhappy"], "grounds[0]"), (["actions_inadequate"] * 2, "grounds")]
)
def test_rules_13_a_pcc_request_names_the_policy_s_grounds(grounds, field):
    refused(InvalidFact, field, told_not_met().request_pcc_review, **_pcc(grounds=grounds))


def test_rules_13_a_pcc_request_follows_the_applicant_being_told():
    refused(RuleBroken, None, received().request_pcc_review, **_pcc())
    refused(RuleBroken, None, decided(Decision.NOT_MET).request_pcc_review, **_pcc())  # decided, not yet told
    refused(RuleBroken, None, completed().request_pcc_review, **_pcc())  # reviewed, outcome not yet told
    refused(InvalidFact, "requested_on", told_not_met().request_pcc_review, **_pcc(requested_on=date(2026, 12, 17)))
    review = told(completed(), date(2026, 12, 21))
    pcc(review, requested_on=date(2026, 12, 22))  # after an outcome notice


def test_rules_13_one_appeal_open_at_a_time_and_one_pcc_review_per_telling():
    review = told_not_met()
    first = pcc(review)
    refused(RuleBroken, None, review.request_pcc_review, **_pcc())
    refused(RuleBroken, None, review.request_escalation, escalation_id=uuid4(), requested_on=date(2027, 1, 5),
            reason=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.decide_pcc_review(pcc_review_id=first, result=EscalationResult.NOT_UPHELD, reasons=text(),
                             decided_on=date(2027, 1, 11), next_steps=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.CLOSED
    refused(RuleBroken, None, review.request_pcc_review, **_pcc(requested_on=date(2027, 1, 12)))
    refused(RuleBroken, None, review.request_pcc_review, **_pcc(pcc_review_id=first, requested_on=date(2027, 1, 12)))


def test_rules_13_the_pcc_result_has_reasons_and_only_upheld_says_what_must_happen_next():
    review = told_not_met()
    pcc_id = pcc(review)
    step = Recommendation(action=text(), agency=POLICE, due_date=date(2027, 2, 26))
    common = dict(pcc_review_id=pcc_id, reasons=text(), actor=COORDINATOR, recorded_at=NOW)
    refused(InvalidFact, "next_steps", review.decide_pcc_review, result=EscalationResult.NOT_UPHELD,
            decided_on=date(2027, 1, 29), next_steps=[step], **common)  # fmt: skip
    refused(InvalidFact, "next_steps[0].due_date", review.decide_pcc_review, result=EscalationResult.UPHELD,
            decided_on=date(2027, 1, 29), next_steps=[Recommendation(text(), POLICE, date(2027, 1, 28))], **common)  # fmt: skip
    refused(InvalidFact, "next_steps[0].agency", review.decide_pcc_review, result=EscalationResult.UPHELD,
            decided_on=date(2027, 1, 29), next_steps=[Recommendation(text(), "PCC", date(2027, 2, 26))], **common)  # fmt: skip
    refused(InvalidFact, "decided_on", review.decide_pcc_review, result=EscalationResult.NOT_UPHELD,
            decided_on=date(2027, 1, 1), next_steps=[], **common)  # fmt: skip
    refused(RuleBroken, None, review.decide_pcc_review, **{**common, "pcc_review_id": uuid4()},
            result=EscalationResult.NOT_UPHELD, decided_on=date(2027, 1, 29), next_steps=[])  # fmt: skip
    review.decide_pcc_review(result=EscalationResult.UPHELD, decided_on=date(2027, 1, 29), next_steps=[step], **common)
    refused(RuleBroken, None, review.decide_pcc_review, result=EscalationResult.NOT_UPHELD,
            decided_on=date(2027, 1, 29), next_steps=[], **common)  # fmt: skip


def test_rules_13_an_upheld_pcc_review_with_no_next_steps_reopens_the_review_with_no_action():
    """API.md v1.1 makes `next_steps` optional: upheld is "back to review" (RULES.md 9) whatever it adds."""
    review = told_not_met()
    review.decide_pcc_review(pcc_review_id=pcc(review), result=EscalationResult.UPHELD, reasons=text(),
                             decided_on=date(2027, 1, 29), next_steps=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.UNDER_REVIEW and not review.actions


def test_rules_13_an_upheld_pcc_review_reopens_the_review_with_its_next_steps_as_actions():
    review = told_not_met()
    pcc_id = pcc(review)
    step = Recommendation(action=text(), agency=POLICE, due_date=date(2027, 2, 26))
    review.decide_pcc_review(pcc_review_id=pcc_id, result=EscalationResult.UPHELD, reasons=text(),
                             decided_on=date(2027, 1, 29), next_steps=[step], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.UNDER_REVIEW
    action_id = next_step_action_id(review.id, pcc_id, 0)
    action = review.actions[action_id]
    assert (action.agency, action.due_date, action.agreed_on, action.pcc_review_id) == (
        POLICE, date(2027, 2, 26), date(2027, 1, 29), pcc_id,
    )  # fmt: skip
    refused(InvalidFact, "held_on", review.hold_review_meeting, held_on=date(2027, 1, 28), chair=None,
            independent_chair=None, agencies_present=[], actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    meeting(review, held_on=date(2027, 2, 3))
    review.complete_review(completed_on=date(2027, 2, 5), recommendations=[], actor=COORDINATOR, recorded_at=NOW)
    told(review, date(2027, 2, 8))
    assert review.status is CaseStatus.ACTIONS_OPEN  # the PCC's next step is still open
    review.mark_action_done(action_id=action_id, done_on=date(2027, 2, 19), evidence=text(), actor=POLICE_KEY, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.CLOSED
    assert review.closed_periods == [(TOLD, date(2027, 1, 4)), (date(2027, 2, 19), None)]
    pcc(review, requested_on=date(2027, 2, 22))  # a new telling may be taken to the PCC again


def test_rules_13_escalations_keep_working_as_before():
    review = told_not_met()
    escalation = uuid4()
    review.request_escalation(escalation_id=escalation, requested_on=date(2026, 12, 21), reason=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    refused(RuleBroken, None, review.request_pcc_review, **_pcc())  # an appeal is open
    review.decide_escalation(escalation_id=escalation, result=EscalationResult.NOT_UPHELD, decided_on=date(2027, 1, 4), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.status is CaseStatus.CLOSED and review.closed_on == date(2027, 1, 4)
    pcc(review, requested_on=date(2027, 1, 5))


def test_rules_13_every_new_event_is_version_1_in_the_past_tense_with_its_actor():
    review = told_not_met()
    pcc(review)
    decided_review = completed(recommendation(COUNCIL))
    involvement(decided_review, impact_statement=text())
    review.give_update(updated_on=date(2027, 1, 4), channel=ContactChannel.PHONE, summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    names = {type(e).__name__: e for e in [*review.collect_events(), *decided_review.collect_events()]}
    for name in ("PccReviewRequested", "InvolvementRecorded", "UpdateGiven", "ReviewCompleted"):
        event = names[name]
        assert type(event).class_version == 1 and event.actor in (COORDINATOR, SYSTEM) and event.timestamp == NOW
        assert name.endswith(("ed", "en"))
