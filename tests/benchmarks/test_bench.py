"""The benchmark suite's machinery at a tiny scale: every figure is produced beside its baseline.

No timing is asserted: the figures depend on the machine. What is checked is that the suite
runs end to end (bulk load, per-command appends, rebuilds, assessments, both HTTP servers under
load from another process, the lag probes, PostgreSQL's own limits), and that the bulk path
records what one command per transaction records.
"""

from datetime import UTC, datetime

import psycopg
import pytest

from benchmarks.bulk import BulkStore, bulk_load
from benchmarks.suite import NAMED, TINY, Progress, run_suite
from demo import generator as g
from demo.loader import load
from domain.audited import local_date
from service.bootstrap import open_services
from store.database import scratch_database
from store.event_store import store_environment

pytestmark = pytest.mark.slow  # every test here starts servers or builds a store


@pytest.fixture(scope="module")
def tiny_run(server_url):
    return run_suite(server_url, TINY, Progress(quiet=True))


def test_every_named_figure_is_produced_beside_a_baseline(tiny_run):
    rows, notes = tiny_run
    by_name = {row["name"]: row for row in rows}
    assert set(NAMED) <= set(by_name)
    for row in rows:
        assert set(row) >= {"name", "value", "unit", "baseline_name", "baseline_value", "min", "max", "runs"}
        assert row["value"] > 0, row
        assert row["baseline_name"] and row["baseline_value"] > 0, row
        assert row["min"] <= row["value"] <= row["max"], row
        assert row["runs"] == TINY.runs
    assert notes["store"]["events"] >= TINY.events * 0.8
    assert notes["machine"]["cores"]


def _recorded(url: str) -> tuple[dict, list, list]:
    """Events per topic, the case list, and every threshold decision's recorded assessment."""
    services = open_services(url, run_projections=False)
    try:
        services.runner.catch_up()
        with psycopg.connect(url) as conn:
            topics = dict(
                conn.execute("SELECT topic, count(*) FROM community_trigger_events GROUP BY topic").fetchall()
            )
            cases = conn.execute(
                "SELECT id, status, decision, decided_on, completed_on, version FROM case_list.case_reviews ORDER BY id"
            ).fetchall()
            decided = conn.execute(
                "SELECT originator_id, originator_version, topic, state FROM community_trigger_events"
                " WHERE topic = 'domain.case_reviews:CaseReview.ThresholdDecided' ORDER BY originator_id, originator_version"
            ).fetchall()
        from eventsourcing.persistence import StoredEvent

        assessments = [
            services.store.mapper.to_domain_event(StoredEvent(r[0], r[1], r[2], bytes(r[3]))).assessment
            for r in decided
        ]
        return topics, cases, assessments
    finally:
        services.close()


def test_the_bulk_path_records_what_the_commands_record(server_url):
    """Same steps, two ways: one command per transaction, and the commands with batched saves."""
    today = local_date(datetime.now(UTC))
    steps = list(g.generate(seed=7, complaints=120, today=today))
    with (
        scratch_database(server_url, "ct_test_bulk") as one_url,
        scratch_database(server_url, "ct_test_bulk") as bulk_url,
    ):
        services = open_services(one_url, run_projections=False)
        try:
            load(services.casework, steps)
        finally:
            services.close()
        open_services(bulk_url, run_projections=False).close()  # the same start: tables and the default policy
        store = BulkStore(store_environment(bulk_url), batch_events=97)
        try:
            result = bulk_load(store, steps)
        finally:
            store.close()
        assert result.steps == len(steps) and len(result.flushes) > 1
        expected, got = _recorded(one_url), _recorded(bulk_url)
        assert got[0] == expected[0]  # the same events, topic by topic
        assert got[1] == expected[1]  # the same case list
        assert got[2] == expected[2] and any(expected[2])  # the same assessments recorded with the decisions
