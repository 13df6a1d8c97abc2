"""What travels through the live hub."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveEvent:
    """One outbox event: `data` holds the fragment rendered once per interface language."""

    id: int
    channel: str
    name: str
    data: dict[str, str]

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "channel": self.channel, "name": self.name, "data": self.data}
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        value = json.loads(raw)
        return cls(value["id"], value["channel"], value["name"], value["data"])
