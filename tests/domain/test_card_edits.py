"""Editing and moving cards while others do: merged where possible, refused with both values
where not, every change in the history, nothing saved half-way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from server.domain import card_edits, cards, groups
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import Card, CardChange, CardStatus
from server.settings import Settings
from tests import factories
from tests.domain.cardkit import NEED, PLEDGE, TODAY, group_with_member, second_member


def edit(version: int, **fields: str) -> dict[str, str]:
    return {"version": str(version), **fields}


async def test_edits_of_different_fields_from_one_version_are_both_kept(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    card = await cards.add_card(session, anna, group, NEED, TODAY)

    await card_edits.edit_card(session, anna, group, card.id, edit(1, title="Zwei Räume"), TODAY)
    saved, changed = await card_edits.edit_card(
        session, ben, group, card.id, edit(1, region="Halle", urgency="critical"), TODAY
    )
    assert changed
    assert (saved.title, saved.region, saved.urgency.value, saved.version) == (
        "Zwei Räume",
        "Halle",
        "critical",
        3,
    )


async def test_a_stale_edit_of_the_same_field_is_refused_with_both_values(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    card = await cards.add_card(session, anna, group, NEED, TODAY)
    await card_edits.edit_card(session, anna, group, card.id, edit(1, region="Halle"), TODAY)

    with pytest.raises(card_edits.EditConflict) as refused:
        await card_edits.edit_card(
            session, ben, group, card.id, edit(1, region="Dresden", title="Neu"), TODAY
        )
    (clash,) = refused.value.clashes
    assert (clash.field, clash.mine, clash.theirs) == ("region", "Dresden", "Halle")
    assert refused.value.proposal["region"] == "Dresden"  # nothing typed is lost
    stored = await session.get(Card, card.id)
    assert stored is not None
    assert (stored.region, stored.title, stored.version) == ("Halle", NEED["title"], 2)

    # Having seen both, the person saves against the version now stored: theirs is replaced.
    saved, _ = await card_edits.edit_card(
        session, ben, group, card.id, edit(2, region="Dresden"), TODAY
    )
    assert saved.region == "Dresden"


async def test_concurrent_description_edits_in_different_places_are_merged(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    card = await cards.add_card(
        session, anna, group, {**NEED, "description": "Zwei Räume am Dienstag."}, TODAY
    )
    await card_edits.edit_card(
        session, anna, group, card.id, edit(1, description="Zwei helle Räume am Dienstag."), TODAY
    )
    saved, _ = await card_edits.edit_card(
        session, ben, group, card.id, edit(1, description="Zwei Räume am Dienstagabend."), TODAY
    )
    assert saved.description == "Zwei helle Räume am Dienstagabend."


async def test_a_description_conflict_keeps_both_texts_and_marked_text_is_not_saved(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    card = await cards.add_card(
        session, anna, group, {**NEED, "description": "Wir brauchen zwei Räume."}, TODAY
    )
    await card_edits.edit_card(
        session, anna, group, card.id, edit(1, description="Wir brauchen drei Räume."), TODAY
    )
    with pytest.raises(card_edits.EditConflict) as refused:
        await card_edits.edit_card(
            session, ben, group, card.id, edit(1, description="Wir brauchen vier Räume."), TODAY
        )
    proposal = refused.value.proposal["description"]
    assert "drei" in proposal and "⟦vier⟧" in proposal
    with pytest.raises(Invalid) as marked:
        await card_edits.edit_card(
            session, ben, group, card.id, edit(2, description=proposal), TODAY
        )
    assert "description" in marked.value.errors
    stored = await session.get(Card, card.id)
    assert stored is not None and stored.description == "Wir brauchen drei Räume."


async def test_history_keeps_who_changed_what_with_a_snapshot_per_version(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    card = await cards.add_card(session, anna, group, NEED, TODAY)
    await card_edits.edit_card(session, anna, group, card.id, edit(1, quantity="3 Räume"), TODAY)
    await cards.move_card(session, anna, group, card.id, "in_progress", "open")

    entries = await cards.history(session, anna, group, card.id)
    assert [(e.action, e.version, e.person_id) for e in entries] == [
        ("moved", 3, anna.person_id),
        ("edited", 2, anna.person_id),
        ("created", 1, anna.person_id),
    ]
    assert entries[1].changes == {"quantity": ["2 Räume, 3 Monate", "3 Räume"]}
    assert entries[0].changes == {"status": ["open", "in_progress"]}
    assert entries[0].snapshot["quantity"] == "3 Räume"
    assert entries[2].snapshot["quantity"] == "2 Räume, 3 Monate"


async def test_an_edit_that_changes_nothing_leaves_no_trace(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    card = await cards.add_card(session, anna, group, NEED, TODAY)
    _, changed = await card_edits.edit_card(
        session, anna, group, card.id, edit(1, title=NEED["title"]), TODAY
    )
    assert not changed
    assert len(await cards.history(session, anna, group, card.id)) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"version": "1", "title": "  "}, "title"),
        ({"version": "1", "title": "x" * 201}, "title"),
        ({"version": "1", "description": "d" * 10_001}, "description"),
        ({"version": "1", "resource_kind": "love"}, "resource_kind"),
        ({"version": "1", "deadline": "2026-11-01"}, "deadline"),
        ({"version": "1", "promise": ""}, "promise"),
        ({"version": "9"}, "version"),
        ({"version": "eins"}, "version"),
        ({"title": "ohne Version"}, "version"),
    ],
)
async def test_bad_edits_are_refused_and_nothing_changes(
    session: AsyncSession, fields: dict[str, str], field: str
) -> None:
    group, anna = await group_with_member(session)
    card = await cards.add_card(session, anna, group, PLEDGE, TODAY)
    with pytest.raises(Invalid) as refused:
        await card_edits.edit_card(session, anna, group, card.id, fields, TODAY)
    assert field in refused.value.errors
    stored = await session.get(Card, card.id)
    assert stored is not None and (stored.version, stored.title) == (1, PLEDGE["title"])


async def test_a_passed_deadline_may_stay_but_not_be_set(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    card = await cards.add_card(session, anna, group, PLEDGE, TODAY)
    later = date(2027, 1, 15)
    saved, _ = await card_edits.edit_card(
        session, anna, group, card.id, edit(1, title="Transporter", deadline="2026-12-31"), later
    )
    assert (saved.title, saved.deadline) == ("Transporter", date(2026, 12, 31))


async def test_a_card_of_another_board_or_outsiders_are_refused(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    other_group, bob = await group_with_member(session)
    card = await cards.add_card(session, anna, group, NEED, TODAY)
    with pytest.raises(NotFound):  # bob's own board, but the card is not on it
        await card_edits.edit_card(session, bob, other_group, card.id, edit(1, title="x"), TODAY)
    with pytest.raises(NotAllowed):
        await card_edits.edit_card(session, bob, group, card.id, edit(1, title="x"), TODAY)
    with pytest.raises(NotAllowed):
        await cards.move_card(session, bob, group, card.id, "done", "open")


async def test_moves_follow_the_card_lifecycle(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    card = await cards.add_card(session, anna, group, NEED, TODAY)

    await cards.move_card(session, ben, group, card.id, "in_progress", "open")
    await cards.move_card(session, ben, group, card.id, "done", "in_progress")
    with pytest.raises(Invalid):  # done cards are not reopened as open, only resumed
        await cards.move_card(session, ben, group, card.id, "open", "done")
    with pytest.raises(Invalid):
        await cards.move_card(session, ben, group, card.id, "matched", "done")
    with pytest.raises(Invalid):
        await cards.move_card(session, ben, group, card.id, "gone", "done")
    with pytest.raises(Conflict):  # ben saw it open: someone moved it since
        await cards.move_card(session, ben, group, card.id, "archived", "open")
    with pytest.raises(NotAllowed):  # archiving is for the card's organisation
        await cards.move_card(session, ben, group, card.id, "archived", "done")
    moved = await cards.move_card(session, anna, group, card.id, "archived", "done")
    assert moved.status is CardStatus.archived
    moderator = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id),
        moderates=(group.id,),
    )
    restored = await cards.move_card(session, moderator, group, card.id, "open", "archived")
    assert restored.status is CardStatus.open


@pytest.fixture
async def committed(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a database of its own, for writers in separate transactions."""
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url, pool_size=52)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_fifty_writers_insert_words_into_one_description_at_once_and_all_survive(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        group, anna = await group_with_member(session)
        writers = [anna] + [await second_member(session, group) for _ in range(49)]
        base = "Wir suchen Räume für Sprachkurse am Dienstag und Donnerstag."
        card = await cards.add_card(session, anna, group, {**NEED, "description": base}, TODAY)
        group_slug, card_id = group.slug, card.id
    words = [f"wort{index:02d}" for index in range(50)]
    places = base.split(" ")

    async def write(index: int) -> None:
        at = index % len(places)
        text = " ".join([*places[:at], words[index], *places[at:]])
        async with committed() as session, session.begin():
            group = await groups.get_group(session, writers[index], group_slug)
            await card_edits.edit_card(
                session, writers[index], group, card_id, edit(1, description=text), TODAY
            )

    await asyncio.gather(*(write(index) for index in range(50)))
    async with committed() as session:
        stored = await session.get(Card, card_id)
        versions = await session.scalars(
            select(CardChange.version).where(CardChange.card_id == card_id)
        )
        assert stored is not None
        assert [word for word in words if word not in stored.description] == []
        assert all(place in stored.description for place in places)
        assert sorted(versions) == list(range(1, 52))


async def test_two_stale_edits_of_one_field_at_once_one_wins_the_other_is_told(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        group, anna = await group_with_member(session)
        ben = await second_member(session, group)
        card = await cards.add_card(session, anna, group, NEED, TODAY)
        group_slug, card_id = group.slug, card.id

    async def write(actor: Actor, title: str) -> str:
        try:
            async with committed() as session, session.begin():
                group = await groups.get_group(session, actor, group_slug)
                await card_edits.edit_card(
                    session,
                    actor,
                    group,
                    card_id,
                    edit(1, title=title),
                    TODAY,
                )
            return "saved"
        except card_edits.EditConflict as refused:
            assert refused.clashes[0].mine == title
            return "told"

    results = await asyncio.gather(write(anna, "Titel von Anna"), write(ben, "Titel von Ben"))
    assert sorted(results) == ["saved", "told"]
    async with committed() as session:
        stored = await session.get(Card, card_id)
        assert stored is not None and stored.title in ("Titel von Anna", "Titel von Ben")
        assert stored.version == 2
