"""RULES.md section 11: a complaint's source and location_key; the location is the victim's personal data."""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from domain.actor import SYSTEM
from domain.complaints import Complaint
from domain.errors import InvalidFact
from domain.vocabulary import ComplaintCategory, ComplaintSource

NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)
VICTIM = UUID(int=1)


def log(**extra: object) -> Complaint:
    return Complaint.log(
        victim_id=VICTIM, complainant_id=VICTIM, agency="hampshire-constabulary", agency_reference=None,
        incident_date=date(2026, 7, 1), reported_date=date(2026, 7, 2), caused_had=True,
        category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None,
        actor=SYSTEM, recorded_at=NOW, **extra,
    )  # fmt: skip


def test_section_11_a_complaint_without_a_source_or_location_is_from_other_at_no_linked_location() -> None:
    complaint = log()  # as every caller before section 11 logs one
    assert complaint.source is ComplaintSource.OTHER
    assert complaint.location_key is None


def test_section_11_a_complaint_takes_its_source_and_an_opaque_location_key() -> None:
    complaint = log(source="diary_sheet", location_key="UPRN 100062456789")
    assert complaint.source is ComplaintSource.DIARY_SHEET
    assert complaint.location_key == "UPRN 100062456789"  # kept as given: equal strings are the same place
    (event,) = complaint.collect_events()
    assert (event.source, event.location_key) == (ComplaintSource.DIARY_SHEET, "UPRN 100062456789")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"source": "carrier_pigeon"}, "source"),
        ({"location_key": "   "}, "location_key"),
        ({"location_key": "x" * 201}, "location_key"),
        ({"location_key": 100062456789}, "location_key"),
    ],
)
def test_section_11_a_bad_source_or_location_key_is_refused_naming_it(extra: dict, field: str) -> None:
    with pytest.raises(InvalidFact) as refused:
        log(**extra)
    assert refused.value.field == field


def test_section_11_the_location_key_is_sealed_with_the_victims_key_and_erased_with_them() -> None:
    logged = Complaint.Logged
    assert logged.class_version == 2
    assert logged.personal_fields == ("location_key",)
    assert logged.subject_field == "victim_id"
    assert logged.erased_values() == {"location_key": None}


def test_section_11_a_complaint_logged_before_section_11_reads_as_from_other_at_no_location() -> None:
    state = {"victim_id": VICTIM, "category": ComplaintCategory.NOISE}
    Complaint.Logged.upcast_v1_v2(state)
    assert state == {
        "victim_id": VICTIM, "category": ComplaintCategory.NOISE, "source": ComplaintSource.OTHER, "location_key": None,
    }  # fmt: skip
