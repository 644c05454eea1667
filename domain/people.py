"""People and their personal data.

A person's stream is the only place names, contact details and free text are recorded. Case
events (complaints, applications) carry person ids and `TextRef`s pointing here, so that one
person's personal data can later be encrypted with their own key and erased by destroying it,
without rewriting any case history (DESIGN.md, personal data).
"""

from dataclasses import dataclass

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

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
            person.texts = {}

    class TextRecorded(AuditedAggregate.Event):
        """Free text about this person's case (a description, a reason, an action)."""

        class_version = 1
        text_id: UUID
        purpose: str
        text: str

        def apply(self, person: "Person") -> None:
            person.texts[self.text_id] = self.text

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        display_name: str
        contact: Contact
        texts: dict[UUID, str]

    @classmethod
    def register(
        cls, *, display_name: str, contact: Contact, actor: Actor, recorded_at: datetime, id: UUID | None = None
    ) -> "Person":
        if not display_name.strip():
            raise InvalidFact("display_name must not be empty", field="display_name")
        return cls._start(
            cls.Registered, id=id, recorded_at=recorded_at, display_name=display_name.strip(), contact=contact, actor=actor
        )

    def record_text(self, *, purpose: str, text: str, actor: Actor, recorded_at: datetime) -> TextRef:
        text_id = uuid4()
        self._record(self.TextRecorded, recorded_at=recorded_at, text_id=text_id, purpose=purpose, text=text, actor=actor)
        return TextRef(person_id=self.id, text_id=text_id)

    def text(self, ref: TextRef) -> str | None:
        return self.texts.get(ref.text_id)
