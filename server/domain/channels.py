"""Live channels and who may listen to them.

A channel names what changes together, e.g. `group:7` for a working group's page. Every
subscription is checked here, so the SSE endpoint obeys the same rules as the pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, meeting_access, rights, state_contacts
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message, NotAllowed, NotFound
from server.models import WorkingGroup

MAX_CHANNELS = 16
MAX_ID = 2**31 - 1  # ids are INTEGER columns


KINDS = ("group", "board", "session", "tasks", "state", "fund")
FUND_COMMITTEE_CHANNEL = "fund:committee"


def fund_channel(organisation_id: int) -> str:
    """An organisation's funding requests changed (its people's fund pages)."""
    return f"fund:{organisation_id}"


def fund_channel_of(actor: Actor) -> str:
    """The one fund channel a person's fund pages follow: the committee's sees every request."""
    if actor.is_fund_committee:
        return FUND_COMMITTEE_CHANNEL
    assert actor.organisation_id is not None
    return fund_channel(actor.organisation_id)


def group_channel(group_id: int) -> str:
    return f"group:{group_id}"


def board_channel(group_id: int) -> str:
    return f"board:{group_id}"


def state_channel(group_id: int) -> str:
    """A group's questions to its state contacts, and their answers."""
    return f"state:{group_id}"


def tasks_channel(organisation_id: int) -> str:
    """An organisation's action items changed ("My tasks" of its people)."""
    return f"tasks:{organisation_id}"


def session_channel(meeting_id: int) -> str:
    """A live session's channel: its agenda board, speakers, notes, decisions."""
    return f"session:{meeting_id}"


def session_ids(channels: Sequence[str]) -> list[int]:
    """The sessions among (authorised) channels."""
    return [int(c.partition(":")[2]) for c in channels if c.startswith("session:")]


async def authorize_channels(
    session: AsyncSession, actor: Actor, channels: Sequence[str]
) -> list[str]:
    """The channels the actor may follow; refuses unknown or malformed ones.

    A group's channel carries what its page shows: whoever may see the group. A board's channel
    carries the cards: only those who may use the board (see `rights`). An organisation's tasks
    channel tells its own people that its action items changed. A session's channel
    carries the live session: whoever may take part (see `meeting_access`). A group's state
    channel carries its questions to the state contacts: the group's participants and its state
    contacts (see `state_contacts`). An organisation's fund channel tells its own people that
    its funding requests changed; `fund:committee` tells the fund committee of every request.
    """
    rights.require_member(actor)
    if not channels or len(channels) > MAX_CHANNELS:
        raise Invalid({"channel": Message(N_("Please name between 1 and 16 live channels."))})
    group_ids: set[int] = set()
    board_ids: set[int] = set()
    meeting_ids: set[int] = set()
    organisation_ids: set[int] = set()
    state_ids: set[int] = set()
    fund_ids: set[int] = set()
    for channel in channels:
        if channel == FUND_COMMITTEE_CHANNEL:  # every funding request: the fund committee's
            rights.require_fund_committee(actor)
            continue
        kind, _, ident = channel.partition(":")
        if kind not in KINDS or not _is_id(ident):
            raise Invalid({"channel": Message(N_("Unknown live channel."))})
        {
            "group": group_ids,
            "board": board_ids,
            "session": meeting_ids,
            "tasks": organisation_ids,
            "state": state_ids,
            "fund": fund_ids,
        }[kind].add(int(ident))
    if fund_ids - {actor.organisation_id}:
        raise NotAllowed(N_("An organisation's funding requests are for its own people."))
    if organisation_ids - {actor.organisation_id}:
        raise NotAllowed(N_("An organisation's tasks are for its own people."))
    for meeting_id in meeting_ids:
        await meeting_access.get_meeting(session, actor, meeting_id)
    wanted = group_ids | board_ids | state_ids
    found = set(await session.scalars(select(WorkingGroup.id).where(WorkingGroup.id.in_(wanted))))
    if found != wanted:
        raise NotFound()
    for group_id in board_ids:
        await cards.require_board_access(session, actor, group_id)
    for group_id in state_ids:
        await state_contacts.require_state_access(session, actor, group_id)
    return list(dict.fromkeys(channels))


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID
