"""RULES.md section 8 (time frame), black box through the HTTP API: its worked examples, to the day."""

import pytest
from acceptance_helpers import D, application, assert_problem, deadline_row, met_case, person, today

DUE_DATES = [("2026-11-02", "2026-11-30"), ("2026-12-14", "2027-01-14"), ("2026-03-20", "2026-04-21")]


@pytest.mark.parametrize(("received", "due"), DUE_DATES)
def test_rules_8_the_due_date_is_20_working_days_after_the_received_date(coordinator, received, due):
    if D(received) > today():
        pytest.skip(f"an application received {received} cannot be recorded before that day")
    victim = person(coordinator)
    created = application(coordinator, victim, received)
    assert created["due_date"] == due
    assert set(created) >= {"id", "version", "recorded_at", "due_date"}
    read = coordinator.get(f"/v1/case-reviews/{created['id']}").json()
    assert read["due_date"] == due and "status" in read


@pytest.mark.parametrize(
    ("on", "left", "state"),
    [
        ("2026-11-02", 20, "on_track"),
        ("2026-11-20", 6, "on_track"),
        ("2026-11-23", 5, "due_soon"),
        ("2026-11-28", 1, "due_soon"),  # a Saturday: the Monday due date is still ahead
        ("2026-11-30", 0, "due_soon"),
        ("2026-12-01", -1, "overdue"),
        ("2026-12-05", -4, "overdue"),  # a Saturday: four working days after the due date
    ],
)
def test_rules_8_working_days_left_and_the_deadline_state_as_on_a_date(coordinator, on, left, state):
    review = application(coordinator, person(coordinator), "2026-11-02")["id"]
    row = deadline_row(coordinator, review, on)
    assert row is not None
    assert row["received_date"] == "2026-11-02" and row["due_date"] == "2026-11-30"
    assert (row["working_days_left"], row["deadline_state"]) == (left, state)


def test_rules_8_a_delay_notice_records_reason_and_new_target_and_shows_from_its_date(coordinator):
    review = application(coordinator, person(coordinator), "2026-11-02")["id"]
    path = f"/v1/case-reviews/{review}/delay-notices"
    assert_problem(
        coordinator.post(path, json={"new_target_date": "2026-12-15", "notified_on": "2026-11-25"}), 422, "reason"
    )
    assert_problem(coordinator.post(path, json={"reason": "x", "notified_on": "2026-11-25"}), 422, "new_target_date")
    notice = coordinator.post(
        path, json={"reason": "awaiting health records", "new_target_date": "2026-12-15", "notified_on": "2026-11-25"}
    )
    assert notice.status_code == 201, notice.text
    assert deadline_row(coordinator, review, "2026-11-24")["deadline_state"] == "due_soon"
    assert deadline_row(coordinator, review, "2026-11-25")["deadline_state"] == "delay_notified"
    assert deadline_row(coordinator, review, "2026-12-02")["deadline_state"] == "delay_notified"


@pytest.mark.parametrize(
    ("completed", "state"), [("2026-11-30", "completed_in_time"), ("2026-12-01", "completed_late")]
)
def test_rules_8_finished_reviews_show_completed_in_time_or_late(coordinator, completed, state):
    """Finished is completion, the applicant told the outcome (RULES.md 14), not the review's own completion."""
    review = met_case(coordinator, received="2026-11-02")
    base = f"/v1/case-reviews/{review}"
    assert (
        coordinator.post(f"{base}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-05"}).status_code
        == 201
    )
    done = coordinator.post(f"{base}/review", json={"completed_on": "2026-11-20", "recommendations": []})
    assert done.status_code == 201, done.text
    assert deadline_row(coordinator, review, "2026-11-20")["deadline_state"] == "on_track"  # reviewed, not yet told
    assert deadline_row(coordinator, review, "2026-11-27")["deadline_state"] == "due_soon"
    told = coordinator.post(f"{base}/outcome-notices", json={"notified_on": completed})
    assert told.status_code == 201, told.text
    assert deadline_row(coordinator, review, completed)["deadline_state"] == state
    assert deadline_row(coordinator, review, completed)["finished_on"] == completed
    assert deadline_row(coordinator, review, "2026-12-20")["deadline_state"] == state
    assert deadline_row(coordinator, review, "2027-01-05") is None  # finished more than 30 days before


def test_rules_8_an_overdue_application_is_listed_by_its_deadline_state(coordinator):
    review = application(coordinator, person(coordinator), "2026-11-02")["id"]
    found, params = False, {"deadline_state": "overdue", "limit": 200}
    while True:
        page = coordinator.get("/v1/case-reviews", params=params).json()
        assert all(item.get("deadline_state", "overdue") == "overdue" for item in page["items"])
        found = found or any(item["id"] == review for item in page["items"])
        if not page["next_cursor"]:
            break
        params = {**params, "cursor": page["next_cursor"]}
    assert found
