"""Letters to the applicant (RULES.md section 13): rendered from the partnership's templates as HTML or PDF, and
recorded as sent with the template version. Reading a letter is a read of the applicant's personal data, and
is recorded in the read audit like any other (api/audit.py AuditedContent)."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.answers import LetterWritten
from api.audit import AuditedContent
from api.auth import allow
from api.dependencies import IfMatch, Svc, await_earlier_writes, expected_version, now, written
from api.journey_schemas import LetterSentIn
from api.openapi import problems
from api.routes import ThreadRoute
from api.routes.case_reviews import APPLICATION
from api.writes import location
from domain.audited import local_date
from domain.vocabulary import LetterKind
from service import commands as c
from service.authorization import READ_CASE_REVIEWS, roles_for
from service.case_letters import render_letter
from service.letters import PDF
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["the victim's part and the promises"], route_class=ThreadRoute)

LETTER_EXAMPLE = (
    '<!DOCTYPE html>\n<html lang="en-GB">…<h1>Your request for an ASB case review: the threshold is met</h1>'
    "<p>Thank you for your request for an anti-social behaviour (ASB) case review, which we received on 2 November"
    " 2026.</p>…</html>"
)
PDF_EXAMPLE = "%PDF-1.7\n…"  # a PDF file's first bytes: the answer is binary, a client saves or shows it as a file


@router.get(
    "/case-reviews/{review_id}/letters/{kind}",
    summary="Render a letter to the applicant",
    response_class=Response,
    responses={
        200: {
            "description": "The letter as an HTML page (default) or a PDF (`Accept: application/pdf`)",
            "content": {
                "text/html": {"schema": {"type": "string"}, "example": LETTER_EXAMPLE},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}, "example": PDF_EXAMPLE},
            },
        },
        **problems(**{"409": "The step the letter reports has not happened yet"}),
    },
)
def read_letter(
    review_id: UUID, kind: LetterKind, request: Request, svc: Svc, key: ApiKey = Depends(allow(*READ_CASE_REVIEWS))
) -> Any:
    """The `acknowledgement`, `threshold_decision` (with the decision's plain-English reasons and how to ask the
    Police and Crime Commissioner for a review), `delay` or `outcome` letter (with the actions agreed), from the
    templates of the partnership whose policy the application is under. Dated the day it was recorded as sent,
    else today. A letter about a step not reached is 409; an erased applicant's data reads "[erased]"."""
    await_earlier_writes(svc)
    review = svc.casework.case_review(review_id)
    pdf = PDF in request.headers.get("accept", "")
    letter = render_letter(svc.casework, review, kind, pdf=pdf, today=local_date(now()))
    filename = f"{kind.value}-{review_id}.{'pdf' if pdf else 'html'}"
    return AuditedContent(
        letter.content,
        letter.media_type,
        [review.applicant_id],  # whose name, address and texts the letter shows
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Template-Version": letter.template_ref,
        },
    )


@router.post(
    "/case-reviews/{review_id}/letters/{kind}/sent", status_code=201, response_model=LetterWritten,
    summary="Record a letter as sent",
    response_description="The letter is recorded as sent, with its template version",
)  # fmt: skip
@location(APPLICATION)
def record_letter_sent(
    review_id: UUID,
    kind: LetterKind,
    body: LetterSentIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(*roles_for(c.RecordLetterSent))),
) -> dict[str, Any]:
    """Records that the letter of `kind` was sent on `sent_on` by `channel`, with the template version it is
    rendered from (set/kind@version) and who recorded it. Not before the step it reports (409)."""
    command = body.command(case_review_id=review_id, kind=kind, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    sent = result.aggregate.letters[-1]  # type: ignore[attr-defined]
    extra = {"kind": kind.value, "template_version": sent.template_version, "status": result.aggregate.status.value}
    return written(svc, key, result, extra)
