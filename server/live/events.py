"""What travels through the live hub."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sse_starlette import ServerSentEvent

RETRY_MS = 1000


@dataclass(frozen=True)
class LiveEvent:
    """One outbox event: `data` holds the fragment rendered once per interface language."""

    id: int
    channel: str
    name: str
    data: dict[str, str]
    # The event as the SSE wire carries it, per language: encoded once for the first stream
    # of that language, then the same bytes for the thousand others.
    _wire: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "channel": self.channel, "name": self.name, "data": self.data}
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        value = json.loads(raw)
        return cls(value["id"], value["channel"], value["name"], value["data"])

    def sse(self, locale: str) -> bytes:
        """The SSE message in the reader's language (any language when it has none)."""
        wire = self._wire.get(locale)
        if wire is None:
            data = self.data.get(locale) or next(iter(self.data.values()), "")
            message = ServerSentEvent(data=data, event=self.name, id=str(self.id), retry=RETRY_MS)
            wire = self._wire[locale] = message.encode()
        return wire
