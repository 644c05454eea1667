"""Domain errors: what the aggregates refuse, and why, in words a caller can act on."""


class DomainError(Exception):
    """A command the domain refuses. `field` names the input at fault, where one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidFact(DomainError):
    """The input cannot be a true fact (a report before its incident, a date in the future)."""


class RuleBroken(DomainError):
    """The input is well formed but the lifecycle or the law forbids it now."""


class NotPermitted(DomainError):
    """The rule names who may do this, and the actor is someone else (an agency marking another agency's action)."""
