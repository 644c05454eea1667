"""The handlers of RULES.md section 13's commands: the victim's part and the partnership's promises.

Each is load, call, save on the case review, like the lifecycle's handlers in service/casework.py
(whose helpers they use): free text goes into the applicant's own PersonalText streams, so erasing
the applicant erases it too; the time limits and grounds come from the policy in force on the
application's received date (service/promise_terms.py). An agency acts only on its own actions and
on the information requests made to it; another agency's is "not found" (service/authorization.py).
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.actor import Actor
from domain.audited import AuditedAggregate
from domain.case_reviews import CaseReview, Recommendation
from domain.errors import InvalidFact
from domain.policy import HAVANT_POLICY, Policy
from service import commands as c
from service.authorization import require_own_promise
from service.errors import NotFound
from service.letters import LetterKind as TemplateKind
from service.letters.template_sets import letter_template, set_for
from service.promise_terms import PromiseTerms, terms_of

if TYPE_CHECKING:
    from service.casework import Casework, Written


def template_ref(partnership: str, kind: str) -> str:
    """The template text a letter of `kind` is rendered from for this partnership, as a rendered letter names it
    (service.letters RenderedLetter.template_ref: set/kind@version)."""
    chosen = letter_template(set_for(partnership), TemplateKind(kind))
    return f"{chosen.template_set}/{chosen.kind.value}@{chosen.version}"


class JourneyHandlers:
    """Mixed into Casework: the section 13 commands' handlers, registered by `journey_handlers`."""

    def journey_handlers(self: "Casework") -> dict[type, Callable[[Any, Actor, datetime], "Written"]]:
        return {
            c.RecordInvolvement: self._record_involvement,
            c.HoldReviewMeeting: self._hold_review_meeting,
            c.MarkActionDone: self._mark_action_done,
            c.DropAction: self._drop_action,
            c.GiveUpdate: self._give_update,
            c.RequestInformation: self._request_information,
            c.AnswerInformationRequest: self._answer_information_request,
            c.RecordLetterSent: self._record_letter_sent,
            c.RequestPccReview: self._request_pcc_review,
            c.DecidePccReview: self._decide_pcc_review,
        }

    def policy_of(self: "Casework", review: CaseReview) -> Policy:
        """The policy in force on the application's received date (Havant's without policies)."""
        return self.policies.in_force(review.received_date) if self.policies is not None else HAVANT_POLICY

    def promise_terms(self: "Casework", review: CaseReview) -> PromiseTerms:
        """The section 13 terms of the policy in force on the application's received date."""
        return terms_of(self.policy_of(review))

    def _record_involvement(self: "Casework", command: c.RecordInvolvement, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []
            owner = review.applicant_id
            review.record_involvement(
                level=command.level, invited=command.invited, invitation_mode=command.invitation_mode,
                attended=command.attended,
                impact_statement=self._text(texts, owner, "involvement.impact_statement", command.impact_statement,
                                            actor, now),
                not_invited_reason=self._text(texts, owner, "involvement.not_invited_reason",
                                              command.not_invited_reason, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _hold_review_meeting(self: "Casework", command: c.HoldReviewMeeting, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []  # a chair's name is personal data: kept as the applicant's text
            review.hold_review_meeting(
                held_on=command.held_on,
                chair=self._text(texts, review.applicant_id, "review_meeting.chair", command.chair, actor, now),
                independent_chair=command.independent_chair, agencies_present=list(command.agencies_present),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _mark_action_done(self: "Casework", command: c.MarkActionDone, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            action = review.actions.get(command.action_id)
            if action is None:
                raise NotFound("action", command.action_id)
            require_own_promise(actor, action.agency, "action", command.action_id)
            texts: list[AuditedAggregate] = []
            review.mark_action_done(
                action_id=command.action_id, done_on=command.done_on,
                evidence=self._text(texts, review.applicant_id, "action.evidence", command.evidence, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _drop_action(self: "Casework", command: c.DropAction, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            if command.action_id not in review.actions:
                raise NotFound("action", command.action_id)
            texts: list[AuditedAggregate] = []
            reason = self._text(texts, review.applicant_id, "action.drop_reason", command.reason, actor, now)
            if reason is None:
                raise InvalidFact("say why the action is dropped", field="reason")
            review.drop_action(
                action_id=command.action_id, dropped_on=command.dropped_on, reason=reason, actor=actor, recorded_at=now
            )
            return texts

        return self._change_case(command, change)

    def _give_update(self: "Casework", command: c.GiveUpdate, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []
            review.give_update(
                updated_on=command.updated_on, channel=command.channel,
                summary=self._text(texts, review.applicant_id, "update.summary", command.summary, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _request_information(self: "Casework", command: c.RequestInformation, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            texts: list[AuditedAggregate] = []
            review.request_information(
                request_id=command.request_id, agency=command.agency, requested_on=command.requested_on,
                due_date=command.due_date,
                question=self._text(texts, review.applicant_id, "information_request.question", command.question,
                                    actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _answer_information_request(
        self: "Casework", command: c.AnswerInformationRequest, actor: Actor, now: datetime
    ) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            request = review.information_requests.get(command.request_id)
            if request is None:
                raise NotFound("information request", command.request_id)
            require_own_promise(actor, request.agency, "information request", command.request_id)
            texts: list[AuditedAggregate] = []
            review.answer_information_request(
                request_id=command.request_id, answered_on=command.answered_on,
                answer=self._text(texts, review.applicant_id, "information_request.answer", command.answer, actor, now),
                actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _record_letter_sent(self: "Casework", command: c.RecordLetterSent, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            terms = self.promise_terms(review)
            review.record_letter_sent(
                kind=command.kind, sent_on=command.sent_on, channel=command.channel,
                template_version=template_ref(terms.policy_name, command.kind.value), actor=actor, recorded_at=now,
            )  # fmt: skip
            return []

        return self._change_case(command, change)

    def _request_pcc_review(self: "Casework", command: c.RequestPccReview, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            terms = self.promise_terms(review)
            texts: list[AuditedAggregate] = []
            owner = review.applicant_id
            review.request_pcc_review(
                pcc_review_id=command.pcc_review_id, requested_on=command.requested_on, grounds=list(command.grounds),
                reason=self._text(texts, owner, "pcc_review.reason", command.reason, actor, now),
                late_acceptance_reason=self._text(texts, owner, "pcc_review.late_acceptance_reason",
                                                  command.late_acceptance_reason, actor, now),
                allowed_grounds=terms.pcc_review_grounds, calendar=terms.calendar,
                request_within_working_days=terms.pcc_request_within_working_days, actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)

    def _decide_pcc_review(self: "Casework", command: c.DecidePccReview, actor: Actor, now: datetime) -> "Written":
        def change(review: CaseReview) -> list[AuditedAggregate]:
            if command.pcc_review_id not in review.pcc_reviews:
                raise NotFound("PCC review request", command.pcc_review_id)
            texts: list[AuditedAggregate] = []
            owner = review.applicant_id
            reasons = self._text(texts, owner, "pcc_review.reasons", command.reasons, actor, now)
            if reasons is None:
                raise InvalidFact("the PCC gives reasons for the result", field="reasons")
            steps = []
            partnership = self.policy_of(review).name  # owns a step given as text alone
            for index, step in enumerate(command.next_steps):
                action = self._text(texts, owner, "pcc_review.next_step", step.action, actor, now)
                if action is None:
                    raise InvalidFact("a next step says what is to be done", field=f"next_steps[{index}].action")
                steps.append(Recommendation(action=action, agency=step.agency or partnership, due_date=step.due_date))
            review.decide_pcc_review(
                pcc_review_id=command.pcc_review_id, result=command.result, reasons=reasons,
                decided_on=command.decided_on, next_steps=steps, actor=actor, recorded_at=now,
            )  # fmt: skip
            return texts

        return self._change_case(command, change)
