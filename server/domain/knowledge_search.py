"""The alliance's knowledge pages, listed and searched: German full text over title and body
(the page's `search` column), tagged by field of action, filtered by kind. Everyone sees the
published pages they may read (without signing in: the public ones); editors also see the
drafts waiting for them (a session's summary before it is published).

A search result shows where the words were found: PostgreSQL's `ts_headline` marks them with
markers no text contains, and the template turns the pieces into <mark> (never markup from
the page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid
from server.models import FieldOfAction, KnowledgePage, PageKind, PageStatus, PageVisibility

LIMIT = 50
QUERY_MAX = 200
START, STOP = "\x02", "\x03"
HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2"


@dataclass(frozen=True, slots=True)
class Found:
    id: int
    title: str
    kind: PageKind
    status: PageStatus
    visibility: PageVisibility
    field: str | None
    published_at: datetime | None
    snippet: list[tuple[str, bool]]  # pieces of text, and whether each is a found word


@dataclass(frozen=True, slots=True)
class Listing:
    pages: list[Found]
    drafts: list[Found]
    fields: list[FieldOfAction]
    query: str
    field: str
    kind: str


async def fields_of_action(session: AsyncSession) -> list[FieldOfAction]:
    return list(await session.scalars(select(FieldOfAction).order_by(FieldOfAction.position)))


async def list_pages(session: AsyncSession, actor: Actor, params: Mapping[str, str]) -> Listing:
    errors = validation.Errors()
    query = validation.text(errors, "q", params.get("q"), max_length=QUERY_MAX)
    fields = await fields_of_action(session)
    field = (params.get("field") or "").strip()
    if field and field not in {f.slug for f in fields}:
        errors.add("field", N_("Please choose one of the offered values."))
    kind = (params.get("kind") or "").strip()
    if kind and kind not in {k.value for k in PageKind}:
        errors.add("kind", N_("Please choose one of the offered values."))
    if errors:
        raise Invalid(errors)
    conditions: list[ColumnElement[bool]] = []
    if query:
        conditions.append(
            KnowledgePage.search.bool_op("@@")(func.websearch_to_tsquery("german", query))
        )
    if field:
        conditions.append(FieldOfAction.slug == field)
    if kind:
        conditions.append(KnowledgePage.kind == PageKind(kind))
    readable: list[ColumnElement[bool]] = [KnowledgePage.status == PageStatus.published]
    if actor.is_anonymous or not actor.is_approved:
        readable.append(KnowledgePage.visibility == PageVisibility.public)
    pages = await _found(session, query, [*conditions, *readable])
    drafts: list[Found] = []
    if not actor.is_anonymous and actor.is_approved:
        mine: list[ColumnElement[bool]] = [KnowledgePage.status == PageStatus.draft]
        if not actor.is_alliance_admin:
            mine.append(KnowledgePage.group_id.in_(actor.moderated_group_ids or {-1}))
        drafts = await _found(session, query, [*conditions, *mine])
    return Listing(pages, drafts, fields, query, field, kind)


async def _found(
    session: AsyncSession, query: str, conditions: list[ColumnElement[bool]]
) -> list[Found]:
    if query:
        tsquery = func.websearch_to_tsquery("german", query)
        snippet = func.ts_headline("german", KnowledgePage.body, tsquery, HEADLINE)
        order = [func.ts_rank(KnowledgePage.search, tsquery).desc(), KnowledgePage.id.desc()]
    else:
        snippet = func.left(KnowledgePage.body, 240)
        order = [
            func.coalesce(KnowledgePage.published_at, KnowledgePage.created_at).desc(),
            KnowledgePage.id.desc(),
        ]
    rows = await session.execute(
        select(
            KnowledgePage.id,
            KnowledgePage.title,
            KnowledgePage.kind,
            KnowledgePage.status,
            KnowledgePage.visibility,
            FieldOfAction.name,
            KnowledgePage.published_at,
            snippet,
        )
        .outerjoin(FieldOfAction, FieldOfAction.id == KnowledgePage.field_of_action_id)
        .where(*conditions)
        .order_by(*order)
        .limit(LIMIT)
    )
    return [
        Found(id_, title, kind, status, visibility, field, published, _pieces(text or ""))
        for id_, title, kind, status, visibility, field, published, text in rows
    ]


def _pieces(headline: str) -> list[tuple[str, bool]]:
    """The headline as (text, found) pieces, Markdown marks taken out."""
    pieces: list[tuple[str, bool]] = []
    for part in headline.split(START):
        found, _, rest = part.partition(STOP) if STOP in part else ("", "", part)
        if found:
            pieces.append((_plain(found), True))
        if rest:
            pieces.append((_plain(rest), False))
    return pieces


def _plain(text: str) -> str:
    """Text for a snippet: Markdown's escapes and marks, and line breaks, taken out."""
    for mark in ("\\", "**", "#"):
        text = text.replace(mark, "")
    return " ".join(text.split()) if text.strip() else " "
