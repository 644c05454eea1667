"""Publication figures for a hand-built year (RULES.md section 10), and what-if re-assessment changing nothing."""

from datetime import date, datetime

import psycopg
import pytest
from conftest import caller_for

from demo.loader import COORDINATOR
from domain.people import Contact
from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Route,
)
from service import commands as c


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00+00:00")


@pytest.fixture(scope="module")
def year_2025(fresh_app):
    """Reporting year 2025 runs 1 April 2025 to 31 March 2026 (Havant)."""
    services = fresh_app.app.state.services
    casework = services.casework

    def person(name: str):
        return casework.handle(
            c.RegisterPerson(display_name=name, contact=Contact()), actor=COORDINATOR, now=at("2025-01-02")
        ).id

    def application(victim, received: str):
        return casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim, member_ids=[], received_date=date.fromisoformat(received), channel=Channel.LETTER, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN, complaint_ids=None), actor=COORDINATOR, now=at(received)).id  # fmt: skip

    met_victim = person("Met Victim")
    for day in ("2025-03-01", "2025-04-01", "2025-05-01"):
        casework.handle(c.LogComplaint(victim_id=met_victim, complainant_id=None, agency="havant-borough-council", agency_reference=None, incident_date=date.fromisoformat(day), reported_date=date.fromisoformat(day), caused_had=True, category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None), actor=COORDINATOR, now=at(day))  # fmt: skip
    # Received in the year before, decided and reviewed inside it: counts for its events, not its receipt.
    earlier = application(met_victim, "2025-03-28")
    casework.handle(
        c.DecideThreshold(
            case_review_id=earlier,
            decision=Decision.MET,
            grounds=DiscretionGrounds.HARM,
            reason="Vulnerable",
            decided_on=date(2025, 4, 2),
        ),
        actor=COORDINATOR,
        now=at("2025-04-02"),
    )
    casework.handle(
        c.CompleteReview(case_review_id=earlier, completed_on=date(2025, 4, 24), recommendations=[]),
        actor=COORDINATOR,
        now=at("2025-04-24"),
    )
    met = application(met_victim, "2025-05-12")  # due 10 June 2025 (26 May is a bank holiday)
    casework.handle(
        c.DecideThreshold(
            case_review_id=met, decision=Decision.MET, grounds=None, reason=None, decided_on=date(2025, 5, 14)
        ),
        actor=COORDINATOR,
        now=at("2025-05-14"),
    )
    casework.handle(
        c.NotifyDelay(
            case_review_id=met,
            reason="waiting for records",
            new_target_date=date(2025, 6, 30),
            notified_on=date(2025, 6, 5),
        ),
        actor=COORDINATOR,
        now=at("2025-06-05"),
    )

    casework.handle(
        c.CompleteReview(
            case_review_id=met,
            completed_on=date(2025, 6, 20),
            recommendations=[c.RecommendationInput("Mediation", "vivid-homes", None)],
        ),
        actor=COORDINATOR,
        now=at("2025-06-20"),
    )
    lone = person("Lone Complainant")
    not_met = application(lone, "2025-09-01")
    casework.handle(
        c.DecideThreshold(
            case_review_id=not_met, decision=Decision.NOT_MET, grounds=None, reason=None, decided_on=date(2025, 9, 3)
        ),
        actor=COORDINATOR,
        now=at("2025-09-03"),
    )
    casework.handle(
        c.NotifyOutcome(case_review_id=not_met, notified_on=date(2025, 9, 4)), actor=COORDINATOR, now=at("2025-09-04")
    )
    from uuid import uuid4

    escalation = uuid4()
    casework.handle(
        c.RequestEscalation(
            case_review_id=not_met, escalation_id=escalation, requested_on=date(2025, 10, 1), reason=None
        ),
        actor=COORDINATOR,
        now=at("2025-10-01"),
    )
    casework.handle(
        c.DecideEscalation(
            case_review_id=not_met,
            escalation_id=escalation,
            result=EscalationResult.NOT_UPHELD,
            decided_on=date(2025, 11, 3),
        ),
        actor=COORDINATOR,
        now=at("2025-11-03"),
    )
    application(lone, "2026-03-31")  # the year's last day
    application(lone, "2026-04-01")  # the next year's first day
    services.runner.wait_for(services.runner.head(), timeout=20)
    return fresh_app


def test_publication_figures_for_a_hand_built_year(year_2025):
    analyst = caller_for(year_2025, "analyst")
    figures = analyst.get("/v1/reports/publication", params={"year": 2025}).json()
    assert figures["period"] == {"from": "2025-04-01", "to": "2026-03-31"}
    assert figures["applications_received"] == 3
    assert figures["threshold_not_met"] == 1
    assert figures["reviews_carried_out"] == 2
    assert figures["reviews_with_recommendations"] == 1
    assert figures["delay_notices"] == 1
    assert (figures["escalations_requested"], figures["escalations_upheld"], figures["escalations_not_upheld"]) == (
        1,
        0,
        1,
    )
    # 28 Mar -> 24 Apr 2025 is 17 working days (Easter 18 and 21 Apr); 12 May -> 20 Jun is 28 (26 May a bank holiday).
    assert figures["median_working_days_to_completion"] == 22.5
    assert figures["share_completed_in_time"] == 0.5
    assert (
        analyst.get("/v1/reports/publication", params={"year": 2024}).json()["applications_received"] == 1
    )  # 28 March 2025


def test_publication_figures_as_csv_for_the_annual_return(year_2025):
    analyst = caller_for(year_2025, "analyst")
    response = analyst.get("/v1/reports/publication", params={"year": 2025}, headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, row = response.text.strip().splitlines()
    assert header.startswith(
        "year,from,to,applications_received,threshold_not_met,reviews_carried_out,reviews_with_recommendations"
    )
    assert row.startswith("2025,2025-04-01,2026-03-31,3,1,2,1")


def test_an_analyst_gets_no_personal_data(year_2025):
    analyst = caller_for(year_2025, "analyst")
    assert analyst.get("/v1/case-reviews").status_code == 403
    assert "Victim" not in analyst.get("/v1/reports/publication", params={"year": 2025}).text


def test_what_if_lists_changed_verdicts_and_changes_nothing_live(year_2025):
    services = year_2025.app.state.services
    admin, analyst = caller_for(year_2025, "admin"), caller_for(year_2025, "analyst")
    assert (
        admin.post(
            "/v1/policies",
            json={"name": "lenient", "version": 1, "effective_from": "2014-10-20", "individual_min_complaints": 1},
        ).status_code
        == 201
    )

    def snapshot():
        with psycopg.connect(services.pool.conninfo) as conn:
            events = conn.execute("SELECT max(notification_id) FROM community_trigger_events").fetchone()[0]
            rows = conn.execute("SELECT * FROM case_list.case_reviews ORDER BY id").fetchall()
        return events, rows

    before = snapshot()
    report = analyst.get("/v1/reports/what-if", params={"policy": "lenient@1", "year": 2025}).json()
    assert snapshot() == before
    assert report["policy"] == {"name": "lenient", "version": 1}
    changed = {change["received_date"]: change for change in report["changes"]}
    assert set(changed) == set()  # 2025's: met twice over already, or with no complaint at all
    every_year = analyst.get("/v1/reports/what-if", params={"policy": "lenient@1"}).json()["changes"]
    # 28 March 2025: one complaint counted (two came after it), so not met under Havant's three, met under one.
    assert [(c["received_date"], c["before"]["verdict"], c["after"]["verdict"]) for c in every_year] == [
        ("2025-03-28", "not_met", "met")
    ]
    assert every_year[0]["before"]["reasons"] == ["too_few_incidents"] and every_year[0]["after"]["reasons"] == []
    assert analyst.get("/v1/reports/what-if", params={"policy": "nope@1"}).status_code == 422
