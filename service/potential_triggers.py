"""RULES.md section 12 as the service reads it: the list as on a day and as known at a time, and its alarms.

The read model (projections/potential_triggers.py) keeps the facts and finds the candidates; the
domain decides each one; this module picks the policy in force on the day among the versions
published by the time asked about (RULES.md section 14), and says which victims are late to be told.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.calendar import DeadlineState, deadline_state, working_days_left
from domain.deadlines import calendar_for
from domain.potential_triggers import LocationTrigger, PotentialTrigger, TriggerState
from projections.potential_triggers import PotentialTriggers
from service.policies import Policies

ALARM_STATES = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON)
GROUP_NUMBER_REACHED = "group_number_reached"  # a place's state when one person alone reported enough there


@dataclass(frozen=True)
class PlaceListed:
    """A linked location on the list: its digest (never shown) and what the domain decided of it."""

    digest: bytes
    place: LocationTrigger

    @property
    def state(self) -> str:
        return TriggerState.THRESHOLD_REACHED.value if self.place.threshold_met else GROUP_NUMBER_REACHED


@dataclass(frozen=True)
class Listed:
    """One page: victims (by id) then places (by digest), and where the next page starts (None: the last)."""

    victims: list[PotentialTrigger]
    places: list[PlaceListed]
    next_after: tuple[str, Any] | None  # ("victim", UUID) or ("location", bytes)


class _Pages:
    """Pages of the list as known now, remembered until the read models move (a bounded LRU).

    As known at "now", a page is a function of the day, the filters and the facts the read model holds;
    those change only when it applies events, which moves its position (every batch moves every read
    model's position, policy publications included). So a page computed at position P serves every
    request made while the read models stay at P: the partnership's list read again and again between
    changes costs one decision.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], Listed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Listed | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[Any, ...], page: Listed) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


_remembered = _Pages()


def listed(
    pool: Any,
    policies: Policies,
    *,
    on: date,
    as_known_at: datetime,
    agency: str | None,
    state: str | None,
    after: tuple[str, Any] | None,
    limit: int,
    now_at_position: int | None = None,
) -> Listed:
    """The potential triggers as on `on` and as known at `as_known_at`, from `after` on.

    `agency`: only what that agency logged a complaint for (victims it logged for; places where it did).
    `state`: only items in that state (victims' `threshold_reached`, `should_be_told`, `told`; places'
    `threshold_reached` or `group_number_reached`). `now_at_position`: `as_known_at` is now, and the read
    models stand at this position: the page may be one remembered from an earlier request at it.
    """
    key = None
    if now_at_position is not None:
        key = (id(pool), now_at_position, on, agency, state, after, limit)
        page = _remembered.get(key)
        if page is not None:
            return page
    page = _listed(pool, policies, on=on, as_known_at=as_known_at, agency=agency, state=state, after=after, limit=limit)
    if key is not None:
        _remembered.put(key, page)
    return page


def _listed(
    pool: Any,
    policies: Policies,
    *,
    on: date,
    as_known_at: datetime,
    agency: str | None,
    state: str | None,
    after: tuple[str, Any] | None,
    limit: int,
) -> Listed:
    policy = policies.in_force(on, as_known_at=as_known_at)
    victims: list[PotentialTrigger] = []
    places: list[PlaceListed] = []
    kind, position = after or ("victim", None)
    if kind == "victim":
        keep: Callable[[PotentialTrigger], bool] = lambda t: state is None or t.state.value == state  # noqa: E731
        victims, last = PotentialTriggers.page(
            pool, policy, on=on, as_known_at=as_known_at, agency=agency, after=position, wanted=keep, limit=limit
        )
        if last is not None:
            return Listed(victims, [], ("victim", last))
        kind, position = "location", None
    # The victims ran out before the page filled (`page` stops at `limit`): places fill the rest.
    if len(victims) >= limit:
        return Listed(victims, [], ("location", None))
    found, last_place = PotentialTriggers.places(
        pool, policy, on=on, as_known_at=as_known_at, agency=agency, after=position, limit=limit - len(victims)
    )
    places = [PlaceListed(digest, place) for digest, place in found]
    if state is not None:
        places = [p for p in places if p.state == state]
    return Listed(victims, places, ("location", last_place) if last_place is not None else None)


def every_victim(pool: Any, policies: Policies, *, on: date, as_known_at: datetime) -> list[PotentialTrigger]:
    """Every listed victim as on `on`, as known at `as_known_at` (the alarms read this)."""
    policy = policies.in_force(on, as_known_at=as_known_at)
    found: list[PotentialTrigger] = []
    after: UUID | None = None
    while True:
        page, after = PotentialTriggers.page(pool, policy, on=on, as_known_at=as_known_at, after=after, limit=500)
        found.extend(page)
        if after is None:
            return found


@dataclass(frozen=True)
class TellingAlarm:
    """A victim not yet told, whose telling is overdue or due within 5 working days on `on`."""

    victim: PotentialTrigger
    working_days_left: int
    state: DeadlineState


def telling_alarms(pool: Any, policies: Policies, *, on: date, as_known_at: datetime) -> list[TellingAlarm]:
    """Victims who should be told (or reached the threshold) and were not, late or due within 5 working days on `on`,
    earliest due first (RULES.md section 12's due date, section 8's states and working days left)."""
    alarms = []
    for victim in every_victim(pool, policies, on=on, as_known_at=as_known_at):
        if victim.told or victim.tell_due_date is None:
            continue
        calendar = calendar_for(policies.in_force(on, as_known_at=as_known_at).calendar)
        state = deadline_state(calendar, due=victim.tell_due_date, on=on)
        if state in ALARM_STATES:
            alarms.append(TellingAlarm(victim, working_days_left(calendar, victim.tell_due_date, on), state))
    alarms.sort(key=lambda alarm: (alarm.victim.tell_due_date, alarm.victim.victim_id.int))
    return alarms
