"""The facts behind the figures the law requires (RULES.md section 10), one row per countable event.

Rows carry their own date; a reporting year is applied when the figures are asked for, so the
same rows serve every year and any policy's year start without a rebuild.
"""

from collections.abc import Sequence
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
        for name in (
            "Requested",
            "ThresholdDecided",
            "ReviewCompleted",
            "DelayNotified",
            "EscalationRequested",
            "EscalationDecided",
        )
    )

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        received = {e.originator_id: e.received_date for _, e in events if isinstance(e, CaseReview.Requested)}
        missing = list({e.originator_id for _, e in events} - received.keys())
        if missing:
            cur.execute(
                sql.SQL("SELECT case_id, received_date FROM {} WHERE case_id = ANY(%s)").format(self.table("received")),
                (missing,),
            )
            received.update((row["case_id"], row["received_date"]) for row in cur.fetchall())
        facts = []
        for _, event in events:
            fact = self._fact(event)
            if fact is not None:
                kind, on_date, detail = fact
                facts.append(
                    (
                        event.originator_id,
                        event.originator_version,
                        kind,
                        on_date,
                        received[event.originator_id],
                        detail,
                    )
                )
        new = [(e.originator_id, e.received_date) for _, e in events if isinstance(e, CaseReview.Requested)]
        if new:
            cur.executemany(
                sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(self.table("received")), new
            )
        if facts:
            cur.executemany(
                sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING").format(
                    self.table("facts")
                ),
                facts,
            )

    @staticmethod
    def _fact(event: Any) -> tuple[str, Any, str | None] | None:
        """(kind, its own date, detail) for an event the figures count."""
        if isinstance(event, CaseReview.Requested):
            return "application_received", event.received_date, None
        if isinstance(event, CaseReview.ThresholdDecided):
            kind = "threshold_not_met" if event.decision is Decision.NOT_MET else "threshold_met"
            return kind, event.decided_on, event.grounds.value if event.grounds else None
        if isinstance(event, CaseReview.ReviewCompleted):
            kind = "review_with_recommendations" if event.recommendations else "review_without_recommendations"
            return kind, event.completed_on, str(len(event.recommendations))
        if isinstance(event, CaseReview.DelayNotified):
            return "delay_notice", event.notified_on, event.new_target_date.isoformat()
        if isinstance(event, CaseReview.EscalationRequested):
            return "escalation_requested", event.requested_on, None
        if isinstance(event, CaseReview.EscalationDecided):
            return "escalation_decided", event.decided_on, event.result.value
        return None
