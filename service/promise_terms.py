"""The policy's terms for the promises of RULES.md section 13: how often the applicant is updated, how long
they have to ask the Police and Crime Commissioner for a review, and on which grounds.

domain/policy.py is gaining these parameters; until a Policy carries them, Havant's values stand in.
Every reader goes through `terms_of`, so once they exist this is the one place to change.
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.calendar import WorkingCalendar
from domain.deadlines import calendar_for

if TYPE_CHECKING:
    from service.policies import Policies

HAVANT_UPDATE_EVERY_WORKING_DAYS = 10
HAVANT_PCC_REQUEST_WITHIN_WORKING_DAYS = 20
HAVANT_PCC_REVIEW_GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")


@dataclass(frozen=True)
class PromiseTerms:
    update_every_working_days: int
    pcc_request_within_working_days: int
    pcc_review_grounds: tuple[str, ...]
    calendar: WorkingCalendar
    policy_name: str
    policy_version: int


def terms_of(policy: Any) -> PromiseTerms:
    """The section 13 terms of one policy version (Havant's where the version does not say)."""
    return PromiseTerms(
        update_every_working_days=getattr(policy, "update_every_working_days", HAVANT_UPDATE_EVERY_WORKING_DAYS),
        pcc_request_within_working_days=getattr(
            policy, "pcc_request_within_working_days", HAVANT_PCC_REQUEST_WITHIN_WORKING_DAYS
        ),
        pcc_review_grounds=tuple(getattr(policy, "pcc_review_grounds", HAVANT_PCC_REVIEW_GROUNDS)),
        calendar=calendar_for(policy.calendar),
        policy_name=policy.name,
        policy_version=policy.version,
    )


def terms_for(policies: "Policies", received_date: date) -> PromiseTerms:
    """The terms an application is held to: those of the policy in force on its received date (RULES.md 7)."""
    return terms_of(policies.in_force(received_date))
