"""How domain values are written in stored events: dates, enums, actors and small value objects as JSON."""

from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import (
    JSONTranscoder,
    Transcoding,
)

from domain import vocabulary
from domain.actor import Actor
from domain.case_reviews import Recommendation
from domain.people import Contact, ErasureReason, TextRef


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One per enum: the name says which enum, so a value decodes back to its member."""

    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum_{enum.__name__}"

    def encode(self, obj: Enum) -> str:
        return obj.value

    def decode(self, data: str) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A small frozen value object stored as its fields."""

    def __init__(self, cls: type, name: str) -> None:
        self.type = cls
        self.name = name

    def encode(self, obj: Any) -> dict:
        return dict(vars(obj))

    def decode(self, data: dict) -> Any:
        return self.type(**data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict:
        return {"key_id": obj.key_id, "role": obj.role, "agency": obj.agency}

    def decode(self, data: dict) -> Actor:
        return Actor(**data)


ENUMS = [
    value
    for value in vars(vocabulary).values()
    if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == vocabulary.__name__
]


class DomainTranscoder(JSONTranscoder):
    """JSON with registered transcodings, enums included.

    Our enums are `StrEnum`s, which the json module would write as bare strings (it never asks
    for a transcoding for a `str`), losing their type; so they are tagged before encoding.
    """

    def encode(self, obj: Any) -> bytes:
        return super().encode(self._tag_enums(obj))

    def _tag_enums(self, obj: Any) -> Any:
        if isinstance(obj, Enum):
            transcoding = self.types[type(obj)]
            return {"_type_": transcoding.name, "_data_": transcoding.encode(obj)}
        if isinstance(obj, dict):
            return {key: self._tag_enums(value) for key, value in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self._tag_enums(value) for value in obj]
        if isinstance(obj, (Actor, TextRef, Contact, Recommendation)):
            return self._tag_enums(self._encode_obj(obj))
        return obj


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())
    transcoder.register(DataclassAsDict(TextRef, "text_ref"))
    transcoder.register(DataclassAsDict(Contact, "contact"))
    transcoder.register(DataclassAsDict(Recommendation, "recommendation"))
    for enum in [*ENUMS, ErasureReason]:
        transcoder.register(EnumAsValue(enum))
