"""Read models that show a case review as the domain folds it: the aggregate itself applies each event.

So a read model's status, actions or closure are the domain's own, never a second reading of the
rules in SQL. The cases touched most recently stay in memory, so a rebuild (events of one case
arrive close together) seldom reloads one from the store.
"""

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from domain.case_reviews import CaseReview

CACHE_SIZE = 10_000

CASE_EVENTS = [
    value
    for value in vars(CaseReview).values()
    if isinstance(value, type) and issubclass(value, CaseReview.Event) and value.__qualname__.startswith("CaseReview.")
]


class FoldsCaseReviews:
    """Mixed into a ReadModel: `fold(events)` gives each case review touched by a batch, as it stands after it."""

    app: Application
    _cases: "OrderedDict[UUID, CaseReview]"

    def forget(self) -> None:
        self._cases = OrderedDict()  # rebound, not cleared: a shadow copy must not empty the live cache

    def _case_before(self, event: Any) -> CaseReview | None:
        if event.originator_version == 1:
            return None
        case = self._cases.pop(event.originator_id, None)
        if case is None or case.version != event.originator_version - 1:
            case = self.app.repository.get(event.originator_id, version=event.originator_version - 1)
        return case

    def fold(self, events: Sequence[tuple[int, Any]]) -> dict[UUID, CaseReview]:
        """Fold every event into its case in memory; each case touched, once, as it is after the batch."""
        touched: dict[UUID, CaseReview] = {}
        for _, event in events:
            case = event.mutate(self._case_before(event))
            self._cases[case.id] = touched[case.id] = case
        while len(self._cases) > CACHE_SIZE:
            self._cases.popitem(last=False)
        return touched
