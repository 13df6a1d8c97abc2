"""Knowledge pages: what the alliance learned, written down where others can find and copy it.

Public pages are for everyone, also without signing in; the others for the people of the
member organisations; a draft (a session's summary before it is published) for its editors
only (`knowledge_edits`). Editing, publishing, the list and search live in modules of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import knowledge_edits, rights, validation
from server.domain.actors import Actor
from server.domain.errors import Invalid, NotFound
from server.models import (
    Card,
    GroupMember,
    KnowledgePage,
    KnowledgeRevision,
    PageKind,
    PageStatus,
    PageVisibility,
    WorkingGroup,
)
from server.models.knowledge import PAGE_BODY_MAX, PAGE_TITLE_MAX


@dataclass(frozen=True, slots=True)
class PageText:
    """A page's title, body and visibility from a form, every one checked."""

    title: str
    body: str
    visibility: PageVisibility


def parse_page(form: Mapping[str, str], *, body_max: int = PAGE_BODY_MAX) -> PageText:
    """Title and body are required; all errors are reported at once."""
    errors = validation.Errors()
    title = validation.text(
        errors, "title", form.get("title"), max_length=PAGE_TITLE_MAX, required=True
    )
    body = validation.text(errors, "body", form.get("body"), max_length=body_max, required=True)
    visibility = validation.choice(errors, "visibility", form.get("visibility"), PageVisibility)
    if errors or visibility is None:
        raise Invalid(errors)
    return PageText(title, body, visibility)


async def create_page(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: PageKind,
    title: str,
    body: str,
    visibility: PageVisibility,
    organisation_id: int | None,
    group_id: int | None,
    source_card_id: int | None,
) -> KnowledgePage:
    """A new page with its first revision, written by the actor (values checked by the
    caller, e.g. with `parse_page`)."""
    rights.require_member(actor)
    page = KnowledgePage(
        kind=kind,
        title=title,
        body=body,
        visibility=visibility,
        organisation_id=organisation_id,
        group_id=group_id,
        source_card_id=source_card_id,
        version=1,
    )
    session.add(page)
    await session.flush()
    session.add(
        KnowledgeRevision(
            page_id=page.id, version=1, title=title, body=body, person_id=actor.person_id
        )
    )
    await session.flush()
    return page


async def get_page(session: AsyncSession, actor: Actor, page_id: int) -> KnowledgePage:
    """A page with its organisation, if the actor may read it."""
    page = await session.scalar(
        select(KnowledgePage)
        .where(KnowledgePage.id == page_id)
        .options(selectinload(KnowledgePage.organisation))
    )
    if page is None:
        raise NotFound()
    if not knowledge_edits.may_read(actor, page):
        if page.status is PageStatus.draft:
            raise NotFound()  # a draft is there for its editors only
        rights.require_member(actor)
    return page


def require_writer(actor: Actor) -> None:
    """Every approved person of a member organisation may write a good-practice page."""
    rights.require_member(actor)


@dataclass(frozen=True, slots=True)
class PageView:
    """A page as its reader sees it: the card it tells of (a pledge, for a report) and that
    card's working group when the reader may open its board."""

    page: KnowledgePage
    source_card: Card | None
    board: WorkingGroup | None


async def page_view(session: AsyncSession, actor: Actor, page_id: int) -> PageView:
    page = await get_page(session, actor, page_id)
    card = None
    if page.source_card_id is not None:
        card = await session.scalar(
            select(Card)
            .where(Card.id == page.source_card_id)
            .options(selectinload(Card.organisation))
        )
    board = None
    if card is not None and not actor.is_anonymous and actor.is_approved:
        members = set(
            await session.scalars(
                select(GroupMember.organisation_id).where(GroupMember.group_id == card.group_id)
            )
        )
        if rights.may_use_board(actor, card.group_id, members):
            board = await session.get(WorkingGroup, card.group_id)
    return PageView(page, card, board)
