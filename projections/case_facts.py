"""The facts each application may rely on: complaints by victim, consents by application.

A lookup, not a judgement: the assessment reads the events themselves, as known at its time,
and uses this only to find which complaints and consents to read.
"""

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from domain.complaints import Complaint
from domain.consents import Consent
from projections.runner import ReadModel


class CaseFacts(ReadModel):
    schema = "case_facts"
    topics = (
        "domain.complaints:Complaint.Logged",
        "domain.complaints:Complaint.Amended",
        "domain.complaints:Complaint.Withdrawn",
        "domain.consents:Consent.Given",
        "domain.consents:Consent.Withdrawn",
    )

    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        self.apply_batch(cur, [(position, event)])

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        # Creations first, then changes in event order: a fact is always created before it changes.
        complaints, consents = self.table("complaints"), self.table("consents")
        logged, given, amended, withdrawn, revoked = [], [], [], [], []
        for _, event in events:
            if isinstance(event, Complaint.Logged):
                logged.append(
                    (event.originator_id, event.victim_id, event.complainant_id, event.agency, event.incident_date,
                     event.reported_date, event.originator_version, event.timestamp)
                )  # fmt: skip
            elif isinstance(event, Complaint.Amended):
                changes = event.changes
                amended.append(
                    (
                        changes.get("incident_date"),
                        changes.get("reported_date"),
                        event.originator_version,
                        event.originator_id,
                    )
                )
            elif isinstance(event, Complaint.Withdrawn):
                withdrawn.append((event.originator_version, event.originator_id))
            elif isinstance(event, Consent.Given):
                given.append(
                    (
                        event.originator_id,
                        event.application_id,
                        event.person_id,
                        event.purpose.value,
                        event.given_on,
                        event.originator_version,
                    )
                )
            elif isinstance(event, Consent.Withdrawn):
                revoked.append((event.withdrawn_on, event.originator_version, event.originator_id))
        statements = [
            (
                "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s, false, %s, %s) ON CONFLICT (id) DO NOTHING",
                complaints,
                logged,
            ),
            ("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, NULL, %s) ON CONFLICT (id) DO NOTHING", consents, given),
            (
                "UPDATE {} SET incident_date = coalesce(%s, incident_date), reported_date = coalesce(%s, reported_date),"
                " version = greatest(version, %s) WHERE id = %s",
                complaints,
                amended,
            ),
            ("UPDATE {} SET withdrawn = true, version = greatest(version, %s) WHERE id = %s", complaints, withdrawn),
            ("UPDATE {} SET withdrawn_on = %s, version = greatest(version, %s) WHERE id = %s", consents, revoked),
        ]
        for statement, table, rows in statements:
            if rows:
                cur.executemany(sql.SQL(statement).format(table), rows)
