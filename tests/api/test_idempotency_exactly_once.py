"""Exactly once under an Idempotency-Key, even when the answer could not be kept after the write committed.

The claim on the key is then left without an answer; after ABANDONED_AFTER_MINUTES a retry takes
it over and runs the write again. The write's receipt, kept with its events, refuses the second
run, which answers what the first recorded: one person, one shared information, the same ids.
"""

import uuid

import psycopg
import pytest

from api import idempotency


def _events_of(database_url: str, originator_id: str, topic_suffix: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM community_trigger_events WHERE originator_id = %s AND topic LIKE %s",
            (originator_id, f"%{topic_suffix}"),
        ).fetchone()[0]


def _lose_the_next_answer(monkeypatch) -> list[str]:
    """Make keeping the answer fail once, as a crash between the commit and the keeping would."""
    lost: list[str] = []
    keep = idempotency.IdempotencyKeys.keep_answer

    def fail_once(self, key_id, idempotency_key, answer):
        if not lost:
            lost.append(idempotency_key)
            raise RuntimeError("the process died before the answer was kept")
        return keep(self, key_id, idempotency_key, answer)

    monkeypatch.setattr(idempotency.IdempotencyKeys, "keep_answer", fail_once)
    return lost


def _abandon(services, key: str) -> None:
    with services.pool.connection() as conn:
        conn.execute(
            "UPDATE api_idempotency SET claimed_at = now() - make_interval(mins => %s) WHERE idempotency_key = %s",
            (idempotency.ABANDONED_AFTER_MINUTES + 1, key),
        )


@pytest.mark.parametrize("kind", ["creation", "change"])
def test_a_write_whose_answer_was_lost_is_recorded_once_when_sent_again(
    coordinator, services, database_url, monkeypatch, kind
):
    if kind == "creation":
        path, body = "/v1/people", {"display_name": f"Once Only {uuid.uuid4().hex[:6]}"}
    else:
        person = coordinator.post("/v1/people", json={"display_name": "Shared Once"}).json()["id"]
        review = coordinator.post(
            "/v1/case-reviews",
            json={
                "route": "individual", "applicant_id": person, "victim_id": person, "received_date": "2026-11-02",
                "channel": "online", "dissatisfaction": "no_action_taken",
            },
        ).json()["id"]  # fmt: skip
        decided = coordinator.post(
            f"/v1/case-reviews/{review}/threshold-decision",
            json={"decision": "met", "grounds": "harm", "reason": "vulnerable", "decided_on": "2026-11-03"},
        )
        assert decided.status_code == 201, decided.text
        path = f"/v1/case-reviews/{review}/information"
        body = {"agency": "hampshire-constabulary", "shared_on": "2026-11-04", "summary": "two visits"}
    key = str(uuid.uuid4())
    monkeypatch.setattr(idempotency, "WAIT_FOR_FIRST_SECONDS", 0.2)
    lost = _lose_the_next_answer(monkeypatch)
    first = coordinator.post(path, json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and lost == [key]  # recorded, and told so, but the answer was not kept

    # Within the 5 minutes the claim still holds: the retry is told to wait, and nothing runs.
    waiting = coordinator.post(path, json=body, headers={"Idempotency-Key": key})
    assert waiting.status_code == 409 and waiting.headers["Retry-After"]

    _abandon(services, key)  # as if the process had died: the claim is taken over and the write runs again
    again = coordinator.post(path, json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["version"]) == (first.json()["id"], first.json()["version"])
    if kind == "creation":
        assert _events_of(database_url, first.json()["id"], "Person.Registered") == 1
    else:
        assert _events_of(database_url, first.json()["id"], "CaseReview.InformationShared") == 1
    replayed = coordinator.post(path, json=body, headers={"Idempotency-Key": key})  # its answer is kept now
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json()["id"] == first.json()["id"]


def test_a_new_object_s_id_derives_from_the_key_and_the_request(coordinator):
    body = {"display_name": "Derived Id"}
    key = str(uuid.uuid4())
    first = coordinator.post("/v1/people", json=body, headers={"Idempotency-Key": key}).json()["id"]
    other_key = coordinator.post("/v1/people", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}).json()["id"]
    unkeyed = coordinator.post("/v1/people", json=body).json()["id"]
    assert len({first, other_key, unkeyed}) == 3
    assert uuid.UUID(first).version == 5 and uuid.UUID(unkeyed).version == 4
