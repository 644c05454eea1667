"""How RULES.md section 13's promises read in JSON: in a case review's answer, in the lists of actions and
information requests, and in the alarms. Each promise's state is the domain's (domain.promises) as on a day;
free text is read from the applicant's stream when the answer is made ("[erased]" once erased)."""

from datetime import date
from typing import Any
from uuid import UUID

from api.dependencies import Services
from api.views import _step as _recorded  # a step shows as the lifecycle's do: its time in UTC, `Z`
from api.views import event_data, text_refs
from domain.case_reviews import CaseReview
from domain.people import ERASED, TextRef
from domain.promises import (
    action_state,
    closure_on,
    information_request_state,
    next_update_due,
    promise_alarms,
    update_due_on,
)
from projections.promises import Promises, action_of, information_request_of
from service.casework import Casework
from service.errors import NotFound
from service.promise_terms import terms_for
from store.api_keys import ApiKey


def _text(texts: dict[TextRef, str | None], ref: TextRef | None) -> str | None:
    return None if ref is None else (texts.get(ref) or ERASED)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- finding what an id belongs to -------------------------------------------------------------

WHAT = {"action": "action", "information_request": "information request", "pcc_review": "PCC review request"}


def owning_case_review(svc: Services, kind: str, id: UUID, key: ApiKey) -> UUID:
    """The case review an action, information request or PCC review belongs to (their routes name only their
    own id). From the read model; one not there yet may have just been recorded, so the read model is let
    reach the store's head first. Another agency's action or request is not found (404), as if it did not
    exist: a 403 would tell that it does (service/authorization.py require_own_promise)."""
    row = Promises.owner_of(svc.pool, kind, id)
    if row is None and svc.runner.wait_for(svc.runner.head(), svc.read_wait_seconds):
        row = Promises.owner_of(svc.pool, kind, id)
    if row is None or (key.agency is not None and row["agency"] != key.agency):
        raise NotFound(WHAT[kind], id)
    return row["case_review_id"]


# --- lists -------------------------------------------------------------------------------------


def action_item(row: dict[str, Any], texts: dict[TextRef, str | None], on: date) -> dict[str, Any]:
    action = action_of(row)
    return {
        "id": str(action.id),
        "case_review_id": str(row["case_review_id"]),
        "applicant_id": str(row["applicant_id"]),  # whose text `action` is: the read audit records it
        "agency": action.agency,
        "action": _text(texts, action.action),
        "due_date": _day(action.due_date),
        "agreed_on": action.agreed_on.isoformat(),
        "state": action_state(action, on).value,
        "done_on": _day(action.done_on),
        "dropped_on": _day(action.dropped_on),
        "pcc_review_id": str(action.pcc_review_id) if action.pcc_review_id else None,
    }


def information_request_item(row: dict[str, Any], texts: dict[TextRef, str | None], on: date) -> dict[str, Any]:
    request = information_request_of(row)
    return {
        "id": str(request.id),
        "case_review_id": str(row["case_review_id"]),
        "applicant_id": str(row["applicant_id"]),  # whose text `question` is: the read audit records it
        "agency": request.agency,
        "requested_on": request.requested_on.isoformat(),
        "due_date": request.due_date.isoformat(),
        "question": _text(texts, request.question),
        "state": information_request_state(request, on).value,
        "answered_on": _day(request.answered_on),
    }


# --- alarms ------------------------------------------------------------------------------------


def promise_alarms_on(svc: Services, day: date) -> list[dict[str, Any]]:
    """Actions, updates and information requests overdue or due soon on `day` (domain.promises.promise_alarms),
    each case under the policy in force on its received date; earliest due first."""
    rows = Promises.open_on(svc.pool, day)
    by_case: dict[UUID, dict[str, Any]] = {}
    for kind in ("actions", "information_requests"):
        for row in rows[kind]:
            by_case.setdefault(row["case_review_id"], {"actions": [], "information_requests": []})[kind].append(row)
    updates = {row["case_review_id"]: row for row in rows["updates"]}
    received = {row["case_review_id"]: row["received_date"] for kind in rows.values() for row in kind}
    items = []
    for case_id in sorted(set(by_case) | set(updates), key=str):
        terms = terms_for(svc.policies, received[case_id])
        owed = updates.get(case_id)
        next_update = None
        if owed is not None:
            closed_on, reopened_on = closure_on(zip(owed["closed_from"], owed["reopened_on"], strict=True), day)
            next_update = next_update_due(
                terms.calendar, decided_on=owed["decided_on"], updates=owed["update_dates"], closed_on=closed_on,
                every_working_days=terms.update_every_working_days, on=day, reopened_on=reopened_on,
            )  # fmt: skip
        found = by_case.get(case_id, {"actions": [], "information_requests": []})
        for alarm in promise_alarms(
            terms.calendar, actions=[action_of(r) for r in found["actions"]],
            information_requests=[information_request_of(r) for r in found["information_requests"]],
            next_update=next_update, on=day,
        ):  # fmt: skip
            items.append(
                {
                    "kind": alarm.kind.value,
                    "id": str(alarm.id) if alarm.id else None,
                    "case_review_id": str(case_id),
                    "due_date": alarm.due_date.isoformat(),
                    "state": alarm.state.value,
                    "agency": alarm.agency,
                }
            )
    items.sort(key=lambda item: (item["due_date"], item["kind"], item["case_review_id"], item["id"] or ""))
    return items


# --- one case review ---------------------------------------------------------------------------


def journey_view(app: Casework, review: CaseReview, on: date) -> dict[str, Any]:
    """The section 13 parts of a case review's answer, with each promise's state as on `on`."""
    events: list[Any] = [
        *([review.involvement] if review.involvement else []), *review.meetings, *review.updates, *review.letters,
        *(p.requested for p in review.pcc_reviews.values()),
        *(p.decided for p in review.pcc_reviews.values() if p.decided),
    ]  # fmt: skip
    refs = [ref for event in events for ref in text_refs(event_data(event))]
    refs += [ref for action in review.actions.values() for ref in (action.action, action.evidence, action.drop_reason)]
    refs += [ref for request in review.information_requests.values() for ref in (request.question, request.answer)]
    texts = app.resolve_texts(refs)
    terms = app.promise_terms(review)
    next_update = update_due_on(review, terms.calendar, every_working_days=terms.update_every_working_days, on=on)
    return {
        "involvement": _recorded(review.involvement, texts) if review.involvement else None,
        "review_meetings": [_recorded(meeting, texts) for meeting in review.meetings],
        "actions": [
            {
                "id": str(action.id),
                "action": _text(texts, action.action),
                "agency": action.agency,
                "due_date": _day(action.due_date),
                "agreed_on": action.agreed_on.isoformat(),
                "state": action_state(action, on).value,
                "done_on": _day(action.done_on),
                "evidence": _text(texts, action.evidence),
                "dropped_on": _day(action.dropped_on),
                "drop_reason": _text(texts, action.drop_reason),
                "pcc_review_id": str(action.pcc_review_id) if action.pcc_review_id else None,
            }
            for action in review.actions.values()
        ],
        "updates": [_recorded(update, texts) for update in review.updates],
        "next_update": None
        if next_update is None
        else {
            "due_date": next_update.due_date.isoformat(),
            "counted_from": next_update.counted_from.isoformat(),
            "working_days_left": next_update.working_days_left,
            "state": next_update.state.value,
            "every_working_days": terms.update_every_working_days,
        },
        "information_requests": [
            {
                "id": str(request.id),
                "agency": request.agency,
                "requested_on": request.requested_on.isoformat(),
                "due_date": request.due_date.isoformat(),
                "question": _text(texts, request.question),
                "state": information_request_state(request, on).value,
                "answered_on": _day(request.answered_on),
                "answer": _text(texts, request.answer),
            }
            for request in review.information_requests.values()
        ],
        "letters_sent": [_recorded(letter, texts) for letter in review.letters],
        "pcc_reviews": [
            {
                "id": str(pcc_id),
                "told_on": pcc.told_on.isoformat(),
                "request": _recorded(pcc.requested, texts),
                "result": _recorded(pcc.decided, texts) if pcc.decided else None,
                "accepted_late": pcc.requested.late_acceptance_reason is not None,
            }
            for pcc_id, pcc in review.pcc_reviews.items()
        ],
        "as_on": on.isoformat(),
    }
