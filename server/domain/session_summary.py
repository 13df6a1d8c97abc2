"""A closed session's knowledge page (issue 6): written once as a draft by the summary job,
reviewed and published by the session's moderators.

One page per session: the page row names its session, and the database allows one page per
session, so a job run twice (or a retry after a worker died) cannot write a second page; a
job killed before its commit leaves nothing behind, since the page and its first revision are
written in one transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.session_record import Record
from server.models import (
    KnowledgePage,
    KnowledgeRevision,
    PageKind,
    PageStatus,
    PageVisibility,
)


async def page_of(session: AsyncSession, meeting_id: int) -> KnowledgePage | None:
    return await session.scalar(select(KnowledgePage).where(KnowledgePage.meeting_id == meeting_id))


async def write_draft(
    session: AsyncSession, record: Record, title: str, body: str
) -> KnowledgePage | None:
    """The session's draft page with its first revision (by nobody: the job wrote it); None
    when the session has its page already."""
    group = record.group
    page_id = await session.scalar(
        insert(KnowledgePage)
        .values(
            kind=PageKind.session_summary,
            status=PageStatus.draft,
            visibility=PageVisibility.members,
            title=title,
            body=body,
            group_id=group.id if group else None,
            field_of_action_id=group.field_id if group else None,
            meeting_id=record.meeting.id,
            version=1,
        )
        .on_conflict_do_nothing(index_elements=[KnowledgePage.meeting_id])
        .returning(KnowledgePage.id)
    )
    if page_id is None:
        return None
    session.add(KnowledgeRevision(page_id=page_id, version=1, title=title, body=body))
    await session.flush()
    return await session.get(KnowledgePage, page_id)
