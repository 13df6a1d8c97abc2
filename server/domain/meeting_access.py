"""Who may see and who may run a live session (issue 5): the rules every session module uses.

A working group's session is for the people of the group's organisations, its moderators, the
alliance admins, and whoever is on its series' invitation list (an organisation's people, or a
person). An alliance-wide series (no group) is for every approved member. Running a session
(the agenda board, accepting items, closing) is for the group's moderators and the alliance
admins; an alliance-wide series is run by the alliance admins.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights
from server.domain.actors import Actor
from server.domain.errors import N_, NotAllowed, NotFound
from server.models import GroupMember, Meeting, Series, Subscription


def may_run(actor: Actor, series: Series) -> bool:
    """Whether the actor moderates sessions of this series."""
    if actor.is_alliance_admin:
        return True
    return series.group_id is not None and actor.moderates(series.group_id)


def require_may_run(actor: Actor, series: Series) -> None:
    rights.require_member(actor)
    if not may_run(actor, series):
        raise NotAllowed(N_("Only the group's moderators run its sessions."))


async def may_take_part(session: AsyncSession, actor: Actor, series: Series) -> bool:
    """Whether the actor may follow the series' sessions (see the module's rules)."""
    if not actor.is_approved or actor.person_id is None:
        return False
    if series.group_id is None or may_run(actor, series):
        return True
    member = await session.scalar(
        select(GroupMember.organisation_id).where(
            GroupMember.group_id == series.group_id,
            GroupMember.organisation_id == actor.organisation_id,
        )
    )
    if member is not None:
        return True
    invited = await session.scalar(
        select(Subscription.id).where(
            Subscription.series_id == series.id,
            or_(
                Subscription.organisation_id == actor.organisation_id,
                Subscription.person_id == actor.person_id,
            ),
        )
    )
    return invited is not None


async def require_part(session: AsyncSession, actor: Actor, series: Series) -> None:
    rights.require_member(actor)
    if not await may_take_part(session, actor, series):
        raise NotAllowed(
            N_("This session is for the working group's organisations and those invited.")
        )


async def get_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, *, lock: bool = False
) -> Meeting:
    """A session the actor may follow, with its series; `lock` holds the row for an update
    until the transaction ends (changes of one session then run one after another)."""
    rights.require_member(actor)
    query = (
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.series))
        .execution_options(populate_existing=True)
    )
    meeting = await session.scalar(query.with_for_update(of=Meeting) if lock else query)
    if meeting is None:
        raise NotFound(N_("This session does not exist (any more)."))
    await require_part(session, actor, meeting.series)
    return meeting
