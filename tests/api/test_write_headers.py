"""API.md v1.1: a creating write answers 201 with `Location`; every write answers `ETag: "<version>"`,
the value `If-Match` takes."""

import uuid


def _person(caller, name="Casey Lane"):
    return caller.post("/v1/people", json={"display_name": name})


def _complaint(caller, victim, day="2026-10-01"):
    return caller.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": "hampshire-constabulary", "incident_date": day, "reported_date": day,
              "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip


def _application(caller, victim):
    return caller.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip


def _etag_is_the_version(response) -> bool:
    return response.headers["ETag"] == f'"{response.json()["version"]}"'


def test_each_creation_answers_201_with_the_location_to_read_it_and_its_etag(coordinator):
    person = _person(coordinator)
    victim = person.json()["id"]
    complaint = _complaint(coordinator, victim)
    application = _application(coordinator, victim)
    consent = coordinator.post(
        "/v1/consents",
        json={"person_id": victim, "application_id": application.json()["id"], "purpose": "information_sharing",
              "given_on": "2026-11-03"},
    )  # fmt: skip
    for created, where in (
        (person, "/v1/people/"),
        (complaint, "/v1/complaints/"),
        (application, "/v1/case-reviews/"),
        (consent, "/v1/consents/"),
    ):
        assert created.status_code == 201, created.text
        assert created.headers["Location"] == where + created.json()["id"]
        assert _etag_is_the_version(created)
        read = coordinator.get(created.headers["Location"])
        assert read.status_code == 200 and read.json()["id"] == created.json()["id"]
        assert read.json()["version"] == created.json()["version"]


def test_a_step_on_an_application_points_at_the_application_and_its_etag_is_the_applications_version(coordinator):
    victim = _person(coordinator).json()["id"]
    application = _application(coordinator, victim).json()
    acknowledged = coordinator.post(
        f"/v1/case-reviews/{application['id']}/acknowledgement",
        json={"acknowledged_on": "2026-11-03"},
        headers={"If-Match": f'"{application["version"]}"'},  # the ETag form, as the creation answered it
    )
    assert acknowledged.status_code == 201, acknowledged.text
    assert acknowledged.headers["Location"] == f"/v1/case-reviews/{application['id']}"
    assert acknowledged.headers["ETag"] == f'"{application["version"] + 1}"' and _etag_is_the_version(acknowledged)


def test_a_change_to_a_complaint_answers_its_new_etag_and_if_match_takes_it_in_every_form(coordinator):
    victim = _person(coordinator).json()["id"]
    logged = _complaint(coordinator, victim)
    path = f"/v1/complaints/{logged.json()['id']}"
    amended = coordinator.patch(path, json={"agency_reference": "HC-1"}, headers={"If-Match": logged.headers["ETag"]})
    assert amended.status_code == 200 and amended.headers["ETag"] == '"2"' and "Location" not in amended.headers
    again = coordinator.patch(
        path, json={"agency_reference": "HC-2"}, headers={"If-Match": "W/" + amended.headers["ETag"]}
    )
    assert again.status_code == 200 and again.headers["ETag"] == '"3"'
    stale = coordinator.patch(path, json={"agency_reference": "HC-3"}, headers={"If-Match": amended.headers["ETag"]})
    assert stale.status_code == 412 and "ETag" not in stale.headers
    withdrawn = coordinator.post(f"{path}/withdrawal", json={"reason": "resolved"}, headers={"If-Match": "3"})
    assert withdrawn.status_code == 200 and withdrawn.headers["ETag"] == '"4"'


def test_erasure_and_policy_publication_answer_where_to_read_them(coordinator, admin):
    victim = _person(coordinator, "Erin Gone").json()["id"]
    erased = coordinator.post(f"/v1/people/{victim}/erasure", json={"reason": "subject_request"})
    assert erased.status_code == 201 and erased.headers["Location"] == f"/v1/people/{victim}"
    assert _etag_is_the_version(erased)
    published = admin.post(
        "/v1/policies",
        json={"name": "etag-check", "version": 1, "effective_from": "2026-01-01",
              "partner_agencies": ["hampshire-constabulary"]},
    )  # fmt: skip
    assert published.status_code == 201, published.text
    assert published.headers["Location"] == "/v1/policies" and published.headers["ETag"] == '"1"'


def test_a_replayed_write_answers_the_same_location_and_etag(coordinator):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = coordinator.post("/v1/people", json={"display_name": "Robin Twice"}, headers=headers)
    again = coordinator.post("/v1/people", json={"display_name": "Robin Twice"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert (again.status_code, again.headers["Location"], again.headers["ETag"]) == (
        first.status_code, first.headers["Location"], first.headers["ETag"],
    )  # fmt: skip


def test_a_refused_write_has_no_etag_or_location(coordinator):
    refused = coordinator.post(
        f"/v1/case-reviews/{uuid.uuid4()}/acknowledgement", json={"acknowledged_on": "2026-11-03"}
    )
    assert refused.status_code == 404
    assert "ETag" not in refused.headers and "Location" not in refused.headers


def test_a_read_of_one_thing_answers_its_version_as_the_etag_if_match_takes(coordinator):
    """API.md v1.1: `ETag` is the value `If-Match` takes; a client reading before writing gets it from the read."""
    person = coordinator.post("/v1/people", json={"display_name": "Read Before Write"}).json()["id"]
    logged = coordinator.post("/v1/complaints", json={
        "victim_id": person, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
        "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise",
    }).json()  # fmt: skip
    read = coordinator.get(f"/v1/complaints/{logged['id']}")
    assert read.headers["ETag"] == f'"{read.json()["version"]}"'
    assert coordinator.get(f"/v1/people/{person}").headers["ETag"] == '"1"'
    changed = coordinator.patch(
        f"/v1/complaints/{logged['id']}", json={"category": "intimidation"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert changed.status_code == 200, changed.text
    stale = coordinator.patch(
        f"/v1/complaints/{logged['id']}", json={"category": "noise"}, headers={"If-Match": read.headers["ETag"]}
    )
    assert stale.status_code == 412
    assert "ETag" not in coordinator.get("/v1/case-reviews").headers  # a list has no one version
