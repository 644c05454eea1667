"""What a letter says, as data the caller builds from a case review (RULES.md section 13, letters).

The caller reads the case review, its people (names already decrypted, or "[erased]"), its
decision, notices and review, and builds one `LetterContext`; every kind of letter is rendered
from it. Each kind needs its own part (`decision`, `delay`, `outcome`); the parts the case has not
reached yet stay None, and asking for that letter then is refused, naming the part.

Personal text (names, addresses, reasons, actions) arrives as the person's data reads: an erased
person's as the string "[erased]" and no contact details. Nothing here reads a clock, a database
or the network: dates come in, text and bytes go out.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from domain.errors import InvalidFact
from domain.people import Contact
from domain.vocabulary import Decision, DiscretionGrounds

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_Word = TypeVar("_Word", bound=StrEnum)


class LetterKind(StrEnum):
    """The letters of RULES.md section 13, as API.md's `GET /v1/case-reviews/{id}/letters/{kind}` names them."""

    ACKNOWLEDGEMENT = "acknowledgement"
    THRESHOLD_DECISION = "threshold_decision"
    DELAY = "delay"
    OUTCOME = "outcome"


def _require_date(value: object, name: str) -> None:
    # A datetime is a date too, but a letter's dates are calendar days (RULES.md section 2).
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidFact(f"{name} must be a calendar date (got {value!r})", field=name)


def _require_text(value: object, name: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidFact(f"{name} must be some text (got {value!r})", field=name)


def _member(vocabulary: type[_Word], value: object, name: str) -> _Word:
    try:
        return vocabulary(value)
    except ValueError:
        words = ", ".join(member.value for member in vocabulary)
        raise InvalidFact(f"{name} must be one of {words} (got {value!r})", field=name) from None


def _lines(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(line, str) for line in value):
        raise InvalidFact(f"{name} must be a list of lines of text", field=name)
    return tuple(line.strip() for line in value if line.strip())


@dataclass(frozen=True)
class Addressee:
    """Who the letter is to: the applicant (for a group, its representative), as their personal data reads."""

    display_name: str
    address_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_text(self.display_name, "addressee.display_name")
        object.__setattr__(self, "address_lines", _lines(self.address_lines, "addressee.address_lines"))

    @classmethod
    def of(cls, display_name: str, contact: Contact | None) -> "Addressee":
        """From a person's name and contact details; an erased person has none (`contact` None or empty).

        `Contact.address` is one string: its lines are split at line breaks, or else at commas.
        """
        address = (contact.address if contact is not None else None) or ""
        separator = "\n" if "\n" in address else ","
        return cls(display_name, tuple(address.split(separator)))


@dataclass(frozen=True)
class PccReviewRoute:
    """How to ask the Police and Crime Commissioner to review a `not_met` decision or an outcome (RULES.md 13).

    `within_working_days` is the policy's `pcc_request_within_working_days`; `last_date` is that many
    working days after the applicant was told (worked out by the caller, who has the calendar);
    `grounds` are the policy's `pcc_review_grounds` codes, worded by the partnership's templates.
    `contact_lines` say how to reach the policing body, where the partnership gives them.
    """

    within_working_days: int
    last_date: date
    grounds: tuple[str, ...]
    contact_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.within_working_days
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidFact(
                f"pcc_review.within_working_days must be a whole number, at least 1 (got {n!r})",
                field="pcc_review.within_working_days",
            )
        _require_date(self.last_date, "pcc_review.last_date")
        grounds = _lines(self.grounds, "pcc_review.grounds")
        if not grounds:
            raise InvalidFact("pcc_review.grounds must name at least one ground", field="pcc_review.grounds")
        object.__setattr__(self, "grounds", grounds)
        object.__setattr__(self, "contact_lines", _lines(self.contact_lines, "pcc_review.contact_lines"))


@dataclass(frozen=True)
class ThresholdDecisionPart:
    """The recorded threshold decision and the assessment it rested on.

    `explanation` is the assessment's plain English (`domain.eligibility.Assessment.explanation`,
    several lines, "- " starting each complaint not counted). `grounds` is set when the partnership
    used its discretion (s.104(5)) to decide `met` against a `not_met` assessment. `reason` is the
    decision maker's written reason, personal text that may read "[erased]".
    """

    decision: Decision
    decided_on: date
    explanation: str
    grounds: DiscretionGrounds | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "decision", _member(Decision, self.decision, "decision.decision"))
        if self.grounds is not None:
            object.__setattr__(self, "grounds", _member(DiscretionGrounds, self.grounds, "decision.grounds"))
        _require_date(self.decided_on, "decision.decided_on")
        _require_text(self.explanation, "decision.explanation")
        if self.grounds is not None and self.decision is not Decision.MET:
            raise InvalidFact("grounds are given only for a decision of met", field="decision.grounds")

    @property
    def on_discretion(self) -> bool:
        return self.grounds is not None


@dataclass(frozen=True)
class DelayPart:
    """A delay notice: why the review will not finish by its due date, and the new target date."""

    reason: str
    new_target_date: date

    def __post_init__(self) -> None:
        _require_text(self.reason, "delay.reason")
        _require_date(self.new_target_date, "delay.new_target_date")


@dataclass(frozen=True)
class Action:
    """A recommendation of the review, as an action with its owning agency (a slug) and due date."""

    action: str
    agency: str
    due_date: date | None = None

    def __post_init__(self) -> None:
        _require_text(self.action, "outcome.actions.action")
        _require_text(self.agency, "outcome.actions.agency")
        if self.due_date is not None:
            _require_date(self.due_date, "outcome.actions.due_date")


@dataclass(frozen=True)
class OutcomePart:
    """The completed review: when, and the actions agreed (possibly none)."""

    completed_on: date
    actions: tuple[Action, ...] = ()

    def __post_init__(self) -> None:
        _require_date(self.completed_on, "outcome.completed_on")
        actions = tuple(self.actions)
        if not all(isinstance(a, Action) for a in actions):
            raise InvalidFact("outcome.actions must be Action values", field="outcome.actions")
        object.__setattr__(self, "actions", actions)


@dataclass(frozen=True)
class LetterContext:
    """Everything any letter about one case review may say.

    `partnership` is the policy's name (a slug such as safer-havant): it picks the partnership's
    templates, or the default ones when it has none. `reference` is what the applicant quotes
    back. `letter_date` is the date printed on the letter (and the PDF's creation date, so the
    same letter renders to the same bytes). `contact_lines` say how to reach the coordinator.
    """

    partnership: str
    partnership_name: str
    addressee: Addressee
    reference: str
    letter_date: date
    received_date: date
    due_date: date
    contact_lines: tuple[str, ...] = ()
    decision: ThresholdDecisionPart | None = None
    delay: DelayPart | None = None
    outcome: OutcomePart | None = None
    pcc_review: PccReviewRoute | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.partnership, str) or not _SLUG.match(self.partnership):
            raise InvalidFact(
                f"partnership must be a lower-case slug such as safer-havant (got {self.partnership!r})",
                field="partnership",
            )
        _require_text(self.partnership_name, "partnership_name")
        if not isinstance(self.addressee, Addressee):
            raise InvalidFact("addressee must be an Addressee", field="addressee")
        _require_text(self.reference, "reference")
        for name in ("letter_date", "received_date", "due_date"):
            _require_date(getattr(self, name), name)
        object.__setattr__(self, "contact_lines", _lines(self.contact_lines, "contact_lines"))
