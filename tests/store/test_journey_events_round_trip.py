"""Section 13's case review events survive the event store's transcoding and replay to the same state.

No database: the store's own mapper and transcoder (store/transcodings.py, store/personal_data.py), as the application builds them,
encode each event and decode it back; the decoded events rebuild the aggregate.
"""

from datetime import UTC, date, datetime
from uuid import uuid4

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

from domain.actor import Actor
from domain.calendar import WorkingCalendar
from domain.case_reviews import CaseReview, Recommendation
from domain.people import TextRef
from domain.vocabulary import (
    Channel,
    ContactChannel,
    Decision,
    Dissatisfaction,
    EscalationResult,
    InvitationMode,
    InvolvementLevel,
    LetterKind,
    Role,
    Route,
)
from store.personal_data import PersonalDataMapper
from store.transcodings import DomainTranscoder, register_transcodings

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
COORDINATOR = Actor(key_id="coord", role=Role.COORDINATOR)
POLICE = Actor(key_id="police", role=Role.AGENCY, agency="hampshire-constabulary")


def mapper() -> PersonalDataMapper:
    transcoder = DomainTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # the library's, as the application adds them
        transcoder.register(transcoding)
    register_transcodings(transcoder)
    return PersonalDataMapper(transcoder=transcoder, personal_keys=None)  # case events hold no personal fields


def text() -> TextRef:
    return TextRef(person_id=uuid4(), text_id=uuid4())


def every_new_event() -> CaseReview:
    applicant = uuid4()
    review = CaseReview.request(
        route=Route.INDIVIDUAL, applicant_id=applicant, victim_id=applicant, member_ids=[], received_date=date(2026, 11, 30),
        channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None, actor=COORDINATOR,
        recorded_at=NOW,
    )  # fmt: skip
    a = dict(actor=COORDINATOR, recorded_at=NOW)
    review.record_involvement(level=InvolvementLevel.ATTEND, invited=None, invitation_mode=None, attended=None,
                              impact_statement=text(), not_invited_reason=None, **a)  # fmt: skip
    request_id = uuid4()
    review.request_information(request_id=request_id, agency="hampshire-constabulary", requested_on=date(2026, 12, 1),
                               due_date=date(2026, 12, 15), question=text(), **a)  # fmt: skip
    review.answer_information_request(request_id=request_id, answered_on=date(2026, 12, 14), answer=None,
                                      actor=POLICE, recorded_at=NOW)  # fmt: skip
    review.decide_threshold(decision=Decision.NOT_MET, grounds=None, reason=None, decided_on=date(2026, 12, 2),
                            assessment={"verdict": "not_met", "reasons": ["too_few_incidents"]}, **a)  # fmt: skip
    review.give_update(updated_on=date(2026, 12, 3), channel=ContactChannel.PHONE, summary=text(), **a)
    review.record_letter_sent(kind=LetterKind.THRESHOLD_DECISION, sent_on=date(2026, 12, 3),
                              channel=ContactChannel.LETTER, template_version="havant-2026-1", **a)  # fmt: skip
    review.notify_outcome(notified_on=date(2026, 12, 3), **a)
    pcc_id = uuid4()
    review.request_pcc_review(pcc_review_id=pcc_id, requested_on=date(2026, 12, 10),
                              grounds=["threshold_wrongly_applied", "procedure_not_followed"], reason=text(),
                              late_acceptance_reason=None, allowed_grounds={"threshold_wrongly_applied", "procedure_not_followed"},
                              calendar=WorkingCalendar("GB", "ENG"), request_within_working_days=20, **a)  # fmt: skip
    step = Recommendation(action=text(), agency="havant-borough-council", due_date=date(2027, 2, 26))
    review.decide_pcc_review(pcc_review_id=pcc_id, result=EscalationResult.UPHELD, reasons=text(),
                             decided_on=date(2027, 1, 8), next_steps=[step], **a)  # fmt: skip
    review.record_involvement(level=InvolvementLevel.ATTEND, invited=True, invitation_mode=InvitationMode.ONLINE,
                              attended=None, impact_statement=None, not_invited_reason=None, **a)  # fmt: skip
    review.hold_review_meeting(held_on=date(2027, 1, 20), chair=text(), independent_chair=True,
                               agencies_present=["havant-borough-council", "hampshire-constabulary"], **a)  # fmt: skip
    review.complete_review(completed_on=date(2027, 1, 22), recommendations=[
        Recommendation(action=text(), agency="hampshire-constabulary", due_date=date(2027, 2, 19)),
        Recommendation(action=text(), agency="vivid-homes", due_date=None),
    ], **a)  # fmt: skip
    review.notify_outcome(notified_on=date(2027, 1, 25), **a)
    first, second, third = review.actions
    review.mark_action_done(action_id=first, done_on=date(2027, 2, 1), evidence=text(), **a)
    review.mark_action_done(action_id=second, done_on=date(2027, 2, 2), evidence=None, actor=POLICE, recorded_at=NOW)
    review.drop_action(action_id=third, dropped_on=date(2027, 2, 3), reason=text(), **a)
    return review


def test_rules_13_events_round_trip_through_the_store_s_mapper_and_replay_to_the_same_case():
    review = every_new_event()
    events = review.collect_events()
    store = mapper()
    decoded = [store.to_domain_event(store.to_stored_event(event)) for event in events]
    assert [type(e) for e in decoded] == [type(e) for e in events]
    for before, after in zip(events, decoded, strict=True):
        assert vars(after) == vars(before), type(before).__name__
    replayed = None
    for event in decoded:
        replayed = event.mutate(replayed)
    for name in ("status", "actions", "closed_periods", "information_requests", "updates", "letters", "meetings"):
        assert getattr(replayed, name) == getattr(review, name), name
    assert replayed.involvement == review.involvement and replayed.pcc_reviews == review.pcc_reviews
    assert replayed.status.value == "closed" and len(replayed.actions) == 3
