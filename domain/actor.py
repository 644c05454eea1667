"""Who caused an event: carried on every event so auditors can see who did what."""

from dataclasses import dataclass

from domain.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    key_id: str | None  # the API key's public id; None for the system itself (imports, demo data)
    role: Role
    agency: str | None = None

    def to_dict(self) -> dict:
        return {"key_id": self.key_id, "role": self.role.value, "agency": self.agency}

    @classmethod
    def from_dict(cls, data: dict) -> "Actor":
        return cls(key_id=data["key_id"], role=Role(data["role"]), agency=data.get("agency"))


SYSTEM = Actor(key_id=None, role=Role.COORDINATOR, agency=None)
