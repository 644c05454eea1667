"""Potential triggers (RULES.md section 12, API.md v1.1): who should be told about the case review, and telling them."""

import base64
import binascii
from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import PotentialTriggersOut, TellingWritten
from api.audit import AuditedJSON
from api.auth import allow
from api.dependencies import (
    AGENCY,
    AUDITOR,
    COORDINATOR,
    Limit200,
    Svc,
    await_earlier_writes,
    cursor_position,
    encode_cursor,
    now,
)
from api.dependencies import written as written_answer
from api.problems import Problem, invalid
from api.routes import ThreadRoute
from api.routes.deadlines import _day
from api.schemas import Body, Day, KnownAt, example
from api.views import utc_time
from api.writes import location
from domain.potential_triggers import PotentialTrigger
from domain.vocabulary import ContactChannel, Role
from projections.case_facts import CaseFacts
from projections.potential_triggers import location_id
from service.commands import TellAboutCaseReview
from service.potential_triggers import GROUP_NUMBER_REACHED, PlaceListed, listed
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["potential triggers"], route_class=ThreadRoute)

STATES = ("threshold_reached", "should_be_told", "told", GROUP_NUMBER_REACHED)


class TellingIn(Body):
    model_config = example(told_on="2026-11-12", channel="phone")

    told_on: Day
    channel: ContactChannel


def _victim_item(trigger: PotentialTrigger, agency: str | None) -> dict[str, Any]:
    agency_of = trigger.agency_of
    counted = [
        {
            "complaint_id": str(c.complaint_id),
            "agency": agency_of[c.complaint_id],
            "incident_date": c.incident_date.isoformat(),
            "reported_date": c.reported_date.isoformat(),
        }
        for c in trigger.counted
        if agency is None or agency_of[c.complaint_id] == agency  # another agency's complaints: counted, not shown
    ]
    return {
        "kind": "victim",
        "victim_id": str(trigger.victim_id),
        "state": trigger.state.value,
        "counted_incidents": trigger.counted_incidents,
        "by_agency": trigger.by_agency,
        "tell_due_date": trigger.tell_due_date.isoformat() if trigger.tell_due_date else None,
        "told_on": trigger.told_on.isoformat() if trigger.told else None,
        "counted": counted,
        "policy": {"name": trigger.policy_name, "version": trigger.policy_version},
    }


def _place_item(place: PlaceListed, agency: str | None) -> dict[str, Any]:
    agency_of = place.place.agency_of
    members = sorted(
        {str(c.victim_id) for c in place.place.counted if agency is None or agency_of[c.complaint_id] == agency}
    )
    return {
        "kind": "location",
        "location_id": location_id(place.digest),
        "state": place.state,
        "counted_incidents": place.place.counted_incidents,
        "by_agency": place.place.by_agency,
        "reported_by": place.place.reported_by,
        "member_ids": members,
        "counted": [
            {
                "complaint_id": str(c.complaint_id),
                "agency": agency_of[c.complaint_id],
                "incident_date": c.incident_date.isoformat(),
                "reported_date": c.reported_date.isoformat(),
            }
            for c in place.place.counted
            if agency is None or agency_of[c.complaint_id] == agency
        ],
        "policy": {"name": place.place.policy_name, "version": place.place.policy_version},
    }


def _after(kind: str, value: str) -> tuple[str, Any]:
    if kind == "victim":
        return kind, UUID(value)
    if kind == "location":
        return kind, base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)) if value else None
    raise ValueError(kind)


def _cursor_after(after: tuple[str, Any]) -> str:
    kind, value = after
    if kind == "victim":
        return str(value)
    return base64.urlsafe_b64encode(value).decode().rstrip("=") if value else ""


@router.get(
    "/potential-triggers",
    response_model=PotentialTriggersOut,
    summary="Victims who should be told about the case review",
)
def potential_triggers(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY)),
    on: str | None = Query(
        default=None, description="assess as if each victim applied on this day (YYYY-MM-DD); default today"
    ),
    as_known_at: KnownAt | None = Query(
        default=None, description="only facts recorded by this moment (ISO 8601 with its offset); default now"
    ),
    state: str | None = Query(default=None, description=f"only this state: {', '.join(STATES)}"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> Any:
    """RULES.md section 12: every victim with no open application whose incidents would count if they applied on
    `on` (two or more), with the counts per agency, the state and the telling due date; under a `linked_location`
    policy, also the places whose counted incidents reach the group number. An agency sees only victims (and
    places) it logged a complaint for, and the other agencies' counts, never their complaints."""
    await_earlier_writes(svc)
    if state is not None and state not in STATES:
        raise invalid("state", f"state is one of {', '.join(STATES)}")
    day = _day(on)
    moment = as_known_at or now()
    after = None
    if cursor is not None:
        kind, value, cursor_on, cursor_moment, cursor_state = cursor_position(
            cursor, {"kind": str, "after": str, "on": date.fromisoformat, "as_known_at": datetime.fromisoformat,
                     "state": lambda s: s},
        )  # fmt: skip
        if cursor_on != day or cursor_state != state or (as_known_at is not None and as_known_at != cursor_moment):
            raise invalid("cursor", "this cursor belongs to another on, as_known_at or state; start again without it")
        try:
            after = _after(kind, value)
        except (ValueError, binascii.Error):
            raise invalid("cursor", "the cursor is not one this API gave out; start again without it") from None
        moment = cursor_moment  # every page as known at the first page's moment
    agency = key.agency if key.role is Role.AGENCY else None
    now_at = svc.runner.position if as_known_at is None and cursor is None else None  # as known now: maybe remembered
    page = listed(
        svc.pool, svc.policies, on=day, as_known_at=moment, agency=agency, state=state, after=after, limit=limit,
        now_at_position=now_at,
    )  # fmt: skip
    items = [_victim_item(t, agency) for t in page.victims]
    items += [_place_item(p, agency) for p in page.places]
    next_cursor = None
    if page.next_after is not None:
        next_cursor = encode_cursor(
            {"kind": page.next_after[0], "after": _cursor_after(page.next_after), "on": day.isoformat(),
             "as_known_at": moment.isoformat(), "state": state}
        )  # fmt: skip
    answer = {"on": day.isoformat(), "as_known_at": utc_time(moment), "items": items, "next_cursor": next_cursor}
    people = [item["victim_id"] for item in items if item["kind"] == "victim"]
    people += [member for item in items if item["kind"] == "location" for member in item["member_ids"]]
    return AuditedJSON(answer, people)


@router.post(
    "/people/{person_id}/told-about-case-review", status_code=201, response_model=TellingWritten,
    summary="Record that a victim was told about the case review",
)  # fmt: skip
@location("/v1/people/{id}")
def tell_about_case_review(
    person_id: UUID, body: TellingIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))
) -> dict[str, Any]:
    """RULES.md section 12: the victim was told (`told_on`, by `channel`; by whom: the key). An agency records it only
    for a victim it logged a complaint for. Refused (409) for an erased person; `told_on` may not be in the future."""
    if key.role is Role.AGENCY:
        svc.casework.person(person_id)  # 404 for an unknown person, before anything about their complaints
        await_earlier_writes(svc)  # the complaints it has just logged count
        if not CaseFacts.complaints_of_victim(svc.pool, person_id, agency=key.agency, after=None, limit=1):
            raise Problem(
                403,
                "Forbidden",
                "an agency records telling only for a victim it logged a complaint for",
                slug="forbidden",
            )
    command = TellAboutCaseReview(person_id, told_on=body.told_on, channel=body.channel)
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written_answer(svc, key, result, {"told_on": body.told_on.isoformat(), "channel": body.channel.value})
