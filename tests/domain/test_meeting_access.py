"""Who may follow and who may run a live session."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import channels, meeting_access
from server.domain.actors import ANONYMOUS
from server.domain.errors import NotAllowed, NotFound
from server.domain.rights import SignInRequired
from server.models import Subscription
from tests import factories
from tests.actors import ADMIN
from tests.domain.cardkit import group_with_member


async def test_a_groups_session_is_for_its_organisations_moderators_and_invited(
    session: AsyncSession,
) -> None:
    group, member = await group_with_member(session)
    weekly = await factories.series(session, group)
    meeting = await factories.meeting(session, weekly)
    outsider_organisation = await factories.organisation(session)
    outsider = factories.actor_of(await factories.person(session, outsider_organisation.id))
    moderator = factories.actor_of(
        await factories.person(session, outsider_organisation.id), moderates=(group.id,)
    )

    assert (await meeting_access.get_meeting(session, member, meeting.id)).id == meeting.id
    await meeting_access.get_meeting(session, moderator, meeting.id)
    await meeting_access.get_meeting(session, ADMIN, meeting.id)
    with pytest.raises(NotAllowed):
        await meeting_access.get_meeting(session, outsider, meeting.id)
    with pytest.raises(SignInRequired):
        await meeting_access.get_meeting(session, ANONYMOUS, meeting.id)
    with pytest.raises(NotFound):
        await meeting_access.get_meeting(session, member, 10**9)

    session.add(Subscription(series_id=weekly.id, organisation_id=outsider_organisation.id))
    await session.flush()
    await meeting_access.get_meeting(session, outsider, meeting.id)  # invited now

    assert meeting_access.may_run(moderator, weekly) and meeting_access.may_run(ADMIN, weekly)
    assert not meeting_access.may_run(member, weekly)
    with pytest.raises(NotAllowed):
        meeting_access.require_may_run(member, weekly)


async def test_an_alliance_series_is_for_every_member_and_run_by_alliance_admins(
    session: AsyncSession,
) -> None:
    _, member = await group_with_member(session)
    weekly = await factories.series(session, None)
    meeting = await factories.meeting(session, weekly)
    await meeting_access.get_meeting(session, member, meeting.id)
    assert not meeting_access.may_run(member, weekly)
    assert meeting_access.may_run(ADMIN, weekly)


async def test_a_sessions_live_channel_follows_the_same_rules(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    meeting = await factories.meeting(session, await factories.series(session, group))
    channel = channels.session_channel(meeting.id)
    assert await channels.authorize_channels(session, member, [channel]) == [channel]
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await channels.authorize_channels(session, outsider, [channel])
