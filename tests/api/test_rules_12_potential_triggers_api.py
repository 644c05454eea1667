"""RULES.md section 12 through the HTTP API (API.md v1.1 Potential triggers): to the day, as known at a time, by role.

One victim, two qualifying reports at two agencies: reported Mon 2 Nov 2026 to the police and Wed 4 Nov 2026 to
the council. As on Tue 10 Nov 2026 they should be told, by Wed 18 Nov 2026 (10 working days after the second
report). Told on Thu 12 Nov, they are `told`. Each test reads the list of a database of its own (fresh_app).
"""

from datetime import UTC, datetime, timedelta

import pytest
from conftest import caller_for

pytestmark = pytest.mark.slow  # a database of its own

POLICE, COUNCIL, LANDLORD = "hampshire-constabulary", "havant-borough-council", "vivid-homes"


@pytest.fixture(scope="module")
def callers(fresh_app):
    return {
        "coordinator": caller_for(fresh_app, "coordinator"),
        "auditor": caller_for(fresh_app, "auditor"),
        "police": caller_for(fresh_app, "agency", POLICE),
        "council": caller_for(fresh_app, "agency", COUNCIL),
        "landlord": caller_for(fresh_app, "agency", LANDLORD),
        "analyst": caller_for(fresh_app, "analyst"),
        "admin": caller_for(fresh_app, "admin"),
    }


def person(coordinator, name: str) -> str:
    answer = coordinator.post("/v1/people", json={"display_name": name})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def complain(caller, victim: str, agency: str, day: str, **extra) -> dict:
    body = {
        "victim_id": victim, "agency": agency, "incident_date": day, "reported_date": day,
        "caused_harassment_alarm_distress": True, "category": "noise", **extra,
    }  # fmt: skip
    answer = caller.post("/v1/complaints", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def listing(caller, **params) -> dict:
    """The list; first waiting for the read models to hold every write (a read sees its own key's writes at once,
    and the agencies' keys wrote the complaints)."""
    services = caller.client.app.state.services
    assert services.runner.wait_for(services.runner.head(), 10)
    answer = caller.get("/v1/potential-triggers", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def item_of(answer: dict, victim: str) -> dict | None:
    return next((item for item in answer["items"] if item.get("victim_id") == victim), None)


@pytest.fixture(scope="module")
def victim(callers):
    """Two qualifying reports at two agencies; `before_second` is a moment between them."""
    c = callers["coordinator"]
    victim = person(c, "Jordan Ellis")
    first = complain(callers["police"], victim, POLICE, "2026-11-02")
    between = datetime.fromisoformat(first["recorded_at"].replace("Z", "+00:00")) + timedelta(microseconds=1)
    second = complain(callers["council"], victim, COUNCIL, "2026-11-04")
    return {"id": victim, "first": first["id"], "second": second["id"], "before_second": between}


def test_rules_12_two_qualifying_reports_at_two_agencies_should_be_told_within_10_working_days(callers, victim):
    answer = listing(callers["coordinator"], on="2026-11-10")
    assert answer["on"] == "2026-11-10" and answer["as_known_at"].endswith("Z")
    item = item_of(answer, victim["id"])
    assert item["kind"] == "victim"
    assert item["state"] == "should_be_told"
    assert item["counted_incidents"] == 2
    assert item["by_agency"] == {COUNCIL: 1, POLICE: 1}
    assert item["tell_due_date"] == "2026-11-18"
    assert item["told_on"] is None
    assert {c["complaint_id"] for c in item["counted"]} == {victim["first"], victim["second"]}
    assert item["policy"] == {"name": "safer-havant", "version": 1}


def test_rules_12_as_on_a_day_before_the_second_report_the_victim_is_not_listed(callers, victim):
    assert item_of(listing(callers["coordinator"], on="2026-11-03"), victim["id"]) is None


def test_rules_12_as_known_at_a_time_before_the_second_report_was_recorded_the_victim_is_not_listed(callers, victim):
    moment = victim["before_second"].astimezone(UTC).isoformat().replace("+00:00", "Z")
    answer = listing(callers["coordinator"], on="2026-11-10", as_known_at=moment)
    assert item_of(answer, victim["id"]) is None
    assert answer["as_known_at"] == moment


def test_rules_12_an_agency_sees_only_victims_it_logged_for_with_every_count_and_only_its_own_complaints(
    callers, victim
):
    police = item_of(listing(callers["police"], on="2026-11-10"), victim["id"])
    assert police["by_agency"] == {COUNCIL: 1, POLICE: 1}  # the other agency's count
    assert [c["complaint_id"] for c in police["counted"]] == [victim["first"]]  # never its complaint
    assert item_of(listing(callers["landlord"], on="2026-11-10"), victim["id"]) is None
    assert item_of(listing(callers["auditor"], on="2026-11-10"), victim["id"])["state"] == "should_be_told"
    for role in ("analyst", "admin"):
        assert callers[role].get("/v1/potential-triggers").status_code == 403


def test_rules_12_a_late_telling_shows_in_the_alarms_from_the_day_it_is_due(callers, victim):
    def tell_alarm(on: str) -> dict | None:
        listing(callers["coordinator"])  # every write projected first
        answer = callers["coordinator"].get("/v1/deadlines/alarms", params={"on": on})
        assert answer.status_code == 200, answer.text
        return next((a for a in answer.json()["victims_to_tell"] if a["victim_id"] == victim["id"]), None)

    assert tell_alarm("2026-11-10") is None  # six working days left: not yet
    assert tell_alarm("2026-11-11")["state"] == "due_soon"  # five working days left
    due = tell_alarm("2026-11-18")
    assert (due["kind"], due["state"], due["working_days_left"], due["due_date"]) == (
        "tell_victim", "due_soon", 0, "2026-11-18"
    )  # fmt: skip
    late = tell_alarm("2026-11-19")
    assert (late["state"], late["working_days_left"], late["trigger_state"]) == ("overdue", -1, "should_be_told")


def test_rules_12_telling_is_refused_in_the_future_for_an_unknown_or_erased_person_and_by_an_agency_not_involved(
    callers, victim
):
    c = callers["coordinator"]
    path = "/v1/people/{}/told-about-case-review"
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    future = c.post(path.format(victim["id"]), json={"told_on": tomorrow, "channel": "phone"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "told_on"
    bad_channel = c.post(path.format(victim["id"]), json={"told_on": "2026-11-12", "channel": "pigeon"})
    assert bad_channel.status_code == 422 and bad_channel.json()["errors"][0]["field"] == "channel"
    unknown = c.post(
        path.format("00000000-0000-4000-8000-000000000000"), json={"told_on": "2026-11-12", "channel": "phone"}
    )
    assert unknown.status_code == 404
    not_involved = callers["landlord"].post(
        path.format(victim["id"]), json={"told_on": "2026-11-12", "channel": "phone"}
    )
    assert not_involved.status_code == 403
    erased = person(c, "Sam Erased")
    assert c.post(f"/v1/people/{erased}/erasure", json={"reason": "subject_request"}).status_code == 201
    refused = c.post(path.format(erased), json={"told_on": "2026-11-12", "channel": "phone"})
    assert refused.status_code == 409
    assert (
        callers["auditor"]
        .post(path.format(victim["id"]), json={"told_on": "2026-11-12", "channel": "phone"})
        .status_code
        == 403
    )
    assert item_of(listing(c, on="2026-11-13"), victim["id"])["state"] == "should_be_told"  # nothing was recorded


def test_rules_12_telling_moves_the_victim_to_told_from_the_day_told_and_the_time_recorded(callers, victim):
    c = callers["coordinator"]
    before = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    told = c.post(
        f"/v1/people/{victim['id']}/told-about-case-review", json={"told_on": "2026-11-12", "channel": "phone"}
    )
    assert told.status_code == 201, told.text
    assert told.headers["location"] == f"/v1/people/{victim['id']}"
    assert told.json()["told_on"] == "2026-11-12" and told.json()["channel"] == "phone"
    item = item_of(listing(c, on="2026-11-13"), victim["id"])
    assert (item["state"], item["told_on"], item["tell_due_date"]) == ("told", "2026-11-12", None)
    assert item_of(listing(c, on="2026-11-11"), victim["id"])["state"] == "should_be_told"  # not told yet that day
    as_before = item_of(listing(c, on="2026-11-13", as_known_at=before), victim["id"])
    assert as_before["state"] == "should_be_told"  # not known then
    alarms = c.get("/v1/deadlines/alarms", params={"on": "2026-11-19"}).json()["victims_to_tell"]
    assert victim["id"] not in [a["victim_id"] for a in alarms]
    assert [s["state"] for s in listing(c, on="2026-11-13", state="told")["items"]] == ["told"]


def test_rules_12_a_third_report_reaches_the_threshold_and_an_open_application_takes_the_victim_off_the_list(
    callers,
):
    c = callers["coordinator"]
    victim = person(c, "Morgan Reid")
    for agency, day in ((POLICE, "2026-11-02"), (COUNCIL, "2026-11-03"), (POLICE, "2026-11-05")):
        complain(callers["police"] if agency == POLICE else callers["council"], victim, agency, day)
    item = item_of(listing(c, on="2026-11-10"), victim)
    assert (item["state"], item["counted_incidents"], item["tell_due_date"]) == ("threshold_reached", 3, "2026-11-17")
    assert item["by_agency"] == {COUNCIL: 1, POLICE: 2}
    applied = c.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-20",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    assert applied.status_code == 201, applied.text
    assert item_of(listing(c, on="2026-11-19"), victim)["state"] == "threshold_reached"  # not applied yet that day
    assert item_of(listing(c, on="2026-11-20"), victim) is None  # an open application


def test_rules_12_the_list_pages_by_cursor_and_keeps_its_day_and_time(callers, victim):
    c = callers["coordinator"]
    seen, cursor = [], None
    while True:
        params = {"on": "2026-11-13", "limit": 1, **({"cursor": cursor} if cursor else {})}
        answer = listing(c, **params)
        seen += [item["victim_id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["victim_id"] for item in listing(c, on="2026-11-13")["items"]]
    assert len(seen) >= 2
    other_day = c.get(
        "/v1/potential-triggers",
        params={"on": "2026-11-14", "cursor": listing(c, on="2026-11-13", limit=1)["next_cursor"]},
    )
    assert other_day.status_code == 422 and other_day.json()["errors"][0]["field"] == "cursor"
    assert c.get("/v1/potential-triggers", params={"state": "maybe"}).status_code == 422


def test_rules_12_reading_the_list_is_recorded_in_the_read_audit(callers, victim):
    listing(callers["police"], on="2026-11-10")
    reads = callers["auditor"].get("/v1/audit", params={"person_id": victim["id"]}).json()["items"]
    assert any(read["route"] == "/v1/potential-triggers" and read["agency"] == POLICE for read in reads)


def test_rules_12_an_agency_records_telling_a_victim_it_logged_a_complaint_for_right_after_logging_it(callers):
    police = callers["police"]
    victim = person(callers["coordinator"], "Told By Police")
    complain(police, victim, POLICE, "2026-11-02")  # read at once below: the agency's own write counts
    told = police.post(
        f"/v1/people/{victim}/told-about-case-review", json={"told_on": "2026-11-03", "channel": "phone"}
    )
    assert told.status_code == 201, told.text
    assert (told.json()["told_on"], told.json()["channel"]) == ("2026-11-03", "phone")
