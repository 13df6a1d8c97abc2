"""Who may edit a knowledge page, editing it (merged like notes: three-way against the revision
the editor started from, every revision kept with its author) and publishing a draft.

Editors: the alliance admins; the moderators of the page's working group (a session's summary
is theirs to review); and for a page an organisation wrote (a good-practice page, a pledge
report), that organisation's people. A draft is seen by its editors only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import knowledge, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, NotAllowed, NotFound
from server.domain.merging import merge_text
from server.models import (
    FieldOfAction,
    KnowledgePage,
    KnowledgeRevision,
    PageKind,
    PageStatus,
    PageVisibility,
)
from server.models.knowledge import PAGE_BODY_MAX, PAGE_TITLE_MAX

UNMERGED_MARKS = ("⟦", "⟧")


def may_edit(actor: Actor, page: KnowledgePage) -> bool:
    if actor.is_anonymous or not actor.is_approved:
        return False
    if actor.is_alliance_admin:
        return True
    if page.group_id is not None and actor.moderates(page.group_id):
        return True
    return (
        page.kind is not PageKind.session_summary
        and page.organisation_id is not None
        and page.organisation_id == actor.organisation_id
    )


def may_read(actor: Actor, page: KnowledgePage) -> bool:
    if page.status is PageStatus.draft:
        return may_edit(actor, page)
    if page.visibility is PageVisibility.public:
        return True
    return not actor.is_anonymous and actor.is_approved


class PageConflict(Conflict):
    """Someone changed the same words (or the title) meanwhile: `proposal` holds the merged
    text with the editor's words marked ⟦…⟧, `title` the stored title, to decide and save again
    against `version`."""

    message = N_(
        "Someone else changed the same words in the meantime. Both versions are shown, yours "
        "marked ⟦…⟧: choose and save again."
    )

    def __init__(self, page: KnowledgePage, title: str, proposal: str) -> None:
        super().__init__()
        self.version = page.version
        self.title = title
        self.proposal = proposal


async def editable_page(
    session: AsyncSession, actor: Actor, page_id: int, *, lock: bool = False
) -> KnowledgePage:
    query = select(KnowledgePage).where(KnowledgePage.id == page_id)
    page = await session.scalar(query.with_for_update() if lock else query)
    if page is None:
        raise NotFound()
    rights.require_member(actor)
    if not may_edit(actor, page):
        if page.status is PageStatus.draft:
            raise NotFound()  # a draft is not there for others
        raise NotAllowed(N_("Only the page's editors may change it."))
    return page


async def edit_page(
    session: AsyncSession,
    actor: Actor,
    page_id: int,
    form: Mapping[str, str],
    now: datetime,
) -> tuple[KnowledgePage, bool]:
    """Merge the actor's edit (made from revision `form["version"]`) into the page; says
    whether anything changed (then there is a new revision)."""
    page = await editable_page(session, actor, page_id, lock=True)
    errors = validation.Errors()
    title = validation.text(
        errors, "title", form.get("title"), max_length=PAGE_TITLE_MAX, required=True
    )
    body = validation.text(
        errors, "body", form.get("body"), max_length=PAGE_BODY_MAX, required=True
    )
    if any(mark in body for mark in UNMERGED_MARKS):
        errors.add("body", N_("Please resolve the marked passage ⟦…⟧ first."))
    base = await _base(session, page, form.get("version"), errors)
    if errors or base is None:
        raise Invalid(errors)
    merged = merge_text(base.body, body, page.body, lines_first=True)
    new_title = _merge_title(base.title, title, page.title)
    if merged.conflicts or new_title is None:
        raise PageConflict(page, page.title, merged.text)
    if (new_title, merged.text) == (page.title, page.body):
        return page, False
    page.title, page.body = new_title, merged.text
    page.version += 1
    page.updated_at = now
    session.add(
        KnowledgeRevision(
            page_id=page.id,
            version=page.version,
            title=page.title,
            body=page.body,
            person_id=actor.person_id,
            at=now,
        )
    )
    await session.flush()
    return page, True


async def publish_page(
    session: AsyncSession,
    actor: Actor,
    page_id: int,
    visibility: str | None,
    now: datetime,
) -> KnowledgePage:
    """Publish a draft, for the members or for everyone."""
    page = await editable_page(session, actor, page_id, lock=True)
    errors = validation.Errors()
    chosen = validation.choice(errors, "visibility", visibility, PageVisibility)
    if errors or chosen is None:
        raise Invalid(errors)
    if page.status is PageStatus.published:
        raise Conflict(N_("This page is published already."))
    page.status = PageStatus.published
    page.visibility = chosen
    page.published_at = now
    await session.flush()
    return page


async def _base(
    session: AsyncSession, page: KnowledgePage, raw: str | None, errors: validation.Errors
) -> KnowledgeRevision | None:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        errors.add("version", N_("This page is out of date. Please reload it and try again."))
        return None
    base = await session.scalar(
        select(KnowledgeRevision).where(
            KnowledgeRevision.page_id == page.id, KnowledgeRevision.version == int(text)
        )
    )
    if base is None:
        errors.add("version", N_("This page is out of date. Please reload it and try again."))
    return base


def _merge_title(base: str, mine: str, theirs: str) -> str | None:
    """The title after a three-way merge; None when both changed it differently."""
    if mine in (base, theirs):
        return theirs
    if theirs == base:
        return mine
    return None


async def write_good_practice(
    session: AsyncSession, actor: Actor, form: Mapping[str, str], now: datetime
) -> KnowledgePage:
    """A good-practice page written by hand, by the actor's organisation, tagged with a field
    of action (or none), published at once."""
    rights.require_member(actor)
    errors = validation.Errors()
    text = None
    try:
        text = knowledge.parse_page(form)
    except Invalid as exc:  # reported with the field's error, all at once
        errors.update(exc.errors)
    field_id = None
    slug = (form.get("field") or "").strip()
    if slug:
        field_id = await session.scalar(select(FieldOfAction.id).where(FieldOfAction.slug == slug))
        if field_id is None:
            errors.add("field", N_("Please choose one of the offered values."))
    if errors or text is None:
        raise Invalid(errors)
    page = await knowledge.create_page(
        session,
        actor,
        kind=PageKind.good_practice,
        title=text.title,
        body=text.body,
        visibility=text.visibility,
        organisation_id=actor.organisation_id,
        group_id=None,
        source_card_id=None,
    )
    page.field_of_action_id = field_id
    page.published_at = now
    await session.flush()
    return page
