"""People: victims, complainants, applicants and group members; and their erasure."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.answers import ErasureWritten, PersonOut, Written
from api.auth import allow
from api.dependencies import (
    AGENCY,
    AUDITOR,
    COORDINATOR,
    Svc,
    now,
    written,
)
from api.routes import ThreadRoute
from api.schemas import Body, PersonIn, example
from api.views import person_view
from api.writes import answers_etag, location
from domain.people import ErasureReason
from service.commands import ErasePerson
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["people"], route_class=ThreadRoute)


class ErasureIn(Body):
    model_config = example(reason="subject_request")

    reason: ErasureReason  # a code, not free text: the record of an erasure must hold nothing about the person


@router.post("/people", status_code=201, response_model=Written, summary="Register a person")
@location("/v1/people/{id}")
def register_person(body: PersonIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))) -> dict[str, Any]:
    """A victim, complainant, applicant or group member, with contact details (each optional)."""
    return written(svc, key, svc.casework.handle(body.command(), actor=key.actor, now=now()))


@router.get("/people/{person_id}", response_model=PersonOut, summary="Read a person")
@answers_etag
def read_person(person_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    """The person's name and contact details (the read is recorded in the read audit)."""
    return person_view(svc.casework.person(person_id))


@router.post("/people/{person_id}/erasure", status_code=201, response_model=ErasureWritten, summary="Erase a person")
@location("/v1/people/{id}")
def erase_person(
    person_id: UUID, body: ErasureIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    """Erase the person's personal data for good (their key is destroyed); the case facts stay."""
    result = svc.casework.handle(ErasePerson(person_id, body.reason), actor=key.actor, now=now())
    return written(svc, key, result, {"erased": True})
