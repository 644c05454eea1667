"""The figures the law requires (RULES.md section 10), and what-if re-assessment under another policy.

Both read; neither writes. The publication figures count the rows of the `publication` read
model whose own date falls in the reporting year. A what-if assesses every application under the
named policy version beside the one in force, and lists where the verdict would change.
"""

import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.deadlines import calendar_for, deadlines_for
from domain.policy import Policy, reporting_year

PolicyFor = Callable[[date], Policy]  # the policy version in force on a date
Assess = Callable[[UUID, Policy | None], dict[str, Any]]  # an application's assessment, under a policy or its own

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


@dataclass(frozen=True)
class VerdictChange:
    application_id: UUID
    received_date: date
    before: dict[str, Any]
    after: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        def summary(a: dict[str, Any]) -> dict[str, Any]:
            # Analysts read this: no person's id (API.md: no personal data), only the complaints' own facts.
            counted = [{k: v for k, v in c.items() if k != "victim_id"} for c in a["counted"]]
            return {**{k: a[k] for k in ("verdict", "reasons", "policy", "excluded")}, "counted": counted}

        return {
            "application_id": str(self.application_id),
            "received_date": self.received_date.isoformat(),
            "before": summary(self.before),
            "after": summary(self.after),
        }


def what_if(
    pool: ConnectionPool,
    assess: Assess,
    policy: Policy,
    *,
    year_period: tuple[date, date] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[VerdictChange]:
    """Every application (received in `year_period`, if given) whose verdict would differ under `policy`."""
    query = "SELECT id, received_date FROM case_list.case_reviews"
    params: tuple[Any, ...] = ()
    if year_period is not None:
        query += " WHERE received_date BETWEEN %s AND %s"
        params = year_period
    with pool.connection() as conn:
        applications = conn.execute(query + " ORDER BY received_date, id", params).fetchall()
    for done, row in enumerate(applications, start=1):
        before, after = assess(row["id"], None), assess(row["id"], policy)
        if progress:
            progress(done, len(applications))
        if before["verdict"] != after["verdict"]:
            yield VerdictChange(row["id"], row["received_date"], before, after)
