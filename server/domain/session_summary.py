"""A closed session's knowledge page (issue 6): written once as a draft by the summary job,
reviewed and published by the session's moderators.

One page per session: the page row names its session, and the database allows one page per
session, so a job run twice (or a retry after a worker died) cannot write a second page; a
job killed before its commit leaves nothing behind, since the page and its first revision are
written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.session_record import Record
from server.models import (
    Attendance,
    KnowledgePage,
    KnowledgeRevision,
    PageKind,
    PageStatus,
    PageVisibility,
    Person,
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


@dataclass(frozen=True, slots=True)
class PublishedMail:
    page: KnowledgePage
    recipients: dict[str | None, list[str]]  # by the person's language (None: the default)


async def claim_published_mail(session: AsyncSession, page_id: int) -> PublishedMail | None:
    """Mark the session's participants told that its summary is published, and say whom to
    tell (who attended, by their language); None when told already or not a published
    session page. The caller commits once the mail server accepted."""
    claimed = await session.scalar(
        update(KnowledgePage)
        .where(
            KnowledgePage.id == page_id,
            KnowledgePage.status == PageStatus.published,
            KnowledgePage.meeting_id.is_not(None),
            KnowledgePage.notified_at.is_(None),
        )
        .values(notified_at=func.now())
        .returning(KnowledgePage.meeting_id)
    )
    if claimed is None:
        return None
    page = await session.get(KnowledgePage, page_id)
    assert page is not None
    rows = await session.execute(
        select(Person.email, Person.locale)
        .join(Attendance, Attendance.person_id == Person.id)
        .where(
            Attendance.meeting_id == claimed,
            Person.removed_at.is_(None),
            Person.email.is_not(None),
            Person.email != "",
        )
        .order_by(Person.email)
    )
    recipients: dict[str | None, list[str]] = {}
    for email, locale in rows:
        if email:
            recipients.setdefault(locale, []).append(email)
    return PublishedMail(page, recipients)
