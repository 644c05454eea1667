"""RULES.md section 11: a national floor no local version may relax, refused naming the parameter."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from procedure_facts import complaint, decide, individual, status

from domain.dates import Period, last_in_time, span_days_range, window_ending_with
from domain.national_floor import NationalFloor, relaxations, require_within_floor
from domain.policy import HAVANT_POLICY, PolicyError

HAVANT = HAVANT_POLICY
# "If statute sets three complaints in six months": the example of RULES.md section 11.
STATUTE = NationalFloor.from_dict(
    {"individual_min_complaints": 3, "lookback": {"months": 6}, "reporting_window": {"months": 1}}
)


def fields(changes: dict, floor: NationalFloor = STATUTE) -> list[str]:
    return [field for field, _ in relaxations(HAVANT.with_changes(version=2, **changes), floor)]


def test_section_11_havant_is_within_the_statutory_floor() -> None:
    assert relaxations(HAVANT, STATUTE) == []
    require_within_floor(HAVANT, STATUTE)
    require_within_floor(HAVANT.with_changes(lookback={"months": 5}), STATUTE)  # stricter is fine


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"individual_min_complaints": 2}, "individual_min_complaints"),  # 2 complaints where statute has 3
        ({"lookback": {"months": 7}}, "lookback"),  # a 7-month lookback
        ({"reporting_window": {"days": 60}}, "reporting_window"),  # a 60-day reporting window
        (
            {"category_thresholds": {"hate_incident": 1}},
            "category_thresholds.hate_incident",
        ),  # a category threshold added
    ],
)
def test_section_11_a_version_that_relaxes_the_floor_is_refused_naming_the_parameter(changes: dict, field: str) -> None:
    policy = HAVANT.with_changes(version=2, **changes)
    assert [f for f, _ in relaxations(policy, STATUTE)] == [field]
    with pytest.raises(PolicyError) as refused:
        require_within_floor(policy, STATUTE)
    assert refused.value.field == field
    assert refused.value.message


def test_section_11_the_first_relaxed_parameter_is_named_and_every_one_is_listed() -> None:
    policy = HAVANT.with_changes(individual_min_complaints=2, lookback={"months": 7})
    assert fields({"individual_min_complaints": 2, "lookback": {"months": 7}}) == [
        "individual_min_complaints",
        "lookback",
    ]
    with pytest.raises(PolicyError) as refused:
        require_within_floor(policy, STATUTE)
    assert refused.value.field == "individual_min_complaints"


# --- windows: longer on some date ---


def test_section_11_a_reporting_window_of_27_days_never_reaches_past_one_month_but_28_days_does() -> None:
    # One month from 1 Feb 2026 ends 28 Feb, 27 days later: the shortest month-long span there is.
    assert span_days_range(Period(1, "months"), lookback=False) == (27, 30)
    assert fields({"reporting_window": {"days": 27}}) == []
    assert fields({"reporting_window": {"days": 28}}) == ["reporting_window"]
    # ... on that very date, the 28-day window counts what the floor would not:
    assert last_in_time(date(2026, 2, 1), Period(28, "days")) > last_in_time(date(2026, 2, 1), Period(1, "months"))


def test_section_11_a_lookback_of_181_days_never_starts_before_six_months_but_182_days_does() -> None:
    assert span_days_range(Period(6, "months"), lookback=True) == (181, 184)
    assert fields({"lookback": {"days": 181}}) == []
    assert fields({"lookback": {"days": 182}}) == ["lookback"]
    received = date(2026, 7, 31)  # six months back: 1 Feb to 31 Jul, 181 days
    assert window_ending_with(received, Period(182, "days"))[0] < window_ending_with(received, Period(6, "months"))[0]


def test_section_11_months_against_a_floor_in_days() -> None:
    floor = NationalFloor.from_dict({"reporting_window": {"days": 30}, "lookback": {"days": 184}})
    assert fields({}, floor) == []  # one month never reaches past 30 days, six months never hold more than 184
    assert fields({"lookback": {"months": 7}}, floor) == ["lookback"]
    # One month from 10 Jan reaches 9 Feb, 30 days on: longer than a 29-day floor on that date.
    assert fields({}, NationalFloor.from_dict({"reporting_window": {"days": 29}})) == ["reporting_window"]


@given(
    st.integers(1, 24),
    st.integers(1, 800),
    st.booleans(),
    st.dates(min_value=date(2001, 1, 1), max_value=date(2399, 12, 31)),
)
def test_section_11_a_window_within_the_floor_never_counts_more_on_any_date(
    months: int, days: int, lookback: bool, day: date
) -> None:
    floor = NationalFloor.from_dict({"lookback" if lookback else "reporting_window": {"months": months}})
    local = {"lookback" if lookback else "reporting_window": {"days": days}}
    if fields(local, floor):
        return
    if lookback:
        assert window_ending_with(day, Period(days, "days"))[0] >= window_ending_with(day, Period(months, "months"))[0]
    else:
        assert last_in_time(day, Period(days, "days")) <= last_in_time(day, Period(months, "months"))


# --- the other parameters ---


def test_section_11_last_incident_in_window_false_relaxes_a_floor_that_requires_it() -> None:
    floor = NationalFloor.from_dict({"last_incident_in_window": True})
    assert fields({"last_incident_in_window": False}, floor) == ["last_incident_in_window"]
    assert fields({}, floor) == []
    assert fields({"last_incident_in_window": False}, NationalFloor.from_dict({"last_incident_in_window": False})) == []


def test_section_11_category_thresholds_relax_below_the_floors_own_or_its_general_number() -> None:
    floor = NationalFloor.from_dict({"category_thresholds": {"hate_incident": 1}})
    assert fields({"category_thresholds": {"hate_incident": 1}}, floor) == []
    assert fields({"category_thresholds": {"hate_incident": 2}}, floor) == []  # stricter
    assert fields({"category_thresholds": {"noise": 2}}, floor) == ["category_thresholds.noise"]  # below Havant's 3
    assert fields({"category_thresholds": {"noise": 3}}, floor) == []  # as high as the general number: never decisive
    assert fields({"category_thresholds": {"noise": 1}}, NationalFloor.from_dict({"category_thresholds": {}})) == [
        "category_thresholds.noise"
    ]


def test_section_11_a_threshold_as_high_as_the_general_number_never_meets_where_it_would_not() -> None:
    # Why `noise: 3` is no relaxation under three complaints: three counted noise incidents are three incidents.
    policy = HAVANT.with_changes(category_thresholds={"noise": 3})
    noise = [complaint(date(2026, 6, d), category="noise") for d in (1, 8, 15)]
    assert (
        decide(individual(date(2026, 7, 1)), noise[:2], policy=policy).verdict
        == decide(individual(date(2026, 7, 1)), noise[:2]).verdict
    )


def test_section_11_fewer_excluded_sources_relax_the_floor() -> None:
    floor = NationalFloor.from_dict({"excluded_sources": ["diary_sheet", "patrol"]})
    assert fields({"excluded_sources": ["diary_sheet"]}, floor) == ["excluded_sources"]
    assert fields({"excluded_sources": ["diary_sheet", "patrol", "other"]}, floor) == []  # more is stricter


def test_section_11_another_group_rule_relaxes_the_floor() -> None:
    floor = NationalFloor.from_dict({"group_rule": "individuals", "group_min_individuals": 5})
    assert fields({"group_rule": "linked_location"}, floor) == ["group_rule"]
    assert fields({"group_min_individuals": 4}, floor) == ["group_min_individuals"]
    assert fields({"group_min_individuals": 6}, floor) == []


def test_section_11_stages_that_may_fall_due_later_relax_the_floor() -> None:
    floor = NationalFloor.from_dict(
        {
            "stages": [
                {"name": "acknowledged", "days": 10},
                {"name": "threshold_decided", "days": 15, "from": "acknowledged"},
            ]
        }
    )

    def with_stages(*stages: dict) -> list[str]:
        return fields({"stages": [*stages, {"name": "review_completed", "days": 20}]}, floor)

    ack, decided = (
        {"name": "acknowledged", "days": 10},
        {"name": "threshold_decided", "days": 15, "from": "acknowledged"},
    )
    assert with_stages(ack, decided) == []
    assert with_stages(ack) == ["stages"]  # the threshold decision has no time limit at all
    assert with_stages({**ack, "days": 11}, decided) == ["stages[0]"]
    assert with_stages(ack, {**decided, "days": 14}) == []
    assert with_stages(ack, {**decided, "from": "received"}) == []  # counted from an earlier step: never later
    assert with_stages({**ack, "days": 10, "day_kind": "calendar"}, decided) == []  # 10 calendar days end sooner
    assert with_stages({**ack, "days": 11, "day_kind": "calendar"}, decided) == ["stages[0]"]
    calendar_floor = NationalFloor.from_dict(
        {"stages": [{"name": "review_completed", "days": 28, "day_kind": "calendar"}]}
    )
    assert fields({"stages": [{"name": "review_completed", "days": 20}]}, calendar_floor) == ["stages[0]"]


def test_section_11_the_promises_of_sections_12_and_13_have_floors_too() -> None:
    floor = NationalFloor.from_dict(
        {
            "tell_within_working_days": 10,
            "update_every_working_days": 10,
            "pcc_request_within_working_days": 20,
            "pcc_review_grounds": ["threshold_wrongly_applied", "procedure_not_followed"],
        }
    )
    assert fields({}, floor) == []
    assert fields({"tell_within_working_days": 11}, floor) == ["tell_within_working_days"]
    assert fields({"update_every_working_days": 15}, floor) == ["update_every_working_days"]
    assert fields({"pcc_request_within_working_days": 10}, floor) == ["pcc_request_within_working_days"]
    assert fields({"pcc_review_grounds": ["procedure_not_followed"]}, floor) == ["pcc_review_grounds"]


def test_a_floor_is_written_as_policy_parameters_and_refuses_others() -> None:
    assert STATUTE.to_dict() == {
        "individual_min_complaints": 3,
        "reporting_window": {"months": 1},
        "lookback": {"months": 6},
    }
    assert NationalFloor.from_dict(STATUTE.to_dict()) == STATUTE
    with pytest.raises(PolicyError) as refused:
        NationalFloor.from_dict({"partner_agencies": ["police"]})
    assert refused.value.field == "partner_agencies"
    with pytest.raises(PolicyError) as refused:
        NationalFloor.from_dict({"lookback": {"months": 0}})
    assert refused.value.field == "lookback.months"


def test_section_11_what_relaxing_the_lookback_means_on_real_facts() -> None:
    # 182 days counts a complaint reported on 31 Jan 2026 for an application of 31 Jul 2026; six months do not.
    c = complaint(date(2026, 1, 31))
    received = date(2026, 7, 31)
    assert status(decide(individual(received), [c]), c) == ("outside_window",)
    assert status(decide(individual(received), [c], policy=HAVANT.with_changes(lookback={"days": 182})), c) == "counted"
    assert received - timedelta(days=181) == date(2026, 1, 31)
