"""API.md v1.1 Subscriptions: each event found once, delivered signed to a real receiver on 127.0.0.1 that refuses,
times out and comes back; nothing lost when the receiver or the sender is down; repeats only with the same id.
"""

import threading
import time
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row
from standardwebhooks.webhooks import Webhook
from webhook_receiver import Receiver

from domain.actor import Actor
from domain.deadlines import calendar_for
from domain.policy import HAVANT_POLICY
from domain.vocabulary import Channel, ComplaintCategory, ContactChannel, Dissatisfaction, Role, Route
from service import commands as c
from service.bootstrap import open_services
from service.webhooks import Alarms, Backoff, Deliveries, subscribe
from store import webhooks as store_webhooks
from store.database import scratch_database

pytestmark = pytest.mark.slow  # databases, threads and a receiver of their own

COORDINATOR = Actor("test-coordinator", Role.COORDINATOR)
POLICE = Actor("test-police", Role.AGENCY, "hampshire-constabulary")
COUNCIL = Actor("test-council", Role.AGENCY, "havant-borough-council")
QUICK = Backoff(first=0.05, most=0.3)


@pytest.fixture
def services(server_url):
    with scratch_database(server_url, "ct_test_webhooks") as url:
        services = open_services(url, pool_size=4)
        try:
            yield services
        finally:
            services.close()


def today() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)  # a day every time zone has reached


def victim_with_two_reports(services, name: str) -> UUID:
    """Two qualifying reports at two agencies, reported yesterday and the day before."""
    now = datetime.now(UTC)
    person = services.casework.handle(c.RegisterPerson(name), actor=COORDINATOR, now=now).id
    for actor, days_ago in ((POLICE, 2), (COUNCIL, 1)):
        day = today() - timedelta(days=days_ago - 1)
        services.casework.handle(
            c.LogComplaint(person, actor.agency, day, day, True, ComplaintCategory.NOISE),
            actor=actor, now=datetime.now(UTC),
        )  # fmt: skip
    return person


def tell(services, person: UUID) -> None:
    services.casework.handle(
        c.TellAboutCaseReview(person, today(), ContactChannel.PHONE), actor=COORDINATOR, now=datetime.now(UTC)
    )


def outbox(services) -> list[dict]:
    with services.pool.connection() as conn:
        return conn.execute("SELECT message_id, type, payload FROM webhooks.outbox ORDER BY id").fetchall()


def caught_up(services) -> None:
    assert services.runner.wait_for(services.runner.head(), 20)


def verified(secret: str, received) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


def test_rules_12_each_change_is_found_once_and_delivered_signed_with_a_stable_id(services):
    with Receiver("take") as receiver:
        subscription = subscribe(
            services.pool, url=receiver.url, events=["should_be_told", "told", "threshold_reached"], actor=COORDINATOR
        )
        deliveries = Deliveries(services.pool.conninfo, timeout=1.0, backoff=QUICK).start()
        try:
            person = victim_with_two_reports(services, "Jo Webb")
            tell(services, person)
            caught_up(services)
            assert receiver.wait_for(lambda r: len(r.taken()) == 2)
        finally:
            deliveries.stop()
    events = [verified(subscription["secret"], r) for r in receiver.taken()]
    assert [(e["type"], e["data"]["victim_id"], e["data"]["state"]) for e in events] == [
        ("should_be_told", str(person), "should_be_told"),
        ("told", str(person), "told"),
    ]
    second = today()
    assert (
        events[0]["data"]["tell_due_date"]
        == calendar_for(HAVANT_POLICY.calendar).add_working_days(second, 10).isoformat()
    )
    assert events[0]["data"]["by_agency"] == {"hampshire-constabulary": 1, "havant-borough-council": 1}
    assert [r.webhook_id for r in receiver.taken()] == [m["message_id"] for m in outbox(services)]
    assert len({r.webhook_id for r in receiver.received}) == 2


def test_a_subscriptions_deliveries_go_one_at_a_time_in_the_order_they_were_found(services):
    mine = subscribe(
        services.pool, url="https://example.org/mine", events=["should_be_told", "told"], actor=COORDINATOR
    )
    other = subscribe(services.pool, url="https://example.org/other", events=["told"], actor=COORDINATOR)
    tell(services, victim_with_two_reports(services, "In Order"))
    caught_up(services)
    with (
        psycopg.connect(services.pool.conninfo, row_factory=dict_row) as first,
        psycopg.connect(services.pool.conninfo, row_factory=dict_row) as second,
    ):
        with first.transaction():
            in_flight = store_webhooks.claim_due(first)
            assert (in_flight["url"], in_flight["type"]) == (mine["url"], "should_be_told")
            with second.transaction():  # the later one of the same subscription waits; another's goes
                meanwhile = store_webhooks.claim_due(second)
                assert (meanwhile["url"], meanwhile["type"]) == (other["url"], "told")
                store_webhooks.delivered(second, meanwhile["id"], 200)
            with second.transaction():
                assert store_webhooks.claim_due(second) is None
            store_webhooks.delivered(first, in_flight["id"], 200)
        with second.transaction():
            after = store_webhooks.claim_due(second)
            assert (after["url"], after["type"]) == (mine["url"], "told")
            store_webhooks.failed_attempt(second, after["id"], status=500, error="down", retry_in=60)
        with second.transaction():
            assert store_webhooks.claim_due(second) is None


def test_nothing_is_lost_when_the_receiver_refuses_times_out_and_comes_back_and_repeats_keep_their_id(services):
    with Receiver("refuse", hang_seconds=1.0) as receiver:
        subscription = subscribe(services.pool, url=receiver.url, events=["should_be_told", "told"], actor=COORDINATOR)
        deliveries = Deliveries(services.pool.conninfo, timeout=0.4, backoff=QUICK).start()
        try:
            people = [victim_with_two_reports(services, f"Refused {n}") for n in range(3)]
            caught_up(services)
            assert receiver.wait_for(lambda r: len(r.received) >= 6)  # each refused at least twice
            receiver.mode = "hang"
            tell(services, people[0])
            caught_up(services)
            assert receiver.wait_for(lambda r: sum(x.status is None for x in r.received) >= 2, timeout=30)
            receiver.mode = "take"
            assert receiver.wait_for(lambda r: len({x.webhook_id for x in r.taken()}) == 4, timeout=30)
            time.sleep(0.5)  # nothing more should come
        finally:
            deliveries.stop()
    expected = {m["message_id"]: m["payload"].encode() for m in outbox(services)}
    assert len(expected) == 4  # three should_be_told, one told
    taken = receiver.taken()
    assert sorted(r.webhook_id for r in taken) == sorted(expected)  # each taken exactly once
    for received in receiver.received:  # every attempt, refused or not: the same id carries the same body
        assert received.body == expected[received.webhook_id]
        verified(subscription["secret"], received)
    assert any(r.status == 500 for r in receiver.received) and any(r.status is None for r in receiver.received)
    with services.pool.connection() as conn:
        states = conn.execute("SELECT state, attempts FROM webhooks.deliveries").fetchall()
    assert {s["state"] for s in states} == {"delivered"} and max(s["attempts"] for s in states) >= 3


def test_nothing_is_lost_while_no_sender_runs_and_two_senders_never_send_one_delivery_twice(services):
    with Receiver("take") as receiver:
        subscribe(services.pool, url=receiver.url, events=["should_be_told"], actor=COORDINATOR)
        people = [victim_with_two_reports(services, f"Waiting {n}") for n in range(12)]  # no sender is running
        caught_up(services)
        assert len(outbox(services)) == 12 and receiver.received == []
        senders = [Deliveries(services.pool.conninfo, threads=3, timeout=2.0, backoff=QUICK).start() for _ in range(2)]
        try:
            assert receiver.wait_for(lambda r: len(r.taken()) >= 12)
            time.sleep(0.5)
        finally:
            for sender in senders:
                sender.stop()
    assert sorted(r.webhook_id for r in receiver.received) == sorted(m["message_id"] for m in outbox(services))
    assert {verified_id for verified_id in (r.webhook_id for r in receiver.received)}.__len__() == len(people)


def test_a_projection_batch_that_fails_writes_no_event_and_its_retry_writes_each_once(services, monkeypatch):
    from projections import potential_triggers as model

    with Receiver("take") as receiver:
        subscribe(services.pool, url=receiver.url, events=["should_be_told"], actor=COORDINATOR)
        services.runner.stop()  # this test drives the runner itself
        real, failures = model.enqueue, []

        def fail_once(cur, messages):
            real(cur, messages)
            if messages and not failures:
                failures.append(messages)
                raise RuntimeError("the database went away mid-batch")

        monkeypatch.setattr(model, "enqueue", fail_once)
        victim_with_two_reports(services, "Once Only")
        with pytest.raises(RuntimeError):
            services.runner.catch_up()
        assert outbox(services) == []  # rolled back with the batch
        services.runner.catch_up()
        services.runner.catch_up()
        assert [m["type"] for m in outbox(services)] == ["should_be_told"]


def test_an_agencys_subscription_gets_only_its_own_victims_events(services):
    from service.errors import Forbidden

    with Receiver("take") as receiver:
        subscribe(services.pool, url=receiver.url, events=["should_be_told"], actor=POLICE)
        landlord = Actor("test-landlord", Role.AGENCY, "vivid-homes")
        subscribe(services.pool, url=receiver.url + "/landlord", events=["should_be_told"], actor=landlord)
        with pytest.raises(Forbidden):
            subscribe(services.pool, url=receiver.url, events=["deadline_overdue"], actor=POLICE)
        deliveries = Deliveries(services.pool.conninfo, timeout=1.0, backoff=QUICK).start()
        try:
            victim_with_two_reports(services, "Police Victim")
            caught_up(services)
            assert receiver.wait_for(lambda r: len(r.taken()) == 1)
            time.sleep(0.5)
        finally:
            deliveries.stop()
    assert [r.headers["Host"] for r in receiver.received] and len(receiver.received) == 1  # not the landlord's


def test_deadlines_and_actions_are_announced_once_per_case_and_day_however_often_they_are_checked(services):
    now = datetime.now(UTC)
    applicant = services.casework.handle(c.RegisterPerson("Late Case"), actor=COORDINATOR, now=now).id
    received = today() - timedelta(days=60)
    services.casework.handle(
        c.RequestCaseReview(Route.INDIVIDUAL, applicant, received, Channel.ONLINE, Dissatisfaction.NO_ACTION_TAKEN,
                            victim_id=applicant),
        actor=COORDINATOR, now=now,
    )  # fmt: skip
    caught_up(services)
    with Receiver("take") as receiver:
        subscribe(services.pool, url=receiver.url, events=["deadline_overdue", "deadline_due_soon"], actor=COORDINATOR)
        alarms = Alarms(services.store, services.pool, services.policies)
        threads = [threading.Thread(target=alarms.check, args=(datetime.now(UTC),)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        alarms.check(datetime.now(UTC))
        assert [m["type"] for m in outbox(services)] == ["deadline_overdue"]
        alarms.check(datetime.now(UTC) + timedelta(days=1))  # the next day: announced again, once
        assert [m["type"] for m in outbox(services)] == ["deadline_overdue", "deadline_overdue"]
        deliveries = Deliveries(services.pool.conninfo, timeout=1.0, backoff=QUICK).start()
        try:
            assert receiver.wait_for(lambda r: len(r.taken()) == 2)
        finally:
            deliveries.stop()
    payloads = [r.body for r in receiver.taken()]
    assert all(b'"deadline_state":"overdue"' in payload for payload in payloads)


def test_deliveries_keep_their_attempts_and_a_deleted_subscription_gets_nothing_more(services):
    from store import webhooks as store

    with Receiver("refuse") as receiver:
        subscription = subscribe(services.pool, url=receiver.url, events=["should_be_told"], actor=COORDINATOR)
        deliveries = Deliveries(services.pool.conninfo, timeout=1.0, backoff=QUICK).start()
        try:
            victim_with_two_reports(services, "Never Taken")
            caught_up(services)
            assert receiver.wait_for(lambda r: len(r.received) >= 2)
            assert store.delete_subscription(services.pool, subscription["id"])
            time.sleep(0.3)
            count = len(receiver.received)
            time.sleep(1.0)
            assert len(receiver.received) <= count + 1  # at most the attempt under way when it was deleted
        finally:
            deliveries.stop()
    [delivery] = store.deliveries(services.pool, subscription["id"], before=None, limit=10)
    assert delivery["state"] == "cancelled" and delivery["attempts"] >= 2 and delivery["last_status"] == 500
    with psycopg.connect(services.pool.conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM webhooks.subscriptions WHERE deleted_at IS NULL").fetchone()[0] == 0
