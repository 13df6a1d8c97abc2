"""People of an organisation: removal keeps history but not the person; roles are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import persons
from server.domain.actors import Actor
from server.domain.errors import NotAllowed, NotFound
from server.models import AuditEntry, GroupModerator, Organisation, Person
from tests import factories
from tests.actors import ADMIN


async def _person(
    session: AsyncSession, organisation: Organisation, name: str, **extra: object
) -> Person:
    person = Person(
        name=name,
        email=f"{name.lower()}@example.org",
        organisation=organisation,
        issuer="https://idp.example",
        subject=name.lower(),
        **extra,
    )
    session.add(person)
    await session.flush()
    return person


def _admin_of(person: Person) -> Actor:
    return Actor(
        person_id=person.id,
        organisation_id=person.organisation_id,
        name=person.name,
        is_organisation_admin=True,
    )


async def test_removing_a_person_erases_identity_and_keeps_the_row(session: AsyncSession) -> None:
    organisation = await factories.organisation(session)
    admin = await _person(session, organisation, "Olga", is_organisation_admin=True)
    leaving = await _person(session, organisation, "Lena")
    group = await factories.working_group(session)
    session.add(GroupModerator(group_id=group.id, person_id=leaving.id))
    await session.flush()

    await persons.remove_person(session, _admin_of(admin), leaving.id)

    row = await session.get(Person, leaving.id)
    assert row is not None and row.removed_at is not None
    assert (row.name, row.email, row.issuer, row.subject) == ("", None, None, None)
    assert await persons.actor_for(session, leaving.id) is None  # can no longer act
    moderators = await session.scalars(
        select(GroupModerator).where(GroupModerator.person_id == leaving.id)
    )
    assert list(moderators) == []
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "person.removed"))
    assert entry is not None and entry.actor_id == admin.id
    assert entry.details == {"person_id": leaving.id, "organisation_id": organisation.id}
    assert [p.id for p in await persons.list_people(session, ADMIN, organisation.id)] == [admin.id]
    with pytest.raises(NotFound):
        await persons.remove_person(session, ADMIN, leaving.id)


async def test_organisation_admins_manage_only_their_own_people(session: AsyncSession) -> None:
    ours, theirs = await factories.organisation(session), await factories.organisation(session)
    admin = await _person(session, ours, "Olga", is_organisation_admin=True)
    stranger = await _person(session, theirs, "Sven")
    with pytest.raises(NotAllowed):
        await persons.remove_person(session, _admin_of(admin), stranger.id)
    with pytest.raises(NotAllowed):
        await persons.list_people(session, _admin_of(admin), theirs.id)
    plain = Actor(person_id=stranger.id, organisation_id=theirs.id, name="Sven")
    with pytest.raises(NotAllowed):
        await persons.list_people(session, plain, theirs.id)
    assert (await session.get(Person, stranger.id)).removed_at is None  # type: ignore[union-attr]


async def test_nobody_removes_themselves(session: AsyncSession) -> None:
    organisation = await factories.organisation(session)
    admin = await _person(session, organisation, "Olga", is_organisation_admin=True)
    with pytest.raises(NotAllowed):
        await persons.remove_person(session, _admin_of(admin), admin.id)
    with pytest.raises(NotAllowed):
        await persons.set_organisation_admin(session, _admin_of(admin), admin.id, False)


async def test_granting_and_revoking_the_admin_role_is_audited(session: AsyncSession) -> None:
    organisation = await factories.organisation(session)
    person = await _person(session, organisation, "Paul")
    office = await _person(session, await factories.organisation(session), "Ada")
    admin = Actor(
        person_id=office.id,
        organisation_id=office.organisation_id,
        name="Ada",
        is_alliance_admin=True,
    )
    await persons.set_organisation_admin(session, admin, person.id, True)
    await persons.set_organisation_admin(session, admin, person.id, True)  # no change, no entry
    await persons.set_organisation_admin(session, admin, person.id, False)
    actions = list(
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("role.%"))
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["role.organisation_admin.granted", "role.organisation_admin.revoked"]
    assert (await session.get(Person, person.id)).is_organisation_admin is False  # type: ignore[union-attr]


async def test_a_person_waiting_for_approval_sees_only_their_own_data(
    session: AsyncSession,
) -> None:
    from server.domain import groups
    from server.domain.rights import AwaitingApproval

    organisation = await factories.organisation(session)
    admin = await _person(session, organisation, "Olga", is_organisation_admin=True)
    newcomer = await _person(session, organisation, "Nina", awaiting_approval=True)
    waiting = await persons.actor_for(session, newcomer.id)
    assert waiting is not None and not waiting.is_approved
    with pytest.raises(AwaitingApproval):
        await groups.overview(session, waiting)
    assert (await persons.get_profile(session, waiting)).person.id == newcomer.id

    await persons.approve_person(session, _admin_of(admin), newcomer.id)
    await persons.approve_person(session, _admin_of(admin), newcomer.id)  # once is enough
    approved = await persons.actor_for(session, newcomer.id)
    assert approved is not None and approved.is_approved
    await groups.overview(session, approved)
    entries = list(
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "person.approved"))
    )
    assert [(e.actor_id, e.details["person_id"]) for e in entries] == [(admin.id, newcomer.id)]


async def test_only_admins_of_the_organisation_approve(session: AsyncSession) -> None:
    ours, theirs = await factories.organisation(session), await factories.organisation(session)
    admin = await _person(session, ours, "Olga", is_organisation_admin=True)
    newcomer = await _person(session, theirs, "Nina", awaiting_approval=True)
    with pytest.raises(NotAllowed):
        await persons.approve_person(session, _admin_of(admin), newcomer.id)
    assert (await session.get(Person, newcomer.id)).awaiting_approval  # type: ignore[union-attr]
