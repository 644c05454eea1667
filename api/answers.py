"""What the partner API answers (API.md), as the OpenAPI at /openapi.json documents it: one model per answer.

The routes build their answers as dicts (api/views.py); these models are their `response_model`s, so
FastAPI checks each answer against its model and the OpenAPI shows the schema, field descriptions and
an example. Answers keep exactly the keys a route gives (the routes' `ThreadRoute` leaves out fields the
route did not set), and a field a model does not name yet is passed through (`extra="allow"`) rather
than dropped, so an answer never loses a field because its documentation lags behind.

New answers: subclass `Answer` (or `Written` for a write) with `answer_example(...)`, and list pages as
`page_of(Item)`.
"""

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from domain.calendar import DeadlineState
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ComplaintCategory,
    ConsentPurpose,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Role,
    Route,
    Verdict,
)

# How answers write times (api/views.py utc_time): UTC, `Z`, with or without a fraction of a second.
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"

IdText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
DateText = Annotated[str, WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-11-02"]})]
TimeText = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "format": "date-time", "pattern": TIME_PATTERN, "examples": ["2026-11-02T09:30:00.123456Z"]}
    ),
]

# The example ids read as: a victim, a complaint, an application, a consent, an escalation (all made up).
VICTIM = "4d2c8a9e-5b1f-4c3a-9e7d-2f6b8c1a0e53"
COMPLAINT = "9b7e1f3a-2c4d-4e5f-8a6b-1c2d3e4f5a6b"
APPLICATION = "c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
CONSENT = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
ESCALATION = "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
RECORDED_AT = "2026-11-02T09:30:00.123456Z"
ACTOR = {"key_id": "3f9a0c1b2d4e", "role": "coordinator", "agency": None}


def answer_example(**values: Any) -> ConfigDict:
    """An answer's config with its example for the OpenAPI (tests/api/test_openapi_contract.py checks each)."""
    return ConfigDict(extra="allow", json_schema_extra={"examples": [values]})


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    return (model.model_config.get("json_schema_extra") or {})["examples"][0]  # type: ignore[index]


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


ItemT = TypeVar("ItemT")


class Page(Answer, Generic[ItemT]):
    """A cursor-paged list (API.md: Reading)."""

    items: list[ItemT] = Field(description="this page's items")
    next_cursor: str | None = Field(description="pass as `cursor=` for the next page; null on the last page")


def page_of(item: type[Answer], **extra: Any) -> type[Page[Any]]:
    """`{"items": [item, ...], "next_cursor": ...}` as a model of its own, with an example built from the item's."""
    example = {"items": [example_of(item)], "next_cursor": None, **extra}
    return type(
        f"{item.__name__}Page",
        (Page[item],),  # type: ignore[valid-type]
        {
            "__module__": __name__,
            "__doc__": f"A page of {item.__name__} items.",
            "model_config": answer_example(**example),
        },
    )


# --- writes ------------------------------------------------------------------------------


class Written(Answer):
    """What every write answers (API.md, Writing); its `version` is also the answer's `ETag`."""

    model_config = answer_example(id=VICTIM, version=1, recorded_at=RECORDED_AT)

    id: IdText = Field(description="the id of what was written (created, or changed)")
    version: int = Field(description="its version after this write: send it as `If-Match` with the next write")
    recorded_at: TimeText = Field(description="when the write was recorded")


class CaseReviewWritten(Written):
    model_config = answer_example(
        id=APPLICATION, version=1, recorded_at=RECORDED_AT, status="received", due_date="2026-11-30"
    )

    status: CaseStatus = Field(description="where the application stands now (RULES.md section 9)")
    due_date: DateText = Field(description="the date the review is due by (RULES.md section 8)")


class StepWritten(Written):
    """A lifecycle step recorded on an application: `id` and `version` are the application's."""

    model_config = answer_example(id=APPLICATION, version=3, recorded_at=RECORDED_AT, status="acknowledged")

    status: CaseStatus = Field(description="where the application stands after this step (RULES.md section 9)")


class ErasureWritten(Written):
    model_config = answer_example(id=VICTIM, version=2, recorded_at=RECORDED_AT, erased=True)

    erased: bool = Field(description="always true: the person's name, contact details and texts are gone for good")


class EscalationWritten(StepWritten):
    """`id` is the new escalation's (the `{escalation_id}` of its result); `version` stays the application's."""

    model_config = answer_example(
        id=ESCALATION, version=6, recorded_at=RECORDED_AT, status="escalated",
        escalation_id=ESCALATION, application_id=APPLICATION,
    )  # fmt: skip

    escalation_id: IdText = Field(description="the new escalation's id (the same as `id`)")
    application_id: IdText = Field(description="the application it escalates")


# --- people, complaints, consents --------------------------------------------------------


class ActorOut(Answer):
    model_config = answer_example(**ACTOR)

    key_id: str | None = Field(description="the API key that made the change (null: the system itself)")
    role: Role = Field(description="that key's role")
    agency: str | None = Field(description="that key's agency, for an agency key")


class ContactOut(Answer):
    model_config = answer_example(phone="07700 900123", email="alex.taylor@example.org", address=None)

    phone: str | None = Field(description="null when not given, or once the person is erased")
    email: str | None = Field(description="null when not given, or once the person is erased")
    address: str | None = Field(description="null when not given, or once the person is erased")


class PersonOut(Answer):
    model_config = answer_example(
        id=VICTIM, display_name="Alex Taylor", contact=example_of(ContactOut), erased=False, version=1,
        recorded_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    display_name: str = Field(description="the name as given; a fixed placeholder once the person is erased")
    contact: ContactOut
    erased: bool = Field(description="whether the person's personal data has been erased (RULES.md section 14)")
    version: int
    recorded_at: TimeText = Field(description="when the person was registered")


class ComplaintOut(Answer):
    model_config = answer_example(
        id=COMPLAINT, victim_id=VICTIM, complainant_id=VICTIM, agency="hampshire-constabulary",
        agency_reference="HC-2026-0412", incident_date="2026-10-01", reported_date="2026-10-02",
        caused_harassment_alarm_distress=True, category="noise", location="outside 14 Example Road",
        description="Loud music and shouting after midnight", incident_ref=None, withdrawn=False,
        withdrawal_reason=None, version=1, recorded_at=RECORDED_AT, updated_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    victim_id: IdText = Field(description="the person the behaviour was aimed at")
    complainant_id: IdText = Field(description="the person who complained (often the victim)")
    agency: str = Field(description="the partner agency the complaint was made to")
    agency_reference: str | None = Field(description="the agency's own reference")
    incident_date: DateText
    reported_date: DateText
    caused_harassment_alarm_distress: bool
    category: ComplaintCategory
    location: str | None = Field(description="free text; null when not given or once its person is erased")
    description: str | None = Field(description="free text; null when not given or once its person is erased")
    incident_ref: str | None = Field(description="links complaints about one incident (RULES.md section 3)")
    withdrawn: bool
    withdrawal_reason: str | None
    version: int
    recorded_at: TimeText = Field(description="when the complaint was logged")
    updated_at: TimeText = Field(description="when it last changed")


class ComplaintOfVictim(Answer):
    model_config = answer_example(
        id=COMPLAINT, agency="hampshire-constabulary", incident_date="2026-10-01", reported_date="2026-10-02",
        withdrawn=False, version=1,
    )  # fmt: skip

    id: IdText
    agency: str
    incident_date: DateText
    reported_date: DateText
    withdrawn: bool
    version: int


class ConsentOut(Answer):
    model_config = answer_example(
        id=CONSENT, person_id=VICTIM, application_id=APPLICATION, purpose="information_sharing",
        given_on="2026-11-03", withdrawn_on=None, version=1, recorded_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    person_id: IdText = Field(description="the person who consented")
    application_id: IdText
    purpose: ConsentPurpose
    given_on: DateText
    withdrawn_on: DateText | None
    version: int
    recorded_at: TimeText


# --- assessments -------------------------------------------------------------------------


class PolicyRef(Answer):
    model_config = answer_example(name="safer-havant", version=1)

    name: str
    version: int


class Period(Answer):
    model_config = answer_example(**{"from": "2026-04-01", "to": "2027-03-31"})

    from_: DateText = Field(alias="from", description="the first day")
    to: DateText = Field(description="the last day")


class CountedComplaint(Answer):
    model_config = answer_example(
        complaint_id=COMPLAINT, incident_date="2026-10-01", reported_date="2026-10-02", victim_id=VICTIM
    )

    complaint_id: IdText
    incident_date: DateText
    reported_date: DateText
    victim_id: IdText | None = Field(default=None, description="the victim it counts for")


class ExcludedComplaint(Answer):
    model_config = answer_example(complaint_id=COMPLAINT, reasons=["reported_late"])

    complaint_id: IdText
    reasons: list[str] = Field(description="why it was not counted, as codes (RULES.md sections 3 and 4)")


class AssessmentOut(Answer):
    """The automatic threshold assessment (RULES.md sections 3 to 6) as known at `as_known_at`."""

    model_config = answer_example(
        verdict="met", counted=[example_of(CountedComplaint)], excluded=[], reasons=[],
        policy=example_of(PolicyRef), as_known_at=RECORDED_AT,
        window={"from": "2026-10-01", "to": "2026-11-02"},
        explanation="Met: 3 qualifying complaints in the window; the policy asks for 3.",
    )  # fmt: skip

    verdict: Verdict
    counted: list[CountedComplaint] = Field(description="the complaints that count")
    excluded: list[ExcludedComplaint] = Field(description="the complaints that do not, with their reasons")
    reasons: list[str] = Field(description="why the application as a whole falls short, as codes (RULES.md section 5)")
    policy: PolicyRef = Field(description="the policy version assessed under")
    as_known_at: TimeText = Field(description="the moment the facts were taken as known at")
    window: Period | None = Field(default=None, description="the reporting window the incidents were counted in")
    explanation: str = Field(description="the verdict in plain English")


class DecisionWritten(StepWritten):
    model_config = answer_example(
        id=APPLICATION, version=3, recorded_at=RECORDED_AT, status="under_review",
        assessment=example_of(AssessmentOut),
    )  # fmt: skip

    assessment: AssessmentOut | None = Field(
        description="the assessment the decision rests on, as known when it was recorded (RULES.md section 6)"
    )


class ReplayOut(Answer):
    """For an auditor: what a decision recorded, what a replay as known at that moment says, what is known now."""

    model_config = answer_example(
        decision="met", decided_on="2026-11-05", recorded=example_of(AssessmentOut),
        replayed=example_of(AssessmentOut), agrees=True, now=example_of(AssessmentOut),
    )  # fmt: skip

    decision: Decision
    decided_on: DateText | None = Field(default=None, description="absent for a decision recorded without assessment")
    recorded: AssessmentOut | None = Field(description="what the decision recorded (null: recorded without one)")
    replayed: AssessmentOut | None = Field(description="the same assessment replayed as known at its moment")
    agrees: bool | None = Field(description="whether the replay agrees with the record (it must: RULES.md section 6)")
    now: AssessmentOut | None = Field(description="the assessment under the same policy as known now")


class AssessmentSummary(Answer):
    model_config = answer_example(
        verdict="met", reasons=[], policy=example_of(PolicyRef), excluded=[],
        counted=[{"complaint_id": COMPLAINT, "incident_date": "2026-10-01", "reported_date": "2026-10-02"}],
    )  # fmt: skip

    verdict: Verdict
    reasons: list[str]
    policy: PolicyRef
    excluded: list[ExcludedComplaint]
    counted: list[CountedComplaint] = Field(description="no person's id: analysts read this")


class VerdictChange(Answer):
    model_config = answer_example(
        application_id=APPLICATION, received_date="2026-11-02", before=example_of(AssessmentSummary),
        after={**example_of(AssessmentSummary), "verdict": "not_met", "reasons": ["too_few_incidents"]},
    )  # fmt: skip

    application_id: IdText
    received_date: DateText
    before: AssessmentSummary = Field(description="under the policy the application is decided by")
    after: AssessmentSummary = Field(description="under the other policy")


class WhatIfOut(Answer):
    model_config = answer_example(
        policy={"name": "safer-havant", "version": 2}, as_known_at=RECORDED_AT, changes=[example_of(VerdictChange)]
    )

    policy: PolicyRef = Field(description="the policy version re-assessed under")
    as_known_at: TimeText
    changes: list[VerdictChange] = Field(description="only the applications whose verdict would change")


# --- case reviews ------------------------------------------------------------------------


class Step(Answer):
    """One lifecycle step of an application: its facts as its event records them, who recorded it and when."""

    recorded_at: TimeText
    actor: ActorOut


class DecisionStep(Step):
    model_config = answer_example(
        decision="met", grounds=None, reason="three qualifying complaints in six months", decided_on="2026-11-05",
        assessment=example_of(AssessmentOut), recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    decision: Decision
    grounds: DiscretionGrounds | None
    reason: str | None
    decided_on: DateText
    assessment: AssessmentOut | None


class InformationStep(Step):
    model_config = answer_example(
        agency="hampshire-constabulary", shared_on="2026-11-06", summary="Three visits; two warnings given",
        recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    agency: str
    shared_on: DateText
    summary: str | None


class DelayStep(Step):
    model_config = answer_example(
        reason="awaiting health records", new_target_date="2026-12-15", notified_on="2026-11-09",
        recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    reason: str | None
    new_target_date: DateText
    notified_on: DateText


class RecommendationOut(Answer):
    model_config = answer_example(action="Offer mediation to both households", agency="vivid-homes", due_date=None)

    action: str | None
    agency: str
    due_date: DateText | None


class ReviewStep(Step):
    model_config = answer_example(
        completed_on="2026-11-12", recommendations=[example_of(RecommendationOut)], recorded_at=RECORDED_AT,
        actor=ACTOR,
    )  # fmt: skip

    completed_on: DateText
    recommendations: list[RecommendationOut]


class OutcomeStep(Step):
    model_config = answer_example(notified_on="2026-11-13", recorded_at=RECORDED_AT, actor=ACTOR)

    notified_on: DateText


class EscalationOut(Answer):
    model_config = answer_example(
        id=ESCALATION, requested_on="2026-11-16", reason=None, result="upheld", decided_on="2026-11-18"
    )

    id: IdText
    requested_on: DateText
    reason: str | None
    result: EscalationResult | None = Field(description="null until decided")
    decided_on: DateText | None


class CaseReviewOut(Answer):
    """An application for an ASB case review with its lifecycle (RULES.md section 9)."""

    model_config = answer_example(
        id=APPLICATION, route="individual", status="review_completed", applicant_id=VICTIM, victim_id=VICTIM,
        member_ids=[], received_date="2026-11-02", due_date="2026-11-30", channel="online",
        dissatisfaction="no_action_taken", complaint_ids=[COMPLAINT], acknowledged_on="2026-11-03",
        threshold_decision=example_of(DecisionStep), information_shared=[example_of(InformationStep)],
        delay_notices=[], review=example_of(ReviewStep), reviews=[example_of(ReviewStep)],
        outcome_notices=[example_of(OutcomeStep)], escalations=[], version=7, recorded_at=RECORDED_AT,
        updated_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    route: Route
    status: CaseStatus
    applicant_id: IdText
    victim_id: IdText | None = Field(description="the victim of an individual application; null for a group")
    member_ids: list[IdText] = Field(description="the members of a group application")
    received_date: DateText
    due_date: DateText | None = Field(description="the date the review is due by (RULES.md section 8)")
    channel: Channel
    dissatisfaction: Dissatisfaction
    complaint_ids: list[IdText] | None = Field(description="the complaints the applicant named, if any")
    acknowledged_on: DateText | None
    threshold_decision: DecisionStep | None
    information_shared: list[InformationStep]
    delay_notices: list[DelayStep]
    review: ReviewStep | None = Field(description="the latest review (also the last of `reviews`)")
    reviews: list[ReviewStep] = Field(description="every review, the first and any after an upheld escalation")
    outcome_notices: list[OutcomeStep]
    escalations: list[EscalationOut]
    version: int
    recorded_at: TimeText = Field(description="when the application was recorded")
    updated_at: TimeText = Field(description="when it last changed")


class CaseListItem(Answer):
    model_config = answer_example(
        id=APPLICATION, route="individual", status="under_review", received_date="2026-11-02", due_date="2026-11-30",
        deadline_state="on_track", working_days_left=12, applicant_id=VICTIM, victim_id=VICTIM, member_ids=[],
        decision="met", decided_on="2026-11-05", completed_on=None, version=3, recorded_at=RECORDED_AT,
        updated_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    route: Route
    status: CaseStatus
    received_date: DateText
    due_date: DateText
    deadline_state: DeadlineState = Field(description="as on today (RULES.md section 8)")
    working_days_left: int = Field(description="working days to the due date as on today (negative: overdue)")
    applicant_id: IdText
    victim_id: IdText | None
    member_ids: list[IdText]
    decision: Decision | None
    decided_on: DateText | None
    completed_on: DateText | None
    version: int
    recorded_at: TimeText
    updated_at: TimeText


class EventOut(Answer):
    """One recorded event: a fact, named in the past tense, with who recorded it and when."""

    model_config = answer_example(
        type="CaseReview.Acknowledged", aggregate_id=APPLICATION, version=2, recorded_at=RECORDED_AT, actor=ACTOR,
        data={"acknowledged_on": "2026-11-03"},
    )  # fmt: skip

    type: str = Field(description="the event's name, for example Complaint.Logged or CaseReview.ThresholdDecided")
    aggregate_id: IdText = Field(description="the id of the person, complaint, consent or application it belongs to")
    version: int = Field(description="that object's version after this event")
    recorded_at: TimeText
    actor: ActorOut
    data: dict[str, Any] = Field(description="the event's facts; their fields depend on `type`")


class HistoryOut(Page[EventOut]):
    """Every event of the application and of the facts it relied on, in recorded order (one page)."""

    model_config = answer_example(id=APPLICATION, items=[example_of(EventOut)], next_cursor=None)

    id: IdText = Field(description="the application's id")


class FeedEvent(EventOut):
    model_config = answer_example(position=1042, **example_of(EventOut))

    position: int = Field(description="the event's place in commit order: pass the last one as `after=`")


class EventFeedOut(Page[FeedEvent]):
    model_config = answer_example(items=[example_of(FeedEvent)], next_after=1042, next_cursor=None)

    next_after: int = Field(description="the last position on this page (or `after` when the page is empty)")


# --- deadlines ---------------------------------------------------------------------------


class DeadlineItem(Answer):
    model_config = answer_example(
        id=APPLICATION, received_date="2026-11-02", due_date="2026-11-30", working_days_left=3,
        deadline_state="due_soon", finished_on=None, delay_notified_on=None, new_target_date=None,
    )  # fmt: skip

    id: IdText
    received_date: DateText
    due_date: DateText
    working_days_left: int = Field(description="as on `on` (negative: overdue)")
    deadline_state: DeadlineState = Field(description="as on `on` (RULES.md section 8)")
    finished_on: DateText | None = Field(description="when the review was completed or the application closed")
    delay_notified_on: DateText | None
    new_target_date: DateText | None


class DeadlinesOut(Page[DeadlineItem]):
    model_config = answer_example(on="2026-11-25", items=[example_of(DeadlineItem)], next_cursor=None)

    on: DateText = Field(description="the day the deadlines are seen as on")


# --- the read audit ----------------------------------------------------------------------


class AuditedRead(Answer):
    model_config = answer_example(
        id=981, read_at=RECORDED_AT, key_id="3f9a0c1b2d4e", role="coordinator", agency=None, method="GET",
        path=f"/v1/people/{VICTIM}", route="/v1/people/{person_id}", request_id="b6f0c2", person_ids=[VICTIM],
    )  # fmt: skip

    id: int
    read_at: TimeText
    key_id: str = Field(description="the API key that read")
    role: str
    agency: str | None
    method: str
    path: str = Field(description="the path read, with its query")
    route: str = Field(description="the route's template")
    request_id: str | None = Field(description="the request's X-Request-ID, to find it in the logs")
    person_ids: list[IdText] = Field(description="every person whose data the answer held")


# --- policies ----------------------------------------------------------------------------


class CalendarOut(Answer):
    model_config = answer_example(country="GB", subdivision="ENG", closure_days=["2027-12-29"])

    country: str
    subdivision: str | None
    closure_days: list[DateText]


class PolicyOut(Answer):
    """One policy version (RULES.md sections 7 and 11): the parameters the rules are decided by.

    Only `name`, `version` and `effective_from` are always there; the parameters follow the policy's
    own shape (RULES.md section 11), and section 7's names appear wherever they can say the value."""

    model_config = answer_example(
        name="safer-havant", version=2, effective_from="2027-04-01", individual_min_complaints=3,
        group_min_individuals=5, reporting_window_months=1, lookback_months=6, review_due_working_days=20,
        reporting_year_start="04-01", partner_agencies=["hampshire-constabulary", "havant-borough-council"],
        calendar=example_of(CalendarOut),
    )  # fmt: skip

    name: str
    version: int
    effective_from: DateText
    individual_min_complaints: int | None = Field(default=None, description="complaints an individual needs")
    group_min_individuals: int | None = Field(default=None, description="individuals a group application needs")
    reporting_window_months: int | None = Field(default=None)
    lookback_months: int | None = Field(default=None)
    review_due_working_days: int | None = Field(default=None)
    reporting_year_start: str | None = Field(default=None, description='"MM-DD"')
    partner_agencies: list[str] | None = Field(default=None)
    calendar: CalendarOut | None = Field(default=None, description="the working-day calendar of its deadlines")


class PolicyWritten(Written):
    """A published policy version: `id` is the policy's book (one per name), `version` the version published."""

    model_config = answer_example(
        id="5e0f3b1a-8c2d-5f4e-9a7b-6c5d4e3f2a1b", version=2, recorded_at=RECORDED_AT, policy=example_of(PolicyOut)
    )

    policy: PolicyOut


# --- reports and health ------------------------------------------------------------------


class PublicationOut(Answer):
    """RULES.md section 10: the figures a partnership publishes for a reporting year."""

    model_config = answer_example(
        year=2026, period={"from": "2026-04-01", "to": "2027-03-31"}, applications_received=42,
        threshold_not_met=9, reviews_carried_out=30, reviews_with_recommendations=21,
        median_working_days_to_completion=14, share_completed_in_time=0.9, delay_notices=3,
        escalations_requested=4, escalations_upheld=1, escalations_not_upheld=3,
    )  # fmt: skip

    year: int
    period: Period
    applications_received: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int
    median_working_days_to_completion: int | float | None = Field(description="null with no reviews in the year")
    share_completed_in_time: float | None = Field(description="0 to 1; null with no reviews in the year")
    delay_notices: int
    escalations_requested: int
    escalations_upheld: int
    escalations_not_upheld: int


class ProjectionLag(Answer):
    model_config = answer_example(lag_events=0, lag_seconds=0.0, position=1042, runner="running")

    lag_events: int = Field(description="events recorded that the read models have not applied yet")
    lag_seconds: float = Field(description="how long the oldest event not applied yet has waited")
    position: int = Field(description="the last event position the read models applied")
    runner: Literal["running", "none"] = Field(
        description="`running`: a projection runner (in any process) holds the lock and applies events; `none`: no "
        "runner is running, so the read models stand still"
    )


class HealthOut(Answer):
    model_config = answer_example(status="ok", database="ok", projections=example_of(ProjectionLag), problems=[])

    status: Literal["ok", "degraded"] = Field(
        description="`degraded` (still HTTP 200: the service answers) when the read models lag more than the "
        "threshold (COMMUNITY_TRIGGER_HEALTH_MAX_LAG_SECONDS) or no projection runner is running; `problems` says which"
    )
    database: str
    projections: ProjectionLag
    problems: list[str] = Field(description="why the status is degraded, in plain words (empty when ok)")


CaseListPage = page_of(CaseListItem)
ComplaintOfVictimPage = page_of(ComplaintOfVictim)
AuditedReadPage = page_of(AuditedRead)
PolicyPage = page_of(PolicyOut)
