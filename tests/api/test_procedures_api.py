"""RULES.md section 11 through the API (API.md v1.1): a complaint's source and place, every policy parameter, the
national floor, and history re-decided as JSON or CSV, refusing bad input by naming the field."""

import json

import pytest

from tests.conftest import caller_for

POLICE = "hampshire-constabulary"
PROBLEM = "application/problem+json"


def person(caller, name="Morgan Place") -> str:
    response = caller.post("/v1/people", json={"display_name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def log(caller, victim, day="2026-10-01", **extra):
    return caller.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": POLICE, "incident_date": day, "reported_date": day,
              "caused_harassment_alarm_distress": True, "category": "noise", **extra},
    )  # fmt: skip


def fields_at_fault(response, status=422) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return [error["field"] for error in response.json()["errors"]]


def test_rules_11_a_complaint_keeps_its_source_and_its_place_for_those_who_may_read_it(
    coordinator, police, analyst, auditor
):
    victim = person(coordinator)
    logged = log(police, victim, source="patrol", location_key="uprn-100062456789")
    assert logged.status_code == 201, logged.text
    complaint = logged.json()["id"]
    for reader in (coordinator, police, auditor):
        body = reader.get(f"/v1/complaints/{complaint}").json()
        assert (body["source"], body["location_key"]) == ("patrol", "uprn-100062456789")
    assert analyst.get(f"/v1/complaints/{complaint}").status_code == 403  # no personal data for analysts
    reads = auditor.get("/v1/audit", params={"person_id": victim}).json()["items"]
    assert any(read["path"] == f"/v1/complaints/{complaint}" for read in reads)  # audited like other personal data

    plain = log(police, victim).json()["id"]
    assert (lambda b: (b["source"], b["location_key"]))(coordinator.get(f"/v1/complaints/{plain}").json()) == (
        "other",
        None,
    )


def test_rules_11_an_erased_victims_place_reads_as_null_and_the_source_stays(coordinator, police):
    victim = person(coordinator, "Erased Neighbour")
    complaint = log(police, victim, source="diary_sheet", location_key="place-7").json()["id"]
    assert coordinator.post(f"/v1/people/{victim}/erasure", json={"reason": "subject_request"}).status_code == 201
    body = coordinator.get(f"/v1/complaints/{complaint}").json()
    assert (body["source"], body["location_key"]) == ("diary_sheet", None)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"source": "carrier_pigeon"}, "source"),
        ({"location_key": ""}, "location_key"),
        ({"location_key": "   "}, "location_key"),
        ({"location_key": "x" * 201}, "location_key"),
    ],
)
def test_rules_11_a_bad_source_or_place_is_refused_naming_the_field(coordinator, police, extra, field):
    victim = person(coordinator)
    assert fields_at_fault(log(police, victim, **extra)) == [field]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"stages": [{"name": "acknowledged", "days": 5}, {"name": "review_completed", "days": 20, "from": "nope"}]},
         "stages[1].from"),
        ({"stages": [{"name": "acknowledged", "days": 5}, {"name": "review_completed", "days": 20, "from": "acknowledged"}]},
         "stages[1].from"),
        ({"excluded_sources": ["phone", "fax"]}, "excluded_sources[1]"),
        ({"category_thresholds": {"hatred": 1}}, "category_thresholds.hatred"),
        ({"category_thresholds": {"hate_incident": 4}}, "category_thresholds.hate_incident"),
        ({"reporting_window": {"months": 1, "days": 30}}, "reporting_window"),
        ({"lookback": {"weeks": 26}}, "lookback.weeks"),
        ({"group_rule": "anyone"}, "group_rule"),
        ({"individual_min_complaints": 4}, "individual_min_complaints"),
        ({"lookback_months": 6, "lookback": {"days": 183}}, "lookback_months"),
        ({"pcc_review_grounds": ["Not Snake"]}, "pcc_review_grounds[0]"),
    ],
)  # fmt: skip
def test_rules_11_a_version_that_breaks_a_rule_is_refused_naming_the_parameter_and_records_nothing(
    admin, parameters, field
):
    listed = admin.get("/v1/policies").json()["items"]
    response = admin.post(
        "/v1/policies", json={"name": "refused-rules", "version": 1, "effective_from": "2026-01-01", **parameters}
    )
    assert fields_at_fault(response) == [field]
    assert admin.get("/v1/policies").json()["items"] == listed


def test_rules_7_and_11_section_7s_names_still_publish_and_read(admin):
    response = admin.post(
        "/v1/policies",
        json={"name": "section-seven", "version": 1, "effective_from": "2026-01-01", "acknowledge_working_days": 5,
              "lookback_months": 12},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["changed"] == ["lookback", "stages"] and body["derived_from"] == {"name": "safer-havant", "version": 1}
    policy = body["policy"]
    assert (policy["lookback"], policy["lookback_months"], policy["acknowledge_working_days"]) == (
        {"months": 12},
        12,
        5,
    )
    # Section 7's stage name given as null takes its stage out again.
    again = admin.post(
        "/v1/policies",
        json={"name": "section-seven", "version": 2, "effective_from": "2026-02-01", "acknowledge_working_days": None},
    )  # fmt: skip
    assert again.status_code == 201, again.text
    assert again.json()["changed"] == ["stages"] and again.json()["policy"]["acknowledge_working_days"] is None
    listed = [(p["name"], p["version"]) for p in admin.get("/v1/policies").json()["items"]]
    assert listed[0] == ("safer-havant", 1) and {("section-seven", 1), ("section-seven", 2)} <= set(listed)


FLOOR = {"individual_min_complaints": 3, "lookback": {"months": 6}, "last_incident_in_window": True}


@pytest.fixture(scope="module")
def floored(server_url):
    """An app whose deployment fixes a national floor: three complaints in six months, the last inside them."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import scratch_database

    with (
        pytest.MonkeyPatch.context() as patch,
        scratch_database(server_url, "ct_test_floor") as url,
    ):
        patch.setenv("COMMUNITY_TRIGGER_NATIONAL_FLOOR", json.dumps(FLOOR))
        with TestClient(create_app(url, read_wait_seconds=10, check_audit=True)) as client:
            yield caller_for(client, "admin")


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"individual_min_complaints": 2}, "individual_min_complaints"),
        ({"lookback": {"days": 200}}, "lookback"),
        ({"lookback_months": 7}, "lookback"),
        ({"last_incident_in_window": False}, "last_incident_in_window"),
        ({"category_thresholds": {"hate_incident": 1}}, "category_thresholds.hate_incident"),
    ],
)
def test_rules_11_a_version_that_relaxes_the_national_floor_is_refused_naming_the_parameter(floored, parameters, field):
    response = floored.post(
        "/v1/policies", json={"name": "safer-havant", "version": 2, "effective_from": "2027-04-01", **parameters}
    )
    assert fields_at_fault(response) == [field]
    assert "national floor" in response.json()["errors"][0]["message"]
    assert [p["version"] for p in floored.get("/v1/policies").json()["items"]] == [1]


def test_rules_11_a_version_within_the_national_floor_is_published(floored):
    stricter = {"lookback": {"days": 150}, "category_thresholds": {"hate_incident": 3}, "stages": [
        {"name": "acknowledged", "days": 5, "day_kind": "working", "from": "received"},
        {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
    ]}  # fmt: skip
    response = floored.post(
        "/v1/policies", json={"name": "safer-havant", "version": 3, "effective_from": "2027-04-01", **stricter}
    )
    assert response.status_code == 201, response.text
    assert response.json()["changed"] == ["lookback", "category_thresholds", "stages"]


def test_rules_11_what_if_as_csv_names_the_file_and_no_one(coordinator, analyst, admin):
    lenient = admin.post(
        "/v1/policies",
        json={"name": "one-will-do", "version": 1, "effective_from": "2014-10-20", "individual_min_complaints": 1},
    )
    assert lenient.status_code == 201, lenient.text
    victim = person(coordinator, "Csv Nobody")
    log(coordinator, victim, "2026-10-01")
    review = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-10-05",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    ).json()["id"]  # fmt: skip
    coordinator.get("/v1/case-reviews")  # waits for the coordinator's own writes to reach the read models
    for how in ({"headers": {"Accept": "text/csv"}}, {"params": {"format": "csv"}}):
        params = {"policy": "one-will-do@1", "year": 2026, **how.get("params", {})}
        response = analyst.get("/v1/reports/what-if", params=params, headers=how.get("headers", {}))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == (
            'attachment; filename="what-if-one-will-do-1-against-in-force-2026.csv"'
        )
        header, *rows = response.text.splitlines()
        assert header.startswith("application_id,received_date,verdict_before,verdict_after")
        mine = [row for row in rows if row.startswith(review)]
        assert mine and ",not_met,met,too_few_incidents,," in mine[0]
        assert victim not in response.text
    body = analyst.get("/v1/reports/what-if", params={"policy": "one-will-do@1", "year": 2026}).json()
    assert body["against"] == {"kind": "in_force"} and body["period"] == {"from": "2026-04-01", "to": "2027-03-31"}
    assert any(change["application_id"] == review for change in body["changes"])
    versus = analyst.get(
        "/v1/reports/what-if", params={"policy": "one-will-do@1", "against": "safer-havant@1", "year": 2026}
    ).json()
    assert versus["against"] == {"kind": "version", "policy": {"name": "safer-havant", "version": 1}}
    assert versus["figures"]["before"]["applications_received"] == versus["applications_compared"]


@pytest.mark.parametrize(("against", "field"), [("yesterday", "against"), ("safer-havant@99", "against")])
def test_rules_11_what_if_against_something_unknown_is_refused_naming_it(analyst, against, field):
    response = analyst.get("/v1/reports/what-if", params={"policy": "safer-havant@1", "against": against})
    assert fields_at_fault(response) == [field]
