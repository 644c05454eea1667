"""RULES.md section 12: identifying triggers before anyone applies, to the day, with no database.

Every victim with no open application is assessed as if they applied on D (section 3, received date
D, the policy in force on D), as known at a recorded time T. The states, the first that applies:
`threshold_reached` (the count meets the threshold), `should_be_told` (at least 2 counted, not told
since the first of them), `told` (told, below the threshold); fewer than 2 counted is not listed. The
telling due date is `tell_within_working_days` (Havant 10) working days after the second counted
incident's reported date; a `threshold_reached` victim keeps it while not told.
"""

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.eligibility import ApplicationFacts, ComplaintRevision, assess
from domain.policy import HAVANT_POLICY
from domain.potential_triggers import (
    LocationTrigger,
    Telling,
    TriggerState,
    linked_location_trigger,
    potential_trigger,
    state_of,
    tell_due_date,
)
from domain.vocabulary import ComplaintCategory, Route, Verdict

VICTIM = UUID(int=1)
NEIGHBOUR = UUID(int=2)
POLICE = "hampshire-constabulary"
COUNCIL = "havant-borough-council"
LANDLORD = "vivid-homes"
NOT_A_PARTNER = "royal-mail"
ON = date(2026, 11, 10)  # a Tuesday

_ids = itertools.count(20_000)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), UTC)


def complaint(
    reported: date,
    *,
    incident: date | None = None,
    victim: UUID = VICTIM,
    complainant: UUID | None = None,
    agency: str = POLICE,
    had: bool = True,
    ref: str | None = None,
    withdrawn: bool = False,
    recorded_at: datetime | None = None,
    category: ComplaintCategory = ComplaintCategory.NOISE,
    place: str | None = None,
) -> ComplaintRevision:
    """A complaint of an incident on its reported day (unless told), recorded at noon that day (unless told)."""
    return ComplaintRevision(
        complaint_id=UUID(int=next(_ids)),
        recorded_at=recorded_at or at(reported),
        victim_id=victim,
        complainant_id=complainant or victim,
        agency=agency,
        incident_date=incident or reported,
        reported_date=reported,
        caused_had=had,
        incident_ref=ref,
        withdrawn=withdrawn,
        category=category,
        location_key=place,
    )


def listed(complaints, tellings=(), *, on: date = ON, known_at: datetime | None = None, policy=HAVANT_POLICY):
    return potential_trigger(
        VICTIM, complaints, tellings, policy, on=on, as_known_at=known_at or at(on + timedelta(days=1))
    )


TWO_AGENCIES = [complaint(date(2026, 11, 2), agency=POLICE), complaint(date(2026, 11, 4), agency=COUNCIL)]


# --- the states -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counted", "threshold_met", "told", "state"),
    [
        (0, False, False, None),
        (1, False, False, None),
        (1, True, False, None),  # met by a category of one, but fewer than 2 counted: not listed
        (1, False, True, None),
        (2, False, False, TriggerState.SHOULD_BE_TOLD),
        (2, False, True, TriggerState.TOLD),
        (2, True, False, TriggerState.THRESHOLD_REACHED),
        (3, True, True, TriggerState.THRESHOLD_REACHED),  # the first that applies
        (5, False, True, TriggerState.TOLD),  # five counted, the last outside the window: not met
    ],
)
def test_rules_12_state_is_the_first_that_applies_and_fewer_than_two_are_not_listed(
    counted, threshold_met, told, state
):
    assert state_of(counted=counted, threshold_met=threshold_met, told=told) is state


def test_rules_12_two_qualifying_reports_at_two_agencies_should_be_told_within_10_working_days_of_the_second():
    trigger = listed(TWO_AGENCIES)
    assert trigger.state is TriggerState.SHOULD_BE_TOLD
    assert trigger.counted_incidents == 2
    assert trigger.by_agency == {COUNCIL: 1, POLICE: 1}  # one agency alone sees only one
    # Second report Wed 4 Nov 2026; 10 working days after it (5, 6, 9 ... 18 Nov): Wed 18 Nov 2026.
    assert trigger.tell_due_date == date(2026, 11, 18)
    assert (trigger.policy_name, trigger.policy_version) == (HAVANT_POLICY.name, HAVANT_POLICY.version)


def test_rules_12_the_telling_due_date_skips_christmas_and_boxing_day_in_the_policy_calendar():
    # Second report Mon 14 Dec 2026; 25 Dec (Fri) and 28 Dec (Mon, for Boxing Day on a Saturday) are not counted.
    trigger = listed(
        [complaint(date(2026, 12, 10)), complaint(date(2026, 12, 14), agency=COUNCIL)], on=date(2026, 12, 15)
    )
    assert trigger.tell_due_date == date(2026, 12, 30)


def test_rules_12_the_due_date_is_counted_from_the_second_report_not_the_second_incident():
    first = complaint(date(2026, 11, 2))
    second = complaint(date(2026, 11, 9), incident=date(2026, 10, 20))  # reported late-ish, within a month
    trigger = listed([first, second])
    assert trigger.tell_due_date == date(2026, 11, 23)  # 10 working days after Mon 9 Nov
    assert tell_due_date(HAVANT_POLICY, trigger.counted) == date(2026, 11, 23)


def test_rules_12_one_counted_incident_is_not_listed():
    assert listed(TWO_AGENCIES[:1]) is None
    assert listed([]) is None


def test_rules_12_reports_that_do_not_qualify_are_not_counted():
    not_counted = [
        complaint(date(2026, 11, 3), had=False),  # check 3
        complaint(date(2026, 11, 3), agency=NOT_A_PARTNER),  # check 2
        complaint(date(2026, 11, 5), incident=date(2026, 9, 1)),  # check 4: reported late
        complaint(date(2026, 11, 6), withdrawn=True),  # check 7
        complaint(date(2026, 11, 2), agency=COUNCIL, ref="INC-1"),  # check 8: same incident as the first
    ]
    first = replace(complaint(date(2026, 11, 2)), incident_ref="INC-1")
    assert listed([first, *not_counted]) is None


def test_rules_12_three_counted_reach_the_threshold_and_keep_the_telling_due_date_while_not_told():
    three = [*TWO_AGENCIES, complaint(date(2026, 11, 6), agency=LANDLORD)]
    trigger = listed(three)
    assert trigger.state is TriggerState.THRESHOLD_REACHED and trigger.threshold_met
    assert trigger.tell_due_date == date(2026, 11, 18)
    told = listed(three, [Telling(date(2026, 11, 9), at(date(2026, 11, 9)))])
    assert told.state is TriggerState.THRESHOLD_REACHED and told.told
    assert told.tell_due_date is None


def test_rules_12_a_victim_told_since_the_first_counted_report_is_told_and_has_no_due_date():
    trigger = listed(TWO_AGENCIES, [Telling(date(2026, 11, 2), at(date(2026, 11, 2), 16))])  # the first report's day
    assert trigger.state is TriggerState.TOLD
    assert trigger.told_on == date(2026, 11, 2)
    assert trigger.tell_due_date is None


def test_rules_12_a_telling_before_the_first_counted_report_does_not_count():
    trigger = listed(TWO_AGENCIES, [Telling(date(2026, 10, 30), at(date(2026, 10, 30)))])
    assert trigger.state is TriggerState.SHOULD_BE_TOLD
    assert trigger.told_on == date(2026, 10, 30) and not trigger.told


def test_rules_12_as_known_at_a_time_before_the_telling_was_recorded_the_victim_should_still_be_told():
    telling = Telling(date(2026, 11, 5), at(date(2026, 11, 9)))  # told on the 5th, recorded on the 9th
    assert listed(TWO_AGENCIES, [telling], known_at=at(date(2026, 11, 6))).state is TriggerState.SHOULD_BE_TOLD
    assert listed(TWO_AGENCIES, [telling], known_at=at(date(2026, 11, 10))).state is TriggerState.TOLD


def test_rules_12_as_on_a_day_before_the_telling_the_victim_should_still_be_told():
    telling = Telling(date(2026, 11, 9), at(date(2026, 11, 9)))
    assert listed(TWO_AGENCIES, [telling], on=date(2026, 11, 6)).state is TriggerState.SHOULD_BE_TOLD
    assert listed(TWO_AGENCIES, [telling], on=date(2026, 11, 9)).state is TriggerState.TOLD


def test_rules_12_as_on_a_day_a_report_made_later_does_not_count():
    assert listed(TWO_AGENCIES, on=date(2026, 11, 3)) is None  # the second report came on the 4th


def test_rules_12_as_known_at_a_time_before_a_report_was_recorded_it_does_not_count():
    late_recorded = [TWO_AGENCIES[0], replace(TWO_AGENCIES[1], recorded_at=at(date(2026, 11, 12)))]
    assert listed(late_recorded, known_at=at(date(2026, 11, 11))) is None
    assert listed(late_recorded, known_at=at(date(2026, 11, 12))).state is TriggerState.SHOULD_BE_TOLD


def test_rules_12_reports_older_than_the_previous_six_months_fall_out_of_the_count():
    # As on 1 May 2027 the six months run from 2 Nov 2026; as on 2 May, from 3 Nov: the report of 2 Nov is out.
    assert listed(TWO_AGENCIES, on=date(2027, 5, 1)).state is TriggerState.SHOULD_BE_TOLD
    assert listed(TWO_AGENCIES, on=date(2027, 5, 2)) is None


def test_rules_12_the_threshold_is_the_policy_in_force_category_thresholds_and_a_lower_number_included():
    hate = [complaint(date(2026, 11, 2), category=ComplaintCategory.HATE_INCIDENT), TWO_AGENCIES[1]]
    assert listed(hate).state is TriggerState.SHOULD_BE_TOLD
    by_category = HAVANT_POLICY.with_changes(version=2, category_thresholds={"hate_incident": 1})
    assert listed(hate, policy=by_category).state is TriggerState.THRESHOLD_REACHED
    two_needed = HAVANT_POLICY.with_changes(version=2, individual_min_complaints=2)
    assert listed(TWO_AGENCIES, policy=two_needed).state is TriggerState.THRESHOLD_REACHED
    one_hate_alone = listed(hate[:1], policy=by_category)
    assert one_hate_alone is None  # met by the category, but one counted incident is not listed


def test_rules_12_three_counted_with_the_last_incident_outside_the_window_are_not_reached():
    # Section 3: the most recent counted incident must be inside the window. As on 15 Jul 2026 the window
    # starts 16 Jan; incidents of 5, 8 and 12 Jan reported on 17, 18 and 19 Jan count, but none happened inside it.
    old = [
        complaint(date(2026, 1, 17), incident=date(2026, 1, 5)),
        complaint(date(2026, 1, 18), incident=date(2026, 1, 8), agency=COUNCIL),
        complaint(date(2026, 1, 19), incident=date(2026, 1, 12), agency=LANDLORD),
    ]
    trigger = listed(old, on=date(2026, 7, 15))
    assert trigger.counted_incidents == 3 and trigger.state is TriggerState.SHOULD_BE_TOLD
    relaxed = HAVANT_POLICY.with_changes(version=2, last_incident_in_window=False)
    assert listed(old, on=date(2026, 7, 15), policy=relaxed).state is TriggerState.THRESHOLD_REACHED


def test_rules_12_another_victims_reports_are_not_counted():
    assert listed([TWO_AGENCIES[0], complaint(date(2026, 11, 4), victim=NEIGHBOUR)]) is None


def test_rules_12_threshold_reached_is_exactly_an_application_on_that_day_being_met():
    three = [*TWO_AGENCIES, complaint(date(2026, 11, 6), agency=LANDLORD)]
    application = ApplicationFacts(UUID(int=9), Route.INDIVIDUAL, VICTIM, VICTIM, (), ON, None)
    assert assess(application, three, (), HAVANT_POLICY, at(ON)).verdict is Verdict.MET
    assert listed(three).counted == assess(application, three, (), HAVANT_POLICY, at(ON)).counted


# --- linked locations -------------------------------------------------------------------

LINKED = HAVANT_POLICY.with_changes(version=2, group_rule="linked_location")
PLACE = "digest-of-the-place"


def test_rules_12_linked_location_five_counted_incidents_at_one_place_by_two_people_reach_the_threshold():
    reports = [complaint(date(2026, 11, day), place=PLACE) for day in (2, 3, 4)]
    reports += [complaint(date(2026, 11, day), victim=NEIGHBOUR, place=PLACE, agency=COUNCIL) for day in (5, 6)]
    trigger = linked_location_trigger(PLACE, reports, LINKED, on=ON, as_known_at=at(ON))
    assert isinstance(trigger, LocationTrigger)
    assert (trigger.counted_incidents, trigger.reported_by, trigger.threshold_met) == (5, 2, True)
    assert trigger.by_agency == {COUNCIL: 2, POLICE: 3}


def test_rules_12_linked_location_four_incidents_do_not_reach_the_group_number():
    reports = [complaint(date(2026, 11, day), place=PLACE, victim=UUID(int=day)) for day in (2, 3, 4, 5)]
    assert linked_location_trigger(PLACE, reports, LINKED, on=ON, as_known_at=at(ON)) is None


def test_rules_12_linked_location_five_incidents_reported_by_one_person_reach_the_number_not_the_threshold():
    reports = [complaint(date(2026, 11, day), place=PLACE) for day in (2, 3, 4, 5, 6)]
    trigger = linked_location_trigger(PLACE, reports, LINKED, on=ON, as_known_at=at(ON))
    assert (trigger.counted_incidents, trigger.reported_by, trigger.threshold_met) == (5, 1, False)


def test_rules_12_linked_location_counts_only_reports_made_by_the_people_themselves_at_that_place():
    reports = [complaint(date(2026, 11, day), place=PLACE) for day in (2, 3, 4)]
    reports += [complaint(date(2026, 11, 5), victim=NEIGHBOUR, complainant=UUID(int=77), place=PLACE)]
    reports += [complaint(date(2026, 11, 6), victim=NEIGHBOUR, place="elsewhere")]
    assert linked_location_trigger(PLACE, reports, LINKED, on=ON, as_known_at=at(ON)) is None


# --- properties -------------------------------------------------------------------------

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AGENCIES = (POLICE, COUNCIL, LANDLORD, NOT_A_PARTNER)


@st.composite
def histories(draw):
    """A victim's complaints over the 200 days before ON, some not qualifying, some recorded late; and tellings."""
    complaints = []
    for _ in range(draw(st.integers(0, 6))):
        reported = ON - timedelta(days=draw(st.integers(0, 200)))
        incident = reported - timedelta(days=draw(st.integers(0, 40)))
        recorded = at(reported) + timedelta(days=draw(st.sampled_from((0, 0, 0, 3))))
        complaints.append(
            complaint(
                reported,
                incident=incident,
                agency=draw(st.sampled_from(AGENCIES)),
                had=draw(st.booleans()) or draw(st.booleans()),
                ref=draw(st.sampled_from((None, None, "A", "B"))),
                withdrawn=draw(st.integers(0, 9)) == 0,
                recorded_at=recorded,
            )
        )
    tellings = [
        Telling(day, at(day))
        for day in draw(st.lists(st.integers(0, 200).map(lambda n: ON - timedelta(days=n)), max_size=2))
    ]
    return complaints, tellings


def _new_incident(complaints, reported: date) -> ComplaintRevision:
    """A qualifying report of an incident no other report is of: its own reference and its own day."""
    taken = {c.incident_date for c in complaints}
    incident = reported
    while incident in taken:
        incident -= timedelta(days=1)
    return complaint(reported, incident=incident, ref=f"NEW-{next(_ids)}", agency=COUNCIL)


@PROPERTY
@given(histories(), st.integers(0, 20))
def test_rules_12_one_more_qualifying_report_of_a_new_incident_never_moves_a_victim_down_from_threshold_reached(
    history, days_back
):
    complaints, tellings = history
    before = listed(complaints, tellings)
    if before is None or before.state is not TriggerState.THRESHOLD_REACHED:
        return
    after = listed([*complaints, _new_incident(complaints, ON - timedelta(days=days_back))], tellings)
    assert after.state is TriggerState.THRESHOLD_REACHED
    assert after.counted_incidents == before.counted_incidents + 1


@PROPERTY
@given(histories(), st.integers(0, 20))
def test_rules_12_one_more_qualifying_report_of_a_new_incident_never_unlists_a_victim(history, days_back):
    complaints, tellings = history
    before = listed(complaints, tellings)
    after = listed([*complaints, _new_incident(complaints, ON - timedelta(days=days_back))], tellings)
    if before is not None:
        assert after is not None and after.counted_incidents == before.counted_incidents + 1


@PROPERTY
@given(histories(), st.integers(0, 200))
def test_rules_12_telling_never_changes_the_count_nor_a_reached_threshold(history, days_back):
    complaints, tellings = history
    before = listed(complaints, tellings)
    told_on = ON - timedelta(days=days_back)
    after = listed(complaints, [*tellings, Telling(told_on, at(told_on))])
    if before is None:
        assert after is None
        return
    assert (after.counted, after.by_agency, after.threshold_met) == (
        before.counted,
        before.by_agency,
        before.threshold_met,
    )
    if before.state is TriggerState.THRESHOLD_REACHED:
        assert after.state is TriggerState.THRESHOLD_REACHED
    if told_on >= min(c.reported_date for c in before.counted):
        assert after.told and after.tell_due_date is None
        assert after.state in (TriggerState.TOLD, TriggerState.THRESHOLD_REACHED)


@PROPERTY
@given(histories())
def test_rules_12_listed_exactly_when_two_or_more_are_counted_and_due_after_the_second_report(history):
    complaints, tellings = history
    application = ApplicationFacts(UUID(int=9), Route.INDIVIDUAL, VICTIM, VICTIM, (), ON, None)
    assessment = assess(application, complaints, (), HAVANT_POLICY, at(ON + timedelta(days=1)))
    trigger = listed(complaints, tellings)
    assert (trigger is not None) == (len(assessment.counted) >= 2)
    if trigger is None:
        return
    assert trigger.threshold_met == (assessment.verdict is Verdict.MET)
    assert sum(trigger.by_agency.values()) == trigger.counted_incidents
    if trigger.tell_due_date is not None:
        second = sorted(c.reported_date for c in trigger.counted)[1]
        assert trigger.tell_due_date > second + timedelta(days=10)  # ten working days are two weeks at least
        assert trigger.tell_due_date <= second + timedelta(days=10 + 14)
    assert (trigger.tell_due_date is None) == trigger.told


# --- recording a telling ----------------------------------------------------------------


def test_rules_12_telling_is_recorded_with_its_date_channel_and_actor_and_refused_in_the_future_or_after_erasure():
    from domain.actor import Actor
    from domain.errors import InvalidFact
    from domain.people import Contact, ErasureReason, Person, PersonErased
    from domain.vocabulary import ContactChannel, Role

    coordinator = Actor("k1", Role.COORDINATOR)
    now = at(ON)
    person = Person.register(display_name="Alex", contact=Contact(), actor=coordinator, recorded_at=now)
    person.tell_about_case_review(told_on=ON, channel=ContactChannel.PHONE, actor=coordinator, recorded_at=now)
    event = person.collect_events()[-1]
    assert (event.told_on, event.channel, event.actor) == (ON, ContactChannel.PHONE, coordinator)
    assert person.told_about_case_review == (ON,)
    with pytest.raises(InvalidFact) as future:
        person.tell_about_case_review(
            told_on=ON + timedelta(days=1), channel=ContactChannel.LETTER, actor=coordinator, recorded_at=now
        )
    assert future.value.field == "told_on"
    person.erase(reason=ErasureReason.SUBJECT_REQUEST, actor=coordinator, recorded_at=now)
    with pytest.raises(PersonErased):
        person.tell_about_case_review(told_on=ON, channel=ContactChannel.PHONE, actor=coordinator, recorded_at=now)
