"""The applicant's part in their review and the review meeting, and the updates owed to them (RULES.md section 13;
API.md v1.1, the victim's part and the promises): steps recorded on the application, coordinator only."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.answers import StepWritten
from api.auth import allow
from api.dependencies import IfMatch, Svc, expected_version, now, written
from api.journey_schemas import InvolvementIn, ReviewMeetingIn, UpdateIn
from api.routes import ThreadRoute
from api.routes.case_reviews import APPLICATION
from api.writes import location
from service import commands as c
from service.authorization import roles_for
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)


@router.post(
    "/case-reviews/{review_id}/involvement", status_code=201, response_model=StepWritten,
    summary="Record the applicant's involvement",
    response_description="The involvement is recorded; a later record replaces it whole",
)  # fmt: skip
@location(APPLICATION)
def record_involvement(
    review_id: UUID,
    body: InvolvementIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.RecordInvolvement))),
) -> dict[str, Any]:
    """The applicant's chosen level of involvement, whether and how they were invited to the review meeting,
    whether they attended, their impact statement (their own text: erased with them), and why they were not
    invited when they were not. An invitation needs a 'met' decision; attendance a meeting held (else 409)."""
    command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.post(
    "/case-reviews/{review_id}/review-meeting", status_code=201, response_model=StepWritten,
    summary="Record a review meeting", response_description="The meeting is recorded (stage review_meeting_held)",
)  # fmt: skip
@location(APPLICATION)
def hold_review_meeting(
    review_id: UUID,
    body: ReviewMeetingIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.HoldReviewMeeting))),
) -> dict[str, Any]:
    """When the review meeting was held, who chaired it and whether the chair was independent of the agencies
    involved, and which agencies were present. Only while a review is in progress (else 409)."""
    command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.post(
    "/case-reviews/{review_id}/updates", status_code=201, response_model=StepWritten,
    summary="Record an update to the applicant",
    response_description="The update is recorded; the next one is due the policy's working days after it",
)  # fmt: skip
@location(APPLICATION)
def give_update(
    review_id: UUID,
    body: UpdateIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.GiveUpdate))),
) -> dict[str, Any]:
    """The applicant is updated at least every `update_every_working_days` (policy; Havant 10) from the threshold
    decision until the case is closed; the case review's `next_update` says when the next one is due."""
    command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written(svc, key, result, {"status": result.aggregate.status.value})
