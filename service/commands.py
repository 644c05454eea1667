"""The commands of Community Trigger: small, immutable requests to change the record.

Each names what is asked, not who asks or when: the actor and the moment travel beside it
(`Casework.handle(command, actor=..., now=...)`), so a command can be built from a request body,
a demo script or a test alike. Fields are the domain's types; the API's schemas build them.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.people import Contact, ErasureReason
from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    ComplaintSource,
    ConsentPurpose,
    ContactChannel,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Route,
)


@dataclass(frozen=True)
class RegisterPerson:
    display_name: str
    contact: Contact = field(default_factory=Contact)
    id: UUID | None = None


@dataclass(frozen=True)
class ErasePerson:
    person_id: UUID
    reason: ErasureReason


@dataclass(frozen=True)
class TellAboutCaseReview:
    """RULES.md section 12: the victim was told about the case review on `told_on`, by `channel` (by whom: the actor)."""

    person_id: UUID
    told_on: date
    channel: ContactChannel


@dataclass(frozen=True)
class LogComplaint:
    victim_id: UUID
    agency: str
    incident_date: date
    reported_date: date
    caused_had: bool
    category: ComplaintCategory
    complainant_id: UUID | None = None
    agency_reference: str | None = None
    location: str | None = None
    description: str | None = None
    incident_ref: str | None = None
    id: UUID | None = None
    source: ComplaintSource = ComplaintSource.OTHER  # how the complaint reached the agency (RULES.md section 11)
    location_key: str | None = None  # the place, as the agency identifies it: the victim's personal data


@dataclass(frozen=True)
class AmendComplaint:
    complaint_id: UUID
    changes: dict[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class WithdrawComplaint:
    complaint_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class GiveConsent:
    person_id: UUID
    application_id: UUID
    purpose: ConsentPurpose
    given_on: date
    id: UUID | None = None


@dataclass(frozen=True)
class WithdrawConsent:
    consent_id: UUID
    withdrawn_on: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestCaseReview:
    route: Route
    applicant_id: UUID
    received_date: date
    channel: Channel
    dissatisfaction: Dissatisfaction
    victim_id: UUID | None = None
    member_ids: list[UUID] = field(default_factory=list)
    complaint_ids: list[UUID] | None = None
    id: UUID | None = None


@dataclass(frozen=True)
class Acknowledge:
    case_review_id: UUID
    acknowledged_on: date
    expected_version: int | None = None


@dataclass(frozen=True)
class DecideThreshold:
    """The decision records the automatic assessment as known at its moment (RULES.md section 6)."""

    case_review_id: UUID
    decision: Decision
    decided_on: date
    grounds: DiscretionGrounds | None = None
    reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class ShareInformation:
    """`agency` may be left out by an agency's key: the agency sharing is the key's (API.md v1.1)."""

    case_review_id: UUID
    shared_on: date
    agency: str | None = None
    summary: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class NotifyDelay:
    case_review_id: UUID
    reason: str
    new_target_date: date
    notified_on: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RecommendationInput:
    action: str
    agency: str
    due_date: date | None = None


@dataclass(frozen=True)
class CompleteReview:
    case_review_id: UUID
    completed_on: date
    recommendations: list[RecommendationInput] = field(default_factory=list)
    expected_version: int | None = None


@dataclass(frozen=True)
class NotifyOutcome:
    case_review_id: UUID
    notified_on: date
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestEscalation:
    case_review_id: UUID
    escalation_id: UUID
    requested_on: date
    reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class DecideEscalation:
    case_review_id: UUID
    escalation_id: UUID
    result: EscalationResult
    decided_on: date
    expected_version: int | None = None


# --- RULES.md section 13: the victim's part and the partnership's promises --------------------------


@dataclass(frozen=True)
class RecordInvolvement:
    case_review_id: UUID
    level: InvolvementLevel
    invited: bool | None = None
    invitation_mode: InvitationMode | None = None
    attended: bool | None = None
    impact_statement: str | None = None
    not_invited_reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class HoldReviewMeeting:
    case_review_id: UUID
    held_on: date
    chair: str | None = None
    independent_chair: bool | None = None
    agencies_present: list[str] = field(default_factory=list)
    expected_version: int | None = None


@dataclass(frozen=True)
class MarkActionDone:
    """Actions are addressed by their own id (API.md); the caller finds the case review they belong to."""

    case_review_id: UUID
    action_id: UUID
    done_on: date
    evidence: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class DropAction:
    case_review_id: UUID
    action_id: UUID
    dropped_on: date
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class GiveUpdate:
    case_review_id: UUID
    updated_on: date
    channel: ContactChannel
    summary: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestInformation:
    case_review_id: UUID
    request_id: UUID
    agency: str
    requested_on: date
    due_date: date
    question: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class AnswerInformationRequest:
    case_review_id: UUID
    request_id: UUID
    answered_on: date
    answer: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordLetterSent:
    """The template version is the one the partnership's set gives the letter under the application's policy."""

    case_review_id: UUID
    kind: LetterKind
    sent_on: date
    channel: ContactChannel
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestPccReview:
    case_review_id: UUID
    pcc_review_id: UUID
    requested_on: date
    grounds: list[str]
    reason: str | None = None
    late_acceptance_reason: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class NextStepInput:
    action: str
    agency: str | None = None  # None: the partnership itself (its policy's name) owns the step
    due_date: date | None = None


@dataclass(frozen=True)
class DecidePccReview:
    case_review_id: UUID
    pcc_review_id: UUID
    result: EscalationResult
    reasons: str
    decided_on: date
    next_steps: list[NextStepInput] = field(default_factory=list)
    expected_version: int | None = None


Command = (
    RegisterPerson | ErasePerson | TellAboutCaseReview | LogComplaint | AmendComplaint | WithdrawComplaint | GiveConsent | WithdrawConsent
    | RequestCaseReview | Acknowledge | DecideThreshold | ShareInformation | NotifyDelay | CompleteReview
    | NotifyOutcome | RequestEscalation | DecideEscalation | RecordInvolvement | HoldReviewMeeting | MarkActionDone
    | DropAction | GiveUpdate | RequestInformation | AnswerInformationRequest | RecordLetterSent | RequestPccReview
    | DecidePccReview
)  # fmt: skip
