"""State contacts of a working group and the questions to them: every change and every refusal,
with nothing saved half-way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server import i18n, state_answer_page
from server.domain import channels, state_contacts, state_questions
from server.domain.actors import ANONYMOUS, Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.domain.rights import SignInRequired
from server.models import (
    AuditEntry,
    FederalLevel,
    KnowledgePage,
    OrganisationKind,
    PageKind,
    PageVisibility,
    Person,
    StateContact,
    StateQuestion,
    StateQuestionStatus,
    WorkingGroup,
)
from tests import factories

AUTHORITY = "Landesamt für Flüchtlingsangelegenheiten Berlin, Referat Unterbringung"
QUESTION = {"subject": "Kautionen", "text": "Übernimmt das Amt die Mietkaution?"}


@dataclass
class Scene:
    """A group with a member organisation (`asker`), its moderator, a municipality outside the
    group with two people (`contact`, `colleague`), a state agency person (`agency`) and a
    member of another organisation outside the group (`outsider`)."""

    group: WorkingGroup
    asker: Actor
    moderator: Actor
    contact_person: Person
    contact: Actor
    colleague_person: Person
    colleague: Actor
    agency_person: Person
    agency: Actor
    association_person: Person
    outsider: Actor
    admin: Actor


@pytest.fixture
async def scene(session: AsyncSession) -> Scene:
    group = await factories.working_group(session)
    _, asker = await factories.member_of_group(session, group, email="asker@verein.example")
    _, moderator = await factories.member_of_group(session, group)
    city = await factories.organisation(session, kind=OrganisationKind.municipality)
    contact = await factories.person(session, city.id, email="contact@stadt.example", locale="en")
    colleague = await factories.person(session, city.id, email="colleague@stadt.example")
    land = await factories.organisation(
        session, kind=OrganisationKind.state_agency, level=FederalLevel.land
    )
    agency = await factories.person(session, land.id)
    association = await factories.organisation(session)
    association_person = await factories.person(session, association.id)
    admin = await factories.person(session, association.id, is_alliance_admin=True)
    return Scene(
        group,
        factories.actor_of(asker),
        factories.actor_of(moderator, moderates=(group.id,)),
        contact,
        factories.actor_of(contact),
        colleague,
        factories.actor_of(colleague),
        agency,
        factories.actor_of(agency),
        association_person,
        factories.actor_of(association_person),
        factories.actor_of(admin),
    )


def _contact_form(person: Person, **fields: str) -> dict[str, str]:
    return {"person_id": str(person.id), "level": "kommune", "authority": AUTHORITY, **fields}


async def _add(session: AsyncSession, scene: Scene, person: Person, **fields: str) -> StateContact:
    return await state_contacts.add_contact(
        session, scene.moderator, scene.group, _contact_form(person, **fields)
    )


async def _ask(session: AsyncSession, scene: Scene, contact: StateContact) -> StateQuestion:
    form = {**QUESTION, "contact_id": str(contact.id)}
    return await state_questions.ask(session, scene.asker, scene.group, form)


async def _count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def _audit(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# Contacts


async def test_a_moderator_adds_a_contact_listed_by_level(
    session: AsyncSession, scene: Scene
) -> None:
    contact = await _add(session, scene, scene.contact_person, topics="Unterbringung")
    await _add(session, scene, scene.agency_person, level="land", authority="Landesamt")

    assert contact.level is FederalLevel.kommune and contact.authority == AUTHORITY
    assert contact.added_by == scene.moderator.person_id and contact.removed_at is None
    listed = state_contacts.by_level(await state_contacts.list_contacts(session, scene.group.id))
    assert [(level, [c.person_id for c in contacts]) for level, contacts in listed] == [
        (FederalLevel.bund, []),
        (FederalLevel.land, [scene.agency_person.id]),
        (FederalLevel.kommune, [scene.contact_person.id]),
    ]
    assert (await _audit(session))[-2:] == ["state_contact.added", "state_contact.added"]


async def test_an_alliance_admin_adds_a_contact_but_a_member_may_not(
    session: AsyncSession, scene: Scene
) -> None:
    form = _contact_form(scene.contact_person)
    assert await state_contacts.add_contact(session, scene.admin, scene.group, form)
    with pytest.raises(NotAllowed):
        await state_contacts.add_contact(session, scene.asker, scene.group, form)
    with pytest.raises(SignInRequired):
        await state_contacts.add_contact(session, ANONYMOUS, scene.group, form)


async def test_bad_contact_input_is_refused_field_by_field_and_nothing_is_saved(
    session: AsyncSession, scene: Scene
) -> None:
    before = await _count(session, StateContact)
    with pytest.raises(Invalid) as refused:
        await _add(session, scene, scene.contact_person, level="none", authority=" ")
    assert set(refused.value.errors) == {"level", "authority"}
    with pytest.raises(Invalid) as refused:
        await _add(session, scene, scene.contact_person, authority="x" * 301)
    assert set(refused.value.errors) == {"authority"}
    with pytest.raises(Invalid) as refused:
        await _add(session, scene, scene.association_person)  # not a state agency/municipality
    assert set(refused.value.errors) == {"person_id"}
    with pytest.raises(Invalid) as refused:
        await state_contacts.add_contact(
            session,
            scene.moderator,
            scene.group,
            {**_contact_form(scene.contact_person), "person_id": "x"},
        )
    assert set(refused.value.errors) == {"person_id"}
    assert await _count(session, StateContact) == before


async def test_a_contact_is_added_once_and_comes_back_after_removal(
    session: AsyncSession, scene: Scene
) -> None:
    contact = await _add(session, scene, scene.contact_person)
    with pytest.raises(Invalid):
        await _add(session, scene, scene.contact_person)
    await state_contacts.remove_contact(session, scene.moderator, scene.group, contact.id)
    assert contact.removed_at is not None
    assert await state_contacts.list_contacts(session, scene.group.id) == []
    again = await _add(session, scene, scene.contact_person, level="land", authority="Neu")
    assert again.id == contact.id and again.removed_at is None and again.level is FederalLevel.land
    assert (await _audit(session))[-3:] == [
        "state_contact.added",
        "state_contact.removed",
        "state_contact.added",
    ]


async def test_removing_needs_a_moderator_and_an_active_contact(
    session: AsyncSession, scene: Scene
) -> None:
    contact = await _add(session, scene, scene.contact_person)
    with pytest.raises(NotAllowed):
        await state_contacts.remove_contact(session, scene.asker, scene.group, contact.id)
    await state_contacts.remove_contact(session, scene.admin, scene.group, contact.id)
    with pytest.raises(NotFound):
        await state_contacts.remove_contact(session, scene.admin, scene.group, contact.id)
    with pytest.raises(NotFound):
        await state_contacts.remove_contact(session, scene.admin, scene.group, 2**31 - 1)


async def test_candidates_are_people_of_state_agencies_and_municipalities_not_yet_contacts(
    session: AsyncSession, scene: Scene
) -> None:
    await _add(session, scene, scene.contact_person)
    waiting = await factories.person(
        session, scene.colleague_person.organisation_id, awaiting_approval=True
    )
    found = {p.id for p in await state_contacts.candidates(session, scene.moderator, scene.group)}
    assert {scene.colleague_person.id, scene.agency_person.id} <= found
    assert not found & {scene.contact_person.id, scene.association_person.id, waiting.id}
    assert await state_contacts.candidates(session, scene.asker, scene.group) == []


async def test_the_state_page_is_for_participants_and_the_contacts(
    session: AsyncSession, scene: Scene
) -> None:
    await _add(session, scene, scene.contact_person)
    asker = await state_questions.viewer_for(session, scene.asker, scene.group.id)
    contact = await state_questions.viewer_for(session, scene.contact, scene.group.id)
    assert asker.may_ask and asker.answers_for is None
    # The contact's municipality is not in the group: they see and answer, but do not ask.
    assert not contact.may_ask and contact.answers_for == scene.contact.organisation_id
    assert (await state_questions.viewer_for(session, scene.admin, scene.group.id)).may_ask
    with pytest.raises(state_contacts.NoStateAccess):
        await state_questions.viewer_for(session, scene.colleague, scene.group.id)
    with pytest.raises(state_contacts.NoStateAccess):
        await state_questions.viewer_for(session, scene.outsider, scene.group.id)
    with pytest.raises(SignInRequired):
        await state_questions.viewer_for(session, ANONYMOUS, scene.group.id)


# Questions


async def test_a_participant_asks_a_contact(session: AsyncSession, scene: Scene) -> None:
    contact = await _add(session, scene, scene.contact_person)
    question = await _ask(session, scene, contact)
    assert question.status is StateQuestionStatus.open and question.version == 1
    assert question.asked_by == scene.asker.person_id
    assert question.organisation_id == scene.asker.organisation_id
    assert question.contact.person_id == scene.contact_person.id
    assert [q.id for q in await state_questions.questions_of(session, scene.group.id)] == [
        question.id
    ]


async def test_bad_questions_are_refused_and_nothing_is_saved(
    session: AsyncSession, scene: Scene
) -> None:
    contact = await _add(session, scene, scene.contact_person)
    other = await factories.working_group(session)
    elsewhere = await state_contacts.add_contact(
        session, scene.admin, other, _contact_form(scene.agency_person)
    )
    for form, fields in [
        ({"subject": "", "text": " ", "contact_id": ""}, {"subject", "text", "contact_id"}),
        ({**QUESTION, "subject": "x" * 201, "contact_id": str(contact.id)}, {"subject"}),
        ({**QUESTION, "text": "x" * 5001, "contact_id": str(contact.id)}, {"text"}),
        ({**QUESTION, "contact_id": str(elsewhere.id)}, {"contact_id"}),  # another group's
        ({**QUESTION, "contact_id": "9" * 40}, {"contact_id"}),
    ]:
        with pytest.raises(Invalid) as refused:
            await state_questions.ask(session, scene.asker, scene.group, form)
        assert set(refused.value.errors) == fields
    await state_contacts.remove_contact(session, scene.admin, scene.group, contact.id)
    with pytest.raises(Invalid):  # a removed contact is not asked any more
        await state_questions.ask(
            session, scene.asker, scene.group, {**QUESTION, "contact_id": str(contact.id)}
        )
    assert await _count(session, StateQuestion) == 0


async def test_only_participants_ask(session: AsyncSession, scene: Scene) -> None:
    contact = await _add(session, scene, scene.contact_person)
    form = {**QUESTION, "contact_id": str(contact.id)}
    with pytest.raises(NotAllowed):  # a contact whose organisation is not in the group
        await state_questions.ask(session, scene.contact, scene.group, form)
    with pytest.raises(NotAllowed):
        await state_questions.ask(session, scene.outsider, scene.group, form)


async def test_the_addressed_contact_answers_and_may_change_the_answer(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    answered = await state_questions.answer(
        session, scene.contact, question.id, {"version": "1", "answer": "Ja, als Darlehen."}
    )
    assert answered.status is StateQuestionStatus.answered and answered.version == 2
    assert answered.answer == "Ja, als Darlehen." and answered.answered_at is not None
    assert answered.answered_by == scene.contact_person.id
    changed = await state_questions.answer(
        session, scene.contact, question.id, {"version": "2", "answer": "Ja, formlos."}
    )
    assert changed.answer == "Ja, formlos." and changed.version == 3
    assert (await _audit(session))[-2:] == [
        "state_question.answered",
        "state_question.answer_changed",
    ]


async def test_a_colleague_of_the_same_authority_answers_others_do_not(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    await _add(session, scene, scene.agency_person, level="land")
    form = {"version": "1", "answer": "Ja."}
    for refused in (scene.agency, scene.asker, scene.moderator):
        with pytest.raises(NotAllowed):
            await state_questions.answer(session, refused, question.id, form)
    with pytest.raises(state_contacts.NoStateAccess):  # not yet a contact of the group
        await state_questions.answer(session, scene.colleague, question.id, form)
    await _add(session, scene, scene.colleague_person)
    answered = await state_questions.answer(session, scene.colleague, question.id, form)
    assert answered.answered_by == scene.colleague_person.id


async def test_a_stale_or_empty_answer_is_refused_and_the_stored_one_kept(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    await _add(session, scene, scene.colleague_person)
    await state_questions.answer(
        session, scene.contact, question.id, {"version": "1", "answer": "A"}
    )
    with pytest.raises(state_questions.StaleAnswer) as stale:  # the colleague loaded version 1
        await state_questions.answer(
            session, scene.colleague, question.id, {"version": "1", "answer": "B"}
        )
    assert stale.value.question.answer == "A" and stale.value.question.version == 2
    with pytest.raises(Invalid) as refused:
        await state_questions.answer(session, scene.contact, question.id, {"answer": " "})
    assert set(refused.value.errors) == {"version", "answer"}
    with pytest.raises(Invalid):
        await state_questions.answer(
            session, scene.contact, question.id, {"version": "2", "answer": "x" * 10_001}
        )
    stored = (await state_questions.get_question(session, scene.contact, question.id))[0]
    assert stored.answer == "A" and stored.version == 2
    with pytest.raises(NotFound):
        await state_questions.answer(session, scene.contact, 2**31 - 1, {"version": "1"})


async def test_the_asking_organisation_withdraws_an_open_question(
    session: AsyncSession, scene: Scene
) -> None:
    contact = await _add(session, scene, scene.contact_person)
    question = await _ask(session, scene, contact)
    with pytest.raises(NotAllowed):
        await state_questions.withdraw(session, scene.moderator, question.id)
    withdrawn = await state_questions.withdraw(session, scene.asker, question.id)
    assert withdrawn.status is StateQuestionStatus.withdrawn and withdrawn.version == 2
    assert await state_questions.questions_of(session, scene.group.id) == []
    with pytest.raises(Conflict):
        await state_questions.withdraw(session, scene.asker, question.id)
    with pytest.raises(Conflict):
        await state_questions.answer(
            session, scene.contact, question.id, {"version": "2", "answer": "x"}
        )

    answered = await _ask(session, scene, contact)
    await state_questions.answer(
        session, scene.contact, answered.id, {"version": "1", "answer": "Ja"}
    )
    with pytest.raises(Conflict):
        await state_questions.withdraw(session, scene.asker, answered.id)


async def _answered(session: AsyncSession, scene: Scene) -> StateQuestion:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    return await state_questions.answer(
        session, scene.contact, question.id, {"version": "1", "answer": "Ja.\n\nFormlos."}
    )


def _compose(question: StateQuestion, group: WorkingGroup) -> tuple[str, str]:
    with i18n.use_locale("en"):
        return state_answer_page.compose(question, group)


async def test_a_moderator_keeps_an_answer_as_a_knowledge_page_once(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _answered(session, scene)
    with pytest.raises(NotAllowed):
        await state_questions.make_page(session, scene.asker, question.id, _compose)
    page = await state_questions.make_page(session, scene.moderator, question.id, _compose)
    assert page.kind is PageKind.state_answer and page.visibility is PageVisibility.members
    assert page.field_of_action_id == scene.group.field_id and page.group_id == scene.group.id
    assert page.organisation_id == scene.contact_person.organisation_id
    assert page.published_at is not None
    assert page.title == f"{AUTHORITY} answers: Kautionen"
    for part in (
        "Übernimmt das Amt die Mietkaution?",
        "Ja.\n\nFormlos.",
        scene.contact_person.name,
        f"/groups/{scene.group.slug}/state#question-{question.id}",
    ):
        assert part in page.body
    assert question.knowledge_page_id == page.id
    with pytest.raises(Conflict):
        await state_questions.make_page(session, scene.contact, question.id, _compose)
    assert await _count(session, KnowledgePage) == 1


async def test_the_contact_who_answered_keeps_it_but_not_an_open_question(
    session: AsyncSession, scene: Scene
) -> None:
    open_question = await _ask(
        session, scene, await _add(session, scene, scene.agency_person, level="land")
    )
    with pytest.raises(Conflict):
        await state_questions.make_page(session, scene.moderator, open_question.id, _compose)
    question = await _answered(session, scene)
    page = await state_questions.make_page(session, scene.contact, question.id, _compose)
    assert page.kind is PageKind.state_answer


async def test_a_contact_lists_the_questions_to_their_authority(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    await _ask(session, scene, await _add(session, scene, scene.agency_person, level="land"))
    await _add(session, scene, scene.colleague_person)
    assert [q.id for q in await state_questions.addressed_to(session, scene.contact)] == [
        question.id
    ]
    assert [q.id for q in await state_questions.addressed_to(session, scene.colleague)] == [
        question.id
    ]
    assert await state_questions.addressed_to(session, scene.asker) == []


async def test_each_side_is_told_once_in_their_language(
    session: AsyncSession, scene: Scene
) -> None:
    question = await _ask(session, scene, await _add(session, scene, scene.contact_person))
    assert await state_questions.claim_answered_mail(session, question.id) is None  # not yet
    asked = await state_questions.claim_asked_mail(session, question.id)
    assert asked is not None
    assert asked.recipients == ["contact@stadt.example"] and asked.locale == "en"
    assert asked.subject == "Kautionen" and asked.authority == AUTHORITY
    assert await state_questions.claim_asked_mail(session, question.id) is None
    await state_questions.answer(
        session, scene.contact, question.id, {"version": "1", "answer": "Ja"}
    )
    answered = await state_questions.claim_answered_mail(session, question.id)
    assert answered is not None
    assert answered.recipients == ["asker@verein.example"] and answered.answer == "Ja"
    assert await state_questions.claim_answered_mail(session, question.id) is None


async def test_the_state_channel_is_for_participants_and_contacts(
    session: AsyncSession, scene: Scene
) -> None:
    await _add(session, scene, scene.contact_person)
    channel = channels.state_channel(scene.group.id)
    for allowed in (scene.asker, scene.moderator, scene.contact, scene.admin):
        assert await channels.authorize_channels(session, allowed, [channel]) == [channel]
    with pytest.raises(state_contacts.NoStateAccess):
        await channels.authorize_channels(session, scene.outsider, [channel])
    with pytest.raises(NotFound):
        await channels.authorize_channels(session, scene.admin, ["state:2147483647"])
