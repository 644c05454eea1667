"""The handlers of RULES.md section 13's commands (service/journey.py): who may act on what, free text in the
applicant's own stream (so erasure covers it), the policy's terms, and letters built from the record."""

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from demo.loader import COORDINATOR, PCC, agency_actor
from domain.actor import Actor
from domain.errors import NotPermitted, RuleBroken
from domain.people import ERASED, Contact, ErasureReason
from domain.policy import HAVANT_POLICY
from domain.vocabulary import (
    Channel,
    ContactChannel,
    Decision,
    Dissatisfaction,
    EscalationResult,
    LetterKind,
    Role,
    Route,
)
from service import commands as c
from service.case_letters import letter_context, render_letter
from service.errors import Forbidden, NotFound
from service.journey import template_ref
from service.letters import render_html
from service.promise_terms import HAVANT_PCC_REVIEW_GROUNDS, terms_of
from tests.conftest import without_assessment

AT = datetime(2026, 11, 2, 10, tzinfo=UTC)
POLICE = "hampshire-constabulary"


def on(day: int) -> datetime:
    return AT.replace(day=day)


def told_case(casework, name: str = "Service Case") -> tuple:
    """Received Mon 2 Nov 2026, decided met on 3 Nov (no assessment needed here), reviewed on 12 Nov with one
    action for the police due 20 Nov, applicant told on 13 Nov."""
    person = casework.handle(
        c.RegisterPerson(display_name=name, contact=Contact(address="4 Mill Lane\nHavant")), actor=COORDINATOR, now=AT
    ).id
    review = casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=person, victim_id=person, received_date=date(2026, 11, 2), channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NO_ACTION_TAKEN), actor=COORDINATOR, now=AT).id  # fmt: skip
    without_assessment(casework).handle(
        c.DecideThreshold(review, Decision.MET, date(2026, 11, 3)), actor=COORDINATOR, now=on(3)
    )
    recommendation = c.RecommendationInput("Visit the household", POLICE, date(2026, 11, 20))
    casework.handle(c.CompleteReview(review, date(2026, 11, 12), [recommendation]), actor=COORDINATOR, now=on(12))
    casework.handle(c.NotifyOutcome(review, date(2026, 11, 13)), actor=COORDINATOR, now=on(13))
    action = next(iter(casework.case_review(review).actions))
    return person, review, action


def test_only_the_owning_agency_or_a_coordinator_marks_an_action_done_and_another_agency_is_told_not_found(casework):
    _, review, action = told_case(casework)
    done = c.MarkActionDone(review, action, date(2026, 11, 19), evidence="Visited twice")
    with pytest.raises(NotFound):  # another agency: as if the action did not exist
        casework.handle(done, actor=agency_actor("vivid-homes"), now=on(19))
    with pytest.raises(Forbidden):  # a role that never may
        casework.handle(done, actor=Actor("k", Role.AUDITOR), now=on(19))
    with pytest.raises(Forbidden):
        casework.handle(c.DropAction(review, action, date(2026, 11, 19), "no"), actor=agency_actor(POLICE), now=on(19))
    casework.handle(done, actor=agency_actor(POLICE), now=on(19))
    assert casework.case_review(review).actions[action].done_on == date(2026, 11, 19)
    with pytest.raises(NotFound):
        casework.handle(c.MarkActionDone(review, uuid4(), date(2026, 11, 19)), actor=COORDINATOR, now=on(19))


def test_the_domain_still_refuses_an_agency_acting_on_another_agencys_action_whoever_calls_it(casework):
    _, review, action = told_case(casework)
    case = casework.case_review(review)
    with pytest.raises(NotPermitted):
        case.mark_action_done(
            action_id=action, done_on=date(2026, 11, 19), evidence=None, actor=agency_actor("vivid-homes"),
            recorded_at=on(19),
        )  # fmt: skip


def test_the_pcc_alone_decides_a_pcc_review(casework):
    _, review, _ = told_case(casework)
    pcc_review = uuid4()
    casework.handle(
        c.RequestPccReview(review, pcc_review, date(2026, 11, 16), ["actions_inadequate"]),
        actor=COORDINATOR,
        now=on(16),
    )
    decide = c.DecidePccReview(review, pcc_review, EscalationResult.NOT_UPHELD, "Done properly", date(2026, 11, 20))
    with pytest.raises(Forbidden):
        casework.handle(decide, actor=COORDINATOR, now=on(20))
    casework.handle(decide, actor=PCC, now=on(20))
    with pytest.raises(NotFound):
        casework.handle(replace(decide, pcc_review_id=uuid4()), actor=PCC, now=on(20))


def test_free_text_goes_into_the_applicants_stream_and_erasure_covers_it(casework):
    person, review, action = told_case(casework, "Erasable Applicant")
    casework.handle(
        c.MarkActionDone(review, action, date(2026, 11, 19), "Visited twice"), actor=COORDINATOR, now=on(19)
    )
    casework.handle(c.GiveUpdate(review, date(2026, 11, 16), ContactChannel.PHONE, "Told about the visit"), actor=COORDINATOR, now=on(16))  # fmt: skip
    case = casework.case_review(review)
    refs = [case.actions[action].action, case.actions[action].evidence, case.updates[0].summary]
    assert {ref.person_id for ref in refs} == {person}
    assert list(casework.resolve_texts(refs).values()) == [
        "Visit the household",
        "Visited twice",
        "Told about the visit",
    ]
    casework.handle(c.ErasePerson(person, ErasureReason.SUBJECT_REQUEST), actor=COORDINATOR, now=on(20))
    assert set(casework.resolve_texts(refs).values()) == {ERASED}


def test_the_terms_come_from_the_policy_and_default_to_havants():
    terms = terms_of(HAVANT_POLICY)
    assert (terms.update_every_working_days, terms.pcc_request_within_working_days) == (10, 20)
    assert terms.pcc_review_grounds == HAVANT_PCC_REVIEW_GROUNDS

    class Stricter:  # a policy version that says its own terms (domain/policy.py is gaining them)
        name, version, calendar = HAVANT_POLICY.name, 9, HAVANT_POLICY.calendar
        update_every_working_days = 5
        pcc_request_within_working_days = 15
        pcc_review_grounds = ("procedure_not_followed",)

    stricter = terms_of(Stricter())
    assert (stricter.update_every_working_days, stricter.pcc_request_within_working_days) == (5, 15)
    assert stricter.pcc_review_grounds == ("procedure_not_followed",)


def test_a_letter_says_what_was_recorded_and_names_the_template_it_is_rendered_from(casework):
    _, review, _ = told_case(casework, "Letter Reader")
    case = casework.case_review(review)
    context = letter_context(casework, case, LetterKind.OUTCOME, date(2026, 11, 16))
    assert context.addressee.display_name == "Letter Reader" and context.addressee.address_lines == (
        "4 Mill Lane",
        "Havant",
    )
    assert [a.action for a in context.outcome.actions] == ["Visit the household"]
    assert context.pcc_review.last_date == date(2026, 12, 11)  # 20 working days after being told on 13 Nov
    assert context.decision.explanation  # no assessment recorded: a sentence says so
    rendered = render_letter(casework, case, LetterKind.OUTCOME, pdf=False, today=date(2026, 11, 16))
    assert rendered.template_ref == template_ref(HAVANT_POLICY.name, "outcome") == "safer-havant/outcome@1"
    assert render_html("outcome", context).template_ref == rendered.template_ref
    with pytest.raises(RuleBroken):  # no delay notice: no delay letter
        letter_context(casework, case, LetterKind.DELAY, date(2026, 11, 16))
