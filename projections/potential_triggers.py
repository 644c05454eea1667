"""The potential triggers of RULES.md section 12: the facts to list them as on any day and as known at any time.

The model keeps facts, never verdicts, since a verdict depends on the day D and the time T asked
about: every revision of every complaint with its recorded time (as known at T is the latest
recorded by T), every telling, and each application's people and open periods. `page` finds the
candidates in SQL (victims with two or more complaints that could count in the policy's window, with
no open application) and decides each with the domain (`domain.potential_triggers`), which decides
with `domain.eligibility.assess` itself; so the list can never disagree with an assessment.

Places. A complaint's `location_key` is its victim's personal data: the model keeps a keyed digest
of it (HMAC-SHA256 under a deployment secret kept outside the database), so equal places match and
no place can be read back.

Erasure. An erased victim can never be told (RULES.md 14: nothing more is recorded about them), so
their complaints and tellings leave the model when they are erased: they are listed on no day, as
known at no time, and their places match no one else's; a rebuild gives the same.

Announcements. While applying a batch, for each event that changes a victim's facts the model
compares the victim's state just before and just after it, as on the event's day and as known at
its recorded time; a change to `threshold_reached`, `should_be_told` or `told` is written to the
webhook outbox (store/webhooks.py) in the same transaction as the batch, so each is found exactly
once. A threshold decision is written there too. A model being rebuilt announces nothing: the live
one did when it applied the same events.
"""

import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from hashlib import sha256
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import psycopg
from eventsourcing.application import Application

from domain.audited import local_date
from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.dates import window_ending_with
from domain.eligibility import ComplaintRevision
from domain.people import Person
from domain.policy import Policy
from domain.potential_triggers import (
    LocationTrigger,
    PotentialTrigger,
    Telling,
    TriggerState,
    linked_location_trigger,
    potential_trigger,
)
from domain.vocabulary import ComplaintCategory, ComplaintSource, GroupRule
from projections.case_list import CASE_EVENTS
from projections.runner import ReadModel
from store.webhooks import OutboxMessage, enqueue, wanted_types

log = logging.getLogger(__name__)

CACHE_SIZE = 10_000  # folded applications kept in memory between batches
COMPLAINT_EVENT_CLASSES = (Complaint.Logged, Complaint.Amended, Complaint.Withdrawn)
CASE_EVENT_CLASSES = tuple(CASE_EVENTS)  # every event of a case review (AuditedAggregate.Event is every event)
TRIGGER_EVENTS = tuple(state.value for state in TriggerState)  # the webhook events this model's transitions give
THRESHOLD_DECIDED = "threshold_decided"
LOCATION_ID_BYTES = 16  # a place is shown by the first half of its digest: opaque, and never the key


class LocationDigest:
    """Equal location keys give equal digests; a digest cannot be turned back into a key without the secret."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the location digest needs a secret (COMMUNITY_TRIGGER_LOCATION_KEY)")
        self._secret = secret

    def __call__(self, location_key: str | None) -> bytes | None:
        if location_key is None:
            return None
        return hmac.new(self._secret, location_key.encode(), sha256).digest()


def location_id(digest: bytes) -> str:
    """How a place is shown: opaque, stable, and no more than half its digest."""
    return "loc_" + digest[:LOCATION_ID_BYTES].hex()


def location_prefix(location: str) -> bytes | None:
    """The digest prefix a shown `location_id` stands for (None when it is not one of ours)."""
    if not location.startswith("loc_"):
        return None
    try:
        prefix = bytes.fromhex(location[4:])
    except ValueError:
        return None
    return prefix if len(prefix) == LOCATION_ID_BYTES else None


# --- facts in memory while a batch is applied ---------------------------------------------


@dataclass
class _Application:
    """An application's revisions: (version, recorded at, received date, closed periods)."""

    revisions: list[tuple[int, datetime, date, tuple[tuple[date, date | None], ...]]] = field(default_factory=list)

    def open_on(self, day: date, as_known_at: datetime) -> bool:
        known = [r for r in self.revisions if r[1] <= as_known_at]
        if not known:
            return False
        _, _, received, closed = known[-1]
        return received <= day and not any(c <= day and (r is None or r > day) for c, r in closed)


@dataclass
class _Victim:
    """One victim's facts: complaint revisions in version order, tellings, applications."""

    complaints: dict[UUID, list[ComplaintRevision]] = field(default_factory=dict)
    tellings: list[Telling] = field(default_factory=list)
    applications: dict[UUID, _Application] = field(default_factory=dict)

    def revisions(self) -> list[ComplaintRevision]:
        return [r for revisions in self.complaints.values() for r in revisions]

    def has_open_application(self, day: date, as_known_at: datetime) -> bool:
        return any(a.open_on(day, as_known_at) for a in self.applications.values())


def _revision(row: dict[str, Any]) -> ComplaintRevision:
    digest = row["location_digest"]
    return ComplaintRevision(
        complaint_id=row["complaint_id"], recorded_at=row["recorded_at"], victim_id=row["victim_id"],
        complainant_id=row["complainant_id"], agency=row["agency"], incident_date=row["incident_date"],
        reported_date=row["reported_date"], caused_had=row["caused_had"], incident_ref=row["incident_ref"],
        withdrawn=row["withdrawn"], category=ComplaintCategory(row["category"]),
        source=ComplaintSource(row["source"]), location_key=bytes(digest).hex() if digest is not None else None,
    )  # fmt: skip


class PotentialTriggers(ReadModel):
    schema = "potential_triggers"

    def __init__(
        self, app: Application, policy_for: Callable[..., Policy], location_secret: bytes, *, announce: bool = True
    ) -> None:
        """`policy_for(day, as_known_at=T)`: the policy version in force on `day` among those published by T."""
        self.app = app
        self.policy_for = policy_for
        self.digest = LocationDigest(location_secret)
        self.announce = announce
        self._cases: OrderedDict[UUID, CaseReview] = OrderedDict()

    @property
    def event_classes(self) -> tuple[type, ...]:  # type: ignore[override]
        return (*COMPLAINT_EVENT_CLASSES, Person.ToldAboutCaseReview, Person.Erased, *CASE_EVENT_CLASSES)

    def shadow(self) -> "PotentialTriggers":
        clone: PotentialTriggers = super().shadow()  # type: ignore[assignment]
        clone.announce = False  # a rebuild replays what the live model announced already
        return clone

    def forget(self) -> None:
        self._cases = OrderedDict()  # rebound, not cleared: a shadow copy must not empty the live cache

    # --- applying ------------------------------------------------------------------------

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        wanted = wanted_types(cur) if self.announce else frozenset()
        announcing = bool(wanted & set(TRIGGER_EVENTS))
        latest = self._latest_revisions(cur, events)
        cases = self._fold_cases(events)
        victims = self._load_victims(cur, events, latest, cases) if announcing else None
        batch = _Batch()
        messages: list[OutboxMessage] = []
        for position, event in events:
            touched = self._apply_event(event, latest, cases, batch, victims)
            if victims is not None:
                for victim_id, before in touched:
                    messages.extend(self._announcements(victim_id, before, victims[victim_id], event, position, wanted))
            if THRESHOLD_DECIDED in wanted and isinstance(event, CaseReview.ThresholdDecided):
                messages.append(_threshold_decided(event))
        batch.write(cur, self)
        enqueue(cur, messages)

    def _latest_revisions(
        self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]
    ) -> dict[UUID, tuple[int, ComplaintRevision]]:
        """The latest stored revision of each complaint the batch changes (logged in an earlier batch)."""
        logged = {e.originator_id for _, e in events if isinstance(e, Complaint.Logged)}
        changed = {
            e.originator_id for _, e in events if isinstance(e, Complaint.Amended | Complaint.Withdrawn)
        } - logged
        if not changed:
            return {}
        cur.execute(
            f"SELECT DISTINCT ON (complaint_id) * FROM {self.schema}.complaints WHERE complaint_id = ANY(%s)"
            " ORDER BY complaint_id, version DESC",
            (list(changed),),
        )
        return {row["complaint_id"]: (row["version"], _revision(row)) for row in cur.fetchall()}

    def _fold_cases(self, events: Sequence[tuple[int, Any]]) -> dict[UUID, tuple[int, CaseReview]]:
        """Each case the batch touches as it stood before the batch (version, aggregate), from cache or store."""
        cases: dict[UUID, tuple[int, CaseReview]] = {}
        requested = {e.originator_id for _, e in events if isinstance(e, CaseReview.Requested)}  # begun in this batch
        for _, event in events:
            if (
                not isinstance(event, CASE_EVENT_CLASSES)
                or event.originator_id in cases
                or event.originator_id in requested
            ):
                continue
            case = self._cases.pop(event.originator_id, None)
            if case is None or case.version != event.originator_version - 1:
                case = self.app.repository.get(event.originator_id, version=event.originator_version - 1)
            cases[event.originator_id] = (case.version, case)
        return cases

    def _load_victims(
        self,
        cur: psycopg.Cursor,
        events: Sequence[tuple[int, Any]],
        latest: dict[UUID, tuple[int, ComplaintRevision]],
        cases: dict[UUID, tuple[int, CaseReview]],
    ) -> dict[UUID, _Victim]:
        """The stored facts (before this batch) of every victim the batch touches."""
        ids: set[UUID] = set()
        for _, event in events:
            if isinstance(event, Complaint.Logged):
                ids.add(event.victim_id)
            elif isinstance(event, Complaint.Amended | Complaint.Withdrawn) and event.originator_id in latest:
                ids.add(latest[event.originator_id][1].victim_id)
            elif isinstance(event, Person.ToldAboutCaseReview):
                ids.add(event.originator_id)
            elif isinstance(event, CaseReview.Requested):
                ids.update((event.victim_id,) if event.victim_id else event.member_ids)
            elif isinstance(event, CASE_EVENT_CLASSES) and event.originator_id in cases:
                ids.update(cases[event.originator_id][1].victims)
        return load_victims(cur, self.schema, sorted(ids, key=lambda v: v.int)) if ids else {}

    def _apply_event(
        self,
        event: Any,
        latest: dict[UUID, tuple[int, ComplaintRevision]],
        cases: dict[UUID, tuple[int, CaseReview]],
        batch: "_Batch",
        victims: dict[UUID, _Victim] | None,
    ) -> list[tuple[UUID, _Victim]]:
        """Fold one event into the rows to write, and, when announcing (`victims` not None), into the victims'
        facts; returns the victims whose facts it changed, each with a copy of their facts from just before."""
        announcing = victims is not None
        if isinstance(event, COMPLAINT_EVENT_CLASSES):
            revision = self._complaint_revision(event, latest)
            if revision is None:
                return []
            version, new = revision
            latest[new.complaint_id] = revision
            batch.complaints.append((version, new, event.originator_id))
            if not announcing:
                return []
            facts = victims.setdefault(new.victim_id, _Victim())
            before = _copy(facts)
            facts.complaints.setdefault(new.complaint_id, []).append(new)
            return [(new.victim_id, before)]
        if isinstance(event, Person.ToldAboutCaseReview):
            telling = Telling(event.told_on, event.timestamp)
            batch.tellings.append(
                (event.originator_id, event.originator_version, event.told_on, event.channel.value, event.timestamp)
            )
            if not announcing:
                return []
            facts = victims.setdefault(event.originator_id, _Victim())
            before = _copy(facts)
            facts.tellings.append(telling)
            return [(event.originator_id, before)]
        if isinstance(event, Person.Erased):
            batch.erased.append(event.originator_id)
            if victims is not None and event.originator_id in victims:  # gone from now on, announcing nothing
                victims[event.originator_id] = _Victim()
            return []
        if isinstance(event, CASE_EVENT_CLASSES):
            return self._apply_case_event(event, cases, batch, victims)
        return []

    def _complaint_revision(
        self, event: Any, latest: dict[UUID, tuple[int, ComplaintRevision]]
    ) -> tuple[int, ComplaintRevision] | None:
        if isinstance(event, Complaint.Logged):
            digest = self.digest(event.location_key)
            return event.originator_version, ComplaintRevision(
                complaint_id=event.originator_id, recorded_at=event.timestamp, victim_id=event.victim_id,
                complainant_id=event.complainant_id, agency=event.agency, incident_date=event.incident_date,
                reported_date=event.reported_date, caused_had=event.caused_had, incident_ref=event.incident_ref,
                withdrawn=False, category=ComplaintCategory(event.category), source=ComplaintSource(event.source),
                location_key=digest.hex() if digest is not None else None,
            )  # fmt: skip
        held = latest.get(event.originator_id)
        if held is None:  # cannot happen: a complaint is logged before it changes
            log.error("complaint %s changed before it was logged; skipped", event.originator_id)
            return None
        previous = held[1]
        if isinstance(event, Complaint.Withdrawn):
            changes: dict[str, Any] = {"withdrawn": True}
        else:
            changes = {k: v for k, v in event.changes.items() if k in _AMENDABLE_HERE}
            if "caused_had" in changes:
                changes["caused_had"] = bool(changes["caused_had"])
            if "category" in changes:
                changes["category"] = ComplaintCategory(changes["category"])
        return event.originator_version, replace(previous, recorded_at=event.timestamp, **changes)

    def _apply_case_event(
        self,
        event: Any,
        cases: dict[UUID, tuple[int, CaseReview]],
        batch: "_Batch",
        victims: dict[UUID, _Victim] | None,
    ) -> list[tuple[UUID, _Victim]]:
        held = cases.get(event.originator_id)
        case = held[1] if held else None
        closed_before = tuple(case.closed_periods) if case is not None else None
        case = event.mutate(case)
        cases[event.originator_id] = (case.version, case)
        self._cases[case.id] = case
        self._cases.move_to_end(case.id)
        while len(self._cases) > CACHE_SIZE:
            self._cases.popitem(last=False)
        closed = tuple(case.closed_periods)
        if closed_before is not None and closed == closed_before:
            return []
        revision = (case.version, event.timestamp, case.received_date, closed)
        batch.applications.append((case.id, revision, case.victims if closed_before is None else ()))
        touched: list[tuple[UUID, _Victim]] = []
        if victims is not None:
            for victim_id in case.victims:
                facts = victims.setdefault(victim_id, _Victim())
                before = _copy(facts)
                facts.applications.setdefault(case.id, _Application()).revisions.append(revision)
                touched.append((victim_id, before))
        return touched

    # --- announcing ----------------------------------------------------------------------

    def _announcements(
        self, victim_id: UUID, before: _Victim, after: _Victim, event: Any, position: int, wanted: frozenset[str]
    ) -> list[OutboxMessage]:
        """The change in the victim's section 12 state that `event` made, as on its day and as known at its time."""
        moment = event.timestamp
        day = local_date(moment)
        policy = self.policy_for(day, as_known_at=moment)
        old = decide(victim_id, before, policy, day, moment)
        new = decide(victim_id, after, policy, day, moment)
        if new is None:
            return []
        if old is not None and old.state is new.state:
            if new.told and not old.told:
                kind = (
                    TriggerState.TOLD.value
                )  # told while the threshold is reached: the state stays, the telling is news
            else:
                return []
        else:
            kind = new.state.value
        if kind not in wanted:
            return []
        payload = {
            "type": kind,
            "timestamp": _utc(moment),
            "data": trigger_data(new),
        }
        return [
            OutboxMessage(
                message_id=message_id(kind, victim_id, position),
                type=kind,
                payload=json.dumps(payload, separators=(",", ":")),
                occurred_at=moment,
                agencies=tuple(sorted(new.agencies)),
            )
        ]

    # --- reading -------------------------------------------------------------------------

    @classmethod
    def page(
        cls,
        pool: Any,
        policy: Policy,
        *,
        on: date,
        as_known_at: datetime,
        agency: str | None = None,
        after: UUID | None = None,
        wanted: Callable[[PotentialTrigger], bool] = lambda trigger: True,
        limit: int,
    ) -> tuple[list[PotentialTrigger], UUID | None]:
        """Listed victims by id after `after`, each decided by the domain, up to `limit` that `wanted` keeps.

        Returns them and the id to go on after (None: no candidate is left). `agency`: only victims that
        agency logged a complaint for. Candidates come from SQL in chunks: victims with two or more
        complaints reported in the policy's window on `on` that could count (recorded by T, partner
        agency, harassment, alarm or distress, not withdrawn in some revision), with no application
        open on `on` as known at T.
        """
        start, _ = window_ending_with(on, policy.lookback)
        found: list[PotentialTrigger] = []
        chunk = max(limit * 2, 20)
        while True:
            candidates = _candidate_victims(pool, policy, on, as_known_at, start, agency, after, chunk)
            if not candidates:
                return found, None
            facts = load_victims_from(pool, cls.schema, candidates, as_known_at, (start, on))
            for victim_id in candidates:
                after = victim_id
                trigger = decide(victim_id, facts.get(victim_id, _Victim()), policy, on, as_known_at)
                if trigger is not None and wanted(trigger):
                    found.append(trigger)
                    if len(found) == limit:
                        return found, after
            if len(candidates) < chunk:
                return found, None

    @classmethod
    def places(
        cls,
        pool: Any,
        policy: Policy,
        *,
        on: date,
        as_known_at: datetime,
        agency: str | None = None,
        after: bytes | None = None,
        limit: int,
    ) -> tuple[list[tuple[bytes, LocationTrigger]], bytes | None]:
        """For a `linked_location` policy: places whose counted incidents reach the group number, by digest.

        Reports of victims with an application open on `on` (as known at T) are left out, as they are
        left out of the victims' list. `agency`: only places where that agency logged a complaint.
        """
        if policy.group_rule is not GroupRule.LINKED_LOCATION:
            return [], None
        start, _ = window_ending_with(on, policy.lookback)
        found: list[tuple[bytes, LocationTrigger]] = []
        chunk = max(limit * 2, 20)
        while True:
            candidates = _candidate_places(pool, policy, on, as_known_at, start, agency, after, chunk)
            if not candidates:
                return found, None
            for digest, revisions in _revisions_at_places(pool, candidates, on, as_known_at).items():
                after = digest
                place = linked_location_trigger(digest.hex(), revisions, policy, on=on, as_known_at=as_known_at)
                if place is not None:
                    found.append((digest, place))
                    if len(found) == limit:
                        return found, after
            if len(candidates) < chunk:
                return found, None

    @classmethod
    def victim(
        cls, pool: Any, victim_id: UUID, policy: Policy, *, on: date, as_known_at: datetime
    ) -> PotentialTrigger | None:
        """One victim as listed on `on` as known at T (None: not listed)."""
        facts = load_victims_from(pool, cls.schema, [victim_id], as_known_at)
        return decide(victim_id, facts.get(victim_id, _Victim()), policy, on, as_known_at)


def decide(victim_id: UUID, facts: _Victim, policy: Policy, on: date, as_known_at: datetime) -> PotentialTrigger | None:
    """Section 12 for one victim: not listed while an application of theirs is open on `on` as known at T."""
    if facts.has_open_application(on, as_known_at):
        return None
    return potential_trigger(victim_id, facts.revisions(), facts.tellings, policy, on=on, as_known_at=as_known_at)


def trigger_data(trigger: PotentialTrigger) -> dict[str, Any]:
    """What partner tools are told of a victim's change (no complaint of another agency, only its count)."""
    return {
        "victim_id": str(trigger.victim_id),
        "state": trigger.state.value,
        "counted_incidents": trigger.counted_incidents,
        "by_agency": trigger.by_agency,
        "tell_due_date": trigger.tell_due_date.isoformat() if trigger.tell_due_date else None,
        "told_on": trigger.told_on.isoformat() if trigger.told else None,
        "on": trigger.on.isoformat(),
        "policy": {"name": trigger.policy_name, "version": trigger.policy_version},
    }


def message_id(kind: str, subject: UUID | str, where: int | date | str) -> str:
    """A delivery's `webhook-id`: the same for every attempt and every process that finds the same event."""
    return "msg_" + uuid5(NAMESPACE_URL, f"community-trigger:webhook:{kind}:{subject}:{where}").hex


def _threshold_decided(event: CaseReview.ThresholdDecided) -> OutboxMessage:
    assessment = event.assessment or {}
    data = {
        "case_review_id": str(event.originator_id),
        "decision": event.decision.value,
        "decided_on": event.decided_on.isoformat(),
        "grounds": event.grounds.value if event.grounds else None,
        "verdict": assessment.get("verdict"),
    }
    payload = {"type": THRESHOLD_DECIDED, "timestamp": _utc(event.timestamp), "data": data}
    return OutboxMessage(
        message_id=message_id(THRESHOLD_DECIDED, event.originator_id, event.originator_version),
        type=THRESHOLD_DECIDED,
        payload=json.dumps(payload, separators=(",", ":")),
        occurred_at=event.timestamp,
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


_AMENDABLE_HERE = ("incident_date", "reported_date", "caused_had", "category", "incident_ref")


def _copy(facts: _Victim) -> _Victim:
    return _Victim(
        complaints={cid: list(revisions) for cid, revisions in facts.complaints.items()},
        tellings=list(facts.tellings),
        applications={aid: _Application(list(a.revisions)) for aid, a in facts.applications.items()},
    )


# --- writing ---------------------------------------------------------------------------------


@dataclass
class _Batch:
    """A batch's writes, gathered so that each statement is one executemany."""

    complaints: list[tuple[int, ComplaintRevision, UUID]] = field(default_factory=list)
    tellings: list[tuple[Any, ...]] = field(default_factory=list)
    applications: list[tuple[UUID, tuple[Any, ...], Iterable[UUID]]] = field(default_factory=list)
    erased: list[UUID] = field(default_factory=list)

    def write(self, cur: psycopg.Cursor, model: PotentialTriggers) -> None:
        schema = model.schema
        if self.complaints:  # one statement for the batch: column arrays, unnested
            rows = [
                (
                    r.complaint_id,
                    version,
                    r.recorded_at,
                    r.victim_id,
                    r.complainant_id,
                    r.agency,
                    r.incident_date,
                    r.reported_date,
                    r.caused_had,
                    r.category.value,
                    r.source.value,
                    r.incident_ref,
                    r.withdrawn,
                    bytes.fromhex(r.location_key) if r.location_key else None,
                )  # fmt: skip
                for version, r, _ in self.complaints
            ]
            cur.execute(
                f"INSERT INTO {schema}.complaints (complaint_id, version, recorded_at, victim_id, complainant_id,"
                " agency, incident_date, reported_date, caused_had, category, source, incident_ref, withdrawn,"
                " location_digest) SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::timestamptz[], %s::uuid[],"
                " %s::uuid[], %s::text[], %s::date[], %s::date[], %s::boolean[], %s::text[], %s::text[], %s::text[],"
                " %s::boolean[], %s::bytea[]) ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )
        if self.tellings:
            cur.executemany(
                f"INSERT INTO {schema}.tellings (person_id, version, told_on, channel, recorded_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                self.tellings,
            )
        if self.applications:
            cur.executemany(
                f"INSERT INTO {schema}.application_victims (victim_id, application_id) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING",
                [(victim_id, case_id) for case_id, _, new_victims in self.applications for victim_id in new_victims],
            )
            cur.executemany(
                f"UPDATE {schema}.applications SET latest = false WHERE application_id = %s AND latest",
                [(case_id,) for case_id in dict.fromkeys(case_id for case_id, _, _ in self.applications)],
            )
            rows = [
                (case_id, version, recorded_at, received, [c for c, _ in closed], [r for _, r in closed])
                for case_id, (version, recorded_at, received, closed), _ in self.applications
            ]
            last = {row[0]: row[1] for row in rows}
            cur.executemany(
                f"INSERT INTO {schema}.applications (application_id, version, recorded_at, received_date, closed_on,"
                " reopened_on, latest) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(*row, last[row[0]] == row[1]) for row in rows],
            )
        if self.erased:  # after this batch's own rows, so none of theirs stays
            cur.execute(f"DELETE FROM {schema}.complaints WHERE victim_id = ANY(%s)", (self.erased,))
            cur.execute(f"DELETE FROM {schema}.tellings WHERE person_id = ANY(%s)", (self.erased,))


# --- reading the facts -----------------------------------------------------------------------


def load_victims(
    cur: psycopg.Cursor,
    schema: str,
    victim_ids: Sequence[UUID],
    as_known_at: datetime | None = None,
    window: tuple[date, date] | None = None,
) -> dict[UUID, _Victim]:
    """The stored facts of `victim_ids` (recorded by `as_known_at`, when given).

    `window`: only the complaints some revision of which was reported in it (every revision of those): a
    complaint reported outside the window on `on` is never counted, nor makes another a duplicate, so a
    victim of years of reports costs what their last months do.
    """
    known = "AND recorded_at <= %(t)s" if as_known_at is not None else ""
    params: dict[str, Any] = {"ids": list(victim_ids), "t": as_known_at}
    in_window = ""
    if window is not None:
        params["start"], params["end"] = window
        in_window = (
            f"AND complaint_id IN (SELECT w.complaint_id FROM {schema}.complaints AS w WHERE w.victim_id = ANY(%(ids)s)"
            " AND w.reported_date BETWEEN %(start)s AND %(end)s)"
        )
    victims: dict[UUID, _Victim] = {}
    cur.execute(
        f"SELECT * FROM {schema}.complaints WHERE victim_id = ANY(%(ids)s) {known} {in_window}"
        " ORDER BY complaint_id, version",
        params,
        prepare=False,  # the ids differ each time: a generic plan would scan the tables
    )
    for row in cur.fetchall():
        victims.setdefault(row["victim_id"], _Victim()).complaints.setdefault(row["complaint_id"], []).append(
            _revision(row)
        )
    cur.execute(
        f"SELECT person_id, told_on, recorded_at FROM {schema}.tellings WHERE person_id = ANY(%(ids)s) {known}"
        " ORDER BY person_id, version",
        params,
        prepare=False,  # the ids differ each time: a generic plan would scan the tables
    )
    for row in cur.fetchall():
        victims.setdefault(row["person_id"], _Victim()).tellings.append(Telling(row["told_on"], row["recorded_at"]))
    cur.execute(
        f"SELECT v.victim_id, a.application_id, a.version, a.recorded_at, a.received_date, a.closed_on, a.reopened_on"
        f" FROM {schema}.application_victims AS v JOIN {schema}.applications AS a USING (application_id)"
        f" WHERE v.victim_id = ANY(%(ids)s) {known.replace('recorded_at', 'a.recorded_at')}"
        " ORDER BY v.victim_id, a.application_id, a.version",
        params,
        prepare=False,  # the ids differ each time: a generic plan would scan the tables
    )
    for row in cur.fetchall():
        closed = tuple(zip(row["closed_on"], row["reopened_on"], strict=True))
        victims.setdefault(row["victim_id"], _Victim()).applications.setdefault(
            row["application_id"], _Application()
        ).revisions.append((row["version"], row["recorded_at"], row["received_date"], closed))
    return victims


def load_victims_from(
    pool: Any, schema: str, victim_ids: Sequence[UUID], as_known_at: datetime, window: tuple[date, date] | None = None
) -> dict[UUID, _Victim]:
    with pool.connection() as conn, conn.cursor() as cur:
        return load_victims(cur, schema, victim_ids, as_known_at, window)


# An application open on %(on)s as known at %(t)s, for the victim in column `victim`.
OPEN_APPLICATION = """EXISTS (
    SELECT 1 FROM potential_triggers.application_victims AS av
    JOIN LATERAL (
        SELECT a.received_date, a.closed_on, a.reopened_on FROM potential_triggers.applications AS a
        WHERE a.application_id = av.application_id AND a.recorded_at <= %(t)s ORDER BY a.version DESC LIMIT 1
    ) AS a ON true
    WHERE av.victim_id = {victim} AND a.received_date <= %(on)s
      AND NOT EXISTS (
          SELECT 1 FROM unnest(a.closed_on, a.reopened_on) AS p(closed_on, reopened_on)
          WHERE p.closed_on <= %(on)s AND (p.reopened_on IS NULL OR p.reopened_on > %(on)s)
      )
)"""

# Complaint revisions that could count on %(on)s: recorded by T, reported in the window, to a partner,
# with harassment, alarm or distress, not withdrawn. A superset of what counts: the domain decides.
COULD_COUNT = """c.recorded_at <= %(t)s AND c.reported_date BETWEEN %(start)s AND %(on)s
    AND c.caused_had AND NOT c.withdrawn AND c.agency = ANY(%(partners)s)"""


def _candidate_victims(
    pool: Any,
    policy: Policy,
    on: date,
    as_known_at: datetime,
    start: date,
    agency: str | None,
    after: UUID | None,
    limit: int,
) -> list[UUID]:
    conditions = [COULD_COUNT]
    params: dict[str, Any] = {
        "t": as_known_at, "on": on, "start": start, "partners": sorted(policy.partner_agencies), "limit": limit,
        "after": after, "agency": agency,
    }  # fmt: skip
    if after is not None:
        conditions.append("c.victim_id > %(after)s")
    having = ["count(DISTINCT c.complaint_id) >= 2"]
    query = (
        "SELECT c.victim_id FROM potential_triggers.complaints AS c WHERE "
        + " AND ".join(conditions)
        + " GROUP BY c.victim_id HAVING "
        + " AND ".join(having)
    )
    outer = [f"NOT {OPEN_APPLICATION.format(victim='k.victim_id')}"]
    if agency is not None:
        outer.append(
            "EXISTS (SELECT 1 FROM potential_triggers.complaints AS x WHERE x.victim_id = k.victim_id"
            " AND x.agency = %(agency)s AND x.recorded_at <= %(t)s)"
        )
    query = f"SELECT k.victim_id FROM ({query}) AS k WHERE {' AND '.join(outer)} ORDER BY k.victim_id LIMIT %(limit)s"
    with pool.connection() as conn, conn.cursor() as cur:
        return [row["victim_id"] for row in cur.execute(query, params, prepare=False)]


def _candidate_places(
    pool: Any,
    policy: Policy,
    on: date,
    as_known_at: datetime,
    start: date,
    agency: str | None,
    after: bytes | None,
    limit: int,
) -> list[bytes]:
    params: dict[str, Any] = {
        "t": as_known_at, "on": on, "start": start, "partners": sorted(policy.partner_agencies), "limit": limit,
        "after": after, "agency": agency, "needed": policy.group_min_individuals,
    }  # fmt: skip
    conditions = [COULD_COUNT, "c.location_digest IS NOT NULL", "c.complainant_id = c.victim_id"]
    conditions.append(f"NOT {OPEN_APPLICATION.format(victim='c.victim_id')}")
    if after is not None:
        conditions.append("c.location_digest > %(after)s")
    having = "count(DISTINCT c.complaint_id) >= %(needed)s"
    if agency is not None:
        having += " AND bool_or(c.agency = %(agency)s)"
    query = (
        "SELECT c.location_digest FROM potential_triggers.complaints AS c WHERE "
        + " AND ".join(conditions)
        + f" GROUP BY c.location_digest HAVING {having} ORDER BY c.location_digest LIMIT %(limit)s"
    )
    with pool.connection() as conn, conn.cursor() as cur:
        return [bytes(row["location_digest"]) for row in cur.execute(query, params, prepare=False)]


def _revisions_at_places(
    pool: Any, digests: Sequence[bytes], on: date, as_known_at: datetime
) -> dict[bytes, list[ComplaintRevision]]:
    """Every revision (recorded by T) of the complaints at these places whose victims have no application open on `on`."""
    query = (
        "SELECT * FROM potential_triggers.complaints AS c WHERE c.location_digest = ANY(%(digests)s)"
        f" AND c.recorded_at <= %(t)s AND NOT {OPEN_APPLICATION.format(victim='c.victim_id')}"
        " ORDER BY c.location_digest, c.complaint_id, c.version"
    )
    found: dict[bytes, list[ComplaintRevision]] = {bytes(d): [] for d in digests}
    with pool.connection() as conn, conn.cursor() as cur:
        for row in cur.execute(query, {"digests": list(digests), "t": as_known_at, "on": on}, prepare=False):
            found[bytes(row["location_digest"])].append(_revision(row))
    return found
