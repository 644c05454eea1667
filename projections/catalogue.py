"""Every read model, by name: what the runner keeps current and what `projections rebuild` knows."""

from collections.abc import Callable
from datetime import date

from eventsourcing.application import Application

from domain.policy import Policy
from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from projections.promises import Promises
from projections.publication import PublicationFacts
from projections.runner import ReadModel


def read_models(app: Application, policy_for: Callable[[date], Policy]) -> list[ReadModel]:
    """`policy_for` gives the policy version in force on a received date (for due dates)."""
    return [CaseList(app, policy_for), CaseFacts(), PublicationFacts(), Promises(app)]
