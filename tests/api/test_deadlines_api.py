"""Due dates and the deadline view through the API (RULES.md section 8)."""

from datetime import date

import pytest

from domain.deadlines import deadlines_for
from domain.policy import HAVANT_POLICY


def _person(caller) -> str:
    return caller.post("/v1/people", json={"display_name": "Robin Hale"}).json()["id"]


def _apply(caller, received: str) -> dict:
    person = _person(caller)
    body = {
        "route": "individual",
        "applicant_id": person,
        "victim_id": person,
        "received_date": received,
        "channel": "online",
        "dissatisfaction": "not_satisfied",
    }
    response = caller.post("/v1/case-reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-11-02", "2026-11-30"),
        ("2026-03-20", "2026-04-21"),
    ],  # RULES.md section 8 (14 Dec 2026 is still ahead; below)
)
def test_an_application_answers_its_due_date_and_keeps_it(coordinator, received, due):
    created = _apply(coordinator, received)
    assert created["due_date"] == due
    assert coordinator.get(f"/v1/case-reviews/{created['id']}").json()["due_date"] == due


def test_the_worked_example_across_christmas():
    assert deadlines_for(HAVANT_POLICY, date(2026, 12, 14)).review == date(2027, 1, 14)


def test_optional_step_deadlines_are_tracked_only_when_the_policy_sets_them():
    assert deadlines_for(HAVANT_POLICY, date(2026, 11, 2)).acknowledgement is None
    stricter = HAVANT_POLICY.with_changes(version=2, acknowledge_working_days=3)
    assert deadlines_for(stricter, date(2026, 11, 2)).acknowledgement == date(2026, 11, 5)


def _seen(caller, review_id: str, on: str) -> dict | None:
    cursor, found = None, None
    while True:
        page = caller.get(
            "/v1/deadlines", params={"on": on, "limit": 200, **({"cursor": cursor} if cursor else {})}
        ).json()
        found = found or next((item for item in page["items"] if item["id"] == review_id), None)
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_one_application_seen_on_many_dates(coordinator):
    review = _apply(coordinator, "2026-03-20")  # due Tue 21 Apr 2026, Easter 3-6 Apr between
    expected = {
        "2026-03-19": None,  # not yet received
        "2026-03-20": (20, "on_track"),
        "2026-04-02": (11, "on_track"),
        "2026-04-06": (11, "on_track"),  # Easter Monday: no working day has passed since Thursday
        "2026-04-14": (5, "due_soon"),
        "2026-04-21": (0, "due_soon"),
        "2026-04-22": (-1, "overdue"),
        "2026-04-25": (-3, "overdue"),  # a Saturday: Wed, Thu, Fri have passed
    }
    for on, want in expected.items():
        item = _seen(coordinator, review["id"], on)
        if want is None:
            assert item is None, on
        else:
            assert (item["working_days_left"], item["deadline_state"]) == want, on


def test_delay_notice_and_completion_change_the_state_from_their_own_dates(coordinator):
    review = _apply(coordinator, "2026-09-01")  # due 29 Sep 2026
    base = f"/v1/case-reviews/{review['id']}"
    assert review["due_date"] == "2026-09-29"
    assert (
        coordinator.post(
            f"{base}/threshold-decision",
            json={"decision": "met", "grounds": "harm", "reason": "Vulnerable victim", "decided_on": "2026-09-03"},
        ).status_code
        == 201
    )
    assert (
        coordinator.post(
            f"{base}/delay-notices",
            json={"reason": "complex", "new_target_date": "2026-10-20", "notified_on": "2026-09-25"},
        ).status_code
        == 201
    )
    assert (
        coordinator.post(f"{base}/review", json={"completed_on": "2026-10-12", "recommendations": []}).status_code
        == 201
    )
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-10-14"}).status_code == 201
    assert _seen(coordinator, review["id"], "2026-09-24")["deadline_state"] == "due_soon"
    assert _seen(coordinator, review["id"], "2026-09-25")["deadline_state"] == "delay_notified"
    assert _seen(coordinator, review["id"], "2026-10-13")["deadline_state"] == "delay_notified"  # reviewed, not told
    assert _seen(coordinator, review["id"], "2026-10-14")["deadline_state"] == "completed_late"
    assert _seen(coordinator, review["id"], "2026-11-12")["deadline_state"] == "completed_late"  # within 30 days
    assert _seen(coordinator, review["id"], "2026-11-14") is None  # finished more than 30 days before


def test_the_alarm_list_holds_overdue_and_due_soon_without_a_delay_notice(coordinator):
    late = _apply(coordinator, "2026-08-03")
    on = "2026-09-10"
    alarms = coordinator.get("/v1/deadlines/alarms", params={"on": on}).json()["items"]
    assert any(item["id"] == late["id"] and item["deadline_state"] == "overdue" for item in alarms)
    assert all(item["deadline_state"] in ("overdue", "due_soon") for item in alarms)
    coordinator.post(
        f"/v1/case-reviews/{late['id']}/delay-notices",
        json={"reason": "waiting", "new_target_date": "2026-10-01", "notified_on": "2026-09-01"},
    )
    alarms = coordinator.get("/v1/deadlines/alarms", params={"on": on}).json()["items"]
    assert all(item["id"] != late["id"] for item in alarms)


def test_the_case_list_filter_agrees_with_the_deadline_view(coordinator):
    for received in ("2026-10-01", "2026-11-17", "2026-11-23", "2026-06-01"):
        _apply(coordinator, received)
    states = {}
    for state in ("on_track", "due_soon", "overdue", "delay_notified", "completed_in_time", "completed_late"):
        cursor = None
        while True:
            page = coordinator.get(
                "/v1/case-reviews",
                params={"deadline_state": state, "limit": 200, **({"cursor": cursor} if cursor else {})},
            ).json()
            for item in page["items"]:
                assert item["deadline_state"] == state, item
                states[item["id"]] = state
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert states  # every listed row agreed with its own computed state


def test_the_calendar_feed_lists_open_due_dates_without_personal_data(coordinator):
    review = _apply(coordinator, "2026-11-20")
    response = coordinator.get("/v1/deadlines.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in response.text and f"UID:{review['id']}@community-trigger" in response.text
    assert "Robin Hale" not in response.text


def test_a_bad_date_or_cursor_is_422(coordinator):
    assert coordinator.get("/v1/deadlines", params={"on": "2026-02-30"}).json()["errors"][0]["field"] == "on"
    assert coordinator.get("/v1/deadlines", params={"cursor": "nope"}).status_code == 422


@pytest.mark.parametrize(
    "values",
    [
        {"due_date": "2026-02-30", "id": "00000000-0000-0000-0000-000000000001", "on": "2026-11-02"},
        {"due_date": "2026-11-30", "id": "not-a-uuid", "on": "2026-11-02"},
        {"due_date": 20261130, "id": "00000000-0000-0000-0000-000000000001", "on": "2026-11-02"},
        {"due_date": "2026-11-30", "id": "00000000-0000-0000-0000-000000000001", "on": "2026-11-03"},
    ],
)
def test_a_cursor_well_formed_but_not_ours_is_422_naming_the_cursor(coordinator, values):
    from api.dependencies import encode_cursor

    response = coordinator.get("/v1/deadlines", params={"on": "2026-11-02", "cursor": encode_cursor(values)})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "cursor"
