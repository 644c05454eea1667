"""The read audit, for auditors: who read a person's data, when, and through which call (api/audit.py records it)."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from psycopg import sql

from api.answers import AuditedReadPage
from api.auth import allow
from api.dependencies import AUDITOR, Limit200, Svc, cursor_id, cursor_position, encode_cursor
from api.routes import ThreadRoute
from api.views import utc_time
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["audit"], route_class=ThreadRoute)


def audit_item(row: dict[str, Any]) -> dict[str, Any]:
    # `person_ids`, not a field the read audit looks for: reading the audit is not itself a read of people.
    return {
        "id": row["id"],
        "read_at": utc_time(row["read_at"]),
        "key_id": row["key_id"],
        "role": row["role"],
        "agency": row["agency"],
        "method": row["method"],
        "path": row["path"],
        "route": row["route"],
        "request_id": row["request_id"],
        "person_ids": [str(person) for person in row["person_ids"]],
    }


@router.get("/audit", response_model=AuditedReadPage, summary="Who read whose data")
def read_audit(
    svc: Svc,
    key: ApiKey = Depends(allow(AUDITOR)),
    person_id: UUID | None = Query(default=None, description="only the reads that touched this person"),
    key_id: str | None = Query(default=None, pattern=r"^[0-9a-f]{12}$", description="only the reads by this API key"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Every recorded read of a person's data, newest first, cursor-paged: who (key, role, agency), when, what."""
    conditions, params = [sql.SQL("true")], []
    if person_id is not None:
        conditions.append(sql.SQL("person_ids @> ARRAY[%s]::uuid[]"))
        params.append(person_id)
    if key_id is not None:
        conditions.append(sql.SQL("key_id = %s"))
        params.append(key_id)
    if cursor is not None:
        (before,) = cursor_position(cursor, {"id": cursor_id})
        conditions.append(sql.SQL("id < %s"))
        params.append(before)
    query = sql.SQL("SELECT * FROM api_read_audit WHERE {} ORDER BY id DESC LIMIT %s").format(
        sql.SQL(" AND ").join(conditions)
    )
    with svc.pool.connection() as conn:
        rows = conn.execute(query, (*params, limit + 1)).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [audit_item(row) for row in rows],
        "next_cursor": encode_cursor({"id": rows[-1]["id"]}) if more else None,
    }
