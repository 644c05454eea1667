"""RULES.md section 4 (the group route), black box through the HTTP API: its worked examples, to the day."""

from acceptance_helpers import assessment, complaint, consent, counted_ids, excluded, group_application, person


def _group(coordinator, size: int, *, consenting: bool = True):
    """A representative (the first member) and `size` members, each with one qualifying complaint."""
    members = [person(coordinator) for _ in range(size)]
    complaints = [complaint(coordinator, m, f"2026-06-{index + 1:02d}") for index, m in enumerate(members)]
    review = group_application(coordinator, members[0], members, "2026-07-15")["id"]
    if consenting:
        for member in members[1:]:
            consent(coordinator, member, review, "group_representation")
    return members, complaints, review


def test_rules_4_five_members_each_with_a_qualifying_complaint_meet_the_threshold(coordinator):
    _, complaints, review = _group(coordinator, 5)
    body = assessment(coordinator, review)
    assert body["verdict"] == "met" and counted_ids(body) == set(complaints) and body["reasons"] == []


def test_rules_4_four_members_are_too_few(coordinator):
    _, _, review = _group(coordinator, 4)
    body = assessment(coordinator, review)
    assert body["verdict"] == "not_met" and body["reasons"] == ["too_few_incidents"]


def test_rules_4_members_are_counted_not_complaints(coordinator):
    members = [person(coordinator) for _ in range(5)]
    for day in ("2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"):
        complaint(coordinator, members[1], day)
    review = group_application(coordinator, members[0], members, "2026-07-15")["id"]
    for member in members[1:]:
        consent(coordinator, member, review, "group_representation")
    body = assessment(coordinator, review)
    assert body["verdict"] == "not_met" and "too_few_incidents" in body["reasons"]


def test_rules_4_a_complaint_made_for_a_member_by_someone_else_does_not_count(coordinator):
    members, complaints, review_of_five = _group(coordinator, 4, consenting=False)
    neighbour = person(coordinator)
    fifth = person(coordinator)
    by_someone_else = complaint(coordinator, fifth, "2026-06-20", complainant_id=neighbour)
    review = group_application(coordinator, members[0], [*members, fifth], "2026-07-15")["id"]
    for member in [*members[1:], fifth]:
        consent(coordinator, member, review, "group_representation")
    body = assessment(coordinator, review)
    assert body["verdict"] == "not_met" and body["reasons"] == ["too_few_incidents"]
    assert excluded(body) == {by_someone_else: ["not_reported_by_member"]}


def test_rules_4_and_5_a_member_without_consent_is_not_counted_and_the_verdict_is_pending(coordinator):
    members, complaints, review = _group(coordinator, 5, consenting=False)
    for member in members[1:4]:
        consent(coordinator, member, review, "group_representation")
    body = assessment(coordinator, review)
    assert body["verdict"] == "pending"
    assert "member_consent_missing" in body["reasons"]
    assert excluded(body) == {complaints[4]: ["member_consent_missing"]}
    last = consent(coordinator, members[4], review, "group_representation")
    assert assessment(coordinator, review)["verdict"] == "met"
    withdrawn = coordinator.post(f"/v1/consents/{last}/withdrawal", json={"withdrawn_on": "2026-07-20"})
    assert withdrawn.status_code in (200, 201), withdrawn.text
    assert assessment(coordinator, review)["verdict"] == "pending"


def test_rules_4_the_representative_needs_no_consent(coordinator):
    members, complaints, review = _group(coordinator, 5)
    body = assessment(coordinator, review)
    assert complaints[0] in counted_ids(body) and body["verdict"] == "met"


def test_rules_4_a_member_whose_only_report_is_another_members_incident_is_not_counted(coordinator):
    members = [person(coordinator) for _ in range(5)]
    for index, member in enumerate(members[:4]):
        complaint(coordinator, member, f"2026-06-{index + 1:02d}", incident_ref=f"GRP-{index}")
    same_incident = complaint(coordinator, members[4], "2026-06-04", "2026-06-05", incident_ref="GRP-3")
    review = group_application(coordinator, members[0], members, "2026-07-15")["id"]
    for member in members[1:]:
        consent(coordinator, member, review, "group_representation")
    body = assessment(coordinator, review)
    assert body["verdict"] == "not_met" and body["reasons"] == ["too_few_incidents"]
    assert excluded(body) == {same_incident: ["duplicate_incident"]}


def test_rules_4_the_last_incident_rule_holds_for_groups_too(coordinator):
    members = [person(coordinator) for _ in range(5)]
    for index, member in enumerate(members):
        complaint(coordinator, member, f"2026-01-{index + 1:02d}", "2026-01-16")
    review = group_application(coordinator, members[0], members, "2026-07-15")["id"]
    for member in members[1:]:
        consent(coordinator, member, review, "group_representation")
    body = assessment(coordinator, review)
    assert len(body["counted"]) == 5
    assert body["verdict"] == "not_met" and body["reasons"] == ["last_incident_outside_window"]
