"""A session's agenda, planned together: before the session every participant proposes items
(title, short description, presenter, planned minutes, linked board cards) and may edit or
withdraw their own proposals; the moderator orders, accepts, defers and merges them, and takes
suggestions from the series' last session onto the agenda (see `agenda_suggestions`).

Every change locks the session's row first, so the changes of one agenda run one after
another. The order a moderator saw travels with a move as `order_version` (the ids in their
order): a move made on a stale order is refused rather than undoing someone else's move.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, meeting_access, validation
from server.domain.actors import Actor
from server.domain.channels import MAX_ID
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.models import (
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Card,
    CardKind,
    CardStatus,
    Meeting,
    MeetingStatus,
    WorkingGroup,
)
from server.models.agenda import ITEM_TEXT_MAX, ITEM_TITLE_MAX

PRESENTER_MAX = 200
MINUTES_MIN, MINUTES_MAX = 1, 480
DEFAULT_MINUTES = 10
CARDS_MAX = 20
DIRECTIONS = ("up", "down")

# The running order holds these; deferred and merged items are set aside.
IN_ORDER = (AgendaItemStatus.proposed, AgendaItemStatus.accepted, AgendaItemStatus.covered)
PLANNED = (AgendaItemStatus.accepted, AgendaItemStatus.covered)
# Board cards whose summary every member may read anyway (see the README's "Needs boards").
SHARED_CARD_STATUSES = (CardStatus.open, CardStatus.matched, CardStatus.in_progress)


@dataclass(frozen=True, slots=True)
class LinkedCard:
    id: int
    title: str
    kind: CardKind
    slug: str


@dataclass(frozen=True, slots=True)
class Agenda:
    """What every participant sees of the agenda (the same for all: no personal data)."""

    items: list[AgendaItem]  # the running order
    set_aside: list[AgendaItem]  # deferred and merged
    cards: dict[int, list[LinkedCard]]  # item id -> linked cards still shared with members
    titles: dict[int, str]  # item id -> title, for "merged into …"
    order_version: str
    planned_minutes: int  # accepted (and covered) items
    proposed_minutes: int  # items still proposed
    session_minutes: int


async def read_agenda(session: AsyncSession, meeting: Meeting) -> Agenda:
    """The agenda of a session the caller already may see (`meeting_access.get_meeting`)."""
    rows = list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
            .execution_options(populate_existing=True)
        )
    )
    items = [item for item in rows if item.status in IN_ORDER]
    linked: dict[int, list[LinkedCard]] = {}
    found = await session.execute(
        select(AgendaItemCard.item_id, Card.id, Card.title, Card.kind, WorkingGroup.slug)
        .join(Card, Card.id == AgendaItemCard.card_id)
        .join(WorkingGroup, WorkingGroup.id == Card.group_id)
        .where(
            AgendaItemCard.item_id.in_([item.id for item in rows]),
            Card.status.in_(SHARED_CARD_STATUSES),
        )
        .order_by(AgendaItemCard.item_id, Card.id)
    )
    for item_id, card_id, title, kind, slug in found:
        linked.setdefault(item_id, []).append(LinkedCard(card_id, title, kind, slug))
    length = (meeting.ends_at - meeting.starts_at).total_seconds() // 60
    return Agenda(
        items=items,
        set_aside=[item for item in rows if item.status not in IN_ORDER],
        cards=linked,
        titles={item.id: item.title for item in rows},
        order_version=order_version(item.id for item in items),
        planned_minutes=sum(item.planned_minutes for item in items if item.status in PLANNED),
        proposed_minutes=sum(
            item.planned_minutes for item in items if item.status is AgendaItemStatus.proposed
        ),
        session_minutes=int(length),
    )


def order_version(ids: Iterable[int]) -> str:
    """A short fingerprint of the running order (the ids in their order)."""
    joined = ",".join(str(ident) for ident in ids)
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


async def linkable_cards(
    session: AsyncSession, actor: Actor, meeting: Meeting
) -> list[tuple[int, str]]:
    """(id, title) of the open cards of the group's board the actor may link, for the form."""
    group_id = meeting.series.group_id
    if group_id is None:
        return []
    try:
        await cards.require_board_access(session, actor, group_id)
    except NotAllowed:
        return []
    rows = await session.execute(
        select(Card.id, Card.title)
        .where(Card.group_id == group_id, Card.status.in_(SHARED_CARD_STATUSES))
        .order_by(Card.title, Card.id)
    )
    return [(card_id, title) for card_id, title in rows]


# --- participants: propose, withdraw (editing is in `agenda_edits`) ---------------------------


async def propose_item(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    form: Mapping[str, str],
    card_ids: Sequence[str] = (),
) -> AgendaItem:
    """Propose an item for the session; while it runs, only its moderators add items."""
    meeting = await lock_open_meeting(session, actor, meeting_id)
    if meeting.status is MeetingStatus.running and not meeting_access.may_run(
        actor, meeting.series
    ):
        raise Conflict(N_("The session is running: only its moderators add items now."))
    errors = validation.Errors()
    values = parse_item(errors, form)
    wanted = parse_card_ids(errors, card_ids)
    if not errors:
        await check_cards(session, actor, meeting, wanted, set(), errors)
    if errors:
        raise Invalid(errors)
    item = AgendaItem(
        meeting_id=meeting.id,
        proposed_by=actor.person_id,
        organisation_id=actor.organisation_id,
        position=await next_position(session, meeting.id),
        **values,
    )
    session.add(item)
    await session.flush()
    await link_cards(session, item.id, wanted)
    return item


async def withdraw_item(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int
) -> AgendaItem:
    """The proposer takes back their own proposal (it is removed); answers the removed item."""
    meeting = await lock_open_meeting(session, actor, meeting_id)
    item = await get_item(session, meeting, item_id)
    if item.proposed_by is None or item.proposed_by != actor.person_id:
        raise NotAllowed(N_("Only the person who proposed an item may withdraw it."))
    if item.status is not AgendaItemStatus.proposed:
        raise Conflict(
            N_("The moderator has already decided on this item; it can no longer be withdrawn.")
        )
    await session.delete(item)
    await session.flush()
    return item


# --- moderators: accept, defer, merge, order --------------------------------------------------


async def accept_item(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int
) -> AgendaItem:
    """Put a proposed (or deferred) item on the agenda; accepting it twice changes nothing."""
    meeting = await lock_open_meeting(session, actor, meeting_id, moderator=True)
    item = await get_item(session, meeting, item_id)
    if item.status is AgendaItemStatus.merged:
        raise Conflict(N_("This item was merged into another one: accept that one instead."))
    if item.status is AgendaItemStatus.covered:
        raise Conflict(N_("This item was covered already."))
    if item.status is not AgendaItemStatus.accepted:
        if item.status is AgendaItemStatus.deferred:
            item.position = await next_position(session, meeting.id)
        item.status = AgendaItemStatus.accepted
        item.version += 1
        await session.flush()
    return item


async def defer_item(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int
) -> AgendaItem:
    """Set an item aside for the next session of the series, where it is suggested again."""
    meeting = await lock_open_meeting(session, actor, meeting_id, moderator=True)
    item = await get_item(session, meeting, item_id)
    if item.status not in (AgendaItemStatus.proposed, AgendaItemStatus.accepted):
        raise Conflict(N_("Only proposed or accepted items can be deferred."))
    if meeting.current_item_id == item.id:
        raise Conflict(N_("This item is being discussed right now; move on first, then defer it."))
    item.status = AgendaItemStatus.deferred
    item.version += 1
    await session.flush()
    return item


async def merge_item(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int, target: str | None
) -> AgendaItem:
    """Merge an item into another item of the same session: its description is appended to
    the target's, its cards are linked to the target, and it is set aside as merged. Answers
    the target."""
    meeting = await lock_open_meeting(session, actor, meeting_id, moderator=True)
    item = await get_item(session, meeting, item_id)
    if item.status not in (
        AgendaItemStatus.proposed,
        AgendaItemStatus.accepted,
        AgendaItemStatus.deferred,
    ):
        raise Conflict(N_("This item was merged or covered already."))
    target_id = parse_id(target)
    if target_id is None:
        raise Invalid({"target": Message(N_("Please choose the item to merge into."))})
    if target_id == item.id:
        raise Invalid({"target": Message(N_("An item cannot be merged into itself."))})
    into = await session.scalar(
        select(AgendaItem)
        .where(AgendaItem.id == target_id, AgendaItem.meeting_id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if into is None:
        raise Invalid({"target": Message(N_("Please choose an item of this session's agenda."))})
    if into.status not in (AgendaItemStatus.proposed, AgendaItemStatus.accepted):
        raise Invalid(
            {"target": Message(N_("Items can only be merged into a proposed or accepted item."))}
        )
    if item.description:
        description = f"{into.description}\n\n{item.description}".strip()
        if len(description) > ITEM_TEXT_MAX:
            raise Invalid(
                {
                    "target": Message(
                        N_(
                            "Together the two descriptions are too long: at most %(max)d "
                            "characters. Shorten one of them first."
                        ),
                        {"max": ITEM_TEXT_MAX},
                    )
                }
            )
        into.description = description
    if item.presenter and item.presenter not in into.presenter:
        presenter = f"{into.presenter}, {item.presenter}" if into.presenter else item.presenter
        if len(presenter) <= PRESENTER_MAX:
            into.presenter = presenter
    linked = set(
        await session.scalars(
            select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == into.id)
        )
    )
    theirs = await session.scalars(
        select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == item.id)
    )
    await link_cards(session, into.id, [card for card in theirs if card not in linked])
    item.status = AgendaItemStatus.merged
    item.merged_into_id = into.id
    item.version += 1
    into.version += 1
    await session.flush()
    return into


async def move_item(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    direction: str | None,
    seen: str | None,
) -> bool:
    """Move an item one place up or down the running order the moderator saw (`seen`, its
    `order_version`); says whether the order changed (the first item does not move up)."""
    meeting = await lock_open_meeting(session, actor, meeting_id, moderator=True)
    item = await get_item(session, meeting, item_id)
    if direction not in DIRECTIONS:
        raise Invalid({"direction": Message(N_("Please choose one of the offered values."))})
    order = await _running_order(session, meeting.id)
    _require_order_seen(order, seen)
    if item not in order:
        raise Conflict(N_("This item is set aside (deferred or merged); it has no place to move."))
    at = order.index(item)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(order):
        return False
    order[at], order[to] = order[to], order[at]
    await _renumber(session, order)
    return True


async def set_order(
    session: AsyncSession, actor: Actor, meeting_id: int, ids: Sequence[str], seen: str | None
) -> None:
    """Put the whole running order at once (every item of it, each once)."""
    meeting = await lock_open_meeting(session, actor, meeting_id, moderator=True)
    order = await _running_order(session, meeting.id)
    _require_order_seen(order, seen)
    wanted = [parse_id(ident) for ident in ids]
    by_id = {item.id: item for item in order}
    if len(wanted) != len(by_id) or set(wanted) != set(by_id):
        raise Invalid(
            {"order": Message(N_("Please name every item of the agenda once, in its new order."))}
        )
    await _renumber(session, [by_id[ident] for ident in wanted if ident is not None])


# --- shared helpers ---------------------------------------------------------------------------


async def lock_open_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, *, moderator: bool = False
) -> Meeting:
    """The session, locked until the transaction ends, whose agenda may still change; with
    `moderator`, only for those who run it."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    if moderator:
        meeting_access.require_may_run(actor, meeting.series)
    if meeting.status is MeetingStatus.closed:
        raise Conflict(N_("This session is closed: its agenda can no longer change."))
    if meeting.status is MeetingStatus.cancelled:
        raise Conflict(N_("This session was cancelled: its agenda can no longer change."))
    return meeting


async def get_item(session: AsyncSession, meeting: Meeting, item_id: int) -> AgendaItem:
    item = await session.scalar(
        select(AgendaItem)
        .where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    return item


def _require_order_seen(order: list[AgendaItem], seen: str | None) -> None:
    if seen != order_version(item.id for item in order):
        raise Conflict(
            N_("Someone changed the agenda's order in the meantime; please look at it again.")
        )


async def _running_order(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    return list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id, AgendaItem.status.in_(IN_ORDER))
            .order_by(AgendaItem.position, AgendaItem.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


async def _renumber(session: AsyncSession, order: list[AgendaItem]) -> None:
    for position, item in enumerate(order, start=1):
        if item.position != position:
            item.position = position
            item.version += 1
    await session.flush()


async def next_position(session: AsyncSession, meeting_id: int) -> int:
    """The position after the last item of the session (new items come last)."""
    highest = await session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id)
    )
    return (highest or 0) + 1


async def link_cards(session: AsyncSession, item_id: int, card_ids: Sequence[int]) -> None:
    """Link cards (not linked yet) to an item."""
    if card_ids:
        await session.execute(
            insert(AgendaItemCard), [{"item_id": item_id, "card_id": c} for c in card_ids]
        )


def parse_item(errors: validation.Errors, form: Mapping[str, str]) -> dict[str, object]:
    return {
        "title": validation.text(
            errors, "title", form.get("title"), max_length=ITEM_TITLE_MAX, required=True
        ),
        "description": validation.text(
            errors, "description", form.get("description"), max_length=ITEM_TEXT_MAX
        ),
        "presenter": validation.text(
            errors, "presenter", form.get("presenter"), max_length=PRESENTER_MAX
        ),
        "planned_minutes": _minutes(errors, form.get("planned_minutes")),
    }


def _minutes(errors: validation.Errors, raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        return DEFAULT_MINUTES
    if not (text.isascii() and text.isdigit()) or not MINUTES_MIN <= int(text) <= MINUTES_MAX:
        errors.add(
            "planned_minutes",
            N_("Please enter the minutes as a whole number from %(min)d to %(max)d."),
            min=MINUTES_MIN,
            max=MINUTES_MAX,
        )
        return DEFAULT_MINUTES
    return int(text)


def parse_id(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def parse_card_ids(errors: validation.Errors, raw: Sequence[str]) -> list[int]:
    wanted: list[int] = []
    for text in raw:
        if not text.strip():
            continue
        ident = parse_id(text)
        if ident is None:
            errors.add("cards", N_("Please choose cards from the list."))
            return []
        if ident not in wanted:
            wanted.append(ident)
    if len(wanted) > CARDS_MAX:
        errors.add("cards", N_("Please link at most %(max)d cards."), max=CARDS_MAX)
    return wanted


async def check_cards(
    session: AsyncSession,
    actor: Actor,
    meeting: Meeting,
    wanted: Sequence[int],
    already: set[int],
    errors: validation.Errors,
) -> None:
    """Cards newly linked must be on a board the actor uses: the group's own board for a
    group's session, any board the actor uses for an alliance-wide one."""
    new = [ident for ident in wanted if ident not in already]
    if not new:
        return
    rows = await session.execute(select(Card.id, Card.group_id).where(Card.id.in_(new)))
    found = {card_id: board for card_id, board in rows}
    group_id = meeting.series.group_id
    for ident in new:
        if ident not in found:
            errors.add("cards", N_("Card %(id)d does not exist (any more)."), id=ident)
            return
        if group_id is not None and found[ident] != group_id:
            errors.add("cards", N_("Only cards of this working group's board can be linked."))
            return
    for board in sorted(set(found.values())):
        try:
            await cards.require_board_access(session, actor, board)
        except NotAllowed:
            errors.add("cards", N_("You can only link cards of boards you work on."))
            return
