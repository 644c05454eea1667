"""Policy versions (RULES.md section 7): published by an admin, never edited, read by everyone who decides by them."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field, StringConstraints

from api.answers import PolicyPage, PolicyWritten
from api.auth import allow
from api.dependencies import ADMIN, ANALYST, AUDITOR, COORDINATOR, Svc, now, written_at
from api.problems import invalid
from api.routes import ThreadRoute
from api.schemas import AgencySlug, Body, Day, example
from api.writes import location
from domain.policy import CalendarSpec
from domain.policy_book import policy_book_id
from projections.case_list import refresh_due_dates
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["policies"], route_class=ThreadRoute)

MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]


class CalendarIn(Body):
    model_config = example(country="GB", subdivision="ENG", closure_days=["2027-12-29"])

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "GB"
    subdivision: Annotated[str, StringConstraints(min_length=1, max_length=10)] | None = "ENG"
    closure_days: list[Day] = Field(default_factory=list, max_length=366)


class PolicyIn(Body):
    model_config = example(
        name="havant", version=2, effective_from="2027-04-01", review_due_working_days=20,
        reporting_year_start="04-01", calendar={"country": "GB", "subdivision": "ENG", "closure_days": ["2027-12-29"]},
    )  # fmt: skip

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
    version: int = Field(ge=1, le=10_000)
    effective_from: Day
    individual_min_complaints: int | None = Field(default=None, ge=1, le=100)
    group_min_individuals: int | None = Field(default=None, ge=1, le=1000)
    reporting_window_months: int | None = Field(default=None, ge=1, le=24)
    lookback_months: int | None = Field(default=None, ge=1, le=60)
    review_due_working_days: int | None = Field(default=None, ge=1, le=250)
    acknowledge_working_days: int | None = Field(default=None, ge=1, le=250)
    threshold_decision_working_days: int | None = Field(default=None, ge=1, le=250)
    outcome_letter_working_days: int | None = Field(default=None, ge=1, le=250)
    reporting_year_start: MonthDay | None = None
    partner_agencies: list[AgencySlug] | None = Field(default=None, max_length=200)
    calendar: CalendarIn | None = None


def policy_view(policy: Any) -> dict[str, Any]:
    return policy.to_dict()


@router.post("/policies", status_code=201, response_model=PolicyWritten, summary="Publish a policy version")
@location("/v1/policies")
def publish_policy(body: PolicyIn, svc: Svc, key: ApiKey = Depends(allow(ADMIN))) -> dict[str, Any]:
    """A new version of a partnership's policy: parameters not given are taken from its current version."""
    params: dict[str, Any] = body.model_dump(
        exclude_none=True, exclude={"calendar", "reporting_year_start", "partner_agencies"}
    )
    if body.reporting_year_start is not None:
        month, day = (int(part) for part in body.reporting_year_start.split("-"))
        try:
            date(2000, month, day)  # a leap year, so 02-29 is a real day
        except ValueError:
            raise invalid("reporting_year_start", "a month and day that exist, as MM-DD (for example 04-01)") from None
        params["reporting_year_start"] = (month, day)
    if body.partner_agencies is not None:
        params["partner_agencies"] = frozenset(body.partner_agencies)
    if body.calendar is not None:
        params["calendar"] = CalendarSpec(
            country=body.calendar.country,
            subdivision=body.calendar.subdivision,
            closure_days=frozenset(body.calendar.closure_days),
        )
    moment = now()
    policy = svc.policies.publish(params, actor=key.actor, now=moment)
    if policy.name == svc.policies.name:  # the partnership's own policy: due dates may change from its date on
        refresh_due_dates(svc.pool, svc.policies.in_force, policy.effective_from)
    return {
        "id": str(policy_book_id(policy.name)),
        "version": policy.version,
        **written_at(moment),
        "policy": policy_view(policy),
    }


@router.get("/policies", response_model=PolicyPage, summary="List the policy versions")
def list_policies(svc: Svc, key: ApiKey = Depends(allow(ADMIN, COORDINATOR, AUDITOR, ANALYST))) -> dict[str, Any]:
    """Every published version of every policy (one page)."""
    return {"items": [policy_view(policy) for policy in svc.policies.versions()], "next_cursor": None}
