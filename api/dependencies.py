"""What every route needs: the services made at start-up (service/bootstrap.py), and the small rules all routes share."""

import base64
import binascii
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from pydantic import AfterValidator

from api import consistency
from api.problems import invalid
from api.views import utc_time
from domain.vocabulary import Role
from service.bootstrap import Services
from service.bootstrap import now as now  # the clock every route reads the time from
from service.casework import Written
from store.api_keys import ApiKey

log = logging.getLogger(__name__)

COORDINATOR, AGENCY, AUDITOR, ANALYST, ADMIN = Role.COORDINATOR, Role.AGENCY, Role.AUDITOR, Role.ANALYST, Role.ADMIN


async def services(request: Request) -> Services:
    return request.app.state.services  # async: a plain def dependency would cost a thread-pool hand-off


Svc = Annotated[Services, Depends(services)]
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the version you last read; a stale one gets 412")]


def page_limit(most: int) -> Any:
    """A page's `limit`: at least 1; more than `most` is taken as `most` (the answer's `next_cursor` says there is
    more), since asking for a big page is no mistake worth refusing."""
    return Annotated[
        int,
        Query(ge=1, description=f"items per page, at most {most} (a larger number is taken as {most})"),
        AfterValidator(lambda n: min(n, most)),
    ]


Limit200, Limit500, Limit1000 = page_limit(200), page_limit(500), page_limit(1000)


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    # ASCII digits only, and a sane length: str.isdigit() also takes "²", which int() refuses, and
    # int() of thousands of digits is refused by Python's limit on such conversions.
    if not VERSION.fullmatch(value):
        raise invalid("If-Match", "If-Match is the version number you last read, for example 3")
    return int(value)


def written(svc: Services, key: ApiKey, result: Written, status_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    svc.last_write[key.key_id] = max(svc.last_write.get(key.key_id, 0), result.position)
    return {
        "id": str(result.id),
        "version": result.version,
        "recorded_at": utc_time(result.recorded_at),
        **(status_extra or {}),
    }


def written_at(moment: datetime) -> dict[str, Any]:
    return {"recorded_at": utc_time(moment)}


def await_earlier_writes(svc: Services) -> None:
    """Before a read-model query: wait (bounded) until every write committed before the read is visible, whoever
    wrote it, through any process; 503 when it is not (api/consistency.py)."""
    consistency.await_earlier_writes(svc)


# --- cursors -----------------------------------------------------------------------------


NOT_OUR_CURSOR = "the cursor is not one this API gave out; start again without it"
MAX_CURSOR_CHARS = 2048  # ours are well under 200: a longer one is not ours, and is not parsed at all
VERSION = re.compile(r"[0-9]{1,18}")


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR_CHARS:
        raise invalid("cursor", NOT_OUR_CURSOR)
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, dict) or set(values) != set(keys):
            raise ValueError
        return values
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):  # nested too deep for the parser
        raise invalid("cursor", NOT_OUR_CURSOR) from None


def cursor_position(cursor: str, fields: dict[str, Callable[[Any], Any]]) -> tuple[Any, ...]:
    """A keyset cursor's position, each value parsed by its field's parser (in the fields' order)."""
    values = decode_cursor(cursor, tuple(fields))
    try:
        return tuple(parse(values[name]) for name, parse in fields.items())
    except (TypeError, ValueError, AttributeError):
        raise invalid("cursor", NOT_OUR_CURSOR) from None


def cursor_id(value: Any) -> int:
    """A position in a table numbered by an identity column (not a bool, which JSON would allow)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(value)
    return value
