"""Actions: each recommendation of a review (and each next step of an upheld PCC review) is an action with an
owning agency and a due date (RULES.md section 13). The owning agency marks it done, the coordinator drops it."""

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import allow
from api.dependencies import (
    IfMatch,
    Svc,
    cursor_position,
    encode_cursor,
    expected_version,
    now,
    read_own_writes,
    written,
)
from api.journey_schemas import ActionDoneIn, ActionDroppedIn
from api.journey_views import action_item, owning_case_review
from api.problems import Problem
from api.routes import ThreadRoute
from api.routes.case_review_journey import written_answer
from domain.audited import local_date
from domain.people import TextRef
from domain.promises import ActionState
from projections.promises import NO_DUE_DATE, Promises
from service import commands as c
from service.authorization import READ_PROMISES, roles_for
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)

AGENCY_QUERY = Query(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="the owning agency")

ACTIONS_EXAMPLE = {
    "items": [
        {
            "id": "5e0c7f2a-9d41-5b8e-a3c6-2f1d0e9b8a7c",
            "case_review_id": "c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
            "applicant_id": "4d2c8a9e-5b1f-4c3a-9e7d-2f6b8c1a0e53",
            "agency": "vivid-homes",
            "action": "Offer mediation to both households",
            "due_date": "2026-12-01",
            "agreed_on": "2026-11-12",
            "state": "overdue",
            "done_on": None,
            "dropped_on": None,
            "pcc_review_id": None,
        }
    ],
    "next_cursor": None,
}


def own_agency(key: ApiKey, agency: str | None, what: str) -> str | None:
    """An agency key lists only its own: its agency by default, and another agency's is refused."""
    if key.agency is None:
        return agency
    if agency not in (None, key.agency):
        raise Problem(403, "Forbidden", f"an agency key lists only its own {what} ({key.agency})", slug="forbidden")
    return key.agency


@router.get(
    "/actions", summary="List actions with their state on a day",
    responses={200: {"content": {"application/json": {"example": ACTIONS_EXAMPLE}}}},
)  # fmt: skip
def list_actions(
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_PROMISES)),
    agency: str | None = AGENCY_QUERY,
    state: ActionState | None = Query(default=None, description="as on `on`: open, overdue, done or dropped"),
    on: date | None = Query(default=None, description="the day the states are as on (YYYY-MM-DD); default today"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every action across case reviews, by due date (those without one last); an agency key sees only its own.
    `action` is the applicant's text, "[erased]" once they are erased."""
    read_own_writes(svc, key)
    today = on or local_date(now())
    after = None
    if cursor is not None:
        due, id = cursor_position(cursor, {"due_date": date.fromisoformat, "id": UUID})
        after = (due, id)
    rows = Promises.actions_page(
        svc.pool, on=today, agency=own_agency(key, agency, "actions"), state=state, after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    texts = svc.casework.resolve_texts([TextRef(row["action_owner_id"], row["action_text_id"]) for row in rows])
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor({"due_date": (last["due_date"] or NO_DUE_DATE).isoformat(), "id": str(last["id"])})
    return {"items": [action_item(row, texts, today) for row in rows], "next_cursor": next_cursor}


@router.post(
    "/actions/{action_id}/done", status_code=201, summary="Mark an action done",
    responses=written_answer("The action is done; the application closes once no action is open"),
)  # fmt: skip
def mark_action_done(
    action_id: UUID,
    body: ActionDoneIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.MarkActionDone))),
) -> dict[str, Any]:
    """The owning agency (or a coordinator) marks the action done, with evidence. Another agency's action is
    404 to an agency key, as if it did not exist. Done twice, or after it was dropped, is 409."""
    review_id = owning_case_review(svc, "action", action_id, key)
    command = body.command(case_review_id=review_id, action_id=action_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    extra = {"id": str(action_id), "action_id": str(action_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**extra, "status": result.aggregate.status.value})


@router.post(
    "/actions/{action_id}/dropped", status_code=201, summary="Drop an action",
    responses=written_answer("The action is dropped, with the reason"),
)  # fmt: skip
def drop_action(
    action_id: UUID,
    body: ActionDroppedIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.DropAction))),
) -> dict[str, Any]:
    """Only the coordinator drops an action, and says why (the applicant's text). After done or dropped, 409."""
    review_id = owning_case_review(svc, "action", action_id, key)
    command = body.command(case_review_id=review_id, action_id=action_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    extra = {"id": str(action_id), "action_id": str(action_id), "case_review_id": str(review_id)}
    return written(svc, key, result, {**extra, "status": result.aggregate.status.value})
