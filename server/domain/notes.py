"""Notes per agenda item, written by everyone in the session at once (issue 5).

Every save names the revision the person started from (`base_version`; 0 is the empty text) and
is merged three-way, word by word, with the notes as stored now (`merging.merge_text`), like a
card's description: edits in different places are all kept, nothing is overwritten. Edits of the
same words that differ are refused with a `NotesConflict` carrying the merged proposal (their
text, then mine marked ⟦…⟧), so the person sees both and decides; text still holding such marks
is refused. Every saved change is a new `NoteRevision` with its author.

Saves of one item run one after another (its row is locked); the session's row is held shared,
so a session cannot close while notes are being saved, and notes cannot change once it is.
`save_edits` saves several people's edits under one lock (`routes/note_writer.py` gathers the
saves that arrive together), each merged on its own against the notes as the ones before it
left them and each its own revision: the same outcome as saving them one after another.
Long notes are merged line by line first (`merge_text(lines_first=True)`), word by word where
two edits touch the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, DomainError, Invalid, Message, NotFound
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

    def __init__(self, item_id: int, text: str, version: int, proposal: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.text = text
        self.version = version
        self.proposal = proposal


@dataclass(frozen=True)
class NoteEdit:
    """One person's save: their text, edited from revision `base_version`."""

    actor: Actor
    text: str | None
    base_version: str | int | None


@dataclass(frozen=True)
class EditOutcome:
    """What became of one edit of a batch: saved as a new revision (`changed`), nothing to
    save, or refused (`refused`, raised by `save_notes`; the other edits are not affected)."""

    changed: bool = False
    refused: DomainError | None = None


@dataclass
class SavedNotes:
    """A batch of edits saved together: the item as it is now, the version it had before,
    each edit's outcome (in order), and the new revisions' texts by version."""

    item: AgendaItem
    from_version: int
    from_text: str
    outcomes: list[EditOutcome]
    revisions: dict[int, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.revisions)


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
    saved = await save_edits(
        session, meeting.id, item_id, [NoteEdit(actor, text, base_version)], now
    )
    outcome = saved.outcomes[0]
    if outcome.refused is not None:
        raise outcome.refused
    return saved.item, outcome.changed


async def save_edits(
    session: AsyncSession,
    meeting_id: int,
    item_id: int,
    edits: Sequence[NoteEdit],
    now: datetime,
    known: Mapping[int, str] | None = None,
) -> SavedNotes:
    """Save several people's edits of one item's notes in one go, one after another as if
    each were saved alone: each is merged with the notes as the edits before it left them and
    becomes a revision of its own with its author; a refused edit (a clash, bad text) does not
    stop the others. The item's row is locked once for all of them, which is what lets a busy
    session's notes keep up (`routes/note_writer.py` gathers the saves arriving meanwhile).

    The caller has checked that every author may take part in the session
    (`meeting_access.get_meeting`), as `save_notes` does. `known`: texts of committed revisions
    by version, so that the bases of most edits need no query (revisions never change)."""
    status = await session.scalar(
        select(Meeting.status).where(Meeting.id == meeting_id).with_for_update(read=True)
    )
    if status is MeetingStatus.closed:
        raise Conflict(N_("The session is closed; notes can no longer change."))
    if status is MeetingStatus.cancelled:
        raise Conflict(N_("The session was cancelled; it has no notes."))
    item = await _item(session, meeting_id, item_id, lock=True)
    if item.status is AgendaItemStatus.merged:
        raise Conflict(N_("This item was merged into another one; please write its notes there."))
    saved = SavedNotes(item, item.notes_version, item.notes, [])
    bases = await _base_texts(session, item, [edit.base_version for edit in edits], known or {})
    text, version = item.notes, item.notes_version
    rows = []
    for edit in edits:
        try:
            merged = _merged(edit, bases, text, version, item.id)
        except DomainError as refused:
            saved.outcomes.append(EditOutcome(refused=refused))
            continue
        if merged == text:
            saved.outcomes.append(EditOutcome())
            continue
        text, version = merged, version + 1
        saved.revisions[version] = text
        saved.outcomes.append(EditOutcome(changed=True))
        rows.append(
            {
                "item_id": item.id,
                "version": version,
                "text": text,
                "person_id": edit.actor.person_id,
                "at": now,
            }
        )
    if rows:
        item.notes, item.notes_version = text, version
        await session.execute(insert(cast(Table, NoteRevision.__table__)), rows)
        await session.flush()
    return saved


def _merged(edit: NoteEdit, bases: Mapping[int, str], text: str, version: int, item_id: int) -> str:
    """The notes with the edit merged in; raises what refuses it."""
    mine = (edit.text or "").replace("\r\n", "\n").replace("\r", "\n")
    if any(mark in mine for mark in UNMERGED_MARKS):
        raise Invalid({"text": Message(N_("Please resolve the marked passage ⟦…⟧ first."))})
    if len(mine) > NOTES_MAX:
        raise Invalid({"text": _too_long()})
    base_version = _version(edit.base_version)
    base = bases.get(base_version) if base_version is not None else None
    if base is None or base_version is None or base_version > version:
        raise Invalid(
            {"version": Message(N_("These notes are out of date. Please reload the page."))}
        )
    merged = merge_text(base, mine, text, lines_first=True)
    if merged.conflicts:
        raise NotesConflict(item_id, text, version, merged.text)
    if merged.text != text and len(merged.text) > NOTES_MAX:
        raise Invalid({"text": _too_long(together=True)})
    return merged.text


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


def _version(raw: str | int | None) -> int | None:
    digits = str(raw if raw is not None else "").strip()
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


async def _base_texts(
    session: AsyncSession,
    item: AgendaItem,
    raw_versions: Sequence[str | int | None],
    known: Mapping[int, str],
) -> dict[int, str]:
    """The texts of the revisions the edits started from (0 is the empty text); a version
    that does not exist is missing."""
    bases = {0: ""}
    wanted = set()
    for raw in raw_versions:
        version = _version(raw)
        if version is None or version in bases or version > item.notes_version:
            continue
        if version in known:
            bases[version] = known[version]
        else:
            wanted.add(version)
    if wanted:
        rows = await session.execute(
            select(NoteRevision.version, NoteRevision.text).where(
                NoteRevision.item_id == item.id, NoteRevision.version.in_(wanted)
            )
        )
        bases.update({version: text for version, text in rows})
    return bases


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
