"""The base of every aggregate here: each event carries its actor, and time is passed in.

The domain never reads the clock: every command takes `recorded_at`, the moment the system
learns the fact, which becomes the event's timestamp (RULES.md: the recorded time).
"""

from datetime import date, datetime
from typing import Any, Self
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from domain.actor import Actor
from domain.errors import InvalidFact

LONDON = ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    """The calendar date in Europe/London at `moment` (RULES.md section 2: rule dates are London dates)."""
    return moment.astimezone(LONDON).date()


def require_not_future(value: date, field: str, recorded_at: datetime) -> None:
    if value > local_date(recorded_at):
        raise InvalidFact(f"{field} {value.isoformat()} is in the future", field=field)


def require_not_before(value: date, earliest: date, field: str, earliest_name: str) -> None:
    if value < earliest:
        raise InvalidFact(f"{field} {value.isoformat()} is before {earliest_name} {earliest.isoformat()}", field=field)


class AuditedAggregate(Aggregate):
    """An aggregate whose every event names who caused it."""

    class Event(Aggregate.Event):
        actor: Actor

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _start(cls, event_class: type[Created], *, id: UUID | None, recorded_at: datetime, **fields: Any) -> Self:
        if id is None:
            return cls._create(event_class, timestamp=recorded_at, **fields)
        return cls._create(event_class, id=id, timestamp=recorded_at, **fields)

    def _record(self, event_class: type[Event], *, recorded_at: datetime, **fields: Any) -> None:
        # An event recorded before the aggregate's last one would break "as known at" replays.
        self.trigger_event(event_class, timestamp=max(recorded_at, self.modified_on), **fields)
