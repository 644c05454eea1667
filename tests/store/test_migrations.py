"""The schema has one owner, the migrations: a new database and one made before them end up the same.

The shape of a database is read from PostgreSQL's catalog (tables, columns with their types,
nullability and defaults, indexes, constraints, sequences, functions, types), leaving out yoyo's
own bookkeeping, and compared whole.
"""

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from yoyo import read_migrations
from yoyo.migrations import get_migration_hash

from store.database import scratch_database
from store.schema import MIGRATION_LOCK, MIGRATIONS, SchemaNewerThanCode, migrate

ROOT = Path(__file__).resolve().parents[2]
MAIN_DUMP = Path(__file__).parent / "fixtures" / "main-2026-12-03.sql"
ALL_MIGRATIONS = [path.stem for path in sorted(MIGRATIONS.glob("*.sql"))]  # in the order they depend on each other
# What tests/store/fixtures/make_main_dump.py recorded in that store (its output).
PERSON = UUID("cdec5a4e-5768-4212-850f-12e7c8940c68")
DESCRIBED_COMPLAINT = UUID("e7eb614f-4059-44b3-a200-2741f87e365b")
CASE_REVIEW = UUID("6b680d2b-3c17-4758-b081-08c3c8da30d9")
KEY_ID = "06ea28432a92"

USER_SCHEMAS = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
NOT_YOYO = "{} !~ '^_?yoyo_'"  # yoyo's tables: _yoyo_migration, _yoyo_log, _yoyo_version (and yoyo_lock)
CATALOG = {
    "schemas": f"SELECT n.nspname FROM pg_namespace AS n WHERE {USER_SCHEMAS} ORDER BY 1",
    "relations": f"""
        SELECT n.nspname, c.relname, c.relkind, coalesce(c.reloptions, '{{}}') AS options
        FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE {USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c') AND {NOT_YOYO.format("c.relname")}
        ORDER BY 1, 2""",
    "columns": f"""
        SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid) AS default_value
        FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE {USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped
          AND {NOT_YOYO.format("c.relname")}
        ORDER BY 1, 2, a.attnum""",
    "indexes": f"""
        SELECT n.nspname, t.relname, c.relname AS index, pg_get_indexdef(i.indexrelid)
        FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_class AS t ON t.oid = i.indrelid
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE {USER_SCHEMAS} AND {NOT_YOYO.format("t.relname")}
        ORDER BY 1, 2, 3""",
    "constraints": f"""
        SELECT n.nspname, t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
        FROM pg_constraint AS k JOIN pg_class AS t ON t.oid = k.conrelid JOIN pg_namespace AS n ON n.oid = t.relnamespace
        WHERE {USER_SCHEMAS} AND {NOT_YOYO.format("t.relname")}
        ORDER BY 1, 2, 3""",
    "sequences": f"""
        SELECT s.schemaname, s.sequencename, s.data_type::text, s.start_value, s.increment_by, s.max_value, s.cycle,
               (SELECT format('%s.%s', d.refobjid::regclass, a.attname) FROM pg_depend AS d
                JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass AND d.deptype IN ('a', 'i'))
               AS owned_by
        FROM pg_sequences AS s WHERE {NOT_YOYO.format("s.sequencename")}
        ORDER BY 1, 2""",
    "functions": f"""
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
        FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
        WHERE {USER_SCHEMAS} AND p.prokind IN ('f', 'p')
        ORDER BY 1, 2, 3""",
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype
        FROM pg_type AS t JOIN pg_namespace AS n ON n.oid = t.typnamespace
        WHERE {USER_SCHEMAS} AND t.typtype IN ('c', 'd', 'e', 'r')
          AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) = 'c')
        ORDER BY 1, 2""",
    "triggers": f"""
        SELECT n.nspname, c.relname, g.tgname, pg_get_triggerdef(g.oid)
        FROM pg_trigger AS g JOIN pg_class AS c ON c.oid = g.tgrelid JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE {USER_SCHEMAS} AND NOT g.tgisinternal
        ORDER BY 1, 2, 3""",
}

# What the service reads and writes, beside the read models' position tables.
TABLES = {
    ("public", "community_trigger_events"), ("public", "event_timeline"), ("public", "fact_links"),
    ("public", "known_at_marks"), ("public", "personal_keys"), ("public", "api_keys"), ("public", "api_idempotency"),
    ("public", "api_read_audit"), ("public", "api_key_positions"), ("public", "server_secrets"),
    ("case_list", "case_reviews"), ("case_facts", "complaints"),
    ("case_facts", "consents"), ("publication", "facts"), ("publication", "received"), ("public", "write_receipts"),
    ("promises", "actions"), ("promises", "information_requests"), ("promises", "updates_owed"),
    ("promises", "pcc_reviews"),
    ("case_facts", "complaint_revisions"), ("case_facts", "consent_revisions"),
    ("potential_triggers", "complaints"), ("potential_triggers", "tellings"),
    ("potential_triggers", "application_victims"), ("potential_triggers", "applications"),
    ("webhooks", "subscriptions"), ("webhooks", "outbox"), ("webhooks", "deliveries"),
}  # fmt: skip
READ_MODELS = ("case_list", "case_facts", "publication", "promises", "potential_triggers")
ALL_MIGRATIONS = [migration.id for migration in read_migrations(str(MIGRATIONS))]  # in the order they apply


def shape(url: str) -> dict[str, list[tuple]]:
    """The database's schema, as the catalog describes it."""
    with psycopg.connect(url) as conn:
        return {
            name: [tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in conn.execute(query)]
            for name, query in CATALOG.items()
        }


def assert_same_shape(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    for part in CATALOG:
        assert actual[part] == expected[part], part


def load_dump(url: str, path: Path) -> None:
    """Run a plain pg_dump script with psycopg alone (no psql): its backslash commands are psql's, so left out."""
    script = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("\\"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)  # no parameters: sent as one simple query, every statement in turn


@pytest.fixture(scope="module")
def migrated(server_url):
    """A new database, migrated, and its shape."""
    with scratch_database(server_url, "ct_test_migrated") as url:
        applied = migrate(url)
        yield url, applied, shape(url)


def test_migrating_an_empty_database_makes_every_table_the_service_uses(migrated):
    url, applied, made = migrated
    assert applied == ALL_MIGRATIONS and applied[0] == "0001_baseline"
    tables = {(schema, name) for schema, name, kind, _ in made["relations"] if kind == "r"}
    assert tables == TABLES | {(model, "position") for model in READ_MODELS}
    with psycopg.connect(url) as conn:
        for model in READ_MODELS:
            assert conn.execute(f'SELECT position FROM "{model}".position').fetchall() == [(0,)]


def test_a_database_made_by_main_before_the_migrations_migrates_to_the_same_schema_and_its_data_reads(
    server_url, migrated
):
    from domain.actor import SYSTEM
    from domain.complaints import Complaint
    from domain.people import Contact
    from domain.vocabulary import CaseStatus, ComplaintSource, Decision
    from service.bootstrap import open_services
    from service.commands import RegisterPerson

    with scratch_database(server_url, "ct_test_from_main") as url:
        load_dump(url, MAIN_DUMP)
        assert migrate(url) == ALL_MIGRATIONS
        assert_same_shape(shape(url), migrated[2])

        services = open_services(url, run_projections=False)
        try:
            casework = services.casework
            person = casework.person(PERSON)  # decrypted with the key that came with the dump
            assert (person.display_name, person.contact.email) == ("Robin Ashdown", "robin@example.org")
            complaint = casework.complaint(DESCRIBED_COMPLAINT)
            texts = casework.resolve_texts([complaint.description, complaint.location])
            assert texts == {
                complaint.description: "Music at full volume past midnight",
                complaint.location: "Park Parade",
            }
            # Event evolution on rows really stored by older code: the complaint's Logged event was written
            # at class_version 1, sealed by the personal-data mapper; it unseals, then upcasts to today's shape.
            with services.pool.connection() as conn:
                stored = conn.execute(
                    "SELECT state FROM community_trigger_events WHERE originator_id = %s AND originator_version = 1",
                    (DESCRIBED_COMPLAINT,),
                ).fetchone()
            state = bytes(stored["state"])
            assert b'"class_version"' not in state and b'"source"' not in state  # version 1: the library writes none
            assert type(complaint).__name__ == "Complaint" and Complaint.Logged.class_version > 1
            assert (complaint.source, complaint.location_key) == (ComplaintSource.OTHER, None)
            policy = services.policies.in_force(date(2026, 11, 2))  # its PolicyBook event, stored as version 1 too
            assert (policy.name, policy.version, policy.reporting_window.count) == ("safer-havant", 1, 1)
            review = casework.case_review(CASE_REVIEW)
            assert review.status is CaseStatus.UNDER_REVIEW and review.victim_id == PERSON
            assert (review.decision.decision, review.decision.decided_on) == (Decision.MET, date(2026, 11, 5))
            assert casework.resolve_texts([review.decision.reason]) == {
                review.decision.reason: "three qualifying complaints in six months"
            }
            assert [key.key_id for key in services.keys.list()] == [KEY_ID]
            with services.pool.connection() as conn:
                audited = conn.execute(
                    "SELECT key_id FROM api_read_audit WHERE person_ids @> ARRAY[%s]::uuid[]", (PERSON,)
                ).fetchall()
            assert [row["key_id"] for row in audited] == [KEY_ID]
            # The read models carry on from where main left them, and the store takes new writes.
            casework.handle(
                RegisterPerson(display_name="After the migration", contact=Contact()),
                actor=SYSTEM,
                now=datetime.now(UTC),
            )
            services.runner.catch_up()
            with services.pool.connection() as conn:
                listed = conn.execute("SELECT id, status FROM case_list.case_reviews").fetchall()
            assert [(row["id"], row["status"]) for row in listed] == [(CASE_REVIEW, "under_review")]
        finally:
            services.close()


def test_0009_finishes_each_listed_application_on_its_first_outcome_notice(migrated):
    """RULES.md 14: completion is telling the applicant; rows the case list kept as finished by the review alone."""
    url = migrated[0]
    row = (
        "INSERT INTO case_list.case_reviews (id, route, status, received_date, applicant_id, member_ids, decision,"
        " completed_on, finished_on, due_date, policy_name, policy_version, version, requested_at, updated_at,"
        " stages_done) VALUES (%s, 'individual', %s, '2026-11-02', %s, '{}', %s, %s, %s, '2026-11-30', 'safer-havant',"
        " 1, 3, now(), now(), %s::jsonb)"
    )
    reviewed, told, not_met = (UUID(int=n) for n in (901, 902, 903))
    rows = [
        (reviewed, "review_completed", "met", date(2026, 11, 20), date(2026, 11, 20), {"review_completed": "2026-11-20"}),
        (told, "closed", "met", date(2026, 11, 20), date(2026, 11, 20),
         {"review_completed": "2026-11-20", "outcome_notified": "2026-12-01"}),
        (not_met, "closed", "not_met", None, date(2026, 11, 9),
         {"review_completed": "2026-11-09", "outcome_notified": "2026-11-09"}),
    ]  # fmt: skip
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.executemany(row, [(id, status, id, *rest, json.dumps(done)) for id, status, *rest, done in rows])
        conn.execute((MIGRATIONS / "0009_completion_is_telling.sql").read_text())
        finished = dict(
            conn.execute(
                "SELECT id, finished_on FROM case_list.case_reviews WHERE id = ANY(%s)", ([reviewed, told, not_met],)
            ).fetchall()
        )
        conn.execute("DELETE FROM case_list.case_reviews WHERE id = ANY(%s)", ([reviewed, told, not_met],))
    assert finished == {reviewed: None, told: date(2026, 12, 1), not_met: date(2026, 11, 9)}


def test_0010_drops_the_potential_triggers_of_victims_erased_before_it(migrated):
    """RULES.md 14: an erased victim can never be told; the model now drops them when erased, 0010 those erased before."""
    url = migrated[0]
    erased, kept = UUID(int=911), UUID(int=912)
    complaint = (
        "INSERT INTO potential_triggers.complaints (complaint_id, version, recorded_at, victim_id, complainant_id, agency,"
        " incident_date, reported_date, caused_had, category, source, withdrawn)"
        " VALUES (%s, 1, now(), %s, %s, 'hampshire-constabulary', '2026-11-02', '2026-11-02', true, 'noise', 'other', false)"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        for victim, complaint_id in ((erased, UUID(int=921)), (kept, UUID(int=922))):
            conn.execute(complaint, (complaint_id, victim, victim))
            conn.execute(
                "INSERT INTO potential_triggers.tellings (person_id, version, told_on, channel, recorded_at)"
                " VALUES (%s, 2, '2026-11-03', 'phone', now())",
                (victim,),
            )
        conn.execute(
            "INSERT INTO community_trigger_events (originator_id, originator_version, topic, state)"
            " VALUES (%s, 3, 'domain.people:Person.Erased', '\\x00')",
            (erased,),
        )
        conn.execute((MIGRATIONS / "0010_erased_victims_leave_potential_triggers.sql").read_text())
        left = conn.execute(
            "SELECT victim_id FROM potential_triggers.complaints UNION ALL SELECT person_id FROM potential_triggers.tellings"
        ).fetchall()
        conn.execute("DELETE FROM potential_triggers.complaints")
        conn.execute("DELETE FROM potential_triggers.tellings")
        conn.execute("DELETE FROM community_trigger_events WHERE originator_id = %s", (erased,))
    assert [row[0] for row in left] == [kept, kept]


def test_migrating_again_changes_nothing(migrated):
    url, _, made = migrated
    assert migrate(url) == []
    assert_same_shape(shape(url), made)


def test_two_processes_migrating_a_new_database_at_once_both_succeed_and_it_is_migrated_once(server_url):
    program = "import sys; from store.schema import migrate; print(','.join(migrate(sys.argv[1])))"
    with scratch_database(server_url, "ct_test_together") as url:
        processes = [
            subprocess.Popen([sys.executable, "-c", program, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120)[0].strip() for process in processes]
        assert [process.returncode for process in processes] == [0, 0]
        assert sorted(outputs) == ["", ",".join(ALL_MIGRATIONS)]


def test_a_process_killed_while_holding_the_migration_lock_leaves_no_lock_behind(server_url):
    """The lock is PostgreSQL's, on the migrating process's connection: it ends with that process."""
    holder = (
        "import sys, time, psycopg\n"
        "conn = psycopg.connect(sys.argv[1], autocommit=True)\n"
        "conn.execute('SELECT pg_advisory_lock(%s)', (int(sys.argv[2]),))\n"
        "print('locked', flush=True)\n"
        "time.sleep(300)\n"
    )
    with scratch_database(server_url, "ct_test_killed") as url:
        process = subprocess.Popen(
            [sys.executable, "-c", holder, url, str(MIGRATION_LOCK)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout.readline().strip() == "locked"
            applied: list[list[str]] = []
            migrating = threading.Thread(target=lambda: applied.append(migrate(url)))
            migrating.start()
            time.sleep(1.0)
            assert migrating.is_alive() and applied == []  # it waits its turn
        finally:
            process.kill()
            process.wait()
        migrating.join(timeout=60)
        assert applied == [ALL_MIGRATIONS]


def test_a_database_migrated_by_newer_code_is_refused_with_a_clear_message(server_url, monkeypatch, capsys):
    from cli.main import main
    from service.bootstrap import open_store

    newer = "0099_from_a_newer_version"
    with scratch_database(server_url, "ct_test_newer") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        assert main(["migrate"]) == 0
        assert "applying 0001_baseline" in capsys.readouterr().err
        assert main(["migrate"]) == 0
        assert "up to date" in capsys.readouterr().err
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc) VALUES (%s, %s, now())",
                (get_migration_hash(newer), newer),
            )
        with pytest.raises(SchemaNewerThanCode, match=newer):
            open_store(url)
        assert main(["migrate"]) == 2
        assert f"error: the database was migrated by a newer version of community-trigger (migrations {newer}" in (
            capsys.readouterr().err
        )


def test_the_librarys_tables_are_made_exactly_as_its_own_recorder_would_make_them(server_url, migrated):
    """The baseline writes out what eventsourcing's PostgresApplicationRecorder creates; a library upgrade
    that changes it fails here, and needs a migration."""
    from store.event_store import EventStore, store_environment

    with scratch_database(server_url, "ct_test_library") as url:
        env = store_environment(url, pool_size=1)
        env.update(CREATE_TABLE="y", APPLICATION_RECORDER_TOPIC="eventsourcing.postgres:PostgresApplicationRecorder")
        EventStore(env=env).close()
        made_by_library = shape(url)
    assert made_by_library["relations"] and made_by_library["functions"]
    for part in CATALOG:
        assert set(made_by_library[part]) <= set(migrated[2][part]), part


def test_the_insert_function_uses_the_librarys_lock_timeout_channel_and_our_error_codes(migrated):
    """Written out literally in the migration: they must still be what the code would have put there."""
    from service.bootstrap import open_store
    from store.recorder import INSERT_FUNCTION, READ_OVERTAKEN, RECORDED_TOO_LATE

    store = open_store(migrated[0], pool_size=1)
    try:
        recorder = store.recorder
        with recorder.datastore.get_connection() as conn:
            bodies = {
                row["proname"]: row["prosrc"]
                for row in conn.execute(
                    "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)",
                    ([INSERT_FUNCTION, recorder.pg_function_name_insert_events],),
                )
            }
            assert conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL AND to_regtype(%s) IS NOT NULL AS made",
                (f"public.{recorder.events_table_name}", f"public.{recorder.stored_event_type_name}"),
            ).fetchone()["made"]
        assert recorder.datastore.schema == "public"
        assert set(bodies) == {INSERT_FUNCTION, recorder.pg_function_name_insert_events}
        for body in bodies.values():
            assert f"SET LOCAL lock_timeout = '{recorder.datastore.lock_timeout}s';" in body
            assert f'NOTIFY "{recorder.channel_name}";' in body
            assert f'INSERT INTO "public"."{recorder.events_table_name}"' in body
        assert f"ERRCODE = '{RECORDED_TOO_LATE}'" in bodies[INSERT_FUNCTION]
        assert f"ERRCODE = '{READ_OVERTAKEN}'" in bodies[INSERT_FUNCTION]
    finally:
        store.close()


def test_a_read_model_rebuilt_beside_the_live_one_keeps_the_shape_the_migrations_gave_it(server_url, migrated):
    from projections.rebuild import rebuild
    from service.bootstrap import open_services

    with scratch_database(server_url, "ct_test_rebuilt") as url:
        services = open_services(url, run_projections=False)
        try:
            for model in services.runner.read_models:
                rebuild(services.store, services.pool, model)
        finally:
            services.close()
        assert_same_shape(shape(url), migrated[2])
