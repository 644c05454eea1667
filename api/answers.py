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

from api.schemas import Category
from domain.calendar import DeadlineState
from domain.promises import ActionState, AlarmKind, InformationRequestState
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ComplaintSource,
    ConsentPurpose,
    ContactChannel,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Role,
    Route,
    StageName,
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
ACTION = "5e0c7f2a-9d41-4b8e-a3c6-2f1d0e9b8a7c"  # ... an action, an information request, a PCC review
INFORMATION_REQUEST = "b8e2d4f6-1a3c-4e5f-9b7d-0c2e4a6b8d1f"
PCC_REVIEW = "e4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8"
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
        description="Loud music and shouting after midnight", incident_ref=None, source="phone",
        location_key="100062456789", withdrawn=False, withdrawal_reason=None, version=1, recorded_at=RECORDED_AT,
        updated_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    victim_id: IdText = Field(description="the person the behaviour was aimed at")
    complainant_id: IdText = Field(description="the person who complained (often the victim)")
    agency: str = Field(description="the partner agency the complaint was made to")
    agency_reference: str | None = Field(description="the agency's own reference")
    incident_date: DateText
    reported_date: DateText
    caused_harassment_alarm_distress: bool
    category: Category
    location: str | None = Field(description="free text; null when not given or once its person is erased")
    description: str | None = Field(description="free text; null when not given or once its person is erased")
    incident_ref: str | None = Field(description="links complaints about one incident (RULES.md section 3)")
    source: ComplaintSource = Field(description="how the complaint reached the agency (RULES.md section 11)")
    location_key: str | None = Field(
        description="the place as the agency identifies it: the victim's personal data; null when not given or"
        " once the victim is erased"
    )
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


class ComplaintListItem(Answer):
    model_config = answer_example(
        id=COMPLAINT, victim_id=VICTIM, agency="hampshire-constabulary", incident_date="2026-10-01",
        reported_date="2026-10-02", withdrawn=False, version=1, recorded_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    victim_id: IdText = Field(description="whose experience the complaint is about")
    agency: str = Field(description="the partner agency it was made to")
    incident_date: DateText
    reported_date: DateText
    withdrawn: bool
    version: int
    recorded_at: TimeText = Field(description="when it was logged: the order of the list, newest first")


class FeedTokenOut(Answer):
    """A calendar feed token, shown once: subscribe to `url` (relative to the API's address)."""

    model_config = answer_example(
        id="3f9a0c21b7d4", version=1, recorded_at=RECORDED_AT, token="ct_3f9a0c21b7d4_" + "x" * 43,
        url="/v1/deadlines.ics?token=ct_3f9a0c21b7d4_" + "x" * 43,
    )  # fmt: skip

    id: str = Field(description="the token's id, to revoke it by")
    version: int
    recorded_at: TimeText
    token: str = Field(description="the token itself: shown this once, stored only as a hash")
    url: str = Field(description="the feed's URL with the token, for a calendar client")


class FeedTokenRevoked(Answer):
    model_config = answer_example(id="3f9a0c21b7d4", revoked=True)

    id: str
    revoked: bool


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
    before: AssessmentSummary = Field(description="on the compared side (`against`)")
    after: AssessmentSummary = Field(description="under `policy`")


class AgainstOut(Answer):
    model_config = answer_example(kind="version", policy={"name": "safer-havant", "version": 1})

    kind: str = Field(
        description="`version` (another version, named in `policy`), `in_force` (each application's own policy in"
        " force on its received date) or `live` (the assessments the threshold decisions recorded)"
    )
    policy: PolicyRef | None = Field(default=None, description="the version compared with, for `version`")


class StageMoveOut(Answer):
    model_config = answer_example(name="acknowledged", before=None, after="2026-11-16")

    name: StageName
    before: DateText | None = Field(description="its due date on the compared side (null: none, or no such stage)")
    after: DateText | None = Field(description="its due date under `policy`")


class StageChange(Answer):
    model_config = answer_example(
        application_id=APPLICATION, received_date="2026-11-02", stages=[example_of(StageMoveOut)]
    )

    application_id: IdText
    received_date: DateText
    stages: list[StageMoveOut] = Field(description="only the stages whose due dates move")


class WhatIfFigures(Answer):
    """RULES.md section 10's figures over the compared applications, as if each side's verdicts were the decisions."""

    model_config = answer_example(
        applications_received=42, threshold_met=30, threshold_not_met=11, pending=1, reviews_carried_out=30,
        reviews_with_recommendations=21,
    )  # fmt: skip

    applications_received: int = Field(description="the applications compared")
    threshold_met: int
    threshold_not_met: int
    pending: int = Field(description="would be met but for consent still missing: nothing decided")
    reviews_carried_out: int = Field(description="met: a review must follow (s.104(4))")
    reviews_with_recommendations: int = Field(description="met, and the application's actual review made some")


class WhatIfOut(Answer):
    model_config = answer_example(
        policy={"name": "safer-havant", "version": 2}, against=example_of(AgainstOut), year=2026,
        period={"from": "2026-04-01", "to": "2027-03-31"}, as_known_at=RECORDED_AT, applications_compared=42,
        changes=[example_of(VerdictChange)], stage_changes=[example_of(StageChange)],
        figures={"before": example_of(WhatIfFigures), "after": {**example_of(WhatIfFigures), "threshold_met": 31,
                 "threshold_not_met": 10, "reviews_carried_out": 31}},
    )  # fmt: skip

    policy: PolicyRef = Field(description="the policy version re-decided under (`after`)")
    against: AgainstOut | None = Field(default=None, description="what it is compared with (`before`)")
    year: int | None = Field(default=None, description="the reporting year (null: every year)")
    period: Period | None = Field(default=None, description="the reporting year's first and last day")
    as_known_at: TimeText
    applications_compared: int | None = Field(
        default=None, description="received in the period (and, for `live`, decided)"
    )
    changes: list[VerdictChange] = Field(description="only the applications whose verdict would change")
    stage_changes: list[StageChange] | None = Field(default=None, description="the applications whose due dates move")
    figures: dict[str, WhatIfFigures] | None = Field(default=None, description="`before` and `after`")


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


# The parts of an application's answer for RULES.md section 13 (the victim's part and the promises):
# each step as its event records it, with who recorded it and when; each promise with its state as on `as_on`.


class InvolvementStep(Step):
    model_config = answer_example(
        level="attend", invited=True, invitation_mode="online", attended=True,
        impact_statement="I have not slept properly for months.", not_invited_reason=None, recorded_at=RECORDED_AT,
        actor=ACTOR,
    )  # fmt: skip

    level: InvolvementLevel = Field(description="how far the applicant chose to take part")
    invited: bool | None = Field(description="whether they were invited to the review meeting (null: not decided)")
    invitation_mode: InvitationMode | None
    attended: bool | None = Field(description="null until a review meeting was held")
    impact_statement: str | None = Field(description="the applicant's own words; gone once they are erased")
    not_invited_reason: str | None


class ReviewMeetingStep(Step):
    model_config = answer_example(
        held_on="2026-11-10", chair="Sam Patel", independent_chair=True,
        agencies_present=["hampshire-constabulary", "vivid-homes"], recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    held_on: DateText
    chair: str | None
    independent_chair: bool | None = Field(description="independent of the agencies involved (null: not said)")
    agencies_present: list[str]


class UpdateStep(Step):
    model_config = answer_example(
        updated_on="2026-11-19", channel="phone", summary="Told the applicant the police visited",
        recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    updated_on: DateText
    channel: ContactChannel
    summary: str | None


class LetterSentStep(Step):
    model_config = answer_example(
        kind="outcome", sent_on="2026-11-13", channel="letter", template_version="safer-havant/outcome@1",
        recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    kind: LetterKind
    sent_on: DateText
    channel: ContactChannel
    template_version: str = Field(description="the template the letter is rendered from: set/kind@version")


class PccReviewRequestStep(Step):
    model_config = answer_example(
        pcc_review_id=PCC_REVIEW, requested_on="2026-11-20", grounds=["threshold_wrongly_applied"],
        reason="Two of my reports were not counted", late_acceptance_reason=None, recorded_at=RECORDED_AT,
        actor=ACTOR,
    )  # fmt: skip

    pcc_review_id: IdText
    requested_on: DateText
    grounds: list[str] = Field(description="from the policy's `pcc_review_grounds`")
    reason: str | None
    late_acceptance_reason: str | None = Field(description="why a late request was accepted; null when in time")


class PccReviewResultStep(Step):
    model_config = answer_example(
        pcc_review_id=PCC_REVIEW, result="upheld", reasons="The review did not hear the housing provider",
        decided_on="2026-12-04", next_steps=[example_of(RecommendationOut)], recorded_at=RECORDED_AT, actor=ACTOR,
    )  # fmt: skip

    pcc_review_id: IdText
    result: EscalationResult
    reasons: str | None
    decided_on: DateText
    next_steps: list[RecommendationOut] = Field(description="what must happen next (upheld only): each an action")


class CaseReviewAction(Answer):
    model_config = answer_example(
        id=ACTION, action="Offer mediation to both households", agency="vivid-homes", due_date="2026-12-01",
        agreed_on="2026-11-12", state="open", done_on=None, evidence=None, dropped_on=None, drop_reason=None,
        pcc_review_id=None,
    )  # fmt: skip

    id: IdText
    action: str | None = Field(description='what is to be done; "[erased]" once the applicant is erased')
    agency: str = Field(description="the agency that owns it")
    due_date: DateText | None
    agreed_on: DateText
    state: ActionState = Field(description="as on `as_on`")
    done_on: DateText | None
    evidence: str | None
    dropped_on: DateText | None
    drop_reason: str | None
    pcc_review_id: IdText | None = Field(description="the PCC review whose next step it is; null for a recommendation")


class NextUpdateOut(Answer):
    model_config = answer_example(
        due_date="2026-11-19", counted_from="2026-11-05", working_days_left=4, state="due_soon", every_working_days=10
    )

    due_date: DateText = Field(description="the applicant's next update is due by this day")
    counted_from: DateText = Field(description="the day the interval counts from: the decision or the last update")
    working_days_left: int = Field(description="as on `as_on` (negative: overdue)")
    state: DeadlineState
    every_working_days: int = Field(description="the policy's `update_every_working_days`")


class CaseReviewInformationRequest(Answer):
    model_config = answer_example(
        id=INFORMATION_REQUEST, agency="vivid-homes", requested_on="2026-11-06", due_date="2026-11-13",
        question="Which tenancy actions have you taken since June?", state="answered", answered_on="2026-11-12",
        answer="A tenancy warning was issued on 3 September.",
    )  # fmt: skip

    id: IdText
    agency: str = Field(description="the agency asked")
    requested_on: DateText
    due_date: DateText
    question: str | None
    state: InformationRequestState = Field(description="as on `as_on`")
    answered_on: DateText | None
    answer: str | None


class PccReviewOut(Answer):
    model_config = answer_example(
        id=PCC_REVIEW, told_on="2026-11-13", request=example_of(PccReviewRequestStep),
        result=example_of(PccReviewResultStep), accepted_late=False,
    )  # fmt: skip

    id: IdText
    told_on: DateText = Field(description="when the applicant was told the outcome the request is about")
    request: PccReviewRequestStep
    result: PccReviewResultStep | None = Field(description="null until the PCC decides")
    accepted_late: bool


class StageOut(Answer):
    """One step of the application's procedure with its time limit (RULES.md section 11), as on a day (section 8)."""

    model_config = answer_example(
        name="acknowledged", due_date="2026-11-16", done_on="2026-11-04", working_days_left=8,
        state="completed_in_time",
    )  # fmt: skip

    name: StageName
    due_date: DateText | None = Field(description="null until the step it is counted from has happened")
    done_on: DateText | None = Field(description="when the step happened (null: not yet, as on the day)")
    working_days_left: int | None = Field(description="as on the day (negative: overdue); null without a due date")
    state: DeadlineState | None = Field(description="RULES.md section 8's states, per stage; null without a due date")


class StageAlarm(StageOut):
    """A stage overdue or due soon: what the coordinator must act on."""

    model_config = answer_example(
        kind="stage", case_review_id=APPLICATION, name="threshold_decided", due_date="2026-11-25", done_on=None,
        working_days_left=-1, state="overdue",
    )  # fmt: skip

    kind: str = Field(description='"stage"')
    case_review_id: IdText


class CaseReviewOut(Answer):
    """An application for an ASB case review with its lifecycle (RULES.md section 9)."""

    model_config = answer_example(
        id=APPLICATION, route="individual", status="review_completed", applicant_id=VICTIM, victim_id=VICTIM,
        member_ids=[], received_date="2026-11-02", due_date="2026-11-30", channel="online",
        dissatisfaction="no_action_taken", complaint_ids=[COMPLAINT], acknowledged_on="2026-11-03",
        threshold_decision=example_of(DecisionStep), information_shared=[example_of(InformationStep)],
        delay_notices=[], review=example_of(ReviewStep), reviews=[example_of(ReviewStep)],
        outcome_notices=[example_of(OutcomeStep)], escalations=[], involvement=example_of(InvolvementStep),
        review_meetings=[example_of(ReviewMeetingStep)], actions=[example_of(CaseReviewAction)],
        updates=[example_of(UpdateStep)], next_update=None,
        information_requests=[example_of(CaseReviewInformationRequest)], letters_sent=[example_of(LetterSentStep)],
        pcc_reviews=[], as_on="2026-11-25", version=7, recorded_at=RECORDED_AT, updated_at=RECORDED_AT,
        stages=[{"name": "review_completed", "due_date": "2026-11-30", "done_on": "2026-11-12", "working_days_left": 12,
                 "state": "completed_in_time"}],
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
    involvement: InvolvementStep | None = Field(description="the applicant's part in the review (RULES.md 13)")
    review_meetings: list[ReviewMeetingStep]
    actions: list[CaseReviewAction] = Field(description="the recommendations and a PCC's next steps, as actions")
    updates: list[UpdateStep] = Field(description="the updates given to the applicant")
    next_update: NextUpdateOut | None = Field(description="the update owed next; null when none is owed")
    information_requests: list[CaseReviewInformationRequest]
    letters_sent: list[LetterSentStep]
    pcc_reviews: list[PccReviewOut] = Field(description="requests for a review by the Police and Crime Commissioner")
    as_on: DateText = Field(description="the day the promises' states are as on (today)")
    version: int
    recorded_at: TimeText = Field(description="when the application was recorded")
    updated_at: TimeText = Field(description="when it last changed")
    stages: list[StageOut] | None = Field(
        default=None,
        description="each step of its procedure, in the policy's order, as on today (RULES.md sections 8 and 11)",
    )


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
        stages=[{"name": "review_completed", "due_date": "2026-11-30", "done_on": None, "working_days_left": 3,
                 "state": "due_soon"}],
    )  # fmt: skip

    id: IdText
    received_date: DateText
    due_date: DateText
    working_days_left: int = Field(description="as on `on` (negative: overdue)")
    deadline_state: DeadlineState = Field(description="as on `on` (RULES.md section 8)")
    finished_on: DateText | None = Field(
        description="completion (RULES.md 14): when the applicant was told the outcome (the outcome notice after a review, "
        "or the notice of a `not_met` decision); the deadline state is judged by it"
    )
    delay_notified_on: DateText | None
    new_target_date: DateText | None
    stages: list[StageOut] | None = Field(
        default=None, description="each step of its procedure as on `on` (RULES.md sections 8 and 11)"
    )


class DeadlinesOut(Page[DeadlineItem]):
    model_config = answer_example(
        on="2026-11-25", items=[example_of(DeadlineItem)], stages=[example_of(StageAlarm)], next_cursor=None
    )

    on: DateText = Field(description="the day the deadlines are seen as on")
    stages: list[StageAlarm] | None = Field(
        default=None, description="alarms only: every stage of a procedure that is overdue or due soon on `on`"
    )


class PromiseAlarm(Answer):
    """An action, update or information request overdue or due soon (RULES.md section 13)."""

    model_config = answer_example(
        kind="action", id=ACTION, case_review_id=APPLICATION, due_date="2026-11-20", state="overdue",
        agency="hampshire-constabulary",
    )  # fmt: skip

    kind: AlarmKind
    id: IdText | None = Field(description="the action's or information request's id; null for an update")
    case_review_id: IdText
    due_date: DateText
    state: DeadlineState = Field(description="overdue or due_soon, as on `on`")
    agency: str | None = Field(description="the agency that must act; null where it is the coordinator (updates)")


class TellVictimAlarm(Answer):
    """RULES.md section 12: a victim who should be told about the case review by `due_date` and has not been."""

    model_config = answer_example(
        kind="tell_victim", victim_id=VICTIM, due_date="2026-11-18", working_days_left=-2, state="overdue",
        trigger_state="should_be_told", counted_incidents=2,
        by_agency={"hampshire-constabulary": 1, "havant-borough-council": 1},
    )  # fmt: skip

    kind: Literal["tell_victim"] = Field(description="always tell_victim: telling the victim is late or due soon")
    victim_id: IdText
    due_date: DateText = Field(description="the telling due date (`tell_due_date` of GET /v1/potential-triggers)")
    working_days_left: int = Field(description="as on `on` (negative: overdue), as RULES.md section 8 counts them")
    state: Literal["overdue", "due_soon"] = Field(description="overdue, or due within 5 working days")
    trigger_state: Literal["threshold_reached", "should_be_told"] = Field(description="the victim's RULES.md 12 state")
    counted_incidents: int
    by_agency: dict[str, int]


class AlarmsOut(DeadlinesOut):
    """What the coordinator must act on: applications overdue or due soon, and beside them the promises (RULES.md
    13), the stages of the procedure (section 11) and the victims late to be told (section 12)."""

    model_config = answer_example(
        on="2026-11-25", items=[example_of(DeadlineItem)], promises=[example_of(PromiseAlarm)],
        stages=[example_of(StageAlarm)], victims_to_tell=[example_of(TellVictimAlarm)], next_cursor=None,
    )  # fmt: skip

    promises: list[PromiseAlarm] = Field(
        description="actions, updates and information requests overdue or due soon on `on`, earliest due first"
    )
    stages: list[StageAlarm] = Field(
        description="every step of an application's procedure overdue or due soon on `on` (RULES.md section 11)"
    )
    victims_to_tell: list[TellVictimAlarm] = Field(
        default_factory=list,
        description="victims who should be told about the case review and were not, overdue or due within 5 working "
        "days as on `on`, earliest due first",
    )


# --- potential triggers (RULES.md section 12) --------------------------------------------


class CountedIncident(Answer):
    model_config = answer_example(
        complaint_id=COMPLAINT, agency="hampshire-constabulary", incident_date="2026-11-01", reported_date="2026-11-02"
    )

    complaint_id: IdText
    agency: str = Field(description="the partner agency the report was made to")
    incident_date: DateText
    reported_date: DateText


class PotentialTriggerItem(Answer):
    """A victim (or, under a `linked_location` policy, a place) whose counted incidents RULES.md section 12 lists."""

    model_config = answer_example(
        kind="victim", victim_id=VICTIM, state="should_be_told", counted_incidents=2,
        by_agency={"hampshire-constabulary": 1, "havant-borough-council": 1}, tell_due_date="2026-11-18",
        told_on=None, counted=[example_of(CountedIncident)], policy=example_of(PolicyRef),
    )  # fmt: skip

    kind: Literal["victim", "location"] = Field(description="a victim; or a linked location (RULES.md section 11)")
    victim_id: IdText | None = Field(default=None, description="the victim (kind victim)")
    location_id: str | None = Field(
        default=None, description="an opaque id of the place (kind location): never its location key"
    )
    state: Literal["threshold_reached", "should_be_told", "told", "group_number_reached"] = Field(
        description="a victim: the first of RULES.md 12's states that applies; a place: threshold_reached when a group "
        "of the people who reported there could apply, group_number_reached when one person alone reported enough"
    )
    counted_incidents: int = Field(
        description="the incidents that would count if the victim (the group) applied on `on`"
    )
    by_agency: dict[str, int] = Field(description="the counted incidents per partner agency")
    tell_due_date: DateText | None = Field(
        default=None, description="tell the victim by this date (policy `tell_within_working_days`); null once told"
    )
    told_on: DateText | None = Field(default=None, description="when the victim was told, since the first counted one")
    counted: list[CountedIncident] = Field(
        default_factory=list, description="the counted reports (an agency key sees only its own; the others it counts)"
    )
    reported_by: int | None = Field(default=None, description="a place: the different people whose reports count")
    member_ids: list[IdText] | None = Field(default=None, description="a place: the people whose reports count there")
    policy: PolicyRef = Field(description="the policy version in force on `on`, as known at `as_known_at`")


class PotentialTriggersOut(Page[PotentialTriggerItem]):
    model_config = answer_example(
        on="2026-11-10", as_known_at=RECORDED_AT, items=[example_of(PotentialTriggerItem)], next_cursor=None
    )

    on: DateText = Field(description="the day the victims are assessed as if they applied on")
    as_known_at: TimeText = Field(description="the facts recorded by this moment (the cursor keeps it for every page)")


class TellingWritten(Written):
    """The telling is recorded on the person: `id` and `version` are the person's."""

    model_config = answer_example(id=VICTIM, version=2, recorded_at=RECORDED_AT, told_on="2026-11-12", channel="phone")

    told_on: DateText
    channel: ContactChannel


# --- subscriptions (API.md v1.1) ---------------------------------------------------------

SUBSCRIPTION = "8e4f1c2a-7b3d-4e5f-9a0b-1c2d3e4f5a6b"


class SubscriptionOut(Answer):
    model_config = answer_example(
        id=SUBSCRIPTION, url="https://partner.example.org/hooks/community-trigger",
        events=["should_be_told", "threshold_reached"], agency=None, version=1, created_at=RECORDED_AT,
    )  # fmt: skip

    id: IdText
    url: str = Field(description="where each event is POSTed, signed by the Standard Webhooks scheme")
    events: list[str] = Field(description="the event types delivered")
    agency: str | None = Field(description="an agency's subscription: only its own victims' events")
    version: int = Field(description="1 while live")
    created_at: TimeText


class SubscriptionWritten(Written):
    """A new subscription. `secret` (whsec_...) verifies its deliveries: it is shown this once and never again."""

    model_config = answer_example(
        id=SUBSCRIPTION, version=1, recorded_at=RECORDED_AT, url="https://partner.example.org/hooks/community-trigger",
        events=["should_be_told", "threshold_reached"], agency=None, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )  # fmt: skip

    url: str
    events: list[str]
    agency: str | None
    secret: str = Field(description="the signing secret, base64 after `whsec_`: keep it; it is not shown again")


class SubscriptionDeleted(Written):
    model_config = answer_example(id=SUBSCRIPTION, version=2, recorded_at=RECORDED_AT, deleted=True)

    deleted: bool = Field(description="always true: nothing more is sent, and deliveries still waiting are cancelled")


class DeliveryOut(Answer):
    model_config = answer_example(
        id=1042, webhook_id="msg_5b1f0e6c2d4a4f7e9c3b8a1d0e2f4c6a", type="should_be_told", occurred_at=RECORDED_AT,
        state="delivered", attempts=2, last_attempt_at=RECORDED_AT, last_status=204, last_error=None,
        next_attempt_at=RECORDED_AT, delivered_at=RECORDED_AT,
    )  # fmt: skip

    id: int
    webhook_id: str = Field(description="the `webhook-id` header of every attempt: a receiver drops repeats by it")
    type: str
    occurred_at: TimeText = Field(description="when the event happened (was recorded, or found)")
    state: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    last_attempt_at: TimeText | None
    last_status: int | None = Field(description="the receiver's last HTTP status (null: no answer)")
    last_error: str | None
    next_attempt_at: TimeText = Field(description="while pending: when it is tried next")
    delivered_at: TimeText | None


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


class PeriodOut(Answer):
    model_config = answer_example(months=1)

    months: int | None = Field(default=None, description="counted by RULES.md section 2's corresponding-date rule")
    days: int | None = Field(default=None)


class StageRule(Answer):
    model_config = answer_example(name="review_completed", days=20, day_kind="working", **{"from": "received"})

    name: StageName
    days: int
    day_kind: str = Field(description="`working` or `calendar`")
    from_: str = Field(alias="from", description="`received`, or the name of an earlier stage")


class PolicyOut(Answer):
    """One policy version (RULES.md sections 7 and 11 to 13): the parameters the rules are decided by.

    Only `name`, `version` and `effective_from` are always there; the parameters follow the policy's
    own shape (RULES.md section 11), and section 7's names appear wherever they can say the value."""

    model_config = answer_example(
        name="safer-havant", version=2, effective_from="2027-04-01", individual_min_complaints=3,
        group_min_individuals=5, group_rule="individuals", reporting_window={"months": 1}, lookback={"months": 6},
        last_incident_in_window=True, category_thresholds={"hate_incident": 1}, excluded_sources=[],
        stages=[example_of(StageRule)], tell_within_working_days=10, update_every_working_days=10,
        pcc_request_within_working_days=20,
        pcc_review_grounds=["threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate"],
        reporting_window_months=1, lookback_months=6, review_due_working_days=20, acknowledge_working_days=None,
        threshold_decision_working_days=None, outcome_letter_working_days=None, reporting_year_start="04-01",
        partner_agencies=["hampshire-constabulary", "havant-borough-council"], calendar=example_of(CalendarOut),
    )  # fmt: skip

    name: str
    version: int
    effective_from: DateText
    individual_min_complaints: int | None = Field(default=None, description="complaints an individual needs")
    group_min_individuals: int | None = Field(default=None, description="individuals a group application needs")
    group_rule: str | None = Field(default=None, description="`individuals` or `linked_location` (RULES.md section 11)")
    reporting_window: PeriodOut | None = Field(default=None, description="how soon after the incident it is reported")
    lookback: PeriodOut | None = Field(default=None, description="the window before the received date")
    last_incident_in_window: bool | None = Field(default=None)
    category_thresholds: dict[str, int] | None = Field(default=None, description="category -> number that meets alone")
    excluded_sources: list[str] | None = Field(default=None, description="complaint sources that never count")
    stages: list[StageRule] | None = Field(default=None, description="the procedure's steps with their time limits")
    tell_within_working_days: int | None = Field(default=None, description="RULES.md section 12")
    update_every_working_days: int | None = Field(default=None, description="RULES.md section 13")
    pcc_request_within_working_days: int | None = Field(default=None, description="RULES.md section 13")
    pcc_review_grounds: list[str] | None = Field(default=None, description="RULES.md section 13")
    reporting_window_months: int | None = Field(default=None, description="section 7's name, when in months")
    lookback_months: int | None = Field(default=None, description="section 7's name, when in months")
    review_due_working_days: int | None = Field(default=None, description="section 7's name")
    acknowledge_working_days: int | None = Field(default=None, description="section 7's name; null: no such stage")
    threshold_decision_working_days: int | None = Field(default=None, description="section 7's name")
    outcome_letter_working_days: int | None = Field(default=None, description="section 7's name")
    reporting_year_start: str | None = Field(default=None, description='"MM-DD"')
    partner_agencies: list[str] | None = Field(default=None)
    calendar: CalendarOut | None = Field(default=None, description="the working-day calendar of its deadlines")


class PolicyWritten(Written):
    """A published policy version: `id` is the policy's book (one per name), `version` the version published."""

    model_config = answer_example(
        id="5e0f3b1a-8c2d-5f4e-9a7b-6c5d4e3f2a1b", version=2, recorded_at=RECORDED_AT, policy=example_of(PolicyOut),
        derived_from={"name": "safer-havant", "version": 1}, changed=["category_thresholds"],
    )  # fmt: skip

    policy: PolicyOut
    derived_from: PolicyRef = Field(
        description="the version it was derived from: its policy's latest, or the partnership's own for a new policy"
    )
    changed: list[str] = Field(description="the parameters whose values differ from that version's (RULES.md 11)")


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
ComplaintListPage = page_of(ComplaintListItem)
AuditedReadPage = page_of(AuditedRead)
PolicyPage = page_of(PolicyOut)


# --- the victim's part and the promises (RULES.md section 13) ------------------------------


class ActionWritten(StepWritten):
    """An action marked done or dropped: `id` is the action's; `version` and `status` are its application's."""

    model_config = answer_example(
        id=ACTION, version=9, recorded_at=RECORDED_AT, status="closed", action_id=ACTION, case_review_id=APPLICATION
    )

    action_id: IdText = Field(description="the action's id (the same as `id`)")
    case_review_id: IdText = Field(description="the application it belongs to")


class InformationRequestWritten(StepWritten):
    """`id` is the information request's (answered at /v1/information-requests/{id}/answer); `version` and
    `status` are its application's."""

    model_config = answer_example(
        id=INFORMATION_REQUEST, version=4, recorded_at=RECORDED_AT, status="under_review",
        request_id=INFORMATION_REQUEST, case_review_id=APPLICATION,
    )  # fmt: skip

    request_id: IdText = Field(description="the information request's id (the same as `id`)")
    case_review_id: IdText = Field(description="the application it belongs to")


class LetterWritten(StepWritten):
    model_config = answer_example(
        id=APPLICATION, version=6, recorded_at=RECORDED_AT, status="actions_open", kind="outcome",
        template_version="safer-havant/outcome@1",
    )  # fmt: skip

    kind: LetterKind
    template_version: str = Field(description="the template the letter is rendered from: set/kind@version")


class PccReviewWritten(StepWritten):
    """`id` is the PCC review's (its result goes to /v1/pcc-review-requests/{id}/result); `version` and `status`
    are its application's."""

    model_config = answer_example(
        id=PCC_REVIEW, version=10, recorded_at=RECORDED_AT, status="escalated", pcc_review_id=PCC_REVIEW,
        case_review_id=APPLICATION,
    )  # fmt: skip

    pcc_review_id: IdText = Field(description="the PCC review's id (the same as `id`)")
    case_review_id: IdText = Field(description="the application it belongs to")


class ActionItem(Answer):
    """An action with its state as on `on` (RULES.md section 13)."""

    model_config = answer_example(
        id=ACTION, case_review_id=APPLICATION, applicant_id=VICTIM, agency="vivid-homes",
        action="Offer mediation to both households", due_date="2026-12-01", agreed_on="2026-11-12", state="overdue",
        done_on=None, dropped_on=None, pcc_review_id=None,
    )  # fmt: skip

    id: IdText
    case_review_id: IdText
    applicant_id: IdText = Field(description="whose text `action` is")
    agency: str = Field(description="the agency that owns it")
    action: str | None = Field(description='what is to be done; "[erased]" once the applicant is erased')
    due_date: DateText | None
    agreed_on: DateText
    state: ActionState = Field(description="as on `on`")
    done_on: DateText | None
    dropped_on: DateText | None
    pcc_review_id: IdText | None = Field(description="the PCC review whose next step it is; null for a recommendation")


class InformationRequestItem(Answer):
    """An information request with its state as on `on` (RULES.md section 13)."""

    model_config = answer_example(
        id=INFORMATION_REQUEST, case_review_id=APPLICATION, applicant_id=VICTIM, agency="vivid-homes",
        requested_on="2026-11-06", due_date="2026-11-13", question="Which tenancy actions have you taken since June?",
        state="open", answered_on=None,
    )  # fmt: skip

    id: IdText
    case_review_id: IdText
    applicant_id: IdText = Field(description="whose text `question` is")
    agency: str = Field(description="the agency asked")
    requested_on: DateText
    due_date: DateText
    question: str | None = Field(description='"[erased]" once the applicant is erased')
    state: InformationRequestState = Field(description="as on `on`")
    answered_on: DateText | None


class PccReviewItem(Answer):
    """A request for a review by the Police and Crime Commissioner."""

    model_config = answer_example(
        id=PCC_REVIEW, case_review_id=APPLICATION, requested_on="2026-11-20", told_on="2026-11-13",
        grounds=["threshold_wrongly_applied"], accepted_late=False, result=None, decided_on=None,
    )  # fmt: skip

    id: IdText
    case_review_id: IdText
    requested_on: DateText
    told_on: DateText = Field(description="when the applicant was told the outcome the request is about")
    grounds: list[str]
    accepted_late: bool
    result: EscalationResult | None = Field(description="null until the PCC decides")
    decided_on: DateText | None


ActionPage = page_of(ActionItem)
InformationRequestPage = page_of(InformationRequestItem)
PccReviewPage = page_of(PccReviewItem)

SubscriptionPage = page_of(SubscriptionOut)
DeliveryPage = page_of(DeliveryOut)
