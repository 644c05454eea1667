"""Consents to an application on someone's behalf, to group representation, to sharing."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.answers import ConsentOut, Written
from api.auth import allow
from api.dependencies import (
    AUDITOR,
    COORDINATOR,
    Svc,
    now,
    written,
)
from api.routes import ThreadRoute
from api.schemas import ConsentIn, ConsentWithdrawalIn
from api.views import consent_view
from api.writes import answers_etag, location
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["consents"], route_class=ThreadRoute)


@router.post("/consents", status_code=201, response_model=Written, summary="Record a consent")
@location("/v1/consents/{id}")
def give_consent(body: ConsentIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    return written(svc, key, svc.casework.handle(body.command(), actor=key.actor, now=now()))


@router.get("/consents/{consent_id}", response_model=ConsentOut, summary="Read a consent")
@answers_etag
def read_consent(consent_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    return consent_view(svc.casework.consent(consent_id))


@router.post("/consents/{consent_id}/withdrawal", response_model=Written, summary="Withdraw a consent")
def withdraw_consent(
    consent_id: UUID, body: ConsentWithdrawalIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    return written(svc, key, svc.casework.handle(body.command(consent_id=consent_id), actor=key.actor, now=now()))
