"""People and their personal data.

Names, contact details and free text are recorded only here: in a person's own stream, and in
one `PersonalText` stream per piece of free text, each naming the person it belongs to. Case
events (complaints, applications) carry person ids and `TextRef`s, so one person's personal
data can be encrypted with their own key and erased by destroying it, without rewriting any
case history (DESIGN.md, personal data). A text is its own stream so that many writers adding
text about one person at once never contend, and reading one text loads only that text.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.errors import InvalidFact


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

        def apply(self, person: "Person") -> None:
            person.display_name = self.display_name
            person.contact = self.contact

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        display_name: str
        contact: Contact

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


class PersonalText(AuditedAggregate):
    """One piece of free text (a description, a reason, an action) that is a person's personal data."""

    class Recorded(AuditedAggregate.Created):
        class_version = 1
        person_id: UUID
        purpose: str
        text: str

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
