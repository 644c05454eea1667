"""RULES.md section 11's worked examples, to the day, through the HTTP API: each as a what-if and as the policy in force.

Each example is a version of Safer Havant's policy published with only that change from Havant's. In one
store of its own, each example's facts are recorded while a version equal to Havant's is in force (T0);
then the changed version is published and the same application assessed (the changed version is now in
force), and as known at T0 (Havant's then; RULES.md section 14); then a version equal to Havant's is
published again, so the next example starts from Havant's. The what-if side names both versions
(`?policy=safer-havant@N`, and `@1`, Havant's first).
"""

import secrets
import time
from datetime import UTC, datetime

import pytest

from tests.conftest import caller_for

pytestmark = pytest.mark.slow  # a store of its own, through the API

POLICE = "hampshire-constabulary"
HAVANT = "safer-havant@1"
# Every parameter section 11 adds, at Havant's values: what publishing "back to Havant's" gives.
HAVANT_SECTION_11 = {
    "reporting_window": {"months": 1},
    "lookback": {"months": 6},
    "last_incident_in_window": True,
    "category_thresholds": {},
    "excluded_sources": [],
    "group_rule": "individuals",
    "stages": [{"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"}],
}


@pytest.fixture(scope="module")
def store(server_url):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import scratch_database

    with (
        scratch_database(server_url, "ct_rules_11") as url,
        TestClient(create_app(url, read_wait_seconds=10, check_audit=True)) as client,
    ):
        yield Procedures(client)


class Procedures:
    """The store, its callers, and the versions of Safer Havant's policy published so far."""

    def __init__(self, client) -> None:
        self.admin = caller_for(client, "admin")
        self.coordinator = caller_for(client, "coordinator")
        self.analyst = caller_for(client, "analyst")
        self.version = 1

    def publish(self, change: dict) -> str:
        """Publish the next version of Safer Havant's policy with `change` from the current one; its NAME@VERSION."""
        self.version += 1
        response = self.admin.post(
            "/v1/policies",
            json={"name": "safer-havant", "version": self.version, "effective_from": "2014-10-20", **change},
        )
        assert response.status_code == 201, response.text
        self.changed = response.json()["changed"]
        return f"safer-havant@{self.version}"

    def with_change(self, change: dict) -> str:
        """Publish `change` from Havant's: `changed` names exactly the parameter it changes; the list shows it."""
        reference = self.publish(change)
        assert self.changed == list(change)
        published = self.admin.get("/v1/policies").json()["items"]
        assert [p[name] for p in published if p["version"] == self.version for name in change] == list(change.values())
        return reference

    def back_to_havant(self) -> None:
        self.publish(HAVANT_SECTION_11)

    def person(self) -> str:
        response = self.coordinator.post("/v1/people", json={"display_name": f"Person {secrets.token_hex(3)}"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def complaint(self, victim: str, incident: str, reported: str | None = None, **extra) -> str:
        body = {
            "victim_id": victim, "agency": POLICE, "incident_date": incident, "reported_date": reported or incident,
            "caused_harassment_alarm_distress": True, "category": "intimidation", **extra,
        }  # fmt: skip
        response = self.coordinator.post("/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def application(self, victim: str, received: str, **extra) -> str:
        body = {
            "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": received,
            "channel": "online", "dissatisfaction": "no_action_taken", **extra,
        }  # fmt: skip
        response = self.coordinator.post("/v1/case-reviews", json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def assessment(self, review: str, **params) -> dict:
        response = self.coordinator.get(f"/v1/case-reviews/{review}/assessment", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def each_way(self, review: str, change: dict) -> tuple[list[dict], list[dict]]:
        """The assessments of `review` under `change` and under Havant's: as the policy in force, then as what-ifs."""
        time.sleep(0.02)
        before = datetime.now(UTC).isoformat()  # T0: a version equal to Havant's is in force
        time.sleep(0.02)
        changed = self.with_change(change)
        in_force = self.assessment(review), self.assessment(review, as_known_at=before)
        self.back_to_havant()
        what_if = self.assessment(review, policy=changed), self.assessment(review, policy=HAVANT)
        assert in_force[0]["policy"] == what_if[0]["policy"] == {"name": "safer-havant", "version": int(changed[13:])}
        assert (
            in_force[1]["policy"]["version"] < what_if[0]["policy"]["version"] and what_if[1]["policy"]["version"] == 1
        )
        return [in_force[0], what_if[0]], [in_force[1], what_if[1]]


def reasons_of(body: dict, complaint: str) -> list[str] | None:
    return next((e["reasons"] for e in body["excluded"] if e["complaint_id"] == complaint), None)


def is_counted(body: dict, complaint: str) -> bool:
    return any(c["complaint_id"] == complaint for c in body["counted"])


def test_rules_11_a_category_threshold_of_one_hate_incident_meets_it_alone(store):
    victim = store.person()
    store.complaint(victim, "2026-06-20", category="hate_incident")
    review = store.application(victim, "2026-07-01")
    changed, havant = store.each_way(review, {"category_thresholds": {"hate_incident": 1}})
    for body in changed:
        assert (body["verdict"], body["reasons"]) == ("met", [])
    for body in havant:
        assert (body["verdict"], body["reasons"]) == ("not_met", ["too_few_incidents"])


def test_rules_11_a_reporting_window_of_30_days_counts_a_report_on_the_30th_day(store):
    victim = store.person()
    complaint = store.complaint(victim, "2026-01-31", "2026-03-02")  # 30 days after 31 Jan is 2 Mar
    review = store.application(victim, "2026-03-10")
    changed, havant = store.each_way(review, {"reporting_window": {"days": 30}})
    for body in changed:
        assert is_counted(body, complaint) and reasons_of(body, complaint) is None
    for body in havant:  # the last in-time date is 28 Feb
        assert reasons_of(body, complaint) == ["reported_late"]
        assert "the last day to report it was 28 February 2026" in body["explanation"]


def test_rules_11_a_lookback_of_183_days_reaches_back_to_14_january(store):
    victim = store.person()
    complaint = store.complaint(victim, "2026-01-14")
    review = store.application(victim, "2026-07-15")
    changed, havant = store.each_way(review, {"lookback": {"days": 183}})
    for body in changed:
        assert body["window"] == {"from": "2026-01-14", "to": "2026-07-15"}
        assert is_counted(body, complaint)
    for body in havant:
        assert body["window"] == {"from": "2026-01-16", "to": "2026-07-15"}
        assert reasons_of(body, complaint) == ["outside_window"]


def test_rules_11_without_the_last_incident_rule_incidents_before_the_window_reported_inside_it_meet_it(store):
    victim = store.person()
    for incident, reported in (
        ("2026-01-05", "2026-01-17"),
        ("2026-01-08", "2026-01-18"),
        ("2026-01-12", "2026-01-19"),
    ):
        store.complaint(victim, incident, reported)
    review = store.application(victim, "2026-07-15")  # window 16 Jan - 15 Jul
    changed, havant = store.each_way(review, {"last_incident_in_window": False})
    for body in changed:
        assert (body["verdict"], len(body["counted"])) == ("met", 3)
    for body in havant:
        assert (body["verdict"], body["reasons"]) == ("not_met", ["last_incident_outside_window"])


def test_rules_11_an_excluded_source_never_counts(store):
    victim = store.person()
    store.complaint(victim, "2026-06-01", source="phone")
    diary = store.complaint(victim, "2026-06-10", source="diary_sheet")
    store.complaint(victim, "2026-06-20")  # no source given: other
    review = store.application(victim, "2026-07-15")
    changed, havant = store.each_way(review, {"excluded_sources": ["diary_sheet"]})
    for body in changed:
        assert (body["verdict"], body["reasons"]) == ("not_met", ["too_few_incidents"])
        assert reasons_of(body, diary) == ["excluded_source"]
        assert "it was made on a diary sheet" in body["explanation"]
    for body in havant:
        assert body["verdict"] == "met" and is_counted(body, diary)


def test_rules_11_a_linked_location_group_five_incidents_at_one_place_by_two_people_both_consenting(store):
    first, second = store.person(), store.person()
    for victim, days in ((first, ("2026-06-01", "2026-06-08", "2026-06-15")), (second, ("2026-06-03", "2026-06-10"))):
        for day in days:
            store.complaint(victim, day, location_key="uprn-100062456789")
    response = store.coordinator.post(
        "/v1/case-reviews",
        json={"route": "group", "applicant_id": first, "member_ids": [first, second], "received_date": "2026-07-15",
              "channel": "email", "dissatisfaction": "not_satisfied"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    review = response.json()["id"]
    consented = store.coordinator.post(
        "/v1/consents",
        json={"person_id": second, "application_id": review, "purpose": "group_representation",
              "given_on": "2026-07-15"},
    )  # fmt: skip
    assert consented.status_code == 201, consented.text
    changed, havant = store.each_way(review, {"group_rule": "linked_location"})
    for body in changed:
        assert (body["verdict"], len(body["counted"])) == ("met", 5)
        assert "5 incidents that count happened at one linked location, reported by 2 people" in body["explanation"]
        assert "uprn" not in str(body)  # the place is the victims' personal data: never in an assessment
    for body in havant:  # five people are needed, and there are two
        assert (body["verdict"], body["reasons"]) == ("not_met", ["too_few_incidents"])


STAGES_FROM_ACKNOWLEDGEMENT = [
    {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
    {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
    {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
]


def stages_of(caller, review: str) -> dict[str, dict]:
    response = caller.get(f"/v1/case-reviews/{review}")
    assert response.status_code == 200, response.text
    return {stage["name"]: stage for stage in response.json()["stages"]}


def acknowledged_application(store) -> str:
    """An application received Mon 2 Nov 2026 and acknowledged Wed 4 Nov, as in the stages' worked example."""
    review = store.application(store.person(), "2026-11-02")
    acknowledged = store.coordinator.post(
        f"/v1/case-reviews/{review}/acknowledgement", json={"acknowledged_on": "2026-11-04"}
    )
    assert acknowledged.status_code == 201, acknowledged.text
    return review


def test_rules_11_stages_counted_from_the_step_before_them(store):
    review = acknowledged_application(store)
    havant_stages = stages_of(store.coordinator, review)
    assert list(havant_stages) == ["review_completed"]
    changed = store.with_change({"stages": STAGES_FROM_ACKNOWLEDGEMENT})

    # As the policy in force: the application and the deadline view show each stage.
    stages = stages_of(store.coordinator, review)
    assert list(stages) == ["acknowledged", "threshold_decided", "review_completed"]
    assert (stages["acknowledged"]["due_date"], stages["acknowledged"]["done_on"]) == ("2026-11-16", "2026-11-04")
    assert stages["acknowledged"]["state"] == "completed_in_time"
    assert (stages["threshold_decided"]["due_date"], stages["threshold_decided"]["done_on"]) == ("2026-11-25", None)
    assert stages["review_completed"]["due_date"] == "2026-11-30"
    row = next(
        item for item in store.coordinator.get("/v1/deadlines", params={"on": "2026-11-20", "limit": 200}).json()["items"]
        if item["id"] == review
    )  # fmt: skip
    by_name = {stage["name"]: stage for stage in row["stages"]}
    assert (by_name["threshold_decided"]["due_date"], by_name["threshold_decided"]["working_days_left"]) == (
        "2026-11-25",
        3,
    )
    # On its due date it is due soon; the day after, overdue: both in the alarms, as stages.
    for on, state in (("2026-11-25", "due_soon"), ("2026-11-26", "overdue")):
        alarms = store.coordinator.get("/v1/deadlines/alarms", params={"on": on}).json()["stages"]
        mine = [alarm for alarm in alarms if alarm["case_review_id"] == review]
        assert [(a["kind"], a["name"], a["due_date"], a["state"]) for a in mine] == [
            ("stage", "threshold_decided", "2026-11-25", state),
            ("stage", "review_completed", "2026-11-30", "due_soon"),  # within 5 working days too
        ]
    # Before it was acknowledged, the threshold decision had no due date yet.
    early = next(
        item for item in store.coordinator.get("/v1/deadlines", params={"on": "2026-11-03", "limit": 200}).json()["items"]
        if item["id"] == review
    )  # fmt: skip
    assert {s["name"]: s["due_date"] for s in early["stages"]}["threshold_decided"] is None
    store.back_to_havant()

    # As a what-if: the due dates that move between Havant's version and the changed one.
    report = store.analyst.get(
        "/v1/reports/what-if", params={"policy": changed, "against": HAVANT, "year": 2026}
    ).json()  # fmt: skip
    moved = next(item for item in report["stage_changes"] if item["application_id"] == review)
    assert moved["stages"] == [
        {"name": "acknowledged", "before": None, "after": "2026-11-16"},
        {"name": "threshold_decided", "before": None, "after": "2026-11-25"},
    ]


def test_rules_11_a_stage_of_28_calendar_days_from_received(store):
    victim = store.person()
    review = store.application(victim, "2026-11-02")  # Mon 2 Nov 2026
    stages = [
        {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
        {"name": "outcome_notified", "days": 28, "day_kind": "calendar", "from": "received"},
    ]
    changed = store.with_change({"stages": stages})
    assert stages_of(store.coordinator, review)["outcome_notified"]["due_date"] == "2026-11-30"  # Mon 30 Nov
    store.back_to_havant()
    assert "outcome_notified" not in stages_of(store.coordinator, review)
    report = store.analyst.get("/v1/reports/what-if", params={"policy": changed, "against": HAVANT, "year": 2026})
    moved = next(item for item in report.json()["stage_changes"] if item["application_id"] == review)
    assert moved["stages"] == [{"name": "outcome_notified", "before": None, "after": "2026-11-30"}]


def test_rules_11_stages_published_with_only_the_worked_examples_steps_keep_the_review_time_frame(store):
    """The worked example "with only these changes": two stages, no review_completed; the version keeps Havant's."""
    review = acknowledged_application(store)
    given = STAGES_FROM_ACKNOWLEDGEMENT[:2]
    assert [stage["name"] for stage in given] == ["acknowledged", "threshold_decided"]
    store.publish({"stages": given})
    assert store.changed == ["stages"]
    published = next(p for p in store.admin.get("/v1/policies").json()["items"] if p["version"] == store.version)
    assert published["stages"] == STAGES_FROM_ACKNOWLEDGEMENT  # review_completed kept from the version before
    stages = stages_of(store.coordinator, review)
    assert (stages["acknowledged"]["due_date"], stages["threshold_decided"]["due_date"]) == ("2026-11-16", "2026-11-25")
    assert store.coordinator.get(f"/v1/case-reviews/{review}").json()["due_date"] == "2026-11-30"
    store.back_to_havant()


def test_rules_11_a_review_of_28_calendar_days_from_received_is_the_applications_due_date(store):
    victim = store.person()
    review = store.application(victim, "2026-11-02")  # Mon 2 Nov 2026
    store.with_change(
        {"stages": [{"name": "review_completed", "days": 28, "day_kind": "calendar", "from": "received"}]}
    )
    assert store.coordinator.get(f"/v1/case-reviews/{review}").json()["due_date"] == "2026-11-30"  # Mon 30 Nov
    row = next(
        item for item in store.coordinator.get("/v1/deadlines", params={"on": "2026-11-27", "limit": 200}).json()["items"]
        if item["id"] == review
    )  # fmt: skip
    assert (row["due_date"], row["working_days_left"], row["deadline_state"]) == ("2026-11-30", 1, "due_soon")
    store.back_to_havant()


def test_rules_11_publishing_answers_exactly_what_changed_from_the_version_it_was_derived_from(store):
    reference = store.publish({"category_thresholds": {"hate_incident": 1}, "lookback": {"days": 183}})
    response = store.admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": store.version + 1, "effective_from": "2014-10-20",
              "excluded_sources": ["diary_sheet"], "lookback": {"days": 183}},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    store.version += 1
    body = response.json()
    assert body["derived_from"] == {"name": "safer-havant", "version": int(reference[13:])}
    assert body["changed"] == ["excluded_sources"]  # the lookback was already 183 days
    assert body["policy"]["excluded_sources"] == ["diary_sheet"] and body["policy"]["lookback"] == {"days": 183}
    assert "lookback_months" not in body["policy"]  # section 7's name cannot say a window in days
    store.back_to_havant()
