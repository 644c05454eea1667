"""The facts behind the figures the law requires (RULES.md section 10), one row per countable event.

Rows carry their own date; a reporting year is applied when the figures are asked for, so the
same rows serve every year and any policy's year start without a rebuild.
"""

from typing import Any

import psycopg
from psycopg import sql

from domain.case_reviews import CaseReview
from domain.vocabulary import Decision
from projections.runner import ReadModel


class PublicationFacts(ReadModel):
    schema = "publication"
    topics = tuple(
        f"domain.case_reviews:CaseReview.{name}"
        for name in ("Requested", "ThresholdDecided", "ReviewCompleted", "DelayNotified", "EscalationRequested", "EscalationDecided")
    )

    def create_tables(self, cur: psycopg.Cursor) -> None:
        cur.execute(
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {} (
                    case_id uuid NOT NULL,
                    version bigint NOT NULL,
                    kind text NOT NULL,
                    on_date date NOT NULL,
                    received_date date NOT NULL,
                    detail text,
                    PRIMARY KEY (case_id, version)
                )"""
            ).format(self.table("facts"))
        )
        cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS facts_by_kind_and_date ON {} (kind, on_date)").format(self.table("facts")))
        cur.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {} (case_id uuid PRIMARY KEY, received_date date NOT NULL)").format(
                self.table("received")
            )
        )

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        if isinstance(event, CaseReview.Requested):
            cur.execute(
                sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(self.table("received")),
                (event.originator_id, event.received_date),
            )
            self._fact(cur, event, "application_received", event.received_date, None, event.received_date)
            return
        cur.execute(sql.SQL("SELECT received_date FROM {} WHERE case_id = %s").format(self.table("received")), (event.originator_id,))
        received = cur.fetchone()["received_date"]
        if isinstance(event, CaseReview.ThresholdDecided):
            kind = "threshold_not_met" if event.decision is Decision.NOT_MET else "threshold_met"
            self._fact(cur, event, kind, event.decided_on, event.grounds.value if event.grounds else None, received)
        elif isinstance(event, CaseReview.ReviewCompleted):
            kind = "review_with_recommendations" if event.recommendations else "review_without_recommendations"
            self._fact(cur, event, kind, event.completed_on, str(len(event.recommendations)), received)
        elif isinstance(event, CaseReview.DelayNotified):
            self._fact(cur, event, "delay_notice", event.notified_on, event.new_target_date.isoformat(), received)
        elif isinstance(event, CaseReview.EscalationRequested):
            self._fact(cur, event, "escalation_requested", event.requested_on, None, received)
        elif isinstance(event, CaseReview.EscalationDecided):
            self._fact(cur, event, "escalation_decided", event.decided_on, event.result.value, received)

    def _fact(self, cur: psycopg.Cursor, event: Any, kind: str, on_date: Any, detail: str | None, received: Any) -> None:
        cur.execute(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING").format(self.table("facts")),
            (event.originator_id, event.originator_version, kind, on_date, received, detail),
        )
