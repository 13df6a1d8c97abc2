"""Notes per agenda item, written by everyone at once: merged word by word, never overwritten;
an overlapping edit is refused with the merged proposal; every revision keeps its author."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from server.domain import notes
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import (
    AgendaItem,
    AgendaItemStatus,
    Meeting,
    MeetingStatus,
    NoteRevision,
    WorkingGroup,
)
from server.models.agenda import NOTES_MAX
from server.settings import Settings
from tests import factories
from tests.domain.cardkit import group_with_member, second_member

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BASE = "Wir brauchen Räume für Sprachkurse am Dienstag."


@dataclass
class Setting:
    meeting: Meeting
    anna: Actor
    ben: Actor
    item: AgendaItem
    group: WorkingGroup


async def a_session(session: AsyncSession) -> Setting:
    """A group's planned session with an accepted item and two members."""
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    meeting = await factories.meeting(session, await factories.series(session, group))
    item = AgendaItem(
        meeting_id=meeting.id, title="Räume", status=AgendaItemStatus.accepted, position=0
    )
    session.add(item)
    await session.flush()
    return Setting(meeting, anna, ben, item, group)


async def revisions(session: AsyncSession, item: AgendaItem) -> list[tuple[int, str, int | None]]:
    rows = await session.execute(
        select(NoteRevision.version, NoteRevision.text, NoteRevision.person_id)
        .where(NoteRevision.item_id == item.id)
        .order_by(NoteRevision.version)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_concurrent_edits_in_different_places_are_both_kept(session: AsyncSession) -> None:
    s = await a_session(session)
    first, changed = await notes.save_notes(
        session, s.anna, s.meeting.id, s.item.id, BASE, "0", NOW
    )
    assert changed and first.notes == BASE and first.notes_version == 1
    anna_text = BASE.replace("Räume", "große Räume")
    ben_text = BASE.replace("Dienstag.", "Dienstag und Donnerstag.")
    await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, anna_text, "1", NOW)
    item, changed = await notes.save_notes(
        session, s.ben, s.meeting.id, s.item.id, ben_text, "1", NOW
    )
    assert changed
    assert item.notes == "Wir brauchen große Räume für Sprachkurse am Dienstag und Donnerstag."
    assert item.notes_version == 3


async def test_an_overlapping_edit_is_refused_with_the_proposal_and_nothing_changes(
    session: AsyncSession,
) -> None:
    s = await a_session(session)
    await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, BASE, 0, NOW)
    await notes.save_notes(
        session, s.anna, s.meeting.id, s.item.id, BASE.replace("Dienstag", "Montag"), 1, NOW
    )
    with pytest.raises(notes.NotesConflict) as refused:
        await notes.save_notes(
            session, s.ben, s.meeting.id, s.item.id, BASE.replace("Dienstag", "Freitag"), 1, NOW
        )
    assert refused.value.version == 2
    assert refused.value.text == BASE.replace("Dienstag", "Montag")
    assert "Montag" in refused.value.proposal and "⟦Freitag⟧" in refused.value.proposal
    assert [version for version, *_ in await revisions(session, s.item)] == [1, 2]

    with pytest.raises(Invalid) as marked:
        await notes.save_notes(
            session, s.ben, s.meeting.id, s.item.id, refused.value.proposal, 2, NOW
        )
    assert "text" in marked.value.errors
    resolved = BASE.replace("Dienstag", "Montag oder Freitag")
    item, changed = await notes.save_notes(
        session, s.ben, s.meeting.id, s.item.id, resolved, 2, NOW
    )
    assert changed and item.notes == resolved and item.notes_version == 3


async def test_every_revision_keeps_its_author_and_history_is_newest_first(
    session: AsyncSession,
) -> None:
    s = await a_session(session)
    await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, "Erstens.", 0, NOW)
    await notes.save_notes(session, s.ben, s.meeting.id, s.item.id, "Erstens. Zweitens.", 1, NOW)
    assert await revisions(session, s.item) == [
        (1, "Erstens.", s.anna.person_id),
        (2, "Erstens. Zweitens.", s.ben.person_id),
    ]
    history = await notes.note_history(session, s.ben, s.meeting.id, s.item.id)
    assert [(r.version, r.person_id) for r in history] == [
        (2, s.ben.person_id),
        (1, s.anna.person_id),
    ]
    assert history[0].person is not None


async def test_saving_what_is_stored_leaves_no_revision(session: AsyncSession) -> None:
    s = await a_session(session)
    await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, BASE, 0, NOW)
    item, changed = await notes.save_notes(session, s.ben, s.meeting.id, s.item.id, BASE, 1, NOW)
    assert not changed and item.notes_version == 1
    # An edit from an old revision that others made already changes nothing either.
    item, changed = await notes.save_notes(session, s.ben, s.meeting.id, s.item.id, "", 0, NOW)
    assert not changed and item.notes == BASE
    assert len(await revisions(session, s.item)) == 1


async def test_bad_input_is_refused_and_nothing_changes(session: AsyncSession) -> None:
    s = await a_session(session)
    for text, version, field in [
        ("⟦meins⟧", "0", "text"),
        ("x" * (NOTES_MAX + 1), "0", "text"),
        ("Text", "", "version"),
        ("Text", "7", "version"),
        ("Text", "abc", "version"),
    ]:
        with pytest.raises(Invalid) as refused:
            await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, text, version, NOW)
        assert field in refused.value.errors
    assert await revisions(session, s.item) == []


async def test_a_closed_session_a_merged_item_another_sessions_item_and_outsiders_are_refused(
    session: AsyncSession,
) -> None:
    s = await a_session(session)
    other = await factories.meeting(session, await factories.series(session, s.group))
    foreign = AgendaItem(meeting_id=other.id, title="Anderswo", status=AgendaItemStatus.accepted)
    merged = AgendaItem(
        meeting_id=s.meeting.id, title="Doppelt", status=AgendaItemStatus.merged, position=1
    )
    session.add_all([foreign, merged])
    await session.flush()
    with pytest.raises(NotFound):
        await notes.save_notes(session, s.anna, s.meeting.id, foreign.id, "x", 0, NOW)
    with pytest.raises(Conflict):
        await notes.save_notes(session, s.anna, s.meeting.id, merged.id, "x", 0, NOW)
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await notes.save_notes(session, outsider, s.meeting.id, s.item.id, "x", 0, NOW)
    with pytest.raises(NotAllowed):
        await notes.note_history(session, outsider, s.meeting.id, s.item.id)

    s.meeting.status = MeetingStatus.closed
    await session.flush()
    with pytest.raises(Conflict) as closed:
        await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, "x", 0, NOW)
    assert "closed" in closed.value.message
    assert await revisions(session, s.item) == []


@pytest.fixture
async def committed(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a database of its own, for writers in separate transactions."""
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url, pool_size=52)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_fifty_writers_insert_words_into_the_same_notes_at_once_and_all_survive(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        s = await a_session(session)
        writers = [s.anna] + [await second_member(session, s.group) for _ in range(49)]
        await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, BASE, 0, NOW)
        meeting_id, item_id = s.meeting.id, s.item.id
    words = [f"wort{index:02d}" for index in range(50)]
    places = BASE.split(" ")

    async def write(index: int) -> None:
        at = index % len(places)
        text = " ".join([*places[:at], words[index], *places[at:]])
        async with committed() as session, session.begin():
            await notes.save_notes(session, writers[index], meeting_id, item_id, text, 1, NOW)

    await asyncio.gather(*(write(index) for index in range(50)))
    async with committed() as session:
        stored = await session.get(AgendaItem, item_id)
        assert stored is not None
        assert [word for word in words if word not in stored.notes] == []
        assert all(place in stored.notes for place in places)
        assert stored.notes_version == 51
        count = await session.scalar(
            select(func.count()).select_from(NoteRevision).where(NoteRevision.item_id == item_id)
        )
        assert count == 51


async def test_edits_saved_together_are_each_merged_and_a_refused_one_stops_no_other(
    session: AsyncSession,
) -> None:
    s = await a_session(session)
    carla = await second_member(session, s.group)
    lines = "Räume: offen\nKurse: Dienstag\nKontakt: Anna"
    await notes.save_notes(session, s.anna, s.meeting.id, s.item.id, lines, 0, NOW)
    edits = [
        notes.NoteEdit(s.anna, lines.replace("offen", "zwei Turnhallen"), 1),
        notes.NoteEdit(s.ben, lines.replace("Dienstag", "Montag"), "1"),
        notes.NoteEdit(carla, lines.replace("Dienstag", "Freitag"), 1),  # the same word: no
        notes.NoteEdit(carla, "⟦x⟧", 1),
        notes.NoteEdit(s.ben, lines, 1),  # nothing of his own: no revision
        notes.NoteEdit(carla, lines.replace("Anna", "Anna und Carla"), 1),
    ]
    saved = await notes.save_edits(session, s.meeting.id, s.item.id, edits, NOW)
    assert [(o.changed, type(o.refused).__name__) for o in saved.outcomes] == [
        (True, "NoneType"),
        (True, "NoneType"),
        (False, "NotesConflict"),
        (False, "Invalid"),
        (False, "NoneType"),
        (True, "NoneType"),
    ]
    clash = saved.outcomes[2].refused
    assert isinstance(clash, notes.NotesConflict) and clash.version == 3
    assert "Montag⟦Freitag⟧" in clash.proposal
    assert saved.item.notes == "Räume: zwei Turnhallen\nKurse: Montag\nKontakt: Anna und Carla"
    assert (saved.from_version, saved.item.notes_version) == (1, 4)
    assert sorted(saved.revisions) == [2, 3, 4]
    assert [(v, p) for v, _, p in await revisions(session, s.item)] == [
        (1, s.anna.person_id),
        (2, s.anna.person_id),
        (3, s.ben.person_id),
        (4, carla.person_id),
    ]
