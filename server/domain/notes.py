"""Notes per agenda item, written by everyone in the session at once (issue 5).

Every save names the revision the person started from (`base_version`; 0 is the empty text) and
is merged three-way, word by word, with the notes as stored now (`merging.merge_text`), like a
card's description: edits in different places are all kept, nothing is overwritten. Edits of the
same words that differ are refused with a `NotesConflict` carrying the merged proposal (their
text, then mine marked ⟦…⟧), so the person sees both and decides; text still holding such marks
is refused. Every saved change is a new `NoteRevision` with its author.

Saves of one item run one after another (its row is locked); the session's row is held shared,
so a session cannot close while notes are being saved, and notes cannot change once it is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotFound
from server.domain.merging import merge_text
from server.models import AgendaItem, AgendaItemStatus, Meeting, MeetingStatus, NoteRevision
from server.models.agenda import NOTES_MAX

UNMERGED_MARKS = ("⟦", "⟧")


class NotesConflict(Conflict):
    """Someone changed the same words meanwhile. `text` and `version` are the notes as stored
    now; `proposal` the merged text with my words marked, to resolve and save again (against
    `version`)."""

    message = N_(
        "Someone else changed the same words in the meantime. Both versions are shown, yours "
        "marked ⟦…⟧: choose and save again."
    )

    def __init__(self, item: AgendaItem, proposal: str) -> None:
        super().__init__()
        self.item_id = item.id
        self.text = item.notes
        self.version = item.notes_version
        self.proposal = proposal


async def save_notes(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    text: str | None,
    base_version: str | int | None,
    now: datetime,
) -> tuple[AgendaItem, bool]:
    """Merge the actor's notes (edited from revision `base_version`) into the item's notes;
    says whether anything changed (then the item holds the new revision)."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    status = await session.scalar(
        select(Meeting.status).where(Meeting.id == meeting.id).with_for_update(read=True)
    )
    if status is MeetingStatus.closed:
        raise Conflict(N_("The session is closed; notes can no longer change."))
    if status is MeetingStatus.cancelled:
        raise Conflict(N_("The session was cancelled; it has no notes."))
    item = await _item(session, meeting.id, item_id, lock=True)
    if item.status is AgendaItemStatus.merged:
        raise Conflict(N_("This item was merged into another one; please write its notes there."))
    mine = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if any(mark in mine for mark in UNMERGED_MARKS):
        raise Invalid({"text": Message(N_("Please resolve the marked passage ⟦…⟧ first."))})
    if len(mine) > NOTES_MAX:
        raise Invalid({"text": _too_long()})
    base = await _base_text(session, item, base_version)
    merged = merge_text(base, mine, item.notes)
    if merged.conflicts:
        raise NotesConflict(item, merged.text)
    if merged.text == item.notes:
        return item, False
    if len(merged.text) > NOTES_MAX:
        raise Invalid({"text": _too_long(together=True)})
    item.notes = merged.text
    item.notes_version += 1
    session.add(
        NoteRevision(
            item_id=item.id,
            version=item.notes_version,
            text=merged.text,
            person_id=actor.person_id,
            at=now,
        )
    )
    await session.flush()
    return item, True


async def note_history(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int
) -> list[NoteRevision]:
    """Every revision of an item's notes with its author, newest first."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    item = await _item(session, meeting.id, item_id)
    return list(
        await session.scalars(
            select(NoteRevision)
            .where(NoteRevision.item_id == item.id)
            .options(selectinload(NoteRevision.person))
            .order_by(NoteRevision.version.desc())
        )
    )


async def _item(
    session: AsyncSession, meeting_id: int, item_id: int, *, lock: bool = False
) -> AgendaItem:
    query = (
        select(AgendaItem)
        .where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting_id)
        .execution_options(populate_existing=True)
    )
    item = await session.scalar(query.with_for_update() if lock else query)
    if item is None:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    return item


async def _base_text(session: AsyncSession, item: AgendaItem, raw: str | int | None) -> str:
    """The text of the revision the person started from."""
    digits = str(raw if raw is not None else "").strip()
    version = int(digits) if digits.isascii() and digits.isdigit() else None
    if version == 0:
        return ""
    base = None
    if version is not None and version <= item.notes_version:
        base = await session.scalar(
            select(NoteRevision.text).where(
                NoteRevision.item_id == item.id, NoteRevision.version == version
            )
        )
    if base is None:
        raise Invalid(
            {"version": Message(N_("These notes are out of date. Please reload the page."))}
        )
    return base


def _too_long(*, together: bool = False) -> Message:
    if together:
        return Message(
            N_(
                "Together with what others wrote meanwhile this is too long: at most %(max)d "
                "characters."
            ),
            {"max": NOTES_MAX},
        )
    return Message(N_("Please keep the notes to %(max)d characters."), {"max": NOTES_MAX})
