"""The history of an item's notes: every revision with its author and time, newest first, and
what it changed against the revision before (`diffs.word_diff`). For everyone who may follow
the session; a page at a time, since a long session's notes have hundreds of revisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access
from server.domain.actors import Actor
from server.domain.diffs import Segment, word_diff
from server.domain.errors import N_, Invalid, Message, NotFound
from server.models import AgendaItem, Meeting, NoteRevision, Person

PAGE = 50


@dataclass(frozen=True, slots=True)
class Change:
    version: int
    at: datetime
    author: str  # "" when the person is gone
    organisation: str
    segments: list[Segment]


@dataclass(frozen=True, slots=True)
class History:
    meeting: Meeting
    item: AgendaItem
    changes: list[Change]
    older: int | None  # the `before` of the next page, None on the last


async def note_history(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    before: str | None = None,
) -> History:
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    item = await session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
    )
    if item is None:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    query = (
        select(NoteRevision)
        .where(NoteRevision.item_id == item.id)
        .options(selectinload(NoteRevision.person).selectinload(Person.organisation))
        .order_by(NoteRevision.version.desc())
        .limit(PAGE + 1)
    )
    if before:
        if not (before.isascii() and before.isdigit() and len(before) <= 9):
            raise Invalid({"before": Message(N_("Please choose one of the offered values."))})
        query = query.where(NoteRevision.version < int(before))
    revisions = list(await session.scalars(query))
    shown, more = revisions[:PAGE], len(revisions) > PAGE
    previous = await _texts_before(session, item.id, shown)
    changes = [
        Change(
            revision.version,
            revision.at,
            _name(revision.person),
            _organisation(revision.person),
            word_diff(previous.get(revision.version, ""), revision.text),
        )
        for revision in shown
    ]
    return History(meeting, item, changes, shown[-1].version if more and shown else None)


async def _texts_before(
    session: AsyncSession, item_id: int, shown: list[NoteRevision]
) -> dict[int, str]:
    """For each shown revision, the text of the revision before it (the one below on the page,
    or for the last one shown, the next older one in the database)."""
    texts = {}
    for newer, older in zip(shown, shown[1:], strict=False):
        texts[newer.version] = older.text
    if shown:
        last = shown[-1]
        texts[last.version] = (
            await session.scalar(
                select(NoteRevision.text)
                .where(NoteRevision.item_id == item_id, NoteRevision.version < last.version)
                .order_by(NoteRevision.version.desc())
                .limit(1)
            )
            or ""
        )
    return texts


def _name(person: Person | None) -> str:
    return person.name if person is not None and not person.removed_at else ""


def _organisation(person: Person | None) -> str:
    return person.organisation.name if person is not None and person.organisation else ""
