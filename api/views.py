"""How aggregates and events read in JSON: ids as strings, dates ISO, free text resolved from its person."""

import dataclasses
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.audited import local_date
from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.consents import Consent
from domain.people import Person, TextRef
from service.casework import Casework

EVENT_BASE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


def utc_time(moment: datetime) -> str:
    """How every answer writes a time (API.md v1.1: one way everywhere): UTC with `Z`, e.g. 2026-12-03T14:05:09.123456Z.

    A time without an offset is taken as UTC (none of ours has one; this keeps the format even so)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def utc_time_text(text: str) -> str:
    """An ISO 8601 time already written as text (a stored assessment's `as_known_at`), written as `utc_time` does."""
    return utc_time(datetime.fromisoformat(text))


def assessment_view(assessment: dict[str, Any] | None) -> dict[str, Any] | None:
    """An assessment as stored or computed (domain `Assessment.to_dict`) as answers show it: its time in UTC, `Z`.

    Only the answer changes: what a decision recorded stays as it was stored, and the replay compares
    the stored and replayed assessments before either is shown."""
    if assessment is None or not isinstance(assessment.get("as_known_at"), str):
        return assessment
    return {**assessment, "as_known_at": utc_time_text(assessment["as_known_at"])}


def plain(value: Any, texts: dict[TextRef, str | None]) -> Any:
    """A JSON-ready copy of `value`, with each TextRef replaced by its text."""
    if isinstance(value, TextRef):
        return texts.get(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID,)):
        return str(value)
    if isinstance(value, datetime):
        return utc_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Actor):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), texts) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v, texts) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, texts) for v in value]
    return value


def text_refs(value: Any) -> list[TextRef]:
    """Every TextRef inside `value` (events, lists, dataclasses)."""
    if isinstance(value, TextRef):
        return [value]
    if isinstance(value, dict):
        return [ref for v in value.values() for ref in text_refs(v)]
    if isinstance(value, (list, tuple)):
        return [ref for v in value for ref in text_refs(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [ref for f in dataclasses.fields(value) for ref in text_refs(getattr(value, f.name))]
    return []


def event_data(event: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(event).items() if name not in EVENT_BASE_FIELDS}


# Stored fields whose name in the API differs: an event's data speaks the API's names, as the bodies do.
API_FIELD_NAMES = {"caused_had": "caused_harassment_alarm_distress"}


def _api_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {API_FIELD_NAMES.get(key, key): _api_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_api_names(item) for item in value]
    return value


def event_data_view(event: Any, texts: dict[TextRef, str | None]) -> dict[str, Any]:
    """An event's facts as answers show them: the API's field names, a threshold decision's recorded assessment with
    its time in `Z`."""
    data = _api_names(plain(event_data(event), texts))
    if isinstance(data.get("assessment"), dict):
        data["assessment"] = assessment_view(data["assessment"])
    return data


def event_view(event: Any, texts: dict[TextRef, str | None]) -> dict[str, Any]:
    return {
        "type": type(event).__qualname__,
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "recorded_at": utc_time(event.timestamp),
        "actor": event.actor.to_dict(),
        "data": event_data_view(event, texts),
    }


def person_view(person: Person) -> dict[str, Any]:
    return {
        "id": str(person.id),
        "display_name": person.display_name,  # ERASED once the person is erased
        "contact": person.contact.to_dict(),  # every field null once the person is erased
        "erased": person.erased,
        "version": person.version,
        "recorded_at": utc_time(person.created_on),
    }


def complaint_view(app: Casework, complaint: Complaint) -> dict[str, Any]:
    texts = app.resolve_texts([complaint.location, complaint.description, complaint.withdrawal_reason])
    return {
        "id": str(complaint.id),
        "victim_id": str(complaint.victim_id),
        "complainant_id": str(complaint.complainant_id),
        "agency": complaint.agency,
        "agency_reference": complaint.agency_reference,
        "incident_date": complaint.incident_date.isoformat(),
        "reported_date": complaint.reported_date.isoformat(),
        "caused_harassment_alarm_distress": complaint.caused_had,
        "category": complaint.category.value,
        "location": texts.get(complaint.location) if complaint.location else None,
        "description": texts.get(complaint.description) if complaint.description else None,
        "incident_ref": complaint.incident_ref,
        "source": complaint.source.value,
        "location_key": complaint.location_key,  # the victim's: null once they are erased
        "withdrawn": complaint.withdrawn,
        "withdrawal_reason": texts.get(complaint.withdrawal_reason) if complaint.withdrawal_reason else None,
        "version": complaint.version,
        "recorded_at": utc_time(complaint.created_on),
        "updated_at": utc_time(complaint.modified_on),
    }


def consent_view(consent: Consent) -> dict[str, Any]:
    return {
        "id": str(consent.id),
        "person_id": str(consent.person_id),
        "application_id": str(consent.application_id),
        "purpose": consent.purpose.value,
        "given_on": consent.given_on.isoformat(),
        "withdrawn_on": consent.withdrawn_on.isoformat() if consent.withdrawn_on else None,
        "version": consent.version,
        "recorded_at": utc_time(consent.created_on),
    }


def _step(event: Any, texts: dict[TextRef, str | None]) -> dict[str, Any]:
    """One lifecycle step of an application: its facts, who recorded it and when."""
    return {
        **event_data_view(event, texts),
        "recorded_at": utc_time(event.timestamp),
        "actor": event.actor.to_dict(),
    }


def case_review_view(
    app: Casework, review: CaseReview, due_date: date | None, on: date | None = None
) -> dict[str, Any]:
    """The application as recorded, with RULES.md section 13's promises and their states as on `on` (default today)."""
    from api.dependencies import now  # here, not at the top: api.journey_views reads this module
    from api.journey_views import journey_view

    events: list[Any] = [
        review.decision, *review.information_shared, *review.delay_notices, *review.reviews,
        *(e for escalation in review.escalations.values() for e in escalation.values()),
    ]  # fmt: skip
    texts = app.resolve_texts([ref for event in events if event is not None for ref in text_refs(event_data(event))])
    escalations = []
    for escalation_id, escalation in review.escalations.items():
        requested, decided = escalation["requested"], escalation["decided"]
        escalations.append(
            {
                "id": str(escalation_id),
                "requested_on": requested.requested_on.isoformat(),
                "reason": texts.get(requested.reason) if requested.reason else None,
                "result": decided.result.value if decided else None,
                "decided_on": decided.decided_on.isoformat() if decided else None,
            }
        )
    return {
        "id": str(review.id),
        "route": review.route.value,
        "status": review.status.value,
        "applicant_id": str(review.applicant_id),
        "victim_id": str(review.victim_id) if review.victim_id else None,
        "member_ids": [str(m) for m in review.member_ids],
        "received_date": review.received_date.isoformat(),
        "due_date": due_date.isoformat() if due_date else None,
        "channel": review.channel.value,
        "dissatisfaction": review.dissatisfaction.value,
        "complaint_ids": None if review.complaint_ids is None else [str(c) for c in review.complaint_ids],
        "acknowledged_on": review.acknowledged_on.isoformat() if review.acknowledged_on else None,
        "threshold_decision": _step(review.decision, texts) if review.decision else None,
        "information_shared": [_step(e, texts) for e in review.information_shared],
        "delay_notices": [_step(e, texts) for e in review.delay_notices],
        "review": _step(review.reviews[-1], texts) if review.reviews else None,
        "reviews": [_step(e, texts) for e in review.reviews],
        "outcome_notices": [_step(e, texts) for e in review.outcome_notices],
        "escalations": escalations,
        **journey_view(app, review, on or local_date(now())),
        "version": review.version,
        "recorded_at": utc_time(review.created_on),
        "updated_at": utc_time(review.modified_on),
    }
