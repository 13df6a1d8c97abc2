"""What the series' earlier sessions left open, suggested for the next one's agenda: the open
action items of every earlier session ("Offene Aufgaben"), carried along from session to
session until they are done or dropped, and the last session's deferred items ("Vertagte
Punkte"). A moderator takes a suggestion onto the agenda in one step; a suggestion taken onto
a session's agenda is not suggested for it again (the new item remembers where it came
from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.domain import agenda
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotFound
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Meeting,
    MeetingStatus,
    Organisation,
    Person,
)
from server.models.agenda import ITEM_TEXT_MAX, ITEM_TITLE_MAX

OPEN_ACTIONS = (ActionItemStatus.open, ActionItemStatus.in_progress)
KINDS = ("action", "deferred")


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str  # "action" or "deferred"
    id: int  # the action item's or the deferred agenda item's id
    title: str
    owner: str = ""  # an action item's owner (person, else organisation)
    due_on: date | None = None
    presenter: str = ""
    planned_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Suggestions:
    previous: Meeting | None = None
    actions: list[Suggestion] = field(default_factory=list)
    deferred: list[Suggestion] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.actions or self.deferred)


async def previous_meeting(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    """The series' session before this one (by start), leaving out cancelled ones."""
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.series_id == meeting.series_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.status != MeetingStatus.cancelled,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


async def suggestions_for(session: AsyncSession, meeting: Meeting) -> Suggestions:
    """The suggestions for a session the caller may see, none taken onto its agenda yet."""
    previous = await previous_meeting(session, meeting)
    if previous is None:
        return Suggestions()
    taken = aliased(AgendaItem)
    owner_person = aliased(Person)
    earlier = aliased(Meeting)
    actions = await session.execute(
        select(ActionItem, owner_person.name, Organisation.name)
        .join(AgendaItem, AgendaItem.id == ActionItem.item_id)
        .join(earlier, earlier.id == AgendaItem.meeting_id)
        .outerjoin(owner_person, owner_person.id == ActionItem.owner_person_id)
        .outerjoin(Organisation, Organisation.id == ActionItem.owner_organisation_id)
        .where(
            # Open action items of every earlier session: carried along until done.
            earlier.series_id == meeting.series_id,
            earlier.starts_at < meeting.starts_at,
            ActionItem.status.in_(OPEN_ACTIONS),
            ~select(taken.id)
            .where(taken.meeting_id == meeting.id, taken.carried_action_id == ActionItem.id)
            .exists(),
        )
        .order_by(earlier.starts_at, AgendaItem.position, ActionItem.id)
    )
    deferred = await session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == previous.id,
            AgendaItem.status == AgendaItemStatus.deferred,
            ~select(taken.id)
            .where(taken.meeting_id == meeting.id, taken.carried_from_id == AgendaItem.id)
            .exists(),
        )
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return Suggestions(
        previous=previous,
        actions=[
            Suggestion(
                "action",
                action.id,
                _title_of(action.text),
                owner=person_name or organisation_name or "",
                due_on=action.due_on,
            )
            for action, person_name, organisation_name in actions
        ],
        deferred=[
            Suggestion(
                "deferred",
                item.id,
                item.title,
                presenter=item.presenter,
                planned_minutes=item.planned_minutes,
            )
            for item in deferred
        ],
    )


async def take_suggestion(
    session: AsyncSession, actor: Actor, meeting_id: int, kind: str | None, ident: str | None
) -> AgendaItem:
    """A moderator puts a suggestion on the agenda, accepted and last in the order: a deferred
    item continues as a new item of this session (`carried_from_id`, with its cards), an open
    action item becomes an item titled like it (`carried_action_id`)."""
    meeting = await agenda.lock_open_meeting(session, actor, meeting_id, moderator=True)
    text = (ident or "").strip()
    if kind not in KINDS or not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise Invalid({"suggestion": Message(N_("Please choose one of the suggestions."))})
    wanted = int(text)
    offered = await suggestions_for(session, meeting)
    listed = offered.actions if kind == "action" else offered.deferred
    found = next((suggestion for suggestion in listed if suggestion.id == wanted), None)
    if found is None:
        raise await _refusal(session, meeting, kind, wanted)
    position = await agenda.next_position(session, meeting.id)
    if kind == "deferred":
        origin = await session.get_one(AgendaItem, wanted)
        item = AgendaItem(
            meeting_id=meeting.id,
            title=origin.title,
            description=origin.description,
            presenter=origin.presenter,
            planned_minutes=origin.planned_minutes,
            proposed_by=origin.proposed_by,
            organisation_id=origin.organisation_id,
            carried_from_id=origin.id,
        )
    else:
        action = await session.get_one(ActionItem, wanted)
        item = AgendaItem(
            meeting_id=meeting.id,
            title=found.title,
            description=action.text[:ITEM_TEXT_MAX] if action.text != found.title else "",
            presenter=found.owner[: agenda.PRESENTER_MAX],
            planned_minutes=agenda.DEFAULT_MINUTES,
            proposed_by=actor.person_id,
            organisation_id=actor.organisation_id,
            carried_action_id=action.id,
        )
    item.status = AgendaItemStatus.accepted
    item.position = position
    session.add(item)
    await session.flush()
    if kind == "deferred":
        cards = await session.scalars(
            select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == wanted)
        )
        await agenda.link_cards(session, item.id, list(cards))
    return item


async def _refusal(
    session: AsyncSession, meeting: Meeting, kind: str, wanted: int
) -> NotFound | Conflict:
    """Why a suggestion cannot be taken: already on this agenda, or not (any more) open."""
    column = AgendaItem.carried_from_id if kind == "deferred" else AgendaItem.carried_action_id
    taken = await session.scalar(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, column == wanted)
    )
    if taken is not None:
        return Conflict(N_("This suggestion is on the agenda already."))
    return NotFound(N_("This suggestion is not available (any more)."))


def _title_of(text: str) -> str:
    """An action item's text as an agenda item's title: its first line, shortened to fit."""
    first = text.strip().splitlines()[0].strip() if text.strip() else "…"
    if len(first) <= ITEM_TITLE_MAX:
        return first
    return first[: ITEM_TITLE_MAX - 1].rstrip() + "…"
