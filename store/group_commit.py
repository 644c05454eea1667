"""Group commit: the saves of concurrent threads in one transaction, one table lock and one WAL flush.

Commands running at the same moment (the API's request threads) are saved together: each command
is answered once that transaction has committed. Each command's events are still all or nothing:
a group that fails records nothing, and each of its commands then runs again alone.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import Recording

from domain.audited import AuditedAggregate
from store.recorder import WriteReceipt, receipts_keyword


class GroupFailed(Exception):
    """The group this command was saved with failed as a whole: nothing was recorded; run it again alone."""


@dataclass(eq=False)
class _Waiting:
    aggregates: Sequence[AuditedAggregate]
    receipts: Sequence[WriteReceipt] = ()
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # this command's thread saves the next group
    recordings: list[Recording[UUID]] | None = None
    error: BaseException | None = None


class GroupCommit:
    """Saves the commands of concurrent threads together, each thread returning once its own are committed.

    No thread waits on purpose and no thread of its own is kept: the first command to arrive saves
    at once (it leads); commands arriving while a save runs queue up, and when it commits, the
    first of them leads the next save, of all that queued (at most `max_group`). Alone, a command
    is saved exactly as `save` would save it. One save for many commands means one transaction,
    one lock of the events table and one WAL flush for them all, and the read models get them as
    one batch.

    A group whose save fails (a version conflict between two of its commands, a person erased
    meanwhile) records nothing; each of its commands then gets `GroupFailed`, to be run again alone.
    """

    def __init__(self, save: Callable[..., list[Recording[UUID]]], max_group: int = 64) -> None:
        self._save = save
        self.max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[_Waiting] = []
        self._leading = False

    def save(
        self, aggregates: Sequence[AuditedAggregate], receipts: Sequence[WriteReceipt] = ()
    ) -> list[Recording[UUID]]:
        """Save `aggregates` (one command's, with its receipts) with whatever else is waiting; their recordings
        once committed."""
        me = _Waiting(aggregates, receipts)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.leads = True
        if not me.leads:
            me.done.wait()  # until saved by another thread, or until handed the lead
        if me.leads:
            self._lead()  # saves a group that holds `me`: the lead goes to the first in the queue
        if me.error is not None:
            raise me.error
        assert me.recordings is not None
        return me.recordings

    def _lead(self) -> None:
        with self._lock:
            group = self._queue[: self.max_group]
            del self._queue[: len(group)]
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0].done.set()
                else:
                    self._leading = False
            for waiting in group:
                waiting.done.set()

    def _commit(self, group: list[_Waiting]) -> None:
        if len(group) == 1:
            try:
                group[0].recordings = self._save(
                    *group[0].aggregates, **receipts_keyword([r for waiting in group for r in waiting.receipts])
                )
            except BaseException as error:  # handed to the command's own thread
                group[0].error = error
            return
        try:
            recordings = self._save(
                *(aggregate for waiting in group for aggregate in waiting.aggregates),
                **receipts_keyword([r for waiting in group for r in waiting.receipts]),
            )
        except BaseException as error:  # each command runs again, alone
            for waiting in group:
                waiting.error = GroupFailed(f"{type(error).__name__}: {error}")
            return
        by_aggregate: dict[UUID, list[Recording[UUID]]] = {}
        for recording in recordings:
            by_aggregate.setdefault(recording.domain_event.originator_id, []).append(recording)
        for waiting in group:
            waiting.recordings = [r for a in waiting.aggregates for r in by_aggregate.get(a.id, [])]
