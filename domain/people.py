"""People and their personal data.

Names, contact details and free text are recorded only here: in a person's own stream, and in
one `PersonalText` stream per piece of free text, each naming the person it belongs to. Case
events (complaints, applications) carry person ids and `TextRef`s, so one person's personal
data can be encrypted with their own key and erased by destroying it, without rewriting any
case history (DESIGN.md, personal data). A text is its own stream so that many writers adding
text about one person at once never contend, and reading one text loads only that text.

An event class that holds personal data says which of its fields are personal
(`personal_fields`), whose data they are (`subject_field`, the field naming the person), and
what they read as once that person is erased (`erased_values`). The event store encrypts those
fields with the person's own key; erasure destroys the key (store/personal_data.py).
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate, require_not_future
from domain.errors import InvalidFact, RuleBroken
from domain.vocabulary import ContactChannel

ERASED = "[erased]"  # what a name or a text reads as once its person is erased


class ErasureReason(StrEnum):
    """Why a person's data was erased: a code, never free text, since the erasure record outlives
    the data and a written reason would be personal data about the very person erased."""

    SUBJECT_REQUEST = "subject_request"  # the person asked (UK GDPR art. 17)
    CONSENT_WITHDRAWN = "consent_withdrawn"  # the person withdrew the consent the data rested on
    RECORDED_IN_ERROR = "recorded_in_error"  # it should never have been recorded
    RETENTION_PERIOD_ENDED = "retention_period_ended"  # kept as long as the policy allows, and no longer


class PersonErased(RuleBroken):
    """The person was erased: nothing more can be recorded about them, nor can they be erased again."""

    def __init__(self, person_id: UUID, message: str | None = None, field: str | None = None) -> None:
        super().__init__(
            message or f"person {person_id} was erased: their personal data is gone and no more can be recorded",
            field=field,
        )
        self.person_id = person_id


@dataclass(frozen=True)
class TextRef:
    """Where a piece of free text lives: a person's stream and the text's id within it."""

    person_id: UUID
    text_id: UUID


@dataclass(frozen=True)
class Contact:
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def to_dict(self) -> dict:
        return {"phone": self.phone, "email": self.email, "address": self.address}


class Person(AuditedAggregate):
    class Registered(AuditedAggregate.Created):
        class_version = 1
        display_name: str
        contact: Contact

        personal_fields = ("display_name", "contact")
        subject_field = "originator_id"

        @staticmethod
        def erased_values() -> dict[str, Any]:
            return {"display_name": ERASED, "contact": Contact()}

        def apply(self, person: "Person") -> None:
            person.display_name = self.display_name
            person.contact = self.contact
            person.erased = False
            person.told_about_case_review = ()

    class Erased(AuditedAggregate.Event):
        """The person's key was destroyed: their name, contact details and texts read as erased from now on."""

        class_version = 1
        reason: ErasureReason

        def apply(self, person: "Person") -> None:
            # Also here, not only through the missing key: a process that still holds the key in
            # its cache for a moment must not show the data either.
            person.erased = True
            person.display_name = ERASED
            person.contact = Contact()

    class ToldAboutCaseReview(AuditedAggregate.Event):
        """The partnership told the person about the ASB case review (RULES.md section 12): a case fact, no personal
        data, so it stays readable after an erasure like the other case facts."""

        class_version = 1
        told_on: date
        channel: ContactChannel

        def apply(self, person: "Person") -> None:
            person.told_about_case_review = (*person.told_about_case_review, self.told_on)

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        display_name: str
        contact: Contact
        erased: bool
        told_about_case_review: tuple[date, ...]  # the days they were told, in the order recorded

    @classmethod
    def register(
        cls, *, display_name: str, contact: Contact, actor: Actor, recorded_at: datetime, id: UUID | None = None
    ) -> "Person":
        if not display_name.strip():
            raise InvalidFact("display_name must not be empty", field="display_name")
        return cls._start(
            cls.Registered,
            id=id,
            recorded_at=recorded_at,
            display_name=display_name.strip(),
            contact=contact,
            actor=actor,
        )

    def erase(self, *, reason: ErasureReason, actor: Actor, recorded_at: datetime) -> None:
        if self.erased:
            raise PersonErased(self.id, f"person {self.id} was already erased")
        self._record(Person.Erased, recorded_at=recorded_at, reason=reason, actor=actor)

    def tell_about_case_review(
        self, *, told_on: date, channel: ContactChannel, actor: Actor, recorded_at: datetime
    ) -> None:
        """Record that the person was told about the case review (RULES.md section 12): by whom is the actor."""
        if self.erased:
            raise PersonErased(
                self.id, f"person {self.id} was erased: nothing more can be recorded about them (RULES.md section 14)"
            )
        require_not_future(told_on, "told_on", recorded_at)
        self._record(Person.ToldAboutCaseReview, recorded_at=recorded_at, told_on=told_on, channel=channel, actor=actor)


class PersonalText(AuditedAggregate):
    """One piece of free text (a description, a reason, an action) that is a person's personal data."""

    class Recorded(AuditedAggregate.Created):
        class_version = 1
        person_id: UUID
        purpose: str
        text: str

        personal_fields = ("text",)
        subject_field = "person_id"  # stays in clear: it names the key

        @staticmethod
        def erased_values() -> dict[str, Any]:
            return {"text": ERASED}

        def apply(self, text: "PersonalText") -> None:
            text.person_id = self.person_id
            text.purpose = self.purpose
            text.text = self.text

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        person_id: UUID
        purpose: str
        text: str

    @classmethod
    def record(cls, *, person_id: UUID, purpose: str, text: str, actor: Actor, recorded_at: datetime) -> "PersonalText":
        return cls._start(
            cls.Recorded, id=None, recorded_at=recorded_at, person_id=person_id, purpose=purpose, text=text, actor=actor
        )

    @property
    def ref(self) -> TextRef:
        return TextRef(person_id=self.person_id, text_id=self.id)
