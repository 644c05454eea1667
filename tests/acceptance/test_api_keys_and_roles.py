"""API.md (start, keys, roles), black box through the HTTP API: every statement of the contract."""

from acceptance_helpers import COUNCIL, POLICE, application, ask_agency, assert_problem, complaint, met_case, person


def test_api_healthz_needs_no_key_and_v1_needs_one(app_client):
    assert app_client.get("/healthz").status_code == 200
    assert_problem(app_client.get("/v1/case-reviews"), 401)
    assert_problem(app_client.get("/v1/case-reviews", headers={"Authorization": "Bearer not-a-key"}), 401)
    assert_problem(app_client.post("/v1/people", json={"display_name": "x"}), 401)


def test_api_roles_table(coordinator, police, council, auditor, analyst, admin):
    victim = person(coordinator)
    ids = [complaint(police, victim, day) for day in ("2026-03-01", "2026-04-01", "2026-05-01")]
    review = application(coordinator, victim, "2026-07-15")["id"]
    reads = [
        f"/v1/people/{victim}", f"/v1/complaints/{ids[0]}", f"/v1/case-reviews/{review}", "/v1/case-reviews",
        f"/v1/case-reviews/{review}/assessment", f"/v1/case-reviews/{review}/history", "/v1/deadlines", "/v1/events",
    ]  # fmt: skip
    # coordinator and auditor read everything, history included
    for caller in (coordinator, auditor):
        for path in reads:
            assert caller.get(path).status_code == 200, path
    # analyst: publication figures only, no personal data
    assert analyst.get("/v1/reports/publication", params={"year": 2026}).status_code == 200
    for path in reads:
        assert_problem(analyst.get(path), 403)
    # admin: policies, no case data
    assert admin.get("/v1/policies").status_code == 200
    for path in reads:
        assert_problem(admin.get(path), 403)
    # auditor writes nothing
    assert_problem(auditor.post("/v1/people", json={"display_name": "Auditor Write"}), 403)
    assert_problem(
        auditor.post(
            f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}
        ),
        403,
    )
    # agency: logs and withdraws its own complaints, reads what it logged, nothing else of case work
    other_agency = complaint(police, victim, "2026-06-01", agency=COUNCIL, expect=403)
    assert other_agency is None
    assert council.get(f"/v1/complaints/{ids[0]}").status_code == 403
    assert police.get(f"/v1/complaints/{ids[0]}").status_code == 200
    assert_problem(council.post(f"/v1/complaints/{ids[0]}/withdrawal", json={"reason": "not ours"}), 403)
    assert police.post(f"/v1/complaints/{ids[0]}/withdrawal", json={"reason": "duplicate"}).status_code in (200, 201)
    assert_problem(
        police.post(
            "/v1/case-reviews",
            json={
                "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-07-15",
                "channel": "online", "dissatisfaction": "no_action_taken",
            },
        ),
        403,
    )  # fmt: skip
    assert_problem(police.get(f"/v1/case-reviews/{review}"), 403)
    assert_problem(police.get(f"/v1/people/{victim}"), 403)
    assert_problem(
        police.post(
            "/v1/consents",
            json={
                "person_id": victim,
                "application_id": review,
                "purpose": "information_sharing",
                "given_on": "2026-07-16",
            },
        ),
        403,
    )
    assert_problem(
        police.post("/v1/policies", json={"name": "safer-havant", "version": 9, "effective_from": "2026-01-01"}), 403
    )


def test_api_an_agency_shares_information_only_as_itself(coordinator, police, council):
    review = met_case(coordinator)
    base = f"/v1/case-reviews/{review}"
    assert (
        coordinator.post(f"{base}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}).status_code
        == 201
    )
    assert_problem(council.post(f"{base}/information", json={"agency": POLICE, "shared_on": "2026-07-21"}), 403)
    ask_agency(coordinator, review, POLICE, "2026-07-21")
    assert police.post(f"{base}/information", json={"agency": POLICE, "shared_on": "2026-07-21"}).status_code == 201
