"""RULES.md section 10 (publication), black box through the HTTP API: its worked examples, to the day."""

from acceptance_helpers import (
    POLICE,
    application,
    person,
)

from tests.conftest import caller_for


def test_rules_10_publication_figures_count_each_event_by_its_own_date_in_the_year(own_store):
    client, _ = own_store
    coordinator, analyst = caller_for(client, "coordinator"), caller_for(client, "analyst")

    def case(received: str) -> str:
        return application(coordinator, person(coordinator), received)["id"]

    def step(review: str, path: str, body: dict) -> None:
        response = coordinator.post(f"/v1/case-reviews/{review}/{path}", json=body)
        assert response.status_code == 201, response.text

    def discretion(on: str) -> dict:
        return {"decision": "met", "grounds": "persistence", "reason": "long history", "decided_on": on}

    a = case("2025-03-31")  # received in 2024-25, decided not met in 2025-26
    step(a, "threshold-decision", {"decision": "not_met", "decided_on": "2025-04-01"})
    b = case("2025-04-01")  # received and reviewed in 2025-26, with recommendations
    step(b, "threshold-decision", discretion("2025-04-10"))
    step(b, "review", {"completed_on": "2026-03-31", "recommendations": [{"action": "patrols", "agency": POLICE}]})
    c = case("2026-03-31")  # received in 2025-26, reviewed in 2026-27 without recommendations
    step(c, "threshold-decision", discretion("2026-03-31"))
    step(c, "review", {"completed_on": "2026-04-01", "recommendations": []})
    d = case("2026-04-01")  # received and decided not met in 2026-27
    step(d, "threshold-decision", {"decision": "not_met", "decided_on": "2026-04-02"})

    expected = {
        2024: ("2024-04-01", "2025-03-31", 1, 0, 0, 0),
        2025: ("2025-04-01", "2026-03-31", 2, 1, 1, 1),
        2026: ("2026-04-01", "2027-03-31", 1, 1, 1, 0),
    }
    coordinator.get("/v1/reports/publication", params={"year": 2025})  # waits for the coordinator's own writes
    for year, (start, end, received, not_met, reviews, with_recommendations) in expected.items():
        response = analyst.get("/v1/reports/publication", params={"year": year})
        assert response.status_code == 200, response.text
        figures = response.json()
        assert figures["period"] == {"from": start, "to": end}
        assert (
            figures["applications_received"], figures["threshold_not_met"], figures["reviews_carried_out"],
            figures["reviews_with_recommendations"],
        ) == (received, not_met, reviews, with_recommendations), year  # fmt: skip


def test_rules_10_a_partnership_whose_reporting_year_is_the_calendar_year_counts_by_it(own_store):
    client, _ = own_store
    coordinator, analyst, admin = (caller_for(client, role) for role in ("coordinator", "analyst", "admin"))
    published = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2014-10-20", "reporting_year_start": "01-01"},
    )
    assert published.status_code == 201, published.text
    assert published.json()["changed"] == ["reporting_year_start"]
    late, early = (application(coordinator, person(coordinator), day)["id"] for day in ("2025-12-31", "2026-01-01"))
    assert late != early
    coordinator.get("/v1/reports/publication", params={"year": 2025})  # waits for the coordinator's own writes
    for year, start, end in ((2025, "2025-01-01", "2025-12-31"), (2026, "2026-01-01", "2026-12-31")):
        figures = analyst.get("/v1/reports/publication", params={"year": year}).json()
        assert figures["period"] == {"from": start, "to": end}
        assert figures["applications_received"] == 1, year
