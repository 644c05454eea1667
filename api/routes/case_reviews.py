"""Applications for an ASB case review and their lifecycle (RULES.md section 9)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.answers import (
    AssessmentOut,
    CaseListPage,
    CaseReviewOut,
    CaseReviewWritten,
    DecisionWritten,
    EscalationWritten,
    HistoryOut,
    ReplayOut,
    StepWritten,
)
from api.audit import AuditedJSON
from api.auth import allow
from api.dependencies import (
    COORDINATOR,
    IfMatch,
    Limit200,
    Services,
    Svc,
    await_earlier_writes,
    cursor_position,
    encode_cursor,
    expected_version,
    now,
    written,
)
from api.routes import ThreadRoute
from api.routes.deadlines import deadline_seen_on
from api.schemas import (
    AcknowledgementIn,
    CaseReviewIn,
    CommandBody,
    DelayNoticeIn,
    EscalationIn,
    EscalationResultIn,
    InformationIn,
    KnownAt,
    OutcomeNoticeIn,
    ReviewIn,
    ThresholdDecisionIn,
)
from api.views import assessment_view, case_review_view, event_data, event_view, text_refs, utc_time
from api.writes import answers_etag, location
from domain.audited import local_date
from domain.calendar import DeadlineState
from domain.case_reviews import CaseReview
from domain.deadlines import calendar_for, deadlines_for
from domain.vocabulary import CaseStatus
from projections.case_list import CaseList
from service.authorization import READ_CASE_REVIEWS, roles_for
from service.casework import new_id
from service.errors import NotFound
from service.stages import stages_of_review
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["case reviews"], route_class=ThreadRoute)


def due_date_of(svc: Services, review: CaseReview) -> date:
    """The review's due date under the policy in force on its received date (RULES.md sections 7, 8)."""
    return deadlines_for(svc.policies.in_force(review.received_date), review.received_date).review


@router.post("/case-reviews", status_code=201, response_model=CaseReviewWritten, summary="Apply for a case review")
@location("/v1/case-reviews/{id}")
def request_case_review(body: CaseReviewIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    """Record an application for an ASB case review; the answer also says when the review is due."""
    result = svc.casework.handle(body.command(), actor=key.actor, now=now())
    due = due_date_of(svc, result.aggregate)  # type: ignore[arg-type]
    return written(svc, key, result, {"status": CaseStatus.RECEIVED.value, "due_date": due.isoformat()})


@router.get("/case-reviews/{review_id}", response_model=CaseReviewOut, summary="Read an application")
@answers_etag
def read_case_review(review_id: UUID, svc: Svc, key: ApiKey = Depends(allow(*READ_CASE_REVIEWS))) -> dict[str, Any]:
    """The application with its status, due date, decision, notices, reviews and escalations, and each stage of its
    procedure as on today (RULES.md sections 8 and 11)."""
    review = svc.casework.case_review(review_id)
    view = case_review_view(svc.casework, review, due_date_of(svc, review))
    stages = stages_of_review(svc.policies.in_force(review.received_date), review, local_date(now()))
    return {**view, "stages": [stage.to_dict() for stage in stages]}


@router.get("/case-reviews", response_model=CaseListPage, summary="List applications")
def list_case_reviews(
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_CASE_REVIEWS)),
    status: CaseStatus | None = None,
    deadline_state: DeadlineState | None = Query(default=None, description="as on today"),
    route: str | None = Query(default=None, pattern="^(individual|group)$"),
    agency: str | None = Query(
        default=None,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="applications whose victims complained to this agency",
    ),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> AuditedJSON:
    """The case list, newest received first, cursor-paged; filtered by status, deadline state, route or agency."""
    await_earlier_writes(svc)
    today = local_date(now())
    deadline = None
    if deadline_state is not None:
        soon = calendar_for(svc.policies.in_force(today).calendar).add_working_days(today, 5)
        deadline = CaseList.deadline_state_condition(deadline_state, today, soon)
    before = None
    if cursor is not None:
        before = cursor_position(
            cursor, {"received_date": date.fromisoformat, "recorded_at": datetime.fromisoformat, "id": UUID}
        )
    rows = CaseList.page(
        svc.pool, status=status.value if status else None, route=route, agency=agency, deadline=deadline,
        before=before, limit=limit + 1,
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    items = [list_item(svc, row, today) for row in rows]
    next_cursor = (
        encode_cursor(
            {
                "received_date": rows[-1]["received_date"].isoformat(),
                "recorded_at": rows[-1]["requested_at"].isoformat(),
                "id": str(rows[-1]["id"]),
            }
        )
        if more
        else None
    )
    people = [i for item in items for i in (item["applicant_id"], item["victim_id"], *item["member_ids"])]
    return AuditedJSON({"items": items, "next_cursor": next_cursor}, people)


def list_item(svc: Services, row: dict[str, Any], today: date) -> dict[str, Any]:
    deadline = deadline_seen_on(svc, row, today)
    return {
        "id": str(row["id"]),
        "route": row["route"],
        "status": row["status"],
        "received_date": row["received_date"].isoformat(),
        "due_date": row["due_date"].isoformat(),
        "deadline_state": deadline.state.value,
        "working_days_left": deadline.working_days_left,
        "applicant_id": str(row["applicant_id"]),
        "victim_id": str(row["victim_id"]) if row["victim_id"] else None,
        "member_ids": [str(m) for m in row["member_ids"]],
        "decision": row["decision"],
        "decided_on": row["decided_on"].isoformat() if row["decided_on"] else None,
        "completed_on": row["completed_on"].isoformat() if row["completed_on"] else None,
        "version": row["version"],
        "recorded_at": utc_time(row["requested_at"]),
        "updated_at": utc_time(row["updated_at"]),
    }


@router.get("/case-reviews/{review_id}/history", response_model=HistoryOut, summary="An application's history")
def case_review_history(review_id: UUID, svc: Svc, key: ApiKey = Depends(allow(*READ_CASE_REVIEWS))) -> dict[str, Any]:
    """Every event of the application and of the complaints and consents it relied on, in recorded order."""
    await_earlier_writes(svc)
    review = svc.casework.case_review(review_id)
    complaints, consents = svc.assessor.relied_on(review, now())
    events = [event for originator in (review_id, *complaints, *consents) for event in svc.store.events.get(originator)]
    events.sort(key=lambda e: (e.timestamp, str(e.originator_id), e.originator_version))
    texts = svc.casework.resolve_texts([ref for event in events for ref in text_refs(event_data(event))])
    return {"id": str(review_id), "items": [event_view(event, texts) for event in events], "next_cursor": None}


def _case_write(path: str, body_type: type[CommandBody], name: str, summary: str) -> None:
    """One lifecycle step of an application: POST body -> its command on the CaseReview."""
    roles = roles_for(body_type.command_type)

    def endpoint(
        review_id: UUID, body: Any, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(*roles))
    ) -> dict[str, Any]:
        command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
        result = svc.casework.handle(command, actor=key.actor, now=now())
        return written(svc, key, result, {"status": result.aggregate.status.value})

    endpoint.__annotations__["body"] = body_type
    endpoint.__name__ = name
    router.add_api_route(
        f"/case-reviews/{{review_id}}{path}", location(APPLICATION)(endpoint), methods=["POST"], status_code=201,
        response_model=StepWritten, summary=summary,
    )  # fmt: skip


APPLICATION = "/v1/case-reviews/{review_id}"  # where a step recorded on an application is seen (its Location)

_case_write("/acknowledgement", AcknowledgementIn, "acknowledge", "Acknowledge an application")
_case_write("/information", InformationIn, "share_information", "Share an agency's information")
_case_write("/delay-notices", DelayNoticeIn, "notify_delay", "Record a delay notice")
_case_write("/outcome-notices", OutcomeNoticeIn, "notify_outcome", "Record the outcome notice")


@router.post(
    "/case-reviews/{review_id}/threshold-decision", status_code=201, response_model=DecisionWritten,
    summary="Decide whether the threshold is met",
)  # fmt: skip
@location(APPLICATION)
def decide_threshold(
    review_id: UUID,
    body: ThresholdDecisionIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(COORDINATOR)),
) -> dict[str, Any]:
    """Records the decision with the automatic assessment it rests on, as known now (RULES.md section 6)."""
    command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    recorded = result.aggregate.decision.assessment  # type: ignore[attr-defined]
    return written(svc, key, result, {"status": result.aggregate.status.value, "assessment": assessment_view(recorded)})


@router.get("/case-reviews/{review_id}/assessment", response_model=AssessmentOut, summary="Assess the threshold")
def assessment(
    review_id: UUID,
    svc: Svc,
    key: ApiKey = Depends(allow(*READ_CASE_REVIEWS)),
    as_known_at: KnownAt | None = Query(
        default=None,
        description="ISO 8601 with its offset, default now; in a URL write `Z` (or `+` as `%2B`): 2026-11-02T09:30:00Z",
    ),
    policy: str | None = Query(
        default=None, description="NAME@VERSION: assess under another version, recording nothing"
    ),
) -> dict[str, Any]:
    """The automatic threshold assessment (RULES.md sections 3-6), as known at a moment, with its reasons."""
    await_earlier_writes(svc)
    moment = as_known_at or now()
    review = svc.assessor.case_review_as_known_at(review_id, moment)
    return assessment_view(
        svc.assessor.assess(review, moment, svc.assessor.policy_for(review, policy, moment)).to_dict()
    )


@router.get(
    "/case-reviews/{review_id}/threshold-decision/replay", response_model=ReplayOut,
    summary="Replay a threshold decision's assessment",
)  # fmt: skip
def replay_decision(review_id: UUID, svc: Svc, key: ApiKey = Depends(allow(*READ_CASE_REVIEWS))) -> dict[str, Any]:
    """For an auditor: what was recorded, what replay as known at that moment says (it must agree), and what is known now."""
    review = svc.casework.case_review(review_id)
    if review.decision is None:
        raise NotFound("threshold decision", review_id)
    recorded = review.decision.assessment
    if recorded is None:
        return {
            "decision": review.decision.decision.value,
            "recorded": None,
            "replayed": None,
            "agrees": None,
            "now": None,
        }
    moment = datetime.fromisoformat(recorded["as_known_at"])
    policy = svc.policies.named(f"{recorded['policy']['name']}@{recorded['policy']['version']}")
    replayed = svc.assessor.assess(svc.assessor.case_review_as_known_at(review_id, moment), moment, policy).to_dict()
    current = svc.assessor.assess(review, now(), policy).to_dict()
    return {
        "decision": review.decision.decision.value,
        "decided_on": review.decision.decided_on.isoformat(),
        "recorded": assessment_view(recorded),
        "replayed": assessment_view(replayed),
        "agrees": replayed == recorded,  # as recorded and replayed, before either is written for the answer
        "now": assessment_view(current),
    }


@router.post(
    "/case-reviews/{review_id}/review", status_code=201, response_model=StepWritten, summary="Record the review"
)
@location(APPLICATION)
def complete_review(
    review_id: UUID, body: ReviewIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    """The review completed, with its recommendations (each an action for an agency, maybe with a due date)."""
    command = body.command(case_review_id=review_id, expected_version=expected_version(if_match))
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.post(
    "/case-reviews/{review_id}/escalations", status_code=201, response_model=EscalationWritten,
    summary="Record a request to escalate",
)  # fmt: skip
@location(APPLICATION)
def request_escalation(
    review_id: UUID, body: EscalationIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    escalation_id = new_id("escalation")
    command = body.command(
        case_review_id=review_id, escalation_id=escalation_id, expected_version=expected_version(if_match)
    )
    result = svc.casework.handle(command, actor=key.actor, now=now())
    # The write's `id` is the escalation's, the {eid} of its result (API.md); `version` stays the application's.
    created = {"id": str(escalation_id), "escalation_id": str(escalation_id), "application_id": str(review_id)}
    return written(svc, key, result, {**created, "status": result.aggregate.status.value})


@router.post(
    "/case-reviews/{review_id}/escalations/{escalation_id}/result", status_code=201, response_model=StepWritten,
    summary="Record an escalation's result",
)  # fmt: skip
@location(APPLICATION)
def decide_escalation(
    review_id: UUID,
    escalation_id: UUID,
    body: EscalationResultIn,
    svc: Svc,
    if_match: IfMatch = None,
    key: ApiKey = Depends(allow(COORDINATOR)),
) -> dict[str, Any]:
    command = body.command(
        case_review_id=review_id, escalation_id=escalation_id, expected_version=expected_version(if_match)
    )
    result = svc.casework.handle(command, actor=key.actor, now=now())
    return written(svc, key, result, {"status": result.aggregate.status.value})
