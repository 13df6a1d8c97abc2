"""What the alliance needs and offers, across every working group: a summary of each card that
is not done or archived (kind, resource, title, urgency, region, organisation, working group,
status) for every approved member. Description, history, editing and matching stay on the
board, for the people who may use it (`rights.may_use_board`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid
from server.models import (
    Card,
    CardKind,
    CardStatus,
    FieldOfAction,
    GroupMember,
    Organisation,
    ResourceKind,
    Urgency,
    WorkingGroup,
)
from server.models.cards import SHORT_MAX

CLOSED = (CardStatus.done, CardStatus.archived)
PAGE_SIZE = 50
PAGE_MAX = 10_000
SEARCH_MAX = 200
ORGANISATION_LIMIT = 100
E = TypeVar("E", bound=Enum)


@dataclass(frozen=True, slots=True)
class CardSummary:
    """What every member may see of an open card; `may_use_board` says whether the viewer may
    open the card's board (else the working group's page is where to go)."""

    id: int
    kind: CardKind
    resource_kind: ResourceKind
    title: str
    urgency: Urgency
    region: str
    status: CardStatus
    organisation_id: int
    organisation_name: str
    group_slug: str
    group_name: str
    field_name: str
    may_use_board: bool


@dataclass(frozen=True, slots=True)
class RegionCards:
    region: str  # empty: no region given
    cards: list[CardSummary]


@dataclass(frozen=True, slots=True)
class FieldCards:
    name: str
    regions: list[RegionCards]


@dataclass(frozen=True, slots=True)
class OverviewPage:
    fields: list[FieldCards]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class OverviewFilter:
    """What a person narrowed the overview to; empty values mean no restriction."""

    q: str = ""
    kind: CardKind | None = None
    resource: ResourceKind | None = None
    field: str = ""
    region: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str], field_slugs: Collection[str]) -> OverviewFilter:
        """Read filters from query parameters; values that are not offered are refused, not
        ignored, so a mistyped link says what is wrong instead of showing everything."""
        errors = validation.Errors()
        q = validation.text(errors, "q", params.get("q"), max_length=SEARCH_MAX)
        region = validation.text(errors, "region", params.get("region"), max_length=SHORT_MAX)
        kind = _optional_choice(errors, params, "kind", CardKind)
        resource = _optional_choice(errors, params, "resource", ResourceKind)
        field = (params.get("field") or "").strip()
        if field and field not in field_slugs:
            errors.add("field", N_("Please choose one of the offered values."))
        page = _page(errors, params.get("page"))
        if errors:
            raise Invalid(errors)
        return cls(q=q, kind=kind, resource=resource, field=field, region=region, page=page)


async def list_open_cards(
    session: AsyncSession, actor: Actor, params: Mapping[str, str]
) -> OverviewPage:
    """One page of the open cards that pass the filters in `params`, grouped by field of
    action and then by region; the most urgent and newest first within a region."""
    rights.require_member(actor)
    slugs = set(await session.scalars(select(FieldOfAction.slug)))
    wanted = OverviewFilter.parse(params, slugs)
    matching = (
        select(Card.id)
        .join(WorkingGroup, WorkingGroup.id == Card.group_id)
        .join(FieldOfAction, FieldOfAction.id == WorkingGroup.field_id)
        .where(Card.status.not_in(CLOSED))
    )
    relevance: list[Any] = []
    if wanted.kind:
        matching = matching.where(Card.kind == wanted.kind)
    if wanted.resource:
        matching = matching.where(Card.resource_kind == wanted.resource)
    if wanted.field:
        matching = matching.where(FieldOfAction.slug == wanted.field)
    if wanted.region:
        matching = matching.where(Card.region == wanted.region)
    if wanted.q:
        tsquery = func.websearch_to_tsquery("german", wanted.q)
        matches = [Card.search.op("@@")(tsquery)]
        prefixes = _prefix_terms(wanted.q)
        if prefixes:  # a word being typed matches the words it begins
            matches.append(Card.search.op("@@")(func.to_tsquery("german", prefixes)))
        matching = matching.where(or_(*matches))
        relevance.append(func.ts_rank(Card.search, tsquery).desc())
    order = (
        FieldOfAction.position,
        FieldOfAction.name,
        Card.region == "",
        Card.region,
        Card.urgency.desc(),
        *relevance,
        Card.id.desc(),  # the newest
    )
    total = await session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    # The page is picked by the narrow rows first, then its summaries are put together.
    page = matching.order_by(*order).limit(PAGE_SIZE).offset((wanted.page - 1) * PAGE_SIZE)
    rows = await session.execute(summary_query(actor).where(Card.id.in_(page)).order_by(*order))
    return OverviewPage(
        _grouped(summarise(actor, rows)), total, wanted.page, max(1, -(-total // PAGE_SIZE))
    )


async def list_regions(session: AsyncSession, actor: Actor) -> list[str]:
    """The regions named on open cards, for the overview's filter."""
    rights.require_member(actor)
    result = await session.scalars(
        select(Card.region)
        .where(Card.status.not_in(CLOSED), Card.region != "")
        .distinct()
        .order_by(Card.region)
    )
    return list(result)


async def list_organisation_cards(
    session: AsyncSession, actor: Actor, organisation_id: int
) -> tuple[list[CardSummary], int]:
    """The organisation's open cards (at most ORGANISATION_LIMIT) and how many there are."""
    rights.require_member(actor)
    query = _open_cards(actor).where(Card.organisation_id == organisation_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.execute(
        query.order_by(
            FieldOfAction.position,
            WorkingGroup.name,
            Card.urgency.desc(),
            Card.id.desc(),
        ).limit(ORGANISATION_LIMIT)
    )
    return summarise(actor, rows), total


def summary_query(actor: Actor) -> Select[*tuple[Any, ...]]:
    """The columns of a `CardSummary`, for any query over cards (see `summarise`)."""
    in_my_group = exists().where(
        GroupMember.group_id == Card.group_id,
        GroupMember.organisation_id == actor.organisation_id,
    )
    return (
        select(
            Card.id,
            Card.kind,
            Card.resource_kind,
            Card.title,
            Card.urgency,
            Card.region,
            Card.status,
            Card.organisation_id,
            Organisation.name.label("organisation_name"),
            Card.group_id,
            WorkingGroup.slug.label("group_slug"),
            WorkingGroup.name.label("group_name"),
            FieldOfAction.name.label("field_name"),
            in_my_group.label("in_my_group"),
        )
        .join(Organisation, Organisation.id == Card.organisation_id)
        .join(WorkingGroup, WorkingGroup.id == Card.group_id)
        .join(FieldOfAction, FieldOfAction.id == WorkingGroup.field_id)
    )


def summarise(actor: Actor, rows: Any) -> list[CardSummary]:
    """Summaries of rows of `summary_query`, each knowing whether the actor may use its board."""
    return [
        CardSummary(
            id=row.id,
            kind=row.kind,
            resource_kind=row.resource_kind,
            title=row.title,
            urgency=row.urgency,
            region=row.region,
            status=row.status,
            organisation_id=row.organisation_id,
            organisation_name=row.organisation_name,
            group_slug=row.group_slug,
            group_name=row.group_name,
            field_name=row.field_name,
            may_use_board=rights.may_use_board(
                actor,
                row.group_id,
                {actor.organisation_id} if row.in_my_group and actor.organisation_id else set(),
            ),
        )
        for row in rows
    ]


def _open_cards(actor: Actor) -> Select[*tuple[Any, ...]]:
    return summary_query(actor).where(Card.status.not_in(CLOSED))


def _grouped(summaries: Sequence[CardSummary]) -> list[FieldCards]:
    """Consecutive summaries (sorted by field, then region) as fields holding regions."""
    fields: list[FieldCards] = []
    for card in summaries:
        if not fields or fields[-1].name != card.field_name:
            fields.append(FieldCards(card.field_name, []))
        regions = fields[-1].regions
        if not regions or regions[-1].region != card.region:
            regions.append(RegionCards(card.region, []))
        regions[-1].cards.append(card)
    return fields


def _optional_choice(
    errors: validation.Errors, params: Mapping[str, str], name: str, enum_cls: type[E]
) -> E | None:
    raw = (params.get(name) or "").strip()
    return validation.choice(errors, name, raw, enum_cls) if raw else None


def _page(errors: validation.Errors, raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= PAGE_MAX:
        errors.add("page", N_("Please enter a whole number from 1 to %(max)d."), max=PAGE_MAX)
        return 1
    return int(text)


def _prefix_terms(text: str) -> str:
    """A tsquery matching every typed word as a prefix, with tsquery syntax removed."""
    words = ["".join(ch for ch in word if ch.isalnum()) for word in text.split()]
    return " & ".join(f"{word}:*" for word in words if word)
