"""The moderator's agenda board while a session runs: starting it, the current item with its
timer, next and previous, closing an item with its outcome, and the speakers list.

Every change locks the session's row, so changes of one session run one after another. The
moderator's changes raise `Meeting.version`, and each names the version their page showed: if
another moderator changed the board since (made another item current, gave the floor), the
action is refused with a `Conflict` and changes nothing; the page has the newer board by then
(its live event), so both moderators see the same. A participant's hand going up or down does
not raise the version: in a session of a hundred, the moderator would otherwise be refused
whenever someone raised a hand, and the moderator's speaker actions name the speaker, whose
state is checked anyway. The timer is derived data: `item_started_at` and the
item's planned minutes; pages count down from them.

Closing the session is a step of its own (`meeting_close`); it ends the current item here
(`leave_current`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.models import AgendaItem, AgendaItemStatus, Meeting, MeetingStatus, Person, Speaker
from server.models.agenda import ITEM_TEXT_MAX
from server.models.enums import SpeakerStatus

OUTCOME_MAX = ITEM_TEXT_MAX
ON_THE_BOARD = (AgendaItemStatus.accepted, AgendaItemStatus.covered)
ON_THE_LIST = (SpeakerStatus.waiting, SpeakerStatus.speaking)
DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class Board:
    """What the agenda board shows: the accepted (and covered) items in order, the current
    item, and its speakers list (the one speaking first, then the waiting in order)."""

    meeting: Meeting
    items: list[AgendaItem]
    current: AgendaItem | None
    speakers: list[Speaker]

    @property
    def hands_open(self) -> bool:
        """Whether participants may raise a hand now (a running session, an open item)."""
        return (
            self.meeting.status is MeetingStatus.running
            and self.current is not None
            and self.current.status is AgendaItemStatus.accepted
        )

    @property
    def speaking(self) -> Speaker | None:
        return next((s for s in self.speakers if s.status is SpeakerStatus.speaking), None)

    @property
    def waiting(self) -> list[Speaker]:
        return [s for s in self.speakers if s.status is SpeakerStatus.waiting]


async def get_board(session: AsyncSession, actor: Actor, meeting_id: int) -> Board:
    """The board of a session the actor may follow."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    return await board_of(session, meeting)


async def board_of(session: AsyncSession, meeting: Meeting) -> Board:
    """The board of a session already checked (e.g. just changed by the actor)."""
    items = list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id, AgendaItem.status.in_(ON_THE_BOARD))
            .order_by(AgendaItem.position, AgendaItem.id)
            .execution_options(populate_existing=True)
        )
    )
    current = next((item for item in items if item.id == meeting.current_item_id), None)
    speakers: list[Speaker] = []
    if current is not None:
        speakers = list(
            await session.scalars(
                select(Speaker)
                .where(Speaker.item_id == current.id, Speaker.status.in_(ON_THE_LIST))
                .options(selectinload(Speaker.person).selectinload(Person.organisation))
                .order_by(Speaker.position, Speaker.id)
                .execution_options(populate_existing=True)
            )
        )
        speakers.sort(key=lambda s: s.status is not SpeakerStatus.speaking)
    return Board(meeting, items, current, speakers)


async def my_hand(session: AsyncSession, actor: Actor, meeting: Meeting) -> Speaker | None:
    """The actor's place on the current item's speakers list, if they are on it."""
    if meeting.current_item_id is None or actor.person_id is None:
        return None
    return await _open_hand(session, meeting.current_item_id, actor.person_id)


# The moderator's actions.


async def start_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, version: str | None, now: datetime
) -> Meeting:
    """Start a planned session: from now on it is run on the agenda board."""
    meeting = await _moderated(session, actor, meeting_id)
    if meeting.status is not MeetingStatus.planned:
        _refuse_unless_running(meeting)
        raise Invalid({"meeting": Message(N_("The session is running already."))})
    _require_version(meeting, version)
    meeting.status = MeetingStatus.running
    meeting.started_at = now
    return await _changed(session, meeting)


async def make_current(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: str | int | None,
    version: str | None,
    now: datetime,
) -> Meeting:
    """Make an accepted item of this session the current one; its timer starts now."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    item = await session.scalar(
        select(AgendaItem).where(
            AgendaItem.id == _int(item_id, "item_id"), AgendaItem.meeting_id == meeting.id
        )
    )
    if item is None or item.status is not AgendaItemStatus.accepted:
        raise Invalid(
            {"item_id": Message(N_("Only an accepted item of this session can be current."))}
        )
    if item.id == meeting.current_item_id:
        raise Invalid({"item_id": Message(N_("This item is current already."))})
    await _switch_to(session, meeting, item, now)
    return await _changed(session, meeting)


async def next_item(
    session: AsyncSession, actor: Actor, meeting_id: int, version: str | None, now: datetime
) -> Meeting:
    """Move on to the next accepted item (the first, when none is current yet)."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    open_items, here = await _open_items_and_place(session, meeting)
    later = [item for item in open_items if here is None or _key(item) > here]
    if not later:
        raise Invalid({"item_id": Message(N_("There is no further item on the agenda."))})
    await _switch_to(session, meeting, later[0], now)
    return await _changed(session, meeting)


async def previous_item(
    session: AsyncSession, actor: Actor, meeting_id: int, version: str | None, now: datetime
) -> Meeting:
    """Go back to the accepted item before the current one."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    open_items, here = await _open_items_and_place(session, meeting)
    earlier = [item for item in open_items if here is not None and _key(item) < here]
    if not earlier:
        raise Invalid({"item_id": Message(N_("There is no earlier item on the agenda."))})
    await _switch_to(session, meeting, earlier[-1], now)
    return await _changed(session, meeting)


async def close_item(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    outcome: str | None,
    version: str | None,
    now: datetime,
) -> Meeting:
    """Close the current item with its outcome: covered, its time counted, its speakers list
    ended. It stays on the board (marked covered) until the moderator moves on."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    text = (outcome or "").strip()
    if len(text) > OUTCOME_MAX:
        raise Invalid(
            {
                "outcome": Message(
                    N_("Please keep the outcome to %(max)d characters."), {"max": OUTCOME_MAX}
                )
            }
        )
    item = await _current_item(session, meeting)
    if item is None or item.id != item_id or item.status is not AgendaItemStatus.accepted:
        raise Invalid({"item_id": Message(N_("Only the current item can be closed."))})
    await _leave(session, meeting, item, now, closing=True)
    item.status = AgendaItemStatus.covered
    item.outcome = text
    meeting.item_started_at = None
    return await _changed(session, meeting)


# The speakers list.


async def raise_hand(
    session: AsyncSession, actor: Actor, meeting_id: int, now: datetime
) -> Speaker:
    """Put the actor at the end of the current item's speakers list."""
    meeting = await _taking_part(session, actor, meeting_id)
    item = await _open_current_item(session, meeting)
    assert actor.person_id is not None  # get_meeting admits signed-in people only
    if await _open_hand(session, item.id, actor.person_id) is not None:
        raise Invalid({"hand": Message(N_("Your hand is raised already."))})
    last = await session.scalar(
        select(func.max(Speaker.position)).where(Speaker.item_id == item.id)
    )
    speaker = Speaker(
        meeting_id=meeting.id,
        item_id=item.id,
        person_id=actor.person_id,
        position=(last or 0) + 1,
        raised_at=now,
    )
    session.add(speaker)
    await session.flush()
    return speaker


async def lower_hand(session: AsyncSession, actor: Actor, meeting_id: int, now: datetime) -> None:
    """Take the actor's hand down; someone who has the floor ends their turn with it."""
    meeting = await _taking_part(session, actor, meeting_id)
    item = await _open_current_item(session, meeting)
    assert actor.person_id is not None
    speaker = await _open_hand(session, item.id, actor.person_id)
    if speaker is None:
        raise Invalid({"hand": Message(N_("Your hand is not raised."))})
    _end_turn(speaker, now)
    await session.flush()


async def give_floor(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    speaker_id: int,
    version: str | None,
    now: datetime,
) -> Speaker:
    """Give the floor to a waiting person of the list; whoever spoke before is done."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    item = await _open_current_item(session, meeting)
    speaker = await _listed(session, item, speaker_id)
    if speaker.status is not SpeakerStatus.waiting:
        raise Invalid({"speaker": Message(N_("This person has the floor already."))})
    for other in await _speakers(session, item, SpeakerStatus.speaking):
        _end_turn(other, now)
    speaker.status = SpeakerStatus.speaking
    speaker.started_at = now
    await _changed(session, meeting)
    return speaker


async def remove_speaker(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    speaker_id: int,
    version: str | None,
    now: datetime,
) -> Speaker:
    """Take someone off the list (someone speaking ends their turn)."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    item = await _open_current_item(session, meeting)
    speaker = await _listed(session, item, speaker_id)
    _end_turn(speaker, now)
    await _changed(session, meeting)
    return speaker


async def move_speaker(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    speaker_id: int,
    direction: str | None,
    version: str | None,
) -> Speaker:
    """Move a waiting person one place up or down the list."""
    meeting = await running_for_moderator(session, actor, meeting_id, version)
    if direction not in DIRECTIONS:
        raise Invalid({"direction": Message(N_("Please move up or down."))})
    item = await _open_current_item(session, meeting)
    speaker = await _listed(session, item, speaker_id)
    waiting = await _speakers(session, item, SpeakerStatus.waiting)
    if speaker not in waiting:
        raise Invalid({"speaker": Message(N_("Only someone waiting for the floor can move."))})
    at = waiting.index(speaker)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(waiting):
        first_or_last = (
            N_("This person is first on the list already.")
            if direction == "up"
            else N_("This person is last on the list already.")
        )
        raise Invalid({"direction": Message(first_or_last)})
    other = waiting[to]
    speaker.position, other.position = other.position, speaker.position
    await _changed(session, meeting)
    return speaker


async def leave_current(session: AsyncSession, meeting: Meeting, now: datetime) -> None:
    """The session ends: the current item's time is counted and its speakers list ended."""
    current = await _current_item(session, meeting)
    if current is not None and current.status is AgendaItemStatus.accepted:
        await _leave(session, meeting, current, now, closing=True)
    meeting.item_started_at = None


# Helpers.


async def _moderated(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    meeting_access.require_may_run(actor, meeting.series)
    return meeting


async def running_for_moderator(
    session: AsyncSession, actor: Actor, meeting_id: int, version: str | None
) -> Meeting:
    """The locked session, for a moderator's action on the board as their page saw it."""
    meeting = await _moderated(session, actor, meeting_id)
    _refuse_unless_running(meeting)
    _require_version(meeting, version)
    return meeting


async def _taking_part(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    _refuse_unless_running(meeting)
    return meeting


def _refuse_unless_running(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.running:
        return
    reason = {
        MeetingStatus.planned: N_("The session has not started yet; nothing was changed."),
        MeetingStatus.closed: N_("The session is closed; nothing can be changed any more."),
        MeetingStatus.cancelled: N_("The session was cancelled; nothing was changed."),
    }[meeting.status]
    raise Invalid({"meeting": Message(reason)})


def _require_version(meeting: Meeting, raw: str | None) -> None:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise Invalid(
            {"version": Message(N_("This page is out of date. Please reload it and try again."))}
        )
    if int(text) != meeting.version:
        raise Conflict(
            N_(
                "Someone else changed the agenda board in the meantime; it now shows their "
                "change. Please check it and try again."
            )
        )


async def _changed(session: AsyncSession, meeting: Meeting) -> Meeting:
    meeting.version += 1
    await session.flush()
    return meeting


def _int(raw: str | int | None, name: str) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise Invalid({name: Message(N_("Please choose one of the offered values."))})
    return int(text)


def _key(item: AgendaItem) -> tuple[int, int]:
    return (item.position, item.id)


async def _current_item(session: AsyncSession, meeting: Meeting) -> AgendaItem | None:
    if meeting.current_item_id is None:
        return None
    return await session.get(AgendaItem, meeting.current_item_id, populate_existing=True)


async def _open_current_item(session: AsyncSession, meeting: Meeting) -> AgendaItem:
    item = await _current_item(session, meeting)
    if item is None or item.status is not AgendaItemStatus.accepted:
        raise Invalid(
            {"hand": Message(N_("There is no open item right now, so there is no speakers list."))}
        )
    return item


async def _open_items_and_place(
    session: AsyncSession, meeting: Meeting
) -> tuple[list[AgendaItem], tuple[int, int] | None]:
    """The accepted items in agenda order, and where the current item stands among them."""
    items = list(
        await session.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.status == AgendaItemStatus.accepted,
            )
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    current = await _current_item(session, meeting)
    return items, _key(current) if current is not None else None


async def _switch_to(
    session: AsyncSession, meeting: Meeting, item: AgendaItem, now: datetime
) -> None:
    current = await _current_item(session, meeting)
    if current is not None:
        await _leave(session, meeting, current, now, closing=False)
    meeting.current_item_id = item.id
    meeting.item_started_at = now


async def _leave(
    session: AsyncSession, meeting: Meeting, item: AgendaItem, now: datetime, *, closing: bool
) -> None:
    """The current item stops being discussed: its time is counted and whoever spoke is done;
    closing it also ends the waiting (an item left open keeps its list for a return)."""
    if meeting.item_started_at is not None:
        item.used_seconds += max(0, int((now - meeting.item_started_at).total_seconds()))
    ending = ON_THE_LIST if closing else (SpeakerStatus.speaking,)
    for speaker in await _speakers(session, item, *ending):
        _end_turn(speaker, now)


async def _speakers(
    session: AsyncSession, item: AgendaItem, *statuses: SpeakerStatus
) -> list[Speaker]:
    return list(
        await session.scalars(
            select(Speaker)
            .where(Speaker.item_id == item.id, Speaker.status.in_(statuses))
            .order_by(Speaker.position, Speaker.id)
            .execution_options(populate_existing=True)
        )
    )


async def _open_hand(session: AsyncSession, item_id: int, person_id: int) -> Speaker | None:
    return await session.scalar(
        select(Speaker)
        .where(
            Speaker.item_id == item_id,
            Speaker.person_id == person_id,
            Speaker.status.in_(ON_THE_LIST),
        )
        .options(selectinload(Speaker.person).selectinload(Person.organisation))
        .execution_options(populate_existing=True)
    )


async def _listed(session: AsyncSession, item: AgendaItem, speaker_id: int) -> Speaker:
    speaker = await session.get(Speaker, speaker_id, populate_existing=True)
    if speaker is None or speaker.item_id != item.id or speaker.status not in ON_THE_LIST:
        raise Invalid({"speaker": Message(N_("This person is not on the speakers list."))})
    return speaker


def _end_turn(speaker: Speaker, now: datetime) -> None:
    speaker.status = (
        SpeakerStatus.done if speaker.status is SpeakerStatus.speaking else SpeakerStatus.withdrawn
    )
    speaker.ended_at = now
