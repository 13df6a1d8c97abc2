"""The revisions of a knowledge page, newest first, each with its author and a readable word
diff against the revision before (`diffs.word_diff`); for whoever may read the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import knowledge
from server.domain.actors import Actor
from server.domain.diffs import Segment, word_diff
from server.models import KnowledgePage, KnowledgeRevision, Person

LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageChange:
    version: int
    at: datetime
    author: str  # "" for the summary job, or a person who is gone
    organisation: str
    title: str
    title_changed: bool
    segments: list[Segment]


async def page_history(
    session: AsyncSession, actor: Actor, page_id: int
) -> tuple[KnowledgePage, list[PageChange]]:
    page = await knowledge.get_page(session, actor, page_id)
    revisions = list(
        await session.scalars(
            select(KnowledgeRevision)
            .where(KnowledgeRevision.page_id == page.id)
            .options(selectinload(KnowledgeRevision.person).selectinload(Person.organisation))
            .order_by(KnowledgeRevision.version.desc())
            .limit(LIMIT + 1)
        )
    )
    changes = []
    for index, revision in enumerate(revisions):
        before = revisions[index + 1] if index + 1 < len(revisions) else None
        person = revision.person
        present = person is not None and not person.removed_at
        changes.append(
            PageChange(
                revision.version,
                revision.at,
                person.name if person is not None and present else "",
                person.organisation.name if person is not None and present else "",
                revision.title,
                before is not None and before.title != revision.title,
                word_diff(before.body if before else "", revision.body),
            )
        )
    return page, changes[:LIMIT]
