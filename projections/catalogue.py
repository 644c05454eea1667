"""Every read model, by name: what the runner keeps current and what `projections rebuild` knows."""

from eventsourcing.application import Application

from projections.case_facts import CaseFacts
from projections.case_list import CaseList
from projections.publication import PublicationFacts
from projections.runner import ReadModel


def read_models(app: Application) -> list[ReadModel]:
    return [CaseList(app), CaseFacts(), PublicationFacts()]
