"""The figures the law requires (RULES.md section 10), and the read model they are counted from.

The model keeps one row per countable event. Rows carry their own date; a reporting year is
applied when the figures are asked for, so the same rows serve every year and any policy's year
start without a rebuild.
"""

import statistics
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from domain.case_reviews import CaseReview
from domain.deadlines import calendar_for, deadlines_for
from domain.policy import Policy, reporting_year
from domain.vocabulary import Decision
from projections.runner import ReadModel


def _kind_of_decision(event: CaseReview.ThresholdDecided) -> tuple[str, Any, str | None]:
    kind = "threshold_not_met" if event.decision is Decision.NOT_MET else "threshold_met"
    return kind, event.decided_on, event.grounds.value if event.grounds else None


def _kind_of_review(event: CaseReview.ReviewCompleted) -> tuple[str, Any, str | None]:
    kind = "review_with_recommendations" if event.recommendations else "review_without_recommendations"
    return kind, event.completed_on, str(len(event.recommendations))


# (kind, its own date, detail) of each event the figures count.
FACTS: dict[type, Callable[[Any], tuple[str, Any, str | None]]] = {
    CaseReview.Requested: lambda e: ("application_received", e.received_date, None),
    CaseReview.ThresholdDecided: _kind_of_decision,
    CaseReview.ReviewCompleted: _kind_of_review,
    CaseReview.DelayNotified: lambda e: ("delay_notice", e.notified_on, e.new_target_date.isoformat()),
    CaseReview.EscalationRequested: lambda e: ("escalation_requested", e.requested_on, None),
    CaseReview.EscalationDecided: lambda e: ("escalation_decided", e.decided_on, e.result.value),
}


class PublicationFacts(ReadModel):
    schema = "publication"
    event_classes = tuple(FACTS)

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
            kind, on_date, detail = FACTS[type(event)](event)
            facts.append(
                (event.originator_id, event.originator_version, kind, on_date, received[event.originator_id], detail)
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

    # --- reading -------------------------------------------------------------------------

    @classmethod
    def facts_between(cls, pool: ConnectionPool, start: date, end: date) -> list[dict[str, Any]]:
        """Every countable fact dated from `start` to `end`, both included."""
        query = sql.SQL("SELECT kind, on_date, received_date, detail FROM {} WHERE on_date BETWEEN %s AND %s").format(
            sql.Identifier(cls.schema, "facts")
        )
        with pool.connection() as conn:
            return conn.execute(query, (start, end)).fetchall()


# --- the figures ----------------------------------------------------------------------

PolicyFor = Callable[[date], Policy]  # the policy version in force on a date

PUBLICATION_FIELDS = (
    "year", "from", "to", "applications_received", "threshold_not_met", "reviews_carried_out",
    "reviews_with_recommendations", "median_working_days_to_completion", "share_completed_in_time",
    "delay_notices", "escalations_requested", "escalations_upheld", "escalations_not_upheld",
)  # fmt: skip


def publication_figures(pool: ConnectionPool, policy_for: PolicyFor, year: int, today: date) -> dict[str, Any]:
    """The year's figures; the year's bounds follow the policy in force today."""
    start, end = reporting_year(policy_for(today), year)
    rows = PublicationFacts.facts_between(pool, start, end)
    count = lambda *kinds: sum(1 for row in rows if row["kind"] in kinds)  # noqa: E731
    reviews = [row for row in rows if row["kind"] in ("review_with_recommendations", "review_without_recommendations")]
    working_days, in_time = [], 0
    for review in reviews:
        policy = policy_for(review["received_date"])
        working_days.append(
            calendar_for(policy.calendar).working_days_after(review["received_date"], review["on_date"])
        )
        in_time += review["on_date"] <= deadlines_for(policy, review["received_date"]).review
    return {
        "year": year,
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "applications_received": count("application_received"),
        "threshold_not_met": count("threshold_not_met"),
        "reviews_carried_out": len(reviews),
        "reviews_with_recommendations": count("review_with_recommendations"),
        "median_working_days_to_completion": statistics.median(working_days) if working_days else None,
        "share_completed_in_time": round(in_time / len(reviews), 4) if reviews else None,
        "delay_notices": count("delay_notice"),
        "escalations_requested": count("escalation_requested"),
        "escalations_upheld": sum(
            1 for row in rows if row["kind"] == "escalation_decided" and row["detail"] == "upheld"
        ),
        "escalations_not_upheld": sum(
            1 for row in rows if row["kind"] == "escalation_decided" and row["detail"] == "not_upheld"
        ),
    }


def publication_csv_row(figures: dict[str, Any]) -> dict[str, Any]:
    flat = {**figures, "from": figures["period"]["from"], "to": figures["period"]["to"]}
    return {field: flat[field] for field in PUBLICATION_FIELDS}
