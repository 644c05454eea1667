"""Personal data sealed per person: the library's Mapper, with each person's fields encrypted under their own key.

Which fields are personal is declared by the event classes (`personal_fields`, `subject_field`,
`erased_values()`: see domain/people.py); the keys live behind store/personal_keys.py.
"""

import base64
import binascii
import os
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from domain.people import PersonErased
from store.personal_keys import CachedPersonalKeys, KeyDestroyed, PersonalKeys, keys_of

SEALED_FIELD = "personal_data_sealed"  # where an event's personal fields go, encrypted
NONCE_BYTES = 12


class PersonalDataMapper(Mapper[UUID]):
    """The library's Mapper, with each person's personal data sealed under their own key.

    An event class with `personal_fields` (domain/people.py) has those fields taken out of the
    event's state, encoded, and encrypted with AES-GCM under the key of the person its
    `subject_field` names, before anything else happens (the optional whole-event cipher then
    encrypts the lot). The person's id stays in clear: it names the key. Once that key is
    destroyed (erasure) the fields read as the class's `erased_values()`, so every replay,
    history, feed and rebuild still works, with the case facts as they were.

    The ciphertext is bound to its event (originator id and version as associated data), so a
    sealed value copied into another event does not decrypt.
    """

    def __init__(
        self, transcoder: JSONTranscoder, personal_keys: PersonalKeys, compressor: Any = None, cipher: Any = None
    ) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.personal_keys = personal_keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_class = type(domain_event)
        personal_fields = getattr(event_class, "personal_fields", ())
        if not personal_fields:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        if all(state.get(name) is None for name in personal_fields):
            # Nothing personal to seal (a complaint logged with no place): stored as it is, with no key
            # fetched and no cipher run; it reads back the same, and erasure has nothing of it to take.
            return super().to_stored_event(domain_event)
        subject_id = state[event_class.subject_field]
        try:
            key = self.personal_keys.create(subject_id)
        except KeyDestroyed:
            raise PersonErased(subject_id) from None
        personal = {name: state.pop(name) for name in personal_fields}
        state[SEALED_FIELD] = self._seal(key, personal, _bound_to(state["originator_id"], state["originator_version"]))
        # The library's Mapper does the rest, on a copy of the event that holds the sealed state.
        sealed_event = object.__new__(event_class)
        object.__setattr__(sealed_event, "__dict__", state)
        return super().to_stored_event(sealed_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        # The library's Mapper.to_domain_event, with personal data unsealed before any upcasting,
        # so that upcasters always see the fields as they were written.
        event_class = resolve_topic(stored_event.topic)
        return self._domain_event(event_class, stored_event, self._decoded_state(stored_event))

    def to_domain_events(self, stored_events: Sequence[StoredEvent]) -> list[DomainEventProtocol[UUID]]:
        """`to_domain_event` of each, the keys of every person whose data they seal fetched together first
        (into the keys' cache, where there is one), rather than one round trip per person (a projection's batch)."""
        decoded = []
        subjects = []
        for stored_event in stored_events:
            event_class = resolve_topic(stored_event.topic)
            state = self._decoded_state(stored_event)
            if SEALED_FIELD in state:
                field = event_class.subject_field
                subjects.append(stored_event.originator_id if field == "originator_id" else state[field])
            decoded.append((event_class, stored_event, state))
        if subjects and isinstance(self.personal_keys, CachedPersonalKeys):
            keys_of(self.personal_keys, subjects)  # remembered by the cache: each then unseals without a query
        return [self._domain_event(event_class, stored_event, state) for event_class, stored_event, state in decoded]

    def _decoded_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            return self.transcoder.decode(stored_state)
        except Exception as error:
            raise _undecodable(stored_event, error) from error

    def _domain_event(
        self, event_class: type, stored_event: StoredEvent, state: dict[str, Any]
    ) -> DomainEventProtocol[UUID]:
        if SEALED_FIELD in state:  # events stored before personal data was sealed have none
            state.update(self._unseal(event_class, stored_event, state))
        state["originator_id"] = find_id_convertor(event_class, type(stored_event.originator_id))(
            stored_event.originator_id
        )
        state["originator_version"] = stored_event.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < getattr(event_class, "class_version", 1):
            getattr(event_class, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    def _seal(self, key: bytes, personal: dict[str, Any], bound_to: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, self.transcoder.encode(personal), bound_to)).decode()

    def _unseal(self, event_class: type, stored_event: StoredEvent, state: dict[str, Any]) -> dict[str, Any]:
        sealed = state.pop(SEALED_FIELD)
        subject_field = event_class.subject_field
        subject_id = stored_event.originator_id if subject_field == "originator_id" else state[subject_field]
        key = self.personal_keys.get(subject_id)
        if key is None:  # erased: the data is gone for good, and says so
            return event_class.erased_values()
        bound_to = _bound_to(stored_event.originator_id, stored_event.originator_version)
        try:
            sealed_bytes = base64.b64decode(sealed, validate=True)
            plaintext = AESGCM(key).decrypt(sealed_bytes[:NONCE_BYTES], sealed_bytes[NONCE_BYTES:], bound_to)
        except (binascii.Error, InvalidTag) as error:  # damaged, or moved from another event: never guess
            raise _undecodable(stored_event, ValueError("the sealed personal data does not decrypt")) from error
        return self.transcoder.decode(plaintext)


def _undecodable(stored_event: StoredEvent, error: Exception) -> MapperDeserialisationError:
    return MapperDeserialisationError(
        f"Failed to deserialise state of stored event with topic '{stored_event.topic}', originator_id "
        f"'{stored_event.originator_id}' and originator_version {stored_event.originator_version}: {error}"
    )


def _bound_to(originator_id: UUID, originator_version: int) -> bytes:
    return f"{originator_id}/{originator_version}".encode()
