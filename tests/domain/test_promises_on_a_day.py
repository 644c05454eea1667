"""RULES.md section 13's promises as on a day (domain.promises): updates owed, the PCC request window,
actions and information requests, and the alarms a case review raises. England's calendar, to the day:
Fri 25 Dec and Mon 28 Dec 2026 and Fri 1 Jan 2027 are bank holidays."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actor import Actor
from domain.calendar import DeadlineState, WorkingCalendar
from domain.case_reviews import CaseReview, Recommendation
from domain.people import TextRef
from domain.promises import (
    Action,
    ActionState,
    Alarm,
    AlarmKind,
    InformationRequest,
    InformationRequestState,
    action_state,
    alarms_on,
    information_request_state,
    next_update_due,
    pcc_request_last_day,
    recommendation_action_id,
    update_due_on,
)
from domain.vocabulary import Channel, ContactChannel, Decision, Dissatisfaction, EscalationResult, Role, Route

ENGLAND = WorkingCalendar(country="GB", subdivision="ENG")
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
COORDINATOR = Actor(key_id="coord", role=Role.COORDINATOR)
COUNCIL, POLICE, HOUSING = "havant-borough-council", "hampshire-constabulary", "vivid-homes"
DECIDED = date(2026, 12, 11)  # a Friday


def text() -> TextRef:
    return TextRef(person_id=uuid4(), text_id=uuid4())


def update_on(on: date, updates=(), closed_on=None, reopened_on=None, decided_on=DECIDED):
    return next_update_due(
        ENGLAND, decided_on=decided_on, updates=updates, closed_on=closed_on, every_working_days=10, on=on,
        reopened_on=reopened_on,
    )  # fmt: skip


# --- updates: at least every 10 working days from the threshold decision until closed -------------


def test_rules_13_the_first_update_is_due_10_working_days_after_the_decision_over_christmas():
    due = update_on(DECIDED)
    assert (due.counted_from, due.due_date, due.working_days_left, due.state) == (
        DECIDED, date(2026, 12, 29), 10, DeadlineState.ON_TRACK,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("on", "left", "state"),
    [
        (date(2026, 12, 21), 4, DeadlineState.DUE_SOON),  # 22, 23, 24 and 29 Dec left
        (date(2026, 12, 25), 1, DeadlineState.DUE_SOON),  # Christmas Day: only 29 Dec left
        (date(2026, 12, 29), 0, DeadlineState.DUE_SOON),  # the due date
        (date(2026, 12, 30), -1, DeadlineState.OVERDUE),  # not made in time
        (date(2027, 1, 2), -2, DeadlineState.OVERDUE),  # a Saturday after New Year's Day
    ],
)
def test_rules_13_an_update_not_made_in_time_is_overdue(on, left, state):
    due = update_on(on)
    assert (due.due_date, due.working_days_left, due.state) == (date(2026, 12, 29), left, state)


def test_rules_13_each_update_starts_the_next_interval_from_its_own_date():
    assert update_on(date(2026, 12, 29), [date(2026, 12, 29)]).due_date == date(2027, 1, 13)  # 1 Jan not counted
    late = [date(2027, 1, 4)]
    assert update_on(date(2026, 12, 31), late).state is DeadlineState.OVERDUE  # the late update is not yet made
    assert update_on(date(2027, 1, 4), late).due_date == date(2027, 1, 18)
    assert update_on(date(2027, 1, 4), [date(2026, 12, 16), *late]).counted_from == date(2027, 1, 4)


def test_rules_13_an_update_before_the_decision_does_not_start_the_count():
    assert update_on(DECIDED, [date(2026, 12, 10)]).counted_from == DECIDED


def test_rules_13_no_update_is_owed_before_the_decision_or_once_closed():
    assert update_on(date(2026, 12, 10)) is None
    assert update_on(date(2026, 12, 10), decided_on=None) is None
    assert update_on(date(2026, 12, 21), closed_on=date(2026, 12, 22)) is not None
    assert update_on(date(2026, 12, 22), closed_on=date(2026, 12, 22)) is None
    reopened = update_on(date(2027, 1, 6), closed_on=None, reopened_on=date(2027, 1, 6))
    assert (reopened.counted_from, reopened.due_date) == (date(2027, 1, 6), date(2027, 1, 20))


def test_rules_13_the_update_interval_is_at_least_one_working_day():
    with pytest.raises(ValueError, match="every_working_days"):
        next_update_due(ENGLAND, decided_on=DECIDED, updates=[], closed_on=None, every_working_days=0, on=DECIDED)


days = st.dates(date(2026, 1, 1), date(2028, 12, 31))


@given(decided=days, updates=st.lists(days, max_size=5), every=st.integers(1, 25), on=days)
def test_rules_13_the_next_update_is_due_on_a_working_day_every_working_days_after_its_start(
    decided, updates, every, on
):
    due = next_update_due(ENGLAND, decided_on=decided, updates=updates, closed_on=None, every_working_days=every, on=on)
    if decided > on:
        assert due is None
        return
    assert due.counted_from == max([decided, *(u for u in updates if u <= on)])
    assert ENGLAND.is_working_day(due.due_date) and due.due_date > due.counted_from
    assert ENGLAND.working_days_after(due.counted_from, due.due_date) == every
    assert (due.state is DeadlineState.OVERDUE) == (on > due.due_date)


def test_rules_13_updates_owed_follow_the_case_s_closure_and_reopening():
    review = CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=(a := uuid4()), victim_id=a, member_ids=[], received_date=date(2026, 12, 1),
        channel=Channel.ONLINE, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None, actor=COORDINATOR,
        recorded_at=NOW,
    )  # fmt: skip
    review.decide_threshold(decision=Decision.NOT_MET, grounds=None, reason=None, decided_on=DECIDED,
                            assessment={"verdict": "not_met"}, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.notify_outcome(notified_on=date(2026, 12, 18), actor=COORDINATOR, recorded_at=NOW)
    escalation = uuid4()
    review.request_escalation(escalation_id=escalation, requested_on=date(2027, 1, 4), reason=None,
                              actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.decide_escalation(escalation_id=escalation, result=EscalationResult.NOT_UPHELD,
                             decided_on=date(2027, 1, 22), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.closed_periods == [(date(2026, 12, 18), date(2027, 1, 4)), (date(2027, 1, 22), None)]

    def seen(on: date):
        return update_due_on(review, ENGLAND, every_working_days=10, on=on)

    assert seen(date(2026, 12, 17)).due_date == date(2026, 12, 29)  # before the notice: owed from the decision
    assert seen(date(2026, 12, 18)) is None and seen(date(2027, 1, 3)) is None  # closed
    assert (seen(date(2027, 1, 4)).counted_from, seen(date(2027, 1, 4)).due_date) == (
        date(2027, 1, 4),
        date(2027, 1, 18),
    )
    assert seen(date(2027, 1, 19)).state is DeadlineState.OVERDUE  # the escalation was open, no update given
    assert seen(date(2027, 1, 22)) is None


# --- the PCC request window ------------------------------------------------------------------------


def test_rules_13_the_pcc_window_is_20_working_days_after_being_told():
    assert pcc_request_last_day(ENGLAND, date(2026, 12, 18), 20) == date(2027, 1, 20)
    with pytest.raises(ValueError):
        pcc_request_last_day(ENGLAND, date(2026, 12, 18), 0)


@given(told=days, within=st.integers(1, 40))
def test_rules_13_the_pcc_window_ends_on_a_working_day_n_working_days_on(told, within):
    last = pcc_request_last_day(ENGLAND, told, within)
    assert ENGLAND.is_working_day(last) and ENGLAND.working_days_after(told, last) == within


# --- actions and information requests over time ----------------------------------------------------

RANK = {ActionState.OPEN: 0, ActionState.OVERDUE: 1, ActionState.DONE: 2, ActionState.DROPPED: 2}


@st.composite
def actions(draw) -> Action:
    agreed = draw(st.dates(date(2026, 6, 1), date(2027, 6, 1)))
    due = draw(st.none() | st.dates(agreed, agreed + timedelta(days=120)))
    ending = draw(st.sampled_from(["open", "done", "dropped"]))
    ended = draw(st.dates(agreed, agreed + timedelta(days=200)))
    return Action(
        id=uuid4(), action=text(), agency=COUNCIL, due_date=due, agreed_on=agreed,
        done_on=ended if ending == "done" else None, dropped_on=ended if ending == "dropped" else None,
    )  # fmt: skip


@given(action=actions(), offsets=st.lists(st.integers(0, 400), min_size=2, max_size=12))
def test_rules_13_an_action_s_state_never_goes_back_once_done_or_dropped(action, offsets):
    states = [action_state(action, action.agreed_on + timedelta(days=n)) for n in sorted(offsets)]
    assert [RANK[s] for s in states] == sorted(RANK[s] for s in states)  # open, then overdue, then done or dropped
    finished = [s for s in states if RANK[s] == 2]
    assert len(set(finished)) <= 1  # done stays done, dropped stays dropped
    if action.due_date is None:
        assert ActionState.OVERDUE not in states


@given(
    requested=st.dates(date(2026, 6, 1), date(2027, 6, 1)),
    wait=st.integers(0, 60),
    answer_after=st.none() | st.integers(0, 90),
    offsets=st.lists(st.integers(0, 200), min_size=2, max_size=12),
)
def test_rules_13_an_information_request_s_state_never_goes_back_once_answered(requested, wait, answer_after, offsets):
    request = InformationRequest(
        id=uuid4(), agency=POLICE, requested_on=requested, due_date=requested + timedelta(days=wait), question=None,
        answered_on=None if answer_after is None else requested + timedelta(days=answer_after),
    )  # fmt: skip
    states = [information_request_state(request, requested + timedelta(days=n)) for n in sorted(offsets)]
    order = [InformationRequestState.OPEN, InformationRequestState.OVERDUE, InformationRequestState.ANSWERED]
    assert [order.index(s) for s in states] == sorted(order.index(s) for s in states)


# --- alarms ----------------------------------------------------------------------------------------


def reviewed_case() -> tuple[CaseReview, list]:
    """Decided met Wed 2 Dec 2026, updated Wed 16 Dec, housing asked 3 Dec for 17 Dec and silent, reviewed
    Fri 18 Dec with two actions: the council's due Fri 15 Jan 2027, the police's due Fri 29 Jan."""
    review = CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=(a := uuid4()), victim_id=a, member_ids=[], received_date=date(2026, 11, 30),
        channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN, complaint_ids=None, actor=COORDINATOR,
        recorded_at=NOW,
    )  # fmt: skip
    review.decide_threshold(decision=Decision.MET, grounds=None, reason=None, decided_on=date(2026, 12, 2),
                            assessment={"verdict": "met"}, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    request_id = uuid4()
    review.request_information(request_id=request_id, agency=HOUSING, requested_on=date(2026, 12, 3),
                               due_date=date(2026, 12, 17), question=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.give_update(updated_on=date(2026, 12, 16), channel=ContactChannel.PHONE, summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.complete_review(
        completed_on=date(2026, 12, 18),
        recommendations=[Recommendation(text(), COUNCIL, date(2027, 1, 15)), Recommendation(text(), POLICE, date(2027, 1, 29))],
        actor=COORDINATOR, recorded_at=NOW,
    )  # fmt: skip
    return review, [request_id, recommendation_action_id(review.id, 1, 0), recommendation_action_id(review.id, 1, 1)]


def alarms(review: CaseReview, on: date) -> tuple[Alarm, ...]:
    return alarms_on(review, ENGLAND, on=on, update_every_working_days=10)


def test_rules_13_alarms_list_what_is_overdue_or_due_soon_earliest_first():
    review, (request_id, council_action, _) = reviewed_case()
    assert alarms(review, date(2027, 1, 13)) == (
        Alarm(AlarmKind.INFORMATION_REQUEST, request_id, date(2026, 12, 17), DeadlineState.OVERDUE, HOUSING),
        Alarm(AlarmKind.UPDATE, None, date(2027, 1, 4), DeadlineState.OVERDUE, None),  # 10 working days from 16 Dec
        Alarm(AlarmKind.ACTION, council_action, date(2027, 1, 15), DeadlineState.DUE_SOON, COUNCIL),
    )  # the police's action, 12 working days away, is on track


def test_rules_13_alarms_as_on_a_day_ignore_facts_dated_later():
    review, (request_id, council_action, police_action) = reviewed_case()
    assert [a.kind for a in alarms(review, date(2026, 12, 17))] == [AlarmKind.INFORMATION_REQUEST]  # no action yet
    review.answer_information_request(request_id=request_id, answered_on=date(2027, 1, 14), answer=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.mark_action_done(action_id=council_action, done_on=date(2027, 1, 14), evidence=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.give_update(updated_on=date(2027, 1, 14), channel=ContactChannel.EMAIL, summary=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert len(alarms(review, date(2027, 1, 13))) == 3  # as it stood that day
    assert alarms(review, date(2027, 1, 14)) == ()  # 29 Jan is 11 working days away; the next update 28 Jan
    assert alarms(review, date(2027, 1, 22)) == (
        Alarm(AlarmKind.UPDATE, None, date(2027, 1, 28), DeadlineState.DUE_SOON, None),
        Alarm(AlarmKind.ACTION, police_action, date(2027, 1, 29), DeadlineState.DUE_SOON, POLICE),
    )


def test_rules_13_a_closed_case_owes_no_update():
    review, (request_id, council_action, police_action) = reviewed_case()
    review.answer_information_request(request_id=request_id, answered_on=date(2026, 12, 21), answer=None, actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    review.notify_outcome(notified_on=date(2026, 12, 21), actor=COORDINATOR, recorded_at=NOW)
    for action_id in (council_action, police_action):
        review.drop_action(action_id=action_id, dropped_on=date(2027, 1, 4), reason=text(), actor=COORDINATOR, recorded_at=NOW)  # fmt: skip
    assert review.closed_on == date(2027, 1, 4)
    # Told the outcome on 21 Dec but not closed until 4 Jan: the update counted from 16 Dec is still owed.
    assert alarms(review, date(2026, 12, 30)) == (
        Alarm(AlarmKind.UPDATE, None, date(2027, 1, 4), DeadlineState.DUE_SOON, None),
    )
    assert alarms(review, date(2027, 1, 4)) == ()
    assert alarms(review, date(2027, 2, 1)) == ()
