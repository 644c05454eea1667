"""The partnership's promises to an applicant after the decision (RULES.md section 13), as pure values.

The Ombudsman's findings are mostly about what happened after the decision: actions agreed and never
done, applicants not kept informed, information asked for and never given. Each promise here has a
due date and a state as on a date D, worked out from dated facts only: facts dated after D were not
yet known on D, so a past view is reproducible (like domain.calendar.deadline_state).

The aggregate (domain.case_reviews.CaseReview) records the facts; these functions read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID, uuid5

from domain.calendar import DeadlineState, WorkingCalendar, deadline_state, working_days_left
from domain.people import TextRef

if TYPE_CHECKING:
    from domain.case_reviews import CaseReview

DUE_SOON_WORKING_DAYS = 5  # RULES.md section 8's "due soon", used for every promise alike


# --- actions -----------------------------------------------------------------------------------


class ActionState(StrEnum):
    """Where an agreed action stands on a date (RULES.md section 13)."""

    OPEN = "open"
    OVERDUE = "overdue"  # past its due date and still open
    DONE = "done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Action:
    """One thing the partnership agreed to do: a recommendation of a review, or a PCC's next step.

    `due_date` may be None for a recommendation recorded without one (the review allows it):
    such an action is never overdue. `agreed_on` is the review's completion or the PCC's decision.
    """

    id: UUID
    action: TextRef
    agency: str
    due_date: date | None
    agreed_on: date
    pcc_review_id: UUID | None = None  # set for a PCC's next step, None for a review's recommendation
    done_on: date | None = None
    evidence: TextRef | None = None
    dropped_on: date | None = None
    drop_reason: TextRef | None = None

    @property
    def is_open(self) -> bool:
        """Neither done nor dropped, whatever the date: what the case status looks at."""
        return self.done_on is None and self.dropped_on is None


def recommendation_action_id(case_review_id: UUID, review_round: int, index: int) -> UUID:
    """The id of the action made from recommendation `index` (from 0) of review round `review_round` (from 1).

    Derived, not stored: ReviewCompleted keeps its shape, and replaying it gives the same ids.
    """
    return uuid5(case_review_id, f"review:{review_round}:recommendation:{index}")


def next_step_action_id(case_review_id: UUID, pcc_review_id: UUID, index: int) -> UUID:
    """The id of the action made from next step `index` (from 0) of an upheld PCC review."""
    return uuid5(case_review_id, f"pcc-review:{pcc_review_id}:next-step:{index}")


def action_state(action: Action, on: date) -> ActionState:
    """The action's state as on `on`: done or dropped from the day it was, overdue from the day after its due date."""
    if action.done_on is not None and action.done_on <= on:
        return ActionState.DONE
    if action.dropped_on is not None and action.dropped_on <= on:
        return ActionState.DROPPED
    if action.due_date is not None and on > action.due_date:
        return ActionState.OVERDUE
    return ActionState.OPEN


# --- information requests ----------------------------------------------------------------------


class InformationRequestState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"  # past its due date and not answered
    ANSWERED = "answered"


@dataclass(frozen=True)
class InformationRequest:
    """The coordinator asked an agency for information by a due date (Schedule 4: it must comply)."""

    id: UUID
    agency: str
    requested_on: date
    due_date: date
    question: TextRef | None
    answered_on: date | None = None
    answer: TextRef | None = None


def information_request_state(request: InformationRequest, on: date) -> InformationRequestState:
    if request.answered_on is not None and request.answered_on <= on:
        return InformationRequestState.ANSWERED
    if on > request.due_date:
        return InformationRequestState.OVERDUE
    return InformationRequestState.OPEN


# --- updates to the applicant ------------------------------------------------------------------


@dataclass(frozen=True)
class NextUpdate:
    """When the applicant's next update is due, as on a date.

    `counted_from` is the day the interval counts from (itself not counted): the latest of the
    threshold decision, the case's reopening, and the last update given on or before the day.
    """

    counted_from: date
    due_date: date
    working_days_left: int
    state: DeadlineState  # on_track, due_soon or overdue


def next_update_due(
    calendar: WorkingCalendar,
    *,
    decided_on: date | None,
    updates: Iterable[date],
    closed_on: date | None,
    every_working_days: int,
    on: date,
    reopened_on: date | None = None,
    due_soon_days: int = DUE_SOON_WORKING_DAYS,
) -> NextUpdate | None:
    """RULES.md section 13: the applicant is updated at least every N working days from the threshold
    decision until closed; one not made in time is overdue.

    The first update is due N working days after the threshold decision date; each next one N working
    days after the last update given (its date not counted, like the review's due date in section 8).
    An update dated before the decision does not start the count. `reopened_on`, when the case was
    closed and reopened (an appeal), starts the count again from that day. None when nothing is due
    on `on`: not yet decided, or closed on or before `on`. Only facts dated on or before `on` count.
    """
    if every_working_days < 1:
        raise ValueError(f"every_working_days must be at least 1, not {every_working_days}")
    if decided_on is None or decided_on > on:
        return None
    if closed_on is not None and closed_on <= on:
        return None
    starts = [decided_on, *(d for d in updates if d <= on)]
    if reopened_on is not None and reopened_on <= on:
        starts.append(reopened_on)
    counted_from = max(starts)
    due = calendar.add_working_days(counted_from, every_working_days)
    return NextUpdate(
        counted_from=counted_from,
        due_date=due,
        working_days_left=working_days_left(calendar, due, on),
        state=deadline_state(calendar, due=due, on=on, due_soon_days=due_soon_days),
    )


def closure_on(closed_periods: Iterable[tuple[date, date | None]], on: date) -> tuple[date | None, date | None]:
    """(closed on, reopened on) as they stood on `on`, from a case's closed periods (CaseReview.closed_periods):
    the closure in force on `on`, else None; and the last reopening on or before `on`, else None."""
    closed_on = reopened_on = None
    for closed, reopened in closed_periods:
        if closed > on:
            break
        if reopened is None or reopened > on:
            closed_on = closed  # closed on `on`
        else:
            closed_on, reopened_on = None, reopened
    return closed_on, reopened_on


def update_due_on(
    review: CaseReview,
    calendar: WorkingCalendar,
    *,
    every_working_days: int,
    on: date,
    due_soon_days: int = DUE_SOON_WORKING_DAYS,
) -> NextUpdate | None:
    """next_update_due for one case review as on `on`, with the closure (if any) that stood on that day."""
    closed_on, reopened_on = closure_on(review.closed_periods, on)
    return next_update_due(
        calendar,
        decided_on=None if review.decision is None else review.decision.decided_on,
        updates=(update.updated_on for update in review.updates),
        closed_on=closed_on,
        every_working_days=every_working_days,
        on=on,
        reopened_on=reopened_on,
        due_soon_days=due_soon_days,
    )


# --- review by the Police and Crime Commissioner ------------------------------------------------


def pcc_request_last_day(calendar: WorkingCalendar, told_on: date, within_working_days: int) -> date:
    """The last day the applicant may ask the PCC for a review: N working days after being told (that day not counted)."""
    if within_working_days < 1:
        raise ValueError(f"within_working_days must be at least 1, not {within_working_days}")
    return calendar.add_working_days(told_on, within_working_days)


# --- what needs attention on a day -------------------------------------------------------------


class AlarmKind(StrEnum):
    ACTION = "action"
    UPDATE = "update"
    INFORMATION_REQUEST = "information_request"


@dataclass(frozen=True)
class Alarm:
    """One promise of one case review that is overdue or due soon on a day."""

    kind: AlarmKind
    id: UUID | None  # the action's or the information request's id; None for the next update
    due_date: date
    state: DeadlineState  # overdue or due_soon
    agency: str | None  # who must act; None where it is the coordinator (updates)


def alarms_on(
    review: CaseReview,
    calendar: WorkingCalendar,
    *,
    on: date,
    update_every_working_days: int,
    due_soon_days: int = DUE_SOON_WORKING_DAYS,
) -> tuple[Alarm, ...]:
    """The case review's actions, next update and information requests that are overdue or due soon
    on `on` (stages are listed elsewhere), earliest due first. Facts dated after `on` are not yet known."""
    update = update_due_on(review, calendar, every_working_days=update_every_working_days, on=on)
    return promise_alarms(
        calendar,
        actions=review.actions.values(),
        information_requests=review.information_requests.values(),
        next_update=update,
        on=on,
        due_soon_days=due_soon_days,
    )


def promise_alarms(
    calendar: WorkingCalendar,
    *,
    actions: Iterable[Action],
    information_requests: Iterable[InformationRequest],
    next_update: NextUpdate | None,
    on: date,
    due_soon_days: int = DUE_SOON_WORKING_DAYS,
) -> tuple[Alarm, ...]:
    """alarms_on from the promises themselves (a read model holds them without the aggregate): the actions and
    information requests open on `on`, and the next update owed (`next_update_due` as on `on`), that are
    overdue or due soon, earliest due first."""
    alarms: list[Alarm] = []

    def alarm(kind: AlarmKind, id: UUID | None, due: date, agency: str | None) -> None:
        state = deadline_state(calendar, due=due, on=on, due_soon_days=due_soon_days)
        if state is not DeadlineState.ON_TRACK:
            alarms.append(Alarm(kind=kind, id=id, due_date=due, state=state, agency=agency))

    for action in actions:
        if action.agreed_on > on or action.due_date is None:
            continue
        if action_state(action, on) in (ActionState.OPEN, ActionState.OVERDUE):
            alarm(AlarmKind.ACTION, action.id, action.due_date, action.agency)
    if next_update is not None:
        alarm(AlarmKind.UPDATE, None, next_update.due_date, None)
    for request in information_requests:
        if request.requested_on > on:
            continue
        if information_request_state(request, on) is not InformationRequestState.ANSWERED:
            alarm(AlarmKind.INFORMATION_REQUEST, request.id, request.due_date, request.agency)
    return tuple(sorted(alarms, key=lambda a: (a.due_date, a.kind.value, str(a.id))))
