"""The time frame of RULES.md sections 8 and 11 under a policy: due dates and the state of a deadline on a day.

Each stage of a procedure is due a number of working or calendar days after the step it is
counted from happened (the received date, or an earlier stage done), that date not counted; a
stage whose step has not happened yet has no due date. `stages_on` gives every stage's due date
and section 8's state as on a day; `deadlines_for` is the application's own time frame, as the
case list and reports read it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from domain.calendar import DeadlineState, WorkingCalendar, deadline_state, working_days_left
from domain.policy import RECEIVED, CalendarSpec, Policy, Stage
from domain.vocabulary import DayKind, Decision, StageName

if TYPE_CHECKING:
    from domain.case_reviews import CaseReview


@cache
def calendar_for(spec: CalendarSpec) -> WorkingCalendar:
    return WorkingCalendar(country=spec.country, subdivision=spec.subdivision, closure_days=spec.closure_days)


def stage_due_date(policy: Policy, stage: Stage, from_date: date) -> date:
    """`stage.days` working days (the policy's calendar) or calendar days after `from_date`, which is not counted."""
    if stage.day_kind is DayKind.CALENDAR:
        return from_date + timedelta(days=stage.days)
    return calendar_for(policy.calendar).add_working_days(from_date, stage.days)


def stage_due_dates(
    policy: Policy, received: date, done_on: Mapping[StageName | str, date] | None = None
) -> dict[StageName, date | None]:
    """Each stage of the policy, in its order, with its due date: None while the step it is counted from
    has not happened (`done_on` names the stages done and when; the received date always has)."""
    happened: dict[str, date] = {RECEIVED: received}
    for name, day in (done_on or {}).items():
        happened[StageName(name).value] = day  # an unknown name is a caller's mistake: ValueError
    due: dict[StageName, date | None] = {}
    for stage in policy.stages:
        from_date = happened.get(stage.from_step)
        due[stage.name] = None if from_date is None else stage_due_date(policy, stage, from_date)
    return due


# The steps of a review itself: after a "not met" decision the procedure does not need them.
_REVIEW_STEPS = (StageName.INFORMATION_REQUESTED, StageName.REVIEW_MEETING_HELD, StageName.REVIEW_COMPLETED)


def stage_done_dates(review: "CaseReview") -> dict[StageName, date]:
    """When each step of the procedure happened for `review` (the `done_on` of `stages_on`), from its events.

    acknowledged: its acknowledgement; information_requested: the earliest information request;
    threshold_decided: the decision; review_meeting_held: the earliest review meeting; review_completed:
    the first review's completion; outcome_notified: the first outcome notice. Once the applicant was
    told that the threshold was not met, the review's own steps are done with it, on that day, as the
    application's deadline is (`CaseReview.completion_on`, RULES.md section 14): no review is owed.
    """
    done: dict[StageName, date] = {}
    if review.acknowledged_on is not None:
        done[StageName.ACKNOWLEDGED] = review.acknowledged_on
    if review.information_requests:
        done[StageName.INFORMATION_REQUESTED] = min(r.requested_on for r in review.information_requests.values())
    if review.decision is not None:
        done[StageName.THRESHOLD_DECIDED] = review.decision.decided_on
    if review.meetings:
        done[StageName.REVIEW_MEETING_HELD] = min(m.held_on for m in review.meetings)
    if review.reviews:
        done[StageName.REVIEW_COMPLETED] = review.reviews[0].completed_on
    if review.outcome_notices:
        done[StageName.OUTCOME_NOTIFIED] = review.outcome_notices[0].notified_on
    finished = review.completion_on
    if review.decision is not None and review.decision.decision is Decision.NOT_MET and finished is not None:
        for name in _REVIEW_STEPS:
            done.setdefault(name, finished)
    return done


def stage_delay_notices(review: "CaseReview") -> dict[StageName, date]:
    """The delay notices by stage: a notice tells the applicant the review will be late (RULES.md section 8),
    so the first one belongs to `review_completed`."""
    return {StageName.REVIEW_COMPLETED: review.delay_notices[0].notified_on} if review.delay_notices else {}


@dataclass(frozen=True)
class StageOnDay:
    """One stage as it stood on a day: RULES.md section 8's deadline view, per stage (API.md v1.1 `stages`)."""

    name: StageName
    due_date: date | None  # None until the step it is counted from happened
    done_on: date | None
    working_days_left: int | None  # None without a due date
    state: DeadlineState | None  # None without a due date: nothing can be late yet

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name.value,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "working_days_left": self.working_days_left,
            "state": self.state.value if self.state else None,
        }


def stages_on(
    policy: Policy,
    received: date,
    *,
    on: date,
    done_on: Mapping[StageName | str, date] | None = None,
    delay_notified_on: Mapping[StageName | str, date] | None = None,
) -> tuple[StageOnDay, ...]:
    """Every stage of the policy as it stood on `on`, in the policy's order.

    Facts dated after `on` were not known then: a stage done later is open on `on`, and a stage
    counted from it has no due date yet. A delay notice (by stage: the review's belongs to
    `review_completed`) counts only when dated on or before that stage's due date (RULES.md
    section 14); one dated later is a fact, but the stage stays overdue.
    """
    known = {StageName(name): day for name, day in (done_on or {}).items() if day <= on}
    delays = {StageName(name): day for name, day in (delay_notified_on or {}).items()}
    calendar = calendar_for(policy.calendar)
    result = []
    for name, due in stage_due_dates(policy, received, known).items():
        done = known.get(name)
        if due is None:
            result.append(StageOnDay(name, None, done, None, None))
            continue
        delay = delays.get(name)
        state = deadline_state(
            calendar,
            due=due,
            on=on,
            completed_on=done,
            delay_notified_on=delay if delay is not None and delay <= due else None,
        )
        result.append(StageOnDay(name, due, done, working_days_left(calendar, due, on), state))
    return tuple(result)


@dataclass(frozen=True)
class Deadlines:
    """The due dates known from the received date alone, under section 7's names.

    `review` is the review_completed stage's (every policy has it, counted from received: it is the
    application's due date); the others are their stage's when the policy counts it from received,
    else None (see `stage_due_dates` for stages counted from another).
    """

    review: date
    acknowledgement: date | None
    threshold_decision: date | None
    outcome_letter: date | None


def deadlines_for(policy: Policy, received: date) -> Deadlines:
    due = stage_due_dates(policy, received)
    review = due[StageName.REVIEW_COMPLETED]
    if review is None:  # cannot happen: validation keeps review_completed counted from received
        raise ValueError(f"policy {policy.name}@{policy.version} has no review_completed stage counted from received")
    return Deadlines(
        review=review,
        acknowledgement=due.get(StageName.ACKNOWLEDGED),
        threshold_decision=due.get(StageName.THRESHOLD_DECIDED),
        outcome_letter=due.get(StageName.OUTCOME_NOTIFIED),
    )


@dataclass(frozen=True)
class DeadlineOnDay:
    working_days_left: int
    state: DeadlineState


def deadline_on(
    policy: Policy, *, due: date, on: date, completed_on: date | None, delay_notified_on: date | None
) -> DeadlineOnDay:
    """The deadline as it stood on `on`: facts dated after `on` are not yet known."""
    try:
        # A pure function of values: a case list asks it the same questions on every read of the day.
        return _deadline_on_remembered(policy, due, on, completed_on, delay_notified_on)
    except TypeError:  # a policy holding something unhashable: work it out every time
        return _deadline_on(policy, due, on, completed_on, delay_notified_on)


def _deadline_on(
    policy: Policy, due: date, on: date, completed_on: date | None, delay_notified_on: date | None
) -> DeadlineOnDay:
    calendar = calendar_for(policy.calendar)
    return DeadlineOnDay(
        working_days_left=working_days_left(calendar, due, on),
        state=deadline_state(calendar, due=due, on=on, completed_on=completed_on, delay_notified_on=delay_notified_on),
    )


_deadline_on_remembered = lru_cache(maxsize=65536)(_deadline_on)
