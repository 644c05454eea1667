"""The case list: one row per application, as the coordinator's list and the partner tools see it."""

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg.types.string import TextLoader

from domain.calendar import DeadlineState
from domain.case_reviews import CaseReview
from domain.deadlines import deadlines_for, stage_done_dates
from domain.policy import Policy
from projections.case_fold import CASE_EVENTS, FoldsCaseReviews
from projections.runner import ReadModel


class CaseList(FoldsCaseReviews, ReadModel):
    schema = "case_list"

    def __init__(self, app: Application, policy_for: Callable[[date], Policy]) -> None:
        self.app = app
        self.policy_for = policy_for  # the policy version in force on a received date
        # The aggregates themselves fold the events, so the list's status is the domain's status;
        # the most recently touched ones stay in memory so a rebuild does not reload them.
        self._cases: OrderedDict[UUID, CaseReview] = OrderedDict()

    @property
    def event_classes(self) -> tuple[type, ...]:  # type: ignore[override]
        return tuple(CASE_EVENTS)  # every event of a case review: the list shows the case as the domain folds it

    # --- reading -------------------------------------------------------------------------

    @classmethod
    def page(
        cls,
        pool: Any,
        *,
        status: str | None = None,
        route: str | None = None,
        agency: str | None = None,
        deadline: tuple[sql.Composable, list[Any]] | None = None,
        before: tuple[date, datetime, UUID] | None = None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """One page of the case list, newest first (by received date, then latest recorded), before the keyset `before`.

        `agency`: applications whose victims (or members) complained to that agency (case_facts).
        `deadline`: a condition from `deadline_state_condition`. Ids come back as text, as the page
        sends them (the same canonical form str(UUID) gives), not as UUIDs to be turned back.
        """
        conditions, params = [sql.SQL("true")], []
        if status is not None:
            conditions.append(sql.SQL("status = %s"))
            params.append(status)
        if route is not None:
            conditions.append(sql.SQL("route = %s"))
            params.append(route)
        if agency is not None:
            conditions.append(
                sql.SQL(
                    "EXISTS (SELECT 1 FROM case_facts.complaints AS f WHERE f.agency = %s"
                    " AND (f.victim_id = case_reviews.victim_id OR f.victim_id = ANY(case_reviews.member_ids)))"
                )
            )
            params.append(agency)
        if deadline is not None:
            conditions.append(deadline[0])
            params.extend(deadline[1])
        if before is not None:
            conditions.append(sql.SQL("(received_date, requested_at, id) < (%s, %s, %s)"))
            params.extend(before)
        query = sql.SQL(
            "SELECT * FROM {} WHERE {} ORDER BY received_date DESC, requested_at DESC, id DESC LIMIT %s"
        ).format(sql.Identifier(cls.schema, "case_reviews"), sql.SQL(" AND ").join(conditions))
        with pool.connection() as conn, conn.cursor() as cur:
            cur.adapters.register_loader("uuid", TextLoader)
            return cur.execute(query, (*params, limit)).fetchall()

    @staticmethod
    def deadline_state_condition(state: DeadlineState, today: date, soon: date) -> tuple[sql.Composable, list[Any]]:
        """The rows in `state` today, in SQL so the list can be filtered and paged in the database.

        It mirrors domain.calendar.deadline_state (tests hold the two to the same answers); `soon`
        is the last day of the due-soon window (5 working days ahead under the policy in force).
        """
        finished = sql.SQL("(finished_on IS NOT NULL AND finished_on <= %s)")
        # Only a notice dated on or before the due date gives delay_notified (RULES.md 14): a later one leaves it open.
        open_plain = sql.SQL(
            "(finished_on IS NULL OR finished_on > %s)"
            " AND (delay_notified_on IS NULL OR delay_notified_on > %s OR delay_notified_on > due_date)"
        )
        conditions: dict[DeadlineState, tuple[sql.Composable, list[Any]]] = {
            DeadlineState.COMPLETED_IN_TIME: (sql.SQL("{} AND finished_on <= due_date").format(finished), [today]),
            DeadlineState.COMPLETED_LATE: (sql.SQL("{} AND finished_on > due_date").format(finished), [today]),
            DeadlineState.DELAY_NOTIFIED: (
                sql.SQL(
                    "(finished_on IS NULL OR finished_on > %s) AND delay_notified_on <= %s"
                    " AND delay_notified_on <= due_date"
                ),
                [today, today],
            ),
            DeadlineState.OVERDUE: (sql.SQL("{} AND due_date < %s").format(open_plain), [today, today, today]),
            DeadlineState.DUE_SOON: (
                sql.SQL("{} AND due_date >= %s AND due_date <= %s").format(open_plain),
                [today, today, today, soon],
            ),
            DeadlineState.ON_TRACK: (sql.SQL("{} AND due_date > %s").format(open_plain), [today, today, soon]),
        }
        return conditions[state]

    @classmethod
    def as_on(
        cls,
        pool: Any,
        day: date,
        *,
        shown_after: date,
        after: tuple[date, UUID] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Applications received by `day` and not finished by `shown_after` (an earlier day, or `day` for open only).

        By due date, after the keyset `after`: the deadline view, the alarms and the calendar feed read this (the
        feed's read audit names the applications' people: applicant, victim, members).
        """
        conditions = [sql.SQL("received_date <= %s"), sql.SQL("(finished_on IS NULL OR finished_on > %s)")]
        params: list[Any] = [day, shown_after]
        if after is not None:
            conditions.append(sql.SQL("(due_date, id) > (%s, %s)"))
            params.extend(after)
        query = sql.SQL(
            "SELECT id, received_date, due_date, finished_on, delay_notified_on, new_target_date, policy_name,"
            " policy_version, applicant_id, victim_id, member_ids, stages_done FROM {} WHERE {} ORDER BY due_date, id"
        ).format(sql.Identifier(cls.schema, "case_reviews"), sql.SQL(" AND ").join(conditions))
        if limit is not None:
            query += sql.SQL(" LIMIT %s")
            params.append(limit)
        with pool.connection() as conn:
            return conn.execute(query, params).fetchall()

    @classmethod
    def people_due_for_erasure(cls, pool: Any, closed_before: datetime) -> list[UUID]:
        """Everyone named on applications, each closed before `closed_before`, with no complaint logged since.

        As applicant, victim or member; erased people included (the caller skips them). Complaints
        come from case_facts: a person with a newer complaint (as victim or complainant) is kept.
        """
        with pool.connection() as conn:
            return [row["person_id"] for row in conn.execute(PEOPLE_DUE, {"closed_before": closed_before})]

    @classmethod
    def received(cls, pool: Any, period: tuple[date, date] | None = None) -> list[tuple[UUID, date]]:
        """(id, received date) of every application, received in `period` if given, oldest first."""
        query = sql.SQL("SELECT id, received_date FROM {}").format(sql.Identifier(cls.schema, "case_reviews"))
        params: tuple[Any, ...] = ()
        if period is not None:
            query += sql.SQL(" WHERE received_date BETWEEN %s AND %s")
            params = period
        with pool.connection() as conn:
            rows = conn.execute(query + sql.SQL(" ORDER BY received_date, id"), params).fetchall()
        return [(row["id"], row["received_date"]) for row in rows]

    @classmethod
    def not_completed_on(cls, pool: Any, day: date) -> list[dict[str, Any]]:
        """Applications received by `day` whose applicant had not yet been told the outcome (completion, RULES.md
        section 14): the ones whose procedure stages can still fall due, with what those need."""
        query = sql.SQL(
            "SELECT id, received_date, delay_notified_on, policy_name, policy_version, stages_done FROM {}"
            " WHERE received_date <= %(day)s AND (stages_done->>'outcome_notified' IS NULL"
            "  OR (stages_done->>'outcome_notified')::date > %(day)s) ORDER BY id"
        ).format(sql.Identifier(cls.schema, "case_reviews"))
        with pool.connection() as conn:
            return conn.execute(query, {"day": day}).fetchall()

    @classmethod
    def applications(cls, pool: Any, period: tuple[date, date] | None = None) -> list[dict[str, Any]]:
        """Every application (received in `period`, if given), oldest first, with what re-deciding it needs:
        the facts an assessment takes, the dates its stages count from, its first delay notice, and whether
        its review made recommendations (from the publication model). One query (service/what_if.py)."""
        query = sql.SQL(
            "SELECT c.id, c.route, c.applicant_id, c.victim_id, c.member_ids, c.received_date, c.complaint_ids,"
            " c.stages_done, c.delay_notified_on, EXISTS (SELECT 1 FROM {facts} AS f WHERE f.case_id = c.id"
            "  AND f.kind = 'review_with_recommendations') AS with_recommendations"
            " FROM {cases} AS c{where} ORDER BY c.received_date, c.id"
        ).format(
            facts=sql.Identifier("publication", "facts"),
            cases=sql.Identifier(cls.schema, "case_reviews"),
            where=sql.SQL(" WHERE c.received_date BETWEEN %s AND %s" if period else ""),
        )
        with pool.connection() as conn:
            return conn.execute(query, period or ()).fetchall()

    # --- applying ------------------------------------------------------------------------

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        touched = self.fold(events)  # each case touched, written once
        cur.executemany(self._upsert, [self._row(case) for case in touched.values()])

    def _row(self, case: CaseReview) -> tuple[Any, ...]:
        # Any notice on or before a day counts on that day (RULES.md section 8), so keep the first;
        # the latest gives the current target.
        first_delay = case.delay_notices[0].notified_on if case.delay_notices else None
        target = case.delay_notices[-1].new_target_date if case.delay_notices else None
        policy = self.policy_for(case.received_date)
        return (
            case.id, case.route.value, case.status.value, case.received_date, case.applicant_id, case.victim_id,
            list(case.member_ids), case.decision.decision.value if case.decision else None,
            case.decision.decided_on if case.decision else None, case.completed_on, case.completion_on,
            deadlines_for(policy, case.received_date).review, policy.name, policy.version, first_delay, target,
            case.version, case.created_on, case.modified_on,
            None if case.complaint_ids is None else list(case.complaint_ids),
            Jsonb({name.value: day.isoformat() for name, day in stage_done_dates(case).items()}),
        )  # fmt: skip

    @property
    def _upsert(self) -> sql.Composed:
        return sql.SQL(
            """INSERT INTO {} AS c (id, route, status, received_date, applicant_id, victim_id, member_ids, decision,
                   decided_on, completed_on, finished_on, due_date, policy_name, policy_version, delay_notified_on,
                   new_target_date, version, requested_at, updated_at, complaint_ids, stages_done)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET status = excluded.status, decision = excluded.decision,
                   decided_on = excluded.decided_on, completed_on = excluded.completed_on,
                   finished_on = excluded.finished_on, delay_notified_on = excluded.delay_notified_on,
                   new_target_date = excluded.new_target_date, version = excluded.version,
                   updated_at = excluded.updated_at, complaint_ids = excluded.complaint_ids,
                   stages_done = excluded.stages_done"""
        ).format(self.table("case_reviews"))


PEOPLE_DUE = """
WITH named AS (
    SELECT applicant_id AS person_id, status, updated_at FROM case_list.case_reviews
    UNION ALL
    SELECT victim_id, status, updated_at FROM case_list.case_reviews WHERE victim_id IS NOT NULL
    UNION ALL
    SELECT member_id, status, updated_at FROM case_list.case_reviews, unnest(member_ids) AS member_id
)
SELECT person_id FROM named
GROUP BY person_id
HAVING bool_and(status = 'closed' AND updated_at < %(closed_before)s)
   AND NOT EXISTS (
       SELECT 1 FROM case_facts.complaints AS c
       WHERE person_id IN (c.victim_id, c.complainant_id) AND c.logged_at >= %(closed_before)s
   )
ORDER BY person_id
"""


def refresh_due_dates(pool: Any, policy_for: Callable[[date], Policy], since: date) -> int:
    """After a policy version is published: each application received on or after its effective date
    gets the due date and policy a rebuild would give it (the live case view already does)."""
    table = sql.Identifier(CaseList.schema, "case_reviews")
    with pool.connection() as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT id, received_date, due_date, policy_name, policy_version FROM {} WHERE received_date >= %s"
            ).format(table),
            (since,),
        ).fetchall()
        changes = []
        for row in rows:
            policy = policy_for(row["received_date"])
            due = deadlines_for(policy, row["received_date"]).review
            if (due, policy.name, policy.version) != (row["due_date"], row["policy_name"], row["policy_version"]):
                changes.append((due, policy.name, policy.version, row["id"]))
        if changes:
            with conn.cursor() as cur:
                cur.executemany(
                    sql.SQL("UPDATE {} SET due_date = %s, policy_name = %s, policy_version = %s WHERE id = %s").format(
                        table
                    ),
                    changes,
                )
    return len(changes)
