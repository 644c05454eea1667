"""The deadline view (RULES.md section 8) as on any date, the coordinator's alarm list, and a calendar feed."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.answers import DeadlinesOut
from api.auth import allow
from api.dependencies import AUDITOR, COORDINATOR, Services, Svc, cursor_position, encode_cursor, now, read_own_writes
from api.problems import invalid
from api.routes import ThreadRoute
from domain.audited import local_date
from domain.calendar import DeadlineState
from domain.deadlines import DeadlineOnDay, deadline_on
from domain.policy import EARLIEST_DATE
from projections.case_list import CaseList
from store.api_keys import ApiKey

router = APIRouter(prefix="/v1", tags=["deadlines"], route_class=ThreadRoute)

FINISHED_SHOWN_DAYS = 30  # finished applications stay in the view this long (API.md)
ALARM_STATES = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON)


def _day(on: str | None, field: str = "on") -> date:
    if on is None:
        return local_date(now())
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise invalid(field, "a date is written YYYY-MM-DD") from None
    if day < EARLIEST_DATE:
        raise invalid(field, f"a date from {EARLIEST_DATE.isoformat()} on (got {day.isoformat()})")
    return day


def _rows_as_on(
    svc: Services, day: date, *, after: tuple[date, UUID] | None, limit: int | None, open_only: bool
) -> list[dict[str, Any]]:
    """Applications received by `day`, open on it (or, unless `open_only`, finished in the 30 days before)."""
    shown_after = (
        day
        if open_only
        else max(day, date.min + timedelta(days=FINISHED_SHOWN_DAYS)) - timedelta(days=FINISHED_SHOWN_DAYS)
    )
    return CaseList.as_on(svc.pool, day, shown_after=shown_after, after=after, limit=limit)


def deadline_seen_on(svc: Services, row: dict[str, Any], day: date) -> DeadlineOnDay:
    """One case-list row's deadline state and working days left as on `day`: dates after `day` are not yet known."""
    finished = row["finished_on"] if row["finished_on"] and row["finished_on"] <= day else None
    delay = row["delay_notified_on"] if row["delay_notified_on"] and row["delay_notified_on"] <= day else None
    policy = svc.policies.as_recorded(row["policy_name"], row["policy_version"], row["received_date"])
    return deadline_on(policy, due=row["due_date"], on=day, completed_on=finished, delay_notified_on=delay)


def deadline_as_on(svc: Services, row: dict[str, Any], day: date) -> dict[str, Any]:
    """One case-list row's deadline as on `day`: dates after `day` are not yet known."""
    finished = row["finished_on"] if row["finished_on"] and row["finished_on"] <= day else None
    delay = row["delay_notified_on"] if row["delay_notified_on"] and row["delay_notified_on"] <= day else None
    seen = deadline_seen_on(svc, row, day)
    return {
        "id": str(row["id"]),
        "received_date": row["received_date"].isoformat(),
        "due_date": row["due_date"].isoformat(),
        "working_days_left": seen.working_days_left,
        "deadline_state": seen.state.value,
        "finished_on": finished.isoformat() if finished else None,
        "delay_notified_on": delay.isoformat() if delay else None,
        "new_target_date": row["new_target_date"].isoformat() if delay and row["new_target_date"] else None,
    }


@router.get("/deadlines", response_model=DeadlinesOut, summary="Deadlines as on a day")
def deadlines(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    on: str | None = Query(default=None, description="the day to see the deadlines as on (YYYY-MM-DD); default today"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = None,
) -> dict[str, Any]:
    """Each open application, and each finished in the last 30 days, as on `on`, by due date."""
    read_own_writes(svc, key)
    day = _day(on)
    after = None
    if cursor is not None:
        due_date, review_id, cursor_on = cursor_position(
            cursor, {"due_date": date.fromisoformat, "id": UUID, "on": date.fromisoformat}
        )
        if cursor_on != day:
            raise invalid("cursor", "this cursor belongs to another 'on' date; start again without it")
        after = (due_date, review_id)
    rows = _rows_as_on(svc, day, after=after, limit=limit + 1, open_only=False)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor({"due_date": rows[-1]["due_date"].isoformat(), "id": str(rows[-1]["id"]), "on": day.isoformat()})
        if more
        else None
    )
    return {"on": day.isoformat(), "items": [deadline_as_on(svc, row, day) for row in rows], "next_cursor": next_cursor}


@router.get("/deadlines/alarms", response_model=DeadlinesOut, summary="Deadlines overdue or due soon")
def alarms(svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)), on: str | None = None) -> dict[str, Any]:
    """What the coordinator must act on today: open applications overdue or due within 5 working days, with no delay notice."""
    read_own_writes(svc, key)
    day = _day(on)
    items = [deadline_as_on(svc, row, day) for row in _rows_as_on(svc, day, after=None, limit=None, open_only=True)]
    return {
        "on": day.isoformat(),
        "items": [item for item in items if item["deadline_state"] in ALARM_STATES],
        "next_cursor": None,  # one page: the alarms are few by nature
    }


CALENDAR_EXAMPLE = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Community Trigger//Deadlines//EN\r\nCALSCALE:GREGORIAN\r\n"
    "X-WR-CALNAME:ASB case review deadlines\r\nBEGIN:VEVENT\r\nUID:c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d@community-trigger\r\n"
    "DTSTAMP:20261102T093000Z\r\nDTSTART;VALUE=DATE:20261130\r\nDTEND;VALUE=DATE:20261201\r\n"
    "SUMMARY:ASB case review due (c1a2b3d4)\r\nDESCRIPTION:Received 2026-11-02. Application "
    "c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@router.get(
    "/deadlines.ics", response_class=Response, summary="Due dates as a calendar feed",
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}, "example": CALENDAR_EXAMPLE}}}},
)  # fmt: skip
def calendar_feed(svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))) -> Response:
    """The due dates of open applications as an iCalendar feed. No personal data: ids only."""
    read_own_writes(svc, key)
    day = local_date(now())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Community Trigger//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:ASB case review deadlines",
    ]
    for row in _rows_as_on(svc, day, after=None, limit=None, open_only=True):
        due = row["due_date"]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{row['id']}@community-trigger",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{due:%Y%m%d}",
            f"DTEND;VALUE=DATE:{due + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:ASB case review due ({str(row['id'])[:8]})",
            f"DESCRIPTION:Received {row['received_date'].isoformat()}. Application {row['id']}.",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return Response("\r\n".join(lines) + "\r\n", media_type="text/calendar")
