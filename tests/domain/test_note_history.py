"""The history of an item's notes: newest first, each revision with its author and what it
changed against the one before, a page at a time; and the word diff it shows."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import note_history
from server.domain.diffs import Segment, word_diff
from server.domain.errors import Invalid, NotAllowed, NotFound
from server.models import NoteRevision, Person
from tests import factories
from tests.domain.test_notes import a_session


def test_the_word_diff_rebuilds_both_texts_and_keeps_words_whole() -> None:
    old = "Wir brauchen Räume für Sprachkurse am Dienstag."
    new = "Wir brauchen zwei Räume für Sprachkurse am Mittwoch!"
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.kind != "removed") == new
    assert "".join(s.text for s in segments if s.kind != "added") == old
    assert [s for s in segments if s.kind != "same"] == [
        Segment("added", " zwei"),
        Segment("removed", "Dienstag."),
        Segment("added", "Mittwoch!"),
    ]
    assert word_diff("", "Neu") == [Segment("added", "Neu")]
    assert word_diff("Alt", "") == [Segment("removed", "Alt")]
    assert word_diff("", "") == []


async def test_the_history_is_newest_first_with_authors_and_changes(
    session: AsyncSession,
) -> None:
    s = await a_session(session)
    texts = [(s.anna, "Erstens."), (s.ben, "Erstens. Zweitens."), (s.anna, "Zweitens.")]
    for version, (actor, text) in enumerate(texts, start=1):
        session.add(
            NoteRevision(item_id=s.item.id, version=version, text=text, person_id=actor.person_id)
        )
    await session.flush()

    history = await note_history.note_history(session, s.ben, s.meeting.id, s.item.id)
    assert history.item.id == s.item.id and history.older is None
    anna, ben = [await session.get(Person, a.person_id) for a in (s.anna, s.ben)]
    assert anna is not None and ben is not None
    assert [(c.version, c.author) for c in history.changes] == [
        (3, anna.name),
        (2, ben.name),
        (1, anna.name),
    ]
    newest, middle, first = history.changes
    assert [(x.kind, x.text) for x in newest.segments] == [
        ("removed", "Erstens. "),
        ("same", "Zweitens."),
    ]
    assert [(x.kind, x.text) for x in middle.segments] == [
        ("same", "Erstens."),
        ("added", " Zweitens."),
    ]
    assert [(x.kind, x.text) for x in first.segments] == [("added", "Erstens.")]
    assert all(c.at is not None and c.organisation for c in history.changes)


async def test_a_long_history_comes_a_page_at_a_time(session: AsyncSession) -> None:
    s = await a_session(session)
    total = note_history.PAGE + 5
    session.add_all(
        NoteRevision(item_id=s.item.id, version=v, text=f"Stand {v}", person_id=s.anna.person_id)
        for v in range(1, total + 1)
    )
    await session.flush()
    first = await note_history.note_history(session, s.anna, s.meeting.id, s.item.id)
    assert len(first.changes) == note_history.PAGE and first.older == 6
    older = await note_history.note_history(session, s.anna, s.meeting.id, s.item.id, "6")
    assert [c.version for c in older.changes] == [5, 4, 3, 2, 1] and older.older is None
    # The last one on a page is compared with the next older revision, not with nothing.
    assert [(x.kind, x.text) for x in first.changes[-1].segments] == [
        ("same", "Stand "),
        ("removed", "5"),
        ("added", "6"),
    ]


async def test_refusals(session: AsyncSession) -> None:
    s = await a_session(session)
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await note_history.note_history(session, outsider, s.meeting.id, s.item.id)
    with pytest.raises(NotFound):
        await note_history.note_history(session, s.anna, s.meeting.id, 2**31 - 1)
    for bad in ("x", "-1", "9" * 12):
        with pytest.raises(Invalid):
            await note_history.note_history(session, s.anna, s.meeting.id, s.item.id, bad)
