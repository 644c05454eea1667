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
from store.key_encryption import KeyEncryptionKeyError, LocalKeyEncryptionKey
from store.personal_keys import PostgresPersonalKeys
from store.pool import open_pool
from store.schema import migrate
from store.server_secrets import server_secret

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
    idempotency_secret: bytes  # the HMAC key of the bodies kept with Idempotency-Keys (api/idempotency.py)
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
    store = EventStore(env=store_environment(database_url, pool_size=pool_size, cipher_key=cipher_key))
    try:
        check_personal_keys(store.personal_keys.keys)
    except BaseException:
        store.close()
        raise
    return store


_warned_unwrapped = False


def check_personal_keys(keys: PostgresPersonalKeys) -> None:
    """Refuse to start with keys wrapped under another key-encryption key than the one configured (or none);
    wrap any key still stored unwrapped when one is configured; say clearly when none is."""
    global _warned_unwrapped
    configured = keys.wrapper.kek_id if keys.wrapper is not None else None
    others = keys.wrapped_with() - {configured}
    if others:
        raise KeyEncryptionKeyError(
            f"the personal keys are wrapped with key-encryption key {', '.join(sorted(others))}, but "
            + (f"the one configured is {configured}" if configured else "none is configured")
            + ": set COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY (or ..._FILE) to that key, or, to change keys, run"
            " `community-trigger keys rewrap --previous-key-file FILE` with the new one configured"
        )
    if keys.wrapper is None:
        if not _warned_unwrapped:
            _warned_unwrapped = True
            log.warning(
                "no key-encryption key is configured (COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY or ..._FILE): personal "
                "keys are stored unwrapped, so a copy of the database or its backups can read everyone not yet erased"
            )
        return
    if keys.unwrapped():
        log.info("wrapped %d personal keys stored before a key-encryption key was configured", keys.rewrap())


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
    policies = Policies(store, floor=Settings.from_environment().national_floor)
    policies.ensure_default(now())
    runner = ProjectionRunner(
        store, pool, read_models(store, policies.in_force, Settings.from_environment().location_secret())
    )
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
        idempotency_secret=idempotency_secret(store, pool),
    )
    if run_projections:
        runner.catch_up()
        runner.start()
    return services


def idempotency_secret(store: EventStore, pool: ConnectionPool) -> bytes:
    """COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET; else derived from the key-encryption key; else one kept in the database."""
    configured = Settings.from_environment().idempotency_secret
    if configured:
        return configured.encode()
    wrapper = store.personal_keys.keys.wrapper
    if isinstance(wrapper, LocalKeyEncryptionKey):
        return wrapper.derive("community-trigger idempotency-key bodies")
    return server_secret(pool, "idempotency")


def now() -> datetime:
    return datetime.now(UTC)
