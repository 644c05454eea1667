"""Assessing an application as known at a moment: gather the facts by index, then ask the pure rules.

Which facts existed at T is found through the recorded-time index (`event_timeline`) and the
fact links (`fact_links`), never by scanning the store; the events found are folded into one
revision per event, each carrying its recorded time, and `domain.eligibility.assess` decides.

One query finds which versions of which facts were recorded by T. Each version's revision (the
fact as it stood from that event on) never changes, since events never change, so revisions are
kept in a bounded in-memory cache keyed by (fact id, version); only the facts with a version not
held are read and decoded. A revision holds no personal data (ids, agency, dates, flags, codes and
the incident reference, all stored in clear; the free texts are not in it, not even by reference),
so erasing a person leaves nothing of theirs in the cache. A complaint's `location_key` is the
victim's personal data: a revision holds a keyed digest of it instead (`location_digest`), under a
key made at random when the process starts and never stored, which is all a linked location needs
(equal places have equal digests); an assessment that compares places leaves out those of erased
victims (`Assessor.assess`).
"""

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.consents import Consent
from domain.eligibility import ApplicationFacts, Assessment, ComplaintRevision, ConsentRevision, assess
from domain.errors import InvalidFact
from domain.policy import Policy
from domain.vocabulary import GroupRule, Route
from service.errors import NotFound
from service.policies import Policies
from store.event_store import EventStore


def application_facts(review: CaseReview) -> ApplicationFacts:
    return ApplicationFacts(
        application_id=review.id,
        route=review.route,
        applicant_id=review.applicant_id,
        victim_id=review.victim_id,
        member_ids=tuple(review.member_ids),
        received_date=review.received_date,
        complaint_ids=review.complaint_ids,
    )


Revision = ComplaintRevision | ConsentRevision

# Never stored or sent anywhere: digests made with it mean something only inside this process.
_LOCATION_DIGEST_KEY = secrets.token_bytes(32)


def location_digest(location_key: str | None) -> str | None:
    """A complaint's place as revisions hold it: HMAC-SHA256 under this process's own random key.

    Equal keys give equal digests, which is all the linked-location rule (RULES.md section 11) asks;
    the place itself (the victim's personal data) is neither kept nor recoverable from it.
    """
    if location_key is None:
        return None
    return hmac.new(_LOCATION_DIGEST_KEY, location_key.encode(), hashlib.sha256).hexdigest()


def revision(aggregate: Any, event: Any) -> Revision | None:
    """The fact as it stood once `event` was applied to give `aggregate` (None: not a complaint or consent)."""
    if isinstance(aggregate, Complaint):
        return ComplaintRevision(
            complaint_id=aggregate.id,
            recorded_at=event.timestamp,
            victim_id=aggregate.victim_id,
            complainant_id=aggregate.complainant_id,
            agency=aggregate.agency,
            incident_date=aggregate.incident_date,
            reported_date=aggregate.reported_date,
            caused_had=aggregate.caused_had,
            incident_ref=aggregate.incident_ref,
            withdrawn=aggregate.withdrawn,
            category=aggregate.category,
            source=aggregate.source,
            location_key=location_digest(aggregate.location_key),
        )  # fmt: skip
    if isinstance(aggregate, Consent):
        return ConsentRevision(
            consent_id=aggregate.id,
            recorded_at=event.timestamp,
            person_id=aggregate.person_id,
            application_id=aggregate.application_id,
            purpose=aggregate.purpose,
            given_on=aggregate.given_on,
            withdrawn=aggregate.withdrawn,
        )  # fmt: skip
    return None


def folded(events: Iterable[Any]) -> Iterable[tuple[Any, Revision | None]]:
    """Fold each aggregate's events in order: (event, the revision in force from its recorded time)."""
    current: dict[UUID, Any] = {}
    for event in events:
        aggregate = event.mutate(current.get(event.originator_id))
        current[event.originator_id] = aggregate
        yield event, revision(aggregate, event)


def split(found: Iterable[Revision | None]) -> tuple[list[ComplaintRevision], list[ConsentRevision]]:
    complaints: list[ComplaintRevision] = []
    consents: list[ConsentRevision] = []
    for r in found:
        if type(r) is ComplaintRevision:
            complaints.append(r)
        elif type(r) is ConsentRevision:
            consents.append(r)
    return complaints, consents


def revisions(events: Iterable[Any]) -> tuple[list[ComplaintRevision], list[ConsentRevision]]:
    """Fold each aggregate's events in order; every event gives the revision in force from its recorded time."""
    return split(r for _, r in folded(events))


NOT_HELD = object()


class RevisionCache:
    """The revision each (fact id, version) gives, most recently used kept, at most `max_size` of them.

    Safe to share between threads. An entry never goes stale: an event, once recorded, never
    changes, and a version is only ever seen here once it is committed. A hit returns the very
    revision object cached (they are frozen), so an assessment served from the cache allocates
    almost nothing. Measured on the benchmark's store, an entry takes about 800 bytes and four
    objects the garbage collector tracks (the revision and its ids): full at the default size, the
    cache holds about 16 MB and adds about 80,000 objects to what a full collection visits (a
    process starts with about 70,000). 20,000 revisions are the facts of about a hundred
    applications with 200 complaints each, or of a thousand with 20.
    """

    def __init__(self, max_size: int = 20_000) -> None:
        self.max_size = max_size
        # Keyed by the id's integer, so that the key tuples hold no object the collector tracks.
        self._entries: OrderedDict[tuple[int, int], Revision | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Sequence[tuple[UUID, int]]) -> list[Any]:
        """The revision held for each (fact id, version), or NOT_HELD."""
        entries = self._entries
        int_keys = [(id.int, version) for id, version in keys]
        with self._lock:
            found = [entries.get(key, NOT_HELD) for key in int_keys]
            for key, value in zip(int_keys, found, strict=True):
                if value is not NOT_HELD:
                    entries.move_to_end(key)
        held = sum(1 for value in found if value is not NOT_HELD)
        self.hits += held
        self.misses += len(keys) - held
        return found

    def put_many(self, items: Iterable[tuple[tuple[UUID, int], Revision | None]]) -> None:
        entries = self._entries
        with self._lock:
            for (id, version), value in items:
                key = (id.int, version)
                entries[key] = value
                entries.move_to_end(key)
            while len(entries) > self.max_size:
                entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class Assessor:
    def __init__(self, store: EventStore, policies: Policies, cache: RevisionCache | None = None) -> None:
        self.store = store
        self.policies = policies
        self.cache = cache if cache is not None else RevisionCache()

    def case_review_as_known_at(self, review_id: UUID, as_known_at: datetime) -> CaseReview:
        # Its events recorded by then, in one indexed query (the same events `repository.get` at the
        # version recorded by then would read: recorded times never go back within an aggregate).
        review = None
        for event in self.store.events_as_known_at([review_id], as_known_at):
            review = event.mutate(review)
        if review is None:
            if self.store.versions_at([review_id], datetime.max.replace(tzinfo=as_known_at.tzinfo)):
                raise InvalidFact(
                    f"the application was not yet recorded at {as_known_at.isoformat()}", field="as_known_at"
                )
            raise NotFound("case review", review_id)
        if not isinstance(review, CaseReview):
            raise NotFound("case review", review_id)
        return review

    def policy_for(
        self, review: CaseReview, reference: str | None = None, as_known_at: datetime | None = None
    ) -> Policy:
        """`reference` (NAME@VERSION) when named, else the version in force on the received date, as known at the time."""
        if reference:
            return self.policies.named(reference)
        return self.policies.in_force(review.received_date, as_known_at)

    def relied_on(self, review: CaseReview, as_known_at: datetime) -> tuple[list[UUID], list[UUID]]:
        """The complaints (named ones, else all of its victims') and consents an application may rely on."""
        if review.complaint_ids is not None:
            complaint_ids = list(review.complaint_ids)
        else:
            complaint_ids = self.store.linked_facts(review.victims, as_known_at)
        return complaint_ids, self.store.linked_facts([review.id], as_known_at)

    def revisions_relied_on(
        self, review: CaseReview, as_known_at: datetime
    ) -> tuple[list[ComplaintRevision], list[ConsentRevision]]:
        """Every revision, recorded by then, of the facts `relied_on` gives: one query, then the cache.

        The same revisions, in the same order (fact id, then version), as folding
        `events_as_known_at(complaints + consents)`; only the facts with a version not cached are read.
        """
        if review.complaint_ids is not None:
            subjects, named = [review.id], list(review.complaint_ids)
        else:
            subjects, named = [*review.victims, review.id], []
        keys = self.store.fact_versions_as_known_at(subjects, named, as_known_at)
        found = self.cache.get_many(keys)
        missing = list(dict.fromkeys(key[0] for key, value in zip(keys, found, strict=True) if value is NOT_HELD))
        if missing:
            made = {
                (event.originator_id, event.originator_version): r
                for event, r in folded(self.store.events_as_known_at(missing, as_known_at))
            }
            self.cache.put_many(made.items())
            found = [made[key] if value is NOT_HELD else value for key, value in zip(keys, found, strict=True)]
        return split(found)

    def assess(self, review: CaseReview, as_known_at: datetime, policy: Policy | None = None) -> Assessment:
        """The automatic assessment of `review` under `policy` (default: in force on its received date)."""
        complaints, consents = self.revisions_relied_on(review, as_known_at)
        policy = policy or self.policy_for(review, as_known_at=as_known_at)
        if policy.group_rule is GroupRule.LINKED_LOCATION and review.route is Route.GROUP:
            complaints = self.without_erased_places(complaints)
        return assess(application_facts(review), complaints, consents, policy, as_known_at)

    def without_erased_places(self, complaints: list[ComplaintRevision]) -> list[ComplaintRevision]:
        """The revisions with the places of erased victims taken out: a cached revision keeps the digest
        it was made with, and an erased victim's place must match nothing any more.

        Whether a victim was erased comes from their key (store/personal_keys.py): at once after an
        erasure in this process, within the key cache's minute after one in another (README).
        """
        keys = self.store.personal_keys
        erased: dict[UUID, bool] = {}
        kept = []
        for r in complaints:
            if r.location_key is not None:
                if r.victim_id not in erased:
                    erased[r.victim_id] = keys.get(r.victim_id) is None
                if erased[r.victim_id]:
                    r = replace(r, location_key=None)
            kept.append(r)
        return kept
