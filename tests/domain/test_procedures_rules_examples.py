"""RULES.md section 11's worked examples, to the day: each a policy published with only those changes from Havant's."""

from datetime import date

import pytest
from procedure_facts import HELPER, HOME, MEMBERS, complaint, consent, decide, group, individual, status

from domain.deadlines import deadlines_for, stage_due_dates, stages_on
from domain.eligibility import ApplicationReason, ExclusionReason
from domain.policy import HAVANT_POLICY, Policy
from domain.vocabulary import ComplaintCategory, ComplaintSource, StageName, Verdict

HAVANT = HAVANT_POLICY


def published(**changes: object) -> Policy:
    """Version 2 of Havant's policy with only `changes`, given as the API writes them."""
    return HAVANT.with_changes(version=2, effective_from="2026-01-01", **changes)


# --- category_thresholds {"hate_incident": 1} ---

RECEIVED_1_JUL = date(2026, 7, 1)


def one_hate_incident() -> list:
    return [complaint(date(2026, 6, 20), category=ComplaintCategory.HATE_INCIDENT)]


def test_section_11_one_hate_incident_meets_a_hate_incident_threshold_of_one() -> None:
    result = decide(
        individual(RECEIVED_1_JUL), one_hate_incident(), policy=published(category_thresholds={"hate_incident": 1})
    )
    assert result.verdict is Verdict.MET
    assert result.reasons == ()
    assert "needs at least 3, or at least 1 in the category hate incident" in result.explanation
    assert "1 incident that counts is in the category hate incident." in result.explanation


def test_section_11_one_hate_incident_is_too_few_under_havant() -> None:
    result = decide(individual(RECEIVED_1_JUL), one_hate_incident())
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)


def test_section_11_more_incidents_of_the_category_than_its_threshold_meet_it_too() -> None:
    two = [
        complaint(date(2026, 6, 10), category=ComplaintCategory.HATE_INCIDENT),
        complaint(date(2026, 6, 20), category=ComplaintCategory.HATE_INCIDENT),
    ]
    result = decide(individual(RECEIVED_1_JUL), two, policy=published(category_thresholds={"hate_incident": 1}))
    assert result.verdict is Verdict.MET
    assert "2 incidents that count are in the category hate incident." in result.explanation


def test_section_11_a_category_threshold_counts_only_its_own_category() -> None:
    noise = [complaint(date(2026, 6, 20), category=ComplaintCategory.NOISE)]
    result = decide(individual(RECEIVED_1_JUL), noise, policy=published(category_thresholds={"hate_incident": 1}))
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)


def test_section_11_a_category_threshold_counts_counted_incidents_only() -> None:
    # Two reports of one hate incident are one incident; a category threshold of 2 is not met by them.
    reports = [
        complaint(date(2026, 6, 20), category=ComplaintCategory.HATE_INCIDENT, ref="HC-1"),
        complaint(date(2026, 6, 20), date(2026, 6, 21), category=ComplaintCategory.HATE_INCIDENT, ref="HC-1"),
    ]
    result = decide(individual(RECEIVED_1_JUL), reports, policy=published(category_thresholds={"hate_incident": 2}))
    assert status(result, reports[1]) == ("duplicate_incident",)
    assert result.verdict is Verdict.NOT_MET


# --- reporting_window {"days": 30} ---

RECEIVED_15_JUL = date(2026, 7, 15)  # window 16 Jan - 15 Jul 2026


def test_section_11_reported_30_days_after_the_incident_is_in_time() -> None:
    c = complaint(date(2026, 1, 31), date(2026, 3, 2))  # 30 days after 31 Jan 2026 is 2 Mar
    result = decide(individual(RECEIVED_15_JUL), [c], policy=published(reporting_window={"days": 30}))
    assert status(result, c) == "counted"


def test_section_11_reported_31_days_after_is_late_and_the_explanation_says_30_days() -> None:
    c = complaint(date(2026, 1, 31), date(2026, 3, 3))
    result = decide(individual(RECEIVED_15_JUL), [c], policy=published(reporting_window={"days": 30}))
    assert status(result, c) == ("reported_late",)
    assert "it was not reported within 30 days of the incident (the last day to report it was 2 March 2026)" in (
        result.explanation
    )


def test_section_11_the_same_report_is_late_under_havant_whose_last_day_is_28_february() -> None:
    c = complaint(date(2026, 1, 31), date(2026, 3, 2))
    result = decide(individual(RECEIVED_15_JUL), [c])
    assert status(result, c) == ("reported_late",)
    assert "within one month of the incident (the last day to report it was 28 February 2026)" in result.explanation


# --- lookback {"days": 183} ---


def test_section_11_a_183_day_lookback_runs_from_14_january_and_counts_a_report_that_day() -> None:
    c = complaint(date(2026, 1, 14))
    result = decide(individual(RECEIVED_15_JUL), [c], policy=published(lookback={"days": 183}))
    assert result.window == (date(2026, 1, 14), date(2026, 7, 15))
    assert status(result, c) == "counted"
    assert "The previous 183 days run from 14 January 2026 to 15 July 2026" in result.explanation


def test_section_11_the_day_before_a_183_day_lookback_is_outside_it() -> None:
    c = complaint(date(2026, 1, 13))
    result = decide(individual(RECEIVED_15_JUL), [c], policy=published(lookback={"days": 183}))
    assert status(result, c) == ("outside_window",)
    assert "outside the previous 183 days" in result.explanation


def test_section_11_the_same_report_is_outside_havants_six_months_from_16_january() -> None:
    c = complaint(date(2026, 1, 14))
    result = decide(individual(RECEIVED_15_JUL), [c])
    assert result.window == (date(2026, 1, 16), date(2026, 7, 15))
    assert status(result, c) == ("outside_window",)


# --- last_incident_in_window false ---


def old_incidents() -> list:
    """Incidents 5, 8 and 12 Jan 2026, reported 17, 18 and 19 Jan: inside the window, the incidents before it."""
    return [
        complaint(date(2026, 1, 5), date(2026, 1, 17)),
        complaint(date(2026, 1, 8), date(2026, 1, 18)),
        complaint(date(2026, 1, 12), date(2026, 1, 19)),
    ]


def test_section_11_without_the_last_incident_rule_three_old_incidents_meet_it() -> None:
    result = decide(individual(RECEIVED_15_JUL), old_incidents(), policy=published(last_incident_in_window=False))
    assert result.verdict is Verdict.MET
    assert result.reasons == ()
    assert "does not require the most recent incident to be inside them" in result.explanation


def test_section_11_with_havants_last_incident_rule_they_do_not() -> None:
    result = decide(individual(RECEIVED_15_JUL), old_incidents())
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.LAST_INCIDENT_OUTSIDE_WINDOW,)
    assert len(result.counted) == 3


# --- excluded_sources ["diary_sheet"] ---


def three_with_a_diary_sheet() -> list:
    return [
        complaint(date(2026, 2, 10), date(2026, 2, 12)),
        complaint(date(2026, 4, 3), source=ComplaintSource.DIARY_SHEET),
        complaint(date(2026, 7, 1), date(2026, 7, 2), source=ComplaintSource.PHONE),
    ]


def test_section_11_a_diary_sheet_complaint_does_not_count_where_diary_sheets_are_excluded() -> None:
    complaints = three_with_a_diary_sheet()
    result = decide(individual(RECEIVED_15_JUL), complaints, policy=published(excluded_sources=["diary_sheet"]))
    assert result.verdict is Verdict.NOT_MET
    assert status(result, complaints[1]) == (ExclusionReason.EXCLUDED_SOURCE,)
    assert status(result, complaints[2]) == "counted"
    assert "it was made on a diary sheet, and the policy does not count complaints made that way" in result.explanation


def test_section_11_the_same_three_meet_havants_threshold() -> None:
    assert decide(individual(RECEIVED_15_JUL), three_with_a_diary_sheet()).verdict is Verdict.MET


def test_section_11_excluded_source_is_listed_right_after_not_partner_agency() -> None:
    c = complaint(date(2026, 4, 3), agency="royal-mail", had=False, source=ComplaintSource.DIARY_SHEET)
    result = decide(individual(RECEIVED_15_JUL), [c], policy=published(excluded_sources=["diary_sheet"]))
    assert status(result, c) == ("not_partner_agency", "excluded_source", "not_had")
    assert list(ExclusionReason).index(ExclusionReason.EXCLUDED_SOURCE) == 2


# --- group_rule linked_location ---

A, B = MEMBERS[:2]


def five_at_home(reporters: tuple = (A, B, A, B, A), place: str = HOME) -> list:
    """Five incidents at one place, each reported personally by the member named, on different days."""
    return [
        complaint(date(2026, 6, 1 + 3 * i), victim=person, location_key=place) for i, person in enumerate(reporters)
    ]


def test_section_11_five_incidents_at_one_linked_location_by_two_consenting_people_meet_it() -> None:
    app = group((A, B), RECEIVED_15_JUL, applicant=HELPER)  # both must consent: neither is the representative
    consents = [consent(A, on=RECEIVED_15_JUL), consent(B, on=RECEIVED_15_JUL)]
    result = decide(app, five_at_home(), consents, policy=published(group_rule="linked_location"))
    assert result.verdict is Verdict.MET
    assert result.reasons == ()
    assert len(result.counted) == 5
    assert "5 incidents that count happened at one linked location, reported by 2 people" in result.explanation
    assert HOME not in result.explanation and HOME not in str(result.to_dict())  # the victim's personal data


def test_section_11_the_same_two_people_are_too_few_for_havants_five_individuals() -> None:
    app = group((A, B), RECEIVED_15_JUL, applicant=HELPER)
    consents = [consent(A, on=RECEIVED_15_JUL), consent(B, on=RECEIVED_15_JUL)]
    result = decide(app, five_at_home(), consents)
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)


def test_section_11_five_incidents_reported_by_one_person_are_not_a_linked_location_group() -> None:
    result = decide(
        group((A, B), RECEIVED_15_JUL),
        five_at_home((A,) * 5),
        [consent(B, on=RECEIVED_15_JUL)],
        policy=published(group_rule="linked_location"),
    )
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)
    assert "reported by 1 person" in result.explanation


def test_section_11_incidents_at_two_places_do_not_add_up() -> None:
    complaints = five_at_home((A, B, A), HOME)[:3] + five_at_home((B, A), "uprn-elsewhere")[:2]
    result = decide(
        group((A, B), RECEIVED_15_JUL),
        complaints,
        [consent(B, on=RECEIVED_15_JUL)],
        policy=published(group_rule="linked_location"),
    )
    assert len(result.counted) == 5
    assert result.verdict is Verdict.NOT_MET
    assert "3 incidents that count happened at one linked location, reported by 2 people" in result.explanation


def test_section_11_a_linked_location_member_without_consent_is_not_counted_and_the_group_waits() -> None:
    app = group((A, B), RECEIVED_15_JUL, applicant=HELPER)
    complaints = five_at_home()
    result = decide(app, complaints, [consent(A, on=RECEIVED_15_JUL)], policy=published(group_rule="linked_location"))
    assert result.verdict is Verdict.PENDING  # met once B consents
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS, ApplicationReason.MEMBER_CONSENT_MISSING)
    assert status(result, complaints[1]) == ("member_consent_missing",)


def test_section_11_a_linked_location_group_needs_its_most_recent_incident_in_the_window() -> None:
    old = [
        complaint(date(2026, 1, 2 + i), date(2026, 1, 16 + i), victim=p, location_key=HOME)
        for i, p in enumerate((A, B, A, B, A))
    ]
    policy = published(group_rule="linked_location")
    result = decide(group((A, B), RECEIVED_15_JUL), old, [consent(B, on=RECEIVED_15_JUL)], policy=policy)
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons == (ApplicationReason.LAST_INCIDENT_OUTSIDE_WINDOW,)


# --- stages ---

RECEIVED_2_NOV = date(2026, 11, 2)  # a Monday


def test_section_11_acknowledged_in_10_working_days_and_threshold_decided_15_working_days_from_acknowledged() -> None:
    policy = published(
        stages=[
            {"name": "acknowledged", "days": 10, "day_kind": "working", "from": "received"},
            {"name": "threshold_decided", "days": 15, "day_kind": "working", "from": "acknowledged"},
            {"name": "review_completed", "days": 20, "day_kind": "working", "from": "received"},
        ]
    )
    before = stage_due_dates(policy, RECEIVED_2_NOV)
    assert before[StageName.ACKNOWLEDGED] == date(2026, 11, 16)  # Mon 16 Nov
    assert before[StageName.THRESHOLD_DECIDED] is None  # not acknowledged yet: no due date
    after = stage_due_dates(policy, RECEIVED_2_NOV, {"acknowledged": date(2026, 11, 4)})
    assert after[StageName.THRESHOLD_DECIDED] == date(2026, 11, 25)  # Wed 25 Nov
    on_3_nov = {
        s.name: s
        for s in stages_on(policy, RECEIVED_2_NOV, on=date(2026, 11, 3), done_on={"acknowledged": date(2026, 11, 4)})
    }
    assert on_3_nov[StageName.THRESHOLD_DECIDED].due_date is None  # as on 3 Nov, the acknowledgement had not happened


def test_section_11_a_stage_of_28_calendar_days_from_received_mon_2_nov_is_due_mon_30_nov() -> None:
    policy = published(stages=[{"name": "review_completed", "days": 28, "day_kind": "calendar", "from": "received"}])
    assert stage_due_dates(policy, RECEIVED_2_NOV) == {StageName.REVIEW_COMPLETED: date(2026, 11, 30)}
    assert deadlines_for(policy, RECEIVED_2_NOV).review == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 2), date(2026, 11, 30)),
        (date(2026, 12, 14), date(2027, 1, 14)),
        (date(2026, 3, 20), date(2026, 4, 21)),
    ],
)
def test_section_11_havants_one_stage_keeps_section_8s_due_dates(received: date, due: date) -> None:
    assert stage_due_dates(HAVANT, received) == {StageName.REVIEW_COMPLETED: due}
    assert deadlines_for(HAVANT, received).review == due
