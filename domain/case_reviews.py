"""An application for an ASB case review (the Community Trigger) and its lifecycle (RULES.md section 9).

received -> (acknowledged) -> threshold decided -> if met: information shared, review completed,
applicant told the outcome -> closed; if not met: applicant told -> closed. A delay notice may come
at any point before completion; an escalation may follow the decision or the outcome, and an upheld
one sends the case back to review.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.actor import Actor
from domain.audited import AuditedAggregate, require_not_before, require_not_future
from domain.complaints import require_agency_slug
from domain.errors import InvalidFact, RuleBroken
from domain.people import TextRef
from domain.vocabulary import (
    CaseStatus,
    Channel,
    Decision,
    DiscretionGrounds,
    Dissatisfaction,
    EscalationResult,
    Route,
)


@dataclass(frozen=True)
class Recommendation:
    action: TextRef
    agency: str
    due_date: date | None


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
            review.review_done = False
            review.outcome_told = False

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

    class OutcomeNotified(AuditedAggregate.Event):
        class_version = 1
        notified_on: date

        def apply(self, review: "CaseReview") -> None:
            review.outcome_notices.append(self)
            review.outcome_told = True

    class EscalationRequested(AuditedAggregate.Event):
        class_version = 1
        escalation_id: UUID
        requested_on: date
        reason: TextRef | None

        def apply(self, review: "CaseReview") -> None:
            review.escalations[self.escalation_id] = {"requested": self, "decided": None}

    class EscalationDecided(AuditedAggregate.Event):
        class_version = 1
        escalation_id: UUID
        result: EscalationResult
        decided_on: date

        def apply(self, review: "CaseReview") -> None:
            review.escalations[self.escalation_id]["decided"] = self
            if self.result is EscalationResult.UPHELD:
                # Back to review: a new round of review and outcome, whatever the first decision was.
                review.review_ordered = True
                review.review_done = False
                review.outcome_told = False

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
        review_done: bool  # the review of the current round is complete
        outcome_told: bool  # the applicant has been told the outcome of the current round

    # --- reading -------------------------------------------------------------------------

    @property
    def open_escalation(self) -> "CaseReview.EscalationRequested | None":
        for escalation in self.escalations.values():
            if escalation["decided"] is None:
                return escalation["requested"]
        return None

    @property
    def completed_on(self) -> date | None:
        """The date the review finished, for the deadline: the first completion counts."""
        return self.reviews[0].completed_on if self.reviews else None

    @property
    def finished_on(self) -> date | None:
        """When the application was dealt with, for its deadline: the review's completion, or,
        when the threshold was not met, the day the applicant was told."""
        if self.reviews:
            return self.reviews[0].completed_on
        if self.decision is not None and self.decision.decision is Decision.NOT_MET and self.outcome_notices:
            return self.outcome_notices[0].notified_on
        return None

    @property
    def status(self) -> CaseStatus:
        if self.open_escalation is not None:
            return CaseStatus.ESCALATED
        if self.outcome_told:
            return CaseStatus.CLOSED
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
        is discretion (s.104(5)) and needs grounds and a written reason.
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
        elif verdict in ("not_met", "pending"):
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
        self, *, reason: TextRef, new_target_date: date, notified_on: date, actor: Actor, recorded_at: datetime
    ) -> None:
        if self.reviews or (self.decision is not None and not self.review_ordered):
            raise RuleBroken("a delay notice comes before the review is complete")
        self._check_date(notified_on, "notified_on", recorded_at)
        if new_target_date <= notified_on:
            raise InvalidFact("new_target_date must be after notified_on", field="new_target_date")
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
        self._record(self.OutcomeNotified, recorded_at=recorded_at, notified_on=notified_on, actor=actor)

    def request_escalation(
        self, *, escalation_id: UUID, requested_on: date, reason: TextRef | None, actor: Actor, recorded_at: datetime
    ) -> None:
        if self.decision is None:
            raise RuleBroken("an escalation follows the threshold decision or the outcome")
        if self.open_escalation is not None:
            raise RuleBroken("an escalation is already open for this application")
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

    # --- checks --------------------------------------------------------------------------

    def _check_date(self, value: date, field: str, recorded_at: datetime) -> None:
        require_not_future(value, field, recorded_at)
        require_not_before(value, self.received_date, field, "received_date")

    def _require_review_in_progress(self, what: str) -> None:
        if not self.review_ordered:
            raise RuleBroken(f"no review before a 'met' threshold decision: {what} only after one")
        if self.review_done:
            raise RuleBroken(f"the review is already complete: {what} only while it is in progress")
