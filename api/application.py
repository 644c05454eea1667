"""The commands and reads of Community Trigger, bound to the event store.

A thin service layer: each command loads what it needs, asks the aggregates (which enforce the
rules), moves free text into the person's own stream, and saves everything it changed in one
transaction. Concurrent writers to one aggregate conflict on its version; a command without an
expected version is retried on a fresh copy, one with `expected_version` gets `StaleVersion`.

Commands running at the same moment (the API's request threads) are saved together
(`GroupCommit`): one transaction, one table lock and one flush of the write-ahead log for all of
them, each command answered once that transaction has committed. Each command's events are still
all or nothing: a group that fails records nothing, and each of its commands then runs again alone.
"""

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, PersistenceError, Recording
from eventsourcing.utils import get_topic

from api.event_store import RECORDED_TOO_LATE, EventStoreApplication, KnownAtGuard, TimelineRecorder
from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.case_reviews import CaseReview, Recommendation
from domain.complaints import Complaint
from domain.consents import Consent
from domain.errors import DomainError, InvalidFact
from domain.people import Contact, ErasureReason, Person, PersonalText, TextRef
from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    ConsentPurpose,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Role,
    Route,
)

A = TypeVar("A", bound=AuditedAggregate)
T = TypeVar("T")

PERSON_REGISTERED = get_topic(Person.Registered)  # the topic of a person's first event
CONFLICT_RETRIES = 50  # enough for dozens of writers on one application at once


class NotFound(Exception):
    def __init__(self, what: str, id: UUID) -> None:
        super().__init__(f"no {what} with id {id}")
        self.what = what
        self.id = id


class Forbidden(Exception):
    """The caller's role or agency may not do this to this object."""


class StaleVersion(Exception):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"the object is at version {actual}, not {expected}: read it again and retry")
        self.expected = expected
        self.actual = actual


class Conflict(Exception):
    """Another writer kept changing the same object; nothing was recorded."""


class RecordedTooLate(Conflict):
    """A threshold decision recorded what was known at a moment after this change was stamped."""

    def __init__(self) -> None:
        super().__init__(
            "a threshold decision was recorded at the same moment, as known before this change: nothing was"
            " recorded; send it again and it will be recorded as known from now"
        )


@dataclass(frozen=True)
class Written:
    """What every write answers (API.md, Writing)."""

    id: UUID
    version: int
    recorded_at: datetime
    position: int  # the write's place in the event feed, for reading one's own writes
    aggregate: AuditedAggregate


@dataclass(frozen=True)
class RecommendationInput:
    action: str
    agency: str
    due_date: date | None


class GroupFailed(Exception):
    """The group this command was saved with failed as a whole: nothing was recorded; run it again alone."""


@dataclass(eq=False)
class _Waiting:
    aggregates: Sequence[AuditedAggregate]
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # this command's thread saves the next group
    recordings: list[Recording[UUID]] | None = None
    error: BaseException | None = None


class GroupCommit:
    """Saves the commands of concurrent threads together, each thread returning once its own are committed.

    No thread waits on purpose and no thread of its own is kept: the first command to arrive saves
    at once (it leads); commands arriving while a save runs queue up, and when it commits, the
    first of them leads the next save, of all that queued (at most `max_group`). Alone, a command
    is saved exactly as `save` would save it. One save for many commands means one transaction,
    one lock of the events table and one WAL flush for them all, and the read models get them as
    one batch.

    A group whose save fails (a version conflict between two of its commands, a person erased
    meanwhile) records nothing; each of its commands then gets `GroupFailed`, to be run again alone.
    """

    def __init__(self, save: Callable[..., list[Recording[UUID]]], max_group: int = 64) -> None:
        self._save = save
        self.max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def save(self, aggregates: Sequence[AuditedAggregate]) -> list[Recording[UUID]]:
        """Save `aggregates` (one command's) with whatever else is waiting; their recordings once committed."""
        me = _Waiting(aggregates)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.leads = True
        if not me.leads:
            me.done.wait()  # until saved by another thread, or until handed the lead
        if me.leads:
            self._lead()  # saves a group that holds `me`: the lead goes to the first in the queue
        if me.error is not None:
            raise me.error
        assert me.recordings is not None
        return me.recordings

    def _lead(self) -> None:
        with self._lock:
            group = self._queue[: self.max_group]
            del self._queue[: len(group)]
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].done.set()
                else:
                    self._leading = False
            for waiting in group:
                waiting.done.set()

    def _commit(self, group: list[_Waiting]) -> None:
        if len(group) == 1:
            try:
                group[0].recordings = self._save(*group[0].aggregates)
            except BaseException as error:  # handed to the command's own thread
                group[0].error = error
            return
        try:
            recordings = self._save(*(aggregate for waiting in group for aggregate in waiting.aggregates))
        except BaseException as error:  # each command runs again, alone
            for waiting in group:
                waiting.error = GroupFailed(f"{type(error).__name__}: {error}")
            return
        by_aggregate: dict[UUID, list[Recording[UUID]]] = {}
        for recording in recordings:
            by_aggregate.setdefault(recording.domain_event.originator_id, []).append(recording)
        for waiting in group:
            waiting.recordings = [r for a in waiting.aggregates for r in by_aggregate.get(a.id, [])]


class CommunityTrigger(EventStoreApplication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `self.save` looked up at each call: a wrapper put on it later (the metrics' count) still counts.
        self.group_commit = GroupCommit(lambda *aggregates: self.save(*aggregates))

    # --- loading -------------------------------------------------------------------------

    def load(self, cls: type[A], id: UUID, *, what: str, version: int | None = None) -> A:
        try:
            aggregate = self.repository.get(id, version=version)
        except AggregateNotFoundError:
            raise NotFound(what, id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(what, id)
        return aggregate

    def person(self, id: UUID) -> Person:
        return self.load(Person, id, what="person")

    def complaint(self, id: UUID) -> Complaint:
        return self.load(Complaint, id, what="complaint")

    def case_review(self, id: UUID) -> CaseReview:
        return self.load(CaseReview, id, what="case review")

    def consent(self, id: UUID) -> Consent:
        return self.load(Consent, id, what="consent")

    def is_person(self, id: UUID) -> bool:
        """Whether `id` is a registered person, from their first event's topic: nothing is decrypted or decoded."""
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        return recorder.first_topic(id) == PERSON_REGISTERED

    def _referenced_person(self, id: UUID, field: str) -> None:
        """A person named in a body must exist: unknown is invalid input (422 on the field), not a 404."""
        if not self.is_person(id):
            raise InvalidFact(f"no person with id {id}", field=field)

    def resolve_texts(self, refs: list[TextRef | None]) -> dict[TextRef, str | None]:
        """The free text behind each reference (None where it cannot be read)."""
        texts: dict[TextRef, str | None] = {}
        for ref in refs:
            if ref is not None and ref not in texts:
                try:
                    texts[ref] = self.load(PersonalText, ref.text_id, what="text").text
                except NotFound:
                    texts[ref] = None
        return texts

    # --- writing -------------------------------------------------------------------------

    def _write(
        self,
        attempt: Callable[[], tuple[AuditedAggregate, list[AuditedAggregate]]],
        save_kwargs: dict[str, Any] | None = None,
    ) -> Written:
        """Run a command, save what it changed atomically, retry on a concurrent writer's conflict.

        `save_kwargs` (filled in by `attempt`, for the recorder) makes the command save alone.
        """
        alone = save_kwargs is not None
        for attempt_number in range(1, CONFLICT_RETRIES + 1):
            subject, changed = attempt()
            try:
                recordings = self.save(*changed, **(save_kwargs or {})) if alone else self.group_commit.save(changed)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * attempt_number))  # spread the retries of colliding writers
                continue
            except GroupFailed:
                alone = True  # nothing was recorded: run the command again, saved on its own
                continue
            except PersistenceError as error:
                if getattr(error.__cause__, "sqlstate", None) == RECORDED_TOO_LATE:
                    raise RecordedTooLate() from None
                raise
            position = max((r.notification.id for r in recordings), default=0)
            return Written(
                id=subject.id,
                version=subject.version,
                recorded_at=subject.modified_on,
                position=position,
                aggregate=subject,
            )
        raise Conflict("too many concurrent changes to the same records; try again")

    def _change(
        self,
        cls: type[A],
        id: UUID,
        what: str,
        expected_version: int | None,
        change: Callable[[A], list[AuditedAggregate]],
        save_kwargs: dict[str, Any] | None = None,
    ) -> Written:
        """Load an existing aggregate, check If-Match, apply `change` (which returns any other changed aggregates)."""

        def attempt() -> tuple[AuditedAggregate, list[AuditedAggregate]]:
            # On a retry after a conflict, a writer who changed this object itself shows up here as a
            # newer version: a conditional write then gets 412 rather than being applied on top.
            aggregate = self.load(cls, id, what=what)
            if expected_version is not None and aggregate.version != expected_version:
                raise StaleVersion(expected_version, aggregate.version)
            others = change(aggregate)
            return aggregate, [*others, aggregate]

        return self._write(attempt, save_kwargs)

    @staticmethod
    def _text(
        texts: list[AuditedAggregate], person_id: UUID, purpose: str, text: str | None, actor: Actor, now: datetime
    ) -> TextRef | None:
        """Record free text in its own stream, owned by `person_id`; `texts` collects it to be saved."""
        if text is None or not text.strip():
            return None
        record = PersonalText.record(person_id=person_id, purpose=purpose, text=text, actor=actor, recorded_at=now)
        texts.append(record)
        return record.ref

    # --- people --------------------------------------------------------------------------

    def register_person(
        self, *, display_name: str, contact: Contact, actor: Actor, now: datetime, id: UUID | None = None
    ) -> Written:
        return self._write(
            lambda: self._single(
                Person.register(display_name=display_name, contact=contact, actor=actor, recorded_at=now, id=id)
            )
        )

    def erase_person(self, id: UUID, *, reason: ErasureReason, actor: Actor, now: datetime) -> Written:
        """Destroy the person's key and record the erasure (PersonErased, a 409, when already erased)."""

        def change(person: Person) -> list[AuditedAggregate]:
            person.erase(reason=reason, actor=actor, recorded_at=now)
            # Before the event is saved: should saving fail, the data is unreadable all the same,
            # and erasing again records the event.
            self.personal_keys.destroy(id)
            return []

        return self._change(Person, id, "person", None, change)

    @staticmethod
    def _single(aggregate: AuditedAggregate) -> tuple[AuditedAggregate, list[AuditedAggregate]]:
        return aggregate, [aggregate]

    # --- complaints ----------------------------------------------------------------------

    def log_complaint(
        self,
        *,
        victim_id: UUID,
        complainant_id: UUID | None,
        agency: str,
        agency_reference: str | None,
        incident_date: date,
        reported_date: date,
        caused_had: bool,
        category: ComplaintCategory,
        location: str | None,
        description: str | None,
        incident_ref: str | None,
        actor: Actor,
        now: datetime,
        id: UUID | None = None,
    ) -> Written:
        if actor.role is Role.AGENCY and agency != actor.agency:
            raise Forbidden(f"an agency key logs complaints as its own agency ({actor.agency}), not as {agency}")

        def attempt() -> tuple[AuditedAggregate, list[AuditedAggregate]]:
            self._referenced_person(victim_id, "victim_id")
            texts: list[AuditedAggregate] = []
            if complainant_id is not None and complainant_id != victim_id:
                self._referenced_person(complainant_id, "complainant_id")
            complaint = Complaint.log(
                victim_id=victim_id, complainant_id=complainant_id or victim_id, agency=agency,
                agency_reference=agency_reference, incident_date=incident_date, reported_date=reported_date,
                caused_had=caused_had, category=category,
                location=self._text(texts, victim_id, "complaint.location", location, actor, now),
                description=self._text(texts, victim_id, "complaint.description", description, actor, now),
                incident_ref=incident_ref, actor=actor, recorded_at=now, id=id,
            )  # fmt: skip
            return complaint, [*texts, complaint]

        return self._write(attempt)

    def amend_complaint(
        self, id: UUID, *, changes: dict[str, Any], actor: Actor, now: datetime, expected_version: int | None = None
    ) -> Written:
        def change(complaint: Complaint) -> list[AuditedAggregate]:
            self._require_own_agency(actor, complaint, "amends")
            complaint.amend(changes=changes, actor=actor, recorded_at=now)
            return []

        return self._change(Complaint, id, "complaint", expected_version, change)

    def withdraw_complaint(
        self, id: UUID, *, reason: str, actor: Actor, now: datetime, expected_version: int | None = None
    ) -> Written:
        def change(complaint: Complaint) -> list[AuditedAggregate]:
            self._require_own_agency(actor, complaint, "withdraws")
            texts: list[AuditedAggregate] = []
            reason_ref = self._text(texts, complaint.victim_id, "complaint.withdrawal_reason", reason, actor, now)
            complaint.withdraw(reason=reason_ref, actor=actor, recorded_at=now)
            return texts

        return self._change(Complaint, id, "complaint", expected_version, change)

    @staticmethod
    def _require_own_agency(actor: Actor, complaint: Complaint, verb: str) -> None:
        if actor.role is Role.AGENCY and complaint.agency != actor.agency:
            raise Forbidden(f"an agency {verb} only the complaints it logged")

    # --- consents ------------------------------------------------------------------------

    def give_consent(
        self,
        *,
        person_id: UUID,
        application_id: UUID,
        purpose: ConsentPurpose,
        given_on: date,
        actor: Actor,
        now: datetime,
        id: UUID | None = None,
    ) -> Written:
        def attempt() -> tuple[AuditedAggregate, list[AuditedAggregate]]:
            self._referenced_person(person_id, "person_id")
            try:
                application = self.case_review(application_id)
            except NotFound:
                raise InvalidFact(f"no application with id {application_id}", field="application_id") from None
            if person_id not in application.people:
                raise InvalidFact("the person is not named on that application", field="person_id")
            return self._single(
                Consent.give(
                    person_id=person_id,
                    application_id=application_id,
                    purpose=purpose,
                    given_on=given_on,
                    actor=actor,
                    recorded_at=now,
                    id=id,
                )
            )

        return self._write(attempt)

    def withdraw_consent(
        self, id: UUID, *, withdrawn_on: date, actor: Actor, now: datetime, expected_version: int | None = None
    ) -> Written:
        def change(consent: Consent) -> list[AuditedAggregate]:
            consent.withdraw(withdrawn_on=withdrawn_on, actor=actor, recorded_at=now)
            return []

        return self._change(Consent, id, "consent", expected_version, change)

    # --- case reviews --------------------------------------------------------------------

    def request_case_review(
        self,
        *,
        route: Route,
        applicant_id: UUID,
        victim_id: UUID | None,
        member_ids: list[UUID],
        received_date: date,
        channel: Channel,
        dissatisfaction: Dissatisfaction,
        complaint_ids: list[UUID] | None,
        actor: Actor,
        now: datetime,
        id: UUID | None = None,
    ) -> Written:
        def attempt() -> tuple[AuditedAggregate, list[AuditedAggregate]]:
            self._referenced_person(applicant_id, "applicant_id")
            if victim_id is not None:
                self._referenced_person(victim_id, "victim_id")
            for index, member_id in enumerate(member_ids):
                self._referenced_person(member_id, f"member_ids[{index}]")
            for index, complaint_id in enumerate(complaint_ids or []):
                try:
                    self.complaint(complaint_id)
                except NotFound:
                    raise InvalidFact(f"no complaint with id {complaint_id}", field=f"complaint_ids[{index}]") from None
            return self._single(
                CaseReview.request(
                    route=route,
                    applicant_id=applicant_id,
                    victim_id=victim_id,
                    member_ids=member_ids,
                    received_date=received_date,
                    channel=channel,
                    dissatisfaction=dissatisfaction,
                    complaint_ids=complaint_ids,
                    actor=actor,
                    recorded_at=now,
                    id=id,
                )  # fmt: skip
            )

        return self._write(attempt)

    def _change_case(
        self,
        id: UUID,
        expected_version: int | None,
        change: Callable[[CaseReview], list[AuditedAggregate]],
        save_kwargs: dict[str, Any] | None = None,
    ) -> Written:
        return self._change(CaseReview, id, "case review", expected_version, change, save_kwargs)

    def acknowledge(
        self, id: UUID, *, acknowledged_on: date, actor: Actor, now: datetime, expected_version: int | None = None
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            review.acknowledge(acknowledged_on=acknowledged_on, actor=actor, recorded_at=now)
            return []

        return self._change_case(id, expected_version, change)

    def decide_threshold(
        self,
        id: UUID,
        *,
        decision: Decision,
        grounds: DiscretionGrounds | None,
        reason: str | None,
        decided_on: date,
        assess: Callable[[CaseReview], dict[str, Any] | None],
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        """`assess` gives the automatic assessment as known `now`, recorded with the decision.

        The recorder refuses the decision if a fact it relied on commits after it was read (it is
        then read again), and afterwards refuses facts stamped at or before `now` (KnownAtGuard).
        """
        save_kwargs: dict[str, Any] = {}

        def change(review: CaseReview) -> list[AuditedAggregate]:
            subjects = (review.id, *review.victims, *(review.complaint_ids or ()))
            save_kwargs["known_at_guard"] = KnownAtGuard(
                as_known_at=now, read_position=self.recorder.max_notification_id() or 0, subject_ids=subjects
            )
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.decide_threshold(
                decision=decision, grounds=grounds, reason=self._text(texts, review.applicant_id, "decision.reason", reason, actor, now),
                decided_on=decided_on, assessment=assess(review), actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(id, expected_version, change, save_kwargs)

    def share_information(
        self,
        id: UUID,
        *,
        agency: str,
        shared_on: date,
        summary: str | None,
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        if actor.role is Role.AGENCY and agency != actor.agency:
            raise Forbidden("an agency shares information as itself")

        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.share_information(
                agency=agency, shared_on=shared_on, summary=self._text(texts, review.applicant_id, "review.information", summary, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(id, expected_version, change)

    def notify_delay(
        self,
        id: UUID,
        *,
        reason: str,
        new_target_date: date,
        notified_on: date,
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            reason_ref = self._text(texts, review.applicant_id, "delay.reason", reason, actor, now)
            if reason_ref is None:
                raise InvalidFact("a delay notice gives its reason", field="reason")
            review.notify_delay(
                reason=reason_ref,
                new_target_date=new_target_date,
                notified_on=notified_on,
                actor=actor,
                recorded_at=now,
            )
            return texts

        return self._change_case(id, expected_version, change)

    def complete_review(
        self,
        id: UUID,
        *,
        completed_on: date,
        recommendations: list[RecommendationInput],
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            recorded = []
            for index, item in enumerate(recommendations):
                action = self._text(texts, review.applicant_id, "review.recommendation", item.action, actor, now)
                if action is None:
                    raise InvalidFact(
                        "a recommendation says what is to be done", field=f"recommendations[{index}].action"
                    )
                recorded.append(Recommendation(action=action, agency=item.agency, due_date=item.due_date))
            review.complete_review(completed_on=completed_on, recommendations=recorded, actor=actor, recorded_at=now)
            return texts

        return self._change_case(id, expected_version, change)

    def notify_outcome(
        self, id: UUID, *, notified_on: date, actor: Actor, now: datetime, expected_version: int | None = None
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            review.notify_outcome(notified_on=notified_on, actor=actor, recorded_at=now)
            return []

        return self._change_case(id, expected_version, change)

    def request_escalation(
        self,
        id: UUID,
        *,
        escalation_id: UUID,
        requested_on: date,
        reason: str | None,
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.request_escalation(
                escalation_id=escalation_id, requested_on=requested_on,
                reason=self._text(texts, review.applicant_id, "escalation.reason", reason, actor, now), actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(id, expected_version, change)

    def decide_escalation(
        self,
        id: UUID,
        *,
        escalation_id: UUID,
        result: EscalationResult,
        decided_on: date,
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            if escalation_id not in review.escalations:
                raise NotFound("escalation", escalation_id)
            review.decide_escalation(
                escalation_id=escalation_id, result=result, decided_on=decided_on, actor=actor, recorded_at=now
            )
            return []

        return self._change_case(id, expected_version, change)


__all__ = [
    "CommunityTrigger", "Conflict", "DomainError", "Forbidden", "NotFound", "RecommendationInput", "StaleVersion", "Written",
]  # fmt: skip
