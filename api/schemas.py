"""Request bodies of the partner API (API.md, Writing). Strict where it matters: a date is a
'YYYY-MM-DD' string, a flag is true or false, and an unknown field is refused rather than dropped."""

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    ConsentPurpose,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Route,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_string(value: Any) -> Any:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_date_string)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AgencySlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Body):
    phone: ShortText | None = None
    email: ShortText | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class PersonIn(Body):
    display_name: ShortText
    contact: ContactIn | None = None


class ComplaintIn(Body):
    victim_id: UUID
    complainant_id: UUID | None = None
    agency: AgencySlug
    agency_reference: ShortText | None = None
    incident_date: Day
    reported_date: Day
    caused_harassment_alarm_distress: StrictBool
    category: ComplaintCategory
    location: Text | None = None
    description: Text | None = None
    incident_ref: ShortText | None = None


class ComplaintAmendmentIn(Body):
    agency_reference: ShortText | None = None
    incident_date: Day | None = None
    reported_date: Day | None = None
    caused_harassment_alarm_distress: StrictBool | None = None
    category: ComplaintCategory | None = None
    incident_ref: ShortText | None = None


class WithdrawalIn(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class CaseReviewIn(Body):
    route: Route
    applicant_id: UUID
    victim_id: UUID | None = None
    member_ids: list[UUID] = Field(default_factory=list, max_length=500)
    received_date: Day
    channel: Channel
    dissatisfaction: Dissatisfaction
    complaint_ids: list[UUID] | None = Field(default=None, max_length=1000)


class ConsentIn(Body):
    person_id: UUID
    application_id: UUID
    purpose: ConsentPurpose
    given_on: Day


class ConsentWithdrawalIn(Body):
    withdrawn_on: Day


class AcknowledgementIn(Body):
    acknowledged_on: Day


class ThresholdDecisionIn(Body):
    decision: Decision
    grounds: DiscretionGrounds | None = None
    reason: Text | None = None
    decided_on: Day


class InformationIn(Body):
    agency: AgencySlug
    shared_on: Day
    summary: Text | None = None


class DelayNoticeIn(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    new_target_date: Day
    notified_on: Day


class RecommendationIn(Body):
    action: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    agency: AgencySlug
    due_date: Day | None = None


class ReviewIn(Body):
    completed_on: Day
    recommendations: list[RecommendationIn] = Field(max_length=200)


class OutcomeNoticeIn(Body):
    notified_on: Day


class EscalationIn(Body):
    requested_on: Day
    reason: Text | None = None


class EscalationResultIn(Body):
    result: EscalationResult
    decided_on: Day


class WriteOut(BaseModel):
    id: UUID
    version: int
    recorded_at: datetime
