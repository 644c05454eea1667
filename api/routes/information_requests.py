"""Information requests (RULES.md section 13; Schedule 4: the agency asked must comply): the coordinator asks an
agency for information by a due date, and that agency answers."""

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import InformationRequestPage, InformationRequestWritten
from api.auth import allow
from api.dependencies import (
    IfMatch,
    Limit200,
    Svc,
    await_earlier_writes,
    cursor_position,
    encode_cursor,
    expected_version,
    now,
    written,
)
from api.journey_schemas import InformationAnswerIn, InformationRequestIn
from api.journey_views import information_request_item, owning_case_review
from api.routes import ThreadRoute
from api.routes.actions import AGENCY_QUERY, OWNING_APPLICATION, own_agency
from api.routes.case_reviews import APPLICATION
from api.writes import location
from domain.audited import local_date
from domain.people import TextRef
from domain.promises import InformationRequestState
from projections.promises import Promises
from service import commands as c
from service.authorization import READ_PROMISES, roles_for
from service.casework import new_id
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)


@router.post(
    "/case-reviews/{review_id}/information-requests", status_code=201, response_model=InformationRequestWritten,
    summary="Ask an agency for information",
    response_description="The request is recorded; `id` is the request's, for its answer",
)  # fmt: skip
@location(APPLICATION)
def request_information(
    review_id: UUID,
    body: InformationRequestIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.RequestInformation))),
) -> dict[str, Any]:
    """The coordinator asks `agency` for information by `due_date`, until the applicant is told the outcome (409
    after). The answer's `id` is the request's: the agency answers at /v1/information-requests/{id}/answer."""
    request_id = new_id("information_request")
    command = body.command(case_review_id=review_id, request_id=request_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    created = {"id": str(request_id), "request_id": str(request_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**created, "status": result.aggregate.status.value})


@router.get(
    "/information-requests", response_model=InformationRequestPage,
    summary="List information requests with their state on a day",
)  # fmt: skip
def list_information_requests(
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_PROMISES)),
    agency: str | None = AGENCY_QUERY,
    state: InformationRequestState | None = Query(default=None, description="as on `on`: open, overdue or answered"),
    on: date | None = Query(default=None, description="the day the states are as on (YYYY-MM-DD); default today"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every information request across case reviews, by due date; an agency key sees only those made to it.
    `question` is the applicant's text, "[erased]" once they are erased."""
    await_earlier_writes(svc)
    today = on or local_date(now())
    after = None
    if cursor is not None:
        after = cursor_position(cursor, {"due_date": date.fromisoformat, "id": UUID})
    rows = Promises.requests_page(
        svc.pool, on=today, agency=own_agency(key, agency, "information requests"), state=state, after=after,  # type: ignore[arg-type]
        limit=limit + 1,
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    refs = [TextRef(r["question_owner_id"], r["question_text_id"]) for r in rows if r["question_text_id"]]
    texts = svc.casework.resolve_texts(refs)  # type: ignore[arg-type]
    next_cursor = None
    if more:
        next_cursor = encode_cursor({"due_date": rows[-1]["due_date"].isoformat(), "id": str(rows[-1]["id"])})
    return {"items": [information_request_item(row, texts, today) for row in rows], "next_cursor": next_cursor}


@router.post(
    "/information-requests/{request_id}/answer", status_code=201, response_model=InformationRequestWritten,
    summary="Answer an information request", response_description="The answer is recorded",
)  # fmt: skip
@location(OWNING_APPLICATION)
def answer_information_request(
    request_id: UUID,
    body: InformationAnswerIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.AnswerInformationRequest))),
) -> dict[str, Any]:
    """The agency asked answers (or the coordinator for it), once (409 again). A request made to another agency
    is 404 to an agency key, as if it did not exist."""
    review_id = owning_case_review(svc, "information_request", request_id, key)
    command = body.command(case_review_id=review_id, request_id=request_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    extra = {"id": str(request_id), "request_id": str(request_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**extra, "status": result.aggregate.status.value})
