"""Aggregate views for analysts: the yearly publication figures (JSON or CSV) and what-if re-assessment."""

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.answers import PublicationOut, WhatIfOut
from api.auth import allow
from api.dependencies import ANALYST, AUDITOR, COORDINATOR, Svc, await_earlier_writes, now
from api.routes import ThreadRoute
from api.views import utc_time
from domain.audited import local_date
from domain.policy import reporting_year
from projections.publication import PUBLICATION_FIELDS, publication_csv_row, publication_figures
from service.what_if import CSV_FIELDS, parse_against, what_if
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
    await_earlier_writes(svc)
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


WHAT_IF_CSV_EXAMPLE = (
    ",".join(CSV_FIELDS) + "\r\nc1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d,2026-11-02,not_met,met,too_few_incidents,,"
    "safer-havant@1,safer-havant@2,acknowledged - -> 2026-11-16\r\n"
)


@router.get(
    "/reports/what-if", response_model=WhatIfOut, summary="Re-decide a year under another policy version",
    responses={
        200: {
            "description": "The comparison as JSON, or the changed applications as CSV with `Accept: text/csv` or"
            " `format=csv`",
            "content": {"text/csv": {"schema": {"type": "string"}, "example": WHAT_IF_CSV_EXAMPLE}},
        }
    },
)  # fmt: skip
def what_if_report(
    request: Request,
    svc: Svc,
    key: ApiKey = Depends(allow(ANALYST, COORDINATOR, AUDITOR)),
    policy: str = Query(description="NAME@VERSION to re-decide under", max_length=120),
    against: str | None = Query(
        default=None,
        max_length=120,
        description="what to compare with: NAME@VERSION; `live`, the assessments the threshold decisions recorded"
        " (each re-assessed as known at its own moment); default each application's own policy in force",
    ),
    year: int | None = Query(
        default=None, ge=2014, le=2100, description="only applications received in this reporting year (default all)"
    ),
    format_: str | None = Query(
        default=None, alias="format", pattern="^(json|csv)$", description="`csv`: the changed applications"
    ),
) -> Any:
    """RULES.md section 11: every application of the year assessed under `policy` and under what it is compared with,
    changing nothing: the verdicts that change with their reasons, the stage due dates that move, and the figures
    of RULES.md section 10 as if each had decided. No personal data: applications and complaints by id only."""
    await_earlier_writes(svc)
    other = svc.policies.named(policy)
    comparison = parse_against(against)
    # Everyone's facts, not only the caller's: the applications and their facts come from the read models.
    svc.runner.wait_for(svc.runner.head(), svc.read_wait_seconds)
    moment = now()
    period = reporting_year(svc.policies.in_force(local_date(moment)), year) if year else None
    report = what_if(svc.store, svc.pool, svc.policies, other, against=comparison, period=period, as_known_at=moment)
    if format_ == "csv" or (format_ is None and "text/csv" in request.headers.get("accept", "")):
        against_name = (comparison or "in-force").replace("@", "-")
        filename = f"what-if-{other.name}-{other.version}-against-{against_name}-{year or 'all-years'}.csv"
        return Response(
            report.csv(), media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )  # fmt: skip
    return {**report.to_dict(), "year": year, "as_known_at": utc_time(moment)}
