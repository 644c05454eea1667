"""RULES.md section 14: an assessment as known at T uses the policy versions recorded at or before T.

A version published later, even one taking effect long before the application was received,
never changes a replay; a what-if names it explicitly; an assessment as known now uses it.
"""

from datetime import UTC, datetime

from conftest import caller_for


def test_rules_14_a_version_published_after_t_never_changes_an_assessment_as_known_at_t(fresh_app):
    admin, coordinator = caller_for(fresh_app, "admin"), caller_for(fresh_app, "coordinator")
    victim = coordinator.post("/v1/people", json={"display_name": "Tess Known"}).json()["id"]
    for day in ("2026-09-01", "2026-10-01"):
        body = {
            "victim_id": victim, "agency": "hampshire-constabulary", "incident_date": day, "reported_date": day,
            "caused_harassment_alarm_distress": True, "category": "noise",
        }  # fmt: skip
        assert coordinator.post("/v1/complaints", json=body).status_code == 201
    review = coordinator.post(
        "/v1/case-reviews",
        json={
            "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-10-20",
            "channel": "online", "dissatisfaction": "no_action_taken",
        },
    ).json()["id"]  # fmt: skip
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-10-21"}
    )
    assert decided.status_code == 201, decided.text
    before_publication = datetime.now(UTC).isoformat()

    # Later, a version taking effect in 2014 lowers the number to 2: the same facts now meet it.
    published = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2014-10-20", "individual_min_complaints": 2},
    )
    assert published.status_code == 201, published.text

    as_then = coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": before_publication})
    assert as_then.status_code == 200, as_then.text
    assert (as_then.json()["verdict"], as_then.json()["policy"]["version"]) == ("not_met", 1)

    replay = coordinator.get(f"/v1/case-reviews/{review}/threshold-decision/replay").json()
    assert replay["agrees"] is True and replay["replayed"]["policy"]["version"] == 1

    as_now = coordinator.get(f"/v1/case-reviews/{review}/assessment").json()
    assert (as_now["verdict"], as_now["policy"]["version"]) == ("met", 2)
    what_if = coordinator.get(
        f"/v1/case-reviews/{review}/assessment", params={"as_known_at": before_publication, "policy": "safer-havant@2"}
    ).json()
    assert (what_if["verdict"], what_if["policy"]["version"]) == ("met", 2)
