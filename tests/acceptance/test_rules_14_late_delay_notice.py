"""RULES.md 14 through the API: a delay notice dated after the due date is recorded, but the application
stays overdue, in the deadline view, the alarms and the case list filter alike."""


def _late_case(caller) -> str:
    person = caller.post("/v1/people", json={"display_name": "Robin Hale"}).json()["id"]
    body = {
        "route": "individual", "applicant_id": person, "victim_id": person, "received_date": "2026-10-01",
        "channel": "online", "dissatisfaction": "not_satisfied",
    }  # fmt: skip
    created = caller.post("/v1/case-reviews", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["due_date"] == "2026-10-29"  # 20 working days after Thu 1 Oct 2026
    return created.json()["id"]


def _state_on(caller, review: str, on: str) -> str | None:
    cursor = None
    while True:
        page = caller.get(
            "/v1/deadlines", params={"on": on, "limit": 200, **({"cursor": cursor} if cursor else {})}
        ).json()
        found = next((item["deadline_state"] for item in page["items"] if item["id"] == review), None)
        cursor = page["next_cursor"]
        if found or cursor is None:
            return found


def _listed(caller, state: str) -> set[str]:
    ids, cursor = set(), None
    while True:
        params = {"deadline_state": state, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = caller.get("/v1/case-reviews", params=params).json()
        ids |= {item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def test_rules_14_a_delay_notice_after_the_due_date_leaves_the_application_overdue(coordinator):
    review = _late_case(coordinator)
    late = coordinator.post(
        f"/v1/case-reviews/{review}/delay-notices",
        json={"reason": "records still awaited", "new_target_date": "2026-11-27", "notified_on": "2026-10-30"},
    )
    assert late.status_code == 201, late.text  # recorded: it is a fact
    assert _state_on(coordinator, review, "2026-11-02") == "overdue"
    alarms = coordinator.get("/v1/deadlines/alarms", params={"on": "2026-11-02"}).json()["items"]
    assert any(item["id"] == review and item["deadline_state"] == "overdue" for item in alarms)
    assert review in _listed(coordinator, "overdue") and review not in _listed(coordinator, "delay_notified")


def test_rules_14_a_delay_notice_on_the_due_date_gives_delay_notified(coordinator):
    review = _late_case(coordinator)
    notice = coordinator.post(
        f"/v1/case-reviews/{review}/delay-notices",
        json={"reason": "records still awaited", "new_target_date": "2026-11-27", "notified_on": "2026-10-29"},
    )
    assert notice.status_code == 201, notice.text
    assert _state_on(coordinator, review, "2026-11-02") == "delay_notified"
    assert review in _listed(coordinator, "delay_notified") and review not in _listed(coordinator, "overdue")
