"""Consent: a person's agreement to an application made for them, or to sharing information."""

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate, require_not_before, require_not_future
from domain.errors import RuleBroken
from domain.vocabulary import ConsentPurpose


class Consent(AuditedAggregate):
    class Given(AuditedAggregate.Created):
        class_version = 1
        person_id: UUID
        application_id: UUID
        purpose: ConsentPurpose
        given_on: date

        def apply(self, consent: "Consent") -> None:
            consent.person_id = self.person_id
            consent.application_id = self.application_id
            consent.purpose = self.purpose
            consent.given_on = self.given_on
            consent.withdrawn_on = None

    class Withdrawn(AuditedAggregate.Event):
        class_version = 1
        withdrawn_on: date

        def apply(self, consent: "Consent") -> None:
            consent.withdrawn_on = self.withdrawn_on

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        person_id: UUID
        application_id: UUID
        purpose: ConsentPurpose
        given_on: date
        withdrawn_on: date | None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @classmethod
    def give(
        cls,
        *,
        person_id: UUID,
        application_id: UUID,
        purpose: ConsentPurpose,
        given_on: date,
        actor: Actor,
        recorded_at: datetime,
        id: UUID | None = None,
    ) -> "Consent":
        require_not_future(given_on, "given_on", recorded_at)
        return cls._start(
            cls.Given, id=id, recorded_at=recorded_at, person_id=person_id, application_id=application_id,
            purpose=purpose, given_on=given_on, actor=actor,
        )  # fmt: skip

    def withdraw(self, *, withdrawn_on: date, actor: Actor, recorded_at: datetime) -> None:
        if self.withdrawn:
            raise RuleBroken(f"the consent was already withdrawn on {self.withdrawn_on.isoformat()}")
        require_not_future(withdrawn_on, "withdrawn_on", recorded_at)
        require_not_before(withdrawn_on, self.given_on, "withdrawn_on", "given_on")
        self._record(self.Withdrawn, recorded_at=recorded_at, withdrawn_on=withdrawn_on, actor=actor)
