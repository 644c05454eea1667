"""RULES.md sections 7 and 11 to 13: a policy says every parameter, names the field at fault, and reads old versions."""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import Period
from domain.policy import (
    HAVANT_PCC_REVIEW_GROUNDS,
    HAVANT_POLICY,
    PARAMETERS,
    CalendarSpec,
    Policy,
    PolicyError,
    Stage,
)
from domain.policy_book import PolicyBook, policy_dict_v1_to_v2
from domain.vocabulary import ComplaintCategory, ComplaintSource, DayKind, GroupRule, StageName

HAVANT = HAVANT_POLICY

# Exactly what today's code (main, before section 11) wrote into PolicyBook.VersionPublished: Policy.to_dict().
V1_HAVANT = json.loads(
    '{"name": "safer-havant", "version": 1, "effective_from": "2014-10-20", "individual_min_complaints": 3, '
    '"group_min_individuals": 5, "reporting_window_months": 1, "lookback_months": 6, "review_due_working_days": 20, '
    '"acknowledge_working_days": null, "threshold_decision_working_days": null, "outcome_letter_working_days": null, '
    '"reporting_year_start": "04-01", "partner_agencies": ["clarion-housing", "hampshire-constabulary", '
    '"havant-borough-council", "nhs-hampshire-iow-icb", "sovereign-network-group", "vivid-homes"], '
    '"calendar": {"country": "GB", "subdivision": "ENG", "closure_days": []}}'
)
V1_CHANGED = json.loads(
    '{"name": "safer-havant", "version": 3, "effective_from": "2027-04-01", "individual_min_complaints": 3, '
    '"group_min_individuals": 5, "reporting_window_months": 2, "lookback_months": 12, "review_due_working_days": 25, '
    '"acknowledge_working_days": 3, "threshold_decision_working_days": null, "outcome_letter_working_days": 5, '
    '"reporting_year_start": "04-01", "partner_agencies": ["hampshire-constabulary"], '
    '"calendar": {"country": "GB", "subdivision": "ENG", "closure_days": ["2027-12-29"]}}'
)


# --- section 11's parameters and Havant's values ---


def test_section_11_havants_values() -> None:
    assert HAVANT.reporting_window == Period(1, "months")
    assert HAVANT.lookback == Period(6, "months")
    assert HAVANT.last_incident_in_window is True
    assert HAVANT.category_thresholds == ()
    assert HAVANT.excluded_sources == frozenset()
    assert HAVANT.group_rule is GroupRule.INDIVIDUALS
    assert HAVANT.stages == (Stage(StageName.REVIEW_COMPLETED, 20, DayKind.WORKING, "received"),)


def test_sections_12_and_13_havants_values() -> None:
    assert HAVANT.tell_within_working_days == 10
    assert HAVANT.update_every_working_days == 10
    assert HAVANT.pcc_request_within_working_days == 20
    assert HAVANT.pcc_review_grounds == ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")
    assert HAVANT_PCC_REVIEW_GROUNDS == HAVANT.pcc_review_grounds


def test_section_11_every_parameter_as_the_api_writes_it() -> None:
    policy = HAVANT.with_changes(
        version=2,
        reporting_window={"days": 30},
        lookback={"days": 183},
        last_incident_in_window=False,
        category_thresholds={"hate_incident": 1},
        excluded_sources=["diary_sheet", "patrol"],
        group_rule="linked_location",
        stages=[
            {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
            {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
            {"name": "review_completed", "days": 28, "day_kind": "calendar", "from": "received"},
        ],
        tell_within_working_days=5,
        update_every_working_days=15,
        pcc_request_within_working_days=30,
        pcc_review_grounds=["procedure_not_followed"],
    )
    assert policy.reporting_window == Period(30, "days") and policy.lookback == Period(183, "days")
    assert policy.category_threshold_map == {ComplaintCategory.HATE_INCIDENT: 1}
    assert policy.excluded_sources == {ComplaintSource.DIARY_SHEET, ComplaintSource.PATROL}
    assert policy.stage("threshold_decided") == Stage(StageName.THRESHOLD_DECIDED, 15, DayKind.WORKING, "acknowledged")
    data = policy.to_dict()
    assert data["reporting_window"] == {"days": 30}
    assert data["category_thresholds"] == {"hate_incident": 1}
    assert data["excluded_sources"] == ["diary_sheet", "patrol"]
    assert data["stages"][1] == {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"}
    assert Policy.from_dict(data) == policy
    assert json.loads(json.dumps(data)) == data


# --- validation names the field, dotted and indexed ---


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reporting_window": {"weeks": 4}}, "reporting_window"),
        ({"reporting_window": {"months": 1, "days": 30}}, "reporting_window"),
        ({"reporting_window": {"days": 0}}, "reporting_window.days"),
        ({"reporting_window": {"days": 10**6}}, "reporting_window.days"),
        ({"reporting_window": {"months": 121}}, "reporting_window.months"),
        ({"reporting_window": 30}, "reporting_window"),
        ({"lookback": {"days": "183"}}, "lookback.days"),
        ({"lookback": {"months": True}}, "lookback.months"),
        ({"last_incident_in_window": "false"}, "last_incident_in_window"),
        ({"last_incident_in_window": 0}, "last_incident_in_window"),
        ({"category_thresholds": {"hate_incident": 4}}, "category_thresholds.hate_incident"),
        ({"category_thresholds": {"hate_incident": 0}}, "category_thresholds.hate_incident"),
        ({"category_thresholds": {"hate_crime": 1}}, "category_thresholds.hate_crime"),
        ({"category_thresholds": ["hate_incident"]}, "category_thresholds"),
        ({"excluded_sources": ["diary_sheet", "pigeon"]}, "excluded_sources[1]"),
        ({"excluded_sources": "diary_sheet"}, "excluded_sources"),
        ({"excluded_sources": [s.value for s in ComplaintSource]}, "excluded_sources"),
        ({"group_rule": "street"}, "group_rule"),
        ({"group_min_individuals": 101}, "group_min_individuals"),
        ({"stages": []}, "stages"),
        ({"stages": [{"name": "review_completed", "days": 20, "from": "acknowledged"}]}, "stages[0].from"),
        (
            {
                "stages": [
                    {"name": "review_completed", "days": 20},
                    {"name": "acknowledged", "days": 5, "from": "threshold_decided"},
                ]
            },
            "stages[1].from",
        ),
        (
            {
                "stages": [
                    {"name": "acknowledged", "days": 5, "from": "acknowledged"},
                    {"name": "review_completed", "days": 20},
                ]
            },
            "stages[0].from",
        ),
        (
            {"stages": [{"name": "review_completed", "days": 20}, {"name": "review_completed", "days": 25}]},
            "stages[1].name",
        ),
        ({"stages": [{"name": "review_done", "days": 20}]}, "stages[0].name"),
        ({"stages": [{"name": "review_completed", "days": 0}]}, "stages[0].days"),
        ({"stages": [{"name": "review_completed", "days": 367}]}, "stages[0].days"),
        ({"stages": [{"name": "review_completed", "days": 20, "day_kind": "weekdays"}]}, "stages[0].day_kind"),
        ({"stages": [{"name": "review_completed"}]}, "stages[0].days"),
        ({"stages": [{"name": "review_completed", "days": 20, "by": "coordinator"}]}, "stages[0].by"),
        ({"stages": ["review_completed"]}, "stages[0]"),
        ({"tell_within_working_days": 0}, "tell_within_working_days"),
        ({"update_every_working_days": 400}, "update_every_working_days"),
        ({"pcc_request_within_working_days": 2.5}, "pcc_request_within_working_days"),
        ({"pcc_review_grounds": []}, "pcc_review_grounds"),
        ({"pcc_review_grounds": ["procedure_not_followed", "procedure_not_followed"]}, "pcc_review_grounds[1]"),
        ({"pcc_review_grounds": ["Procedure not followed"]}, "pcc_review_grounds[0]"),
        ({"partner_agencies": []}, "partner_agencies"),
        ({"calendar": {"country": "ZZ"}}, "calendar.country"),
        ({"calendar": {"country": "GB", "subdivision": "XYZ"}}, "calendar.subdivision"),
        ({"calendar": {"country": "GB", "subdivision": None}}, "calendar.subdivision"),
        ({"calendar": {"country": "IE", "subdivision": "ENG"}}, "calendar.subdivision"),
        ({"calendar": {"closure_days": ["1899-12-25"]}}, "calendar.closure_days"),
        ({"effective_from": "1899-12-31"}, "effective_from"),
        ({"effective_from": "3000-01-01"}, "effective_from"),
        ({"version": 2**31}, "version"),
        ({"name": "a" * 101}, "name"),
        # Section 7's names: refused as before, and never contradicting the new ones given with them.
        ({"review_due_working_days": None}, "review_due_working_days"),
        ({"reporting_window_months": 2, "reporting_window": {"months": 1}}, "reporting_window_months"),
        ({"lookback_months": 6, "lookback": {"days": 183}}, "lookback_months"),
        (
            {"review_due_working_days": 25, "stages": [{"name": "review_completed", "days": 20}]},
            "review_due_working_days",
        ),
    ],
)
def test_section_11_a_parameter_that_breaks_a_rule_is_refused_naming_it(changes: dict, field: str) -> None:
    with pytest.raises(PolicyError) as refused:
        HAVANT.with_changes(**changes)
    assert refused.value.field == field
    assert refused.value.message


def test_section_11_an_unknown_country_is_refused_when_published_not_when_a_due_date_is_first_needed() -> None:
    with pytest.raises(PolicyError, match="ZZ") as refused:
        Policy(
            name="somewhere",
            version=1,
            effective_from="2026-01-01",
            partner_agencies=["police"],
            calendar={"country": "ZZ", "subdivision": None},
        )
    assert refused.value.field == "calendar.country"


def test_section_11_effective_dates_from_1900_to_2999_are_accepted() -> None:
    assert HAVANT.with_changes(effective_from="1900-01-01").effective_from == date(1900, 1, 1)
    assert HAVANT.with_changes(effective_from="2999-12-31").effective_from == date(2999, 12, 31)


# --- section 7's names keep working ---


def test_section_7_names_set_section_11_parameters() -> None:
    policy = HAVANT.with_changes(
        reporting_window_months=2,
        lookback_months=12,
        review_due_working_days=25,
        acknowledge_working_days=3,
        threshold_decision_working_days=10,
        outcome_letter_working_days=5,
    )
    assert policy.reporting_window == Period(2, "months") and policy.lookback == Period(12, "months")
    assert [s.to_dict() for s in policy.stages] == [
        {"name": "acknowledged", "days": 3, "day_kind": "working", "from": "received"},
        {"name": "threshold_decided", "days": 10, "day_kind": "working", "from": "received"},
        {"name": "review_completed", "days": 25, "day_kind": "working", "from": "received"},
        {"name": "outcome_notified", "days": 5, "day_kind": "working", "from": "received"},
    ]
    assert (policy.reporting_window_months, policy.lookback_months, policy.review_due_working_days) == (2, 12, 25)
    assert (policy.acknowledge_working_days, policy.threshold_decision_working_days) == (3, 10)
    assert policy.outcome_letter_working_days == 5


def test_section_7_names_are_still_written_where_section_11_can_say_them() -> None:
    data = HAVANT.to_dict()
    assert (data["reporting_window_months"], data["lookback_months"], data["review_due_working_days"]) == (1, 6, 20)
    assert data["acknowledge_working_days"] is None  # not tracked, as before
    in_days = HAVANT.with_changes(
        reporting_window={"days": 30},
        stages=[
            {"name": "acknowledged", "days": 10, "from": "received"},
            {"name": "threshold_decided", "days": 15, "from": "acknowledged"},
            {"name": "review_completed", "days": 28, "day_kind": "calendar"},
        ],
    ).to_dict()
    # A window in days, a stage from another stage or in calendar days: section 7 cannot say them, so they are left out.
    assert "reporting_window_months" not in in_days and in_days["lookback_months"] == 6
    assert "threshold_decision_working_days" not in in_days and "review_due_working_days" not in in_days
    assert in_days["acknowledge_working_days"] == 10 and in_days["outcome_letter_working_days"] is None
    assert Policy.from_dict(in_days).to_dict() == in_days


def test_section_7_unsetting_a_stage_another_is_counted_from_is_refused() -> None:
    gosport_like = HAVANT.with_changes(
        stages=[
            {"name": "acknowledged", "days": 10},
            {"name": "threshold_decided", "days": 15, "from": "acknowledged"},
            {"name": "review_completed", "days": 20},
        ]
    )
    with pytest.raises(PolicyError, match="threshold_decided") as refused:
        gosport_like.with_changes(acknowledge_working_days=None)
    assert refused.value.field == "acknowledge_working_days"


# --- changed_from (API.md v1.1: publication answers `changed`) ---


def test_changed_from_names_the_parameters_that_differ_in_order() -> None:
    v2 = HAVANT.with_changes(
        version=2, effective_from="2027-04-01", lookback={"days": 183}, individual_min_complaints=2
    )
    assert v2.changed_from(HAVANT) == ["individual_min_complaints", "lookback"]
    assert HAVANT.changed_from(HAVANT) == []
    assert HAVANT.with_changes(review_due_working_days=25).changed_from(HAVANT) == ["stages"]
    assert HAVANT.with_changes(calendar={"closure_days": ["2026-12-29"]}).changed_from(HAVANT) == ["calendar"]


def test_changed_from_knows_every_parameter() -> None:
    assert set(PARAMETERS) == set(HAVANT.to_dict()) - {
        "name", "version", "effective_from", "reporting_window_months", "lookback_months", "review_due_working_days",
        "acknowledge_working_days", "threshold_decision_working_days", "outcome_letter_working_days",
    }  # fmt: skip


# --- the stored v1 shape (PolicyBook.VersionPublished class_version 1) ---


def test_version_published_v1_is_upcast_to_the_shape_to_dict_writes_today() -> None:
    assert PolicyBook.VersionPublished.class_version == 2
    state = {"policy": json.loads(json.dumps(V1_HAVANT))}
    PolicyBook.VersionPublished.upcast_v1_v2(state)
    assert state["policy"] == HAVANT.to_dict()
    assert Policy.from_stored(state["policy"]) == HAVANT


def test_a_changed_v1_version_is_upcast_deciding_as_it_did() -> None:
    upcast = policy_dict_v1_to_v2(V1_CHANGED)
    policy = Policy.from_stored(upcast)
    assert policy.to_dict() == upcast
    assert (policy.reporting_window, policy.lookback) == (Period(2, "months"), Period(12, "months"))
    assert [(s.name.value, s.days) for s in policy.stages] == [
        ("acknowledged", 3), ("review_completed", 25), ("outcome_notified", 5),
    ]  # fmt: skip
    assert (policy.acknowledge_working_days, policy.threshold_decision_working_days) == (3, None)
    assert policy.calendar.closure_days == {date(2027, 12, 29)}
    assert {k: upcast[k] for k in V1_CHANGED} == V1_CHANGED  # section 7's names read as they were


def test_a_v1_version_published_before_todays_rules_still_reads() -> None:
    # v1 accepted no partner agencies and a calendar `holidays` cannot supply; such a version is a fact.
    old = {**V1_HAVANT, "partner_agencies": [], "calendar": {"country": "GB", "subdivision": None, "closure_days": []}}
    policy = Policy.from_stored(policy_dict_v1_to_v2(old))
    assert policy.partner_agencies == frozenset() and policy.calendar.subdivision is None
    with pytest.raises(PolicyError) as refused:  # but no new version may be published like it
        policy.with_changes(version=2)
    assert refused.value.field == "partner_agencies"


# --- round trips ---

stage_lists = st.lists(
    st.sampled_from([n for n in StageName if n is not StageName.REVIEW_COMPLETED]), unique=True, max_size=5
).flatmap(
    lambda names: st.tuples(
        *[
            st.builds(
                lambda name, days, kind, from_index: {
                    "name": name.value,
                    "days": days,
                    "day_kind": kind,
                    "from_index": from_index,
                },
                st.just(name),
                st.integers(1, 366),
                st.sampled_from(["working", "calendar"]),
                st.integers(-1, 10),
            )
            for name in names
        ]
    )  # fmt: skip
)


def _ordered(drafts: tuple, review: dict) -> list[dict]:
    stages: list[dict] = []
    for draft in (*drafts, review):
        earlier = [s["name"] for s in stages]
        index = draft.pop("from_index")
        draft["from"] = earlier[index] if 0 <= index < len(earlier) else "received"
        stages.append(draft)
    return stages


section_11_policies = st.builds(
    lambda base, window, lookback, last, thresholds, sources, rule, drafts, review, tell, update, pcc, grounds: base.with_changes(
        reporting_window=window, lookback=lookback, last_incident_in_window=last, category_thresholds=thresholds,
        excluded_sources=sources, group_rule=rule,
        stages=_ordered(drafts, {"name": "review_completed", "days": review[0], "day_kind": review[1], "from_index": -1}),
        tell_within_working_days=tell, update_every_working_days=update, pcc_request_within_working_days=pcc,
        pcc_review_grounds=grounds,
    ),
    st.sampled_from([HAVANT, HAVANT.with_changes(name="gosport", version=7, calendar={"subdivision": "WLS"})]),
    st.one_of(st.builds(lambda n: {"months": n}, st.integers(1, 120)), st.builds(lambda n: {"days": n}, st.integers(1, 3660))),
    st.one_of(st.builds(lambda n: {"months": n}, st.integers(1, 120)), st.builds(lambda n: {"days": n}, st.integers(1, 3660))),
    st.booleans(),
    st.dictionaries(st.sampled_from([c.value for c in ComplaintCategory]), st.integers(1, 3), max_size=4),
    st.lists(st.sampled_from([s.value for s in ComplaintSource]), unique=True, max_size=7),
    st.sampled_from(["individuals", "linked_location"]),
    stage_lists,
    st.tuples(st.integers(1, 366), st.sampled_from(["working", "calendar"])),
    st.integers(1, 366), st.integers(1, 366), st.integers(1, 366),
    st.lists(st.from_regex(r"[a-z]{1,10}(_[a-z0-9]{1,6}){0,3}", fullmatch=True), unique=True, min_size=1, max_size=5),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(section_11_policies)
def test_section_11_to_dict_from_dict_round_trips(policy: Policy) -> None:
    data = policy.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert Policy.from_dict(data) == policy
    assert Policy.from_stored(json.loads(json.dumps(data))) == policy
    assert hash(Policy.from_dict(data)) == hash(policy)


@settings(max_examples=100, deadline=None)
@given(section_11_policies, section_11_policies)
def test_section_11_with_changes_from_a_whole_dict_gives_that_policy_and_changed_lists_the_differences(
    base: Policy, other: Policy
) -> None:
    assert base.with_changes(**other.to_dict()) == other
    changed = other.changed_from(base)
    assert all(getattr(other, name) != getattr(base, name) for name in changed)
    assert all(getattr(other, name) == getattr(base, name) for name in PARAMETERS if name not in changed)


def test_a_calendar_spec_is_data_until_a_policy_uses_it() -> None:
    # Building the value does not look anything up; publishing a policy with it does (see above).
    assert CalendarSpec(country="ZZ", subdivision=None).country == "ZZ"


def test_section_11_stages_that_leave_out_review_completed_keep_the_versions_own() -> None:
    """RULES.md 11's worked example publishes only an acknowledgement and a threshold decision: section 8's time frame
    (the review_completed stage, the application's due date) stays as the version it derives from had it."""
    longer = HAVANT_POLICY.with_changes(review_due_working_days=25)
    given = [
        {"name": "acknowledged", "days": 10, "from": "received"},
        {"name": "threshold_decided", "days": 15, "from": "acknowledged"},
        {"name": "outcome_notified", "days": 28, "day_kind": "calendar", "from": "received"},
    ]
    derived = longer.with_changes(stages=given)
    assert [(s.name.value, s.days, s.from_step) for s in derived.stages] == [
        ("acknowledged", 10, "received"),
        ("threshold_decided", 15, "acknowledged"),
        ("review_completed", 25, "received"),  # where the lifecycle has it, before the outcome
        ("outcome_notified", 28, "received"),
    ]
    assert derived.changed_from(longer) == ["stages"]
    assert longer.with_changes(stages=given[:1], review_due_working_days=30).review_due_working_days == 30
