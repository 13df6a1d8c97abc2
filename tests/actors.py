"""Actors for domain tests: rights are decided from the actor alone, so these need no rows."""

from __future__ import annotations

from server.domain.actors import Actor

ADMIN = Actor(person_id=10_001, organisation_id=10_001, name="Ada", is_alliance_admin=True)


def member_of(organisation_id: int, *, moderates: tuple[int, ...] = ()) -> Actor:
    return Actor(
        person_id=20_000 + organisation_id,
        organisation_id=organisation_id,
        name="Mia",
        moderated_group_ids=frozenset(moderates),
    )
