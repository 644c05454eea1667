"""Consents to an application on someone's behalf, to group representation, to sharing."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.auth import allow
from api.keys import ApiKey
from api.routes import ThreadRoute
from api.schemas import ConsentIn, ConsentWithdrawalIn, WriteOut
from api.services import (
    AUDITOR,
    COORDINATOR,
    Svc,
    now,
    written,
)
from api.views import consent_view

router = APIRouter(prefix="/v1", tags=["consents"], route_class=ThreadRoute)


@router.post("/consents", status_code=201, response_model=WriteOut)
def give_consent(body: ConsentIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    result = svc.trigger.give_consent(
        person_id=body.person_id,
        application_id=body.application_id,
        purpose=body.purpose,
        given_on=body.given_on,
        actor=key.actor,
        now=now(),
    )
    return written(svc, key, result)


@router.get("/consents/{consent_id}")
def read_consent(consent_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    return consent_view(svc.trigger.consent(consent_id))


@router.post("/consents/{consent_id}/withdrawal", response_model=WriteOut)
def withdraw_consent(
    consent_id: UUID, body: ConsentWithdrawalIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    return written(
        svc, key, svc.trigger.withdraw_consent(consent_id, withdrawn_on=body.withdrawn_on, actor=key.actor, now=now())
    )
