"""The deadline view (RULES.md section 8) as on any date, the coordinator's alarm list, and a calendar feed."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from api.answers import AlarmsOut, DeadlinesOut, FeedTokenOut, FeedTokenRevoked
from api.audit import AuditedContent
from api.auth import allow, allow_feed
from api.dependencies import (
    AUDITOR,
    COORDINATOR,
    Limit200,
    Services,
    Svc,
    await_earlier_writes,
    cursor_position,
    encode_cursor,
    now,
)
from api.journey_views import promise_alarms_on
from api.problems import invalid
from api.routes import ThreadRoute
from api.schemas import Body, ShortText, example
from api.views import utc_time
from api.writes import location
from domain.audited import local_date
from domain.calendar import DeadlineState
from domain.deadlines import DeadlineOnDay, deadline_on
from domain.policy import EARLIEST_DATE
from domain.vocabulary import Role
from projections.case_list import CaseList
from service.errors import NotFound
from service.potential_triggers import telling_alarms
from service.stages import stage_alarms, stages_of_row
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
    return deadline_on(
        _policy_of(svc, row), due=row["due_date"], on=day, completed_on=finished, delay_notified_on=delay
    )


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
        "stages": [stage.to_dict() for stage in stages_of_row(_policy_of(svc, row), row, day)],
    }


def _policy_of(svc: Services, row: dict[str, Any]) -> Any:
    """The policy version a case-list row's application is decided under (or, if that version was set aside
    since, the version in force on its received date: the row still reads)."""
    return svc.policies.as_recorded(row["policy_name"], row["policy_version"], row["received_date"])


def stage_alarms_on(svc: Services, day: date) -> list[dict[str, Any]]:
    """Every procedure stage overdue or due soon on `day`, of the applications not yet completed, earliest due first."""
    items = [
        {"kind": "stage", "case_review_id": str(row["id"]), **stage.to_dict()}
        for row in CaseList.not_completed_on(svc.pool, day)
        for stage in stage_alarms(stages_of_row(_policy_of(svc, row), row, day))
    ]
    items.sort(key=lambda item: (item["due_date"], item["case_review_id"], item["name"]))
    return items


@router.get("/deadlines", response_model=DeadlinesOut, summary="Deadlines as on a day")
def deadlines(
    svc: Svc,
    key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)),
    on: str | None = Query(default=None, description="the day to see the deadlines as on (YYYY-MM-DD); default today"),
    limit: Limit200 = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Each open application, and each finished in the last 30 days, as on `on`, by due date."""
    await_earlier_writes(svc)
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


@router.get("/deadlines/alarms", response_model=AlarmsOut, summary="Deadlines overdue or due soon")
def alarms(svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR)), on: str | None = None) -> dict[str, Any]:
    """What the coordinator must act on today: open applications overdue or due within 5 working days, with no delay
    notice; beside them (`promises`) actions, updates and information requests overdue or due soon (RULES.md 13),
    (`stages`) every step of the procedure overdue or due soon (RULES.md section 11), and (`victims_to_tell`)
    victims who should be told about the case review and were not (RULES.md 12)."""
    await_earlier_writes(svc)
    day = _day(on)
    items = [deadline_as_on(svc, row, day) for row in _rows_as_on(svc, day, after=None, limit=None, open_only=True)]
    return {
        "on": day.isoformat(),
        "items": [item for item in items if item["deadline_state"] in ALARM_STATES],
        "promises": promise_alarms_on(svc, day),  # actions, updates, information requests (RULES.md 13)
        "stages": stage_alarms_on(svc, day),
        "victims_to_tell": [
            {
                "kind": "tell_victim",
                "victim_id": str(alarm.victim.victim_id),
                "due_date": alarm.victim.tell_due_date.isoformat(),
                "working_days_left": alarm.working_days_left,
                "state": alarm.state.value,
                "trigger_state": alarm.victim.state.value,
                "counted_incidents": alarm.victim.counted_incidents,
                "by_agency": alarm.victim.by_agency,
            }
            for alarm in telling_alarms(svc.pool, svc.policies, on=day, as_known_at=now())
        ],
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
def calendar_feed(svc: Svc, key: ApiKey = Depends(allow_feed(COORDINATOR, AUDITOR))) -> AuditedContent:
    """The due dates of open applications as an iCalendar feed: no names or texts, the applications' ids only.

    A calendar client that cannot send headers subscribes with a feed token in the URL
    (`?token=`, from `POST /v1/deadlines/feed-tokens`), which reads this feed and nothing else.
    Each read is recorded in the read audit under the key or token that read, with the people whose
    applications the feed lists (an application's id tells whose case it is to whoever holds the record)."""
    await_earlier_writes(svc)
    day = local_date(now())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Community Trigger//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:ASB case review deadlines",
    ]
    rows = _rows_as_on(svc, day, after=None, limit=None, open_only=True)
    for row in rows:
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
    people = [person for row in rows for person in (row["applicant_id"], row["victim_id"], *row["member_ids"])]
    return AuditedContent(("\r\n".join(lines) + "\r\n").encode(), "text/calendar", people)


class FeedTokenIn(Body):
    model_config = example(label="coordinator's phone calendar")

    label: ShortText | None = None


@router.post(
    "/deadlines/feed-tokens", status_code=201, response_model=FeedTokenOut, summary="Make a calendar feed token"
)
@location("/v1/deadlines.ics")
def create_feed_token(
    body: FeedTokenIn, svc: Svc, key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))
) -> dict[str, Any]:
    """A token for subscribing to the deadline calendar from a client that cannot send headers (shown once).

    It reads `/v1/deadlines.ics` and nothing else; each read is recorded under its id like any key's;
    `DELETE /v1/deadlines/feed-tokens/{id}` (or `community-trigger keys revoke`) ends it."""
    label = f"calendar feed of {key.key_id}" + (f": {body.label}" if body.label else "")
    token, secret = svc.keys.create(Role.CALENDAR, label=label)
    return {
        "id": token.key_id, "version": 1, "recorded_at": utc_time(token.created_at), "token": secret,
        "url": f"/v1/deadlines.ics?token={secret}",
    }  # fmt: skip


@router.delete(
    "/deadlines/feed-tokens/{token_id}", response_model=FeedTokenRevoked, summary="Revoke a calendar feed token"
)
def revoke_feed_token(
    svc: Svc, token_id: str = Path(pattern=r"^[0-9a-f]{12}$"), key: ApiKey = Depends(allow(COORDINATOR, AUDITOR))
) -> dict[str, Any]:
    """Ends a feed token at once: a coordinator may end any, an auditor those it made."""
    token = next((k for k in svc.keys.list() if k.key_id == token_id and k.role is Role.CALENDAR), None)
    mine = token is not None and token.label is not None and token.label.startswith(f"calendar feed of {key.key_id}")
    if token is None or token.revoked_at is not None or not (key.role is COORDINATOR or mine):
        raise NotFound("feed token", token_id)  # another's token is not told apart from none
    svc.keys.revoke(token_id)
    return {"id": token_id, "revoked": True}
