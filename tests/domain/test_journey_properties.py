"""Properties of a case review driven by any sequence of commands, refused ones included (RULES.md 9, 13, 14).

Whatever is tried in whatever order: a refused command records nothing; a case is `closed` exactly when the
applicant was told, no appeal is open and no action is open; a done or dropped action stays so; delay
notices come in date order, each target after the last, and none after the applicant was told the outcome.
"""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case_reviews import CaseReview, Recommendation
from domain.errors import DomainError
from domain.people import TextRef
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ContactChannel,
    Decision,
    Dissatisfaction,
    EscalationResult,
    Role,
    Route,
)

ENGLAND = WorkingCalendar(country="GB", subdivision="ENG")
NOW = datetime(2028, 1, 3, 12, 0, tzinfo=UTC)
RECEIVED = date(2026, 11, 30)
DUE = date(2026, 12, 29)  # 20 working days after Mon 30 Nov 2026
AGENCIES = ["havant-borough-council", "hampshire-constabulary"]
ACTORS = [
    Actor(key_id="coord", role=Role.COORDINATOR),
    Actor(key_id="hbc", role=Role.AGENCY, agency=AGENCIES[0]),
    Actor(key_id="police", role=Role.AGENCY, agency=AGENCIES[1]),
]
GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")

days = st.integers(-3, 9)  # days after the last step's date: mostly forward, sometimes back (to be refused)


def text() -> TextRef:
    return TextRef(person_id=uuid4(), text_id=uuid4())


commands = st.one_of(
    st.tuples(st.just("decide"), st.sampled_from(list(Decision)), days),
    st.tuples(st.just("delay"), days, st.integers(1, 40)),
    st.tuples(
        st.just("complete"), days, st.lists(st.tuples(st.sampled_from(AGENCIES), st.integers(0, 30)), max_size=3)
    ),
    st.tuples(st.just("outcome"), days),
    *[st.tuples(st.just("done"), st.integers(0, 3), days, st.sampled_from(ACTORS))] * 2,  # twice: weighted up
    st.tuples(st.just("drop"), st.integers(0, 3), days, st.sampled_from(ACTORS)),
    st.tuples(st.just("pcc"), days, st.booleans()),
    st.tuples(st.just("escalate"), days),
    st.tuples(st.just("decide_escalation"), st.sampled_from(list(EscalationResult)), days),
    st.tuples(st.just("pcc"), days, st.booleans()),
    st.tuples(st.just("decide_pcc"), st.sampled_from(list(EscalationResult)), days, st.integers(0, 30)),
    st.tuples(st.just("meeting"), days),
    st.tuples(st.just("update"), days),
)


DATED = {  # which argument of each command is its date
    "decide": 1, "delay": 0, "complete": 0, "outcome": 0, "done": 1, "drop": 1, "escalate": 0,
    "decide_escalation": 1, "pcc": 0, "decide_pcc": 1, "meeting": 0, "update": 0,
}  # fmt: skip


def run(review: CaseReview, kind: str, args: list) -> None:
    coordinator = dict(actor=ACTORS[0], recorded_at=NOW)
    actions = list(review.actions)
    if kind == "decide":
        decision, on = args
        verdict = "met" if decision is Decision.MET else "not_met"
        review.decide_threshold(decision=decision, grounds=None, reason=None, decided_on=on,
                                assessment={"verdict": verdict}, **coordinator)  # fmt: skip
    elif kind == "delay":
        on, days_on = args
        review.notify_delay(reason=text(), new_target_date=on + timedelta(days=days_on), notified_on=on,
                            review_due_date=DUE, **coordinator)  # fmt: skip
    elif kind == "complete":
        on, recommendations = args
        review.complete_review(completed_on=on, recommendations=[
            Recommendation(text(), agency, on + timedelta(days=n)) for agency, n in recommendations
        ], **coordinator)  # fmt: skip
    elif kind == "outcome":
        review.notify_outcome(notified_on=args[0], **coordinator)
    elif kind in ("done", "drop"):
        index, on, actor = args
        action_id = actions[index] if index < len(actions) else uuid4()
        if kind == "done":
            review.mark_action_done(action_id=action_id, done_on=on, evidence=None, actor=actor, recorded_at=NOW)
        else:
            review.drop_action(action_id=action_id, dropped_on=on, reason=text(), actor=actor, recorded_at=NOW)
    elif kind == "escalate":
        review.request_escalation(escalation_id=uuid4(), requested_on=args[0], reason=None, **coordinator)
    elif kind == "decide_escalation":
        result, on = args
        open_one = review.open_escalation
        escalation_id = open_one.escalation_id if open_one else uuid4()
        review.decide_escalation(escalation_id=escalation_id, result=result, decided_on=on, **coordinator)
    elif kind == "pcc":
        on, accept_late = args
        review.request_pcc_review(pcc_review_id=uuid4(), requested_on=on, grounds=[GROUNDS[0]], reason=None,
                                  late_acceptance_reason=text() if accept_late else None, allowed_grounds=GROUNDS,
                                  calendar=ENGLAND, request_within_working_days=20, **coordinator)  # fmt: skip
    elif kind == "decide_pcc":
        result, on, n = args
        open_one = review.open_pcc_review
        steps = (
            [Recommendation(text(), AGENCIES[0], on + timedelta(days=n))] if result is EscalationResult.UPHELD else []
        )
        review.decide_pcc_review(pcc_review_id=open_one.pcc_review_id if open_one else uuid4(), result=result,
                                 reasons=text(), decided_on=on, next_steps=steps, **coordinator)  # fmt: skip
    elif kind == "meeting":
        review.hold_review_meeting(held_on=args[0], chair=None, independent_chair=None, agencies_present=AGENCIES,
                                   **coordinator)  # fmt: skip
    elif kind == "update":
        review.give_update(updated_on=args[0], channel=ContactChannel.EMAIL, summary=None, **coordinator)


@settings(max_examples=500, deadline=None)
@given(
    decision=st.tuples(st.just("decide"), st.sampled_from(list(Decision)), days),
    steps=st.lists(commands, max_size=40),
)
def test_rules_13_and_14_hold_whatever_is_tried(decision, steps):
    """Most cases are decided early: the decision goes first (and may be tried again later)."""
    steps = [decision, *steps]
    applicant = uuid4()
    review = CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=applicant, victim_id=applicant, member_ids=[], received_date=RECEIVED,
        channel=Channel.PHONE_101, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN, complaint_ids=None,
        actor=ACTORS[0], recorded_at=NOW,
    )  # fmt: skip
    today = RECEIVED
    for kind, *args in steps:
        args[DATED[kind]] = on = today + timedelta(days=args[DATED[kind]])
        today = max(today, on)
        step = (kind, *args)
        version, finished = review.version, {a.id: a for a in review.actions.values() if not a.is_open}
        try:
            run(review, kind, args)
        except DomainError:
            assert review.version == version, step  # refused: nothing recorded
        else:
            assert review.version == version + 1, step
        for action_id, action in finished.items():
            assert review.actions[action_id] == action  # done or dropped stays so

        appeal_open = review.open_escalation is not None or review.open_pcc_review is not None
        if review.status is CaseStatus.CLOSED:
            assert review.outcome_told and not review.open_actions and not appeal_open
        if review.outcome_told and not appeal_open:
            assert review.status is (CaseStatus.ACTIONS_OPEN if review.open_actions else CaseStatus.CLOSED)
        assert (review.closed_on is not None) == (review.status is CaseStatus.CLOSED)

    notices = review.delay_notices
    assert [n.notified_on for n in notices] == sorted(n.notified_on for n in notices)
    targets = [DUE, *(n.new_target_date for n in notices)]
    assert all(a < b for a, b in zip(targets, targets[1:], strict=False))
    if review.completion_on is not None:
        assert all(n.notified_on <= review.completion_on for n in notices)
    events = review.collect_events()
    kinds = [type(e).__name__ for e in events]
    if "OutcomeNotified" in kinds:
        assert "DelayNotified" not in kinds[kinds.index("OutcomeNotified") :]
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.status is review.status and replayed.closed_periods == review.closed_periods
