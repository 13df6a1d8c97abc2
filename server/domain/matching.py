"""Matching needs with the offers and pledges that meet them, and the other way round.

Suggestions come from the boards of the same field of action that the person may use, with
the same kind of resource, ranked by region and by how much their words overlap (German
lexemes, trigram similarity of the titles). A match links two cards, moves open ones to
`matched`, and both organisations are told (live and by e-mail, see the routes and jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from server.domain import cards
from server.domain.actors import Actor
from server.domain.boards import card_lexemes
from server.domain.errors import N_, Conflict, Invalid, Message, NotFound
from server.models import (
    Card,
    CardKind,
    CardMatch,
    CardStatus,
    GroupMember,
    Organisation,
    Person,
    WorkingGroup,
)

SUGGESTION_LIMIT = 8
QUERY_LEXEMES = 64
COUNTERPARTS = {
    CardKind.need: (CardKind.offer, CardKind.pledge),
    CardKind.offer: (CardKind.need,),
    CardKind.pledge: (CardKind.need,),
}
MATCHABLE = (CardStatus.open, CardStatus.matched, CardStatus.in_progress)


def _boards_of(actor: Actor) -> ColumnElement[bool]:
    """The ids of the groups whose boards the actor may use (a subquery)."""
    member_of = select(GroupMember.group_id).where(
        GroupMember.organisation_id == actor.organisation_id
    )
    return or_(Card.group_id.in_(member_of), Card.group_id.in_(actor.moderated_group_ids))


async def suggestions(
    session: AsyncSession, actor: Actor, group: WorkingGroup, card_id: int
) -> list[Card]:
    """Cards that could meet this one (or that it could meet), best first."""
    card = await cards.get_card(session, actor, group, card_id)
    if card.status not in MATCHABLE:
        return []
    words = await card_lexemes(session, card.id)
    query_text = " | ".join(_quoted(word) for word in words[:QUERY_LEXEMES])
    overlap = (
        func.ts_rank(Card.search, func.to_tsquery("simple", query_text))
        if query_text
        else literal(0.0)
    )
    score = (
        (
            case((func.lower(Card.region) == card.region.lower(), 0.5), else_=0.0)
            if card.region
            else literal(0.0)
        )
        + overlap
        + func.similarity(Card.title, card.title)
    )
    matched = (
        select(CardMatch.supply_id)
        .where(CardMatch.need_id == card.id)
        .union(select(CardMatch.need_id).where(CardMatch.supply_id == card.id))
    )
    query = (
        select(Card)
        .join(WorkingGroup, WorkingGroup.id == Card.group_id)
        .where(
            Card.kind.in_(COUNTERPARTS[card.kind]),
            Card.status.in_(MATCHABLE),
            Card.resource_kind == card.resource_kind,
            WorkingGroup.field_id == group.field_id,
            Card.id.not_in(matched),
        )
        .options(selectinload(Card.organisation))
        .order_by(score.desc(), Card.created_at.desc(), Card.id.desc())
        .limit(SUGGESTION_LIMIT)
    )
    if not actor.is_alliance_admin:
        query = query.where(_boards_of(actor))
    return list(await session.scalars(query))


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


async def matches_of(session: AsyncSession, card: Card) -> list[Card]:
    """The cards this card is matched with (the caller checked access to the card)."""
    other = aliased(Card)
    result = await session.scalars(
        select(other)
        .join(
            CardMatch,
            or_(
                (CardMatch.need_id == card.id) & (CardMatch.supply_id == other.id),
                (CardMatch.supply_id == card.id) & (CardMatch.need_id == other.id),
            ),
        )
        .options(selectinload(other.organisation))
        .order_by(CardMatch.created_at)
    )
    return list(result)


@dataclass(frozen=True, slots=True)
class Match:
    record: CardMatch
    need: Card
    supply: Card


async def matches_on_board(
    session: AsyncSession, group_id: int, since: datetime, until: datetime | None = None
) -> list[tuple[Card, Card]]:
    """(need, offer or pledge) of the matches made since `since` (until `until`) that touch
    the group's board, in the order they were made."""
    need, supply = aliased(Card), aliased(Card)
    when = CardMatch.created_at >= since
    if until is not None:
        when = CardMatch.created_at.between(since, until)
    rows = await session.execute(
        select(need, supply)
        .select_from(CardMatch)
        .join(need, need.id == CardMatch.need_id)
        .join(supply, supply.id == CardMatch.supply_id)
        .where(when, or_(need.group_id == group_id, supply.group_id == group_id))
        .order_by(CardMatch.created_at, CardMatch.id)
    )
    return [(n, s) for n, s in rows]


async def match_cards(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    card_id: int,
    other_id: str | int | None,
) -> Match:
    """Link a card of this board with another card (of a board of the same field of action
    that the actor may use); open cards move to `matched`, both histories say so."""
    card = await cards.get_card(session, actor, group, card_id)
    other_key = _card_id(other_id)
    other = await session.scalar(select(Card).where(Card.id == other_key))
    if other is None:
        raise NotFound(N_("The other card does not exist (any more)."))
    await cards.require_board_access(session, actor, other.group_id)
    locked = {
        c.id: c
        for c in await session.scalars(
            select(Card)
            .where(Card.id.in_([card.id, other.id]))
            .order_by(Card.id)
            .with_for_update()
            .options(selectinload(Card.organisation))
            .execution_options(populate_existing=True)
        )
    }
    card, other = locked[card.id], locked[other.id]
    if card.id == other.id or other.kind not in COUNTERPARTS[card.kind]:
        raise Invalid(
            {"other": Message(N_("A need can only be matched with an offer or a pledge."))}
        )
    other_field = await session.scalar(
        select(WorkingGroup.field_id).where(WorkingGroup.id == other.group_id)
    )
    if other_field != group.field_id:
        raise Invalid(
            {"other": Message(N_("Only cards of the same field of action can be matched."))}
        )
    for each in (card, other):
        if each.status not in MATCHABLE:
            raise Conflict(N_("One of the cards is done or archived and cannot be matched."))
    need, supply = (card, other) if card.kind is CardKind.need else (other, card)
    exists = await session.scalar(
        select(CardMatch.id).where(CardMatch.need_id == need.id, CardMatch.supply_id == supply.id)
    )
    if exists is not None:
        raise Conflict(N_("These two cards are matched already."))
    record = CardMatch(need_id=need.id, supply_id=supply.id, created_by=actor.person_id)
    session.add(record)
    await session.flush()
    for each, partner in ((need, supply), (supply, need)):
        before = each.status
        if before is CardStatus.open:
            each.status = CardStatus.matched
        await cards.record_change(
            session,
            actor,
            each,
            "matched",
            {
                "status": [before.value, each.status.value],
                "match": [None, f"{partner.title} ({partner.organisation.name})"],
            },
        )
    return Match(record, need, supply)


def _card_id(raw: str | int | None) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        raise Invalid({"other": Message(N_("Please choose one of the suggested cards."))})
    return int(text)


@dataclass(frozen=True, slots=True)
class MatchNotice:
    """What the match e-mail tells both organisations."""

    need_title: str
    need_organisation: str
    supply_title: str
    supply_organisation: str
    need_path: str
    supply_path: str
    recipients: list[str]


async def claim_match_notice(session: AsyncSession, match_id: int) -> MatchNotice | None:
    """Mark the match as notified and say whom to tell; None if that happened already. The
    caller commits only after the mail server accepted the message."""
    claimed = await session.scalar(
        update(CardMatch)
        .where(CardMatch.id == match_id, CardMatch.notified_at.is_(None))
        .values(notified_at=func.now())
        .returning(CardMatch.id)
    )
    if claimed is None:
        return None
    record = await session.scalar(
        select(CardMatch)
        .where(CardMatch.id == match_id)
        .options(
            selectinload(CardMatch.need).selectinload(Card.organisation),
            selectinload(CardMatch.supply).selectinload(Card.organisation),
        )
    )
    assert record is not None
    recipients: list[str] = []
    for card in (record.need, record.supply):
        recipients += await _addresses(session, card)
    rows = await session.execute(
        select(WorkingGroup.id, WorkingGroup.slug).where(
            WorkingGroup.id.in_([record.need.group_id, record.supply.group_id])
        )
    )
    slugs = {group_id: slug for group_id, slug in rows}
    return MatchNotice(
        need_title=record.need.title,
        need_organisation=record.need.organisation.name,
        supply_title=record.supply.title,
        supply_organisation=record.supply.organisation.name,
        need_path=f"/groups/{slugs[record.need.group_id]}/board/cards/{record.need.id}",
        supply_path=f"/groups/{slugs[record.supply.group_id]}/board/cards/{record.supply.id}",
        recipients=list(dict.fromkeys(recipients)),
    )


async def _addresses(session: AsyncSession, card: Card) -> list[str]:
    """The organisation's contact address and the card's author, if they have addresses."""
    found: list[str] = []
    contact = await session.scalar(
        select(Organisation.contact_email).where(Organisation.id == card.organisation_id)
    )
    if contact:
        found.append(contact)
    if card.created_by is not None:
        author = await session.scalar(
            select(Person.email).where(Person.id == card.created_by, Person.removed_at.is_(None))
        )
        if author:
            found.append(author)
    return found
