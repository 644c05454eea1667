"""RULES.md sections 8 and 11: each stage's due date, from the step it is counted from, and its state on a day."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import DeadlineState
from domain.deadlines import calendar_for, deadlines_for, stage_due_dates, stages_on
from domain.policy import HAVANT_POLICY
from domain.vocabulary import StageName

RECEIVED = date(2026, 11, 2)  # Monday

GOSPORT_LIKE = HAVANT_POLICY.with_changes(
    version=2,
    stages=[
        {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
        {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
        {"name": "review_meeting_held", "days": 20, "day_kind": "working", "from": "threshold_decided"},
        {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
        {"name": "outcome_notified", "days": 28, "day_kind": "calendar", "from": "received"},
    ],
)


def states(on: date, done: dict | None = None, delays: dict | None = None) -> dict:
    return {s.name.value: s for s in stages_on(GOSPORT_LIKE, RECEIVED, on=on, done_on=done, delay_notified_on=delays)}


def test_section_11_a_stage_has_no_due_date_until_its_from_step_happened() -> None:
    due = stage_due_dates(GOSPORT_LIKE, RECEIVED)
    assert list(due) == [
        StageName.ACKNOWLEDGED, StageName.THRESHOLD_DECIDED, StageName.REVIEW_MEETING_HELD,
        StageName.REVIEW_COMPLETED, StageName.OUTCOME_NOTIFIED,
    ]  # fmt: skip
    assert due[StageName.THRESHOLD_DECIDED] is None and due[StageName.REVIEW_MEETING_HELD] is None
    done = {"acknowledged": date(2026, 11, 4), "threshold_decided": date(2026, 11, 20)}
    due = stage_due_dates(GOSPORT_LIKE, RECEIVED, done)
    assert due[StageName.THRESHOLD_DECIDED] == date(2026, 11, 25)
    assert due[StageName.REVIEW_MEETING_HELD] == date(2026, 12, 18)  # 20 working days after Fri 20 Nov
    assert due[StageName.OUTCOME_NOTIFIED] == date(2026, 11, 30)


def test_section_11_counting_from_a_stage_done_on_a_weekend_does_not_count_that_day() -> None:
    due = stage_due_dates(GOSPORT_LIKE, RECEIVED, {"acknowledged": date(2026, 11, 7)})  # a Saturday
    assert due[StageName.THRESHOLD_DECIDED] == date(2026, 11, 27)  # 15 working days: Mon 9 Nov is the first


def test_section_11_calendar_days_fall_on_weekends_as_they_come() -> None:
    policy = HAVANT_POLICY.with_changes(stages=[{"name": "review_completed", "days": 5, "day_kind": "calendar"}])
    assert deadlines_for(policy, date(2026, 11, 2)).review == date(2026, 11, 7)  # a Saturday


def test_section_11_closure_days_are_not_working_days_for_a_stage() -> None:
    closed = GOSPORT_LIKE.with_changes(calendar={"closure_days": ["2026-11-16"]})
    assert stage_due_dates(closed, RECEIVED)[StageName.ACKNOWLEDGED] == date(2026, 11, 17)


def test_section_8_states_per_stage_on_a_day() -> None:
    on = date(2026, 11, 24)
    view = states(on, done={"acknowledged": date(2026, 11, 4)})
    assert view["acknowledged"].state is DeadlineState.COMPLETED_IN_TIME
    assert view["threshold_decided"].state is DeadlineState.DUE_SOON  # due Wed 25 Nov: 1 working day left
    assert view["threshold_decided"].working_days_left == 1
    assert view["review_meeting_held"].state is None and view["review_meeting_held"].due_date is None
    assert view["review_completed"].state is DeadlineState.DUE_SOON  # Mon 30 Nov: 4 left
    assert view["outcome_notified"].state is DeadlineState.DUE_SOON
    early = states(date(2026, 11, 3))
    assert early["acknowledged"].state is DeadlineState.ON_TRACK and early["acknowledged"].working_days_left == 9


def test_section_8_overdue_and_completed_late_per_stage() -> None:
    view = states(date(2026, 11, 18), done={"acknowledged": date(2026, 11, 17)})
    assert view["acknowledged"].state is DeadlineState.COMPLETED_LATE
    late = states(date(2026, 11, 17))
    assert late["acknowledged"].state is DeadlineState.OVERDUE
    assert late["acknowledged"].working_days_left == -1


def test_section_8_facts_dated_after_the_day_are_not_yet_known() -> None:
    view = states(date(2026, 11, 3), done={"acknowledged": date(2026, 11, 4)})
    assert view["acknowledged"].done_on is None and view["acknowledged"].state is DeadlineState.ON_TRACK
    assert view["threshold_decided"].due_date is None  # the acknowledgement had not happened yet


def test_section_14_a_delay_notice_counts_only_on_or_before_the_stages_due_date() -> None:
    in_time = states(date(2026, 12, 1), delays={"review_completed": date(2026, 11, 30)})
    assert in_time["review_completed"].state is DeadlineState.DELAY_NOTIFIED
    too_late = states(date(2026, 12, 2), delays={"review_completed": date(2026, 12, 1)})
    assert too_late["review_completed"].state is DeadlineState.OVERDUE
    not_yet = states(date(2026, 11, 20), delays={"review_completed": date(2026, 11, 25)})
    assert not_yet["review_completed"].state is DeadlineState.ON_TRACK


def test_stage_view_to_dict_has_api_md_v1_1_shape() -> None:
    view = states(date(2026, 11, 24), done={"acknowledged": date(2026, 11, 4)})
    assert view["acknowledged"].to_dict() == {
        "name": "acknowledged", "due_date": "2026-11-16", "done_on": "2026-11-04", "working_days_left": -6,
        "state": "completed_in_time",
    }  # fmt: skip
    assert view["review_meeting_held"].to_dict()["due_date"] is None


def test_an_unknown_stage_name_is_a_callers_mistake() -> None:
    with pytest.raises(ValueError):
        stage_due_dates(GOSPORT_LIKE, RECEIVED, {"acknowledgement": date(2026, 11, 4)})


def test_deadlines_for_keeps_section_7s_shape() -> None:
    deadlines = deadlines_for(GOSPORT_LIKE, RECEIVED)
    assert deadlines.review == date(2026, 11, 30)
    assert deadlines.acknowledgement == date(2026, 11, 16)
    assert deadlines.threshold_decision is None  # counted from acknowledged: not known from the received date
    assert deadlines.outcome_letter == date(2026, 11, 30)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 60))
def test_a_working_day_stage_is_due_that_many_working_days_after_its_from_date(received: date, days: int) -> None:
    policy = HAVANT_POLICY.with_changes(stages=[{"name": "review_completed", "days": days}])
    due = deadlines_for(policy, received).review
    calendar = calendar_for(policy.calendar)
    assert calendar.is_working_day(due)
    assert calendar.working_days_after(received, due) == days
    assert calendar.working_days_after(received, due - timedelta(days=1)) == days - 1


def test_section_11_a_stage_counted_across_christmas_skips_the_bank_holidays() -> None:
    # From Fri 18 Dec 2026: Fri 25 Dec, Mon 28 Dec (Boxing Day's substitute) and Fri 1 Jan are not working days.
    due = stage_due_dates(
        GOSPORT_LIKE, RECEIVED, {"acknowledged": date(2026, 11, 4), "threshold_decided": date(2026, 12, 18)}
    )
    assert due[StageName.REVIEW_MEETING_HELD] == date(2027, 1, 20)
