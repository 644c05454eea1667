"""The partnership's promises across case reviews (RULES.md section 13): actions, information requests, the
updates owed to applicants and the reviews asked of the Police and Crime Commissioner.

Dates, codes and ids only: the text of an action or a question stays in the applicant's own stream
(its TextRef's two ids are kept here, and the text is read when an answer is made, "[erased]" once
the applicant is erased). The rows come from the case review as the domain folds it, so an action's
id, a case's closures and the rounds of review are the domain's own.

The queries that read these tables live here too: each list pages in the database, with its state
as on a day worked out in SQL the way domain.promises works it out (tests hold the two to the same answers).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from psycopg import sql

from domain.case_reviews import CaseReview
from domain.people import TextRef
from domain.promises import Action, ActionState, InformationRequest, InformationRequestState
from projections.case_fold import CASE_EVENTS, FoldsCaseReviews
from projections.runner import ReadModel

# Neither done nor dropped by %(on)s: open or overdue (domain.promises.action_state).
NOT_CLOSED = "(done_on IS NULL OR done_on > %(on)s) AND (dropped_on IS NULL OR dropped_on > %(on)s)"
NO_DUE_DATE = date.max  # where an action without a due date sorts: after every dated one


class Promises(FoldsCaseReviews, ReadModel):
    schema = "promises"

    def __init__(self, app: Application) -> None:
        self.app = app
        self.forget()

    @property
    def event_classes(self) -> tuple[type, ...]:  # type: ignore[override]
        return tuple(CASE_EVENTS)  # closures depend on every step of a case, not only on section 13's events

    # --- applying ------------------------------------------------------------------------

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        actions, requests, updates, pcc = [], [], [], []
        for case in self.fold(events).values():
            actions += [_action_row(case, action) for action in case.actions.values()]
            requests += [_request_row(case, request) for request in case.information_requests.values()]
            if case.decision is not None:
                periods = case.closed_periods
                updates.append((
                    case.id, case.received_date, case.decision.decided_on, [u.updated_on for u in case.updates],
                    [closed for closed, _ in periods], [reopened for _, reopened in periods], case.closed_on,
                ))  # fmt: skip
            for pcc_id, review in case.pcc_reviews.items():
                decided = review.decided
                pcc.append((
                    pcc_id, case.id, case.applicant_id, review.requested.requested_on, review.told_on,
                    list(review.requested.grounds), review.requested.late_acceptance_reason is not None,
                    decided.result.value if decided else None, decided.decided_on if decided else None,
                ))  # fmt: skip
        for rows, statement in ((actions, UPSERT_ACTION), (requests, UPSERT_REQUEST), (updates, UPSERT_UPDATES),
                                (pcc, UPSERT_PCC)):  # fmt: skip
            if rows:
                cur.executemany(sql.SQL(statement).format(schema=sql.Identifier(self.schema)), rows)

    # --- reading -------------------------------------------------------------------------

    @classmethod
    def _table(cls, name: str) -> sql.Identifier:
        return sql.Identifier(cls.schema, name)

    @staticmethod
    def action_state_condition(state: ActionState) -> sql.Composable:
        """Actions in `state` as on the day %(on)s, in SQL: domain.promises.action_state, mirrored."""
        not_closed = NOT_CLOSED
        return sql.SQL(
            {
                ActionState.DONE: "done_on <= %(on)s",
                ActionState.DROPPED: "(done_on IS NULL OR done_on > %(on)s) AND dropped_on <= %(on)s",
                ActionState.OVERDUE: f"{not_closed} AND due_date < %(on)s",
                ActionState.OPEN: f"{not_closed} AND (due_date IS NULL OR due_date >= %(on)s)",
            }[state]
        )

    @staticmethod
    def request_state_condition(state: InformationRequestState) -> sql.Composable:
        """Information requests in `state` as on %(on)s: domain.promises.information_request_state, mirrored."""
        not_answered = "(answered_on IS NULL OR answered_on > %(on)s)"
        return sql.SQL(
            {
                InformationRequestState.ANSWERED: "answered_on <= %(on)s",
                InformationRequestState.OVERDUE: f"{not_answered} AND due_date < %(on)s",
                InformationRequestState.OPEN: f"{not_answered} AND due_date >= %(on)s",
            }[state]
        )

    @classmethod
    def actions_page(
        cls,
        pool: Any,
        *,
        on: date,
        agency: str | None = None,
        state: ActionState | None = None,
        case_review_id: UUID | None = None,
        after: tuple[date, UUID] | None = None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Actions agreed by `on`, by due date (those without one last), then id, after the keyset `after`
        ((due date or NO_DUE_DATE, id)); each row with its `sort_due` for the next cursor."""
        conditions = [sql.SQL("agreed_on <= %(on)s")]
        params: dict[str, Any] = {"on": on, "limit": limit}
        if agency is not None:
            conditions.append(sql.SQL("agency = %(agency)s"))
            params["agency"] = agency
        if state is not None:
            conditions.append(cls.action_state_condition(state))
        if case_review_id is not None:
            conditions.append(sql.SQL("case_review_id = %(case_review_id)s"))
            params["case_review_id"] = case_review_id
        if after is not None:
            conditions.append(sql.SQL("(coalesce(due_date, 'infinity'), id) > (%(after_due)s::date, %(after_id)s)"))
            params["after_due"] = "infinity" if after[0] == NO_DUE_DATE else after[0]
            params["after_id"] = after[1]
        query = sql.SQL("SELECT * FROM {} WHERE {} ORDER BY coalesce(due_date, 'infinity'), id LIMIT %(limit)s").format(
            cls._table("actions"), sql.SQL(" AND ").join(conditions)
        )
        with pool.connection() as conn:
            return conn.execute(query, params).fetchall()

    @classmethod
    def requests_page(
        cls,
        pool: Any,
        *,
        on: date,
        agency: str | None = None,
        state: InformationRequestState | None = None,
        after: tuple[date, UUID] | None = None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Information requests made by `on`, by due date then id, after the keyset `after` ((due date, id))."""
        conditions = [sql.SQL("requested_on <= %(on)s")]
        params: dict[str, Any] = {"on": on, "limit": limit}
        if agency is not None:
            conditions.append(sql.SQL("agency = %(agency)s"))
            params["agency"] = agency
        if state is not None:
            conditions.append(cls.request_state_condition(state))
        if after is not None:
            conditions.append(sql.SQL("(due_date, id) > (%(after_due)s, %(after_id)s)"))
            params["after_due"], params["after_id"] = after
        query = sql.SQL("SELECT * FROM {} WHERE {} ORDER BY due_date, id LIMIT %(limit)s").format(
            cls._table("information_requests"), sql.SQL(" AND ").join(conditions)
        )
        with pool.connection() as conn:
            return conn.execute(query, params).fetchall()

    @classmethod
    def owner_of(cls, pool: Any, kind: str, id: UUID) -> dict[str, Any] | None:
        """The case review (and agency, for an action or a request) an action, information request or PCC
        review belongs to; None when this read model does not know it (yet)."""
        table, columns = {
            "action": ("actions", "case_review_id, agency"),
            "information_request": ("information_requests", "case_review_id, agency"),
            "pcc_review": ("pcc_reviews", "case_review_id, NULL AS agency"),
        }[kind]
        query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(sql.SQL(columns), cls._table(table))
        with pool.connection() as conn:
            return conn.execute(query, (id,)).fetchone()

    @classmethod
    def open_on(cls, pool: Any, on: date) -> dict[str, list[dict[str, Any]]]:
        """What may be overdue or due soon on `on`: the actions and information requests open on that day
        (with a due date), and the updates owed by cases decided by then and not closed since on or before it.
        The alarms then ask the domain (domain.promises.promise_alarms) which are."""
        params = {"on": on}
        actions = sql.SQL(
            "SELECT * FROM {} WHERE agreed_on <= %(on)s AND due_date IS NOT NULL AND {} ORDER BY case_review_id"
        ).format(cls._table("actions"), sql.SQL(NOT_CLOSED))
        requests = sql.SQL("SELECT * FROM {} WHERE requested_on <= %(on)s AND {} ORDER BY case_review_id").format(
            cls._table("information_requests"), sql.SQL("(answered_on IS NULL OR answered_on > %(on)s)")
        )
        updates = sql.SQL(
            "SELECT * FROM {} WHERE decided_on <= %(on)s AND (closed_since IS NULL OR closed_since > %(on)s)"
            " ORDER BY case_review_id"
        ).format(cls._table("updates_owed"))
        with pool.connection() as conn:
            return {
                "actions": conn.execute(actions, params).fetchall(),
                "information_requests": conn.execute(requests, params).fetchall(),
                "updates": conn.execute(updates, params).fetchall(),
            }

    @classmethod
    def pcc_reviews_page(
        cls, pool: Any, *, decided: bool | None = None, after: tuple[date, UUID] | None = None, limit: int
    ) -> list[dict[str, Any]]:
        """Reviews asked of the PCC, oldest request first; `decided` False: those waiting for a result."""
        conditions = [sql.SQL("true")]
        params: dict[str, Any] = {"limit": limit}
        if decided is not None:
            conditions.append(sql.SQL("decided_on IS NOT NULL" if decided else "decided_on IS NULL"))
        if after is not None:
            conditions.append(sql.SQL("(requested_on, id) > (%(after_on)s, %(after_id)s)"))
            params["after_on"], params["after_id"] = after
        query = sql.SQL("SELECT * FROM {} WHERE {} ORDER BY requested_on, id LIMIT %(limit)s").format(
            cls._table("pcc_reviews"), sql.SQL(" AND ").join(conditions)
        )
        with pool.connection() as conn:
            return conn.execute(query, params).fetchall()


# --- rows <-> domain values --------------------------------------------------------------------


def _action_row(case: CaseReview, action: Action) -> tuple[Any, ...]:
    return (
        action.id, case.id, case.received_date, case.applicant_id, action.agency, action.action.person_id, action.action.text_id,
        action.due_date, action.agreed_on, action.pcc_review_id, action.done_on, action.dropped_on,
    )  # fmt: skip


def _request_row(case: CaseReview, request: InformationRequest) -> tuple[Any, ...]:
    question = request.question
    return (
        request.id, case.id, case.received_date, case.applicant_id, request.agency, request.requested_on, request.due_date,
        question.person_id if question else None, question.text_id if question else None, request.answered_on,
    )  # fmt: skip


def action_of(row: dict[str, Any]) -> Action:
    """The domain's Action from a row (without its evidence or drop reason, which stay in the case review)."""
    return Action(
        id=row["id"], action=TextRef(row["action_owner_id"], row["action_text_id"]), agency=row["agency"],
        due_date=row["due_date"], agreed_on=row["agreed_on"], pcc_review_id=row["pcc_review_id"],
        done_on=row["done_on"], dropped_on=row["dropped_on"],
    )  # fmt: skip


def information_request_of(row: dict[str, Any]) -> InformationRequest:
    question = TextRef(row["question_owner_id"], row["question_text_id"]) if row["question_text_id"] else None
    return InformationRequest(
        id=row["id"], agency=row["agency"], requested_on=row["requested_on"], due_date=row["due_date"],
        question=question, answered_on=row["answered_on"],
    )  # fmt: skip


UPSERT_ACTION = """INSERT INTO {schema}.actions (id, case_review_id, received_date, applicant_id, agency,
        action_owner_id, action_text_id, due_date, agreed_on, pcc_review_id, done_on, dropped_on)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET done_on = excluded.done_on, dropped_on = excluded.dropped_on"""
UPSERT_REQUEST = """INSERT INTO {schema}.information_requests (id, case_review_id, received_date, applicant_id,
        agency, requested_on, due_date, question_owner_id, question_text_id, answered_on)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET answered_on = excluded.answered_on"""
UPSERT_UPDATES = """INSERT INTO {schema}.updates_owed (case_review_id, received_date, decided_on, update_dates,
        closed_from, reopened_on, closed_since)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (case_review_id) DO UPDATE SET update_dates = excluded.update_dates,
        closed_from = excluded.closed_from, reopened_on = excluded.reopened_on, closed_since = excluded.closed_since"""
UPSERT_PCC = """INSERT INTO {schema}.pcc_reviews (id, case_review_id, applicant_id, requested_on, told_on, grounds,
        accepted_late, result, decided_on)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (id) DO UPDATE SET result = excluded.result, decided_on = excluded.decided_on"""
