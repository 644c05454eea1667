"""The partnership's policy versions, kept as events in a PolicyBook, and read through a short cache.

Every version is published through `Policies.publish` (the API's POST /v1/policies and the command
line's `policies import` alike), which checks it against the deployment's national floor (RULES.md
section 11), so no version that relaxes the floor is ever recorded.

A version that no rule can be worked out under (an unknown calendar, dates out of range: older code
let such versions be published, or wrote them some other way) is never used: the book sets it aside
(domain/policy_book.py), this logs it once per process, the versions before it stay in force, and
naming it (`named`, a what-if) is invalid input saying why.
"""

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError

from domain.actor import SYSTEM, Actor
from domain.errors import InvalidFact
from domain.national_floor import NationalFloor, require_within_floor
from domain.policy import HAVANT_POLICY, Policy, PolicyError, policy_in_force
from domain.policy_book import PolicyBook, policy_book_id
from store.cache_notices import POLICY, announce
from store.event_store import EventStore

# Another process may publish a version: it announces it (store/cache_notices.py) and this forgets the book at
# once; a book is read again after this long anyway, should a notice be lost.
CACHE_SECONDS = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A version just published, with the version it was derived from and what it changed (API.md v1.1)."""

    policy: Policy
    derived_from: Policy  # the latest version of its policy, or the partnership's default for a new policy
    changed: list[str]  # the parameters that differ from `derived_from` (Policy.changed_from)


class Policies:
    def __init__(
        self,
        store: EventStore,
        name: str = HAVANT_POLICY.name,
        default: Policy = HAVANT_POLICY,
        floor: NationalFloor | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.default = default
        self.floor = floor  # the deployment's national floor (COMMUNITY_TRIGGER_NATIONAL_FLOOR), if it has one
        self._lock = threading.Lock()
        self._books: dict[str, tuple[float, PolicyBook | None, dict[int, datetime]]] = {}
        self._warned: set[tuple[str, int | None, str]] = set()
        self._forgotten = 0  # counts `forget` calls, so a book read while one happens is not kept

    def ensure_default(self, now: datetime) -> None:
        """A new store starts with the partnership's published policy as version 1."""
        if self._book(self.name, fresh=True) is None:
            book = PolicyBook.open(name=self.name, actor=SYSTEM, recorded_at=now)
            book.publish(self.default, actor=SYSTEM, recorded_at=now)
            try:
                self.store.save(book)
            except IntegrityError:
                # Another process starting on the same new store published it first (the book's id is
                # its name's): theirs stands. Anything else is a real failure.
                if self._book(self.name, fresh=True) is None:
                    raise
            self._books.pop(self.name, None)

    def _book(self, name: str, fresh: bool = False) -> PolicyBook | None:
        return self._book_and_publication_times(name, fresh)[0]

    def _book_and_publication_times(
        self, name: str, fresh: bool = False
    ) -> tuple[PolicyBook | None, dict[int, datetime]]:
        """The book, folded from its events, and when each version was recorded (published)."""
        with self._lock:
            cached = self._books.get(name)
            if cached and not fresh and time.monotonic() - cached[0] < CACHE_SECONDS:
                return cached[1], cached[2]
            forgotten = self._forgotten
        book: PolicyBook | None = None
        published: dict[int, datetime] = {}
        for event in self.store.events.get(policy_book_id(name)):
            before = set(book.versions) if book is not None else set()
            book = event.mutate(book)
            for number in set(book.versions) - before:  # none when the version was set aside
                published[number] = event.timestamp
        if book is not None:
            self._warn_unusable(name, book)
        if book is not None:  # a name nobody published is asked again, so names sent in requests are not kept
            with self._lock:
                if forgotten == self._forgotten:  # no newer version was announced while this one was read
                    self._books[name] = (time.monotonic(), book, published)
        return book, published

    def _warn_unusable(self, name: str, book: PolicyBook) -> None:
        for number, why in book.unusable.items():
            if (name, number, why) not in self._warned:
                self._warned.add((name, number, why))
                log.warning(
                    "policy %s version %s is stored but cannot be used, so it is skipped (the versions before it "
                    "stay in force): %s",
                    name, "?" if number is None else number, why,
                )  # fmt: skip

    def forget(self, name: str | None = None) -> None:
        """Drop the cached book of `name` (every book when None): another process published a version."""
        with self._lock:
            self._forgotten += 1
            if name is None:
                self._books.clear()
            else:
                self._books.pop(name, None)

    def versions(self, name: str | None = None, as_known_at: datetime | None = None) -> list[Policy]:
        """Every version of the policy, oldest first; with `as_known_at`, only those published by then.

        RULES.md section 14: an assessment as known at T uses the versions recorded at or before T,
        so a version published later never changes a replay (a what-if names it explicitly).
        """
        book, published = self._book_and_publication_times(name or self.name)
        if book is None:
            return []
        return [
            book.versions[v]
            for v in sorted(book.versions)
            if as_known_at is None or published.get(v, as_known_at) <= as_known_at
        ]

    def in_force(self, on: date, as_known_at: datetime | None = None) -> Policy:
        """The version of the partnership's policy in force on `on` (its received date, for an application),
        among the versions published by `as_known_at` when given."""
        versions = self.versions(as_known_at=as_known_at)
        if not versions:
            return self.default
        try:
            return policy_in_force(versions, on)
        except ValueError:
            return versions[0]  # before the first effective date: the earliest version is the closest rule

    def named(self, reference: str, field: str = "policy") -> Policy:
        """A version by 'NAME@VERSION', for what-if assessments."""
        name, _, version = reference.partition("@")
        if not name or not re.fullmatch(r"[0-9]{1,10}", version):  # ASCII digits: "²".isdigit() too
            raise InvalidFact("name a policy version as NAME@VERSION, for example safer-havant@2", field=field)
        book = self._book(name)
        number = int(version)
        if book is not None and number in book.unusable:
            raise InvalidFact(
                f"policy version {reference} is stored but cannot be used ({book.unusable[number]}); "
                "name another version (GET /v1/policies lists them)",
                field=field,
            )
        if book is None or number not in book.versions:
            raise InvalidFact(f"no policy version {reference}", field=field)
        return book.versions[number]

    def as_recorded(self, name: str, version: int, on: date) -> Policy:
        """The version a read-model row was worked out under; if it cannot be used now (stored by older code and
        set aside since), the version in force on `on`, so that reading the row still works."""
        book = self._book(name)
        if book is not None and version in book.versions:
            return book.versions[version]
        return self.in_force(on)

    def latest(self, name: str) -> Policy | None:
        """The newest version of the policy `name` (None: never published)."""
        book = self._book(name, fresh=True)
        return book.latest if book is not None else None

    def publish(self, params: dict[str, Any], *, actor: Actor, now: datetime) -> Published:
        """Publish a new version; parameters not given are taken from the current version (for a new
        policy, from the partnership's default). A version that breaks a rule or relaxes the national
        floor is refused with `InvalidFact` naming the parameter, and nothing is recorded."""
        name = params.get("name") or self.name
        book = self._book(name, fresh=True)
        base = (book.latest if book is not None else None) or self.default
        try:
            policy = base.with_changes(**params)
            require_within_floor(policy, self.floor)
        except PolicyError as error:
            raise InvalidFact(str(error), field=error.field) from None
        if book is None:
            book = PolicyBook.open(name=name, actor=actor, recorded_at=now)
        book.publish(policy, actor=actor, recorded_at=now)
        self.store.save(book)
        self.forget(name)
        with self.store.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            announce(conn, POLICY, name)  # every other process reads the book again
        return Published(policy=policy, derived_from=base, changed=policy.changed_from(base))

    def names(self) -> list[str]:
        """Every policy with a published version, the partnership's own first, then by name."""
        names = self.store.policy_names()
        return sorted(set(names) | {self.name}, key=lambda n: (n != self.name, n))
