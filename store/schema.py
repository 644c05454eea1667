"""The schema's one owner: numbered SQL migrations in store/migrations/, applied in order by yoyo-migrations.

Every table, index, type and function the service uses is made by a migration, never by the code
that uses it. `migrate` applies those a database has not had yet and records each in yoyo's
`_yoyo_migration` table; every process that opens the store calls it first (service/bootstrap.py
`open_store`, `community-trigger migrate`), so a new database and an old one both end up with
the schema this code expects. A database that has had a migration this code does not know was
migrated by newer code: it is refused (`SchemaNewerThanCode`) rather than used half-understood.

Processes starting together take turns: the first applies what is pending, the others then find
nothing to apply. yoyo's own lock is a row in its `yoyo_lock` table, which a process killed while
holding it leaves behind until someone runs `yoyo break-lock`; the lock here is a PostgreSQL
session advisory lock on yoyo's connection instead, which PostgreSQL releases when the connection
ends, however its process ends.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict
from yoyo import read_migrations
from yoyo.backends import PostgresqlPsycopgBackend
from yoyo.connections import DatabaseURI
from yoyo.migrations import default_migration_table

MIGRATIONS = Path(__file__).parent / "migrations"
# The advisory lock held while a process migrates ("CT", 1): the number the start-up lock had before
# the migrations, so a process of older code creating its tables takes turns with a migration too.
MIGRATION_LOCK = 0x43540001

log = logging.getLogger(__name__)


class SchemaNewerThanCode(RuntimeError):
    """The database has had migrations this code does not know: it was migrated by a newer version."""

    def __init__(self, unknown: list[str]) -> None:
        super().__init__(
            f"the database was migrated by a newer version of community-trigger (migrations {', '.join(unknown)}"
            " are not in this one); run that version, or restore a backup taken before it migrated"
        )
        self.unknown = unknown


class AdvisoryLockedBackend(PostgresqlPsycopgBackend):
    """yoyo's psycopg 3 backend, locked by a session advisory lock instead of a row in `yoyo_lock`."""

    def create_lock_table(self) -> None:
        """No `yoyo_lock` table: `lock` does not use one (yoyo's own command line makes it if it is ever run)."""

    def _check_transactional_ddl(self) -> bool:
        return True  # PostgreSQL's DDL is transactional: no need to create and drop a table at each start to see

    @contextmanager
    def lock(self, timeout: int = 10) -> Iterator[None]:
        """Held by one process at a time, for as long as it takes (a migration may be long): no timeout."""
        if self._is_locked:
            yield
            return
        connection = self.connection  # in autocommit: the lock belongs to the session, not to a transaction
        if not connection.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK,)).fetchone()[0]:
            log.info("waiting for another process to finish migrating the database")
            connection.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        self._is_locked = True
        try:
            yield
        finally:
            self._is_locked = False
            try:
                connection.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
            except psycopg.Error:  # the connection is broken: its end releases the lock anyway
                log.warning("could not release the migration lock; it goes with the connection")


def migrate(database_url: str, progress: Callable[[str], None] | None = None) -> list[str]:
    """Apply the migrations the database at `database_url` has not had yet; return their ids, in order.

    `progress` is told of each before it is applied. Raises `SchemaNewerThanCode` when the database
    has had a migration this code does not know, before applying anything.
    """
    known = read_migrations(str(MIGRATIONS))
    backend = _backend(database_url)
    try:
        with backend.lock():
            backend.init_database()
            backend.ensure_internal_schema_updated()
            applied = [
                row[0]
                for row in backend.execute(
                    backend.format_sql("SELECT {quoted.migration_id} FROM {0.migration_table_quoted}")
                ).fetchall()
            ]
            unknown = sorted(set(applied) - {migration.id for migration in known})
            if unknown:
                raise SchemaNewerThanCode(unknown)
            done = []
            for migration in backend.to_apply(known):
                migration.load()
                about = (migration.module.__doc__ or "").strip().splitlines()
                if progress:
                    progress(f"applying {migration.id}" + (f": {about[0]}" if about else ""))
                backend.apply_one(migration)
                log.info("applied migration %s", migration.id)
                done.append(migration.id)
            return done
    finally:
        backend.connection.close()


def _backend(database_url: str) -> AdvisoryLockedBackend:
    """A backend connected to `database_url`, a URL or a key=value connection string (yoyo parses only URLs)."""
    params = conninfo_to_dict(database_url)
    params.setdefault("application_name", "community-trigger migrations")
    uri = DatabaseURI(
        scheme="postgresql+psycopg", username=None, password=None, hostname=None, port=None,
        database=params.get("dbname"), args=params,
    )  # fmt: skip
    return AdvisoryLockedBackend(uri, default_migration_table)
