"""RULES.md section 7, as stored: any policy version ever stored, however bad, leaves the service answering.

Publication refuses such versions now (domain/policy.py), but older code stored them: a calendar
`holidays` does not know, an effective date in year 1, a shape nothing reads. Each is written here
straight into the store, as that code did, and afterwards the runner keeps applying, every read
answers 2xx, and naming the bad version is a 422 that says why (never a 500). The choice: an
unusable version is skipped with a logged warning, and the versions before it stay in force.
"""

from datetime import UTC, datetime

import pytest
from conftest import caller_for
from fastapi.testclient import TestClient
from test_api_core import application, complaint, register

from api.app import create_app
from domain.actor import SYSTEM
from domain.policy import HAVANT_POLICY
from domain.policy_book import PolicyBook, policy_book_id
from store.database import scratch_database

BAD_VERSIONS = {
    2: {**HAVANT_POLICY.to_dict(), "version": 2, "effective_from": "2020-01-01", "calendar": {"country": "ZZ"}},
    3: {**HAVANT_POLICY.to_dict(), "version": 3, "effective_from": "0001-01-01"},
    4: {"version": 4, "effective_from": "2021-01-01", "stages": "every so often", "calendar": 7},
    5: {**HAVANT_POLICY.to_dict(), "version": 5, "calendar": {"country": "GB", "subdivision": "XX"}},
}  # fmt: skip


def store_as_older_code_did(services, policy: object) -> None:
    """A VersionPublished event with `policy` as its body, recorded without today's checks."""
    book = services.store.repository.get(policy_book_id(HAVANT_POLICY.name))
    book._record(PolicyBook.VersionPublished, recorded_at=datetime.now(UTC), policy=policy, actor=SYSTEM)
    services.store.save(book)


@pytest.fixture(scope="module")
def bad_policy_app(server_url):
    with (
        scratch_database(server_url, "ct_bad_policy") as url,
        TestClient(create_app(url, read_wait_seconds=10, check_audit=True)) as client,
    ):
        services = client.app.state.services
        for policy in [*BAD_VERSIONS.values(), "not even an object"]:
            store_as_older_code_did(services, policy)
        services.policies.forget()
        yield client


def test_rules_7_an_unusable_stored_version_is_skipped_and_the_one_before_stays_in_force(bad_policy_app, caplog):
    services = bad_policy_app.app.state.services
    assert [p.version for p in services.policies.versions()] == [1]
    assert services.policies.in_force(datetime.now(UTC).date()) == HAVANT_POLICY
    services.policies._warned.clear()
    with caplog.at_level("WARNING", logger="service.policies"):
        services.policies.forget()
        services.policies.versions()
    warned = " ".join(record.getMessage() for record in caplog.records)
    assert "version 2" in warned and "calendar.country" in warned and "effective_from" in warned


def test_rules_7_the_runner_and_every_read_keep_answering_after_a_bad_version_was_stored(bad_policy_app):
    coordinator = caller_for(bad_policy_app, "coordinator")
    analyst = caller_for(bad_policy_app, "analyst")
    victim = register(coordinator, "Pat Stored")
    complaint(coordinator, victim)
    review = application(coordinator, victim)  # its due date is worked out under version 1
    listed = coordinator.get("/v1/case-reviews")
    assert listed.status_code == 200 and review["id"] in [item["id"] for item in listed.json()["items"]]
    for path in ("/v1/deadlines", "/v1/deadlines/alarms", "/v1/deadlines.ics", "/v1/events?limit=1000",
                 f"/v1/case-reviews/{review['id']}", f"/v1/case-reviews/{review['id']}/assessment",
                 f"/v1/case-reviews/{review['id']}/history", "/v1/policies"):  # fmt: skip
        assert coordinator.get(path).status_code == 200, (path, coordinator.get(path).text[:300])
    assert analyst.get("/v1/reports/what-if", params={"policy": "safer-havant@1"}).status_code == 200
    assert analyst.get("/v1/reports/publication", params={"year": 2026}).status_code == 200
    assert bad_policy_app.app.state.services.runner.lag()["events"] == 0


@pytest.mark.parametrize("version, field", [(2, "calendar.country"), (3, "effective_from"), (4, "policy"),
                                            (5, "calendar.subdivision")])  # fmt: skip
def test_rules_7_naming_an_unusable_version_is_invalid_input_saying_why(bad_policy_app, version, field):
    coordinator = caller_for(bad_policy_app, "coordinator")
    victim = register(coordinator, "Robin Named")
    review = application(coordinator, victim)
    for response in (
        coordinator.get("/v1/reports/what-if", params={"policy": f"safer-havant@{version}"}),
        coordinator.get(f"/v1/case-reviews/{review['id']}/assessment", params={"policy": f"safer-havant@{version}"}),
    ):
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["field"] == "policy"
        assert "cannot be used" in problem["detail"] and field in problem["detail"]


def test_rules_7_a_later_version_can_still_be_published_and_a_set_aside_number_is_not_reused(bad_policy_app):
    admin = caller_for(bad_policy_app, "admin")
    reused = admin.post("/v1/policies", json={"name": "safer-havant", "version": 5, "effective_from": "2026-01-01"})
    assert reused.status_code == 409, reused.text
    published = admin.post("/v1/policies", json={"name": "safer-havant", "version": 6, "effective_from": "2026-01-01"})
    assert published.status_code == 201, published.text
    assert published.json()["policy"]["calendar"]["country"] == "GB"  # derived from the last usable version
    assert [p["version"] for p in admin.get("/v1/policies").json()["items"]] == [1, 6]


def test_rules_7_a_row_worked_out_under_a_version_set_aside_since_still_reads(bad_policy_app):
    """Older code could project an application under a version (effective in year 1) that is set aside now."""
    coordinator = caller_for(bad_policy_app, "coordinator")
    review = application(coordinator, register(coordinator, "Row Recorded"))
    services = bad_policy_app.app.state.services
    assert services.runner.wait_for(services.runner.head(), 10)
    with services.pool.connection() as conn:
        conn.execute("UPDATE case_list.case_reviews SET policy_version = 3 WHERE id = %s", (review["id"],))
    for path in ("/v1/deadlines", "/v1/deadlines/alarms", "/v1/case-reviews"):
        response = coordinator.get(path, params={"limit": 200} if path != "/v1/deadlines/alarms" else None)
        assert response.status_code == 200, (path, response.text[:300])
    assert review["id"] in [
        item["id"] for item in coordinator.get("/v1/deadlines", params={"limit": 200}).json()["items"]
    ]
