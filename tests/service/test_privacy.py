"""Personal data: encrypted per person before it is stored, erased by destroying the key, kept no
longer than the retention period; and whole events encrypted at rest when configured."""

import base64
import os
import secrets
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import psycopg
import pytest
from conftest import without_assessment
from psycopg import sql

from domain.actor import SYSTEM
from domain.audited import local_date
from domain.people import ERASED, Contact, ErasureReason
from domain.vocabulary import CaseStatus, Channel, ComplaintCategory, Decision, Dissatisfaction, Route
from service import commands as c
from store.personal_keys import CachedPersonalKeys, KeyDestroyed

# --- looking at every byte the database holds ----------------------------------------------


def database_contents(database_url: str) -> str:
    """Every row of every table as text: a pg_dump of the data when it works, else the rows read one by one.

    Only rows, as INSERTs without column lists: the schema (from the migrations, read models
    included) names columns such as `victim_id`, which must not be mistaken for an event's body in
    clear. Binary columns (the events' state) appear as hex in both, so a search looks for each
    string both as it is and in hex (see `found_in`).
    """
    if shutil.which("pg_dump"):
        dumped = subprocess.run(
            ["pg_dump", "--no-owner", "--data-only", "--inserts", f"--dbname={database_url}"],
            capture_output=True,
            text=True,
        )
        if dumped.returncode == 0:  # a pg_dump older than the server refuses: then read the tables
            return dumped.stdout
    parts = []
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            for row in conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))):
                for value in row:
                    parts.append(
                        value.hex() + bytes(value).decode("latin-1")
                        if isinstance(value, (bytes, memoryview))
                        else str(value)
                    )
    return "\n".join(parts)


def found_in(contents: str, strings: list[str]) -> list[str]:
    return [s for s in strings if s in contents or s.encode().hex() in contents]


# --- a victim and another person, each with a case ------------------------------------------


def today() -> date:
    return local_date(datetime.now(UTC))


def person_with_case(coordinator, police, label: str) -> dict:
    """A person with contact details, three complaints with text, and an application through to its outcome."""
    token = secrets.token_hex(4)
    strings = {
        "name": f"{label} Quarrendon {token}",
        "phone": f"07700 {int(token, 16) % 1_000_000:06d}",
        "email": f"{label.lower()}.{token}@example.org",
        "address": f"{token} Leigh Park Road, Havant",
        "location": f"outside number {token} Botley Drive",
        "description": f"shouting and banging at night {token}",
        "reason": f"persistent harm to the household {token}",
        "action": f"move the neighbour on {token}",
    }
    response = coordinator.post(
        "/v1/people",
        json={
            "display_name": strings["name"],
            "contact": {"phone": strings["phone"], "email": strings["email"], "address": strings["address"]},
        },
    )
    assert response.status_code == 201, response.text
    person_id = response.json()["id"]
    complaints = []
    for days_ago in (30, 25, 20):
        incident = today() - timedelta(days=days_ago)
        response = police.post(
            "/v1/complaints",
            json={
                "victim_id": person_id, "agency": "hampshire-constabulary", "incident_date": incident.isoformat(),
                "reported_date": (incident + timedelta(days=1)).isoformat(), "caused_harassment_alarm_distress": True,
                "category": "noise", "location": strings["location"], "description": strings["description"],
                "agency_reference": f"REF-{token}-{days_ago}",
            },
        )  # fmt: skip
        assert response.status_code == 201, response.text
        complaints.append(response.json()["id"])
    received = today() - timedelta(days=5)
    response = coordinator.post(
        "/v1/case-reviews",
        json={
            "route": "individual", "applicant_id": person_id, "victim_id": person_id, "received_date": received.isoformat(),
            "channel": "email", "dissatisfaction": "no_action_taken",
        },
    )  # fmt: skip
    assert response.status_code == 201, response.text
    review_id = response.json()["id"]
    for path, body in (
        ("threshold-decision", {"decision": "met", "reason": strings["reason"], "decided_on": received.isoformat()}),
        ("review", {"completed_on": today().isoformat(), "recommendations": [{"action": strings["action"], "agency": "havant-borough-council"}]}),
        ("outcome-notices", {"notified_on": today().isoformat()}),
    ):  # fmt: skip
        response = coordinator.post(f"/v1/case-reviews/{review_id}/{path}", json=body)
        assert response.status_code == 201, response.text
    return {
        "id": person_id, "complaints": complaints, "review": review_id, "strings": list(strings.values()),
        "reference": f"REF-{token}-30",  # a case fact, stored in clear inside the events' bytes
    }  # fmt: skip


def every_event(caller) -> list[dict]:
    events, after = [], 0
    while True:
        response = caller.get("/v1/events", params={"after": after, "limit": 1000})
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["items"]:
            return events
        events += page["items"]
        after = page["next_after"]


def without(view: dict, *fields: str) -> dict:
    return {k: v for k, v in view.items() if k not in fields}


TEXT_FIELDS_OF_A_CASE = ("threshold_decision", "review", "reviews", "actions", "updated_at", "version")


# --- sealing -------------------------------------------------------------------------------


def test_personal_data_is_encrypted_before_it_is_stored_and_reads_back_in_clear(coordinator, police, database_url):
    victim = person_with_case(coordinator, police, "Sealed")
    contents = database_contents(database_url)
    assert found_in(contents, victim["strings"]) == []
    assert found_in(contents, [victim["reference"]]) == [victim["reference"]]  # the scan does see inside the events
    person = coordinator.get(f"/v1/people/{victim['id']}").json()
    assert person["display_name"] == victim["strings"][0] and person["erased"] is False
    assert person["contact"]["email"] == victim["strings"][2]
    complaint = coordinator.get(f"/v1/complaints/{victim['complaints'][0]}").json()
    assert complaint["description"] == victim["strings"][5] and complaint["location"] == victim["strings"][4]
    with psycopg.connect(database_url) as conn:
        key = conn.execute("SELECT key FROM personal_keys WHERE person_id = %s", (victim["id"],)).fetchone()[0]
        state = conn.execute(
            "SELECT state FROM community_trigger_events WHERE originator_id = %s", (victim["id"],)
        ).fetchone()[0]
    # Wrapped under the key-encryption key (nonce, 32 bytes, tag): the table alone reads nothing.
    assert len(key) == 12 + 32 + 16 and b"personal_data_sealed" in state and b"display_name" not in state


# --- erasure -------------------------------------------------------------------------------


def test_erasing_a_person_leaves_no_trace_of_their_data_and_every_case_fact_as_it_was(
    coordinator, police, auditor, analyst, services, casework, database_url
):
    victim = person_with_case(coordinator, police, "Erasable")
    other = person_with_case(coordinator, police, "Remaining")
    assert services.runner.wait_for(services.runner.head(), 10)
    known_at = datetime.now(UTC).isoformat()
    year = today().year if today() >= date(today().year, 4, 1) else today().year - 1

    def case_facts() -> dict:
        return {
            "complaints": [coordinator.get(f"/v1/complaints/{c}").json() for c in victim["complaints"]],
            "review": coordinator.get(f"/v1/case-reviews/{victim['review']}").json(),
            "assessment": auditor.get(
                f"/v1/case-reviews/{victim['review']}/assessment", params={"as_known_at": known_at}
            ).json(),
            "publication": analyst.get("/v1/reports/publication", params={"year": year}).json(),
            "history": coordinator.get(f"/v1/case-reviews/{victim['review']}/history").json()["items"],
        }

    before = case_facts()
    other_before = coordinator.get(f"/v1/people/{other['id']}").json()
    # Before erasure too, a dump shows nobody's personal data.
    assert found_in(database_contents(database_url), victim["strings"] + other["strings"]) == []
    with psycopg.connect(database_url) as conn:
        victims_key = bytes(
            conn.execute("SELECT key FROM personal_keys WHERE person_id = %s", (victim["id"],)).fetchone()[0]
        )

    erasure = f"/v1/people/{victim['id']}/erasure"
    assert police.post(erasure, json={"reason": "subject_request"}).status_code == 403
    assert coordinator.post(erasure, json={"reason": "she moved away"}).status_code == 422  # a code, not free text
    erased = coordinator.post(erasure, json={"reason": "subject_request"})
    assert erased.status_code == 201, erased.text
    assert erased.json()["erased"] is True and erased.json()["version"] == 2
    assert coordinator.post(erasure, json={"reason": "subject_request"}).status_code == 409
    assert coordinator.post(f"/v1/people/{uuid4()}/erasure", json={"reason": "subject_request"}).status_code == 404

    # Their data reads as erased, everywhere.
    person = coordinator.get(f"/v1/people/{victim['id']}").json()
    assert person["display_name"] == ERASED and person["erased"] is True
    assert person["contact"] == {"phone": None, "email": None, "address": None}
    after = case_facts()
    for complaint_before, complaint_after in zip(before["complaints"], after["complaints"], strict=True):
        assert complaint_after["description"] == ERASED and complaint_after["location"] == ERASED
        assert without(complaint_after, "description", "location") == without(
            complaint_before, "description", "location"
        )
    review_before, review_after = before["review"], after["review"]
    assert without(review_after, *TEXT_FIELDS_OF_A_CASE) == without(review_before, *TEXT_FIELDS_OF_A_CASE)
    # Told the outcome, its one action still open: not closed (RULES.md 13).
    assert review_after["status"] == CaseStatus.ACTIONS_OPEN.value
    assert review_after["threshold_decision"]["decision"] == "met"
    assert review_after["threshold_decision"]["reason"] == ERASED
    assert review_after["review"]["recommendations"][0]["action"] == ERASED
    assert [a["action"] for a in review_after["actions"]] == [ERASED]  # the action agreed: its text (RULES.md 13)
    assert without(review_after["actions"][0], "action") == without(review_before["actions"][0], "action")
    assert after["assessment"] == before["assessment"]
    assert after["publication"] == before["publication"]
    assert len(after["history"]) == len(before["history"])
    assert found_in(str(after), victim["strings"]) == []

    feed = every_event(auditor)
    assert found_in(str(feed), victim["strings"]) == []
    registered, erasure_event = [e for e in feed if e["aggregate_id"] == victim["id"]]
    assert registered["data"]["display_name"] == ERASED
    assert erasure_event["type"] == "Person.Erased" and erasure_event["data"] == {"reason": "subject_request"}

    # Everyone else reads as before.
    assert coordinator.get(f"/v1/people/{other['id']}").json() == other_before
    other_complaint = coordinator.get(f"/v1/complaints/{other['complaints'][0]}").json()
    assert other_complaint["description"] == other["strings"][5]
    assert found_in(str(feed), other["strings"]) == other["strings"]

    # Nothing in the database holds their data, nor the key that could read it.
    contents = database_contents(database_url)
    assert found_in(contents, victim["strings"] + other["strings"]) == []
    assert victims_key.hex() not in contents and base64.b64encode(victims_key).decode() not in contents

    # Nothing more is recorded about them; facts without their personal data still are.
    response = police.post(
        "/v1/complaints",
        json={
            "victim_id": victim["id"], "agency": "hampshire-constabulary", "incident_date": today().isoformat(),
            "reported_date": today().isoformat(), "caused_harassment_alarm_distress": True, "category": "noise",
            "description": "more about them",
        },
    )  # fmt: skip
    assert response.status_code == 409, response.text
    # The aggregates replay from the first event, and the replayed decision still agrees.
    replay = auditor.get(f"/v1/case-reviews/{victim['review']}/threshold-decision/replay").json()
    assert replay["agrees"] is True
    assert casework.person(UUID(victim["id"])).erased


def test_read_models_rebuild_from_zero_after_an_erasure(coordinator, police, services, casework):
    from projections.catalogue import read_models
    from service.settings import Settings

    victim = person_with_case(coordinator, police, "Rebuilt")
    assert (
        coordinator.post(f"/v1/people/{victim['id']}/erasure", json={"reason": "recorded_in_error"}).status_code == 201
    )
    assert services.runner.wait_for(services.runner.head(), 10)
    models = read_models(casework.store, services.policies.in_force, Settings.from_environment().location_secret())

    def rows() -> dict:
        found = {}
        with services.pool.connection() as conn:
            for model in models:
                tables = conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name <> 'position'",
                    (model.schema,),
                ).fetchall()
                for table in tables:
                    name = sql.Identifier(model.schema, table["table_name"])
                    found[f"{model.schema}.{table['table_name']}"] = sorted(
                        repr(sorted(r.items())) for r in conn.execute(sql.SQL("SELECT * FROM {}").format(name))
                    )
        return found

    built = rows()
    assert built["case_list.case_reviews"] and built["case_facts.complaints"] and built["publication.facts"]
    with services.pool.connection() as conn:
        for table in built:
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(*table.split("."))))
        for model in models:
            conn.execute(sql.SQL("UPDATE {} SET position = 0").format(model.table("position")))
    # The live runner holds the lock (only one applies at a time): told to read the positions again, it
    # starts over from zero; a runner of its own here would only wait for it.
    services.runner.refresh()
    assert services.runner.wait_for(services.runner.head(), 30)
    assert rows() == built


def test_sealed_data_copied_into_another_event_does_not_decrypt(casework):
    from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

    person = _someone(casework, "Copied", at=datetime.now(UTC))
    registered = casework.store.mapper.to_stored_event(next(iter(casework.store.events.get(person))))
    assert casework.store.mapper.to_domain_event(registered).display_name.startswith("Copied")
    copied = StoredEvent(
        originator_id=registered.originator_id, originator_version=2, topic=registered.topic, state=registered.state
    )
    with pytest.raises(MapperDeserialisationError, match="does not decrypt"):
        casework.store.mapper.to_domain_event(copied)


# --- keys ----------------------------------------------------------------------------------


class CountingKeys:
    """A key store in memory, counting how often it is asked."""

    def __init__(self) -> None:
        self.keys: dict[UUID, bytes | None] = {}
        self.asked = 0

    def get(self, person_id: UUID) -> bytes | None:
        self.asked += 1
        return self.keys.get(person_id)

    def create(self, person_id: UUID) -> bytes:
        self.asked += 1
        if person_id in self.keys and self.keys[person_id] is None:
            raise KeyDestroyed(person_id)
        return self.keys.setdefault(person_id, os.urandom(32))  # type: ignore[return-value]

    def destroy(self, person_id: UUID) -> bool:
        destroyed = self.keys.get(person_id, b"") is not None
        self.keys[person_id] = None
        return destroyed


def test_the_key_cache_is_bounded_and_forgets_a_destroyed_key_at_once():
    store = CountingKeys()
    cache = CachedPersonalKeys(store, max_size=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    key = cache.create(first)
    assert cache.get(first) == key and store.asked == 1
    cache.create(second)
    cache.create(third)
    assert len(cache._entries) == 2  # the least recently used went
    assert cache.destroy(first) is True
    assert cache.get(first) is None
    with pytest.raises(KeyDestroyed):
        cache.create(first)
    assert cache.destroy(first) is False


def test_the_key_store_destroys_for_good(casework):
    keys = casework.store.personal_keys.keys  # the PostgreSQL table, under the cache
    person_id = uuid4()
    key = keys.create(person_id)
    assert keys.create(person_id) == key and keys.get(person_id) == key
    assert keys.destroy(person_id) is True and keys.destroy(person_id) is False
    assert keys.get(person_id) is None
    with pytest.raises(KeyDestroyed):
        keys.create(person_id)


# --- retention -----------------------------------------------------------------------------

LONG_AGO = datetime(2009, 3, 2, 10, 0, tzinfo=UTC)


def _closed_case(casework, applicant, at, *, members=(), close=True):
    route = Route.GROUP if members else Route.INDIVIDUAL
    review_id = casework.handle(c.RequestCaseReview(route=route, applicant_id=applicant, victim_id=None if members else applicant, member_ids=list(members), received_date=local_date(at), channel=Channel.LETTER, dissatisfaction=Dissatisfaction.NOT_SATISFIED, complaint_ids=None), actor=SYSTEM, now=at).id  # fmt: skip
    if close:
        without_assessment(casework).handle(c.DecideThreshold(case_review_id=review_id, decision=Decision.NOT_MET, grounds=None, reason=None, decided_on=local_date(at)), actor=SYSTEM, now=at + timedelta(days=1))  # fmt: skip
        casework.handle(
            c.NotifyOutcome(case_review_id=review_id, notified_on=local_date(at + timedelta(days=2))),
            actor=SYSTEM,
            now=at + timedelta(days=2),
        )
    return review_id


def _someone(casework, label, at=LONG_AGO):
    return casework.handle(
        c.RegisterPerson(display_name=f"{label} {secrets.token_hex(3)}", contact=Contact(phone="01234 567890")),
        actor=SYSTEM,
        now=at,
    ).id


def test_retention_erases_only_people_whose_every_case_closed_long_ago(casework, services):
    from service.retention import cut_off, run_retention

    closed_long_ago = _someone(casework, "Closed")
    member = _someone(casework, "Member")
    also_open = _someone(casework, "Open")
    complained_since = _someone(casework, "Complained")
    closed_lately = _someone(casework, "Lately")
    _closed_case(casework, closed_long_ago, LONG_AGO)
    _closed_case(casework, closed_long_ago, LONG_AGO + timedelta(days=10), members=[member])
    _closed_case(casework, also_open, LONG_AGO)
    _closed_case(casework, also_open, LONG_AGO + timedelta(days=30), close=False)
    _closed_case(casework, complained_since, LONG_AGO)
    casework.handle(c.LogComplaint(victim_id=complained_since, complainant_id=None, agency="hampshire-constabulary", agency_reference=None, incident_date=date(2014, 5, 1), reported_date=date(2014, 5, 2), caused_had=True, category=ComplaintCategory.NOISE, location=None, description=None, incident_ref=None), actor=SYSTEM, now=datetime(2014, 5, 2, 9, tzinfo=UTC))  # fmt: skip
    _closed_case(casework, closed_lately, datetime(2013, 6, 3, 10, tzinfo=UTC))
    assert services.runner.wait_for(services.runner.head(), 10)
    # As if run in spring 2016 with a six-year period: cases closed before spring 2010 are due.
    closed_before = cut_off(datetime(2016, 3, 1, tzinfo=UTC), years=6)
    now = datetime.now(UTC)

    dry = run_retention(casework, services.pool, closed_before=closed_before, now=now, dry_run=True)
    assert {closed_long_ago, member} <= set(dry.due)
    assert not {also_open, complained_since, closed_lately} & set(dry.due)
    assert dry.erased == [] and not casework.person(closed_long_ago).erased

    done = run_retention(casework, services.pool, closed_before=closed_before, now=now)
    assert {closed_long_ago, member} <= set(done.erased) and set(done.erased) == set(done.due)
    assert casework.person(closed_long_ago).erased and casework.person(member).display_name == ERASED
    assert not casework.person(also_open).erased and not casework.person(closed_lately).erased
    erased_event = list(casework.store.events.get(closed_long_ago))[-1]
    assert erased_event.reason is ErasureReason.RETENTION_PERIOD_ENDED

    again = run_retention(casework, services.pool, closed_before=closed_before, now=now)
    assert not {closed_long_ago, member} & set(again.due)
    # A longer look back (three years, from 2016) catches the case closed in 2013 too.
    later = run_retention(
        casework, services.pool, closed_before=cut_off(datetime(2016, 7, 1, tzinfo=UTC), 3), now=now, dry_run=True
    )
    assert closed_lately in later.due and complained_since not in later.due


def test_the_command_line_erases_a_person_and_reports_a_retention_dry_run(
    casework, services, database_url, monkeypatch, capsys
):
    from cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    person = _someone(casework, "Commanded", at=datetime.now(UTC))
    assert main(["people", "erase", str(person), "--reason", "subject_request"]) == 0
    assert f"Erased person {person}" in capsys.readouterr().out
    assert casework.person(person).erased
    assert main(["people", "erase", str(person), "--reason", "subject_request"]) == 2
    assert "already erased" in capsys.readouterr().err
    assert main(["people", "erase", str(uuid4()), "--reason", "subject_request"]) == 2

    events_before = casework.store.recorder.max_notification_id()
    assert main(["retention", "run", "--dry-run", "--years", "6"]) == 0
    assert "dry run, nothing erased" in capsys.readouterr().err
    assert casework.store.recorder.max_notification_id() == events_before


# --- whole events at rest ------------------------------------------------------------------


def test_whole_events_can_be_encrypted_at_rest_with_the_configured_key(server_url):
    from service.casework import Casework
    from store.database import scratch_database
    from store.event_store import EventStore, store_environment
    from store.schema import migrate

    cipher_key = base64.b64encode(os.urandom(32)).decode()
    with scratch_database(server_url, "ct_cipher") as url:
        migrate(url)
        casework = Casework(
            EventStore(env=store_environment(url, pool_size=1, cipher_key=cipher_key)), lambda r, at: None
        )
        try:
            victim = casework.handle(
                c.RegisterPerson(display_name="Cipher Person", contact=Contact()), actor=SYSTEM, now=datetime.now(UTC)
            ).id
            complaint = casework.handle(c.LogComplaint(victim_id=victim, complainant_id=None, agency="hampshire-constabulary", agency_reference="REF-CIPHER-77", incident_date=today(), reported_date=today(), caused_had=True, category=ComplaintCategory.NOISE, location=None, description="cipher text", incident_ref=None), actor=SYSTEM, now=datetime.now(UTC)).id  # fmt: skip
            assert casework.complaint(complaint).agency_reference == "REF-CIPHER-77"
            assert casework.person(victim).display_name == "Cipher Person"
        finally:
            casework.store.close()
        contents = database_contents(url)
        # Case facts too, not only personal data: the bodies are ciphertext.
        assert found_in(contents, ["REF-CIPHER-77", "hampshire-constabulary", "victim_id"]) == []
        with pytest.raises(ValueError, match="COMMUNITY_TRIGGER_CIPHER_KEY"):
            store_environment(url, cipher_key="not a key")
