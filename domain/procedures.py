"""Real partnerships' published procedures as data (the repository's procedures/ folder).

Each file is JSON: `title`; `source` with the `url` of the published procedure, its `published`
date (null when the page carries none), the date it was `consulted`, and what it `says`; `notes`
on every reading and every value kept from Havant's because the page is silent; and `policy`, a
policy in the API's shape. Loading is pure (text in, values out), so a file can be checked in a
test, published through the API, or compared with a national floor.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.policy import Policy, PolicyError

_KEYS = ("title", "source", "notes", "policy")
_SOURCE_KEYS = ("url", "published", "consulted", "says", "also")


@dataclass(frozen=True)
class Procedure:
    """One partnership's published procedure: where it was read, what was read into it, and the policy."""

    title: str
    url: str
    published: date | None
    consulted: date
    says: tuple[str, ...]
    notes: tuple[str, ...]
    policy: Policy


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(field, f"{field} must be text")
    return value


def _texts(value: Any, field: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise PolicyError(field, f"{field} must be a list of texts")
    return tuple(_text(item, f"{field}[{index}]") for index, item in enumerate(value))


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(_text(value, field))
    except ValueError:
        raise PolicyError(field, f"{field} must be a date written YYYY-MM-DD (got {value!r})") from None


def load_procedure(text: str) -> Procedure:
    """A procedure file's text as a `Procedure`; `PolicyError` names the field at fault (`policy.` inside the policy)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyError("procedure", f"a procedure file must be JSON: {error}") from None
    if not isinstance(data, Mapping):
        raise PolicyError("procedure", "a procedure file must be a JSON object")
    for key in data:
        if key not in _KEYS:
            raise PolicyError(str(key), f"{key} is not part of a procedure file ({', '.join(_KEYS)})")
    for key in _KEYS:
        if key not in data:
            raise PolicyError(key, f"{key} is required")
    source = data["source"]
    if not isinstance(source, Mapping):
        raise PolicyError("source", "source must be an object: url, published, consulted, says")
    for key in source:
        if key not in _SOURCE_KEYS:
            raise PolicyError(f"source.{key}", f"source.{key} is not part of a procedure's source")
    url = _text(source.get("url"), "source.url")
    if not url.startswith(("https://", "http://")):
        raise PolicyError("source.url", "source.url must be the web address of the published procedure")
    published = source.get("published")
    try:
        policy = Policy.from_dict(data["policy"])
    except PolicyError as error:
        raise PolicyError(f"policy.{error.field}", error.message) from None
    return Procedure(
        title=_text(data["title"], "title"),
        url=url,
        published=None if published is None else _date(published, "source.published"),
        consulted=_date(source.get("consulted"), "source.consulted"),
        says=_texts(source.get("says"), "source.says"),
        notes=_texts(data["notes"], "notes"),
        policy=policy,
    )


def procedure_policy(text: str) -> Policy:
    """Just the policy of a procedure file (see `load_procedure`)."""
    return load_procedure(text).policy
