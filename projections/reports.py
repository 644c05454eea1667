"""The figures the law requires (RULES.md section 10), from the `publication` read model.

The figures count the rows of the model whose own date falls in the reporting year.
"""

import statistics
from collections.abc import Callable
from datetime import date
from typing import Any

from psycopg_pool import ConnectionPool

from domain.deadlines import calendar_for, deadlines_for
from domain.policy import Policy, reporting_year

PolicyFor = Callable[[date], Policy]  # the policy version in force on a date

PUBLICATION_FIELDS = (
    "year", "from", "to", "applications_received", "threshold_not_met", "reviews_carried_out",
    "reviews_with_recommendations", "median_working_days_to_completion", "share_completed_in_time",
    "delay_notices", "escalations_requested", "escalations_upheld", "escalations_not_upheld",
)  # fmt: skip


def publication_figures(pool: ConnectionPool, policy_for: PolicyFor, year: int, today: date) -> dict[str, Any]:
    """The year's figures; the year's bounds follow the policy in force today."""
    start, end = reporting_year(policy_for(today), year)
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT kind, on_date, received_date, detail FROM publication.facts WHERE on_date BETWEEN %s AND %s",
            (start, end),
        ).fetchall()
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
