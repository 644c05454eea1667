"""The event feed, in commit order, for partner tools that keep their own copy."""

from typing import Any

from fastapi import APIRouter, Depends, Query

from api.auth import allow
from api.keys import ApiKey
from api.services import (
    AUDITOR,
    COORDINATOR,
    Svc,
)
from api.views import event_data, event_view, text_refs

router = APIRouter(prefix="/v1", tags=["events"])


@router.get("/events")
def event_feed(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    after: int = Query(default=0, ge=0, le=2**62),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    notifications = svc.trigger.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    events = [(n.id, svc.trigger.mapper.to_domain_event(n)) for n in notifications]
    texts = svc.trigger.resolve_texts([ref for _, event in events for ref in text_refs(event_data(event))])
    items = [{"position": position, **event_view(event, texts)} for position, event in events]
    return {"items": items, "next_after": items[-1]["position"] if items else after}
