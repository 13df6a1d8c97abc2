"""The cards of a working group's board: adding, reading and moving them, and their history.

Every change of a card goes through `record_change`: it raises the card's version and keeps a
snapshot of every editable field, the base that a later edit made against that version is
merged with (`card_edits`). Matching and pledge redemption build on the same functions.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.models import (
    Card,
    CardChange,
    CardKind,
    CardStatus,
    GroupMember,
    ResourceKind,
    Urgency,
    WorkingGroup,
)
from server.models.cards import DESCRIPTION_MAX, SHORT_MAX, TITLE_MAX

PLEDGE_TEXT_MAX = 2000
HELPERS_MAX = 10_000
EDITABLE_FIELDS = (
    "resource_kind",
    "urgency",
    "title",
    "description",
    "quantity",
    "region",
    "promise",
    "condition",
    "helpers_needed",
    "deadline",
)
STORED_FIELDS = ("kind", *EDITABLE_FIELDS)
SNAPSHOT_FIELDS = (*EDITABLE_FIELDS, "status")

# Where a card may move by hand; `matched` is reached by matching (see `matching`).
MOVES: dict[CardStatus, tuple[CardStatus, ...]] = {
    CardStatus.open: (CardStatus.in_progress, CardStatus.done, CardStatus.archived),
    CardStatus.matched: (CardStatus.in_progress, CardStatus.done, CardStatus.archived),
    CardStatus.in_progress: (CardStatus.open, CardStatus.done, CardStatus.archived),
    CardStatus.done: (CardStatus.in_progress, CardStatus.archived),
    CardStatus.archived: (CardStatus.open,),
}


async def require_board_access(session: AsyncSession, actor: Actor, group_id: int) -> None:
    """Refuse anyone who may not use the group's board (see `rights.may_use_board`)."""
    members = await session.scalars(
        select(GroupMember.organisation_id).where(GroupMember.group_id == group_id)
    )
    rights.require_board_access(actor, group_id, set(members))


def may_use_board(actor: Actor, group: WorkingGroup) -> bool:
    """For the group page's link: whether the actor may open the board (group loaded with its
    organisations)."""
    return rights.may_use_board(actor, group.id, {o.id for o in group.organisations})


async def add_card(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    form: Mapping[str, str],
    today: date,
) -> Card:
    """Put a need, offer or pledge of the actor's organisation on the group's board."""
    await require_board_access(session, actor, group.id)
    values = parse_card(form, today)
    card = Card(
        group_id=group.id,
        organisation_id=actor.organisation_id,
        created_by=actor.person_id,
        **values,
    )
    session.add(card)
    await session.flush()
    await record_change(
        session,
        actor,
        card,
        "created",
        {name: [None, to_json(values[name])] for name in STORED_FIELDS},
    )
    return card


async def get_card(
    session: AsyncSession, actor: Actor, group: WorkingGroup, card_id: int, *, lock: bool = False
) -> Card:
    """A card of this group's board (with its organisation); `lock` holds it for an update
    until the transaction ends, so concurrent changes of one card run one after another."""
    await require_board_access(session, actor, group.id)
    query = (
        select(Card)
        .where(Card.id == card_id, Card.group_id == group.id)
        .options(selectinload(Card.organisation))
        .execution_options(populate_existing=True)
    )
    card = await session.scalar(query.with_for_update(of=Card) if lock else query)
    if card is None:
        raise NotFound(N_("This card is not on this board (any more)."))
    return card


async def record_change(
    session: AsyncSession,
    actor: Actor,
    card: Card,
    action: str,
    changes: Mapping[str, list[object]],
) -> CardChange:
    """Write one entry of the card's history; any change after the creation raises the card's
    version. Call it after the card's fields were changed."""
    if action != "created":
        card.version += 1
    change = CardChange(
        card_id=card.id,
        person_id=actor.person_id,
        action=action,
        changes=dict(changes),
        version=card.version,
        snapshot=snapshot(card),
    )
    session.add(change)
    await session.flush()
    return change


def snapshot(card: Card) -> dict[str, object]:
    """The card's editable fields and status, as stored in its history (JSON values)."""
    return {name: to_json(getattr(card, name)) for name in SNAPSHOT_FIELDS}


async def snapshot_at(session: AsyncSession, card_id: int, version: int) -> dict[str, Any] | None:
    """The card as it was at `version`, or None if it never had that version."""
    return await session.scalar(
        select(CardChange.snapshot).where(
            CardChange.card_id == card_id, CardChange.version == version
        )
    )


async def history(
    session: AsyncSession, actor: Actor, group: WorkingGroup, card_id: int
) -> list[CardChange]:
    """Who changed what and when, newest first."""
    card = await get_card(session, actor, group, card_id)
    result = await session.scalars(
        select(CardChange)
        .where(CardChange.card_id == card.id)
        .options(selectinload(CardChange.person))
        .order_by(CardChange.version.desc())
    )
    return list(result)


async def move_card(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    card_id: int,
    to: str | None,
    seen: str | None,
) -> Card:
    """Move a card to another status; `seen` is the status the person saw, so that two people
    moving one card at once do not undo each other unknowingly."""
    card = await get_card(session, actor, group, card_id, lock=True)
    errors = validation.Errors()
    target = validation.choice(errors, "status", to, CardStatus)
    if errors or target is None:
        raise Invalid(errors)
    if seen is not None and seen != card.status.value:
        raise Conflict(N_("Someone moved this card in the meantime; please look again."))
    if target not in MOVES[card.status]:
        raise Invalid({"status": Message(N_("A card cannot move from here to there."))})
    if target in (CardStatus.archived,) or card.status is CardStatus.archived:
        _require_owner_or_moderator(actor, card)
    before = card.status
    card.status = target
    await record_change(session, actor, card, "moved", {"status": [before.value, target.value]})
    return card


def may_archive(actor: Actor, card: Card) -> bool:
    """Archiving (and restoring) is for the card's organisation and the group's moderators."""
    return (
        actor.is_alliance_admin
        or actor.organisation_id == card.organisation_id
        or actor.moderates(card.group_id)
    )


def _require_owner_or_moderator(actor: Actor, card: Card) -> None:
    if not may_archive(actor, card):
        raise NotAllowed(
            N_("Only the card's organisation and the group's moderators may archive or restore it.")
        )


def parse_card(
    form: Mapping[str, str],
    today: date,
    *,
    kind: CardKind | None = None,
    present_only: bool = False,
    kept_deadline: date | None = None,
) -> dict[str, object]:
    """A card's fields from a form, every one checked; all errors are reported at once.

    For an edit, `kind` is the card's (it does not change), `present_only` leaves out the
    fields the form did not send, and `kept_deadline` may stay even if it has passed."""
    errors = validation.Errors()
    if kind is None:
        kind = validation.choice(errors, "kind", form.get("kind"), CardKind)
    pledge = kind is CardKind.pledge

    def text(name: str, max_length: int, required: bool = False) -> str:
        return validation.text(
            errors, name, form.get(name), max_length=max_length, required=required
        )

    parsers = {
        "resource_kind": lambda: validation.choice(
            errors, "resource_kind", form.get("resource_kind"), ResourceKind
        ),
        "urgency": lambda: validation.choice(
            errors, "urgency", form.get("urgency") or "normal", Urgency
        ),
        "title": lambda: text("title", TITLE_MAX, required=True),
        "description": lambda: text("description", DESCRIPTION_MAX),
        "quantity": lambda: text("quantity", SHORT_MAX),
        "region": lambda: text("region", SHORT_MAX),
        "promise": lambda: text("promise", PLEDGE_TEXT_MAX, required=pledge),
        "condition": lambda: text("condition", PLEDGE_TEXT_MAX, required=pledge),
        "helpers_needed": lambda: _count(errors, "helpers_needed", form.get("helpers_needed")),
        "deadline": lambda: _deadline(errors, form.get("deadline"), today, kept_deadline),
    }
    values: dict[str, object] = {} if present_only else {"kind": kind}
    for name in EDITABLE_FIELDS:
        if not present_only or name in form:
            values[name] = parsers[name]()
    if errors:
        raise Invalid(errors)
    return values


def _count(errors: validation.Errors, field: str, raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= HELPERS_MAX:
        errors.add(field, N_("Please enter a whole number from 1 to %(max)d."), max=HELPERS_MAX)
        return None
    return int(text)


def _deadline(
    errors: validation.Errors, raw: str | None, today: date, kept: date | None
) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        deadline = date.fromisoformat(text)
    except ValueError:
        errors.add("deadline", N_("Please enter a date like 2026-12-31."))
        return None
    if deadline < today and deadline != kept:
        errors.add("deadline", N_("The deadline must not lie in the past."))
        return None
    return deadline


def to_json(value: object) -> object:
    """A field's value as kept in the history (enums by value, dates as ISO text)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value
