"""RULES.md section 2 (date conventions), black box through the HTTP API: its worked examples, to the day."""

from datetime import timedelta

import pytest
from acceptance_helpers import (
    POLICE,
    D,
    application,
    assert_problem,
    assessment,
    complaint,
    counted_ids,
    excluded,
    iso,
    person,
    today,
)

REPORTED_IN_TIME = [
    ("2026-01-10", "2026-02-09"),
    ("2026-01-28", "2026-02-27"),
    ("2026-01-31", "2026-02-28"),
    ("2026-03-31", "2026-04-30"),
    ("2026-12-15", "2027-01-14"),
]


@pytest.mark.parametrize(("incident", "last"), REPORTED_IN_TIME)
def test_rules_2_reported_in_time_up_to_the_last_day_of_the_month_beginning_with_the_incident(
    coordinator, incident, last
):
    late = D(last) + timedelta(days=1)
    if late > today():
        pytest.skip(f"needs a report dated {late} through the API; today is {today()}")
    on_time_victim, late_victim = person(coordinator), person(coordinator)
    on_time = complaint(coordinator, on_time_victim, incident, last)
    too_late = complaint(coordinator, late_victim, incident, late)
    first = application(coordinator, on_time_victim, late)["id"]
    second = application(coordinator, late_victim, late)["id"]
    assert counted_ids(assessment(coordinator, first)) == {on_time}
    assert excluded(assessment(coordinator, second)) == {too_late: ["reported_late"]}


WINDOWS = [("2026-07-15", "2026-01-16"), ("2026-08-31", "2026-03-01"), ("2026-03-01", "2025-09-02")]


@pytest.mark.parametrize(("received", "first_day"), WINDOWS)
def test_rules_2_the_previous_six_months_end_with_the_received_date(coordinator, received, first_day):
    victim = person(coordinator)
    before = D(first_day) - timedelta(days=1)
    after = D(received) + timedelta(days=1)
    on_first_day = complaint(coordinator, victim, first_day)
    on_received = complaint(coordinator, victim, received)
    day_before = complaint(coordinator, victim, before)
    day_after = complaint(coordinator, victim, after)
    body = assessment(coordinator, application(coordinator, victim, received)["id"])
    assert counted_ids(body) == {on_first_day, on_received}
    assert excluded(body) == {day_before: ["outside_window"], day_after: ["after_application"]}


def test_rules_2_a_report_before_its_incident_is_refused_naming_the_field(coordinator):
    victim = person(coordinator)
    response = coordinator.post(
        "/v1/complaints",
        json={
            "victim_id": victim, "agency": POLICE, "incident_date": "2026-05-10", "reported_date": "2026-05-09",
            "caused_harassment_alarm_distress": True, "category": "noise",
        },
    )  # fmt: skip
    assert_problem(response, 422, "reported_date")


@pytest.mark.parametrize("field", ["incident_date", "reported_date"])
def test_rules_2_an_incident_or_reported_date_after_today_is_refused(coordinator, field):
    victim = person(coordinator)
    tomorrow = iso(today() + timedelta(days=2))
    body = {
        "victim_id": victim, "agency": POLICE, "incident_date": iso(today()), "reported_date": iso(today()),
        "caused_harassment_alarm_distress": True, "category": "noise", field: tomorrow,
    }  # fmt: skip
    if field == "incident_date":
        body["reported_date"] = tomorrow
    response = coordinator.post("/v1/complaints", json=body)
    assert_problem(response, 422, field)


def test_rules_2_a_received_date_after_today_is_refused(coordinator):
    victim = person(coordinator)
    response = coordinator.post(
        "/v1/case-reviews",
        json={
            "route": "individual", "applicant_id": victim, "victim_id": victim,
            "received_date": iso(today() + timedelta(days=2)), "channel": "letter", "dissatisfaction": "not_satisfied",
        },
    )  # fmt: skip
    assert_problem(response, 422, "received_date")
