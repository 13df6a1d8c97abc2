"""Who is acting: a signed-in person, or nobody."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    person_id: int | None = None
    organisation_id: int | None = None
    is_alliance_admin: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None


ANONYMOUS = Actor()
