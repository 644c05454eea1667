"""Subscriptions (API.md v1.1): partner tools register a URL and the events they want, pushed as signed POSTs."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import Field

from api.answers import DeliveryPage, SubscriptionDeleted, SubscriptionPage, SubscriptionWritten
from api.auth import allow
from api.dependencies import AGENCY, AUDITOR, COORDINATOR, Limit200, Svc, cursor_id, cursor_position, encode_cursor, now
from api.problems import Problem
from api.routes import ThreadRoute
from api.schemas import Body, example
from api.views import utc_time
from api.writes import location
from domain.vocabulary import Role
from service.webhooks import EVENT_TYPES, may_manage, subscribe
from store import webhooks as store
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["subscriptions"], route_class=ThreadRoute)


class SubscriptionIn(Body):
    model_config = example(url="https://partner.example.org/hooks/community-trigger", events=["should_be_told"])

    url: str = Field(max_length=2000, description="http or https, with a host and no credentials in it")
    events: list[str] = Field(max_length=len(EVENT_TYPES), description=f"any of {', '.join(EVENT_TYPES)}")


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "url": row["url"],
        "events": list(row["events"]),
        "agency": row["agency"],
        "version": 1 if row["deleted_at"] is None else 2,
        "created_at": utc_time(row["created_at"]),
    }


def _managed(svc: Any, key: ApiKey, subscription_id: UUID, deleted_too: bool = False) -> dict[str, Any]:
    """The subscription, if the key may see it: another agency's is as unknown as a missing one (404)."""
    row = store.subscription(svc.pool, subscription_id, deleted_too=deleted_too)
    if row is None or not may_manage(key.actor, row):
        raise Problem(404, "Not found", f"no subscription {subscription_id}", slug="not-found")
    return row


@router.post("/subscriptions", status_code=201, response_model=SubscriptionWritten, summary="Subscribe to events")
@location("/v1/subscriptions/{id}")
def create_subscription(
    body: SubscriptionIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))
) -> dict[str, Any]:
    """Each chosen event is POSTed to `url` as it happens, signed by the Standard Webhooks scheme with the secret in
    this answer (shown once), retried with backoff until the receiver answers 2xx, each with a stable `webhook-id`.
    An agency key receives only its own victims' events (threshold_reached, should_be_told, told) and its actions'."""
    row = subscribe(svc.pool, url=body.url, events=body.events, actor=key.actor)
    return {
        "id": str(row["id"]),
        "version": 1,
        "recorded_at": utc_time(row["created_at"]),
        "url": row["url"],
        "events": list(row["events"]),
        "agency": row["agency"],
        "secret": row["secret"],
    }


@router.get("/subscriptions", response_model=SubscriptionPage, summary="List subscriptions")
def list_subscriptions(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY)),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Live subscriptions (never their secrets); an agency sees its own."""
    after = cursor_position(cursor, {"id": UUID})[0] if cursor is not None else None
    rows = store.subscriptions(
        svc.pool, agency=key.agency, only_agency=key.role is Role.AGENCY, after=after, limit=limit + 1
    )
    more, rows = len(rows) > limit, rows[:limit]
    return {
        "items": [_view(row) for row in rows],
        "next_cursor": encode_cursor({"id": str(rows[-1]["id"])}) if more else None,
    }


@router.delete("/subscriptions/{subscription_id}", response_model=SubscriptionDeleted, summary="Delete a subscription")
def delete_subscription(
    subscription_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))
) -> dict[str, Any]:
    """Nothing more is sent to it; deliveries still waiting are cancelled (their record stays)."""
    _managed(svc, key, subscription_id)
    if not store.delete_subscription(svc.pool, subscription_id):
        raise Problem(404, "Not found", f"no subscription {subscription_id}", slug="not-found")
    return {"id": str(subscription_id), "version": 2, "recorded_at": utc_time(now()), "deleted": True}


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    summary="What was sent to a subscription",
)
def subscription_deliveries(
    subscription_id: UUID,
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY)),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every delivery, newest first: its `webhook_id`, event type, state, attempts and the receiver's last answer
    (a deleted subscription's too: what was sent stays on record)."""
    _managed(svc, key, subscription_id, deleted_too=True)
    before = cursor_position(cursor, {"id": cursor_id})[0] if cursor is not None else None
    rows = store.deliveries(svc.pool, subscription_id, before=before, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    items = [
        {
            "id": row["id"],
            "webhook_id": row["message_id"],
            "type": row["type"],
            "occurred_at": utc_time(row["occurred_at"]),
            "state": row["state"],
            "attempts": row["attempts"],
            "last_attempt_at": utc_time(row["last_attempt_at"]) if row["last_attempt_at"] else None,
            "last_status": row["last_status"],
            "last_error": row["last_error"],
            "next_attempt_at": utc_time(row["next_attempt_at"]),
            "delivered_at": utc_time(row["delivered_at"]) if row["delivered_at"] else None,
        }
        for row in rows
    ]
    return {"items": items, "next_cursor": encode_cursor({"id": rows[-1]["id"]}) if more else None}
