"""The letters of one case review (RULES.md section 13): the LetterContext built from the case as recorded,
rendered from its partnership's templates (service/letters, which takes the context and nothing else).

What a letter says comes from the record: the decision's plain-English reasons are the explanation of
the assessment the decision recorded (RULES.md section 6), not a new assessment; names, addresses and
texts are read from the applicant's own streams, so an erased applicant's read "[erased]".
"""

from datetime import date

from domain.case_reviews import CaseReview
from domain.deadlines import deadlines_for
from domain.people import ERASED, TextRef
from domain.policy import HAVANT_POLICY, Policy
from domain.promises import pcc_request_last_day
from domain.vocabulary import LetterKind
from service.casework import Casework
from service.letters import (
    Action,
    Addressee,
    DelayPart,
    LetterContext,
    OutcomePart,
    PccReviewRoute,
    RenderedLetter,
    ThresholdDecisionPart,
    render_html,
    render_pdf,
)
from service.promise_terms import terms_of

NO_EXPLANATION = "No automatic assessment was recorded with this decision."


def partnership_name(policy: Policy) -> str:
    """How a letter names the partnership, from its policy's name: safer-havant -> Safer Havant Partnership."""
    return f"{policy.name.replace('-', ' ').title()} Partnership"


def reference(review: CaseReview) -> str:
    """What the applicant quotes back: short, and the start of the application's id."""
    return f"ASB-CR-{review.id.hex[:8].upper()}"


def letter_date(review: CaseReview, kind: LetterKind, today: date) -> date:
    """The date a letter bears: the day it was last recorded as sent, else `today` (it is about to be)."""
    sent = [letter.sent_on for letter in review.letters if letter.kind is kind]
    return sent[-1] if sent else today


def letter_context(casework: Casework, review: CaseReview, kind: LetterKind, today: date) -> LetterContext:
    """Everything the letter of `kind` says, from the case review as recorded; RuleBroken (409) when the step the
    letter reports has not happened."""
    review.letter_step_on(kind)
    policy = casework.policies.in_force(review.received_date) if casework.policies is not None else HAVANT_POLICY
    terms = terms_of(policy)
    dated = letter_date(review, kind, today)
    applicant = casework.person(review.applicant_id)
    decision, delay, outcome = review.decision, review.delay_notices[-1:], review.reviews[-1:]
    refs: list[TextRef | None] = [
        decision.reason if decision else None,
        *(notice.reason for notice in delay),
        *(recommendation.action for round in outcome for recommendation in round.recommendations),
    ]
    texts = casework.resolve_texts(refs)

    def text(ref: TextRef | None) -> str | None:
        return None if ref is None else (texts.get(ref) or ERASED)

    decision_part = None
    if decision is not None:
        explanation = (decision.assessment or {}).get("explanation") or NO_EXPLANATION
        decision_part = ThresholdDecisionPart(
            decision=decision.decision, decided_on=decision.decided_on, explanation=explanation,
            grounds=decision.grounds, reason=text(decision.reason),
        )  # fmt: skip
    pcc_route = None
    if decision is not None:
        # The applicant has N working days from being told (RULES.md 13): from the notice recorded for the
        # current round when there is one, else from this letter, which tells them.
        told_on = review.outcome_notices[-1].notified_on if review.outcome_told and review.outcome_notices else dated
        last_day = pcc_request_last_day(terms.calendar, told_on, terms.pcc_request_within_working_days)
        pcc_route = PccReviewRoute(
            within_working_days=terms.pcc_request_within_working_days, last_date=last_day,
            grounds=terms.pcc_review_grounds,
        )  # fmt: skip
    return LetterContext(
        partnership=policy.name,
        partnership_name=partnership_name(policy),
        addressee=Addressee.of(applicant.display_name, applicant.contact),
        reference=reference(review),
        letter_date=dated,
        received_date=review.received_date,
        due_date=review.current_due_date(deadlines_for(policy, review.received_date).review),
        decision=decision_part,
        delay=DelayPart(reason=text(delay[0].reason) or ERASED, new_target_date=delay[0].new_target_date)
        if delay
        else None,
        outcome=OutcomePart(
            completed_on=outcome[0].completed_on,
            actions=tuple(
                Action(action=text(r.action) or ERASED, agency=r.agency, due_date=r.due_date)
                for r in outcome[0].recommendations
            ),
        )
        if outcome
        else None,
        pcc_review=pcc_route,
    )


def render_letter(
    casework: Casework, review: CaseReview, kind: LetterKind, *, pdf: bool, today: date
) -> RenderedLetter:
    """The letter of `kind` as HTML, or as PDF when `pdf`."""
    context = letter_context(casework, review, kind, today)
    return (render_pdf if pdf else render_html)(kind.value, context)
