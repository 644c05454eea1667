"""Configuration from the environment (DATABASE_URL and COMMUNITY_TRIGGER_*), with defaults that work on a new machine."""

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Settings:
    database_url: str | None  # an existing PostgreSQL server; None starts the embedded one
    data_dir: Path  # where the embedded PostgreSQL keeps its data
    pool_size: int
    read_wait_seconds: float  # how long a read waits for the read models to reach the caller's last write
    # Who keeps the read models current: "process" (a child process `serve` starts and stops), "inline"
    # (a thread in the API process), or "worker" (a `community-trigger projections run` started by you).
    projections: str
    cipher_key: str | None = None  # encrypts whole events at rest when set (README, Personal data and encryption)
    health_max_lag_seconds: float = 30.0  # /healthz says `degraded` when the read models lag more than this
    idempotency_secret: str | None = None  # the HMAC key of Idempotency-Key bodies (else derived from the KEK)

    @property
    def projections_inline(self) -> bool:
        return self.projections == "inline"

    @classmethod
    def from_environment(cls, data_dir: str | Path | None = None) -> "Settings":
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            data_dir=Path(
                data_dir
                or os.environ.get("COMMUNITY_TRIGGER_DATA_DIR")
                or platformdirs.user_data_dir("community-trigger")
            ).expanduser(),
            pool_size=int(os.environ.get("COMMUNITY_TRIGGER_POOL_SIZE", "5")),
            read_wait_seconds=float(os.environ.get("COMMUNITY_TRIGGER_READ_WAIT_SECONDS", "5")),
            projections=projections_mode(os.environ.get("COMMUNITY_TRIGGER_PROJECTIONS", "")),
            cipher_key=os.environ.get("COMMUNITY_TRIGGER_CIPHER_KEY") or None,
            health_max_lag_seconds=float(os.environ.get("COMMUNITY_TRIGGER_HEALTH_MAX_LAG_SECONDS", "30")),
            idempotency_secret=os.environ.get("COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET") or None,
        )


PROJECTION_MODES = ("process", "inline", "worker")


def projections_mode(value: str) -> str:
    """COMMUNITY_TRIGGER_PROJECTIONS: "process" unless it names another mode."""
    value = value.strip().lower() or "process"
    if value not in PROJECTION_MODES:
        raise ValueError(f"COMMUNITY_TRIGGER_PROJECTIONS is one of {', '.join(PROJECTION_MODES)}, not {value!r}")
    return value
