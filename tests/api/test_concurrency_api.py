"""Concurrency through the API: conditional writers racing, and many clients writing at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg

WRITERS = 20
COMPLAINTS = 200


def _events_by_originator(database_url: str, ids: list[str]) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT originator_id::text, count(*) FROM community_trigger_events"
            " WHERE originator_id = ANY(%s::uuid[]) GROUP BY originator_id",
            (ids,),
        ).fetchall()
    return dict(rows)


def _application(coordinator) -> dict:
    victim = coordinator.post("/v1/people", json={"display_name": "Race Victim"}).json()["id"]
    response = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


def _acknowledge_twice_at_once(coordinator, review: dict) -> list:
    """Two clients acknowledge the same application at the same moment, both with the version they read."""
    start = threading.Barrier(2)

    def acknowledge(day: str):
        start.wait()
        return coordinator.post(
            f"/v1/case-reviews/{review['id']}/acknowledgement",
            json={"acknowledged_on": day},
            headers={"If-Match": str(review["version"])},
        )

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(acknowledge, ["2026-11-03", "2026-11-04"]))


def test_two_writers_with_the_same_if_match_one_wins_one_gets_412(coordinator, database_url):
    for _ in range(5):  # a few rounds, so a lucky ordering cannot pass for a correct one
        review = _application(coordinator)
        answers = _acknowledge_twice_at_once(coordinator, review)
        assert sorted(answer.status_code for answer in answers) == [201, 412], [a.text for a in answers]
        loser = next(answer for answer in answers if answer.status_code == 412)
        assert loser.headers["content-type"].startswith("application/problem+json")
        winner = next(answer for answer in answers if answer.status_code == 201)
        assert winner.json()["version"] == review["version"] + 1
        assert _events_by_originator(database_url, [review["id"]]) == {review["id"]: review["version"] + 1}


def _complaint(victim: str, reference: str) -> dict:
    return {
        "victim_id": victim, "agency": "hampshire-constabulary", "agency_reference": reference,
        "incident_date": "2026-10-01", "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True,
        "category": "noise",
    }  # fmt: skip


def test_200_concurrent_writes_from_20_clients_are_each_recorded_once(coordinator, database_url):
    victim = coordinator.post("/v1/people", json={"display_name": "Many Complaints"}).json()["id"]
    start = threading.Barrier(WRITERS)

    def log_complaints(writer: int) -> list:
        start.wait()
        return [
            coordinator.post("/v1/complaints", json=_complaint(victim, f"W{writer}-{n}"))
            for n in range(COMPLAINTS // WRITERS)
        ]

    with ThreadPoolExecutor(WRITERS) as pool:
        answers = [answer for batch in pool.map(log_complaints, range(WRITERS)) for answer in batch]
    assert [answer.status_code for answer in answers] == [201] * COMPLAINTS, {a.status_code for a in answers}
    ids = [answer.json()["id"] for answer in answers]
    assert len(set(ids)) == COMPLAINTS
    assert _events_by_originator(database_url, ids) == {complaint: 1 for complaint in ids}
