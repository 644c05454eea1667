"""Request bodies of API.md v1.1, "The victim's part and the promises" (RULES.md section 13), named as the
contract names them. Strict like the rest (api/schemas.py): dates are 'YYYY-MM-DD', flags true or false,
and an unknown field is refused."""

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool, StringConstraints

from api.schemas import AgencySlug, Body, CommandBody, Day, Text, example
from domain.vocabulary import ContactChannel, EscalationResult, InvitationMode, InvolvementLevel
from service import commands as c

RequiredText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Ground = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=100)]


def _one_or_many(value: Any) -> Any:
    """One given where a list is taken (RULES.md 13 asks for one ground; a next step may be one text)."""
    return [value] if isinstance(value, str) else value


def _lines(value: Any) -> Any:
    """Reasons given as a list of texts are kept as one text, a line each."""
    if isinstance(value, list) and value and all(isinstance(line, str) for line in value):
        return "\n".join(line.strip() for line in value)
    return value


class InvolvementIn(CommandBody):
    command_type = c.RecordInvolvement
    model_config = example(
        level="attend", invited=True, invitation_mode="online", attended=True,
        impact_statement="I have not slept properly for months and I am afraid to go out in the evening.",
    )  # fmt: skip

    level: InvolvementLevel
    invited: StrictBool | None = None
    invitation_mode: InvitationMode | None = None
    attended: StrictBool | None = None
    impact_statement: Text | None = None
    not_invited_reason: Text | None = None


class ReviewMeetingIn(CommandBody):
    command_type = c.HoldReviewMeeting
    model_config = example(
        held_on="2026-11-10", chair="Sam Patel, Community Safety Manager", independent_chair=True,
        agencies_present=["hampshire-constabulary", "havant-borough-council", "vivid-homes"],
    )  # fmt: skip

    held_on: Day
    chair: Text | None = None
    independent_chair: StrictBool | None = None
    agencies_present: list[AgencySlug] = Field(default_factory=list, max_length=50)


class ActionDoneIn(CommandBody):
    command_type = c.MarkActionDone
    model_config = example(done_on="2026-11-30", evidence="Mediation offered to both households on 27 November")

    done_on: Day
    evidence: Text | None = None


class ActionDroppedIn(CommandBody):
    command_type = c.DropAction
    model_config = example(dropped_on="2026-12-02", reason="The neighbouring household has moved away")

    dropped_on: Day
    reason: RequiredText


class UpdateIn(CommandBody):
    command_type = c.GiveUpdate
    model_config = example(updated_on="2026-11-19", channel="phone", summary="Told the applicant the police visited")

    updated_on: Day
    channel: ContactChannel
    summary: Text | None = None


class InformationRequestIn(CommandBody):
    command_type = c.RequestInformation
    model_config = example(
        agency="vivid-homes", requested_on="2026-11-06", due_date="2026-11-13",
        question="Which tenancy actions have you taken against the neighbouring household since June?",
    )  # fmt: skip

    agency: AgencySlug
    requested_on: Day
    due_date: Day
    question: Text | None = None


class InformationAnswerIn(CommandBody):
    command_type = c.AnswerInformationRequest
    model_config = example(answered_on="2026-11-12", answer="A tenancy warning was issued on 3 September.")

    answered_on: Day
    answer: Text | None = None


class LetterSentIn(CommandBody):
    command_type = c.RecordLetterSent
    model_config = example(sent_on="2026-11-05", channel="letter")

    sent_on: Day
    channel: ContactChannel


class PccReviewRequestIn(CommandBody):
    command_type = c.RequestPccReview
    model_config = example(
        requested_on="2026-11-20", grounds=["threshold_wrongly_applied"],
        reason="Two of my reports were not counted although I made them within the month",
    )  # fmt: skip

    requested_on: Day
    grounds: Annotated[list[Ground], BeforeValidator(_one_or_many)] = Field(
        max_length=20, description="one of the policy's `pcc_review_grounds`, or a list of them"
    )
    reason: Text | None = None
    late_acceptance_reason: Text | None = None


class NextStepIn(Body):
    model_config = example(action="Hold a new case review meeting with an independent chair",
                           agency="havant-borough-council", due_date="2026-12-18")  # fmt: skip

    action: RequiredText
    agency: AgencySlug
    due_date: Day


class PccReviewResultIn(CommandBody):
    command_type = c.DecidePccReview
    model_config = example(
        result="upheld", reasons="The review did not consider the housing provider's records", decided_on="2026-12-04",
        next_steps=[{"action": "Hold a new case review meeting with an independent chair",
                     "agency": "havant-borough-council", "due_date": "2026-12-18"}],
    )  # fmt: skip

    result: EscalationResult
    reasons: Annotated[RequiredText, BeforeValidator(_lines)] = Field(
        description="the PCC's reasons: text, or a list of them"
    )
    decided_on: Day
    next_steps: Annotated[list[NextStepIn | RequiredText], BeforeValidator(_one_or_many)] = Field(
        default_factory=list,
        max_length=50,
        description="what must happen next, each step an action: with its owning `agency` and `due_date`, or as text "
        "alone (owned by the partnership, with no due date); one text may stand for a list of one",
    )

    def fields(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "reasons": self.reasons,
            "decided_on": self.decided_on,
            "next_steps": [
                c.NextStepInput(s) if isinstance(s, str) else c.NextStepInput(s.action, s.agency, s.due_date)
                for s in self.next_steps
            ],
        }
