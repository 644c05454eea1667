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
    projections_inline: bool  # False when `community-trigger projections run` keeps them current instead
    cipher_key: str | None = None  # encrypts whole events at rest when set (README, Personal data and encryption)

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
            projections_inline=os.environ.get("COMMUNITY_TRIGGER_PROJECTIONS", "inline") != "worker",
            cipher_key=os.environ.get("COMMUNITY_TRIGGER_CIPHER_KEY") or None,
        )
