"""A board as a page shows it: its cards filtered by kind, resource, status, region,
organisation and German full-text search, and what an open page needs to keep its filters
applied while live changes arrive (the lexemes of search words and of each card)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Row, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import rights, validation
from server.domain.actors import Actor
from server.domain.cards import require_board_access
from server.domain.errors import N_, Invalid, NotFound
from server.models import (
    Card,
    CardKind,
    CardStatus,
    Event,
    GroupMember,
    Organisation,
    ResourceKind,
    WorkingGroup,
)
from server.models.cards import SHORT_MAX

QUERY_MAX = 200
E = TypeVar("E", bound=Enum)


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What a board page shows; no status means every card that is not archived."""

    kind: CardKind | None = None
    resource: ResourceKind | None = None
    status: CardStatus | None = None
    region: str = ""
    organisation_id: int | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return self != BoardFilter()


def parse_filter(params: Mapping[str, str]) -> BoardFilter:
    """A filter from a page's query string; a value that is not offered is refused."""
    errors = validation.Errors()

    kind = _optional(errors, params, "kind", CardKind)
    resource = _optional(errors, params, "resource", ResourceKind)
    status = _optional(errors, params, "status", CardStatus)
    region = validation.text(errors, "region", params.get("region"), max_length=SHORT_MAX)
    q = validation.text(errors, "q", params.get("q"), max_length=QUERY_MAX)
    organisation_id = None
    raw_organisation = params.get("organisation", "").strip()
    if raw_organisation:
        if raw_organisation.isascii() and raw_organisation.isdigit():
            organisation_id = int(raw_organisation)
        else:
            errors.add("organisation", N_("Please choose one of the offered values."))
    if errors:
        raise Invalid(errors)
    return BoardFilter(kind, resource, status, region, organisation_id, q)


def _optional(
    errors: validation.Errors, params: Mapping[str, str], name: str, enum_cls: type[E]
) -> E | None:
    raw = params.get(name, "")
    return validation.choice(errors, name, raw, enum_cls) if raw else None


async def list_cards(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    board_filter: BoardFilter | None = None,
) -> list[BoardCard]:
    """The board's cards that pass the filter, newest first."""
    await require_board_access(session, actor, group.id)
    return await _cards(session, group.id, board_filter or BoardFilter())


# A card as a board lists it: a row (no ORM object, so that a page of 200 cards costs one
# light query), read like a `Card`. Listing reads what tells a card's version and what the
# filters choose from; rendering a card it has not rendered before reads `full_cards`.
BoardCard = Row[Any]
_ORGANISATION_NAME = Organisation.name.label("organisation_name")
_LISTED = [
    Card.id,
    Card.version,
    Card.status,
    Card.updated_at,
    Card.title,
    Card.region,
    Card.organisation_id,
    _ORGANISATION_NAME,
]
_RENDERED = [column for column in Card.__table__.c if column.name != "search"]


async def full_cards(session: AsyncSession, card_ids: Collection[int]) -> list[BoardCard]:
    """Every column a card's rendering shows, of the cards listed before (no rights check:
    the caller listed them)."""
    if not card_ids:
        return []
    query = (
        select(*_RENDERED, _ORGANISATION_NAME)
        .join(Organisation, Organisation.id == Card.organisation_id)
        .where(Card.id.in_(card_ids))
    )
    return list(await session.execute(query))


async def _cards(session: AsyncSession, group_id: int, wanted: BoardFilter) -> list[BoardCard]:
    query = (
        select(*_LISTED)
        .join(Organisation, Organisation.id == Card.organisation_id)
        .where(Card.group_id == group_id)
        .order_by(Card.created_at.desc(), Card.id.desc())
    )
    if wanted.status is None:
        query = query.where(Card.status != CardStatus.archived)
    else:
        query = query.where(Card.status == wanted.status)
    if wanted.kind is not None:
        query = query.where(Card.kind == wanted.kind)
    if wanted.resource is not None:
        query = query.where(Card.resource_kind == wanted.resource)
    if wanted.region:
        query = query.where(Card.region == wanted.region)
    if wanted.organisation_id is not None:
        query = query.where(Card.organisation_id == wanted.organisation_id)
    if wanted.q:
        query = query.where(Card.search.op("@@")(func.plainto_tsquery("german", wanted.q)))
    return list(await session.execute(query))


@dataclass(frozen=True, slots=True)
class BoardHead:
    """A board as a page starts it: the group (its board open to the actor) and where the live
    events stood when the page was read."""

    group: WorkingGroup
    seen_event_id: int
    """The newest live event: the page's stream resumes after it."""
    board_event_id: int
    """The newest event of this board's channel: every change of one of its cards publishes
    one, so the board's listing is the same as long as this is."""


async def board_head(session: AsyncSession, actor: Actor, slug: str) -> BoardHead:
    """The board of the group `slug`, refused to anyone but its users; one statement."""
    rights.require_member(actor)
    members = (
        select(func.array_agg(GroupMember.organisation_id))
        .where(GroupMember.group_id == WorkingGroup.id)
        .scalar_subquery()
    )
    newest = select(func.coalesce(func.max(Event.id), 0)).scalar_subquery()
    newest_of_board = (
        select(func.coalesce(func.max(Event.id), 0))
        .where(Event.channel == func.concat("board:", WorkingGroup.id))
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(WorkingGroup, members, newest, newest_of_board).where(WorkingGroup.slug == slug)
        )
    ).first()
    if row is None:
        raise NotFound()
    group, member_ids, seen, board_seen = row
    rights.require_board_access(actor, group.id, set(member_ids or ()))
    return BoardHead(group, int(seen), int(board_seen))


@dataclass(frozen=True, slots=True)
class BoardListing:
    """The cards of a board that pass a filter, and what the filter form offers."""

    cards: list[BoardCard]
    choices: FilterChoices
    query_lexemes: list[str]


async def board_listing(
    session: AsyncSession, head: BoardHead, board_filter: BoardFilter
) -> BoardListing:
    """The listing of the board `head` was read for (`board_head` checked the rights)."""
    cards = await _cards(session, head.group.id, board_filter)
    return BoardListing(
        cards=cards,
        choices=await _choices(session, head.group, board_filter, cards),
        query_lexemes=await lexemes(session, board_filter.q),
    )


@dataclass(frozen=True, slots=True)
class FilterChoices:
    regions: list[str]
    organisations: list[tuple[int, str]]


async def _choices(
    session: AsyncSession, group: WorkingGroup, wanted: BoardFilter, cards: list[BoardCard]
) -> FilterChoices:
    """Unfiltered, the page's cards name every choice (archived cards aside); filtered, the
    choices come from the whole board, so that the filter can be changed."""
    if wanted.active:
        return await filter_choices(session, group)
    regions = sorted({card.region for card in cards if card.region})
    named = {card.organisation_id: card.organisation_name for card in cards}
    return FilterChoices(regions, sorted(named.items(), key=lambda item: item[1].casefold()))


async def filter_choices(session: AsyncSession, group: WorkingGroup) -> FilterChoices:
    """The regions and organisations that the board's cards name, for the filter form."""
    on_board = Card.group_id == group.id
    regions = (
        select(func.array_agg(aggregate_order_by(Card.region.distinct(), Card.region)))
        .where(on_board, Card.region != "")
        .scalar_subquery()
    )
    named = (
        select(
            func.jsonb_agg(
                aggregate_order_by(
                    func.jsonb_build_array(Organisation.id, Organisation.name), Organisation.name
                )
            )
        )
        .where(Organisation.id.in_(select(Card.organisation_id).where(on_board)))
        .scalar_subquery()
    )
    row = (await session.execute(select(regions, named))).one()
    return FilterChoices(list(row[0] or ()), [(int(i), str(n)) for i, n in row[1] or ()])


async def lexemes(session: AsyncSession, text: str) -> list[str]:
    """The German lexemes of search words, as `plainto_tsquery` looks for them: a card matches
    when it has every one of them."""
    if not text.strip():
        return []
    found = await session.scalar(select(func.tsvector_to_array(func.to_tsvector("german", text))))
    return sorted(found or [])


async def card_lexemes(session: AsyncSession, card_id: int) -> list[str]:
    """The lexemes of a card's searchable text (title, description, pledge, region)."""
    found = await session.scalar(
        select(func.tsvector_to_array(Card.search)).where(Card.id == card_id)
    )
    return sorted(found or [])
