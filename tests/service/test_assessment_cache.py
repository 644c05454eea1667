"""The assessor's fast path (one timeline query, revisions cached by fact id and version) gives
exactly what folding every event known at T gives, in any order of assessments, with any cache size.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from benchmarks.suite import PARTS, parts_named
from domain.actor import SYSTEM, Actor
from domain.case_reviews import CaseReview
from domain.eligibility import assess
from domain.people import Contact
from domain.vocabulary import Channel, ComplaintCategory, ConsentPurpose, Dissatisfaction, Role, Route
from service import commands as c
from service.assessments import Assessor, RevisionCache, application_facts, revisions

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
POLICE = Actor(key_id="test-police", role=Role.AGENCY, agency="hampshire-constabulary")


def _person(casework, name, at):
    return casework.handle(
        c.RegisterPerson(display_name=name, contact=Contact(phone="023 9200 0001")), actor=SYSTEM, now=at
    ).id


def _complaint(casework, victim, at, incident, **facts):
    return casework.handle(c.LogComplaint(victim_id=victim, complainant_id=None, agency="hampshire-constabulary", agency_reference=None, incident_date=incident, reported_date=incident + timedelta(days=1), caused_had=True, category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None, **facts), actor=POLICE, now=at).id  # fmt: skip


def _review(casework, applicant, victim, at, complaint_ids=None):
    return casework.handle(c.RequestCaseReview(route=Route.INDIVIDUAL, applicant_id=applicant, victim_id=victim, member_ids=[], received_date=at.date(), channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=complaint_ids), actor=SYSTEM, now=at).id  # fmt: skip


def _by_folding_every_event(casework, assessor, review_id, at):
    """The assessment as it was made before the fast path: versions_at, repository.get, linked facts, every event."""
    version = casework.store.versions_at([review_id], at)[review_id]
    review = casework.load(CaseReview, review_id, what="case review", version=version)
    if review.complaint_ids is not None:
        complaint_ids = list(review.complaint_ids)
    else:
        complaint_ids = casework.store.linked_facts([review.victim_id], at)
    consent_ids = casework.store.linked_facts([review.id], at)
    complaints, consents = revisions(casework.store.events_as_known_at([*complaint_ids, *consent_ids], at))
    facts = application_facts(review)
    return vars(review), complaints, consents, assess(facts, complaints, consents, assessor.policy_for(review), at)


@pytest.fixture(scope="module")
def history(casework):
    """A victim's complaints logged, amended and withdrawn, a consent given and withdrawn, two applications."""
    victim = _person(casework, "Robin Ash", T0)
    applicant = _person(casework, "Sam Ash", T0)
    day = timedelta(days=1)
    complaints = [_complaint(casework, victim, T0 + i * day, date(2026, 4, 20) + i * day) for i in range(4)]
    review = _review(casework, applicant, victim, T0 + 4 * day)
    named = _review(casework, applicant, victim, T0 + 4 * day + timedelta(hours=1), complaint_ids=complaints[:2])
    consent = casework.handle(c.GiveConsent(person_id=victim, application_id=review, purpose=ConsentPurpose.APPLICATION_ON_BEHALF, given_on=date(2026, 5, 9)), actor=SYSTEM, now=T0 + 5 * day).id  # fmt: skip
    casework.handle(
        c.AmendComplaint(complaint_id=complaints[1], changes={"caused_had": False}), actor=POLICE, now=T0 + 6 * day
    )
    casework.handle(
        c.WithdrawComplaint(complaint_id=complaints[2], reason="Reported in error"), actor=POLICE, now=T0 + 7 * day
    )
    casework.handle(
        c.AmendComplaint(complaint_id=complaints[1], changes={"caused_had": True}), actor=POLICE, now=T0 + 8 * day
    )
    casework.handle(
        c.WithdrawConsent(consent_id=consent, withdrawn_on=date(2026, 5, 13)), actor=SYSTEM, now=T0 + 9 * day
    )
    complaints.append(_complaint(casework, victim, T0 + 10 * day, date(2026, 5, 12)))
    moments = [T0 + 4 * day + timedelta(hours=h) for h in range(1, 24 * 8, 7)] + [datetime.now(UTC)]
    return {"victim": victim, "reviews": [review, named], "moments": moments}


def test_the_fast_path_agrees_with_folding_every_event_in_any_order_and_any_cache_size(casework, services, history):
    shared = Assessor(casework.store, services.policies)
    tiny = Assessor(casework.store, services.policies, RevisionCache(max_size=3))
    moments = history["moments"]
    # Later moments first, then earlier ones, then all again: the cache holds versions from after T.
    order = moments[::-1] + moments + moments[::3]
    for review_id in history["reviews"]:
        for at in order:
            review, complaints, consents, expected = _by_folding_every_event(casework, shared, review_id, at)
            for assessor in (shared, tiny, Assessor(casework.store, services.policies)):
                fast_review = assessor.case_review_as_known_at(review_id, at)
                assert vars(fast_review) == review
                assert assessor.revisions_relied_on(fast_review, at) == (complaints, consents)
                assert assessor.assess(fast_review, at) == expected
    assert shared.cache.hits > shared.cache.misses
    assert len(tiny.cache) <= 3


def test_fact_versions_are_the_versions_of_the_events_known_then(casework, history):
    victim, review = history["victim"], history["reviews"][0]
    for at in history["moments"]:
        linked = casework.store.linked_facts([victim], at) + casework.store.linked_facts([review], at)
        events = casework.store.events_as_known_at(linked, at)
        assert casework.store.fact_versions_as_known_at([victim, review], [], at) == [
            (e.originator_id, e.originator_version) for e in events
        ]
        # Named facts, also linked: each version once.
        assert casework.store.fact_versions_as_known_at([victim], linked, at) == [
            (e.originator_id, e.originator_version) for e in events
        ]
    assert casework.store.fact_versions_as_known_at([], [], T0) == []


def test_an_application_not_yet_recorded_or_unknown_is_refused_as_before(casework, services, history):
    from domain.errors import InvalidFact
    from service.errors import NotFound

    assessor = Assessor(casework.store, services.policies)
    with pytest.raises(InvalidFact):
        assessor.case_review_as_known_at(history["reviews"][0], T0)
    with pytest.raises(NotFound):
        assessor.case_review_as_known_at(history["victim"], datetime.now(UTC))  # a person, not an application


def test_the_cache_keeps_the_most_recently_used_within_its_bound():
    from uuid import uuid4

    cache = RevisionCache(max_size=2)
    a, b, c = (uuid4(), 1), (uuid4(), 1), (uuid4(), 2)
    cache.put_many([(a, None), (b, None)])
    cache.get_many([a])  # a is now the most recently used
    cache.put_many([(c, None)])
    held = cache.get_many([a, b, c])
    assert [value is None for value in held] == [True, False, True]
    assert len(cache) == 2


def test_bench_only_names_parts_or_figures():
    assert parts_named(None) == frozenset(PARTS)
    assert parts_named("assessment") == {"assessment"}
    assert parts_named("assessment_p99_ms,pg") == {"assessment", "pg"}
    with pytest.raises(ValueError):
        parts_named("nothing")
