"""Read models: exactly once, restartable, rebuildable beside the live one."""

import threading
from datetime import UTC, date, datetime

import pytest
from conftest import without_assessment
from psycopg import sql

from demo.loader import COORDINATOR
from domain.people import Contact
from domain.vocabulary import Channel, ComplaintCategory, Decision, Dissatisfaction, Route
from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from projections.rebuild import create_beside, rebuild
from projections.runner import ProjectionRunner
from service import commands as c
from store.pool import open_pool


def _rows(pool, model) -> dict[str, list]:
    tables = {"case_list": ["case_reviews"], "case_facts": ["complaints", "consents"]}[model.schema.split("__")[0]]
    with pool.connection() as conn:
        return {
            table: [
                tuple(row.values())
                for row in conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(model.table(table)))
            ]
            for table in tables
        }


def _some_history(casework, n: int = 6) -> None:
    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for i in range(n):
        person = casework.handle(
            c.RegisterPerson(display_name=f"Person {i}", contact=Contact()), actor=COORDINATOR, now=at
        ).id
        complaint = casework.handle(c.LogComplaint(victim_id=person, complainant_id=None, agency="havant-borough-council", agency_reference=None, incident_date=date(2026, 10, 1), reported_date=date(2026, 10, 2), caused_had=True, category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None), actor=COORDINATOR, now=at).id  # fmt: skip
        review = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=person, victim_id=person, member_ids=[], received_date=date(2026, 11, 2), channel=Channel.ONLINE, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None), actor=COORDINATOR, now=at).id  # fmt: skip
        if i % 2:
            without_assessment(casework).handle(
                c.DecideThreshold(
                    case_review_id=review,
                    decision=Decision.MET,
                    grounds=None,
                    reason=None,
                    decided_on=date(2026, 11, 3),
                ),
                actor=COORDINATOR,
                now=at.replace(day=4),
            )
        if i % 3 == 0:
            # Recorded after any decision above: a fact cannot join what a decision already read (RULES.md section 6).
            casework.handle(
                c.WithdrawComplaint(complaint_id=complaint, reason="moved away"),
                actor=COORDINATOR,
                now=at.replace(day=5),
            )


def _fresh_runner(casework, pool, suffix: str, policy_for) -> tuple[ProjectionRunner, list]:
    """A runner over copies of the read models in schemas of their own, starting from zero."""
    models = [CaseList(casework.store, policy_for), CaseFacts()]
    for model in models:
        live, model.schema = model.schema, f"{model.schema}__{suffix}"
        with pool.connection() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(model.schema)))
            create_beside(cur, live, model.schema)
    return ProjectionRunner(casework.store, pool, models, batch_size=7), models


def test_a_runner_stopped_mid_stream_and_restarted_ends_identical_to_a_rebuild_from_zero(
    casework, services, database_url
):
    _some_history(casework)
    pool = open_pool(database_url, size=2, name="test-projections")
    try:
        # Stop after two small batches (a crash between transactions), then start a new runner.
        runner, models = _fresh_runner(casework, pool, "interrupted", services.policies.in_force)
        head = runner.head()
        for _ in range(2):
            batch = casework.store.recorder.select_notifications(
                start=runner.position, limit=runner.batch_size, inclusive_of_start=False
            )
            for model in models:
                runner._apply_batch(model, batch)
        assert 0 < runner.position < head
        restarted = ProjectionRunner(
            casework.store, pool, [CaseList(casework.store, services.policies.in_force), CaseFacts()], batch_size=7
        )
        for model, original in zip(restarted.read_models, models, strict=True):
            model.schema = original.schema
        restarted.setup()
        restarted.catch_up()
        straight, straight_models = _fresh_runner(casework, pool, "straight", services.policies.in_force)
        straight.catch_up()
        for interrupted, clean in zip(models, straight_models, strict=True):
            assert _rows(pool, interrupted) == _rows(pool, clean)
            assert any(_rows(pool, clean).values())
    finally:
        pool.close()


def test_concurrent_writers_are_projected_exactly_once(casework, services):
    before = services.runner.position
    threads = [threading.Thread(target=_some_history, args=(casework, 2)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert services.runner.wait_for(services.runner.head(), timeout=20)
    assert services.runner.position > before
    with services.pool.connection() as conn:
        listed = {row["id"]: row["version"] for row in conn.execute("SELECT id, version FROM case_list.case_reviews")}
        logged = conn.execute("SELECT count(*) AS n FROM case_facts.complaints").fetchone()["n"]
    for review_id, version in listed.items():
        assert casework.case_review(review_id).version == version
    with casework.store.recorder.datastore.get_connection() as conn:
        reviews = conn.execute(
            "SELECT count(*) AS n FROM community_trigger_events WHERE topic = 'domain.case_reviews:CaseReview.Requested'"
        ).fetchone()["n"]
        complaints = conn.execute(
            "SELECT count(*) AS n FROM community_trigger_events WHERE topic = 'domain.complaints:Complaint.Logged'"
        ).fetchone()["n"]
    assert len(listed) == reviews and logged == complaints


def test_rebuild_swaps_in_a_model_equal_to_the_live_one_while_it_keeps_serving(casework, services):
    _some_history(casework, 3)
    services.runner.wait_for(services.runner.head(), timeout=20)
    model = next(m for m in services.runner.read_models if m.schema == "case_list")
    before = _rows(services.pool, model)
    seen = []
    read = rebuild(
        casework.store,
        services.pool,
        model,
        batch_size=11,
        progress=lambda position, head, rate: seen.append((position, head)),
    )
    assert read > 0 and seen and seen[-1][0] == seen[-1][1]
    assert _rows(services.pool, model) == before
    # The live runner carries on after the swap.
    _some_history(casework, 1)
    assert services.runner.wait_for(services.runner.head(), timeout=20)


def test_a_separate_worker_is_followed_by_watching_the_database(casework, services, database_url):
    pool = open_pool(database_url, size=2, name="test-worker")
    try:
        watcher = ProjectionRunner(
            casework.store, pool, [CaseList(casework.store, services.policies.in_force), CaseFacts()]
        )  # never started: a worker moves it
        _some_history(casework, 1)
        assert watcher.wait_for(watcher.head(), timeout=20)
    finally:
        pool.close()


def test_healthz_reports_projection_lag(app_client):
    body = app_client.get("/healthz").json()
    assert set(body["projections"]) >= {"lag_events", "lag_seconds", "position"}


@pytest.mark.slow
def test_the_server_can_run_the_runner_as_a_child_process_and_still_read_its_own_writes(server_url):
    """COMMUNITY_TRIGGER_PROJECTIONS=process (serve's default): a child process moves the read models,
    the API follows its positions by NOTIFY, a read waits for the caller's own write, and the child
    stops with the app."""
    from conftest import caller_for
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import scratch_database
    from tests.api.test_api_core import application, complaint, register

    with scratch_database(server_url, "ct_test") as url:
        app = create_app(url, read_wait_seconds=20, projections="process")
        with TestClient(app) as client:
            services = app.state.services
            assert services.runner._thread is None  # nothing moves the read models in this process
            child = app.state.projection_worker
            assert child.pid is not None and child._process.poll() is None
            coordinator = caller_for(client, "coordinator")
            for _ in range(3):
                victim = register(coordinator, "Sam Child")
                complaint(coordinator, victim)
                review = application(coordinator, victim)
                listed = coordinator.get("/v1/case-reviews").json()["items"]
                assert review["id"] in [item["id"] for item in listed]  # its own write, read at once
            health = client.get("/healthz").json()["projections"]
            assert health["lag_events"] == 0 and health["position"] >= max(services.last_write.values())
        assert child._process.poll() is not None  # stopped with the app
