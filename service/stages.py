"""Each application's procedure stages as on a day (RULES.md sections 8 and 11; API.md v1.1 `stages`).

The stages and their time limits are the policy's (domain.policy Stage); when each step happened
comes from the application's events (domain.deadlines stage_done_dates), read from the aggregate
for one application or from the case list for many; the states are section 8's, per stage
(domain.deadlines stages_on).
"""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from domain.calendar import DeadlineState
from domain.case_reviews import CaseReview
from domain.deadlines import StageOnDay, stage_delay_notices, stage_done_dates, stages_on
from domain.policy import Policy
from domain.vocabulary import StageName

ALARM_STATES = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON)


def stages_of_review(policy: Policy, review: CaseReview, on: date) -> tuple[StageOnDay, ...]:
    """`review`'s stages under `policy` (the version in force on its received date) as on `on`."""
    return stages_on(
        policy,
        review.received_date,
        on=on,
        done_on=stage_done_dates(review),
        delay_notified_on=stage_delay_notices(review),
    )


def stages_of_row(policy: Policy, row: Mapping[str, Any], on: date) -> tuple[StageOnDay, ...]:
    """A case-list row's stages as on `on` (its `stages_done` as the projection stored them)."""
    delay = row["delay_notified_on"]
    return stages_on(
        policy,
        row["received_date"],
        on=on,
        done_on={StageName(name): date.fromisoformat(day) for name, day in (row["stages_done"] or {}).items()},
        delay_notified_on={StageName.REVIEW_COMPLETED: delay} if delay is not None else None,
    )


def stage_alarms(stages: Iterable[StageOnDay]) -> list[StageOnDay]:
    """The stages overdue or due soon (RULES.md section 8's states, per stage): what the coordinator must act on."""
    return [stage for stage in stages if stage.state in ALARM_STATES]
