"""Actions: each recommendation of a review (and each next step of an upheld PCC review) is an action with an
owning agency and a due date (RULES.md section 13). The owning agency marks it done, the coordinator drops it."""

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import ActionPage, ActionWritten
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
from api.journey_schemas import ActionDoneIn, ActionDroppedIn
from api.journey_views import action_item, owning_case_review
from api.problems import Problem
from api.routes import ThreadRoute
from api.writes import location
from domain.audited import local_date
from domain.people import TextRef
from domain.promises import ActionState
from projections.promises import NO_DUE_DATE, Promises
from service import commands as c
from service.authorization import READ_PROMISES, roles_for
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)

AGENCY_QUERY = Query(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="the owning agency")

# Where a write on an action is seen: its application (the action's own path names no application).
OWNING_APPLICATION = "/v1/case-reviews/{case_review_id}"


def own_agency(key: ApiKey, agency: str | None, what: str) -> str | None:
    """An agency key lists only its own: its agency by default, and another agency's is refused."""
    if key.agency is None:
        return agency
    if agency not in (None, key.agency):
        raise Problem(403, "Forbidden", f"an agency key lists only its own {what} ({key.agency})", slug="forbidden")
    return key.agency


@router.get(
    "/actions", response_model=ActionPage, summary="List actions with their state on a day",
)  # fmt: skip
def list_actions(
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_PROMISES)),
    agency: str | None = AGENCY_QUERY,
    state: ActionState | None = Query(default=None, description="as on `on`: open, overdue, done or dropped"),
    on: date | None = Query(default=None, description="the day the states are as on (YYYY-MM-DD); default today"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every action across case reviews, by due date (those without one last); an agency key sees only its own.
    `action` is the applicant's text, "[erased]" once they are erased."""
    await_earlier_writes(svc)
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
    "/actions/{action_id}/done", status_code=201, response_model=ActionWritten, summary="Mark an action done",
    response_description="The action is done; the application closes once no action is open",
)  # fmt: skip
@location(OWNING_APPLICATION)
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
    "/actions/{action_id}/dropped", status_code=201, response_model=ActionWritten, summary="Drop an action",
    response_description="The action is dropped, with the reason",
)  # fmt: skip
@location(OWNING_APPLICATION)
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
