"""Configuration from the environment (DATABASE_URL and COMMUNITY_TRIGGER_*), with defaults that work on a new machine."""

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from domain.national_floor import NationalFloor
from domain.policy import PolicyError

NATIONAL_FLOOR_VARIABLE = "COMMUNITY_TRIGGER_NATIONAL_FLOOR"


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
    national_floor: NationalFloor | None = None  # parameters no local policy version may relax (RULES.md section 11)
    location_key: str | None = None  # the secret of the places' digests (`location_secret`)
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
            national_floor=national_floor(os.environ.get(NATIONAL_FLOOR_VARIABLE, "")),
            location_key=os.environ.get("COMMUNITY_TRIGGER_LOCATION_KEY") or None,
            health_max_lag_seconds=float(os.environ.get("COMMUNITY_TRIGGER_HEALTH_MAX_LAG_SECONDS", "30")),
            idempotency_secret=os.environ.get("COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET") or None,
        )

    def location_secret(self) -> bytes:
        """The secret the potential-triggers read model digests complaints' places under (HMAC-SHA256).

        A place (`location_key`) is the victim's personal data: the read model keeps only its keyed
        digest, and the secret lives outside the database, so a copy of the database cannot tell which
        places its digests stand for. From COMMUNITY_TRIGGER_LOCATION_KEY; else derived from
        COMMUNITY_TRIGGER_CIPHER_KEY; else a random secret kept in the data folder (`location.key`,
        made on first use). Every process of a deployment must use the same one; after changing it,
        rebuild the read model (`community-trigger projections rebuild potential_triggers`).
        """
        if self.location_key:
            return self.location_key.encode()
        if self.cipher_key:
            return hmac.new(self.cipher_key.encode(), b"community-trigger location digests", hashlib.sha256).digest()
        path = self.data_dir / "location.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            made = base64.b64encode(secrets.token_bytes(32))
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first: use theirs
                pass
            else:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(made)
        return path.read_bytes().strip()


PROJECTION_MODES = ("process", "inline", "worker")


def projections_mode(value: str) -> str:
    """COMMUNITY_TRIGGER_PROJECTIONS: "process" unless it names another mode."""
    value = value.strip().lower() or "process"
    if value not in PROJECTION_MODES:
        raise ValueError(f"COMMUNITY_TRIGGER_PROJECTIONS is one of {', '.join(PROJECTION_MODES)}, not {value!r}")
    return value


def national_floor(value: str) -> NationalFloor | None:
    """COMMUNITY_TRIGGER_NATIONAL_FLOOR: inline JSON (it starts with `{`) or the path of a JSON file, holding the
    policy parameters the deployment fixes as a floor, in the API's shape (domain.national_floor NationalFloor).

    Unset or blank: no floor. A floor that cannot be read is refused at start with a message naming the variable
    and, inside it, the parameter at fault: a deployment must never run believing it has a floor it has not.
    """
    value = value.strip()
    if not value:
        return None
    if value.startswith("{"):
        text, where = value, NATIONAL_FLOOR_VARIABLE
    else:
        path = Path(value).expanduser()
        try:
            text = path.read_text()
        except OSError as error:
            raise ValueError(
                f"{NATIONAL_FLOOR_VARIABLE} is neither JSON (starting with '{{') nor a file that can be read: "
                f"{path} ({error.strerror or error})"
            ) from None
        where = f"{NATIONAL_FLOOR_VARIABLE} ({path})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where} is not valid JSON: {error}") from None
    try:
        return NationalFloor.from_dict(data)
    except PolicyError as error:
        raise ValueError(f"{where}: {error.field}: {error.message}") from None
