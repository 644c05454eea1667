"""The potential-triggers read model (RULES.md section 12): rebuilt with every other read model in one pass, the
same as the live one; a runner stopped mid-stream and restarted ends the same; a rebuild announces nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from psycopg import sql

from demo.loader import COORDINATOR, agency_actor
from domain.vocabulary import Channel, ComplaintCategory, ContactChannel, Dissatisfaction, Route
from projections.potential_triggers import PotentialTriggers
from projections.rebuild import create_beside, rebuild_all
from projections.runner import ProjectionRunner
from service import commands as c
from service.settings import Settings
from store.database import scratch_database

pytestmark = pytest.mark.slow  # a database of its own

TABLES = ("complaints", "tellings", "application_victims", "applications")


def rows(pool, schema: str) -> dict[str, list]:
    with pool.connection() as conn:
        found = {}
        for table in TABLES:
            query = sql.SQL("SELECT * FROM {} ORDER BY 1, 2").format(sql.Identifier(schema, table))
            found[table] = [tuple(row.values()) for row in conn.execute(query)]
        return found


def everything(pool) -> dict[str, list]:
    """Every read model's rows (positions aside)."""
    with pool.connection() as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN"
            " ('case_list', 'case_facts', 'publication', 'potential_triggers') AND table_name <> 'position'"
        ).fetchall()
        return {
            f"{t['table_schema']}.{t['table_name']}": sorted(
                repr(sorted(r.items()))
                for r in conn.execute(
                    sql.SQL("SELECT * FROM {}").format(sql.Identifier(t["table_schema"], t["table_name"]))
                )
            )
            for t in tables
        }


@pytest.fixture(scope="module")
def services(server_url):
    from service.bootstrap import open_services

    with scratch_database(server_url, "ct_test_triggers_model") as url:
        services = open_services(url)
        try:
            history(services.casework)
            assert services.runner.wait_for(services.runner.head(), 20)
            yield services
        finally:
            services.close()


def history(casework) -> None:
    """Victims with reports at two agencies, an amendment, a withdrawal, a telling, an application and a place."""
    at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for n in range(5):
        person = casework.handle(c.RegisterPerson(f"Victim {n}"), actor=COORDINATOR, now=at).id
        ids = []
        for agency, day in (("hampshire-constabulary", 2), ("havant-borough-council", 4), ("vivid-homes", 6)):
            logged = casework.handle(
                c.LogComplaint(person, agency, date(2026, 10, day), date(2026, 10, day), True, ComplaintCategory.NOISE,
                               location_key="100062341234" if n % 2 else None),
                actor=agency_actor(agency), now=at + timedelta(minutes=day),
            )  # fmt: skip
            ids.append(logged.id)
        if n == 1:
            casework.handle(c.AmendComplaint(ids[0], {"reported_date": date(2026, 10, 3)}), actor=agency_actor(
                "hampshire-constabulary"), now=at + timedelta(hours=1))  # fmt: skip
        if n == 2:
            casework.handle(c.WithdrawComplaint(ids[1], "logged twice"), actor=agency_actor("havant-borough-council"),
                            now=at + timedelta(hours=1))  # fmt: skip
        if n == 3:
            casework.handle(c.TellAboutCaseReview(person, date(2026, 11, 2), ContactChannel.EMAIL), actor=COORDINATOR,
                            now=at + timedelta(hours=1))  # fmt: skip
        if n == 4:
            casework.handle(
                c.RequestCaseReview(Route.INDIVIDUAL, person, date(2026, 11, 2), Channel.ONLINE,
                                    Dissatisfaction.NO_ACTION_TAKEN, victim_id=person),
                actor=COORDINATOR, now=at + timedelta(hours=1),
            )  # fmt: skip


def test_rules_12_every_read_model_rebuilt_in_one_pass_equals_the_live_ones(services):
    live = everything(services.pool)
    assert live["potential_triggers.complaints"] and live["potential_triggers.tellings"]
    read = rebuild_all(services.store, services.pool, services.runner.read_models, batch_size=7)
    assert read > 0
    assert everything(services.pool) == live


def test_rules_12_a_runner_stopped_mid_stream_and_restarted_ends_as_the_live_model(services):
    pool = services.pool
    model = PotentialTriggers(services.store, services.policies.in_force, Settings.from_environment().location_secret())
    model.schema = "potential_triggers__restarted"
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS potential_triggers__restarted CASCADE")
        create_beside(cur, "potential_triggers", model.schema)
    first = ProjectionRunner(services.store, pool, [model], batch_size=5)
    batch = services.store.recorder.select_notifications(start=0, limit=23, inclusive_of_start=False)
    first._apply_batch(model, batch)  # part of the way, then stopped
    model.forget()
    ProjectionRunner(services.store, pool, [model], batch_size=5).catch_up()
    assert rows(pool, model.schema) == rows(pool, "potential_triggers")
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM webhooks.outbox").fetchone()["n"] == 0  # no subscription


def test_rules_12_the_command_line_rebuilds_every_read_model_in_one_pass(services, monkeypatch, capsys):
    from cli.main import main

    live = everything(services.pool)
    monkeypatch.setenv("DATABASE_URL", services.pool.conninfo)
    assert main(["projections", "rebuild"]) == 0
    assert "potential_triggers: rebuilt from" in capsys.readouterr().err
    assert everything(services.pool) == live
