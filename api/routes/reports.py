"""Aggregate views for analysts: the yearly publication figures (JSON or CSV) and what-if re-assessment."""

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.answers import PublicationOut, WhatIfOut
from api.auth import allow
from api.dependencies import ANALYST, AUDITOR, COORDINATOR, Svc, now, read_own_writes
from api.routes import ThreadRoute
from api.views import utc_time
from domain.audited import local_date
from domain.policy import reporting_year
from projections.publication import PUBLICATION_FIELDS, publication_csv_row, publication_figures
from service.what_if import assessing_now, what_if
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["reports"], route_class=ThreadRoute)


PUBLICATION_CSV_EXAMPLE = ",".join(PUBLICATION_FIELDS) + "\r\n2026,2026-04-01,2027-03-31,42,9,30,21,14,0.9,3,4,1,3\r\n"


@router.get(
    "/reports/publication", response_model=PublicationOut, summary="The year's publication figures",
    responses={
        200: {
            "description": "The figures as JSON, or as CSV (a download named `asb-case-reviews-YYYY-YYYY.csv`)"
            " with `?format=csv` or `Accept: text/csv`",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": PUBLICATION_CSV_EXAMPLE}},
        }
    },
)  # fmt: skip
def publication(
    request: Request,
    svc: Svc,
    key: ApiKey = Depends(allow(ANALYST, COORDINATOR, AUDITOR)),
    year: int = Query(ge=2014, le=2100, description="the reporting year that starts in this year"),
    format: str | None = Query(
        default=None, pattern="^(json|csv)$", description="`csv` for a CSV download (as `Accept: text/csv` does)"
    ),
) -> Any:
    """RULES.md section 10: applications received, thresholds not met, reviews carried out and with recommendations."""
    read_own_writes(svc, key)
    figures = publication_figures(svc.pool, svc.policies.in_force, year, local_date(now()))
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=PUBLICATION_FIELDS)
        writer.writeheader()
        writer.writerow(publication_csv_row(figures))
        filename = f"asb-case-reviews-{year}-{year + 1}.csv"
        return Response(
            out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
    return figures


@router.get("/reports/what-if", response_model=WhatIfOut, summary="What if another policy version applied")
def what_if_report(
    svc: Svc,
    key: ApiKey = Depends(allow(ANALYST, COORDINATOR, AUDITOR)),
    policy: str = Query(description="NAME@VERSION to re-assess under"),
    year: int | None = Query(
        default=None, ge=2014, le=2100, description="only applications received in this reporting year"
    ),
) -> dict[str, Any]:
    """Re-assess every application under another policy version, changing nothing; list the verdicts that would change."""
    read_own_writes(svc, key)
    other = svc.policies.named(policy)
    period = reporting_year(svc.policies.in_force(local_date(now())), year) if year else None
    assess, moment = assessing_now(svc)
    changes = [change.to_dict() for change in what_if(svc.pool, assess, other, year_period=period)]
    return {
        "policy": {"name": other.name, "version": other.version},
        "as_known_at": utc_time(moment),
        "changes": changes,
    }
