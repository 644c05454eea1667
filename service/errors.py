"""What a command or read can fail with besides the domain's own rules (domain/errors.py)."""

from uuid import UUID


class NotFound(Exception):
    def __init__(self, what: str, id: UUID) -> None:
        super().__init__(f"no {what} with id {id}")
        self.what = what
        self.id = id


class Forbidden(Exception):
    """The caller's role or agency may not do this to this object."""


class StaleVersion(Exception):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"the object is at version {actual}, not {expected}: read it again and retry")
        self.expected = expected
        self.actual = actual


class Conflict(Exception):
    """Another writer kept changing the same object; nothing was recorded."""


class RecordedTooLate(Conflict):
    """A threshold decision recorded what was known at a moment after this change was stamped."""

    def __init__(self) -> None:
        super().__init__(
            "a threshold decision was recorded at the same moment, as known before this change: nothing was"
            " recorded; send it again and it will be recorded as known from now"
        )
