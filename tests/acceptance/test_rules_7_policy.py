"""RULES.md section 7 (policy), black box through the HTTP API: its worked examples, to the day."""

from acceptance_helpers import (
    application,
    assert_problem,
    assessment,
    complaint,
    consent,
    counted_ids,
    deadline_row,
    excluded,
    group_application,
    last_position,
    person,
)

from tests.conftest import caller_for


def test_rules_7_the_version_in_force_on_the_received_date_and_what_if_under_another(own_store):
    client, _ = own_store
    admin, coordinator = caller_for(client, "admin"), caller_for(client, "coordinator")
    refused = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2026-06-01", "individual_min_complaints": 4},
    )
    assert_problem(refused, 422, "individual_min_complaints")
    assert_problem(
        coordinator.post("/v1/policies", json={"name": "safer-havant", "version": 2, "effective_from": "2026-06-01"}),
        403,
    )
    published = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2026-06-01", "individual_min_complaints": 2},
    )
    assert published.status_code == 201, published.text
    assert set(published.json()) >= {"id", "version", "recorded_at"}

    victim = person(coordinator)
    for day in ("2026-04-01", "2026-05-01"):
        complaint(coordinator, victim, day)
    old = application(coordinator, victim, "2026-05-20")["id"]
    new = application(coordinator, victim, "2026-06-15")["id"]
    under_old = assessment(coordinator, old)
    assert (under_old["verdict"], under_old["policy"]) == ("not_met", {"name": "safer-havant", "version": 1})
    under_new = assessment(coordinator, new)
    assert (under_new["verdict"], under_new["policy"]) == ("met", {"name": "safer-havant", "version": 2})

    position = last_position(coordinator)
    history = coordinator.get(f"/v1/case-reviews/{old}/history").json()["items"]
    what_if = assessment(coordinator, old, policy="safer-havant@2")
    assert (what_if["verdict"], what_if["policy"]) == ("met", {"name": "safer-havant", "version": 2})
    assert last_position(coordinator) == position  # a what-if records nothing
    assert coordinator.get(f"/v1/case-reviews/{old}/history").json()["items"] == history
    assert assessment(coordinator, old)["policy"]["version"] == 1

    # Parameters not given are taken from the current policy; closure days are not working days.
    closure = admin.post(
        "/v1/policies",
        json={
            "name": "safer-havant", "version": 3, "effective_from": "2026-10-01",
            "calendar": {"country": "GB", "subdivision": "ENG", "closure_days": ["2026-11-16"]},
        },
    )  # fmt: skip
    assert closure.status_code == 201, closure.text
    assert closure.json()["version"] == 3
    autumn_victim = person(coordinator)
    for day in ("2026-09-01", "2026-10-01"):
        complaint(coordinator, autumn_victim, day)
    later = application(coordinator, autumn_victim, "2026-11-02")
    assert later["due_date"] == "2026-12-01"  # 30 Nov 2026 without the closure day
    body = assessment(coordinator, later["id"])
    assert body["policy"] == {"name": "safer-havant", "version": 3}
    assert body["verdict"] == "met"  # two complaints, as version 2 said and version 3 did not change


def test_rules_7_both_lengths_and_the_group_number_are_policy_parameters(own_store):
    client, _ = own_store
    admin, coordinator = caller_for(client, "admin"), caller_for(client, "coordinator")
    published = admin.post(
        "/v1/policies",
        json={
            "name": "longer-windows", "version": 1, "effective_from": "2014-10-20", "reporting_window_months": 2,
            "lookback_months": 12, "group_min_individuals": 3,
        },
    )  # fmt: skip
    assert published.status_code == 201, published.text
    victim = person(coordinator)
    late_for_one_month = complaint(coordinator, victim, "2026-05-01", "2026-06-15")
    a_year_back = complaint(coordinator, victim, "2025-09-01")
    recent = complaint(coordinator, victim, "2026-07-01")
    review = application(coordinator, victim, "2026-07-15")["id"]
    havant = assessment(coordinator, review)
    assert excluded(havant) == {late_for_one_month: ["reported_late"], a_year_back: ["outside_window"]}
    longer = assessment(coordinator, review, policy="longer-windows@1")
    assert counted_ids(longer) == {late_for_one_month, a_year_back, recent} and longer["verdict"] == "met"

    members = [person(coordinator) for _ in range(3)]
    for index, member in enumerate(members):
        complaint(coordinator, member, f"2026-06-{index + 1:02d}")
    group = group_application(coordinator, members[0], members, "2026-07-15")["id"]
    for member in members[1:]:
        consent(coordinator, member, group, "group_representation")
    assert assessment(coordinator, group)["verdict"] == "not_met"
    assert assessment(coordinator, group, policy="longer-windows@1")["verdict"] == "met"


def test_rules_7_and_8_a_version_taking_effect_before_an_application_gives_it_that_versions_due_date_everywhere(
    own_store,
):
    client, _ = own_store
    admin, coordinator = caller_for(client, "admin"), caller_for(client, "coordinator")
    review = application(coordinator, person(coordinator), "2026-11-02")
    assert review["due_date"] == "2026-11-30"
    assert deadline_row(coordinator, review["id"], "2026-11-20")["due_date"] == "2026-11-30"
    published = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2026-10-01",
              "calendar": {"country": "GB", "subdivision": "ENG", "closure_days": ["2026-11-16"]}},
    )  # fmt: skip
    assert published.status_code == 201, published.text
    assert coordinator.get(f"/v1/case-reviews/{review['id']}").json()["due_date"] == "2026-12-01"
    row = deadline_row(coordinator, review["id"], "2026-11-20")
    assert (row["due_date"], row["working_days_left"]) == ("2026-12-01", 7)
    assert assessment(coordinator, review["id"])["policy"] == {"name": "safer-havant", "version": 2}
