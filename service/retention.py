"""Retention: erase the personal data of people whose cases closed long enough ago.

The partnership's policy says how long personal data is kept after a case closes (Havant: six
years). A person is due for erasure when every application naming them (as applicant, victim or
group member) is closed (the outcome notified, no escalation open) and last changed before the
cut-off, and no complaint naming them (as victim or complainant) was logged on or after it, so
that someone with a new complaint, or on an open application, is never erased.

People found only on complaints and never on an application are not covered: the policy counts
from a case's closing, and they have none. Candidates come from the read models (the case list
and the complaint facts), never from a scan of the event store; the read models are caught up
first by the caller.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from dateutil.relativedelta import relativedelta

from domain.actor import SYSTEM, Actor
from domain.people import ErasureReason, PersonErased
from projections.case_list import CaseList
from service.commands import ErasePerson

if TYPE_CHECKING:  # kept out of the import, so the command line's help stays quick
    from psycopg_pool import ConnectionPool

    from service.casework import Casework

DEFAULT_RETENTION_YEARS = 6  # Havant's period, until the policy carries it


@dataclass
class RetentionRun:
    """What a run found and did."""

    closed_before: datetime
    dry_run: bool
    due: list[UUID] = field(default_factory=list)  # due, and not erased before this run
    erased: list[UUID] = field(default_factory=list)  # erased by this run: all those due, none on a dry run

    def to_dict(self) -> dict:
        return {
            "closed_before": self.closed_before.isoformat(),
            "dry_run": self.dry_run,
            "due": [str(p) for p in self.due],
            "erased": [str(p) for p in self.erased],
        }


def cut_off(now: datetime, years: int = DEFAULT_RETENTION_YEARS) -> datetime:
    """Cases closed before this moment have been kept for `years`."""
    return now - relativedelta(years=years)


def people_due(pool: "ConnectionPool", closed_before: datetime) -> list[UUID]:
    """Everyone whose every application closed before `closed_before`, with no complaint since (erased ones included)."""
    return CaseList.people_due_for_erasure(pool, closed_before)


def run_retention(
    casework: "Casework",
    pool: "ConnectionPool",
    *,
    closed_before: datetime,
    now: datetime,
    dry_run: bool = False,
    actor: Actor = SYSTEM,
) -> RetentionRun:
    """Erase everyone due (or, on a dry run, only say who is); people already erased are skipped."""
    run = RetentionRun(closed_before=closed_before, dry_run=dry_run)
    for person_id in people_due(pool, closed_before):
        if casework.person(person_id).erased:
            continue
        if not dry_run:
            try:
                casework.handle(ErasePerson(person_id, ErasureReason.RETENTION_PERIOD_ENDED), actor=actor, now=now)
            except PersonErased:
                continue  # erased by someone else meanwhile
            run.erased.append(person_id)
        run.due.append(person_id)
    return run
