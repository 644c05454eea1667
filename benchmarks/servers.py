"""The two HTTP servers the API benchmarks load: ours, and a bare FastAPI app doing the same SQL.

Each runs under uvicorn in a subprocess of its own on a free 127.0.0.1 port, with the same
uvicorn settings, and is loaded from yet another process (benchmarks/http_load.py).

The bare app has none of our layers: no key lookup, no roles, no domain rules, no event-store
library, no table lock, no personal-data sealing, no idempotency, audit or metrics middleware.
`POST /bare/complaints` validates the same body and, in one transaction, inserts the rows our
write inserts (an event row per record, a timeline row per event, a fact link) into tables of
the same shape; `GET /bare/case-reviews` runs the case list's query and returns the rows;
`GET /bare/potential-triggers` runs the potential-triggers list's candidate query and returns its rows.
"""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
from psycopg import sql

BARE_SCHEMA = "bench_bare"
DATABASE_ENV = "DATABASE_URL"


# --- the factories uvicorn imports ---------------------------------------------------------


def community_trigger_app() -> Any:
    """Our app, configured as `community-trigger serve` configures it."""
    from api.app import app_from_environment

    return app_from_environment(os.environ[DATABASE_ENV])


def create_bare_tables(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        schema = sql.Identifier(BARE_SCHEMA)
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.events (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
                " topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
            ).format(schema)
        )
        conn.execute(
            sql.SQL("CREATE UNIQUE INDEX IF NOT EXISTS events_notification_id ON {}.events (notification_id)").format(
                schema
            )
        )
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.timeline (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
                " recorded_at timestamptz NOT NULL, PRIMARY KEY (originator_id, originator_version))"
            ).format(schema)
        )
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.links (subject_id uuid NOT NULL, fact_id uuid NOT NULL,"
                " recorded_at timestamptz NOT NULL, PRIMARY KEY (subject_id, fact_id))"
            ).format(schema)
        )


def bare_app() -> Any:
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool
    from pydantic import BaseModel

    url = os.environ[DATABASE_ENV]
    pool_size = int(os.environ.get("COMMUNITY_TRIGGER_POOL_SIZE", "5"))
    pool = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs={"row_factory": dict_row}, open=False)

    class ComplaintBody(BaseModel):
        victim_id: UUID
        complainant_id: UUID | None = None
        agency: str
        agency_reference: str | None = None
        incident_date: date
        reported_date: date
        caused_harassment_alarm_distress: bool
        category: str
        location: str | None = None
        description: str | None = None
        incident_ref: str | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        create_bare_tables(url)
        pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="bare baseline", lifespan=lifespan)
    insert_event = sql.SQL(
        "INSERT INTO {}.events (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)"
    ).format(sql.Identifier(BARE_SCHEMA))
    insert_timeline = sql.SQL("INSERT INTO {}.timeline VALUES (%s, 1, %s)").format(sql.Identifier(BARE_SCHEMA))
    insert_link = sql.SQL("INSERT INTO {}.links VALUES (%s, %s, %s)").format(sql.Identifier(BARE_SCHEMA))

    @app.get("/bare/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bare/complaints", status_code=201)
    def log_complaint(body: ComplaintBody) -> dict[str, Any]:
        now = datetime.now(UTC)
        complaint_id = uuid4()
        records = [(complaint_id, "Complaint.Logged", body.model_dump_json().encode())]
        for text in (body.location, body.description):
            if text:
                records.append((uuid4(), "PersonalText.Recorded", json.dumps({"text": text}).encode()))
        with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(insert_event, records)
            cur.executemany(insert_timeline, [(record[0], now) for record in records])
            cur.execute(insert_link, (body.victim_id, complaint_id, now))
        return {"id": str(complaint_id), "version": 1, "recorded_at": now.isoformat()}

    @app.get("/bare/case-reviews")
    def list_case_reviews(limit: int = 50) -> dict[str, Any]:
        with pool.connection() as conn:
            rows = conn.execute(
                "SELECT * FROM case_list.case_reviews ORDER BY received_date DESC, requested_at DESC, id DESC LIMIT %s",
                (limit + 1,),
            ).fetchall()
        return {"items": rows[:limit], "next_cursor": None}

    @app.get("/bare/potential-triggers")
    def list_potential_triggers(limit: int = 50) -> dict[str, Any]:
        """The potential-triggers list's candidate query alone: victims with two or more complaints that could count
        in the last six months, by id; no policy, no open applications, no domain deciding each."""
        with pool.connection() as conn:
            rows = conn.execute(
                "SELECT victim_id, count(DISTINCT complaint_id) AS complaints FROM potential_triggers.complaints"
                " WHERE reported_date BETWEEN current_date - interval '6 months' AND current_date AND caused_had"
                " AND NOT withdrawn GROUP BY victim_id HAVING count(DISTINCT complaint_id) >= 2"
                " ORDER BY victim_id LIMIT %s",
                (limit + 1,),
            ).fetchall()
        return {"items": rows[:limit], "next_cursor": None}

    return app


# --- running them --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving `factory` on a free 127.0.0.1 port, in a subprocess; a context manager."""

    def __init__(self, factory: str, database_url: str, health_path: str, log_path: Path) -> None:
        self.factory = factory
        self.database_url = database_url
        self.health_path = health_path
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        env = {**os.environ, DATABASE_ENV: self.database_url}
        from api.app import UVICORN_OPTIONS  # as `serve` runs it, for ours and the baseline alike

        options = [part for name, value in UVICORN_OPTIONS.items() for part in (f"--{name}", value)]
        command = [
            sys.executable, "-m", "uvicorn", "--factory", self.factory, "--host", "127.0.0.1",
            "--port", str(self.port), "--log-level", "warning", "--no-access-log", *options,
        ]  # fmt: skip
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready(timeout=300)
        return self

    def _wait_ready(self, timeout: float) -> None:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.factory} exited with {self.process.returncode}; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.health_path)
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{self.factory} did not answer {self.health_path} within {timeout:.0f} s; see {self.log_path}"
        )

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
