"""The facts each application may rely on: complaints by victim, consents by application.

A lookup, not a judgement: the assessment reads the events themselves, as known at its time,
and uses this only to find which complaints and consents to read.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from domain.complaints import Complaint
from domain.consents import Consent
from projections.runner import ReadModel


class _Rows:
    """A batch's writes, gathered per statement so each is one executemany."""

    def __init__(self) -> None:
        self.logged: list[tuple[Any, ...]] = []
        self.given: list[tuple[Any, ...]] = []
        self.amended: list[tuple[Any, ...]] = []
        self.withdrawn: list[tuple[Any, ...]] = []
        self.revoked: list[tuple[Any, ...]] = []


def _logged(rows: _Rows, event: Complaint.Logged) -> None:
    rows.logged.append(
        (event.originator_id, event.victim_id, event.complainant_id, event.agency, event.incident_date,
         event.reported_date, event.originator_version, event.timestamp)
    )  # fmt: skip


def _amended(rows: _Rows, event: Complaint.Amended) -> None:
    changes = event.changes
    rows.amended.append(
        (changes.get("incident_date"), changes.get("reported_date"), event.originator_version, event.originator_id)
    )


def _withdrawn(rows: _Rows, event: Complaint.Withdrawn) -> None:
    rows.withdrawn.append((event.originator_version, event.originator_id))


def _given(rows: _Rows, event: Consent.Given) -> None:
    rows.given.append(
        (event.originator_id, event.application_id, event.person_id, event.purpose.value, event.given_on,
         event.originator_version)
    )  # fmt: skip


def _revoked(rows: _Rows, event: Consent.Withdrawn) -> None:
    rows.revoked.append((event.withdrawn_on, event.originator_version, event.originator_id))


APPLY = {
    Complaint.Logged: _logged,
    Complaint.Amended: _amended,
    Complaint.Withdrawn: _withdrawn,
    Consent.Given: _given,
    Consent.Withdrawn: _revoked,
}


class CaseFacts(ReadModel):
    schema = "case_facts"
    event_classes = tuple(APPLY)

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        # Creations first, then changes in event order: a fact is always created before it changes.
        rows = _Rows()
        for _, event in events:
            APPLY[type(event)](rows, event)
        complaints, consents = self.table("complaints"), self.table("consents")
        statements = [
            (
                "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, false, %s, %s) ON CONFLICT (id) DO NOTHING",
                complaints,
                rows.logged,
            ),
            ("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, NULL, %s) ON CONFLICT (id) DO NOTHING", consents, rows.given),
            (
                "UPDATE {} SET incident_date = coalesce(%s, incident_date), reported_date = coalesce(%s, reported_date),"
                " version = greatest(version, %s) WHERE id = %s",
                complaints,
                rows.amended,
            ),
            (
                "UPDATE {} SET withdrawn = true, version = greatest(version, %s) WHERE id = %s",
                complaints,
                rows.withdrawn,
            ),
            ("UPDATE {} SET withdrawn_on = %s, version = greatest(version, %s) WHERE id = %s", consents, rows.revoked),
        ]
        for statement, table, batch in statements:
            if batch:
                cur.executemany(sql.SQL(statement).format(table), batch)

    # --- reading -------------------------------------------------------------------------

    @classmethod
    def complaints_logged(
        cls,
        pool: Any,
        *,
        agency: str | None,
        since: datetime | None,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Complaints (only `agency`'s, if given) logged at or after `since`, newest first, before the keyset `before`."""
        conditions, params = [sql.SQL("true")], []
        if agency is not None:
            conditions.append(sql.SQL("agency = %s"))
            params.append(agency)
        if since is not None:
            conditions.append(sql.SQL("logged_at >= %s"))
            params.append(since)
        if before is not None:
            conditions.append(sql.SQL("(logged_at, id) < (%s, %s)"))
            params.extend(before)
        query = sql.SQL(
            "SELECT id, victim_id, agency, incident_date, reported_date, withdrawn, version, logged_at FROM {}"
            " WHERE {} ORDER BY logged_at DESC, id DESC LIMIT %s"
        ).format(sql.Identifier(cls.schema, "complaints"), sql.SQL(" AND ").join(conditions))
        with pool.connection() as conn:
            return conn.execute(query, (*params, limit)).fetchall()

    @classmethod
    def complaints_of_victim(
        cls, pool: Any, victim_id: UUID, *, agency: str | None, after: tuple[date, UUID] | None, limit: int
    ) -> list[dict[str, Any]]:
        """The victim's complaints (only `agency`'s, if given), oldest report first, after the keyset `after`."""
        conditions, params = [sql.SQL("victim_id = %s")], [victim_id]
        if agency is not None:
            conditions.append(sql.SQL("agency = %s"))
            params.append(agency)
        if after is not None:
            conditions.append(sql.SQL("(reported_date, id) > (%s, %s)"))
            params.extend(after)
        query = sql.SQL(
            "SELECT id, agency, incident_date, reported_date, withdrawn, version FROM {}"
            " WHERE {} ORDER BY reported_date, id LIMIT %s"
        ).format(sql.Identifier(cls.schema, "complaints"), sql.SQL(" AND ").join(conditions))
        with pool.connection() as conn:
            return conn.execute(query, (*params, limit)).fetchall()
