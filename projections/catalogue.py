"""Every read model, by name: what the runner keeps current and what `projections rebuild` knows."""

from collections.abc import Callable

from eventsourcing.application import Application

from domain.policy import Policy
from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from projections.potential_triggers import PotentialTriggers
from projections.promises import Promises
from projections.publication import PublicationFacts
from projections.runner import ReadModel


def read_models(app: Application, policy_for: Callable[..., Policy], location_secret: bytes) -> list[ReadModel]:
    """`policy_for(day, as_known_at=None)` gives the policy version in force on a day (for due dates, and for
    the potential triggers as on a day); `location_secret` keys the places' digests (service/settings.py)."""
    return [
        CaseList(app, policy_for),
        CaseFacts(),
        PublicationFacts(),
        Promises(app),
        PotentialTriggers(app, policy_for, location_secret),
    ]
