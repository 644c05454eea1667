"""Re-deciding history in bulk (service/what_if.py) gives exactly what the one-at-a-time assessment gives.

A store of its own: the demo generator's Havant, plus a street where two neighbours' complaints share a
place (`location_key`) and some complaints with sources. Under any policy (hypothesis draws section 11's
parameters), every application assessed by the bulk path (one query for the applications, one for their
facts) equals `Assessor.assess` of it (RULES.md sections 3 to 6 and 11 are decided once, in the domain).
The place of an erased victim matches nothing any more, in either path; revisions keep only its digest.
"""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo import generator as g
from demo.loader import COORDINATOR, agency_actor, load
from domain.audited import local_date
from domain.people import Contact, ErasureReason
from domain.policy import HAVANT_POLICY
from domain.vocabulary import (
    Channel,
    ComplaintCategory,
    ComplaintSource,
    ConsentPurpose,
    Dissatisfaction,
    GroupRule,
    Route,
    StageName,
    Verdict,
)
from service import commands as c
from service.what_if import applications, assess_in_bulk, facts_in_bulk, what_if
from store.database import scratch_database

pytestmark = pytest.mark.slow  # a generated store of its own
POLICE = "hampshire-constabulary"
PLACE = "uprn-100062456789"


def _person(casework, name: str, at: datetime):
    return casework.handle(c.RegisterPerson(name, Contact()), actor=COORDINATOR, now=at).id


def _complaint(casework, victim, day: date, at: datetime, **facts):
    command = c.LogComplaint(
        victim_id=victim, agency=POLICE, incident_date=day, reported_date=day, caused_had=True,
        category=facts.pop("category", ComplaintCategory.NOISE), **facts,
    )  # fmt: skip
    return casework.handle(command, actor=agency_actor(POLICE), now=at).id


@pytest.fixture(scope="module")
def store(server_url):
    from service.bootstrap import open_services

    with scratch_database(server_url, "ct_test_what_if_bulk") as url:
        services = open_services(url, run_projections=False)
        try:
            today = local_date(datetime.now(UTC))
            load(services.casework, g.generate(seed=11, complaints=400, today=today))
            street = _street(services.casework)
            services.runner.catch_up()
            yield services, street
        finally:
            services.close()


def _street(casework) -> dict:
    """Two neighbours' complaints at one place (three and two), from several sources, and their group application."""
    at = datetime(2026, 7, 15, 9, tzinfo=UTC)
    first, second = _person(casework, "Ash Neighbour", at), _person(casework, "Rowan Neighbour", at)
    sources = [ComplaintSource.PHONE, ComplaintSource.DIARY_SHEET, ComplaintSource.PATROL]
    for index, day in enumerate((date(2026, 6, 1), date(2026, 6, 8), date(2026, 6, 15))):
        _complaint(casework, first, day, at, location_key=PLACE, source=sources[index])
    for day in (date(2026, 6, 3), date(2026, 6, 10)):
        _complaint(casework, second, day, at, location_key=PLACE, category=ComplaintCategory.HATE_INCIDENT)
    group = casework.handle(
        c.RequestCaseReview(
            route=Route.GROUP, applicant_id=first, member_ids=[first, second], received_date=date(2026, 7, 15),
            channel=Channel.EMAIL, dissatisfaction=Dissatisfaction.NOT_SATISFIED,
        ),
        actor=COORDINATOR, now=at,
    ).id  # fmt: skip
    casework.handle(
        c.GiveConsent(second, group, ConsentPurpose.GROUP_REPRESENTATION, date(2026, 7, 15)), actor=COORDINATOR, now=at
    )
    return {"group": group, "first": first, "second": second}


policies = st.builds(
    lambda window, lookback, last, categories, sources, rule, needed, group: HAVANT_POLICY.with_changes(
        name="drawn",
        reporting_window=window,
        lookback=lookback,
        last_incident_in_window=last,
        category_thresholds=categories,
        excluded_sources=sources,
        group_rule=rule,
        individual_min_complaints=needed,
        group_min_individuals=group,
    ),  # fmt: skip
    st.one_of(
        st.builds(lambda n: {"months": n}, st.integers(1, 3)), st.builds(lambda n: {"days": n}, st.integers(1, 90))
    ),
    st.one_of(
        st.builds(lambda n: {"months": n}, st.integers(1, 12)), st.builds(lambda n: {"days": n}, st.integers(1, 400))
    ),
    st.booleans(),
    st.dictionaries(st.sampled_from([c.value for c in ComplaintCategory]), st.integers(1, 3), max_size=2),
    st.lists(st.sampled_from([s.value for s in ComplaintSource if s is not ComplaintSource.OTHER]), max_size=3),
    st.sampled_from(list(GroupRule)),
    st.integers(1, 3),
    st.integers(2, 6),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies)
def test_rules_11_the_bulk_path_assesses_every_application_as_the_one_at_a_time_path_does(store, policy):
    services, _ = store
    moment = datetime.now(UTC)
    apps = applications(services.pool)
    assert len(apps) >= 20
    bulk = {
        app.id: a.to_dict()
        for app, a in assess_in_bulk(services.store, services.pool, apps, lambda app: policy, moment)
    }
    for app in apps:
        one = services.assessor.assess(services.casework.case_review(app.id), moment, policy).to_dict()
        assert bulk[app.id] == one


def test_rules_6_the_case_facts_keep_every_revision_the_events_fold_to(store):
    """The typed revisions the bulk path reads are exactly those folding the events gives (without the place)."""
    services, _ = store
    moment = datetime.now(UTC)
    apps = applications(services.pool)
    from_rows = facts_in_bulk(services.store, services.pool, apps, moment, places=False)
    from_events = facts_in_bulk(services.store, services.pool, apps, moment, places=True)
    assert from_rows.complaint.keys() == from_events.complaint.keys() and len(from_rows.complaint) > 100
    for fact, revisions in from_events.complaint.items():
        assert from_rows.complaint[fact] == [replace(r, location_key=None) for r in revisions]
    in_order = lambda revisions: sorted(revisions, key=lambda r: (r.consent_id, r.recorded_at))  # noqa: E731
    assert {a: in_order(rs) for a, rs in from_rows.consents_of_application.items()} == {
        a: in_order(rs) for a, rs in from_events.consents_of_application.items()
    }  # each fact's in order; facts in any order (the rules take them by id)
    assert any(r.withdrawn for rs in from_rows.complaint.values() for r in rs)
    assert any(r.withdrawn for rs in from_rows.consents_of_application.values() for r in rs)


def test_rules_6_the_bulk_path_assesses_as_known_at_an_earlier_moment_as_the_one_at_a_time_path_does(store):
    services, _ = store
    apps = applications(services.pool)
    recorded = {app.id: services.casework.case_review(app.id).created_on for app in apps}
    moment = sorted(recorded.values())[len(recorded) // 2] + timedelta(seconds=1)
    known = [app for app in apps if recorded[app.id] <= moment]
    assert 5 <= len(known) < len(apps)
    own = {app.id: services.policies.in_force(app.received_date, moment) for app in known}
    bulk = dict(assess_in_bulk(services.store, services.pool, known, lambda app: own[app.id], moment))
    for app in known:
        review = services.assessor.case_review_as_known_at(app.id, moment)
        assert bulk[app].to_dict() == services.assessor.assess(review, moment).to_dict()


def test_rules_11_revisions_hold_a_digest_of_the_place_and_an_erased_victims_place_matches_nothing(store):
    services, street = store
    linked = HAVANT_POLICY.with_changes(name="linked", group_rule="linked_location")
    group = street["group"]
    assessor = services.assessor
    assert assessor.assess(services.casework.case_review(group), datetime.now(UTC), linked).verdict is Verdict.MET
    places = {r.location_key for r in assessor.cache._entries.values() if getattr(r, "location_key", None)}
    assert places and all(re.fullmatch(r"[0-9a-f]{64}", p) for p in places) and PLACE not in str(places)

    services.casework.handle(
        c.ErasePerson(street["second"], ErasureReason.SUBJECT_REQUEST), actor=COORDINATOR, now=datetime.now(UTC)
    )
    moment = datetime.now(UTC)
    after = assessor.assess(services.casework.case_review(group), moment, linked)  # the cache still holds the digests
    assert after.verdict is Verdict.NOT_MET and "reported by 1 person" in after.explanation
    (app,) = [app for app in applications(services.pool) if app.id == group]
    ((_, bulk),) = assess_in_bulk(services.store, services.pool, [app], lambda app: linked, moment)
    assert bulk.to_dict() == after.to_dict()


def test_rules_10_and_11_what_if_against_the_live_decisions_records_nothing_and_names_no_one(store):
    services, _ = store
    lenient = HAVANT_POLICY.with_changes(name="lenient", individual_min_complaints=1, last_incident_in_window=False)
    head = services.store.recorder.max_notification_id()
    report = what_if(
        services.store, services.pool, services.policies, lenient, against="live", period=None,
        as_known_at=datetime.now(UTC),
    )  # fmt: skip
    assert services.store.recorder.max_notification_id() == head  # nothing recorded
    decided = [app for app in applications(services.pool) if services.casework.case_review(app.id).decision]
    assert report.compared == len([a for a in decided if services.casework.case_review(a.id).decision.assessment])
    assert report.changes and all(ch.before["verdict"] != ch.after["verdict"] for ch in report.changes)
    for change in report.changes:  # the live side is what the decision recorded, the other as known at that moment
        recorded = services.casework.case_review(change.application_id).decision.assessment
        assert change.before == recorded and change.after["as_known_at"] == recorded["as_known_at"]
    before, after = report.figures_before, report.figures_after
    assert before["applications_received"] == after["applications_received"] == report.compared
    assert after["threshold_not_met"] < before["threshold_not_met"]  # one incident is enough under `lenient`
    text = str(report.to_dict()) + report.csv()
    people = {str(p) for app in decided for p in services.casework.case_review(app.id).people}
    assert not any(person in text for person in people)  # analysts read it: no person's id


def test_rules_11_what_if_lists_the_stage_due_dates_that_move(store):
    services, _ = store
    staged = HAVANT_POLICY.with_changes(
        name="staged",
        stages=[
            {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
            {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
            {"name": "review_completed", "days": 28, "day_kind": "calendar", "from": "received"},
        ],
    )
    report = what_if(
        services.store, services.pool, services.policies, staged, against=None, period=None,
        as_known_at=datetime.now(UTC),
    )  # fmt: skip
    apps = {app.id: app for app in applications(services.pool)}
    assert len(report.stage_changes) == len(apps)  # every one gets an acknowledgement stage
    for app, moves in report.stage_changes:
        names = [move.name for move in moves]
        assert names[0] is StageName.ACKNOWLEDGED and moves[0].before is None
        acknowledged = apps[app.id].stages_done.get(StageName.ACKNOWLEDGED)
        decided = next((m.after for m in moves if m.name is StageName.THRESHOLD_DECIDED), None)
        assert (decided is None) == (acknowledged is None)  # counted from the acknowledgement, once it happened
    changed = {change.application_id for change in report.changes} | {app.id for app, _ in report.stage_changes}
    rows = report.csv().splitlines()
    assert rows[0].startswith("application_id,received_date,verdict_before") and len(rows) == len(changed) + 1
    assert "acknowledged - -> " in rows[1]
