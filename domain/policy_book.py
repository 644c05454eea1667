"""A partnership's policy over time: each version published as an event, never edited.

RULES.md section 7: a policy is versioned and has an effective-from date; an application is
assessed under the version in force on its received date. Keeping the versions as events means
an auditor can see which rules were published when, and by whom.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.errors import RuleBroken
from domain.policy import Policy


def policy_book_id(name: str) -> UUID:
    """One book per policy name, found by name without an index."""
    return uuid5(NAMESPACE_URL, f"community-trigger:policy:{name}")


class PolicyBook(AuditedAggregate):
    class Opened(AuditedAggregate.Created):
        class_version = 1
        name: str

        def apply(self, book: "PolicyBook") -> None:
            book.name = self.name
            book.versions = {}

    class VersionPublished(AuditedAggregate.Event):
        class_version = 1
        policy: dict[str, Any]  # Policy.to_dict(): JSON primitives, exactly as published

        def apply(self, book: "PolicyBook") -> None:
            policy = Policy.from_dict(self.policy)
            book.versions[policy.version] = policy

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        name: str
        versions: dict[int, Policy]

    @classmethod
    def open(cls, *, name: str, actor: Actor, recorded_at: datetime) -> "PolicyBook":
        return cls._start(cls.Opened, id=policy_book_id(name), recorded_at=recorded_at, name=name, actor=actor)

    def publish(self, policy: Policy, *, actor: Actor, recorded_at: datetime) -> None:
        if policy.name != self.name:
            raise RuleBroken(f"this is the book of policy {self.name!r}, not {policy.name!r}")
        if policy.version in self.versions:
            raise RuleBroken(
                f"version {policy.version} of {self.name} is already published; versions are never changed"
            )
        if self.versions and policy.version < max(self.versions):
            raise RuleBroken(f"version {policy.version} is older than the latest, {max(self.versions)}")
        self._record(self.VersionPublished, recorded_at=recorded_at, policy=policy.to_dict(), actor=actor)

    @property
    def latest(self) -> Policy | None:
        return self.versions[max(self.versions)] if self.versions else None
