"""Working groups: the overview, joining, and the welcome bookkeeping."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import groups
from server.domain.errors import Invalid, NotFound
from server.models import GroupMember, GroupModerator, OrganisationStatus, Person
from tests import factories
from tests.actors import ADMIN


async def test_join_adds_the_organisation_once(session: AsyncSession) -> None:
    group = await factories.working_group(session)
    organisation = await factories.organisation(session)
    await groups.join_group(session, ADMIN, group, organisation.id)
    refreshed = await groups.get_group(session, ADMIN, group.slug)
    assert [o.id for o in refreshed.organisations] == [organisation.id]
    with pytest.raises(Invalid) as refused:
        await groups.join_group(session, ADMIN, refreshed, organisation.id)
    assert refused.value.errors["organisation_id"].params == {"name": organisation.name}
    count = await session.scalar(select(func.count()).select_from(GroupMember))
    assert count == 1


@pytest.mark.parametrize("status", [OrganisationStatus.pending, OrganisationStatus.left])
async def test_only_member_organisations_can_join(
    session: AsyncSession, status: OrganisationStatus
) -> None:
    group = await factories.working_group(session)
    outsider = await factories.organisation(session, status=status)
    with pytest.raises(Invalid):
        await groups.join_group(session, ADMIN, group, outsider.id)


@pytest.mark.parametrize("organisation_id", [None, 0, 999_999])
async def test_joining_needs_an_existing_organisation(
    session: AsyncSession, organisation_id: int | None
) -> None:
    group = await factories.working_group(session)
    with pytest.raises(Invalid) as refused:
        await groups.join_group(session, ADMIN, group, organisation_id)
    assert refused.value.errors["organisation_id"].id == "Please choose a member organisation."


async def test_unknown_group_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await groups.get_group(session, ADMIN, "no-such-group")
    with pytest.raises(NotFound):
        await groups.get_group_by_id(session, 999_999)


async def test_overview_counts_members_per_group(session: AsyncSession) -> None:
    field = await factories.field_of_action(session)
    busy = await factories.working_group(session, field)
    quiet = await factories.working_group(session, field)
    for _ in range(3):
        organisation = await factories.organisation(session)
        await groups.join_group(session, ADMIN, busy, organisation.id)
    overview = await groups.overview(session, ADMIN)
    entry = next(item for item in overview if item.field.id == field.id)
    counts = {summary.group.id: summary.member_count for summary in entry.groups}
    assert counts == {busy.id: 3, quiet.id: 0}


async def test_candidates_exclude_members_and_non_members(session: AsyncSession) -> None:
    group = await factories.working_group(session)
    inside = await factories.organisation(session)
    outside = await factories.organisation(session)
    await factories.organisation(session, status=OrganisationStatus.pending)
    await groups.join_group(session, ADMIN, group, inside.id)
    candidates = {o.id for o in await groups.joinable_organisations(session, ADMIN, group)}
    assert outside.id in candidates
    assert inside.id not in candidates
    assert all(
        o.status is OrganisationStatus.member
        for o in await groups.joinable_organisations(session, ADMIN, group)
    )


async def test_welcome_is_claimed_once_with_contact_and_moderators(session: AsyncSession) -> None:
    group = await factories.working_group(session)
    host = await factories.organisation(session)
    moderator = Person(name="Mo", email="mo@example.org", organisation=host)
    session.add(moderator)
    await session.flush()
    session.add(GroupModerator(group_id=group.id, person_id=moderator.id))
    newcomer = await factories.organisation(session, contact_email="team@new.example")
    await groups.join_group(session, ADMIN, group, newcomer.id)

    welcome = await groups.claim_welcome(session, group.id, newcomer.id)
    assert welcome is not None
    assert welcome.recipients == ["team@new.example", "mo@example.org"]
    assert welcome.organisation_name == newcomer.name
    assert await groups.claim_welcome(session, group.id, newcomer.id) is None


async def test_no_welcome_for_a_membership_that_does_not_exist(session: AsyncSession) -> None:
    group = await factories.working_group(session)
    organisation = await factories.organisation(session)
    assert await groups.claim_welcome(session, group.id, organisation.id) is None
