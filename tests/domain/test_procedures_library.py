"""The library of real procedures (procedures/*.json): each parses, and decides its own published examples.

Each worked case is taken from the procedure's published text (quoted in the file's `source.says`),
set on dates checked by hand against the calendar (England, or Wales for the Welsh procedures).
"""

import json
from datetime import date
from pathlib import Path

import pytest
from procedure_facts import HELPER, HOME, MEMBERS, complaint, consent, decide, group, individual, status

from domain.deadlines import stage_due_dates
from domain.eligibility import ApplicationReason
from domain.policy import Policy, PolicyError
from domain.procedures import Procedure, load_procedure, procedure_policy
from domain.vocabulary import ComplaintCategory, StageName, Verdict

LIBRARY = Path(__file__).resolve().parents[2] / "procedures"
FILES = sorted(LIBRARY.glob("*.json"))
RECEIVED_2_NOV = date(2026, 11, 2)  # a Monday
RECEIVED_15_JUL = date(2026, 7, 15)  # looks back six months to 16 Jan 2026


def load(name: str) -> Procedure:
    return load_procedure((LIBRARY / f"{name}.json").read_text())


def three_incidents(agency: str) -> list:
    """Three separate incidents in the previous six months, each reported within a few days."""
    return [
        complaint(date(2026, 2, 10), date(2026, 2, 12), agency=agency),
        complaint(date(2026, 4, 3), agency=agency),
        complaint(date(2026, 7, 1), date(2026, 7, 2), agency=agency),
    ]


def due(policy: Policy, stage: str, done: dict | None = None) -> date | None:
    return stage_due_dates(policy, RECEIVED_2_NOV, done)[StageName(stage)]


# --- every file ---


def test_the_library_has_the_eight_procedures() -> None:
    assert [f.stem for f in FILES] == [
        "asb-case-review-wales", "east-hertfordshire", "gosport", "lincolnshire-boston", "north-wales",
        "richmond-upon-thames", "safer-havant", "watford",
    ]  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_each_procedure_parses_with_its_source_and_notes(path: Path) -> None:
    procedure = load_procedure(path.read_text())
    assert procedure.policy.name == path.stem
    assert procedure.url.startswith(("https://", "http://"))
    assert procedure.consulted == date(2026, 12, 3)
    assert procedure.says and procedure.notes
    assert procedure_policy(path.read_text()) == procedure.policy
    # Written in the API's shape: what to_dict writes, section 7's names aside.
    data = json.loads(path.read_text())["policy"]
    assert {k: v for k, v in procedure.policy.to_dict().items() if k in data} == data


def test_a_broken_procedure_file_names_the_field() -> None:
    text = (LIBRARY / "gosport.json").read_text()
    broken = json.loads(text)
    broken["policy"]["stages"][1]["from"] = "review_completed"
    with pytest.raises(PolicyError) as refused:
        load_procedure(json.dumps(broken))
    assert refused.value.field == "policy.stages[1].from"
    with pytest.raises(PolicyError) as refused:
        load_procedure(text.replace('"url": "https://www.gosport.gov.uk/article/2445"', '"url": "gosport"'))
    assert refused.value.field == "source.url"
    with pytest.raises(PolicyError) as refused:
        load_procedure("{not json")
    assert refused.value.field == "procedure"


# --- Safer Havant ---


def test_havant_three_complaints_in_the_previous_six_months() -> None:
    policy = load("safer-havant").policy
    assert (
        decide(individual(RECEIVED_15_JUL), three_incidents("hampshire-constabulary"), policy=policy).verdict
        is Verdict.MET
    )
    assert (
        decide(individual(RECEIVED_15_JUL), three_incidents("hampshire-constabulary")[:2], policy=policy).verdict
        is Verdict.NOT_MET
    )


def test_havant_logged_within_one_month_of_the_incident() -> None:
    policy = load("safer-havant").policy
    in_time, late = complaint(date(2026, 1, 31), date(2026, 2, 28)), complaint(date(2026, 3, 31), date(2026, 5, 1))
    result = decide(individual(RECEIVED_15_JUL), [in_time, late], policy=policy)
    assert (status(result, in_time), status(result, late)) == ("counted", ("reported_late",))


def test_havant_dealt_with_within_20_working_days() -> None:
    assert due(load("safer-havant").policy, "review_completed") == date(2026, 11, 30)


def test_havant_five_individuals_with_the_others_consent() -> None:
    policy, members = load("safer-havant").policy, MEMBERS[:5]
    complaints = [complaint(date(2026, 6, 1 + i), victim=m) for i, m in enumerate(members)]
    consents = [consent(m, on=RECEIVED_15_JUL) for m in members[1:]]
    assert decide(group(members, RECEIVED_15_JUL), complaints, consents, policy=policy).verdict is Verdict.MET
    assert decide(group(members, RECEIVED_15_JUL), complaints, consents[:-1], policy=policy).verdict is Verdict.PENDING


# --- Gosport ---


def test_gosport_acknowledged_within_10_working_days() -> None:
    assert due(load("gosport").policy, "acknowledged") == date(2026, 11, 16)


def test_gosport_threshold_decided_within_15_working_days_of_acknowledgement() -> None:
    policy = load("gosport").policy
    assert due(policy, "threshold_decided") is None  # not acknowledged yet
    assert due(policy, "threshold_decided", {"acknowledged": date(2026, 11, 4)}) == date(2026, 11, 25)


def test_gosport_meeting_within_20_working_days_of_being_told_the_threshold_is_met() -> None:
    done = {"acknowledged": date(2026, 11, 4), "threshold_decided": date(2026, 11, 25)}
    assert due(load("gosport").policy, "review_meeting_held", done) == date(2026, 12, 23)


def test_gosport_three_complaints_to_the_council_police_or_icb_in_six_months() -> None:
    policy = load("gosport").policy
    complaints = [
        complaint(date(2026, 2, 10), agency="gosport-borough-council"),
        complaint(date(2026, 4, 3), agency="hampshire-constabulary"),
        complaint(date(2026, 7, 1), agency="nhs-hampshire-iow-icb"),
    ]
    assert decide(individual(RECEIVED_15_JUL), complaints, policy=policy).verdict is Verdict.MET
    havant_council = complaint(date(2026, 7, 1), agency="havant-borough-council")
    assert status(decide(individual(RECEIVED_15_JUL), [havant_council], policy=policy), havant_council) == (
        "not_partner_agency",
    )


# --- Richmond upon Thames ---


def test_richmond_acknowledged_within_2_working_days_and_information_within_14() -> None:
    policy = load("richmond-upon-thames").policy
    assert due(policy, "acknowledged") == date(2026, 11, 4)
    assert due(policy, "information_requested") == date(2026, 11, 20)


def test_richmond_threshold_decision_within_21_and_panel_within_28_working_days_of_receipt() -> None:
    policy = load("richmond-upon-thames").policy
    assert due(policy, "threshold_decided") == date(2026, 12, 1)
    assert due(policy, "review_meeting_held") == date(2026, 12, 10)


def test_richmond_chairs_report_within_7_working_days_of_the_meeting() -> None:
    policy = load("richmond-upon-thames").policy
    assert due(policy, "outcome_notified") is None
    assert due(policy, "outcome_notified", {"review_meeting_held": date(2026, 12, 10)}) == date(2026, 12, 21)


def test_richmond_three_separate_incidents_in_the_last_six_months() -> None:
    policy = load("richmond-upon-thames").policy
    complaints = three_incidents("metropolitan-police-service")
    assert decide(individual(RECEIVED_15_JUL), complaints, policy=policy).verdict is Verdict.MET
    assert decide(individual(RECEIVED_15_JUL), complaints[1:], policy=policy).verdict is Verdict.NOT_MET


# --- East Hertfordshire ---


def test_east_herts_acknowledged_within_three_working_days_and_decided_within_14() -> None:
    policy = load("east-hertfordshire").policy
    assert due(policy, "acknowledged") == date(2026, 11, 5)
    assert due(policy, "threshold_decided") == date(2026, 11, 20)


def test_east_herts_review_within_21_days_of_the_threshold_decision() -> None:
    policy = load("east-hertfordshire").policy
    assert due(policy, "review_meeting_held", {"threshold_decided": date(2026, 11, 20)}) == date(2026, 12, 11)
    # Calendar days: a decision on Fri 4 Dec gives Fri 25 Dec, Christmas Day.
    assert due(policy, "review_meeting_held", {"threshold_decided": date(2026, 12, 4)}) == date(2026, 12, 25)


def test_east_herts_one_incident_reported_to_two_agencies_is_one_incident() -> None:
    policy = load("east-hertfordshire").policy
    complaints = [
        complaint(date(2026, 5, 1), agency="east-hertfordshire-district-council", ref="EH-1"),
        complaint(date(2026, 5, 1), date(2026, 5, 2), agency="hertfordshire-constabulary", ref="EH-1"),
        complaint(date(2026, 6, 1), agency="hertfordshire-constabulary"),
    ]
    result = decide(individual(RECEIVED_15_JUL), complaints, policy=policy)
    assert status(result, complaints[1]) == ("duplicate_incident",)
    assert result.verdict is Verdict.NOT_MET
    more = [*complaints, complaint(date(2026, 7, 1), agency="east-hertfordshire-district-council")]
    assert decide(individual(RECEIVED_15_JUL), more, policy=policy).verdict is Verdict.MET


# --- North Wales ---


def test_north_wales_three_incidents_within_six_months_each_reported_within_one_month() -> None:
    policy = load("north-wales").policy
    complaints = three_incidents("north-wales-police")
    assert decide(individual(RECEIVED_15_JUL), complaints, policy=policy).verdict is Verdict.MET
    late = complaint(date(2026, 5, 10), date(2026, 6, 10), agency="conwy-county-borough-council")  # last day 9 Jun
    result = decide(individual(RECEIVED_15_JUL), [*complaints[:2], late], policy=policy)
    assert status(result, late) == ("reported_late",)
    assert result.verdict is Verdict.NOT_MET


def test_north_wales_acknowledged_within_5_working_days_and_decided_within_15() -> None:
    policy = load("north-wales").policy
    assert due(policy, "acknowledged") == date(2026, 11, 9)
    assert due(policy, "threshold_decided") == date(2026, 11, 23)


def test_north_wales_outcome_within_5_working_days_of_the_case_review_meeting() -> None:
    policy = load("north-wales").policy
    assert due(policy, "outcome_notified", {"review_completed": date(2026, 11, 26)}) == date(2026, 12, 3)
    # In Wales as in England, Christmas, Boxing Day's substitute and New Year's Day are not working days.
    assert due(policy, "outcome_notified", {"review_completed": date(2026, 12, 23)}) == date(2027, 1, 4)


# --- ASB Case Review Wales ---


def test_wales_one_hate_incident_reported_by_one_person() -> None:
    policy = load("asb-case-review-wales").policy
    hate = [complaint(date(2026, 6, 20), agency="south-wales-police", category=ComplaintCategory.HATE_INCIDENT)]
    assert decide(individual(RECEIVED_15_JUL), hate, policy=policy).verdict is Verdict.MET
    noise = [complaint(date(2026, 6, 20), agency="south-wales-police", category=ComplaintCategory.NOISE)]
    assert decide(individual(RECEIVED_15_JUL), noise, policy=policy).reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)


def test_wales_five_incidents_at_a_linked_location_reported_by_more_than_one_person() -> None:
    policy = load("asb-case-review-wales").policy
    a, b = MEMBERS[:2]
    complaints = [
        complaint(date(2026, 6, 1 + 4 * i), victim=p, agency="south-wales-police", location_key=HOME)
        for i, p in enumerate((a, b, a, b, b))
    ]
    app = group((a, b), RECEIVED_15_JUL, applicant=HELPER)
    consents = [consent(a, on=RECEIVED_15_JUL), consent(b, on=RECEIVED_15_JUL)]
    assert decide(app, complaints, consents, policy=policy).verdict is Verdict.MET
    assert decide(app, complaints[:4], consents, policy=policy).verdict is Verdict.NOT_MET


def test_wales_three_incidents_in_six_months_by_one_person() -> None:
    policy = load("asb-case-review-wales").policy
    assert (
        decide(individual(RECEIVED_15_JUL), three_incidents("south-wales-police"), policy=policy).verdict is Verdict.MET
    )


def test_wales_a_response_within_28_days_of_activation() -> None:
    assert due(load("asb-case-review-wales").policy, "outcome_notified") == date(2026, 11, 30)


# --- Lincolnshire (Boston) ---


def test_lincolnshire_reported_within_30_days_counts_and_31_days_after_is_late() -> None:
    policy = load("lincolnshire-boston").policy
    thirty = complaint(date(2026, 6, 10), date(2026, 7, 10), agency="lincolnshire-police")
    thirty_one = complaint(date(2026, 6, 11), date(2026, 7, 12), agency="boston-borough-council")
    result = decide(individual(RECEIVED_15_JUL), [thirty, thirty_one], policy=policy)
    assert status(result, thirty) == "counted"
    assert status(result, thirty_one) == ("reported_late",)
    assert (
        "not reported within 30 days of the incident (the last day to report it was 11 July 2026)" in result.explanation
    )


def test_lincolnshire_reported_on_2_march_for_an_incident_on_31_january_counts() -> None:
    policy = load("lincolnshire-boston").policy
    c = complaint(date(2026, 1, 31), date(2026, 3, 2), agency="lincolnshire-police")
    assert status(decide(individual(RECEIVED_15_JUL), [c], policy=policy), c) == "counted"
    in_havant = complaint(date(2026, 1, 31), date(2026, 3, 2))
    assert status(decide(individual(RECEIVED_15_JUL), [in_havant]), in_havant) == ("reported_late",)  # ends 28 Feb


def test_lincolnshire_three_related_incidents_and_one_incident_to_two_agencies_is_one() -> None:
    policy = load("lincolnshire-boston").policy
    complaints = three_incidents("lincolnshire-police")
    assert decide(individual(RECEIVED_15_JUL), complaints, policy=policy).verdict is Verdict.MET
    twice = complaint(date(2026, 7, 1), date(2026, 7, 3), agency="boston-borough-council")  # the 1 Jul incident again
    result = decide(individual(RECEIVED_15_JUL), [*complaints[1:], twice], policy=policy)
    assert status(result, twice) == ("duplicate_incident",)
    assert result.verdict is Verdict.NOT_MET


# --- Watford ---


def test_watford_three_separate_complaints_in_the_previous_six_months() -> None:
    policy = load("watford").policy
    assert (
        decide(individual(RECEIVED_15_JUL), three_incidents("hertfordshire-constabulary"), policy=policy).verdict
        is Verdict.MET
    )


def test_watford_three_separate_individuals_reporting_similar_complaints() -> None:
    policy, members = load("watford").policy, MEMBERS[:3]
    complaints = [
        complaint(date(2026, 6, 1 + i), victim=m, agency="watford-borough-council") for i, m in enumerate(members)
    ]
    consents = [consent(m, on=RECEIVED_15_JUL) for m in members[1:]]
    assert decide(group(members, RECEIVED_15_JUL), complaints, consents, policy=policy).verdict is Verdict.MET
    assert decide(group(members, RECEIVED_15_JUL), complaints, consents).verdict is Verdict.NOT_MET  # Havant needs 5


def test_watford_two_individuals_are_too_few() -> None:
    policy, members = load("watford").policy, MEMBERS[:2]
    complaints = [
        complaint(date(2026, 6, 1 + i), victim=m, agency="watford-borough-council") for i, m in enumerate(members)
    ]
    result = decide(
        group(members, RECEIVED_15_JUL), complaints, [consent(members[1], on=RECEIVED_15_JUL)], policy=policy
    )
    assert result.reasons == (ApplicationReason.TOO_FEW_INCIDENTS,)
