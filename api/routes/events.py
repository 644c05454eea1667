"""The event feed, in commit order, for partner tools that keep their own copy."""

from typing import Any

from fastapi import APIRouter, Depends, Query

from api.answers import EventFeedOut
from api.auth import allow
from api.dependencies import (
    AUDITOR,
    COORDINATOR,
    Limit1000,
    Svc,
    decode_cursor,
    encode_cursor,
)
from api.problems import invalid
from api.routes import ThreadRoute
from api.views import event_data, event_view, text_refs
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["events"], route_class=ThreadRoute)


@router.get("/events", response_model=EventFeedOut, summary="The event feed")
def event_feed(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    after: int = Query(default=0, ge=0, le=2**62),
    limit: Limit1000 = 100,
    cursor: str | None = Query(default=None, description="next_cursor of the page before (instead of after)"),
) -> dict[str, Any]:
    """Events after position `after` (or after a page's `next_cursor`: API.md, lists are cursor-paged)."""
    if cursor is not None:
        position = decode_cursor(cursor, ("after",))["after"]
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 2**62:
            raise invalid("cursor", "the cursor is not one this API gave out; start again without it")
        after = position
    notifications = svc.store.recorder.select_notifications(start=after, limit=limit + 1, inclusive_of_start=False)
    more, notifications = len(notifications) > limit, notifications[:limit]
    events = [(n.id, svc.store.mapper.to_domain_event(n)) for n in notifications]
    texts = svc.casework.resolve_texts([ref for _, event in events for ref in text_refs(event_data(event))])
    items = [{"position": position, **event_view(event, texts)} for position, event in events]
    last = items[-1]["position"] if items else after
    return {"items": items, "next_after": last, "next_cursor": encode_cursor({"after": last}) if more else None}
