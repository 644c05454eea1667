"""RULES.md sections 7 and 11: policy versions stored before section 11 still read, through the upcaster, in the store.

Main wrote `PolicyBook.VersionPublished` as class_version 1 (section 7's parameters, no class_version in
the stored state) until section 11 came. A store holding such events is read by the service as it was
published, in section 11's shape: the dump of a store made by main (tests/store/fixtures), and a version
written into a new store exactly as main wrote one, with section 7's values other than Havant's.
"""

import json
from datetime import UTC, date, datetime

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.actor import SYSTEM
from domain.dates import MONTHS, Period
from domain.policy import HAVANT_POLICY
from domain.policy_book import PolicyBook, policy_book_id
from domain.vocabulary import DayKind, StageName
from store.database import scratch_database
from store.schema import migrate
from tests.store.test_migrations import CASE_REVIEW, MAIN_DUMP, load_dump

VERSION_PUBLISHED = get_topic(PolicyBook.VersionPublished)


@pytest.fixture
def upcasts(monkeypatch) -> list[dict]:
    """Every state `PolicyBook.VersionPublished.upcast_v1_v2` is given, as it was given."""
    seen: list[dict] = []
    original = PolicyBook.VersionPublished.upcast_v1_v2

    def spy(state: dict) -> None:
        seen.append(json.loads(json.dumps(state["policy"])))
        original(state)

    monkeypatch.setattr(PolicyBook.VersionPublished, "upcast_v1_v2", staticmethod(spy))
    return seen


def test_rules_7_the_version_main_stored_before_section_11_is_read_through_the_upcaster(server_url, upcasts):
    from service.bootstrap import open_services

    with scratch_database(server_url, "ct_test_old_policy") as url:
        load_dump(url, MAIN_DUMP)
        migrate(url)
        services = open_services(url, run_projections=False)
        try:
            with services.pool.connection() as conn:
                (row,) = conn.execute(
                    "SELECT state FROM community_trigger_events WHERE topic = %s", (VERSION_PUBLISHED,)
                ).fetchall()
            stored = json.loads(bytes(row["state"]))
            assert "class_version" not in stored  # version 1, as main wrote it
            assert stored["policy"]["review_due_working_days"] == 20 and "stages" not in stored["policy"]

            assert services.policies.versions() == [HAVANT_POLICY]
            assert upcasts and upcasts[0] == stored["policy"]
            assert services.policies.named("safer-havant@1") == HAVANT_POLICY
            assert services.policies.in_force(date(2026, 11, 2)) == HAVANT_POLICY
            assert services.policies.names() == ["safer-havant"]

            # The decision main recorded under it replays as known at its moment and agrees (RULES.md section 6).
            review = services.casework.case_review(CASE_REVIEW)
            recorded = review.decision.assessment
            moment = datetime.fromisoformat(recorded["as_known_at"])
            policy = services.policies.named(f"{recorded['policy']['name']}@{recorded['policy']['version']}")
            replayed = services.assessor.assess(
                services.assessor.case_review_as_known_at(CASE_REVIEW, moment), moment, policy
            )
            assert replayed.to_dict() == recorded
        finally:
            services.close()


def test_rules_7_a_version_stored_as_main_wrote_it_with_other_values_reads_as_it_decided(server_url, upcasts):
    """Section 7's values other than Havant's, and a stage only section 7 could say (acknowledge within 5 working days)."""
    from service.bootstrap import open_services

    with scratch_database(server_url, "ct_test_old_policy_values") as url:
        services = open_services(url, run_projections=False)
        try:
            now = datetime(2026, 6, 1, 9, tzinfo=UTC)
            book = PolicyBook.open(name="older-rules", actor=SYSTEM, recorded_at=now)
            book.publish(HAVANT_POLICY.with_changes(name="older-rules"), actor=SYSTEM, recorded_at=now)
            opened, published = (services.store.mapper.to_stored_event(e) for e in book.collect_events())
            state = json.loads(published.state)
            state.pop("class_version")
            state["policy"] = {  # Policy.to_dict() of section 7, as main wrote it
                "name": "older-rules", "version": 1, "effective_from": "2020-04-01", "individual_min_complaints": 2,
                "group_min_individuals": 4, "reporting_window_months": 2, "lookback_months": 12,
                "review_due_working_days": 25, "acknowledge_working_days": 5, "threshold_decision_working_days": None,
                "outcome_letter_working_days": 30, "reporting_year_start": "01-01",
                "partner_agencies": ["havant-borough-council"],
                "calendar": {"country": "GB", "subdivision": "ENG", "closure_days": ["2026-12-29"]},
            }  # fmt: skip
            v1 = StoredEvent(published.originator_id, published.originator_version, published.topic,
                             json.dumps(state).encode())  # fmt: skip
            services.store.recorder.insert_events(
                [opened, v1],
                timeline=[(opened.originator_id, 1, now), (v1.originator_id, 2, now)],
            )

            assert services.policies.names() == ["safer-havant", "older-rules"]
            (policy,) = services.policies.versions("older-rules")
            assert upcasts[-1] == state["policy"]
            assert policy.name == "older-rules" and policy.effective_from == date(2020, 4, 1)
            assert (policy.individual_min_complaints, policy.group_min_individuals) == (2, 4)
            assert (policy.reporting_window, policy.lookback) == (Period(2, MONTHS), Period(12, MONTHS))
            assert [(s.name, s.days, s.day_kind, s.from_step) for s in policy.stages] == [
                (StageName.ACKNOWLEDGED, 5, DayKind.WORKING, "received"),
                (StageName.REVIEW_COMPLETED, 25, DayKind.WORKING, "received"),
                (StageName.OUTCOME_NOTIFIED, 30, DayKind.WORKING, "received"),
            ]
            assert policy.last_incident_in_window and not policy.category_thresholds and not policy.excluded_sources
            assert (policy.acknowledge_working_days, policy.threshold_decision_working_days) == (5, None)
            assert services.policies.named("older-rules@1") == policy
            assert policy_book_id("older-rules") == opened.originator_id

            # A new version of it is derived from the old one, as published: only what it changes differs.
            published_now = services.policies.publish(
                {"name": "older-rules", "version": 2, "effective_from": "2027-01-01", "lookback": {"days": 183}},
                actor=SYSTEM,
                now=datetime.now(UTC),
            )
            assert published_now.changed == ["lookback"] and published_now.derived_from == policy
        finally:
            services.close()
