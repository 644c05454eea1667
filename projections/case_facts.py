"""The facts each application may rely on: complaints by victim, consents by application.

A lookup, not a judgement: the one-at-a-time assessment reads the events themselves, as known at
its time, and uses this only to find which complaints and consents to read.

Beside the current facts it keeps every revision of each (`complaint_revisions`,
`consent_revisions`): the fact as it stood from each of its events on, with that event's recorded
time, folded by the domain's own events (`apply`). Re-deciding a year of history in bulk
(service/what_if.py) reads these typed rows instead of decoding every event again. They hold what
an assessment decides by and nothing personal: a complaint's place (`location_key`, the victim's)
is not in them, so a policy that compares places reads the events (store/fact_history.py).
"""

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from domain.complaints import Complaint
from domain.consents import Consent
from domain.vocabulary import ComplaintCategory, ComplaintSource, ConsentPurpose
from projections.runner import ReadModel

COMPLAINT_REVISION = (
    "complaint_id", "version", "recorded_at", "victim_id", "complainant_id", "agency", "incident_date",
    "reported_date", "caused_had", "incident_ref", "withdrawn", "category", "source",
)  # fmt: skip
CONSENT_REVISION = (
    "consent_id", "version", "recorded_at", "person_id", "application_id", "purpose", "given_on", "withdrawn_on",
)  # fmt: skip


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


def _complaint_state(row: dict[str, Any]) -> SimpleNamespace:
    """A complaint revision's row as the state the domain's events fold (codes back to the domain's values)."""
    return SimpleNamespace(
        **{**row, "category": ComplaintCategory(row["category"]), "source": ComplaintSource(row["source"])}
    )


def _consent_state(row: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**{**row, "purpose": ConsentPurpose(row["purpose"])})


def _complaint_revision(event: Any, state: SimpleNamespace) -> tuple[Any, ...]:
    return (
        event.originator_id, event.originator_version, event.timestamp, state.victim_id, state.complainant_id,
        state.agency, state.incident_date, state.reported_date, state.caused_had, state.incident_ref, state.withdrawn,
        state.category.value, state.source.value,
    )  # fmt: skip


def _consent_revision(event: Any, state: SimpleNamespace) -> tuple[Any, ...]:
    return (
        event.originator_id, event.originator_version, event.timestamp, state.person_id, state.application_id,
        state.purpose.value, state.given_on, state.withdrawn_on,
    )  # fmt: skip


COMPLAINT_EVENTS = (Complaint.Logged, Complaint.Amended, Complaint.Withdrawn)
CONSENT_EVENTS = (Consent.Given, Consent.Withdrawn)


class CaseFacts(ReadModel):
    schema = "case_facts"
    event_classes = tuple(APPLY)

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def _revisions(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> tuple[list[tuple], list[tuple]]:
        """Each event's revision: the fact's state before it (this batch's, else the row of the version before),
        folded by the event's own `apply`, as the aggregate folds it."""
        states: dict[tuple[UUID, int], SimpleNamespace] = {}  # (fact, version) -> the state after it
        later = [e for _, e in events if e.originator_version > 1]
        for kinds, table, key, to_state in (
            (COMPLAINT_EVENTS, "complaint_revisions", "complaint_id", _complaint_state),
            (CONSENT_EVENTS, "consent_revisions", "consent_id", _consent_state),
        ):
            wanted = [(e.originator_id, e.originator_version - 1) for e in later if isinstance(e, kinds)]
            if wanted:
                cur.execute(
                    sql.SQL(
                        "SELECT * FROM {} WHERE ({}, version) IN (SELECT * FROM unnest(%s::uuid[], %s::bigint[]))"
                    ).format(self.table(table), sql.Identifier(key)),
                    ([fact for fact, _ in wanted], [version for _, version in wanted]),
                )
                for row in cur.fetchall():
                    states[(row[key], row["version"])] = to_state(row)
        complaint_rows: list[tuple] = []
        consent_rows: list[tuple] = []
        for _, event in events:
            before = states.get((event.originator_id, event.originator_version - 1))
            state = SimpleNamespace(**vars(before)) if before is not None else SimpleNamespace()
            event.apply(state)
            if isinstance(event, COMPLAINT_EVENTS):
                complaint_rows.append(_complaint_revision(event, state))
            else:
                consent_rows.append(_consent_revision(event, state))
            states[(event.originator_id, event.originator_version)] = state
        return complaint_rows, consent_rows

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        # Creations first, then changes in event order: a fact is always created before it changes.
        rows = _Rows()
        for _, event in events:
            APPLY[type(event)](rows, event)
        complaint_revisions, consent_revisions = self._revisions(cur, events)
        for table, columns, batch in (
            ("complaint_revisions", COMPLAINT_REVISION, complaint_revisions),
            ("consent_revisions", CONSENT_REVISION, consent_revisions),
        ):
            if batch:
                cur.executemany(
                    sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
                        self.table(table),
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                    ),
                    batch,
                )
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

    @classmethod
    def revisions(
        cls,
        pool: Any,
        *,
        victim_ids: Sequence[UUID],
        complaint_ids: Sequence[UUID],
        application_ids: Sequence[UUID],
        as_known_at: datetime,
    ) -> tuple[list[tuple], list[tuple]]:
        """Every revision recorded by `as_known_at` of the complaints of `victim_ids`, of `complaint_ids` and of the
        consents to `application_ids`, each fact's in version order: tuples in the order of COMPLAINT_REVISION and
        CONSENT_REVISION. One query for each kind of fact."""
        complaints = sql.SQL(
            "SELECT {} FROM {} WHERE (victim_id = ANY(%(victims)s) OR complaint_id = ANY(%(named)s))"
            " AND recorded_at <= %(at)s ORDER BY complaint_id, version"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, COMPLAINT_REVISION)),
            sql.Identifier(cls.schema, "complaint_revisions"),
        )
        consents = sql.SQL(
            "SELECT {} FROM {} WHERE application_id = ANY(%(applications)s) AND recorded_at <= %(at)s"
            " ORDER BY consent_id, version"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, CONSENT_REVISION)), sql.Identifier(cls.schema, "consent_revisions")
        )
        params = {
            "victims": list(victim_ids), "named": list(complaint_ids), "applications": list(application_ids),
            "at": as_known_at,
        }  # fmt: skip
        with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            return cur.execute(complaints, params).fetchall(), cur.execute(consents, params).fetchall()
