"""What-if: re-assess applications under another policy version beside the one in force, recording nothing.

An analyst asks "what if the rules changed": every application (of a reporting year, if given) is
assessed as known now under its own policy and under the named version, and where the verdict
differs both assessments are listed, without the people's ids (analysts receive no personal data).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.policy import Policy
from projections.case_list import CaseList
from service.bootstrap import Services, now

Assess = Callable[[UUID, Policy | None], dict[str, Any]]  # an application's assessment, under a policy or its own


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


def assessing_now(services: Services) -> tuple[Assess, datetime]:
    """An assessment of any application as known at one moment (now), under its own policy or another."""
    moment = now()

    def assess(review_id: UUID, policy: Policy | None) -> dict[str, Any]:
        return services.assessor.assess(services.casework.case_review(review_id), moment, policy).to_dict()

    return assess, moment


def what_if(
    pool: ConnectionPool,
    assess: Assess,
    policy: Policy,
    *,
    year_period: tuple[date, date] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[VerdictChange]:
    """Every application (received in `year_period`, if given) whose verdict would differ under `policy`."""
    applications = CaseList.received(pool, year_period)
    for done, (application_id, received_date) in enumerate(applications, start=1):
        before, after = assess(application_id, None), assess(application_id, policy)
        if progress:
            progress(done, len(applications))
        if before["verdict"] != after["verdict"]:
            yield VerdictChange(application_id, received_date, before, after)
