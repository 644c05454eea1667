"""The time frame of RULES.md section 8 under a policy: due dates and the state of a deadline on a day."""

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from domain.calendar import DeadlineState, WorkingCalendar, deadline_state, working_days_left
from domain.policy import CalendarSpec, Policy


@cache
def calendar_for(spec: CalendarSpec) -> WorkingCalendar:
    return WorkingCalendar(country=spec.country, subdivision=spec.subdivision, closure_days=spec.closure_days)


@dataclass(frozen=True)
class Deadlines:
    """When each step is due, counted in the policy's working days from the received date."""

    review: date
    acknowledgement: date | None
    threshold_decision: date | None
    outcome_letter: date | None


def deadlines_for(policy: Policy, received: date) -> Deadlines:
    calendar = calendar_for(policy.calendar)

    def due(days: int | None) -> date | None:
        return None if days is None else calendar.due_date(received, days)

    return Deadlines(
        review=calendar.due_date(received, policy.review_due_working_days),
        acknowledgement=due(policy.acknowledge_working_days),
        threshold_decision=due(policy.threshold_decision_working_days),
        outcome_letter=due(policy.outcome_letter_working_days),
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
