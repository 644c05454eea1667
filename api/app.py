"""The partner API (API.md): FastAPI over the event store and the read models."""

import base64
import binascii
import json
import logging
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from psycopg import sql
from psycopg_pool import ConnectionPool

from api import problems
from api.application import CommunityTrigger, RecommendationInput, Written
from api.auth import allow
from api.event_store import store_environment
from api.keys import ApiKey, KeyStore
from api.pool import open_pool
from api.problems import Problem, invalid
from api.schemas import (
    AcknowledgementIn,
    CaseReviewIn,
    ComplaintAmendmentIn,
    ComplaintIn,
    ConsentIn,
    ConsentWithdrawalIn,
    DelayNoticeIn,
    EscalationIn,
    EscalationResultIn,
    InformationIn,
    OutcomeNoticeIn,
    PersonIn,
    ReviewIn,
    ThresholdDecisionIn,
    WithdrawalIn,
    WriteOut,
)
from api.views import case_review_view, complaint_view, consent_view, event_view, person_view, text_refs, event_data
from domain.case_reviews import CaseReview
from domain.people import Contact
from domain.vocabulary import CaseStatus, Role
from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

COORDINATOR, AGENCY, AUDITOR, ANALYST, ADMIN = Role.COORDINATOR, Role.AGENCY, Role.AUDITOR, Role.ANALYST, Role.ADMIN


@dataclass
class Services:
    """Everything a request needs, made once when the app starts."""

    trigger: CommunityTrigger
    pool: ConnectionPool
    keys: KeyStore
    runner: ProjectionRunner
    read_wait_seconds: float
    last_write: dict[str, int] = field(default_factory=dict)  # key id -> position of its last write

    def close(self) -> None:
        self.runner.stop()
        self.pool.close()
        self.trigger.close()


def open_services(database_url: str, pool_size: int = 5, read_wait_seconds: float = 5.0, run_projections: bool = True) -> Services:
    trigger = CommunityTrigger(env=store_environment(database_url, pool_size=pool_size))
    pool = open_pool(database_url, size=pool_size)
    runner = ProjectionRunner(trigger, pool, [CaseList(trigger), CaseFacts()])
    services = Services(trigger=trigger, pool=pool, keys=KeyStore(pool), runner=runner, read_wait_seconds=read_wait_seconds)
    if run_projections:
        runner.catch_up()
        runner.start()
    return services


def now() -> datetime:
    return datetime.now(UTC)


def services(request: Request) -> Services:
    return request.app.state.services


Svc = Annotated[Services, Depends(services)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the version you last read; a stale one gets 412")]


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise invalid("If-Match", "If-Match is the version number you last read, for example 3")
    return int(value)


def written(svc: Services, key: ApiKey, result: Written, status_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    svc.last_write[key.key_id] = max(svc.last_write.get(key.key_id, 0), result.position)
    return {"id": str(result.id), "version": result.version, "recorded_at": result.recorded_at.isoformat(), **(status_extra or {})}


def read_own_writes(svc: Services, key: ApiKey) -> None:
    """Before a read-model query: wait (bounded) until the caller's own last write is visible."""
    position = svc.last_write.get(key.key_id)
    if position and not svc.runner.wait_for(position, svc.read_wait_seconds):
        log.warning("read models still behind position %s after %.1f s", position, svc.read_wait_seconds)


# --- cursors -----------------------------------------------------------------------------


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, dict) or set(values) != set(keys):
            raise ValueError
        return values
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("cursor", "the cursor is not one this API gave out; start again without it") from None


# --- routes ------------------------------------------------------------------------------

router = APIRouter(prefix="/v1")


@router.post("/people", status_code=201, response_model=WriteOut, tags=["people"])
def register_person(body: PersonIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))) -> dict[str, Any]:
    contact = Contact(**(body.contact.model_dump() if body.contact else {}))
    return written(svc, key, svc.trigger.register_person(display_name=body.display_name, contact=contact, actor=key.actor, now=now()))


@router.get("/people/{person_id}", tags=["people"])
def read_person(person_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    return person_view(svc.trigger.person(person_id))


@router.post("/complaints", status_code=201, response_model=WriteOut, tags=["complaints"])
def log_complaint(body: ComplaintIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))) -> dict[str, Any]:
    result = svc.trigger.log_complaint(
        victim_id=body.victim_id, complainant_id=body.complainant_id, agency=body.agency,
        agency_reference=body.agency_reference, incident_date=body.incident_date, reported_date=body.reported_date,
        caused_had=body.caused_harassment_alarm_distress, category=body.category, location=body.location,
        description=body.description, incident_ref=body.incident_ref, actor=key.actor, now=now(),
    )  # fmt: skip
    return written(svc, key, result)


@router.get("/complaints/{complaint_id}", tags=["complaints"])
def read_complaint(complaint_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR, AGENCY))) -> dict[str, Any]:
    complaint = svc.trigger.complaint(complaint_id)
    if key.role is AGENCY and complaint.agency != key.agency:
        raise Problem(403, "Forbidden", "an agency reads only the complaints it logged", slug="forbidden")
    return complaint_view(svc.trigger, complaint)


@router.patch("/complaints/{complaint_id}", response_model=WriteOut, tags=["complaints"])
def amend_complaint(
    complaint_id: UUID, body: ComplaintAmendmentIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if "caused_harassment_alarm_distress" in changes:
        changes["caused_had"] = changes.pop("caused_harassment_alarm_distress")
    if not changes:
        raise invalid("body", "name at least one fact to amend")
    if any(value is None for name, value in changes.items() if name not in ("agency_reference", "incident_ref")):
        raise invalid(next(n for n, v in changes.items() if v is None), "this fact cannot be removed, only corrected")
    result = svc.trigger.amend_complaint(complaint_id, changes=changes, actor=key.actor, now=now(), expected_version=expected_version(if_match))
    return written(svc, key, result)


@router.post("/complaints/{complaint_id}/withdrawal", response_model=WriteOut, tags=["complaints"])
def withdraw_complaint(
    complaint_id: UUID, body: WithdrawalIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR, AGENCY))
) -> dict[str, Any]:
    result = svc.trigger.withdraw_complaint(complaint_id, reason=body.reason, actor=key.actor, now=now(), expected_version=expected_version(if_match))
    return written(svc, key, result)


@router.post("/consents", status_code=201, response_model=WriteOut, tags=["consents"])
def give_consent(body: ConsentIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    result = svc.trigger.give_consent(
        person_id=body.person_id, application_id=body.application_id, purpose=body.purpose, given_on=body.given_on, actor=key.actor, now=now()
    )
    return written(svc, key, result)


@router.get("/consents/{consent_id}", tags=["consents"])
def read_consent(consent_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    return consent_view(svc.trigger.consent(consent_id))


@router.post("/consents/{consent_id}/withdrawal", response_model=WriteOut, tags=["consents"])
def withdraw_consent(consent_id: UUID, body: ConsentWithdrawalIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    return written(svc, key, svc.trigger.withdraw_consent(consent_id, withdrawn_on=body.withdrawn_on, actor=key.actor, now=now()))


def due_date_of(svc: Services, review: CaseReview) -> date | None:
    """The review's due date; set once the working-day calendar is wired in ([deadlines])."""
    return None


@router.post("/case-reviews", status_code=201, tags=["case reviews"])
def request_case_review(body: CaseReviewIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    result = svc.trigger.request_case_review(
        route=body.route, applicant_id=body.applicant_id, victim_id=body.victim_id, member_ids=body.member_ids,
        received_date=body.received_date, channel=body.channel, dissatisfaction=body.dissatisfaction,
        complaint_ids=body.complaint_ids, actor=key.actor, now=now(),
    )  # fmt: skip
    due = due_date_of(svc, result.aggregate)  # type: ignore[arg-type]
    return written(svc, key, result, {"status": CaseStatus.RECEIVED.value, "due_date": due.isoformat() if due else None})


@router.get("/case-reviews/{review_id}", tags=["case reviews"])
def read_case_review(review_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    review = svc.trigger.case_review(review_id)
    return case_review_view(svc.trigger, review, due_date_of(svc, review))


@router.get("/case-reviews", tags=["case reviews"])
def list_case_reviews(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    status: CaseStatus | None = None,
    route: str | None = Query(default=None, pattern="^(individual|group)$"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
) -> dict[str, Any]:
    read_own_writes(svc, key)
    conditions, params = [sql.SQL("true")], []
    if status is not None:
        conditions.append(sql.SQL("status = %s"))
        params.append(status.value)
    if route is not None:
        conditions.append(sql.SQL("route = %s"))
        params.append(route)
    if cursor is not None:
        after = decode_cursor(cursor, ("received_date", "id"))
        try:
            position = (date.fromisoformat(after["received_date"]), UUID(after["id"]))
        except (TypeError, ValueError):
            raise invalid("cursor", "the cursor is not one this API gave out; start again without it") from None
        conditions.append(sql.SQL("(received_date, id) < (%s, %s)"))
        params.extend(position)
    query = sql.SQL(
        "SELECT id, route, status, received_date, applicant_id, victim_id, member_ids, decision, decided_on, completed_on,"
        " version, requested_at, updated_at FROM case_list.case_reviews WHERE {} ORDER BY received_date DESC, id DESC LIMIT %s"
    ).format(sql.SQL(" AND ").join(conditions))
    with svc.pool.connection() as conn:
        rows = conn.execute(query, (*params, limit + 1)).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [list_item(row) for row in rows]
    next_cursor = (
        encode_cursor({"received_date": rows[-1]["received_date"].isoformat(), "id": str(rows[-1]["id"])}) if more else None
    )
    return {"items": items, "next_cursor": next_cursor}


def list_item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "route": row["route"],
        "status": row["status"],
        "received_date": row["received_date"].isoformat(),
        "due_date": None,
        "applicant_id": str(row["applicant_id"]),
        "victim_id": str(row["victim_id"]) if row["victim_id"] else None,
        "member_ids": [str(m) for m in row["member_ids"]],
        "decision": row["decision"],
        "decided_on": row["decided_on"].isoformat() if row["decided_on"] else None,
        "completed_on": row["completed_on"].isoformat() if row["completed_on"] else None,
        "version": row["version"],
        "recorded_at": row["requested_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


def relied_on(svc: Services, review: CaseReview) -> tuple[list[UUID], list[UUID]]:
    """The complaints and consents an application may rely on: named ones, else all of its victims'."""
    with svc.pool.connection() as conn:
        if review.complaint_ids is not None:
            complaints = list(review.complaint_ids)
        else:
            victims = [review.victim_id] if review.victim_id else list(review.member_ids)
            complaints = [r["id"] for r in conn.execute("SELECT id FROM case_facts.complaints WHERE victim_id = ANY(%s) ORDER BY reported_date, id", (victims,))]
        consents = [r["id"] for r in conn.execute("SELECT id FROM case_facts.consents WHERE application_id = %s ORDER BY id", (review.id,))]
    return complaints, consents


@router.get("/case-reviews/{review_id}/history", tags=["case reviews"])
def case_review_history(review_id: UUID, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> dict[str, Any]:
    read_own_writes(svc, key)
    review = svc.trigger.case_review(review_id)
    complaints, consents = relied_on(svc, review)
    events = [event for originator in (review_id, *complaints, *consents) for event in svc.trigger.events.get(originator)]
    events.sort(key=lambda e: (e.timestamp, str(e.originator_id), e.originator_version))
    texts = svc.trigger.resolve_texts([ref for event in events for ref in text_refs(event_data(event))])
    return {"id": str(review_id), "items": [event_view(event, texts) for event in events]}


def _case_write(path: str, body_type: type, command: str, roles: tuple[Role, ...] = (COORDINATOR,)) -> None:
    """One lifecycle step of an application: POST body -> command on the CaseReview."""

    def endpoint(review_id: UUID, body: Any, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(*roles))) -> dict[str, Any]:
        arguments = body.model_dump()
        result = getattr(svc.trigger, command)(review_id, actor=key.actor, now=now(), expected_version=expected_version(if_match), **arguments)
        return written(svc, key, result, {"status": result.aggregate.status.value})

    endpoint.__annotations__["body"] = body_type
    endpoint.__name__ = command
    router.add_api_route(f"/case-reviews/{{review_id}}{path}", endpoint, methods=["POST"], status_code=201, tags=["case reviews"])


_case_write("/acknowledgement", AcknowledgementIn, "acknowledge")
_case_write("/information", InformationIn, "share_information", (COORDINATOR, AGENCY))
_case_write("/delay-notices", DelayNoticeIn, "notify_delay")
_case_write("/outcome-notices", OutcomeNoticeIn, "notify_outcome")


@router.post("/case-reviews/{review_id}/threshold-decision", status_code=201, tags=["case reviews"])
def decide_threshold(
    review_id: UUID, body: ThresholdDecisionIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    result = svc.trigger.decide_threshold(
        review_id, decision=body.decision, grounds=body.grounds, reason=body.reason, decided_on=body.decided_on,
        assess=lambda review: None, actor=key.actor, now=now(), expected_version=expected_version(if_match),
    )  # fmt: skip
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.post("/case-reviews/{review_id}/review", status_code=201, tags=["case reviews"])
def complete_review(review_id: UUID, body: ReviewIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    recommendations = [RecommendationInput(action=r.action, agency=r.agency, due_date=r.due_date) for r in body.recommendations]
    result = svc.trigger.complete_review(
        review_id, completed_on=body.completed_on, recommendations=recommendations, actor=key.actor, now=now(),
        expected_version=expected_version(if_match),
    )  # fmt: skip
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.post("/case-reviews/{review_id}/escalations", status_code=201, tags=["case reviews"])
def request_escalation(review_id: UUID, body: EscalationIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))) -> dict[str, Any]:
    from uuid import uuid4

    escalation_id = uuid4()
    result = svc.trigger.request_escalation(
        review_id, escalation_id=escalation_id, requested_on=body.requested_on, reason=body.reason, actor=key.actor,
        now=now(), expected_version=expected_version(if_match),
    )  # fmt: skip
    return written(svc, key, result, {"escalation_id": str(escalation_id), "status": result.aggregate.status.value})


@router.post("/case-reviews/{review_id}/escalations/{escalation_id}/result", status_code=201, tags=["case reviews"])
def decide_escalation(
    review_id: UUID, escalation_id: UUID, body: EscalationResultIn, svc: Svc, if_match: IfMatch = None, key: ApiKey = Depends(allow(COORDINATOR))
) -> dict[str, Any]:
    result = svc.trigger.decide_escalation(
        review_id, escalation_id=escalation_id, result=body.result, decided_on=body.decided_on, actor=key.actor, now=now(),
        expected_version=expected_version(if_match),
    )  # fmt: skip
    return written(svc, key, result, {"status": result.aggregate.status.value})


@router.get("/events", tags=["events"])
def event_feed(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    after: int = Query(default=0, ge=0, le=2**62),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    notifications = svc.trigger.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)
    events = [(n.id, svc.trigger.mapper.to_domain_event(n)) for n in notifications]
    texts = svc.trigger.resolve_texts([ref for _, event in events for ref in text_refs(event_data(event))])
    items = [{"position": position, **event_view(event, texts)} for position, event in events]
    return {"items": items, "next_after": items[-1]["position"] if items else after}


# --- the app -----------------------------------------------------------------------------


def create_app(database_url: str, *, pool_size: int = 5, read_wait_seconds: float = 5.0, run_projections: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Iterator[None]:
        app.state.services = open_services(database_url, pool_size, read_wait_seconds, run_projections)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(
        title="Community Trigger",
        version="1",
        description="Case tracking for ASB Case Reviews (the Community Trigger). See API.md for the contract.",
        lifespan=lifespan,
    )
    problems.install(app)
    app.include_router(router)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> Any:
        svc: Services = request.app.state.services
        try:
            with svc.pool.connection() as conn:
                conn.execute("SELECT 1")
            lag = svc.runner.lag()
        except Exception as error:  # the database is down: not ready, but answer
            return problems.problem_response(Problem(503, "Database unavailable", f"the database does not answer: {error.__class__.__name__}"))
        return {"status": "ok", "database": "ok", "projections": {"lag_events": lag["events"], "lag_seconds": lag["seconds"], "position": lag["position"]}}

    return app
