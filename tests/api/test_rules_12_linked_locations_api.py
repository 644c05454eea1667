"""RULES.md sections 11 and 12: under a `linked_location` policy the list shows places whose counted incidents reach
the group number; a place is the victim's personal data, kept as a keyed digest, gone with the victim's erasure.
"""

import psycopg
import pytest
from conftest import caller_for

from domain.actor import SYSTEM
from service.bootstrap import now

pytestmark = pytest.mark.slow  # a database of its own

POLICE, COUNCIL = "hampshire-constabulary", "havant-borough-council"
PLACE = "100062341234"  # a UPRN
OTHER_PLACE = "100062349999"


@pytest.fixture(scope="module")
def setting(fresh_app):
    coordinator = caller_for(fresh_app, "coordinator")
    police = caller_for(fresh_app, "agency", POLICE)
    # Through the service: the policies API takes section 11's parameters in another branch of work.
    services = fresh_app.app.state.services
    services.policies.publish(
        {"version": 2, "effective_from": "2026-01-01", "group_rule": "linked_location"}, actor=SYSTEM, now=now()
    )
    people = [coordinator.post("/v1/people", json={"display_name": n}).json()["id"] for n in ("Ash", "Bo", "Cy")]
    ash, bo, cy = people
    for victim, day, place in (
        (ash, "2026-11-02", PLACE), (ash, "2026-11-03", PLACE), (ash, "2026-11-04", PLACE),
        (bo, "2026-11-05", PLACE), (bo, "2026-11-06", PLACE), (cy, "2026-11-06", OTHER_PLACE),
    ):  # fmt: skip
        answer = police.post(
            "/v1/complaints",
            json={"victim_id": victim, "agency": POLICE, "incident_date": day, "reported_date": day,
                  "caused_harassment_alarm_distress": True, "category": "noise", "location_key": place},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
    return {"app": fresh_app, "coordinator": coordinator, "police": police, "ash": ash, "bo": bo, "cy": cy}


def places(caller, **params) -> list[dict]:
    services = caller.client.app.state.services  # the police key wrote the complaints: wait for every write
    assert services.runner.wait_for(services.runner.head(), 10)
    answer = caller.get("/v1/potential-triggers", params={"on": "2026-11-10", **params})
    assert answer.status_code == 200, answer.text
    return [item for item in answer.json()["items"] if item["kind"] == "location"]


def rows(url: str) -> dict[str, list]:
    with psycopg.connect(url) as conn:
        return {
            table: sorted(map(repr, conn.execute(f"SELECT * FROM potential_triggers.{table}").fetchall()))
            for table in ("complaints", "tellings", "application_victims", "applications")
        }


def test_rules_12_a_place_with_five_counted_incidents_reported_by_two_people_is_listed_without_its_key(setting):
    [place] = places(setting["coordinator"])
    assert place["state"] == "threshold_reached"
    assert (place["counted_incidents"], place["reported_by"]) == (5, 2)
    assert sorted(place["member_ids"]) == sorted([setting["ash"], setting["bo"]])
    assert place["by_agency"] == {POLICE: 5}
    assert place["location_id"].startswith("loc_") and PLACE not in str(place)
    assert places(setting["police"])[0]["location_id"] == place["location_id"]  # the police logged there


def test_rules_12_the_read_model_keeps_a_keyed_digest_never_the_location_key(setting):
    url = setting["app"].app.state.services.pool.conninfo
    with psycopg.connect(url) as conn:
        digests = {row[0] for row in conn.execute("SELECT location_digest FROM potential_triggers.complaints")}
        dump = " ".join(repr(row) for row in conn.execute("SELECT * FROM potential_triggers.complaints"))
    assert len(digests) == 2 and None not in digests and all(len(d) == 32 for d in digests)
    assert PLACE not in dump and PLACE.encode().hex() not in dump


def test_rules_12_after_a_victims_erasure_they_and_their_places_neither_match_nor_appear_and_a_rebuild_agrees(setting):
    from projections.rebuild import rebuild

    coordinator = setting["coordinator"]
    before = coordinator.get("/v1/deadlines/alarms", params={"on": "2026-12-01"}).json()["victims_to_tell"]
    assert any(alarm.get("victim_id") == setting["bo"] for alarm in before)  # two reports, never told: overdue
    assert (
        coordinator.post(f"/v1/people/{setting['bo']}/erasure", json={"reason": "subject_request"}).status_code == 201
    )
    assert places(coordinator) == []  # three incidents left at the place: short of five
    services = setting["app"].app.state.services
    services.runner.wait_for(services.runner.head(), 10)
    url = services.pool.conninfo
    with psycopg.connect(url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM potential_triggers.complaints WHERE victim_id = %s", (setting["bo"],)
        ).fetchone()[0]
    assert left == 0
    # An erased victim can never be told (RULES.md 14): listed on no day, as known at no time, and in no alarm.
    listed = coordinator.get("/v1/potential-triggers", params={"on": "2026-11-10"}).json()["items"]
    assert all(item.get("victim_id") != setting["bo"] for item in listed)
    alarms = coordinator.get("/v1/deadlines/alarms", params={"on": "2026-12-01"}).json()["victims_to_tell"]
    assert all(alarm.get("victim_id") != setting["bo"] for alarm in alarms)
    live = rows(url)
    model = next(m for m in services.runner.read_models if m.schema == "potential_triggers")
    rebuild(services.store, services.pool, model)
    assert rows(url) == live
