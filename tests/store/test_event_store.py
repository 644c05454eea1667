"""The event store on PostgreSQL: rows, replays to earlier versions, the recorded-time index, concurrency."""

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from conftest import without_assessment

from domain.actor import SYSTEM, Actor
from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.people import Contact
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ComplaintCategory,
    Decision,
    Dissatisfaction,
    Role,
    Route,
)
from service import commands as c
from service.casework import Casework

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _person(casework, at=T0):
    return casework.handle(
        c.RegisterPerson(display_name="Casey Morgan", contact=Contact(email="casey@example.org")), actor=SYSTEM, now=at
    ).id


def _complaint(casework, victim, at=T0, actor=SYSTEM, **facts):
    defaults = dict(
        victim_id=victim, complainant_id=None, agency="hampshire-constabulary", agency_reference=None,
        incident_date=date(2026, 5, 20), reported_date=date(2026, 5, 21), caused_had=True, category=ComplaintCategory.NOISE,
        location="Park Parade", description="Shouting at night", incident_ref=None,
    )  # fmt: skip
    defaults.update(facts)
    return casework.handle(c.LogComplaint(**defaults), actor=actor, now=at)


def test_an_aggregate_replayed_to_an_earlier_version_shows_its_earlier_state(casework):
    victim = _person(casework)
    review_id = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim, member_ids=[], received_date=date(2026, 6, 1), channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None), actor=SYSTEM, now=T0).id  # fmt: skip
    casework.handle(
        c.Acknowledge(case_review_id=review_id, acknowledged_on=date(2026, 6, 2)),
        actor=SYSTEM,
        now=T0 + timedelta(days=1),
    )
    without_assessment(casework).handle(c.DecideThreshold(case_review_id=review_id, decision=Decision.MET, grounds=None, reason=None, decided_on=date(2026, 6, 3)), actor=SYSTEM, now=T0 + timedelta(days=2))  # fmt: skip
    assert casework.case_review(review_id).status is CaseStatus.UNDER_REVIEW
    assert casework.load(CaseReview, review_id, what="case review", version=2).status is CaseStatus.ACKNOWLEDGED
    assert casework.load(CaseReview, review_id, what="case review", version=1).status is CaseStatus.RECEIVED


def test_the_recorded_time_index_finds_the_version_known_at_any_moment(casework):
    victim = _person(casework)
    complaint_id = _complaint(casework, victim).id
    casework.handle(
        c.AmendComplaint(complaint_id=complaint_id, changes={"reported_date": date(2026, 5, 22)}),
        actor=SYSTEM,
        now=T0 + timedelta(hours=5),
    )
    casework.handle(
        c.WithdrawComplaint(complaint_id=complaint_id, reason="resolved"), actor=SYSTEM, now=T0 + timedelta(days=3)
    )
    assert casework.store.versions_at([complaint_id], T0 - timedelta(seconds=1)) == {}
    assert casework.store.versions_at([complaint_id], T0) == {complaint_id: 1}
    assert casework.store.versions_at([complaint_id], T0 + timedelta(days=1)) == {complaint_id: 2}
    assert casework.store.versions_at([complaint_id], T0 + timedelta(days=4)) == {complaint_id: 3}
    as_known = casework.load(
        Complaint,
        complaint_id,
        what="complaint",
        version=casework.store.versions_at([complaint_id], T0 + timedelta(days=1))[complaint_id],
    )
    assert as_known.reported_date == date(2026, 5, 22) and not as_known.withdrawn


def test_the_index_is_written_in_the_same_transaction_as_the_events(casework, database_url):
    victim = _person(casework)
    _complaint(casework, victim)
    with psycopg.connect(database_url) as conn:
        events = conn.execute("SELECT count(*) FROM community_trigger_events").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM event_timeline").fetchone()[0]
    assert events == indexed


def test_enums_dates_and_actors_come_back_typed(casework):
    actor = Actor(key_id="abc123abc123", role=Role.AGENCY, agency="hampshire-constabulary")
    victim = _person(casework)
    complaint_id = _complaint(casework, victim, actor=actor).id
    complaint = casework.complaint(complaint_id)
    assert complaint.category is ComplaintCategory.NOISE
    assert complaint.incident_date == date(2026, 5, 20)
    logged = next(iter(casework.store.events.get(complaint_id)))
    assert logged.actor == actor and logged.actor.role is Role.AGENCY
    assert casework.resolve_texts([complaint.description])[complaint.description] == "Shouting at night"


def test_free_text_stays_out_of_case_events(casework, database_url):
    victim = _person(casework)
    complaint_id = _complaint(casework, victim, description="A very particular phrase 7781").id
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT topic, state FROM community_trigger_events WHERE originator_id = %s", (complaint_id,)
        ).fetchall()
    assert rows and all(b"7781" not in bytes(state) and b"Casey" not in bytes(state) for _, state in rows)


def _run_at_once(writers) -> tuple[list, list]:
    results, errors = [], []

    def run(write) -> None:
        try:
            results.append(write())
        except Exception as error:  # pragma: no cover - reported by the assertion
            errors.append(error)

    threads = [threading.Thread(target=run, args=(write,)) for write in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_writers_to_one_victim_never_lose_or_duplicate_an_event(casework, database_url):
    victim = _person(casework)
    writers = [
        lambda n=n: _complaint(casework, victim, agency_reference=f"REF-{n}", at=datetime.now(UTC)).id
        for n in range(20)
    ]
    results, errors = _run_at_once(writers)
    assert errors == [] and len(set(results)) == 20
    with psycopg.connect(database_url) as conn:
        logged = conn.execute(
            "SELECT count(*) FROM community_trigger_events WHERE originator_id = ANY(%s)", (results,)
        ).fetchone()[0]
    assert logged == 20


def test_concurrent_writers_to_one_application_are_retried_not_lost(casework):
    # Twenty agencies share information on one review at once: they conflict on its version
    # and each is retried on a fresh copy, so every one is recorded exactly once.
    victim = _person(casework)
    review_id = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim, member_ids=[], received_date=date(2026, 6, 1), channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None), actor=SYSTEM, now=T0).id  # fmt: skip
    without_assessment(casework).handle(
        c.DecideThreshold(
            case_review_id=review_id, decision=Decision.MET, grounds=None, reason=None, decided_on=date(2026, 6, 2)
        ),
        actor=SYSTEM,
        now=T0 + timedelta(days=1),
    )
    writers = [
        lambda n=n: (
            casework.handle(
                c.ShareInformation(
                    case_review_id=review_id, agency=f"agency-{n}", shared_on=date(2026, 6, 3), summary=f"summary {n}"
                ),
                actor=SYSTEM,
                now=datetime.now(UTC),
            ).version
        )
        for n in range(20)
    ]
    versions, errors = _run_at_once(writers)
    assert errors == []
    assert sorted(versions) == list(range(3, 23))
    review = casework.case_review(review_id)
    assert sorted(e.agency for e in review.information_shared) == sorted(f"agency-{n}" for n in range(20))


@pytest.mark.slow
def test_the_embedded_postgresql_serves_the_api_end_to_end(tmp_path: Path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import EMBEDDED_DATABASE, ensure_database, start_embedded

    url = ensure_database(start_embedded(tmp_path / "data"), EMBEDDED_DATABASE)
    with TestClient(create_app(url)) as client:
        assert client.get("/healthz").json()["database"] == "ok"
        _, secret = client.app.state.services.keys.create(Role.COORDINATOR)
        headers = {"Authorization": f"Bearer {secret}"}
        created = client.post("/v1/people", json={"display_name": "Embedded Person"}, headers=headers)
        assert created.status_code == 201
        assert (
            client.get(f"/v1/people/{created.json()['id']}", headers=headers).json()["display_name"]
            == "Embedded Person"
        )
    with psycopg.connect(url) as conn:
        topics = [row[0] for row in conn.execute("SELECT topic FROM community_trigger_events ORDER BY notification_id")]
    assert topics.count("domain.people:Person.Registered") == 1
    assert "domain.policy_book:PolicyBook.VersionPublished" in topics  # a new store starts with the default policy


def _serve_embedded(data_dir: Path):
    """`community-trigger serve` on the embedded PostgreSQL in `data_dir`, once it answers /healthz."""
    import http.client
    import os
    import subprocess
    import sys
    import time

    from benchmarks.servers import free_port

    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited before it answered"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError("serve did not answer within 120 s")


@pytest.mark.slow
def test_serve_stopped_by_sigterm_stops_its_embedded_postgresql_even_after_a_killed_one(tmp_path: Path):
    """The embedded server stops with its last holder: a `serve` killed outright does not keep it running."""
    import os
    import signal
    import time

    postmaster = tmp_path / "data" / "pgdata" / "postmaster.pid"
    try:
        killed = _serve_embedded(tmp_path / "data")
        killed.kill()  # no exit handlers run: its pid stays in the library's list of holders
        killed.wait()
        assert postmaster.exists()  # still running, held by a process that is gone

        stopped = _serve_embedded(tmp_path / "data")
        stopped.send_signal(signal.SIGTERM)  # as `docker stop` or systemd stop it
        assert stopped.wait(timeout=60) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 30
        while postmaster.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not postmaster.exists(), "the embedded PostgreSQL is still running"
    finally:  # whatever failed, leave no server behind
        if postmaster.exists():
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)


def _review_of_three_complaints(casework):
    victim = _person(casework)
    complaints = [_complaint(casework, victim).id for _ in range(3)]
    review_id = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=victim, victim_id=victim, member_ids=[], received_date=date(2026, 6, 1), channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None), actor=SYSTEM, now=T0).id  # fmt: skip
    return review_id, complaints


def _decide_met(casework, review_id, decided_at, assess=lambda review, at: None):
    Casework(casework.store, assess=assess).handle(c.DecideThreshold(case_review_id=review_id, decision=Decision.MET, grounds=None, reason=None, decided_on=date(2026, 6, 1)), actor=SYSTEM, now=decided_at)  # fmt: skip


def test_a_fact_stamped_before_a_recorded_decision_is_refused_and_changes_nothing(casework):
    """RULES.md section 6: once a decision recorded what was known at T, nothing can join what was known at T."""
    from service.errors import RecordedTooLate

    decided_at = T0 + timedelta(minutes=10)
    review_id, complaints = _review_of_three_complaints(casework)
    _decide_met(casework, review_id, decided_at)
    complaint_id = complaints[0]
    with pytest.raises(RecordedTooLate):
        casework.handle(
            c.WithdrawComplaint(complaint_id=complaint_id, reason="logged twice"), actor=SYSTEM, now=decided_at
        )
    assert casework.load(Complaint, complaint_id, what="complaint").version == 1
    assert casework.store.versions_at([complaint_id], decided_at) == {complaint_id: 1}
    # Stamped after the decision's moment, the same change is recorded.
    casework.handle(
        c.WithdrawComplaint(complaint_id=complaint_id, reason="logged twice"),
        actor=SYSTEM,
        now=decided_at + timedelta(seconds=1),
    )
    assert casework.load(Complaint, complaint_id, what="complaint").withdrawn


def test_a_decision_whose_facts_change_while_it_reads_them_reads_them_again(casework):
    """A fact committed between the decision's read and its commit would be missing from what it recorded."""
    review_id, complaints = _review_of_three_complaints(casework)
    reads: list[int] = []

    def assess(review, at):
        reads.append(1)
        if len(reads) == 1:  # another writer commits a withdrawal stamped before the decision's moment
            casework.handle(
                c.WithdrawComplaint(complaint_id=complaints[0], reason="logged twice"),
                actor=SYSTEM,
                now=T0 + timedelta(minutes=5),
            )
        return None

    _decide_met(casework, review_id, T0 + timedelta(minutes=10), assess)
    assert len(reads) == 2  # refused once under the lock, then read again and recorded
    assert casework.case_review(review_id).status is CaseStatus.UNDER_REVIEW


def test_processes_starting_together_on_a_new_database_all_start(server_url):
    """The API and a projection worker may start at the same moment on an empty database: both must come up."""
    from service.bootstrap import open_services
    from store.database import scratch_database

    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def start(url: str) -> None:
        barrier.wait()
        try:
            open_services(url, run_projections=False).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    with scratch_database(server_url, "ct_test_start") as url:
        starters = [threading.Thread(target=start, args=(url,)) for _ in range(3)]
        for starter in starters:
            starter.start()
        for starter in starters:
            starter.join(timeout=120)
        assert errors == []
        with psycopg.connect(url) as conn:
            published = conn.execute(
                "SELECT count(*) FROM community_trigger_events WHERE topic LIKE '%%PolicyBook.VersionPublished'"
            ).fetchone()[0]
        assert published == 1  # the default policy, once
