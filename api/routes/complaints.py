"""Complaints of anti-social behaviour made to partner agencies."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import ComplaintListPage, ComplaintOfVictimPage, ComplaintOut, Written
from api.audit import AuditedJSON
from api.auth import allow
from api.dependencies import (
    AGENCY,
    AUDITOR,
    COORDINATOR,
    IfMatch,
    Limit500,
    Svc,
    await_earlier_writes,
    cursor_position,
    encode_cursor,
    expected_version,
    now,
    written,
)
from api.problems import Problem, invalid
from api.routes import ThreadRoute
from api.schemas import ComplaintAmendmentIn, ComplaintIn, WithdrawalIn, moment_or_day
from api.views import complaint_view, utc_time
from api.writes import answers_etag, location
from projections.case_facts import CaseFacts
from service.authorization import may_read_complaint
from service.commands import AmendComplaint
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["complaints"], route_class=ThreadRoute)


@router.post("/complaints", status_code=201, response_model=Written, summary="Log a complaint")
@location("/v1/complaints/{id}")
def log_complaint(body: ComplaintIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))) -> dict[str, Any]:
    """A complaint of anti-social behaviour made to a partner agency (an agency key logs as its own agency)."""
    return written(svc, key, svc.casework.handle(body.command(), actor=key.actor, now=now()))


@router.get("/complaints", response_model=ComplaintListPage, summary="List complaints, newest first")
def list_complaints(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY)),
    agency: str | None = Query(
        default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100, description="only this agency's complaints"
    ),
    since: str | None = Query(
        default=None,
        description="only those logged at or after this moment (ISO 8601 with offset, e.g. 2026-11-02T09:30:00Z) or"
        " day (YYYY-MM-DD: from its start, UK time); for a partner system keeping its own copy",
    ),
    limit: Limit500 = 100,
    cursor: str | None = None,
) -> AuditedJSON:
    """Complaints as they were logged, newest first (API.md v1.1). An agency key lists only its own agency's."""
    await_earlier_writes(svc)
    if key.role is AGENCY:
        if agency is not None and agency != key.agency:
            raise Problem(
                403, "Forbidden", f"an agency key lists only its own complaints ({key.agency})", slug="forbidden"
            )
        agency = key.agency
    moment = moment_or_day(since, "since")
    before = (
        cursor_position(cursor, {"recorded_at": datetime.fromisoformat, "id": UUID}) if cursor is not None else None
    )
    rows = CaseFacts.complaints_logged(svc.pool, agency=agency, since=moment, before=before, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    items = [
        {
            "id": str(row["id"]),
            "victim_id": str(row["victim_id"]),
            "agency": row["agency"],
            "incident_date": row["incident_date"].isoformat(),
            "reported_date": row["reported_date"].isoformat(),
            "withdrawn": row["withdrawn"],
            "version": row["version"],
            "recorded_at": utc_time(row["logged_at"]),
        }  # fmt: skip
        for row in rows
    ]
    next_cursor = (
        encode_cursor({"recorded_at": rows[-1]["logged_at"].isoformat(), "id": str(rows[-1]["id"])}) if more else None
    )
    return AuditedJSON({"items": items, "next_cursor": next_cursor}, [item["victim_id"] for item in items])


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut, summary="Read a complaint")
@answers_etag
def read_complaint(
    complaint_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY))
) -> dict[str, Any]:
    """An agency reads only the complaints it logged."""
    complaint = svc.casework.complaint(complaint_id)
    if not may_read_complaint(key.actor, complaint):
        raise Problem(403, "Forbidden", "an agency reads only the complaints it logged", slug="forbidden")
    return complaint_view(svc.casework, complaint)


@router.patch("/complaints/{complaint_id}", response_model=Written, summary="Correct a complaint's facts")
def amend_complaint(
    complaint_id: UUID,
    body: ComplaintAmendmentIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(COORDINATOR, AGENCY)),
) -> dict[str, Any]:
    """Name only the facts to correct; `agency_reference` and `incident_ref` may be removed with null."""
    changes = body.model_dump(exclude_unset=True)
    if "caused_harassment_alarm_distress" in changes:
        changes["caused_had"] = changes.pop("caused_harassment_alarm_distress")
    if not changes:
        raise invalid("body", "name at least one fact to amend")
    if any(value is None for name, value in changes.items() if name not in ("agency_reference", "incident_ref")):
        raise invalid(next(n for n, v in changes.items() if v is None), "this fact cannot be removed, only corrected")
    command = AmendComplaint(complaint_id, changes, expected_version=expected_version(if_match))
    return written(svc, key, svc.casework.handle(command, actor=key.actor, now=now()))


@router.post("/complaints/{complaint_id}/withdrawal", response_model=Written, summary="Withdraw a complaint")
def withdraw_complaint(
    complaint_id: UUID,
    body: WithdrawalIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(COORDINATOR, AGENCY)),
) -> dict[str, Any]:
    command = body.command(complaint_id=complaint_id, expected_version=expected_version(if_match))
    return written(svc, key, svc.casework.handle(command, actor=key.actor, now=now()))


@router.get(
    "/people/{person_id}/complaints", response_model=ComplaintOfVictimPage, summary="List the complaints about a person"
)
def complaints_of_victim(
    person_id: UUID,
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY)),
    limit: Limit500 = 100,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The complaints made about what happened to one person, oldest report first; an agency sees only its own."""
    await_earlier_writes(svc)
    svc.casework.person(person_id)  # 404 for an unknown person
    after = cursor_position(cursor, {"reported_date": date.fromisoformat, "id": UUID}) if cursor is not None else None
    agency = key.agency if key.role is AGENCY else None
    rows = CaseFacts.complaints_of_victim(svc.pool, person_id, agency=agency, after=after, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    items = [
        {
            "id": str(row["id"]),
            "agency": row["agency"],
            "incident_date": row["incident_date"].isoformat(),
            "reported_date": row["reported_date"].isoformat(),
            "withdrawn": row["withdrawn"],
            "version": row["version"],
        }  # fmt: skip
        for row in rows
    ]
    next_cursor = (
        encode_cursor({"reported_date": rows[-1]["reported_date"].isoformat(), "id": str(rows[-1]["id"])})
        if more
        else None
    )
    return {"items": items, "next_cursor": next_cursor}
