"""Reviews by the Police and Crime Commissioner (Crime and Policing Act 2026; RULES.md section 13): the applicant
asks (the coordinator records it) within the policy's limit on its grounds; the PCC (role `pcc`) decides."""

from datetime import date
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import PccReviewPage, PccReviewWritten
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
from api.journey_schemas import PccReviewRequestIn, PccReviewResultIn
from api.journey_views import owning_case_review
from api.routes import ThreadRoute
from api.routes.actions import OWNING_APPLICATION
from api.routes.case_reviews import APPLICATION
from api.writes import location
from projections.promises import Promises
from service import commands as c
from service.authorization import READ_PCC_REVIEWS, roles_for
from service.casework import new_id
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)


@router.post(
    "/case-reviews/{review_id}/pcc-review-requests", status_code=201, response_model=PccReviewWritten,
    summary="Record a request for a PCC review",
    response_description="The request is recorded; `id` is the PCC review's, for its result",
)  # fmt: skip
@location(APPLICATION)
def request_pcc_review(
    review_id: UUID,
    body: PccReviewRequestIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.RequestPccReview))),
) -> dict[str, Any]:
    """After a `not_met` decision or an outcome the applicant was told, within `pcc_request_within_working_days`
    (policy; Havant 20) of being told, on the policy's `pcc_review_grounds`. A late request is 409 (field
    `requested_on`) unless `late_acceptance_reason` records why the coordinator accepts it."""
    pcc_review_id = new_id("pcc_review")
    command = body.command(
        case_review_id=review_id, pcc_review_id=pcc_review_id, expected_version=expected_version(if_match)
    )
    result = svc.casework.handle(command, actor=key.actor, now=now())
    created = {"id": str(pcc_review_id), "pcc_review_id": str(pcc_review_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**created, "status": result.aggregate.status.value})


@router.post(
    "/pcc-review-requests/{pcc_review_id}/result", status_code=201, response_model=PccReviewWritten,
    summary="Record the PCC's result",
    response_description="The result is recorded; `upheld` reopens the review with the next steps as actions",
)  # fmt: skip
@location(OWNING_APPLICATION)
def decide_pcc_review(
    pcc_review_id: UUID,
    body: PccReviewResultIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.DecidePccReview))),
) -> dict[str, Any]:
    """The PCC's result with reasons: `upheld` says what must happen next (each step an action with an owning
    agency and a due date) and sends the case back to review; `not_upheld` takes no next steps."""
    review_id = owning_case_review(svc, "pcc_review", pcc_review_id, key)
    command = body.command(
        case_review_id=review_id, pcc_review_id=pcc_review_id, expected_version=expected_version(if_match)
    )
    result = svc.casework.handle(command, actor=key.actor, now=now())
    extra = {"id": str(pcc_review_id), "pcc_review_id": str(pcc_review_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**extra, "status": result.aggregate.status.value})


@router.get(
    "/pcc-review-requests", response_model=PccReviewPage, summary="List requests for a PCC review",
)  # fmt: skip
def list_pcc_reviews(
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_PCC_REVIEWS)),
    state: Literal["open", "decided"] | None = Query(default=None, description="open: waiting for the PCC's result"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every request for a review by the PCC, oldest first: what the local policing body has to decide."""
    await_earlier_writes(svc)
    after = None
    if cursor is not None:
        after = cursor_position(cursor, {"requested_on": date.fromisoformat, "id": UUID})
    decided = None if state is None else state == "decided"
    rows = Promises.pcc_reviews_page(svc.pool, decided=decided, after=after, limit=limit + 1)  # type: ignore[arg-type]
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {
            "id": str(row["id"]),
            "case_review_id": str(row["case_review_id"]),
            "requested_on": row["requested_on"].isoformat(),
            "told_on": row["told_on"].isoformat(),
            "grounds": list(row["grounds"]),
            "accepted_late": row["accepted_late"],
            "result": row["result"],
            "decided_on": row["decided_on"].isoformat() if row["decided_on"] else None,
        }
        for row in rows
    ]
    next_cursor = None
    if more:
        next_cursor = encode_cursor({"requested_on": rows[-1]["requested_on"].isoformat(), "id": str(rows[-1]["id"])})
    return {"items": items, "next_cursor": next_cursor}
