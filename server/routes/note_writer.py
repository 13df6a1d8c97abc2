"""Group commit of notes saves: the saves of one item's notes that arrive in a web process while
its last batch is being saved are saved together, in one transaction with one live event.

Why: when everyone in a session writes at once (issue 5: 200 people, 2 saves a second each),
one transaction and one event per save means 400 transactions a second queueing for the same
row lock, and 400 events a second each sent to 200 pages: 80,000 deliveries a second, which no
small server does. Saved together, the row is locked once per batch, the bases of most edits
come from memory, and each page gets one event per batch with the changed lines. Every edit
is still merged on its own and becomes a revision of its own with its author
(`notes.save_edits`); a refused edit does not affect the others.

A batch starts at once when the item had none for `BATCH_SECONDS`; otherwise it waits until
that much time has passed since the last one started, gathering what arrives meanwhile. So a
lone save is not delayed, and a busy item gets at most one transaction and one event per
`BATCH_SECONDS` per process. Each process batches its own saves; across processes the row
lock orders the batches as it ordered single saves.

Revisions never change once committed, so their texts are kept (the last few hundred per
item, filled only after a commit) as the bases of later edits. And that a person may write in
a session (`meeting_access.get_meeting`: three statements) is kept for `RIGHTS_SECONDS`: at two
saves a second per person, those statements were most of a save's work. A person who loses
access (removed from the group's organisations, the invitation list) can still save notes for
that long, as an open page's live stream goes on until its next check; a closed session is
seen at once (the batch's transaction checks it under the lock).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.templating import Jinja2Templates

from server.domain import meeting_access, notes
from server.domain.actors import Actor
from server.live import Hub
from server.models import Meeting
from server.routes.note_events import emit_notes
from server.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.04
RIGHTS_SECONDS = 5.0
KEPT_RIGHTS = 10_000
MAX_BATCH = 100  # edits per transaction; more wait for the next
KEPT_REVISIONS = 300  # texts per item
KEPT_ITEMS = 32


@dataclass
class _Waiting:
    edit: notes.NoteEdit
    done: asyncio.Future[tuple[notes.SavedNotes, notes.EditOutcome]]


@dataclass
class _Item:
    waiting: list[_Waiting] = field(default_factory=list)
    running: asyncio.Task[None] | None = None
    last_start: float = float("-inf")
    texts: OrderedDict[int, str] = field(default_factory=OrderedDict)


class NoteWriter:
    """Per web process (`app.state.note_writer`): the batches of each item's notes."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        hub: Hub | None,
        templates: Jinja2Templates,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._hub = hub
        self._templates = templates
        self._items: OrderedDict[tuple[int, int], _Item] = OrderedDict()
        self._rights: dict[tuple[Actor, int], tuple[float, Meeting]] = {}

    async def meeting(self, actor: Actor, meeting_id: int) -> Meeting:
        """The session, if the actor may take part in it (and so write its notes); raises
        what `meeting_access.get_meeting` raises. A yes is kept for `RIGHTS_SECONDS`."""
        now = time.monotonic()
        kept = self._rights.get((actor, meeting_id))
        if kept is not None and kept[0] > now:
            return kept[1]
        async with self._sessionmaker() as session:
            meeting = await meeting_access.get_meeting(session, actor, meeting_id)
        if len(self._rights) >= KEPT_RIGHTS:
            self._rights = {key: kept for key, kept in self._rights.items() if kept[0] > now}
        self._rights[(actor, meeting_id)] = (now + RIGHTS_SECONDS, meeting)
        return meeting

    async def save(
        self, meeting_id: int, item_id: int, edit: notes.NoteEdit
    ) -> tuple[notes.SavedNotes, notes.EditOutcome]:
        """Save the edit with whatever else is waiting for the item: the batch it was saved
        in and its outcome; raises what refused the whole batch (a closed session …)."""
        key = (meeting_id, item_id)
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = _Item()
            self._forget_old_items()
        self._items.move_to_end(key)
        waiting = _Waiting(edit, asyncio.get_running_loop().create_future())
        item.waiting.append(waiting)
        if item.running is None:
            item.running = asyncio.create_task(self._run(key, item), name=f"notes-{item_id}")
        # Shielded: a request that goes away must not cancel the batch the others are in.
        return await asyncio.shield(waiting.done)

    async def _run(self, key: tuple[int, int], item: _Item) -> None:
        loop = asyncio.get_running_loop()
        try:
            while item.waiting:
                await asyncio.sleep(max(0.0, item.last_start + BATCH_SECONDS - loop.time()))
                batch, item.waiting = item.waiting[:MAX_BATCH], item.waiting[MAX_BATCH:]
                item.last_start = loop.time()
                try:
                    saved = await self._save(key, item, [waiting.edit for waiting in batch])
                except Exception as exc:  # the whole batch: each request answers as it would
                    for waiting in batch:
                        if not waiting.done.done():
                            waiting.done.set_exception(exc)
                    continue
                for waiting, outcome in zip(batch, saved.outcomes, strict=True):
                    if not waiting.done.done():
                        waiting.done.set_result((saved, outcome))
        finally:
            item.running = None

    async def _save(
        self, key: tuple[int, int], item: _Item, edits: Sequence[notes.NoteEdit]
    ) -> notes.SavedNotes:
        meeting_id, item_id = key
        async with UnitOfWork(self._sessionmaker, self._hub) as uow:
            saved = await notes.save_edits(
                uow.session, meeting_id, item_id, edits, datetime.now(UTC), item.texts
            )
            if saved.changed:
                authors = [
                    edit.actor.name
                    for edit, outcome in zip(edits, saved.outcomes, strict=True)
                    if outcome.changed
                ]
                await emit_notes(self._templates, uow, meeting_id, saved, authors)
        # Committed: these texts are the revisions' for good.
        item.texts[saved.from_version] = saved.from_text
        item.texts.update(saved.revisions)
        while len(item.texts) > KEPT_REVISIONS:
            item.texts.popitem(last=False)
        return saved

    def _forget_old_items(self) -> None:
        for key in list(self._items)[: max(0, len(self._items) - KEPT_ITEMS)]:
            if self._items[key].running is None:
                del self._items[key]


def note_writer(state: object) -> NoteWriter:
    """The process's writer, made on first use from the app's state."""
    writer = getattr(state, "note_writer", None)
    if writer is None:
        writer = NoteWriter(
            state.sessionmaker,  # type: ignore[attr-defined]
            state.hub,  # type: ignore[attr-defined]
            state.templates,  # type: ignore[attr-defined]
        )
        state.note_writer = writer  # type: ignore[attr-defined]
    return writer
