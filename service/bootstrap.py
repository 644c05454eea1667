"""Everything a process needs, made once at start: the store, the policies, the casework, the read models.

The API (api/app.py), the command line (cli/) and the benchmarks all start from `open_services`,
so each runs the same wiring, with the settings of the environment.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from psycopg_pool import ConnectionPool

from projections.catalogue import read_models
from projections.runner import ProjectionRunner
from service.assessments import Assessor
from service.casework import Casework
from service.policies import Policies
from service.settings import Settings
from store.api_keys import KeyStore
from store.cache_notices import API_KEY, PERSONAL_KEY, POLICY, CacheNotices
from store.event_store import EventStore, store_environment
from store.pool import open_pool
from store.schema import migrate

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request needs, made once when the app starts."""

    store: EventStore
    casework: Casework
    policies: Policies
    assessor: Assessor
    pool: ConnectionPool
    keys: KeyStore
    runner: ProjectionRunner
    read_wait_seconds: float
    notices: CacheNotices
    last_write: dict[str, int] = field(default_factory=dict)  # key id -> position of its last write here

    def close(self) -> None:
        self.notices.stop()
        self.runner.stop()
        self.pool.close()
        self.store.close()


def open_store(database_url: str, pool_size: int = 5, cipher_key: str | None = None) -> EventStore:
    """The event store at `database_url`, migrated first (a new database gets its schema here).

    `cipher_key` defaults to the environment's (COMMUNITY_TRIGGER_CIPHER_KEY).
    """
    if cipher_key is None:
        cipher_key = Settings.from_environment().cipher_key
    migrate(database_url)  # waits while another process migrates; refuses a database newer than this code
    return EventStore(env=store_environment(database_url, pool_size=pool_size, cipher_key=cipher_key))


def follow_changes(
    database_url: str, store: EventStore, policies: Policies, keys: KeyStore | None = None
) -> CacheNotices:
    """Listen for what other processes change (store/cache_notices.py), so what this one holds in memory follows:
    a revoked API key, an erased person's key, a new policy version."""
    notices = CacheNotices(database_url)
    if keys is not None:
        notices.on(API_KEY, keys.forget, keys.forget_all)
    notices.on(
        PERSONAL_KEY, lambda ident: store.personal_keys.destroyed_elsewhere(UUID(ident)), store.personal_keys.forget
    )
    notices.on(POLICY, policies.forget, policies.forget)
    notices.start()
    return notices


def open_services(
    database_url: str, pool_size: int = 5, read_wait_seconds: float = 5.0, run_projections: bool = True
) -> Services:
    store = open_store(database_url, pool_size=pool_size)
    pool = open_pool(database_url, size=pool_size)
    policies = Policies(store)
    policies.ensure_default(now())
    runner = ProjectionRunner(store, pool, read_models(store, policies.in_force))
    keys = KeyStore(pool)
    notices = follow_changes(database_url, store, policies, keys)
    assessor = Assessor(store, policies)
    services = Services(
        store=store,
        casework=Casework(store, assess=lambda review, at: assessor.assess(review, at).to_dict(), policies=policies),
        policies=policies,
        assessor=assessor,
        pool=pool,
        keys=keys,
        runner=runner,
        read_wait_seconds=read_wait_seconds,
        notices=notices,
    )
    if run_projections:
        runner.catch_up()
        runner.start()
    return services


def now() -> datetime:
    return datetime.now(UTC)
