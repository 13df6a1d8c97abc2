"""The cards of a working group's board: adding them, with every field checked first.

Boards, live co-editing, matching and redemption build on this (issue 4): this module holds the
rules every way of writing a card shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid
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
STORED_FIELDS = (
    "kind",
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


async def list_cards(session: AsyncSession, actor: Actor, group: WorkingGroup) -> list[Card]:
    """The board's cards that are not archived, the most urgent and newest first."""
    await require_board_access(session, actor, group.id)
    result = await session.scalars(
        select(Card)
        .where(Card.group_id == group.id, Card.status != CardStatus.archived)
        .options(selectinload(Card.organisation))
        .order_by(Card.created_at.desc(), Card.id.desc())
    )
    return list(result)


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
    session.add(
        CardChange(
            card_id=card.id,
            person_id=actor.person_id,
            action="created",
            changes={name: [None, _json(values[name])] for name in STORED_FIELDS},
        )
    )
    await session.flush()
    return card


def parse_card(form: Mapping[str, str], today: date) -> dict[str, object]:
    """A card's fields from a form, every one checked; all errors are reported at once."""
    errors = validation.Errors()
    kind = validation.choice(errors, "kind", form.get("kind"), CardKind)
    resource = validation.choice(errors, "resource_kind", form.get("resource_kind"), ResourceKind)
    urgency = validation.choice(errors, "urgency", form.get("urgency") or "normal", Urgency)
    values: dict[str, object] = {
        "kind": kind,
        "resource_kind": resource,
        "urgency": urgency,
        "title": validation.text(
            errors, "title", form.get("title"), max_length=TITLE_MAX, required=True
        ),
        "description": validation.text(
            errors, "description", form.get("description"), max_length=DESCRIPTION_MAX
        ),
        "quantity": validation.text(errors, "quantity", form.get("quantity"), max_length=SHORT_MAX),
        "region": validation.text(errors, "region", form.get("region"), max_length=SHORT_MAX),
    }
    pledge = kind is CardKind.pledge
    values["promise"] = validation.text(
        errors, "promise", form.get("promise"), max_length=PLEDGE_TEXT_MAX, required=pledge
    )
    values["condition"] = validation.text(
        errors, "condition", form.get("condition"), max_length=PLEDGE_TEXT_MAX, required=pledge
    )
    values["helpers_needed"] = _count(errors, "helpers_needed", form.get("helpers_needed"))
    values["deadline"] = _deadline(errors, form.get("deadline"), today)
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


def _deadline(errors: validation.Errors, raw: str | None, today: date) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        deadline = date.fromisoformat(text)
    except ValueError:
        errors.add("deadline", N_("Please enter a date like 2026-12-31."))
        return None
    if deadline < today:
        errors.add("deadline", N_("The deadline must not lie in the past."))
        return None
    return deadline


def _json(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    return value
