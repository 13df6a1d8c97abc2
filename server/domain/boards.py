"""A board as a page shows it: its cards filtered by kind, resource, status, region,
organisation and German full-text search, and what an open page needs to keep its filters
applied while live changes arrive (the lexemes of search words and of each card)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import validation
from server.domain.actors import Actor
from server.domain.cards import require_board_access
from server.domain.errors import N_, Invalid
from server.models import Card, CardKind, CardStatus, Organisation, ResourceKind, WorkingGroup
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
) -> list[Card]:
    """The board's cards that pass the filter, newest first."""
    await require_board_access(session, actor, group.id)
    wanted = board_filter or BoardFilter()
    query = (
        select(Card)
        .where(Card.group_id == group.id)
        .options(selectinload(Card.organisation))
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
    return list(await session.scalars(query))


@dataclass(frozen=True, slots=True)
class FilterChoices:
    regions: list[str]
    organisations: list[tuple[int, str]]


async def filter_choices(session: AsyncSession, group: WorkingGroup) -> FilterChoices:
    """The regions and organisations that the board's cards name, for the filter form."""
    regions = await session.scalars(
        select(Card.region)
        .where(Card.group_id == group.id, Card.region != "")
        .distinct()
        .order_by(Card.region)
    )
    organisations = await session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Card.organisation_id).where(Card.group_id == group.id)))
        .order_by(Organisation.name)
    )
    return FilterChoices(list(regions), [(row.id, row.name) for row in organisations])


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
