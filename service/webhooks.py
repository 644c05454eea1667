"""Push for partner tools (API.md v1.1 Subscriptions): subscriptions, signed deliveries, and time-based events.

A subscription names a URL and the events it wants. Events come from the outbox (store/webhooks.py):
the potential-triggers read model writes `threshold_reached`, `should_be_told` and `told` when a
victim's state changes, and `threshold_decided` from the decision's event, in the same transaction
as the projection batch that found them; `Alarms` writes `deadline_due_soon`, `deadline_overdue` and
`action_overdue` once per (case or action, day, kind) from a periodic check.

`Deliveries` sends them: each delivery is a POST of the event's JSON, signed by the Standard Webhooks
scheme (the `standardwebhooks` package: `webhook-id`, `webhook-timestamp`, `webhook-signature` with
HMAC-SHA256 under the subscription's `whsec_` secret). A 2xx is delivered; anything else (an error, a
timeout, a redirect, which is never followed) is tried again after an exponential backoff with jitter,
with the same `webhook-id`, until the receiver takes it or `give_up_after` has passed since the event.
Each delivery is claimed with FOR UPDATE SKIP LOCKED and held for the time of the attempt, so several
processes can send at once and never send one delivery twice at the same time; a process that dies
mid-attempt releases it with its connection, and another sends it again (the same id: a receiver
drops the repeat).
"""

import base64
import json
import logging
import random
import secrets
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from standardwebhooks.webhooks import Webhook

from domain.actor import Actor
from domain.audited import local_date
from domain.calendar import DeadlineState
from domain.case_reviews import CaseReview
from domain.deadlines import deadline_on
from domain.errors import InvalidFact
from domain.promises import ActionState, action_state
from domain.vocabulary import Role
from projections.case_list import CaseList
from projections.potential_triggers import THRESHOLD_DECIDED, TRIGGER_EVENTS, message_id
from service.errors import Forbidden
from service.policies import Policies
from store import webhooks as outbox
from store.event_store import EventStore

log = logging.getLogger(__name__)

DEADLINE_DUE_SOON, DEADLINE_OVERDUE, ACTION_OVERDUE = "deadline_due_soon", "deadline_overdue", "action_overdue"
EVENT_TYPES = (*TRIGGER_EVENTS, THRESHOLD_DECIDED, DEADLINE_DUE_SOON, DEADLINE_OVERDUE, ACTION_OVERDUE)
# An agency reads only its own victims' triggers and its own actions: it may subscribe to those alone.
AGENCY_EVENT_TYPES = (*TRIGGER_EVENTS, ACTION_OVERDUE)
MAX_URL = 2000
SECRET_BYTES = 32  # Standard Webhooks: a secret of 24 to 64 random bytes, base64 after `whsec_`


# --- subscriptions -----------------------------------------------------------------------------


def check_url(url: str, field: str = "url") -> str:
    """http or https, a host, no credentials in it: anything else is refused naming the field."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidFact(
            "url must be an http or https URL, for example https://partner.example.org/hooks", field=field
        )
    url = url.strip()
    if len(url) > MAX_URL:
        raise InvalidFact(f"url must be at most {MAX_URL} characters", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number is refused here
    except ValueError:
        raise InvalidFact("url is not a URL this service can call", field=field) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidFact(f"url must use http or https, not {parts.scheme or 'no scheme'}", field=field)
    if parts.username is not None or parts.password is not None:
        raise InvalidFact("url must not carry credentials: deliveries are signed with the subscription's secret", field)
    if not parts.hostname:
        raise InvalidFact("url must name a host", field=field)
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise InvalidFact("url must not contain spaces or control characters", field=field)
    if port == 0:
        raise InvalidFact("url names port 0, which no receiver listens on", field=field)
    return url


def check_events(events: Sequence[str], actor: Actor, field: str = "events") -> list[str]:
    """Known event types, each once, at least one; an agency only its own victims' events."""
    if not events:
        raise InvalidFact(f"name at least one event: {', '.join(EVENT_TYPES)}", field=field)
    chosen: list[str] = []
    for index, event in enumerate(events):
        if event not in EVENT_TYPES:
            raise InvalidFact(f"{event!r} is not an event; choose from {', '.join(EVENT_TYPES)}", f"{field}[{index}]")
        if actor.role is Role.AGENCY and event not in AGENCY_EVENT_TYPES:
            raise Forbidden(
                f"an agency key subscribes only to its own victims' events ({', '.join(AGENCY_EVENT_TYPES)}), "
                f"not to {event}"
            )
        if event not in chosen:
            chosen.append(event)
    return chosen


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscribe(pool: ConnectionPool, *, url: str, events: Sequence[str], actor: Actor) -> dict[str, Any]:
    """A new subscription, with its secret (the caller shows it once); an agency's gets only its victims' events."""
    url = check_url(url)
    chosen = check_events(events, actor)
    secret = new_secret()
    agency = actor.agency if actor.role is Role.AGENCY else None
    row = outbox.create_subscription(
        pool, id=uuid.uuid4(), url=url, events=chosen, secret=secret, agency=agency, created_by=actor.key_id or "system"
    )
    return {**row, "secret": secret}


def may_manage(actor: Actor, subscription: dict[str, Any]) -> bool:
    """A coordinator (and an auditor, reading) every subscription; an agency only its own."""
    return actor.role is not Role.AGENCY or subscription["agency"] == actor.agency


# --- signing and sending -----------------------------------------------------------------------


def signed_headers(secret: str, webhook_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: a fresh timestamp, so a retry verifies as a new attempt would."""
    stamp = at.astimezone(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, stamp, payload),
        "content-type": "application/json",
        "user-agent": "community-trigger-webhooks/1",
    }


@dataclass(frozen=True)
class Backoff:
    """How long to wait before the next attempt: doubling from `first` up to `most`, each time drawn between half
    and the whole of it (jitter), so receivers coming back are not hit by every sender at once."""

    first: float = 5.0
    most: float = 3600.0
    give_up_after: timedelta = timedelta(days=3)

    def delay(self, attempts: int, rng: Callable[[], float] = random.random) -> float:
        ceiling = min(self.most, self.first * 2 ** max(0, attempts - 1))
        return ceiling / 2 + rng() * ceiling / 2


class Deliveries:
    """The delivery worker: threads that send due deliveries, woken by the outbox's NOTIFY and a poll.

    Each thread holds one connection and one transaction per attempt (the claim's lock lasts the
    attempt). Several workers, in one process or many, share the work without sending one twice at once.
    """

    def __init__(
        self,
        conninfo: str,
        *,
        threads: int = 2,
        timeout: float = 10.0,
        backoff: Backoff = Backoff(),
        poll_seconds: float = 1.0,
    ) -> None:
        self.conninfo = conninfo
        self.threads = threads
        self.timeout = timeout
        self.backoff = backoff
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._woken = 0
        self._workers: list[threading.Thread] = []

    def start(self) -> "Deliveries":
        self._workers = [threading.Thread(target=self._listen, name="webhook-listener", daemon=True)]
        self._workers += [
            threading.Thread(target=self._work, name=f"webhook-sender-{n}", daemon=True) for n in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self.wake()
        for worker in self._workers:
            worker.join(timeout=timeout)

    def wake(self) -> None:
        with self._wake:
            self._woken += 1
            self._wake.notify_all()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as listener:
                    listener.execute(f"LISTEN {outbox.CHANNEL}")
                    self.wake()  # whatever was committed before LISTEN
                    while not self._stop.is_set():
                        for _ in listener.notifies(timeout=1.0, stop_after=1):
                            self.wake()
            except Exception:
                log.exception("webhook listener lost the database; retrying in 2 s")
                self._stop.wait(2)

    def _work(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    with psycopg.connect(self.conninfo, row_factory=dict_row) as conn:
                        self._drain(conn, client)
                except Exception:
                    log.exception("webhook sender lost the database; retrying in 2 s")
                    self._stop.wait(2)

    def _drain(self, conn: psycopg.Connection, client: httpx.Client) -> None:
        while not self._stop.is_set():
            with self._wake:
                seen = self._woken
            if self.send_one(conn, client):
                continue
            with conn.transaction():
                due_in = outbox.next_due_in(conn)
            wait = self.poll_seconds if due_in is None else min(self.poll_seconds, max(due_in, 0.01))
            with self._wake:
                if self._woken == seen and not self._stop.is_set():
                    self._wake.wait(wait)

    def send_one(self, conn: psycopg.Connection, client: httpx.Client) -> bool:
        """Claim one due delivery and attempt it, in one transaction; False when none is due."""
        with conn.transaction():
            claimed = outbox.claim_due(conn)
            if claimed is None:
                return False
            status, error = self._attempt(client, claimed)
            if status is not None and 200 <= status < 300:
                outbox.delivered(conn, claimed["id"], status)
                return True
            attempts = claimed["attempts"] + 1
            expired = datetime.now(UTC) - claimed["created_at"] >= self.backoff.give_up_after
            retry_in = None if expired else self.backoff.delay(attempts)
            outbox.failed_attempt(conn, claimed["id"], status=status, error=error, retry_in=retry_in)
            log.info(
                "webhook %s to %s failed (%s); %s", claimed["message_id"], claimed["url"], error,
                "giving up" if retry_in is None else f"again in {retry_in:.1f} s",
            )  # fmt: skip
            return True

    def _attempt(self, client: httpx.Client, claimed: dict[str, Any]) -> tuple[int | None, str]:
        headers = signed_headers(claimed["secret"], claimed["message_id"], claimed["payload"], datetime.now(UTC))
        try:
            response = client.post(claimed["url"], content=claimed["payload"].encode(), headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:500] or type(error).__name__
        if 200 <= response.status_code < 300:
            return response.status_code, ""
        return response.status_code, f"the receiver answered {response.status_code}"


# --- time-based events ------------------------------------------------------------------------

OPEN_WITH_ACTIONS = ("under_review", "review_completed", "actions_open", "escalated")


class Alarms:
    """The periodic check: deadlines due soon or overdue and actions overdue, each (case or action, day, kind) once.

    Each found event goes to the outbox under an id made of its kind, subject and day, so however many
    processes check, however often, it is delivered once for that day (a case overdue for a week is
    announced on each of its days, as the alarm list shows it each day).
    """

    def __init__(self, store: EventStore, pool: ConnectionPool, policies: Policies) -> None:
        self.store = store
        self.pool = pool
        self.policies = policies

    def check(self, now: datetime) -> int:
        """Find today's time-based events (as on `now`'s London date) and write them to the outbox; returns how many."""
        with self.pool.connection() as conn, conn.cursor() as cur:
            wanted = outbox.wanted_types(cur)
        if not wanted & {DEADLINE_DUE_SOON, DEADLINE_OVERDUE, ACTION_OVERDUE}:
            return 0
        day = local_date(now)
        messages: list[outbox.OutboxMessage] = []
        rows = CaseList.as_on(self.pool, day, shown_after=day)
        if wanted & {DEADLINE_DUE_SOON, DEADLINE_OVERDUE}:
            messages += self._deadlines(rows, day, now, wanted)
        if ACTION_OVERDUE in wanted:
            messages += self._actions(day, now)
        with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            outbox.enqueue(cur, messages)
        return len(messages)

    def _deadlines(
        self, rows: list[dict[str, Any]], day: date, now: datetime, wanted: frozenset[str]
    ) -> list[outbox.OutboxMessage]:
        found = []
        for row in rows:
            seen = deadline_on(
                self.policies.named(f"{row['policy_name']}@{row['policy_version']}"), due=row["due_date"], on=day,
                completed_on=None,
                delay_notified_on=row["delay_notified_on"] if row["delay_notified_on"] and row["delay_notified_on"] <= day else None,
            )  # fmt: skip
            kind = {DeadlineState.DUE_SOON: DEADLINE_DUE_SOON, DeadlineState.OVERDUE: DEADLINE_OVERDUE}.get(seen.state)
            if kind is None or kind not in wanted:
                continue
            data = {
                "case_review_id": str(row["id"]),
                "received_date": row["received_date"].isoformat(),
                "due_date": row["due_date"].isoformat(),
                "working_days_left": seen.working_days_left,
                "deadline_state": seen.state.value,
                "on": day.isoformat(),
            }
            found.append(_message(kind, row["id"], day, data, now))
        return found

    def _actions(self, day: date, now: datetime) -> list[outbox.OutboxMessage]:
        found = []
        for case_id in self._cases_with_open_actions():
            case = self.store.repository.get(case_id)
            if not isinstance(case, CaseReview):
                continue
            for action in case.open_actions:
                if action_state(action, day) is not ActionState.OVERDUE:
                    continue
                data = {
                    "case_review_id": str(case.id),
                    "action_id": str(action.id),
                    "agency": action.agency,
                    "due_date": action.due_date.isoformat() if action.due_date else None,
                    "on": day.isoformat(),
                }
                found.append(_message(ACTION_OVERDUE, action.id, day, data, now, agencies=(action.agency,)))
        return found

    def _cases_with_open_actions(self) -> list[uuid.UUID]:
        """Applications whose status may leave an agreed action open (the case list, by status)."""
        ids = []
        for status in OPEN_WITH_ACTIONS:
            before = None
            while True:
                rows = CaseList.page(self.pool, status=status, before=before, limit=500)
                ids += [uuid.UUID(row["id"]) for row in rows]  # the list gives ids as text
                if len(rows) < 500:
                    break
                last = rows[-1]
                before = (last["received_date"], last["requested_at"], uuid.UUID(last["id"]))
        return ids


def _message(
    kind: str, subject: Any, day: date, data: dict[str, Any], now: datetime, agencies: tuple[str, ...] = ()
) -> outbox.OutboxMessage:
    payload = {"type": kind, "timestamp": now.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z", "data": data}
    return outbox.OutboxMessage(
        message_id=message_id(kind, subject, day),
        type=kind,
        payload=json.dumps(payload, separators=(",", ":")),
        occurred_at=now,
        agencies=agencies,
    )


class AlarmCheck:
    """`Alarms.check` every `interval` seconds on a thread of its own (and once at start)."""

    def __init__(
        self, alarms: Alarms, interval: float = 900.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self.alarms = alarms
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "AlarmCheck":
        self._thread = threading.Thread(target=self._run, name="webhook-alarms", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.alarms.check(self.clock())
            except Exception:
                log.exception("the periodic check of deadlines and actions failed; trying again later")
            self._stop.wait(self.interval)
