"""The case list: one row per application, as the coordinator's list and the partner tools see it."""

from collections import OrderedDict
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from psycopg import sql

from domain.case_reviews import CaseReview
from projections.runner import ReadModel

CACHE_SIZE = 10_000


class CaseList(ReadModel):
    schema = "case_list"

    def __init__(self, app: Application) -> None:
        self.app = app
        # The aggregates themselves fold the events, so the list's status is the domain's status;
        # the most recently touched ones stay in memory so a rebuild does not reload them.
        self._cases: OrderedDict[UUID, CaseReview] = OrderedDict()

    @property
    def topics(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"domain.case_reviews:CaseReview.{cls.__name__}" for cls in CASE_EVENTS)

    def create_tables(self, cur: psycopg.Cursor) -> None:
        cur.execute(
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {} (
                    id uuid PRIMARY KEY,
                    route text NOT NULL,
                    status text NOT NULL,
                    received_date date NOT NULL,
                    applicant_id uuid NOT NULL,
                    victim_id uuid,
                    member_ids uuid[] NOT NULL,
                    decision text,
                    decided_on date,
                    completed_on date,
                    delay_notified_on date,
                    version bigint NOT NULL,
                    requested_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )"""
            ).format(self.table("case_reviews"))
        )
        cur.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS case_reviews_newest ON {} (received_date DESC, id DESC)").format(
                self.table("case_reviews")
            )
        )

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
        case = event.mutate(self._case_before(event))
        self._cases[case.id] = case
        if len(self._cases) > CACHE_SIZE:
            self._cases.popitem(last=False)
        delay = case.delay_notices[-1].notified_on if case.delay_notices else None
        cur.execute(
            sql.SQL(
                """INSERT INTO {} AS c (id, route, status, received_date, applicant_id, victim_id, member_ids,
                       decision, decided_on, completed_on, delay_notified_on, version, requested_at, updated_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (id) DO UPDATE SET status = excluded.status, decision = excluded.decision,
                       decided_on = excluded.decided_on, completed_on = excluded.completed_on,
                       delay_notified_on = excluded.delay_notified_on, version = excluded.version,
                       updated_at = excluded.updated_at"""
            ).format(self.table("case_reviews")),
            (
                case.id, case.route.value, case.status.value, case.received_date, case.applicant_id, case.victim_id,
                list(case.member_ids), case.decision.decision.value if case.decision else None,
                case.decision.decided_on if case.decision else None, case.completed_on, delay, case.version,
                case.created_on, case.modified_on,
            ),
        )  # fmt: skip


CASE_EVENTS = [
    value
    for value in vars(CaseReview).values()
    if isinstance(value, type) and issubclass(value, CaseReview.Event) and value.__qualname__.startswith("CaseReview.")
]
