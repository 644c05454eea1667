"""Policy versions (RULES.md sections 7 and 11): published by an admin, never edited, read by everyone who decides by them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field, StrictBool, StringConstraints

from api.answers import PolicyPage, PolicyWritten
from api.auth import allow
from api.dependencies import ADMIN, ANALYST, AUDITOR, COORDINATOR, Svc, now, written_at
from api.routes import ThreadRoute
from api.schemas import AgencySlug, Body, Day, example
from api.writes import location
from domain.policy import LEGACY_STAGE_NAMES
from domain.policy_book import policy_book_id
from domain.vocabulary import ComplaintSource, DayKind, GroupRule, StageName
from projections.case_list import refresh_due_dates
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["policies"], route_class=ThreadRoute)

MonthDay = Annotated[str, StringConstraints(pattern=r"^\d{2}-\d{2}$")]
Days = Annotated[int, Field(ge=1, le=366)]


class CalendarIn(Body):
    model_config = example(country="GB", subdivision="ENG", closure_days=["2027-12-29"])

    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "GB"
    subdivision: Annotated[str, StringConstraints(min_length=1, max_length=10)] | None = "ENG"
    closure_days: list[Day] = Field(default_factory=list, max_length=366)


class PeriodIn(Body):
    """A length of time: `{"months": N}` (RULES.md section 2's corresponding-date rule) or `{"days": N}`, one of them."""

    model_config = example(days=30)

    months: int | None = Field(default=None, ge=1, le=120)
    days: int | None = Field(default=None, ge=1, le=3660)


class StageIn(Body):
    """One step of the procedure with its time limit: due `days` days after its `from` step happened (RULES.md 11)."""

    model_config = example(name="threshold_decided", days=15, day_kind="working", **{"from": "acknowledged"})

    name: StageName
    days: Days
    day_kind: DayKind = DayKind.WORKING
    from_: str = Field(default="received", alias="from", description="`received`, or the name of an earlier stage")


class PolicyIn(Body):
    """A new version: `name`, `version` and `effective_from`, and any parameters of RULES.md sections 7 and 11 to 13
    (those not given are taken from the policy's current version). Section 7's names still work."""

    model_config = example(
        name="safer-havant", version=2, effective_from="2027-04-01", category_thresholds={"hate_incident": 1},
        reporting_window={"days": 30}, stages=[
            {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
            {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
            {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
        ],
        calendar={"country": "GB", "subdivision": "ENG", "closure_days": ["2027-12-29"]},
    )  # fmt: skip

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
    version: int = Field(ge=1, le=2**31 - 1)
    effective_from: Day
    individual_min_complaints: int | None = Field(default=None, ge=1, le=100, description="1 to 3 (the law's cap)")
    group_min_individuals: int | None = Field(default=None, ge=1, le=1000)
    group_rule: GroupRule | None = Field(default=None, description="`individuals` (section 4) or `linked_location`")
    reporting_window: PeriodIn | None = Field(default=None, description="how soon after the incident it is reported")
    lookback: PeriodIn | None = Field(default=None, description="the window before the received date")
    last_incident_in_window: StrictBool | None = Field(
        default=None, description="whether the most recent counted incident must be inside the window"
    )
    category_thresholds: dict[str, int] | None = Field(
        default=None,
        description='category -> number (1 to 3) that meets the threshold alone, e.g. {"hate_incident": 1}',
    )
    excluded_sources: list[ComplaintSource] | None = Field(default=None, max_length=8)
    stages: list[StageIn] | None = Field(
        default=None, max_length=6, description="the procedure's steps in order; review_completed from received"
    )
    tell_within_working_days: Days | None = Field(default=None, description="RULES.md section 12")
    update_every_working_days: Days | None = Field(default=None, description="RULES.md section 13")
    pcc_request_within_working_days: Days | None = Field(default=None, description="RULES.md section 13")
    pcc_review_grounds: list[Annotated[str, StringConstraints(max_length=60)]] | None = Field(
        default=None, max_length=20, description="RULES.md section 13"
    )
    reporting_window_months: int | None = Field(default=None, ge=1, le=24, description="section 7's name")
    lookback_months: int | None = Field(default=None, ge=1, le=60, description="section 7's name")
    review_due_working_days: int | None = Field(default=None, ge=1, le=250, description="section 7's name")
    acknowledge_working_days: int | None = Field(
        default=None, ge=1, le=250, description="section 7's name; null takes the stage out"
    )
    threshold_decision_working_days: int | None = Field(
        default=None, ge=1, le=250, description="section 7's name; null takes the stage out"
    )
    outcome_letter_working_days: int | None = Field(
        default=None, ge=1, le=250, description="section 7's name; null takes the stage out"
    )
    reporting_year_start: MonthDay | None = Field(default=None, description='"MM-DD"')
    partner_agencies: list[AgencySlug] | None = Field(default=None, max_length=200)
    calendar: CalendarIn | None = None

    def parameters(self) -> dict[str, Any]:
        """The parameters given, as the domain reads them (domain/policy.py checks each, naming the field at fault).

        A parameter left out or null is taken from the current version; section 7's stage names other than
        review_due_working_days given as null take their stage out, as the domain allows.
        """
        params = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        if self.calendar is not None:  # whole: a null subdivision (a country without regions) is a value
            params["calendar"] = self.calendar.model_dump(mode="json")
        for name in LEGACY_STAGE_NAMES:
            if name in self.model_fields_set and getattr(self, name) is None and name != "review_due_working_days":
                params[name] = None
        return params


def policy_view(policy: Any) -> dict[str, Any]:
    return policy.to_dict()


@router.post("/policies", status_code=201, response_model=PolicyWritten, summary="Publish a policy version")
@location("/v1/policies")
def publish_policy(body: PolicyIn, svc: Svc, key: ApiKey = Depends(allow(ADMIN))) -> dict[str, Any]:
    """A new version of a partnership's policy: parameters not given are taken from its current version. Answers
    which parameters changed from the version it was derived from; one that relaxes the deployment's national floor
    (RULES.md section 11) is refused with 422 naming the parameter."""
    moment = now()
    published = svc.policies.publish(body.parameters(), actor=key.actor, now=moment)
    policy = published.policy
    if policy.name == svc.policies.name:  # the partnership's own policy: due dates may change from its date on
        refresh_due_dates(svc.pool, svc.policies.in_force, policy.effective_from)
    return {
        "id": str(policy_book_id(policy.name)),
        "version": policy.version,
        **written_at(moment),
        "policy": policy_view(policy),
        "derived_from": {"name": published.derived_from.name, "version": published.derived_from.version},
        "changed": published.changed,
    }


@router.get("/policies", response_model=PolicyPage, summary="List the policy versions")
def list_policies(svc: Svc, key: ApiKey = Depends(allow(ADMIN, COORDINATOR, AUDITOR, ANALYST))) -> dict[str, Any]:
    """Every published version of every policy (one page): the partnership's own first, then by name; oldest first."""
    versions = [policy for name in svc.policies.names() for policy in svc.policies.versions(name)]
    return {"items": [policy_view(policy) for policy in versions], "next_cursor": None}
