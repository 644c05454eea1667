"""A partnership's policy over time: each version published as an event, never edited.

RULES.md section 7: a policy is versioned and has an effective-from date; an application is
assessed under the version in force on its received date. Keeping the versions as events means
an auditor can see which rules were published when, and by whom.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.errors import RuleBroken
from domain.policy import Policy, PolicyError

# Section 7's stage parameters (v1) in lifecycle order, each a stage counted in working days from received.
_V1_STAGES = (
    ("acknowledge_working_days", "acknowledged"),
    ("threshold_decision_working_days", "threshold_decided"),
    ("review_due_working_days", "review_completed"),
    ("outcome_letter_working_days", "outcome_notified"),
)


def policy_dict_v1_to_v2(v1: dict[str, Any]) -> dict[str, Any]:
    """A policy as v1 stored it (section 7's parameters) in v2's shape (section 11's, plus section 7's names).

    What v1 could not say takes the value that decides as v1 did (`last_incident_in_window` true, no
    category thresholds, no excluded sources, the `individuals` group rule) or, for the promises of
    sections 12 and 13 that v1 did not have, Havant's.
    """
    v2 = dict(v1)
    v2["group_rule"] = "individuals"
    v2["reporting_window"] = {"months": v1.get("reporting_window_months", 1)}
    v2["lookback"] = {"months": v1.get("lookback_months", 6)}
    v2["last_incident_in_window"] = True
    v2["category_thresholds"] = {}
    v2["excluded_sources"] = []
    v2["stages"] = []
    for old, name in _V1_STAGES:
        days = v1.get(old, 20 if name == "review_completed" else None)  # v1 always wrote every key; defaults as v1's
        if days is not None:
            v2["stages"].append({"name": name, "days": days, "day_kind": "working", "from": "received"})
    v2["tell_within_working_days"] = 10
    v2["update_every_working_days"] = 10
    v2["pcc_request_within_working_days"] = 20
    v2["pcc_review_grounds"] = ["threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate"]
    return v2


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
            book.unusable = {}

    class VersionPublished(AuditedAggregate.Event):
        class_version = 2
        policy: dict[str, Any]  # Policy.to_dict(): JSON primitives, exactly as published

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A version published under RULES.md section 7 in section 11's shape, deciding exactly as it did.

            Plain dict work, independent of `Policy`, so that what it reads stays what v1 wrote. Anything
            but an object is left as it is, for `apply` to set aside.
            """
            if isinstance(state.get("policy"), Mapping):
                state["policy"] = policy_dict_v1_to_v2(dict(state["policy"]))

        def apply(self, book: "PolicyBook") -> None:
            """As published: a version from before a publication rule existed still reads. One that no rule
            could be worked out under (unreadable, a calendar `holidays` cannot supply, dates out of range:
            as older code could store) is set aside in `unusable`, so it never reaches a due date or an
            assessment; the versions before it stay in force."""
            number = self.policy.get("version") if isinstance(self.policy, Mapping) else None
            number = number if isinstance(number, int) and not isinstance(number, bool) else None
            try:
                policy = Policy.from_stored(self.policy)
                policy.check_usable()
            except PolicyError as error:
                book.unusable[number] = f"{error.field}: {error.message}"
                return
            except (ValueError, TypeError, LookupError, AttributeError, ArithmeticError) as error:
                book.unusable[number] = f"policy: not a policy this code can read ({type(error).__name__}: {error})"
                return
            book.versions[policy.version] = policy

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        name: str
        versions: dict[int, Policy]  # the usable versions, by number
        unusable: dict[int | None, str]  # versions set aside, by number (None: unreadable), with why

    @classmethod
    def open(cls, *, name: str, actor: Actor, recorded_at: datetime) -> "PolicyBook":
        return cls._start(cls.Opened, id=policy_book_id(name), recorded_at=recorded_at, name=name, actor=actor)

    def publish(self, policy: Policy, *, actor: Actor, recorded_at: datetime) -> None:
        if policy.name != self.name:
            raise RuleBroken(f"this is the book of policy {self.name!r}, not {policy.name!r}")
        published = {*self.versions, *(number for number in self.unusable if number is not None)}
        if policy.version in published:
            raise RuleBroken(
                f"version {policy.version} of {self.name} is already published; versions are never changed"
            )
        if published and policy.version < max(published):
            raise RuleBroken(f"version {policy.version} is older than the latest, {max(published)}")
        self._record(self.VersionPublished, recorded_at=recorded_at, policy=policy.to_dict(), actor=actor)

    @property
    def latest(self) -> Policy | None:
        return self.versions[max(self.versions)] if self.versions else None
