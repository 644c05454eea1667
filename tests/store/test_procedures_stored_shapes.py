"""RULES.md section 11 through the store's mapper: old events upcast, a complaint's place sealed with the victim's key.

No database: the mapper is the store's own (api/event_store.py PersonalDataMapper), with the keys in memory.
"""

import json
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, StoredEvent, UUIDAsHex

from domain.actor import SYSTEM
from domain.complaints import Complaint
from domain.policy import HAVANT_POLICY
from domain.policy_book import PolicyBook, policy_book_id
from domain.vocabulary import ComplaintCategory, ComplaintSource
from store.personal_data import SEALED_FIELD, PersonalDataMapper
from store.personal_keys import KeyDestroyed
from store.transcodings import DomainTranscoder, register_transcodings

NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)
VICTIM = UUID(int=1)


class KeysInMemory:
    """The PersonalKeys protocol, in a dict: None once destroyed."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes | None] = {}

    def get(self, person_id: UUID) -> bytes | None:
        return self.keys.get(person_id)

    def create(self, person_id: UUID) -> bytes:
        if person_id in self.keys and self.keys[person_id] is None:
            raise KeyDestroyed(person_id)
        return self.keys.setdefault(person_id, bytes(range(32)))

    def destroy(self, person_id: UUID) -> bool:
        destroyed = self.keys.get(person_id) is not None
        self.keys[person_id] = None
        return destroyed


def mapper() -> PersonalDataMapper:
    transcoder = DomainTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return PersonalDataMapper(transcoder=transcoder, personal_keys=KeysInMemory())


def logged(location_key: str | None = "uprn-100062456789") -> Complaint.Logged:
    complaint = Complaint.log(
        victim_id=VICTIM, complainant_id=VICTIM, agency="hampshire-constabulary", agency_reference=None,
        incident_date=date(2026, 7, 1), reported_date=date(2026, 7, 2), caused_had=True,
        category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None,
        actor=SYSTEM, recorded_at=NOW, source=ComplaintSource.PATROL, location_key=location_key,
    )  # fmt: skip
    (event,) = complaint.collect_events()
    return event


def test_section_11_a_complaints_location_key_is_stored_sealed_and_reads_back() -> None:
    m = mapper()
    stored = m.to_stored_event(logged())
    assert b"uprn-100062456789" not in stored.state and SEALED_FIELD.encode() in stored.state
    assert b"patrol" in stored.state  # the source is a case fact, in clear
    event = m.to_domain_event(stored)
    assert (event.location_key, event.source, event.victim_id) == ("uprn-100062456789", ComplaintSource.PATROL, VICTIM)
    assert Complaint.Logged.mutate(event, None).location_key == "uprn-100062456789"


def test_section_11_once_the_victim_is_erased_the_location_key_reads_as_none_and_the_facts_stay() -> None:
    m = mapper()
    stored = m.to_stored_event(logged())
    m.personal_keys.destroy(VICTIM)
    event = m.to_domain_event(stored)
    assert event.location_key is None
    assert (event.incident_date, event.source) == (date(2026, 7, 1), ComplaintSource.PATROL)


def test_section_11_a_complaint_logged_before_section_11_reads_as_from_other_at_no_location() -> None:
    # As class_version 1 wrote it: every field in clear, no source, no location key, no class_version.
    m = mapper()
    state = json.loads(m.to_stored_event(logged()).state)
    for key in ("source", "location_key", SEALED_FIELD, "class_version"):
        state.pop(key, None)
    old = StoredEvent(uuid4(), 1, "domain.complaints:Complaint.Logged", json.dumps(state).encode())
    event = m.to_domain_event(old)
    assert (event.source, event.location_key) == (ComplaintSource.OTHER, None)
    assert event.category is ComplaintCategory.NOISE


def test_section_11_a_policy_version_published_before_section_11_reads_as_it_was() -> None:
    m = mapper()
    book = PolicyBook.open(name="safer-havant", actor=SYSTEM, recorded_at=NOW)
    book.publish(HAVANT_POLICY, actor=SYSTEM, recorded_at=NOW)
    opened, published = (m.to_stored_event(e) for e in book.collect_events())
    # The v1 event: what main wrote, Policy.to_dict() of section 7, and no class_version.
    state = json.loads(published.state)
    state.pop("class_version")
    state["policy"] = {
        "name": "safer-havant", "version": 1, "effective_from": "2014-10-20", "individual_min_complaints": 3,
        "group_min_individuals": 5, "reporting_window_months": 1, "lookback_months": 6, "review_due_working_days": 20,
        "acknowledge_working_days": None, "threshold_decision_working_days": None, "outcome_letter_working_days": None,
        "reporting_year_start": "04-01", "partner_agencies": sorted(HAVANT_POLICY.partner_agencies),
        "calendar": {"country": "GB", "subdivision": "ENG", "closure_days": []},
    }  # fmt: skip
    v1 = StoredEvent(published.originator_id, published.originator_version, published.topic, json.dumps(state).encode())
    events = [m.to_domain_event(opened), m.to_domain_event(v1)]
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.id == policy_book_id("safer-havant")
    assert replayed.versions == {1: HAVANT_POLICY}
