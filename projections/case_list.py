"""The case list: one row per application, as the coordinator's list and the partner tools see it."""

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from psycopg import sql

from domain.case_reviews import CaseReview
from domain.deadlines import deadlines_for
from domain.policy import Policy
from projections.runner import ReadModel

CACHE_SIZE = 10_000


class CaseList(ReadModel):
    schema = "case_list"

    def __init__(self, app: Application, policy_for: Callable[[date], Policy]) -> None:
        self.app = app
        self.policy_for = policy_for  # the policy version in force on a received date
        # The aggregates themselves fold the events, so the list's status is the domain's status;
        # the most recently touched ones stay in memory so a rebuild does not reload them.
        self._cases: OrderedDict[UUID, CaseReview] = OrderedDict()

    @property
    def topics(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"domain.case_reviews:CaseReview.{cls.__name__}" for cls in CASE_EVENTS)

    # --- reading -------------------------------------------------------------------------

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

    # --- applying ------------------------------------------------------------------------

    def forget(self) -> None:
        self._cases = OrderedDict()  # rebound, not cleared: a shadow copy must not empty the live cache

    def _case_before(self, event: Any) -> CaseReview | None:
        if event.originator_version == 1:
            return None
        case = self._cases.pop(event.originator_id, None)
        if case is None or case.version != event.originator_version - 1:
            case = self.app.repository.get(event.originator_id, version=event.originator_version - 1)
        return case

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        # Fold every event into its case in memory, then write each case touched once.
        touched: dict[UUID, CaseReview] = {}
        for _, event in events:
            case = event.mutate(self._case_before(event))
            self._cases[case.id] = touched[case.id] = case
        while len(self._cases) > CACHE_SIZE:
            self._cases.popitem(last=False)
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
            case.decision.decided_on if case.decision else None, case.completed_on, case.finished_on,
            deadlines_for(policy, case.received_date).review, policy.name, policy.version, first_delay, target,
            case.version, case.created_on, case.modified_on,
        )  # fmt: skip

    @property
    def _upsert(self) -> sql.Composed:
        return sql.SQL(
            """INSERT INTO {} AS c (id, route, status, received_date, applicant_id, victim_id, member_ids, decision,
                   decided_on, completed_on, finished_on, due_date, policy_name, policy_version, delay_notified_on,
                   new_target_date, version, requested_at, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET status = excluded.status, decision = excluded.decision,
                   decided_on = excluded.decided_on, completed_on = excluded.completed_on,
                   finished_on = excluded.finished_on, delay_notified_on = excluded.delay_notified_on,
                   new_target_date = excluded.new_target_date, version = excluded.version,
                   updated_at = excluded.updated_at"""
        ).format(self.table("case_reviews"))


CASE_EVENTS = [
    value
    for value in vars(CaseReview).values()
    if isinstance(value, type) and issubclass(value, CaseReview.Event) and value.__qualname__.startswith("CaseReview.")
]


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
