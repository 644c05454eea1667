"""People: victims, complainants, applicants and group members."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.auth import allow
from api.keys import ApiKey
from api.schemas import PersonIn, WriteOut
from api.services import (
    AGENCY,
    AUDITOR,
    COORDINATOR,
    Svc,
    now,
    written,
)
from api.views import person_view
from domain.people import Contact

router = APIRouter(prefix="/v1", tags=["people"])


@router.post("/people", status_code=201, response_model=WriteOut)
def register_person(body: PersonIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))) -> dict[str, Any]:
    contact = Contact(**(body.contact.model_dump() if body.contact else {}))
    return written(
        svc,
        key,
        svc.trigger.register_person(display_name=body.display_name, contact=contact, actor=key.actor, now=now()),
    )


@router.get("/people/{person_id}")
def read_person(person_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    return person_view(svc.trigger.person(person_id))
