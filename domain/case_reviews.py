"""An application for an ASB case review (the Community Trigger) and its lifecycle (RULES.md section 9).

received -> (acknowledged) -> threshold decided -> if met: information shared, review meeting, review
completed, applicant told the outcome -> closed once every agreed action is done or dropped; if not met:
applicant told -> closed. A delay notice may come at any point before completion, which is the
applicant being told (RULES.md section 14); an escalation or a review by the Police and Crime
Commissioner may follow the decision or the outcome, and an upheld one sends the case back to review.

Section 13's promises are recorded here too: the applicant's involvement, the review meeting, actions
and their completion, updates to the applicant, information requests, letters sent. Their due dates
and states on a day are pure functions of these facts (domain.promises).
"""

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate, require_not_before, require_not_future
from domain.calendar import WorkingCalendar
from domain.complaints import require_agency_slug
from domain.errors import InvalidFact, NotPermitted, RuleBroken
from domain.people import TextRef
from domain.promises import (
    Action,
    InformationRequest,
    next_step_action_id,
    pcc_request_last_day,
    recommendation_action_id,
)
from domain.vocabulary import (
    CaseStatus,
    Channel,
    ContactChannel,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Role,
    Route,
)


@dataclass(frozen=True)
class Recommendation:
    action: TextRef
    agency: str
    due_date: date | None


@dataclass(frozen=True)
class PccReview:
    """A review by the Police and Crime Commissioner: its request, its result once decided, and which telling
    (the applicant's n-th outcome notice, on `told_on`) it asks the PCC to review."""

    requested: "CaseReview.PccReviewRequested"
    decided: "CaseReview.PccReviewDecided | None"
    told_on: date
    notice_number: int


class CaseReview(AuditedAggregate):
    class Requested(AuditedAggregate.Created):
        class_version = 1
        route: Route
        applicant_id: UUID
        victim_id: UUID | None
        member_ids: list[UUID]
        received_date: date
        channel: Channel
        dissatisfaction: Dissatisfaction
        complaint_ids: list[UUID] | None

        def apply(self, review: "CaseReview") -> None:
            review.route = self.route
            review.applicant_id = self.applicant_id
            review.victim_id = self.victim_id
            review.member_ids = tuple(self.member_ids)
            review.received_date = self.received_date
            review.channel = self.channel
            review.dissatisfaction = self.dissatisfaction
            review.complaint_ids = None if self.complaint_ids is None else tuple(self.complaint_ids)
            review.acknowledged_on = None
            review.decision = None
            review.information_shared = []
            review.delay_notices = []
            review.reviews = []
            review.outcome_notices = []
            review.escalations = {}
            review.review_ordered = False
            review.review_ordered_on = None
            review.review_done = False
            review.outcome_told = False
            review.involvement = None
            review.meetings = []
            review.actions = {}
            review.updates = []
            review.information_requests = {}
            review.letters = []
            review.pcc_reviews = {}
            review.closed_periods = []

    class Acknowledged(AuditedAggregate.Event):
        class_version = 1
        acknowledged_on: date

        def apply(self, review: "CaseReview") -> None:
            review.acknowledged_on = self.acknowledged_on

    class ThresholdDecided(AuditedAggregate.Event):
        """The partnership's decision, with the assessment it rested on as known when it was made."""

        class_version = 1
        decision: Decision
        grounds: DiscretionGrounds | None
        reason: TextRef | None
        decided_on: date
        assessment: dict[str, Any] | None

        def apply(self, review: "CaseReview") -> None:
            review.decision = self
            review.review_ordered = self.decision is Decision.MET
            review.review_ordered_on = self.decided_on if review.review_ordered else None

    class InformationShared(AuditedAggregate.Event):
        class_version = 1
        agency: str
        shared_on: date
        summary: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            review.information_shared.append(self)

    class DelayNotified(AuditedAggregate.Event):
        class_version = 1
        reason: TextRef
        new_target_date: date
        notified_on: date

        def apply(self, review: "CaseReview") -> None:
            review.delay_notices.append(self)

    class ReviewCompleted(AuditedAggregate.Event):
        class_version = 1
        completed_on: date
        recommendations: list[Recommendation]

        def apply(self, review: "CaseReview") -> None:
            review.reviews.append(self)
            review.review_done = True
            # Each recommendation becomes an action (RULES.md 13), its id derived from the round and index.
            for index, recommendation in enumerate(self.recommendations):
                action_id = recommendation_action_id(review.id, len(review.reviews), index)
                review.actions[action_id] = Action(
                    id=action_id, action=recommendation.action, agency=recommendation.agency,
                    due_date=recommendation.due_date, agreed_on=self.completed_on,
                )  # fmt: skip

    class OutcomeNotified(AuditedAggregate.Event):
        class_version = 1
        notified_on: date

        def apply(self, review: "CaseReview") -> None:
            review.outcome_notices.append(self)
            review.outcome_told = True
            review._track_closure(self.notified_on)

    class EscalationRequested(AuditedAggregate.Event):
        class_version = 1
        escalation_id: UUID
        requested_on: date
        reason: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            review.escalations[self.escalation_id] = {"requested": self, "decided": None}
            review._track_closure(self.requested_on)

    class EscalationDecided(AuditedAggregate.Event):
        class_version = 1
        escalation_id: UUID
        result: EscalationResult
        decided_on: date

        def apply(self, review: "CaseReview") -> None:
            review.escalations[self.escalation_id]["decided"] = self
            if self.result is EscalationResult.UPHELD:
                review._reopen(self.decided_on)
            review._track_closure(self.decided_on)

    # --- RULES.md section 13: the victim's part and the partnership's promises ----------------

    class InvolvementRecorded(AuditedAggregate.Event):
        """The applicant's part in the review as known now; a later record replaces it whole."""

        class_version = 1
        level: InvolvementLevel
        invited: bool | None  # None: not decided yet
        invitation_mode: InvitationMode | None  # only when invited
        attended: bool | None  # only when invited, once a review meeting was held; None: not known yet
        impact_statement: TextRef | None
        not_invited_reason: TextRef | None  # when, and only when, not invited

        def apply(self, review: "CaseReview") -> None:
            review.involvement = self

    class ReviewMeetingHeld(AuditedAggregate.Event):
        class_version = 1
        held_on: date
        chair: TextRef | None  # a name is personal data: kept as text owned by the applicant
        independent_chair: bool | None  # independent of the agencies involved; None: not said
        agencies_present: list[str]

        def apply(self, review: "CaseReview") -> None:
            review.meetings.append(self)

    class ActionDone(AuditedAggregate.Event):
        class_version = 1
        action_id: UUID
        done_on: date
        evidence: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            action = review.actions[self.action_id]
            review.actions[self.action_id] = replace(action, done_on=self.done_on, evidence=self.evidence)
            review._track_closure(self.done_on)

    class ActionDropped(AuditedAggregate.Event):
        class_version = 1
        action_id: UUID
        dropped_on: date
        reason: TextRef

        def apply(self, review: "CaseReview") -> None:
            action = review.actions[self.action_id]
            review.actions[self.action_id] = replace(action, dropped_on=self.dropped_on, drop_reason=self.reason)
            review._track_closure(self.dropped_on)

    class UpdateGiven(AuditedAggregate.Event):
        class_version = 1
        updated_on: date
        channel: ContactChannel
        summary: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            review.updates.append(self)

    class InformationRequested(AuditedAggregate.Event):
        class_version = 1
        request_id: UUID
        agency: str
        requested_on: date
        due_date: date
        question: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            review.information_requests[self.request_id] = InformationRequest(
                id=self.request_id, agency=self.agency, requested_on=self.requested_on, due_date=self.due_date,
                question=self.question,
            )  # fmt: skip

    class InformationRequestAnswered(AuditedAggregate.Event):
        class_version = 1
        request_id: UUID
        answered_on: date
        answer: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            request = review.information_requests[self.request_id]
            review.information_requests[self.request_id] = replace(
                request, answered_on=self.answered_on, answer=self.answer
            )

    class LetterSent(AuditedAggregate.Event):
        class_version = 1
        kind: LetterKind
        sent_on: date
        channel: ContactChannel
        template_version: str

        def apply(self, review: "CaseReview") -> None:
            review.letters.append(self)

    class PccReviewRequested(AuditedAggregate.Event):
        """The applicant asked the Police and Crime Commissioner to review (Crime and Policing Act 2026)."""

        class_version = 1
        pcc_review_id: UUID
        requested_on: date
        grounds: list[str]  # from the policy's pcc_review_grounds
        reason: TextRef | None
        late_acceptance_reason: TextRef | None  # why a late request was accepted; None when in time

        def apply(self, review: "CaseReview") -> None:
            review.pcc_reviews[self.pcc_review_id] = PccReview(
                requested=self,
                decided=None,
                told_on=review.outcome_notices[-1].notified_on,
                notice_number=len(review.outcome_notices),
            )
            review._track_closure(self.requested_on)

    class PccReviewDecided(AuditedAggregate.Event):
        class_version = 1
        pcc_review_id: UUID
        result: EscalationResult
        reasons: TextRef
        decided_on: date
        next_steps: list[Recommendation]  # what must happen next: only when upheld

        def apply(self, review: "CaseReview") -> None:
            pcc_review = review.pcc_reviews[self.pcc_review_id]
            review.pcc_reviews[self.pcc_review_id] = replace(pcc_review, decided=self)
            if self.result is EscalationResult.UPHELD:
                review._reopen(self.decided_on)
                for index, step in enumerate(self.next_steps):
                    action_id = next_step_action_id(review.id, self.pcc_review_id, index)
                    review.actions[action_id] = Action(
                        id=action_id, action=step.action, agency=step.agency, due_date=step.due_date,
                        agreed_on=self.decided_on, pcc_review_id=self.pcc_review_id,
                    )  # fmt: skip
            review._track_closure(self.decided_on)

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        route: Route
        applicant_id: UUID
        victim_id: UUID | None
        member_ids: tuple[UUID, ...]
        received_date: date
        channel: Channel
        dissatisfaction: Dissatisfaction
        complaint_ids: tuple[UUID, ...] | None
        acknowledged_on: date | None
        decision: ThresholdDecided | None
        information_shared: list[InformationShared]
        delay_notices: list[DelayNotified]
        reviews: list[ReviewCompleted]
        outcome_notices: list[OutcomeNotified]
        escalations: dict[UUID, dict[str, Any]]
        review_ordered: bool  # a `met` decision or an upheld escalation asks for a review
        review_ordered_on: date | None  # when the current round was asked for
        review_done: bool  # the review of the current round is complete
        outcome_told: bool  # the applicant has been told the outcome of the current round
        involvement: InvolvementRecorded | None  # the latest record
        meetings: list[ReviewMeetingHeld]
        actions: dict[UUID, Action]  # every round's recommendations and every upheld PCC review's next steps
        updates: list[UpdateGiven]
        information_requests: dict[UUID, InformationRequest]
        letters: list[LetterSent]
        pcc_reviews: dict[UUID, PccReview]
        closed_periods: list[tuple[date, date | None]]  # (closed on, reopened on or None), in order

    # --- reading -------------------------------------------------------------------------

    @property
    def open_escalation(self) -> "CaseReview.EscalationRequested | None":
        for escalation in self.escalations.values():
            if escalation["decided"] is None:
                return escalation["requested"]
        return None

    @property
    def open_pcc_review(self) -> "CaseReview.PccReviewRequested | None":
        for pcc_review in self.pcc_reviews.values():
            if pcc_review.decided is None:
                return pcc_review.requested
        return None

    @property
    def completion_on(self) -> date | None:
        """RULES.md section 14: completion (section 9) is the applicant being told the outcome: the notice
        of a 'not met' decision, or the outcome notice after a review. The first telling counts. It is when
        the application is finished for its deadline (section 8: `completed_in_time` or `completed_late`)."""
        return self.outcome_notices[0].notified_on if self.outcome_notices else None

    def current_due_date(self, review_due_date: date | None) -> date | None:
        """The date the applicant was last told to expect the review by: the latest delay notice's new
        target, or, before any notice, the review's due date under the policy (RULES.md sections 8, 14);
        the later of the two where a notice recorded without the policy's date set an earlier target.

        Every notice counts, a late one too: it told the applicant a date, and a next notice that did not
        move past that date would be no delay at all.
        """
        targets = [d for d in (review_due_date, *(n.new_target_date for n in self.delay_notices[-1:])) if d is not None]
        return max(targets, default=None)

    @property
    def open_actions(self) -> tuple[Action, ...]:
        """Actions neither done nor dropped, whatever their due date."""
        return tuple(action for action in self.actions.values() if action.is_open)

    @property
    def closed_on(self) -> date | None:
        """When the case was closed, while it is (status `closed`); None while it is open or reopened."""
        if self.closed_periods and self.closed_periods[-1][1] is None:
            return self.closed_periods[-1][0]
        return None

    @property
    def completed_on(self) -> date | None:
        """The date the review finished, for the deadline: the first completion counts."""
        return self.reviews[0].completed_on if self.reviews else None

    @property
    def status(self) -> CaseStatus:
        if self.open_escalation is not None or self.open_pcc_review is not None:
            return CaseStatus.ESCALATED
        if self.outcome_told:
            # RULES.md 13: not closed while any action is open, though the applicant was told the outcome.
            return CaseStatus.ACTIONS_OPEN if self.open_actions else CaseStatus.CLOSED
        if self.review_done:
            return CaseStatus.REVIEW_COMPLETED
        if self.review_ordered:
            return CaseStatus.UNDER_REVIEW
        if self.decision is not None:
            return CaseStatus.THRESHOLD_NOT_MET
        if self.acknowledged_on is not None:
            return CaseStatus.ACKNOWLEDGED
        return CaseStatus.RECEIVED

    @property
    def victims(self) -> tuple[UUID, ...]:
        """Whose complaints the application rests on: its victim, or its group's members."""
        return (self.victim_id,) if self.victim_id else tuple(self.member_ids)

    @property
    def people(self) -> tuple[UUID, ...]:
        """Everyone the application is about, applicant first."""
        named = [self.applicant_id, *([self.victim_id] if self.victim_id else []), *self.member_ids]
        return tuple(dict.fromkeys(named))

    # --- commands ------------------------------------------------------------------------

    @classmethod
    def request(
        cls,
        *,
        route: Route,
        applicant_id: UUID,
        victim_id: UUID | None,
        member_ids: list[UUID],
        received_date: date,
        channel: Channel,
        dissatisfaction: Dissatisfaction,
        complaint_ids: list[UUID] | None,
        actor: Actor,
        recorded_at: datetime,
        id: UUID | None = None,
    ) -> "CaseReview":
        require_not_future(received_date, "received_date", recorded_at)
        if route is Route.INDIVIDUAL:
            if victim_id is None:
                raise InvalidFact("an individual application names its victim", field="victim_id")
            if member_ids:
                raise InvalidFact("only a group application has members", field="member_ids")
        else:
            if not member_ids:
                raise InvalidFact("a group application names its members", field="member_ids")
            if victim_id is not None:
                raise InvalidFact("a group application names members, not a victim", field="victim_id")
        if len(set(member_ids)) != len(member_ids):
            raise InvalidFact("a member is named twice", field="member_ids")
        if complaint_ids is not None and len(set(complaint_ids)) != len(complaint_ids):
            raise InvalidFact("a complaint is named twice", field="complaint_ids")
        return cls._start(
            cls.Requested, id=id, recorded_at=recorded_at, route=route, applicant_id=applicant_id,
            victim_id=victim_id, member_ids=list(member_ids), received_date=received_date, channel=channel,
            dissatisfaction=dissatisfaction, complaint_ids=None if complaint_ids is None else list(complaint_ids),
            actor=actor,
        )  # fmt: skip

    def acknowledge(self, *, acknowledged_on: date, actor: Actor, recorded_at: datetime) -> None:
        if self.acknowledged_on is not None:
            raise RuleBroken(f"the application was already acknowledged on {self.acknowledged_on.isoformat()}")
        self._check_date(acknowledged_on, "acknowledged_on", recorded_at)
        self._record(self.Acknowledged, recorded_at=recorded_at, acknowledged_on=acknowledged_on, actor=actor)

    def decide_threshold(
        self,
        *,
        decision: Decision,
        grounds: DiscretionGrounds | None,
        reason: TextRef | None,
        decided_on: date,
        assessment: dict[str, Any] | None,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record the threshold decision beside the assessment it rested on.

        `assessment` is the automatic assessment as known now (its `verdict` is met, not_met or
        pending); None where none could be made, and then no rule on discretion applies. The law requires a review when it is met (s.104(4)); deciding met against it
        is discretion (s.104(5)) and needs grounds and a written reason. Discretion covers the
        incidents, never consent: 'met' against a pending assessment is refused (RULES.md 14).
        """
        if self.decision is not None:
            raise RuleBroken(f"the threshold was already decided on {self.decision.decided_on.isoformat()}")
        self._check_date(decided_on, "decided_on", recorded_at)
        verdict = None if assessment is None else assessment["verdict"]
        if decision is Decision.NOT_MET:
            if verdict == "met":
                raise RuleBroken("the assessment is met: the law requires a review (s.104(4)), so 'not met' is refused")
            if grounds is not None:
                raise InvalidFact("grounds are for deciding 'met' against the assessment", field="grounds")
        elif verdict == "pending":
            missing = [r for r in (assessment or {}).get("reasons", ()) if str(r).endswith("consent_missing")]
            raise RuleBroken(
                f"the assessment is pending: consent is missing ({', '.join(map(str, missing)) or 'consent_missing'}); "
                "discretion covers the incidents, never consent (RULES.md 14): record the consent and decide "
                "again, or decide 'not met'",
                field="decision",
            )
        elif verdict == "not_met":
            if grounds is None:
                raise InvalidFact(
                    "deciding 'met' when the assessment is not met is discretion (s.104(5)): give grounds "
                    "(persistence, harm or adequacy)",
                    field="grounds",
                )
            if reason is None:
                raise InvalidFact("a discretionary decision needs a written reason", field="reason")
        elif verdict == "met" and grounds is not None:
            raise InvalidFact("the assessment is met: no discretion is needed, leave grounds out", field="grounds")
        self._record(
            self.ThresholdDecided, recorded_at=recorded_at, decision=decision, grounds=grounds, reason=reason,
            decided_on=decided_on, assessment=assessment, actor=actor,
        )  # fmt: skip

    def share_information(
        self, *, agency: str, shared_on: date, summary: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        self._require_review_in_progress("information is shared")
        require_agency_slug(agency)
        self._check_date(shared_on, "shared_on", recorded_at)
        require_not_before(shared_on, self.decision.decided_on, "shared_on", "the threshold decision")
        self._record(
            self.InformationShared,
            recorded_at=recorded_at,
            agency=agency,
            shared_on=shared_on,
            summary=summary,
            actor=actor,
        )

    def complete_review(
        self, *, completed_on: date, recommendations: list[Recommendation], actor: Actor, recorded_at: datetime
    ) -> None:
        self._require_review_in_progress("a review is completed")
        self._check_date(completed_on, "completed_on", recorded_at)
        require_not_before(completed_on, self.decision.decided_on, "completed_on", "the threshold decision")
        for index, recommendation in enumerate(recommendations):
            require_agency_slug(recommendation.agency, field=f"recommendations[{index}].agency")
            if recommendation.due_date is not None:
                require_not_before(
                    recommendation.due_date, completed_on, f"recommendations[{index}].due_date", "completed_on"
                )
        self._record(
            self.ReviewCompleted, recorded_at=recorded_at, completed_on=completed_on,
            recommendations=list(recommendations), actor=actor,
        )  # fmt: skip

    def notify_delay(
        self,
        *,
        reason: TextRef,
        new_target_date: date,
        notified_on: date,
        actor: Actor,
        recorded_at: datetime,
        review_due_date: date | None = None,
    ) -> None:
        """Tell the applicant the review will not finish by the date they were last given.

        `review_due_date` is the review's due date under the application's policy (RULES.md 8), which
        the caller works out; the new target must be after the current due date (`current_due_date`):
        that one, or the latest notice's new target. None skips the comparison with the policy's due
        date (only callers not yet passing it); later notices are still compared with earlier targets.
        A notice dated after the due date is recorded, but the deadline stays overdue (calendar.deadline_state).
        """
        if self.completion_on is not None:
            raise RuleBroken(
                f"the applicant was told the outcome on {self.completion_on.isoformat()}: "
                "a delay notice comes before that (RULES.md 14)"
            )
        self._check_date(notified_on, "notified_on", recorded_at)
        if self.delay_notices:
            require_not_before(notified_on, self.delay_notices[-1].notified_on, "notified_on", "the last delay notice")
        if new_target_date <= notified_on:
            raise InvalidFact("new_target_date must be after notified_on", field="new_target_date")
        current_due = self.current_due_date(review_due_date)
        if current_due is not None and new_target_date <= current_due:
            raise InvalidFact(
                f"new_target_date {new_target_date.isoformat()} must be after the current due date "
                f"{current_due.isoformat()}",
                field="new_target_date",
            )
        self._record(
            self.DelayNotified, recorded_at=recorded_at, reason=reason, new_target_date=new_target_date,
            notified_on=notified_on, actor=actor,
        )  # fmt: skip

    def notify_outcome(self, *, notified_on: date, actor: Actor, recorded_at: datetime) -> None:
        if self.decision is None:
            raise RuleBroken("the applicant is told the outcome after the threshold decision")
        if self.outcome_told:
            raise RuleBroken("the applicant was already told the outcome")
        if self.review_ordered and not self.review_done:
            raise RuleBroken("the review is not complete yet: the outcome follows the review")
        self._check_date(notified_on, "notified_on", recorded_at)
        last_step = self.reviews[-1].completed_on if self.review_ordered else self.decision.decided_on
        require_not_before(notified_on, last_step, "notified_on", "the decision it reports")
        if self.completion_on is None and self.delay_notices:
            # The first telling is completion, and delay notices come before it (RULES.md 14), in either order of recording.
            require_not_before(notified_on, self.delay_notices[-1].notified_on, "notified_on", "the last delay notice")
        self._record(self.OutcomeNotified, recorded_at=recorded_at, notified_on=notified_on, actor=actor)

    def request_escalation(
        self, *, escalation_id: UUID, requested_on: date, reason: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        if self.decision is None:
            raise RuleBroken("an escalation follows the threshold decision or the outcome")
        if self.open_escalation is not None:
            raise RuleBroken("an escalation is already open for this application")
        if self.open_pcc_review is not None:
            raise RuleBroken("a review by the Police and Crime Commissioner is open for this application")
        if escalation_id in self.escalations:
            raise RuleBroken("that escalation id is already used")
        self._check_date(requested_on, "requested_on", recorded_at)
        require_not_before(requested_on, self.decision.decided_on, "requested_on", "the threshold decision")
        self._record(
            self.EscalationRequested, recorded_at=recorded_at, escalation_id=escalation_id,
            requested_on=requested_on, reason=reason, actor=actor,
        )  # fmt: skip

    def decide_escalation(
        self, *, escalation_id: UUID, result: EscalationResult, decided_on: date, actor: Actor, recorded_at: datetime
    ) -> None:
        escalation = self.escalations.get(escalation_id)
        if escalation is None:
            raise RuleBroken("no such escalation on this application")
        if escalation["decided"] is not None:
            raise RuleBroken("that escalation was already decided")
        self._check_date(decided_on, "decided_on", recorded_at)
        require_not_before(decided_on, escalation["requested"].requested_on, "decided_on", "requested_on")
        self._record(
            self.EscalationDecided, recorded_at=recorded_at, escalation_id=escalation_id, result=result,
            decided_on=decided_on, actor=actor,
        )  # fmt: skip

    # --- RULES.md section 13 --------------------------------------------------------------

    def record_involvement(
        self,
        *,
        level: InvolvementLevel,
        invited: bool | None,
        invitation_mode: InvitationMode | None,
        attended: bool | None,
        impact_statement: TextRef | None,
        not_invited_reason: TextRef | None,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record the applicant's part as now known; it may be recorded again, and the latest record stands.

        The level may be chosen any time (often on the application form); an invitation concerns a
        review meeting, so it needs a review to have been ordered. How the applicant was invited and
        whether they attended may be recorded when known, in any order with the meeting itself.
        """
        if invited is True:
            if not_invited_reason is not None:
                raise InvalidFact("the applicant was invited: no reason for not inviting", field="not_invited_reason")
        elif invited is False:
            if invitation_mode is not None:
                raise InvalidFact("an invitation mode only when the applicant was invited", field="invitation_mode")
            if attended is True:
                raise InvalidFact("the applicant was not invited, so did not attend", field="attended")
            if not_invited_reason is None:
                raise InvalidFact("give the reason the applicant was not invited", field="not_invited_reason")
        elif not_invited_reason is not None:
            raise InvalidFact("a reason for not inviting only when invited is false", field="not_invited_reason")
        if (invited is not None or invitation_mode is not None or attended is not None) and (
            self.review_ordered_on is None
        ):
            raise RuleBroken("the review meeting follows a 'met' decision: no invitation or attendance before one")
        self._record(
            self.InvolvementRecorded, recorded_at=recorded_at, level=level, invited=invited,
            invitation_mode=invitation_mode, attended=attended, impact_statement=impact_statement,
            not_invited_reason=not_invited_reason, actor=actor,
        )  # fmt: skip

    def hold_review_meeting(
        self,
        *,
        held_on: date,
        chair: TextRef | None,
        independent_chair: bool | None,
        agencies_present: list[str],
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record a review meeting (stage `review_meeting_held`); a round may need more than one."""
        self._require_review_in_progress("a review meeting is held")
        self._check_date(held_on, "held_on", recorded_at)
        require_not_before(held_on, self.review_ordered_on, "held_on", "the decision that ordered the review")
        for index, agency in enumerate(agencies_present):
            require_agency_slug(agency, field=f"agencies_present[{index}]")
        if len(set(agencies_present)) != len(agencies_present):
            raise InvalidFact("an agency is named twice", field="agencies_present")
        self._record(
            self.ReviewMeetingHeld, recorded_at=recorded_at, held_on=held_on, chair=chair,
            independent_chair=independent_chair, agencies_present=list(agencies_present), actor=actor,
        )  # fmt: skip

    def mark_action_done(
        self, *, action_id: UUID, done_on: date, evidence: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        """The owning agency (or a coordinator) marks an action done (RULES.md 13); NotPermitted for anyone else."""
        action = self._open_action(action_id)
        if not (actor.role is Role.COORDINATOR or (actor.role is Role.AGENCY and actor.agency == action.agency)):
            raise NotPermitted(f"only {action.agency} (the owning agency) or a coordinator marks this action done")
        self._check_date(done_on, "done_on", recorded_at)
        require_not_before(done_on, action.agreed_on, "done_on", "the day the action was agreed")
        self._record(
            self.ActionDone, recorded_at=recorded_at, action_id=action_id, done_on=done_on, evidence=evidence,
            actor=actor,
        )  # fmt: skip

    def drop_action(
        self, *, action_id: UUID, dropped_on: date, reason: TextRef, actor: Actor, recorded_at: datetime
    ) -> None:
        """Only a coordinator drops an action, with a reason (RULES.md 13); NotPermitted for anyone else."""
        action = self._open_action(action_id)
        if actor.role is not Role.COORDINATOR:
            raise NotPermitted("only a coordinator drops an action")
        self._check_date(dropped_on, "dropped_on", recorded_at)
        require_not_before(dropped_on, action.agreed_on, "dropped_on", "the day the action was agreed")
        self._record(
            self.ActionDropped, recorded_at=recorded_at, action_id=action_id, dropped_on=dropped_on, reason=reason,
            actor=actor,
        )  # fmt: skip

    def give_update(
        self, *, updated_on: date, channel: ContactChannel, summary: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        """Record an update to the applicant. Any update is a fact worth keeping; only those from the threshold
        decision on count towards the updates owed (domain.promises.next_update_due)."""
        self._check_date(updated_on, "updated_on", recorded_at)
        self._record(
            self.UpdateGiven, recorded_at=recorded_at, updated_on=updated_on, channel=channel, summary=summary,
            actor=actor,
        )  # fmt: skip

    def request_information(
        self,
        *,
        request_id: UUID,
        agency: str,
        requested_on: date,
        due_date: date,
        question: TextRef | None,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """The coordinator asks an agency for information by a due date (Schedule 4), until the applicant is told
        the outcome; information may be asked for before the threshold decision too (stage `information_requested`)."""
        if actor.role is not Role.COORDINATOR:
            raise NotPermitted("only a coordinator asks an agency for information")
        if self.outcome_told:
            raise RuleBroken("the applicant was told the outcome: information is asked for before that")
        if request_id in self.information_requests:
            raise RuleBroken("that information request id is already used")
        require_agency_slug(agency)
        self._check_date(requested_on, "requested_on", recorded_at)
        require_not_before(due_date, requested_on, "due_date", "requested_on")
        self._record(
            self.InformationRequested, recorded_at=recorded_at, request_id=request_id, agency=agency,
            requested_on=requested_on, due_date=due_date, question=question, actor=actor,
        )  # fmt: skip

    def answer_information_request(
        self, *, request_id: UUID, answered_on: date, answer: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        """The agency asked (or a coordinator for it) answers, once; NotPermitted for any other agency."""
        request = self.information_requests.get(request_id)
        if request is None:
            raise RuleBroken("no such information request on this application")
        if not (actor.role is Role.COORDINATOR or (actor.role is Role.AGENCY and actor.agency == request.agency)):
            raise NotPermitted(f"only {request.agency} (the agency asked) or a coordinator answers this request")
        if request.answered_on is not None:
            raise RuleBroken(f"that information request was already answered on {request.answered_on.isoformat()}")
        self._check_date(answered_on, "answered_on", recorded_at)
        require_not_before(answered_on, request.requested_on, "answered_on", "requested_on")
        self._record(
            self.InformationRequestAnswered, recorded_at=recorded_at, request_id=request_id, answered_on=answered_on,
            answer=answer, actor=actor,
        )  # fmt: skip

    def record_letter_sent(
        self,
        *,
        kind: LetterKind,
        sent_on: date,
        channel: ContactChannel,
        template_version: str,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """Record that a letter rendered from a template version was sent; each follows the step it reports."""
        if not template_version.strip():
            raise InvalidFact("name the template version the letter was rendered from", field="template_version")
        step_on = self.letter_step_on(kind)
        self._check_date(sent_on, "sent_on", recorded_at)
        require_not_before(sent_on, step_on, "sent_on", f"the step the {kind.value} letter reports")
        self._record(
            self.LetterSent, recorded_at=recorded_at, kind=kind, sent_on=sent_on, channel=channel,
            template_version=template_version.strip(), actor=actor,
        )  # fmt: skip

    def request_pcc_review(
        self,
        *,
        pcc_review_id: UUID,
        requested_on: date,
        grounds: list[str],
        reason: TextRef | None,
        late_acceptance_reason: TextRef | None,
        allowed_grounds: Collection[str],
        calendar: WorkingCalendar,
        request_within_working_days: int,
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """The applicant asks the Police and Crime Commissioner to review a 'not met' decision or an outcome they
        were told (RULES.md 13), within `request_within_working_days` working days of being told (the policy's
        pcc_request_within_working_days, counted in its `calendar`), on the policy's grounds (`allowed_grounds`).

        A late request is refused (RuleBroken, field requested_on) unless `late_acceptance_reason` records why the
        coordinator accepts it; an in-time request takes none.
        """
        if self.decision is None:
            raise RuleBroken("a PCC review follows a threshold decision the applicant was told, or an outcome")
        if not self.outcome_told:
            raise RuleBroken(
                "the applicant has not been told the decision or the outcome yet: a PCC review follows that"
            )
        if self.open_escalation is not None or self.open_pcc_review is not None:
            raise RuleBroken("an escalation or a PCC review is already open for this application")
        if pcc_review_id in self.pcc_reviews:
            raise RuleBroken("that PCC review id is already used")
        told_on = self.outcome_notices[-1].notified_on
        if any(p.notice_number == len(self.outcome_notices) for p in self.pcc_reviews.values()):
            raise RuleBroken(
                f"the PCC was already asked to review what the applicant was told on {told_on.isoformat()}"
            )
        if not grounds:
            raise InvalidFact("give at least one ground for the PCC review", field="grounds")
        for index, ground in enumerate(grounds):
            if ground not in allowed_grounds:
                raise InvalidFact(
                    f"{ground!r} is not a ground of the policy (one of: {', '.join(sorted(allowed_grounds))})",
                    field=f"grounds[{index}]",
                )
        if len(set(grounds)) != len(grounds):
            raise InvalidFact("a ground is named twice", field="grounds")
        self._check_date(requested_on, "requested_on", recorded_at)
        require_not_before(requested_on, told_on, "requested_on", "the day the applicant was told")
        last_day = pcc_request_last_day(calendar, told_on, request_within_working_days)
        if requested_on > last_day and late_acceptance_reason is None:
            raise RuleBroken(
                f"requested_on {requested_on.isoformat()} is late: a PCC review is asked for within "
                f"{request_within_working_days} working days of being told (by {last_day.isoformat()}); the "
                "coordinator may accept it by recording why (late_acceptance_reason)",
                field="requested_on",
            )
        if requested_on <= last_day and late_acceptance_reason is not None:
            raise InvalidFact(
                f"the request is in time (by {last_day.isoformat()}): no reason for accepting it late",
                field="late_acceptance_reason",
            )
        self._record(
            self.PccReviewRequested, recorded_at=recorded_at, pcc_review_id=pcc_review_id, requested_on=requested_on,
            grounds=list(grounds), reason=reason, late_acceptance_reason=late_acceptance_reason, actor=actor,
        )  # fmt: skip

    def decide_pcc_review(
        self,
        *,
        pcc_review_id: UUID,
        result: EscalationResult,
        reasons: TextRef,
        decided_on: date,
        next_steps: list[Recommendation],
        actor: Actor,
        recorded_at: datetime,
    ) -> None:
        """The PCC's result, with reasons; `upheld` sends the case back to review, like an upheld escalation, and may
        say what must happen next (each step an action with an owning agency and a due date)."""
        pcc_review = self.pcc_reviews.get(pcc_review_id)
        if pcc_review is None:
            raise RuleBroken("no such PCC review on this application")
        if pcc_review.decided is not None:
            raise RuleBroken("that PCC review was already decided")
        self._check_date(decided_on, "decided_on", recorded_at)
        require_not_before(decided_on, pcc_review.requested.requested_on, "decided_on", "requested_on")
        if result is EscalationResult.NOT_UPHELD and next_steps:
            raise InvalidFact("next steps only when the PCC review is upheld", field="next_steps")
        for index, step in enumerate(next_steps):
            require_agency_slug(step.agency, field=f"next_steps[{index}].agency")
            if step.due_date is not None:  # without one, like a recommendation without one: never overdue
                require_not_before(step.due_date, decided_on, f"next_steps[{index}].due_date", "decided_on")
        self._record(
            self.PccReviewDecided, recorded_at=recorded_at, pcc_review_id=pcc_review_id, result=result,
            reasons=reasons, decided_on=decided_on, next_steps=list(next_steps), actor=actor,
        )  # fmt: skip

    # --- state kept by the events ----------------------------------------------------------

    def _reopen(self, on: date) -> None:
        """An upheld appeal: back to review, a new round of review and outcome, whatever the first decision was."""
        self.review_ordered = True
        self.review_ordered_on = on
        self.review_done = False
        self.outcome_told = False

    def _track_closure(self, on: date) -> None:
        """Note when the case becomes closed or stops being closed, for the updates owed to the applicant.

        It closes on the last of the steps closing needs (the outcome notice, each action done or
        dropped), whichever event was recorded last; it reopens on the day of the event reopening it.
        """
        was_closed = bool(self.closed_periods) and self.closed_periods[-1][1] is None
        closed = self.status is CaseStatus.CLOSED
        if closed and not was_closed:
            steps = [on, *(notice.notified_on for notice in self.outcome_notices)]
            steps += [action.done_on or action.dropped_on for action in self.actions.values()]
            self.closed_periods.append((max(d for d in steps if d is not None), None))
        elif was_closed and not closed:
            closed_on = self.closed_periods[-1][0]
            self.closed_periods[-1] = (closed_on, max(on, closed_on))

    # --- checks --------------------------------------------------------------------------

    def _check_date(self, value: date, field: str, recorded_at: datetime) -> None:
        require_not_future(value, field, recorded_at)
        require_not_before(value, self.received_date, field, "received_date")

    def _open_action(self, action_id: UUID) -> Action:
        action = self.actions.get(action_id)
        if action is None:
            raise RuleBroken("no such action on this application")
        if action.done_on is not None:
            raise RuleBroken(f"that action was already done on {action.done_on.isoformat()}")
        if action.dropped_on is not None:
            raise RuleBroken(f"that action was already dropped on {action.dropped_on.isoformat()}")
        return action

    def letter_step_on(self, kind: LetterKind) -> date:
        """The date of the step a letter of `kind` reports; RuleBroken (409) when it has not happened."""
        if kind is LetterKind.ACKNOWLEDGEMENT:
            if self.acknowledged_on is None:
                raise RuleBroken("the application is not acknowledged yet: no acknowledgement letter")
            return self.acknowledged_on
        if kind is LetterKind.THRESHOLD_DECISION:
            if self.decision is None:
                raise RuleBroken("the threshold is not decided yet: no threshold decision letter")
            return self.decision.decided_on
        if kind is LetterKind.DELAY:
            if not self.delay_notices:
                raise RuleBroken("no delay notice is recorded: no delay letter")
            return self.delay_notices[-1].notified_on
        if not self.reviews:
            raise RuleBroken(
                "no review is complete: no outcome letter (a 'not met' decision is told by the threshold decision letter)"
            )
        return self.reviews[-1].completed_on

    def _require_review_in_progress(self, what: str) -> None:
        if not self.review_ordered:
            raise RuleBroken(f"no review before a 'met' threshold decision: {what} only after one")
        if self.review_done:
            raise RuleBroken(f"the review is already complete: {what} only while it is in progress")
