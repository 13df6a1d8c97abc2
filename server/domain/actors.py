"""Who is acting: a signed-in person of a member organisation, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    person_id: int | None = None
    organisation_id: int | None = None
    name: str = ""
    is_alliance_admin: bool = False
    is_organisation_admin: bool = False
    is_approved: bool = True
    is_fund_committee: bool = False
    moderated_group_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_anonymous(self) -> bool:
        return self.person_id is None

    def moderates(self, group_id: int) -> bool:
        return group_id in self.moderated_group_ids


ANONYMOUS = Actor()
