"""RULES.md section 7: the policy, its versions and its validation."""

import json
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.policy import (
    HAVANT_POLICY,
    CalendarSpec,
    NoPolicyInForce,
    Policy,
    PolicyError,
    format_month_day,
    parse_month_day,
    policy_in_force,
    reporting_year,
)


def test_havant_values_are_those_of_section_7() -> None:
    p = HAVANT_POLICY
    assert (p.name, p.version, p.effective_from) == ("safer-havant", 1, date(2014, 10, 20))
    assert p.individual_min_complaints == 3
    assert p.group_min_individuals == 5
    assert p.reporting_window_months == 1
    assert p.lookback_months == 6
    assert p.review_due_working_days == 20
    assert p.acknowledge_working_days is None
    assert p.threshold_decision_working_days is None
    assert p.outcome_letter_working_days is None
    assert p.reporting_year_start == (4, 1)
    assert p.partner_agencies == {
        "havant-borough-council",
        "hampshire-constabulary",
        "nhs-hampshire-iow-icb",
        "sovereign-network-group",
        "vivid-homes",
        "clarion-housing",
    }
    assert p.calendar == CalendarSpec(country="GB", subdivision="ENG", closure_days=frozenset())


# --- validation names the field at fault ---


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"individual_min_complaints": 4}, "individual_min_complaints"),  # the law caps it at three
        ({"individual_min_complaints": 0}, "individual_min_complaints"),
        ({"individual_min_complaints": True}, "individual_min_complaints"),
        ({"individual_min_complaints": "3"}, "individual_min_complaints"),
        ({"group_min_individuals": 1}, "group_min_individuals"),
        ({"reporting_window_months": 0}, "reporting_window_months"),
        ({"lookback_months": 0}, "lookback_months"),
        ({"lookback_months": 10**9}, "lookback_months"),
        ({"review_due_working_days": 0}, "review_due_working_days"),
        ({"acknowledge_working_days": 0}, "acknowledge_working_days"),
        ({"threshold_decision_working_days": -1}, "threshold_decision_working_days"),
        ({"outcome_letter_working_days": 2.5}, "outcome_letter_working_days"),
        ({"version": 0}, "version"),
        ({"version": "2"}, "version"),
        ({"name": ""}, "name"),
        ({"name": "safer havant@2"}, "name"),
        ({"effective_from": "20-10-2014"}, "effective_from"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"effective_from": datetime(2026, 1, 1)}, "effective_from"),
        ({"reporting_year_start": "02-29"}, "reporting_year_start"),  # not every year has it
        ({"reporting_year_start": "13-01"}, "reporting_year_start"),
        ({"reporting_year_start": "4-1"}, "reporting_year_start"),
        ({"reporting_year_start": (4,)}, "reporting_year_start"),
        ({"partner_agencies": "hampshire-constabulary"}, "partner_agencies"),
        ({"partner_agencies": ["Hampshire Constabulary"]}, "partner_agencies"),
        ({"partner_agencies": [["hampshire-constabulary"]]}, "partner_agencies"),
        ({"calendar": {"country": "Great Britain"}}, "calendar.country"),
        ({"calendar": {"subdivision": ""}}, "calendar.subdivision"),
        ({"calendar": {"closure_days": ["24/12/2026"]}}, "calendar.closure_days"),
        ({"calendar": {"holidays": []}}, "calendar.holidays"),
        ({"calendar": "GB"}, "calendar"),
        ({"unknown_parameter": 1}, "unknown_parameter"),
    ],
)
def test_a_parameter_that_breaks_a_rule_is_refused_naming_it(changes: dict, field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        HAVANT_POLICY.with_changes(**changes)
    assert refused.value.field == field
    assert isinstance(refused.value, ValueError)
    assert field.split(".")[-1] in str(refused.value) or "calendar" in field


def test_more_than_three_complaints_is_refused_because_the_law_caps_it() -> None:
    with pytest.raises(PolicyError, match="three") as refused:
        Policy(name="strict", version=1, effective_from=date(2026, 1, 1), individual_min_complaints=4)
    assert refused.value.field == "individual_min_complaints"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_lower_number_of_complaints_is_allowed(number: int) -> None:
    assert HAVANT_POLICY.with_changes(individual_min_complaints=number).individual_min_complaints == number


def test_a_set_or_list_of_agencies_is_kept_as_a_frozenset() -> None:
    policy = HAVANT_POLICY.with_changes(partner_agencies=["hampshire-constabulary", "havant-borough-council"])
    assert policy.partner_agencies == frozenset({"hampshire-constabulary", "havant-borough-council"})
    hash(policy)  # a policy is a value: it can key a cache


# --- new versions ---


def test_with_changes_takes_what_is_not_given_from_the_current_version() -> None:
    v2 = HAVANT_POLICY.with_changes(version=2, effective_from="2026-04-01", individual_min_complaints=2)
    assert (v2.version, v2.effective_from, v2.individual_min_complaints) == (2, date(2026, 4, 1), 2)
    assert v2.partner_agencies == HAVANT_POLICY.partner_agencies
    assert v2.lookback_months == HAVANT_POLICY.lookback_months
    assert HAVANT_POLICY.version == 1  # the published version is never changed


def test_with_changes_takes_api_shaped_values() -> None:
    v2 = HAVANT_POLICY.with_changes(
        version=2,
        effective_from="2026-04-01",
        reporting_year_start="01-01",
        acknowledge_working_days=3,
        calendar={"country": "GB", "subdivision": "ENG", "closure_days": ["2026-12-24", "2026-12-29"]},
    )
    assert v2.reporting_year_start == (1, 1)
    assert v2.acknowledge_working_days == 3
    assert v2.calendar.closure_days == frozenset({date(2026, 12, 24), date(2026, 12, 29)})


def test_a_partial_calendar_keeps_the_rest_of_the_current_calendar() -> None:
    v1 = HAVANT_POLICY.with_changes(calendar=CalendarSpec("GB", "WLS", frozenset({date(2026, 12, 24)})))
    v2 = v1.with_changes(calendar={"closure_days": ["2027-12-24"]})
    assert v2.calendar == CalendarSpec("GB", "WLS", frozenset({date(2027, 12, 24)}))


def test_a_country_without_regional_bank_holidays_needs_no_subdivision() -> None:
    policy = HAVANT_POLICY.with_changes(calendar={"country": "IE", "subdivision": None})
    assert policy.calendar.subdivision is None
    assert Policy.from_dict(policy.to_dict()) == policy


def test_an_optional_deadline_can_be_unset_again() -> None:
    tracked = HAVANT_POLICY.with_changes(outcome_letter_working_days=5)
    assert tracked.with_changes(outcome_letter_working_days=None).outcome_letter_working_days is None


def test_policy_in_force_is_the_latest_effective_on_the_date() -> None:
    v1 = HAVANT_POLICY
    v2 = v1.with_changes(version=2, effective_from=date(2026, 4, 1), individual_min_complaints=2)
    v3 = v1.with_changes(version=3, effective_from=date(2027, 1, 1))
    versions = [v3, v1, v2]
    assert policy_in_force(versions, date(2026, 3, 31)) == v1
    assert policy_in_force(versions, date(2026, 4, 1)) == v2  # in force from its effective date
    assert policy_in_force(versions, date(2026, 12, 31)) == v2
    assert policy_in_force(versions, date(2027, 6, 1)) == v3
    assert policy_in_force(iter(versions), date(2014, 10, 20)) == v1  # any iterable


def test_on_the_same_effective_date_the_highest_version_is_in_force() -> None:
    v2 = HAVANT_POLICY.with_changes(version=2, effective_from=date(2026, 4, 1))
    v3 = HAVANT_POLICY.with_changes(version=3, effective_from=date(2026, 4, 1), group_min_individuals=4)
    assert policy_in_force([v3, v2], date(2026, 5, 1)) == v3
    assert policy_in_force([v2, v3], date(2026, 5, 1)) == v3


def test_no_version_in_force_is_a_clear_error() -> None:
    with pytest.raises(NoPolicyInForce, match="2014-10-19"):
        policy_in_force([HAVANT_POLICY], date(2014, 10, 19))
    with pytest.raises(ValueError):
        policy_in_force([], date(2026, 1, 1))


# --- reporting years (section 10) ---


def test_havant_reporting_year_runs_1_april_to_31_march() -> None:
    assert reporting_year(HAVANT_POLICY, 2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert reporting_year(HAVANT_POLICY, 2027) == (date(2027, 4, 1), date(2028, 3, 31))


def test_a_calendar_reporting_year() -> None:
    policy = HAVANT_POLICY.with_changes(reporting_year_start="01-01")
    assert reporting_year(policy, 2028) == (date(2028, 1, 1), date(2028, 12, 31))


def test_a_reporting_year_starting_1_march_ends_on_29_february_in_a_leap_year() -> None:
    policy = HAVANT_POLICY.with_changes(reporting_year_start="03-01")
    assert reporting_year(policy, 2027) == (date(2027, 3, 1), date(2028, 2, 29))
    assert reporting_year(policy, 2026) == (date(2026, 3, 1), date(2027, 2, 28))


def test_month_day_text() -> None:
    assert parse_month_day("04-01") == (4, 1)
    assert format_month_day((4, 1)) == "04-01"
    with pytest.raises(PolicyError):
        parse_month_day("04/01")


# --- to_dict / from_dict ---


def test_to_dict_is_json_primitives_in_the_api_shape() -> None:
    data = HAVANT_POLICY.with_changes(calendar={"closure_days": ["2026-12-24"]}).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["effective_from"] == "2014-10-20"
    assert data["reporting_year_start"] == "04-01"
    assert data["partner_agencies"] == sorted(HAVANT_POLICY.partner_agencies)
    assert data["calendar"] == {"country": "GB", "subdivision": "ENG", "closure_days": ["2026-12-24"]}


def test_from_dict_refuses_a_policy_without_name_version_or_date() -> None:
    data = HAVANT_POLICY.to_dict()
    del data["version"]
    with pytest.raises(PolicyError) as refused:
        Policy.from_dict(data)
    assert refused.value.field == "version"


optional_days = st.none() | st.integers(min_value=1, max_value=60)
policies = st.builds(
    Policy,
    name=st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True),
    version=st.integers(min_value=1, max_value=10**6),
    effective_from=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    individual_min_complaints=st.integers(min_value=1, max_value=3),
    group_min_individuals=st.integers(min_value=2, max_value=50),
    reporting_window_months=st.integers(min_value=1, max_value=12),
    lookback_months=st.integers(min_value=1, max_value=24),
    review_due_working_days=st.integers(min_value=1, max_value=100),
    acknowledge_working_days=optional_days,
    threshold_decision_working_days=optional_days,
    outcome_letter_working_days=optional_days,
    reporting_year_start=st.dates(min_value=date(2001, 1, 1), max_value=date(2001, 12, 31)).map(
        lambda d: (d.month, d.day)
    ),
    # At least one agency, and calendars `holidays` knows: both are refused otherwise (RULES.md section 11).
    partner_agencies=st.frozensets(
        st.from_regex(r"[a-z]{1,10}(-[a-z0-9]{1,6}){0,3}", fullmatch=True), min_size=1, max_size=8
    ),
    calendar=st.sampled_from([("GB", "ENG"), ("GB", "WLS"), ("GB", "SCT"), ("GB", "NIR"), ("IE", None)]).flatmap(
        lambda place: st.builds(
            CalendarSpec,
            country=st.just(place[0]),
            subdivision=st.just(place[1]),
            closure_days=st.frozensets(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), max_size=5),
        )
    ),
)


@given(policies)
def test_to_dict_from_dict_round_trips_exactly(policy: Policy) -> None:
    data = policy.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert Policy.from_dict(data) == policy
    assert Policy.from_dict(json.loads(json.dumps(data))).to_dict() == data


@given(policies, policies)
def test_with_changes_from_a_whole_dict_gives_that_policy(base: Policy, other: Policy) -> None:
    assert base.with_changes(**other.to_dict()) == other
