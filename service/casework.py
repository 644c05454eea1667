"""The service layer: each command is handled by load, call, save.

A handler loads the aggregates it needs, asks them to act (they enforce the rules), moves free
text into the person's own stream, and saves everything it changed in one transaction.
Concurrent writers to one aggregate conflict on its version: a command without an expected
version is retried on a fresh copy, one with `expected_version` gets `StaleVersion`.

Commands running at the same moment are saved together (store/group_commit.py): one transaction,
one table lock and one flush of the write-ahead log for all of them.
"""

import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import get_topic

from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.case_reviews import CaseReview, Recommendation
from domain.complaints import Complaint
from domain.consents import Consent
from domain.deadlines import deadlines_for
from domain.errors import InvalidFact
from domain.people import Person, PersonalText, PersonErased, TextRef
from domain.vocabulary import Role
from service import commands as c
from service.authorization import asked_for_information, authorize, require_own_complaint
from service.errors import Conflict, NotFound, RecordedTooLate, StaleVersion
from service.journey import JourneyHandlers
from store.event_store import EventStore
from store.group_commit import GroupCommit, GroupFailed
from store.recorder import ALREADY_RECORDED, RECORDED_TOO_LATE, KnownAtGuard, WriteReceipt, receipts_keyword

if TYPE_CHECKING:
    from service.policies import Policies

A = TypeVar("A", bound=AuditedAggregate)
Change = tuple[AuditedAggregate, list[AuditedAggregate]]  # (the subject of the write, everything to save)

PERSON_REGISTERED = get_topic(Person.Registered)  # the topic of a person's first event
PERSON_ERASED = get_topic(Person.Erased)
CONFLICT_RETRIES = 50  # enough for dozens of writers on one application at once


@dataclass(frozen=True)
class IdempotencyKey:
    """A write sent under an Idempotency-Key by an API key (API.md, Writing)."""

    key_id: str
    idempotency_key: str
    request_digest: bytes  # of the request's method, path and body

    def derived_id(self, kind: str) -> UUID:
        """The id of what the write creates: the same write sent again creates the same id, refused by the store."""
        return uuid5(IDS_UNDER_KEYS, f"{self.key_id}\n{self.idempotency_key}\n{self.request_digest.hex()}\n{kind}")

    def receipt(self, subject: AuditedAggregate) -> WriteReceipt:
        return WriteReceipt(self.key_id, self.idempotency_key, self.request_digest, subject.id, subject.version)


# The key the current request's write is sent under (the API sets it for the request's duration).
WRITE_UNDER_KEY: ContextVar[IdempotencyKey | None] = ContextVar("write_under_key", default=None)
_WRITING_UNDER: ContextVar[IdempotencyKey | None] = ContextVar("writing_under", default=None)
IDS_UNDER_KEYS = UUID("5c0b4c0e-8f3e-4d1a-9a55-6f2c1e0d7b21")  # the namespace of ids derived from keys


def new_id(kind: str) -> UUID:
    """An id for something a write creates inside an aggregate (an escalation, say): derived from the
    Idempotency-Key when the write is sent under one, so that the write run again names the same thing."""
    under_key = WRITE_UNDER_KEY.get()
    return under_key.derived_id(kind) if under_key is not None else uuid4()


@dataclass(frozen=True)
class Written:
    """What every write answers (API.md, Writing)."""

    id: UUID
    version: int
    recorded_at: datetime
    position: int  # the write's place in the event feed, for reading one's own writes
    aggregate: AuditedAggregate


class Casework(JourneyHandlers):
    """Handles the commands of service/commands.py against the event store.

    `assess(review, as_known_at)` gives the automatic threshold assessment a decision records
    (service/assessments.py). `policies` gives the procedure an application is handled under (its
    due dates, time limits and grounds); without it (bulk tools, some tests) those checks are skipped.
    """

    def __init__(
        self,
        store: EventStore,
        assess: Callable[[CaseReview, datetime], dict[str, Any] | None],
        policies: "Policies | None" = None,
    ) -> None:
        self.store = store
        self.assess = assess
        self.policies = policies
        # `store.save` looked up at each call: a wrapper put on it later (the metrics' count) still counts.
        self.group_commit = GroupCommit(lambda *aggregates, **kwargs: self.store.save(*aggregates, **kwargs))
        self._handlers: dict[type, Callable[[Any, Actor, datetime], Written]] = {
            c.RegisterPerson: self._register_person,
            c.ErasePerson: self._erase_person,
            c.TellAboutCaseReview: self._tell_about_case_review,
            c.LogComplaint: self._log_complaint,
            c.AmendComplaint: self._amend_complaint,
            c.WithdrawComplaint: self._withdraw_complaint,
            c.GiveConsent: self._give_consent,
            c.WithdrawConsent: self._withdraw_consent,
            c.RequestCaseReview: self._request_case_review,
            c.Acknowledge: self._acknowledge,
            c.DecideThreshold: self._decide_threshold,
            c.ShareInformation: self._share_information,
            c.NotifyDelay: self._notify_delay,
            c.CompleteReview: self._complete_review,
            c.NotifyOutcome: self._notify_outcome,
            c.RequestEscalation: self._request_escalation,
            c.DecideEscalation: self._decide_escalation,
            **self.journey_handlers(),  # RULES.md section 13 (service/journey.py)
        }

    def handle(
        self, command: c.Command, *, actor: Actor, now: datetime, under_key: IdempotencyKey | None = None
    ) -> Written:
        """Authorize the command, run it and save what it changed; what every write answers.

        `under_key` (default: WRITE_UNDER_KEY, set by the API for a request with an Idempotency-Key)
        makes the write exactly once: a new object's id derives from the key, and a receipt kept with
        the events refuses the same write run again, which is then answered from the receipt.
        """
        authorize(command, actor)
        under_key = under_key or WRITE_UNDER_KEY.get()
        if under_key is not None and getattr(command, "id", False) is None:
            command = replace(command, id=under_key.derived_id(type(command).__name__))  # type: ignore[arg-type]
        token = _WRITING_UNDER.set(under_key)
        try:
            return self._handlers[type(command)](command, actor, now)
        finally:
            _WRITING_UNDER.reset(token)

    # --- loading -------------------------------------------------------------------------

    def load(self, cls: type[A], id: UUID, *, what: str, version: int | None = None) -> A:
        try:
            aggregate = self.store.repository.get(id, version=version)
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

    def person_state(self, id: UUID) -> tuple[bool, bool]:
        """(whether `id` is a registered person, whether they were erased), from the topics of their first
        event and of any erasure: one indexed lookup, nothing decrypted or decoded."""
        first, erased = self.store.recorder.first_topic_and_whether(id, PERSON_ERASED)  # type: ignore[attr-defined]
        return first == PERSON_REGISTERED, erased

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

    def _referenced_person(self, id: UUID, field: str) -> None:
        """A person named in a body must exist (unknown is invalid input: 422 on the field, not a 404), and
        must not have been erased: nothing more may be recorded about them (RULES.md section 14: 409 on the field).

        From the topics of their first event and of any erasure, so nothing is decrypted or decoded.
        """
        registered, erased = self.person_state(id)
        if not registered:
            raise InvalidFact(f"no person with id {id}", field=field)
        if erased:
            raise PersonErased(
                id, f"person {id} was erased: nothing more can be recorded about them (RULES.md section 14)", field
            )

    # --- writing -------------------------------------------------------------------------

    def _write(self, attempt: Callable[[], Change], save_kwargs: dict[str, Any] | None = None) -> Written:
        """Run a command, save what it changed atomically, retry on a concurrent writer's conflict.

        `save_kwargs` (filled in by `attempt`, for the recorder) makes the command save alone.
        """
        alone = save_kwargs is not None
        under_key = _WRITING_UNDER.get()
        for attempt_number in range(1, CONFLICT_RETRIES + 1):
            subject, changed = attempt()
            receipts = [under_key.receipt(subject)] if under_key is not None else []
            try:
                if alone:
                    recordings = self.store.save(*changed, **(save_kwargs or {}), **receipts_keyword(receipts))
                else:
                    recordings = self.group_commit.save(changed, receipts)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * attempt_number))  # spread the retries of colliding writers
                continue
            except GroupFailed:
                alone = True  # nothing was recorded: run the command again, saved on its own
                continue
            except PersistenceError as error:
                sqlstate = getattr(error.__cause__, "sqlstate", None)
                if sqlstate == RECORDED_TOO_LATE:
                    raise RecordedTooLate() from None
                if sqlstate == ALREADY_RECORDED and under_key is not None:
                    return self._written_before(under_key)
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

    def _written_before(self, under_key: IdempotencyKey) -> Written:
        """What the write first made under this key answered: its object, at the version it wrote."""
        found = self.store.recorder.receipt(  # type: ignore[attr-defined]
            under_key.key_id, under_key.idempotency_key, under_key.request_digest
        )
        if found is None:  # purged between the refusal and now: a day later; the key is expired too
            raise Conflict("this Idempotency-Key was used for a write long ago; send the write with a new key")
        subject_id, version, position = found
        subject = self.store.repository.get(subject_id, version=version)
        return Written(
            id=subject.id, version=subject.version, recorded_at=subject.modified_on, position=position,
            aggregate=subject,
        )  # fmt: skip

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

        def attempt() -> Change:
            # On a retry after a conflict, a writer who changed this object itself shows up here as a
            # newer version: a conditional write then gets 412 rather than being applied on top.
            aggregate = self.load(cls, id, what=what)
            if expected_version is not None and aggregate.version != expected_version:
                raise StaleVersion(expected_version, aggregate.version)
            others = change(aggregate)
            return aggregate, [*others, aggregate]

        return self._write(attempt, save_kwargs)

    def _change_case(
        self,
        command: Any,
        change: Callable[[CaseReview], list[AuditedAggregate]],
        save_kwargs: dict[str, Any] | None = None,
    ) -> Written:
        return self._change(
            CaseReview, command.case_review_id, "case review", command.expected_version, change, save_kwargs
        )

    def _review_due_date(self, review: CaseReview) -> date | None:
        """The review's due date under the policy in force on its received date (RULES.md 7, 8)."""
        if self.policies is None:
            return None
        return deadlines_for(self.policies.in_force(review.received_date), review.received_date).review

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

    @staticmethod
    def _single(aggregate: AuditedAggregate) -> Change:
        return aggregate, [aggregate]

    # --- people --------------------------------------------------------------------------

    def _register_person(self, command: c.RegisterPerson, actor: Actor, now: datetime) -> Written:
        return self._write(
            lambda: self._single(
                Person.register(
                    display_name=command.display_name,
                    contact=command.contact,
                    actor=actor,
                    recorded_at=now,
                    id=command.id,
                )  # fmt: skip
            )
        )

    def _erase_person(self, command: c.ErasePerson, actor: Actor, now: datetime) -> Written:
        """Destroy the person's key and record the erasure (PersonErased, a 409, when already erased)."""

        def change(person: Person) -> list[AuditedAggregate]:
            person.erase(reason=command.reason, actor=actor, recorded_at=now)
            # Before the event is saved: should saving fail, the data is unreadable all the same,
            # and erasing again records the event.
            self.store.personal_keys.destroy(command.person_id)
            return []

        return self._change(Person, command.person_id, "person", None, change)

    def _tell_about_case_review(self, command: c.TellAboutCaseReview, actor: Actor, now: datetime) -> Written:
        """RULES.md section 12: an event on the person told, so an erased person refuses it (409) by themselves,
        and their tellings are read with them; it holds no personal data, so it outlives an erasure as a fact."""

        def change(person: Person) -> list[AuditedAggregate]:
            person.tell_about_case_review(
                told_on=command.told_on, channel=command.channel, actor=actor, recorded_at=now
            )
            return []

        return self._change(Person, command.person_id, "person", None, change)

    # --- complaints ----------------------------------------------------------------------

    def _log_complaint(self, command: c.LogComplaint, actor: Actor, now: datetime) -> Written:
        victim_id = command.victim_id

        def attempt() -> Change:
            self._referenced_person(victim_id, "victim_id")
            texts: list[AuditedAggregate] = []
            if command.complainant_id is not None and command.complainant_id != victim_id:
                self._referenced_person(command.complainant_id, "complainant_id")
            complaint = Complaint.log(
                victim_id=victim_id, complainant_id=command.complainant_id or victim_id, agency=command.agency,
                agency_reference=command.agency_reference, incident_date=command.incident_date,
                reported_date=command.reported_date, caused_had=command.caused_had, category=command.category,
                location=self._text(texts, victim_id, "complaint.location", command.location, actor, now),
                description=self._text(texts, victim_id, "complaint.description", command.description, actor, now),
                incident_ref=command.incident_ref, actor=actor, recorded_at=now, id=command.id,
                source=command.source, location_key=command.location_key,
            )  # fmt: skip
            return complaint, [*texts, complaint]

        return self._write(attempt)

    def _amend_complaint(self, command: c.AmendComplaint, actor: Actor, now: datetime) -> Written:
        def change(complaint: Complaint) -> list[AuditedAggregate]:
            require_own_complaint(actor, complaint, "amends")
            complaint.amend(changes=command.changes, actor=actor, recorded_at=now)
            return []

        return self._change(Complaint, command.complaint_id, "complaint", command.expected_version, change)

    def _withdraw_complaint(self, command: c.WithdrawComplaint, actor: Actor, now: datetime) -> Written:
        def change(complaint: Complaint) -> list[AuditedAggregate]:
            require_own_complaint(actor, complaint, "withdraws")
            texts: list[AuditedAggregate] = []
            reason = self._text(texts, complaint.victim_id, "complaint.withdrawal_reason", command.reason, actor, now)
            complaint.withdraw(reason=reason, actor=actor, recorded_at=now)
            return texts

        return self._change(Complaint, command.complaint_id, "complaint", command.expected_version, change)

    # --- consents ------------------------------------------------------------------------

    def _give_consent(self, command: c.GiveConsent, actor: Actor, now: datetime) -> Written:
        def attempt() -> Change:
            self._referenced_person(command.person_id, "person_id")
            try:
                application = self.case_review(command.application_id)
            except NotFound:
                raise InvalidFact(f"no application with id {command.application_id}", field="application_id") from None
            if command.person_id not in application.people:
                raise InvalidFact("the person is not named on that application", field="person_id")
            return self._single(
                Consent.give(
                    person_id=command.person_id,
                    application_id=command.application_id,
                    purpose=command.purpose,
                    given_on=command.given_on,
                    actor=actor,
                    recorded_at=now,
                    id=command.id,
                )  # fmt: skip
            )

        return self._write(attempt)

    def _withdraw_consent(self, command: c.WithdrawConsent, actor: Actor, now: datetime) -> Written:
        def change(consent: Consent) -> list[AuditedAggregate]:
            consent.withdraw(withdrawn_on=command.withdrawn_on, actor=actor, recorded_at=now)
            return []

        return self._change(Consent, command.consent_id, "consent", command.expected_version, change)

    # --- case reviews --------------------------------------------------------------------

    def _request_case_review(self, command: c.RequestCaseReview, actor: Actor, now: datetime) -> Written:
        def attempt() -> Change:
            self._referenced_person(command.applicant_id, "applicant_id")
            if command.victim_id is not None and command.victim_id != command.applicant_id:
                self._referenced_person(command.victim_id, "victim_id")
            for index, member_id in enumerate(command.member_ids):
                self._referenced_person(member_id, f"member_ids[{index}]")
            for index, complaint_id in enumerate(command.complaint_ids or []):
                try:
                    self.complaint(complaint_id)
                except NotFound:
                    raise InvalidFact(f"no complaint with id {complaint_id}", field=f"complaint_ids[{index}]") from None
            return self._single(
                CaseReview.request(
                    route=command.route,
                    applicant_id=command.applicant_id,
                    victim_id=command.victim_id,
                    member_ids=list(command.member_ids),
                    received_date=command.received_date,
                    channel=command.channel,
                    dissatisfaction=command.dissatisfaction,
                    complaint_ids=None if command.complaint_ids is None else list(command.complaint_ids),
                    actor=actor,
                    recorded_at=now,
                    id=command.id,
                )  # fmt: skip
            )

        return self._write(attempt)

    def _acknowledge(self, command: c.Acknowledge, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            review.acknowledge(acknowledged_on=command.acknowledged_on, actor=actor, recorded_at=now)
            return []

        return self._change_case(command, change)

    def _decide_threshold(self, command: c.DecideThreshold, actor: Actor, now: datetime) -> Written:
        """The decision records the automatic assessment as known `now`.

        The recorder refuses the decision if a fact it relied on commits after it was read (it is
        then read again), and afterwards refuses facts stamped at or before `now` (KnownAtGuard).
        """
        save_kwargs: dict[str, Any] = {}

        def change(review: CaseReview) -> list[AuditedAggregate]:
            subjects = (review.id, *review.victims, *(review.complaint_ids or ()))
            save_kwargs["known_at_guard"] = KnownAtGuard(
                as_known_at=now, read_position=self.store.recorder.max_notification_id() or 0, subject_ids=subjects
            )
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.decide_threshold(
                decision=command.decision, grounds=command.grounds,
                reason=self._text(texts, review.applicant_id, "decision.reason", command.reason, actor, now),
                decided_on=command.decided_on, assessment=self.assess(review, now), actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change, save_kwargs)

    def _share_information(self, command: c.ShareInformation, actor: Actor, now: datetime) -> Written:
        agency = command.agency or actor.agency
        if agency is None:
            raise InvalidFact("name the agency sharing the information (an agency's own key need not)", field="agency")

        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.share_information(
                agency=agency, shared_on=command.shared_on,
                summary=self._text(texts, review.applicant_id, "review.information", command.summary, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        if actor.role is Role.AGENCY and not asked_for_information(actor, self.case_review(command.case_review_id)):
            raise NotFound("case review", command.case_review_id)  # as for no such review: it learns nothing
        return self._change_case(command, change)

    def _notify_delay(self, command: c.NotifyDelay, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            reason = self._text(texts, review.applicant_id, "delay.reason", command.reason, actor, now)
            if reason is None:
                raise InvalidFact("a delay notice gives its reason", field="reason")
            review.notify_delay(
                reason=reason, new_target_date=command.new_target_date, notified_on=command.notified_on,
                actor=actor, recorded_at=now, review_due_date=self._review_due_date(review),
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _complete_review(self, command: c.CompleteReview, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            recorded = []
            for index, item in enumerate(command.recommendations):
                action = self._text(texts, review.applicant_id, "review.recommendation", item.action, actor, now)
                if action is None:
                    raise InvalidFact(
                        "a recommendation says what is to be done", field=f"recommendations[{index}].action"
                    )
                recorded.append(Recommendation(action=action, agency=item.agency, due_date=item.due_date))
            review.complete_review(
                completed_on=command.completed_on, recommendations=recorded, actor=actor, recorded_at=now
            )
            return texts

        return self._change_case(command, change)

    def _notify_outcome(self, command: c.NotifyOutcome, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            review.notify_outcome(notified_on=command.notified_on, actor=actor, recorded_at=now)
            return []

        return self._change_case(command, change)

    def _request_escalation(self, command: c.RequestEscalation, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # free text about an application is the applicant's
            review.request_escalation(
                escalation_id=command.escalation_id, requested_on=command.requested_on,
                reason=self._text(texts, review.applicant_id, "escalation.reason", command.reason, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _decide_escalation(self, command: c.DecideEscalation, actor: Actor, now: datetime) -> Written:
        def change(review: CaseReview) -> list[AuditedAggregate]:
            if command.escalation_id not in review.escalations:
                raise NotFound("escalation", command.escalation_id)
            review.decide_escalation(
                escalation_id=command.escalation_id, result=command.result, decided_on=command.decided_on,
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return []

        return self._change_case(command, change)
