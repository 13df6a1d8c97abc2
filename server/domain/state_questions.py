"""Questions of a working group's members to its state contacts, and the answers, kept with the
group (and, once, turned into a knowledge page).

- The group's participants (its organisations' people, its moderators, the alliance admins)
  ask one of the group's active contacts.
- The addressed contact answers, or any other active contact of the same organisation in the
  group (an authority answers, not only one person of it). The answer may be edited later
  against its version: a stale write is refused, never silently overwritten.
- The asking organisation withdraws its question while it is open.
- The group's moderators, the alliance admins and the contact who answered turn an answer into
  a published knowledge page for the members, tagged with the group's field of action.

Every change locks the question first and raises its version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, knowledge, rights, state_contacts, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, NotAllowed, NotFound
from server.models import (
    FederalLevel,
    KnowledgePage,
    PageKind,
    PageVisibility,
    Person,
    StateContact,
    StateQuestion,
    StateQuestionStatus,
    WorkingGroup,
)
from server.models.state_contacts import ANSWER_MAX, QUESTION_MAX, SUBJECT_MAX

OPEN, ANSWERED, WITHDRAWN = (
    StateQuestionStatus.open,
    StateQuestionStatus.answered,
    StateQuestionStatus.withdrawn,
)
PageComposer = Callable[[StateQuestion, WorkingGroup], tuple[str, str]]
"""Title and Markdown body of an answer's knowledge page (written outside the domain, in the
alliance's language)."""


class StaleAnswer(Conflict):
    """Someone answered or changed the question since the form was loaded: `question` is as it
    is now, to read and to answer again against its version."""

    message = N_(
        "Someone else answered or changed this question in the meantime. The current answer is "
        "shown; your text is kept in the form: check it and save again."
    )

    def __init__(self, question: StateQuestion) -> None:
        super().__init__()
        self.question = question


@dataclass(frozen=True, slots=True)
class Viewer:
    """What one person may do with the questions of one group (rights decided here, so pages
    and live fragments ask the same)."""

    actor: Actor
    group_id: int
    answers_for: int | None
    """The organisation the actor answers for (as an active contact of the group), or None."""
    may_ask: bool

    def may_answer(self, question: StateQuestion) -> bool:
        return (
            self.answers_for is not None
            and question.status is not WITHDRAWN
            and question.contact.person.organisation_id == self.answers_for
        )

    def may_withdraw(self, question: StateQuestion) -> bool:
        return question.status is OPEN and question.organisation_id == self.actor.organisation_id

    def may_make_page(self, question: StateQuestion) -> bool:
        if question.status is not ANSWERED or question.knowledge_page_id is not None:
            return False
        return (
            self.actor.is_alliance_admin
            or self.actor.moderates(self.group_id)
            or (question.answered_by is not None and question.answered_by == self.actor.person_id)
        )

    def has_actions(self, question: StateQuestion) -> bool:
        return (
            self.may_answer(question) or self.may_withdraw(question) or self.may_make_page(question)
        )


async def viewer_for(session: AsyncSession, actor: Actor, group_id: int) -> Viewer:
    """The actor as a viewer of the group's questions; refuses who may not see them."""
    access = await state_contacts.require_state_access(session, actor, group_id)
    return Viewer(
        actor=actor,
        group_id=group_id,
        answers_for=actor.organisation_id if access.own is not None else None,
        may_ask=access.participant,
    )


def _with_people(query: Select[StateQuestion]) -> Select[StateQuestion]:
    return query.options(
        selectinload(StateQuestion.contact)
        .selectinload(StateContact.person)
        .selectinload(Person.organisation),
        # Every person with their organisation: a person loaded again without it (an asker who
        # is also a contact) would lose it for the page that shows both.
        selectinload(StateQuestion.asker).selectinload(Person.organisation),
        selectinload(StateQuestion.answerer).selectinload(Person.organisation),
        selectinload(StateQuestion.organisation),
        selectinload(StateQuestion.group),
    ).execution_options(populate_existing=True)


async def questions_of(session: AsyncSession, group_id: int) -> list[StateQuestion]:
    """The group's questions, newest first, withdrawn ones left out."""
    result = await session.scalars(
        _with_people(
            select(StateQuestion)
            .where(StateQuestion.group_id == group_id, StateQuestion.status != WITHDRAWN)
            .order_by(StateQuestion.created_at.desc(), StateQuestion.id.desc())
        )
    )
    return list(result)


async def get_question(
    session: AsyncSession, actor: Actor, question_id: int, *, lock: bool = False
) -> tuple[StateQuestion, Viewer]:
    """A question with its people, and the actor as its viewer (refused if they may not see
    the group's questions)."""
    if lock:
        found = await session.scalar(
            select(StateQuestion.id).where(StateQuestion.id == question_id).with_for_update()
        )
        if found is None:
            raise NotFound(N_("This question does not exist (any more)."))
    question = await session.scalar(
        _with_people(select(StateQuestion).where(StateQuestion.id == question_id))
    )
    if question is None:
        raise NotFound(N_("This question does not exist (any more)."))
    return question, await viewer_for(session, actor, question.group_id)


async def ask(
    session: AsyncSession, actor: Actor, group: WorkingGroup, form: Mapping[str, str]
) -> StateQuestion:
    """A participant of the group asks one of its active state contacts."""
    viewer = await viewer_for(session, actor, group.id)
    if not viewer.may_ask or actor.organisation_id is None:
        raise NotAllowed(
            N_(
                "Questions to the state contacts are asked by the group's organisations, its "
                "moderators and the alliance admins."
            )
        )
    errors = validation.Errors()
    contacts = {c.id: c for c in await state_contacts.list_contacts(session, group.id)}
    raw = form.get("contact_id") or ""
    contact = contacts.get(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if contact is None:
        errors.add("contact_id", N_("Please choose one of the group's state contacts."))
    subject = validation.text(
        errors, "subject", form.get("subject"), max_length=SUBJECT_MAX, required=True
    )
    text = validation.text(errors, "text", form.get("text"), max_length=QUESTION_MAX, required=True)
    if errors or contact is None:
        raise Invalid(errors)
    question = StateQuestion(
        group_id=group.id,
        contact_id=contact.id,
        asked_by=actor.person_id,
        organisation_id=actor.organisation_id,
        subject=subject,
        text=text,
        status=OPEN,
        version=1,
    )
    session.add(question)
    await session.flush()
    return (await get_question(session, actor, question.id))[0]


async def answer(
    session: AsyncSession, actor: Actor, question_id: int, form: Mapping[str, str]
) -> StateQuestion:
    """Answer a question, or change its answer, against the version the form was loaded at."""
    question, viewer = await get_question(session, actor, question_id, lock=True)
    if not viewer.may_answer(question):
        if question.status is WITHDRAWN:
            raise Conflict(N_("This question was withdrawn; it cannot be answered any more."))
        raise NotAllowed(
            N_(
                "Only the addressed state contact and the other contacts of the same "
                "authority in this group may answer."
            )
        )
    errors = validation.Errors()
    raw_version = form.get("version") or ""
    if not (raw_version.isascii() and raw_version.isdigit() and len(raw_version) < 10):
        errors.add("version", N_("The form is incomplete; please load the page again."))
    text = validation.text(
        errors, "answer", form.get("answer"), max_length=ANSWER_MAX, required=True
    )
    if errors:
        raise Invalid(errors)
    if int(raw_version) != question.version:
        raise StaleAnswer(question)
    first = question.status is OPEN
    question.answer = text
    question.status = ANSWERED
    if first:
        question.answered_by = actor.person_id
        question.answered_at = datetime.now(UTC)
    question.version += 1
    await session.flush()
    await audit.record(
        session,
        "state_question.answered" if first else "state_question.answer_changed",
        actor.person_id,
        group_id=question.group_id,
        question_id=question.id,
    )
    return (await get_question(session, actor, question.id))[0]


async def withdraw(session: AsyncSession, actor: Actor, question_id: int) -> StateQuestion:
    """The asking organisation takes back its open question."""
    question, viewer = await get_question(session, actor, question_id, lock=True)
    if question.organisation_id != actor.organisation_id:
        raise NotAllowed(N_("Only the asking organisation may withdraw its question."))
    if question.status is ANSWERED:
        raise Conflict(N_("This question has been answered; it cannot be withdrawn any more."))
    if question.status is WITHDRAWN:
        raise Conflict(N_("This question has been withdrawn already."))
    question.status = WITHDRAWN
    question.version += 1
    await session.flush()
    return question


async def make_page(
    session: AsyncSession, actor: Actor, question_id: int, compose: PageComposer
) -> KnowledgePage:
    """Publish an answered question as a knowledge page for the members (once), tagged with
    the group's field of action and written for the answering authority."""
    question, viewer = await get_question(session, actor, question_id, lock=True)
    if not viewer.may_make_page(question):
        if question.knowledge_page_id is not None:
            raise Conflict(N_("This answer is a knowledge page already."))
        if question.status is not ANSWERED:
            raise Conflict(N_("Only an answered question can become a knowledge page."))
        raise NotAllowed(
            N_(
                "Only the group's moderators, the alliance admins and the contact who answered "
                "may turn an answer into a knowledge page."
            )
        )
    group = await session.get_one(WorkingGroup, question.group_id)
    title, body = compose(question, group)
    page = await knowledge.create_page(
        session,
        actor,
        kind=PageKind.state_answer,
        title=title,
        body=body,
        visibility=PageVisibility.members,
        organisation_id=question.contact.person.organisation_id,
        group_id=group.id,
        source_card_id=None,
    )
    page.field_of_action_id = group.field_id
    page.published_at = datetime.now(UTC)
    question.knowledge_page_id = page.id
    question.version += 1
    await session.flush()
    return page


async def addressed_to(session: AsyncSession, actor: Actor) -> list[StateQuestion]:
    """The open and answered questions the actor may answer, across the groups where they are
    an active state contact: those to them and to the other contacts of their organisation."""
    rights.require_member(actor)
    if actor.person_id is None:
        return []
    mine = select(StateContact.group_id).where(
        StateContact.person_id == actor.person_id, StateContact.removed_at.is_(None)
    )
    colleagues = (
        select(StateContact.id)
        .join(Person, Person.id == StateContact.person_id)
        .where(Person.organisation_id == actor.organisation_id)
    )
    result = await session.scalars(
        _with_people(
            select(StateQuestion)
            .where(
                StateQuestion.group_id.in_(mine),
                StateQuestion.contact_id.in_(colleagues),
                StateQuestion.status != WITHDRAWN,
            )
            .order_by(StateQuestion.status, StateQuestion.created_at.desc())
        )
    )
    return list(result)


@dataclass(frozen=True, slots=True)
class QuestionMail:
    """What one e-mail about a question needs: to whom (in their language), and what."""

    recipients: list[str]
    locale: str | None
    group_name: str
    group_slug: str
    question_id: int
    subject: str
    text: str
    asker: str
    organisation: str
    answer: str
    authority: str


async def claim_asked_mail(session: AsyncSession, question_id: int) -> QuestionMail | None:
    """Mark the addressed contact told of a new question, and say what to tell them; None when
    told already, withdrawn or without an address. The caller commits once the mail server
    accepted, so a failed send is retried and a repeated job sends nothing."""
    claimed = await session.scalar(
        update(StateQuestion)
        .where(
            StateQuestion.id == question_id,
            StateQuestion.contact_notified_at.is_(None),
            StateQuestion.status != WITHDRAWN,
        )
        .values(contact_notified_at=datetime.now(UTC))
        .returning(StateQuestion.id)
    )
    if claimed is None:
        return None
    question = await _mail_question(session, question_id)
    person = question.contact.person
    return _mail(question, person, await _group(session, question))


async def claim_answered_mail(session: AsyncSession, question_id: int) -> QuestionMail | None:
    """Like `claim_asked_mail`, for telling the asker of the answer (once)."""
    claimed = await session.scalar(
        update(StateQuestion)
        .where(
            StateQuestion.id == question_id,
            StateQuestion.asker_notified_at.is_(None),
            StateQuestion.status == ANSWERED,
        )
        .values(asker_notified_at=datetime.now(UTC))
        .returning(StateQuestion.id)
    )
    if claimed is None:
        return None
    question = await _mail_question(session, question_id)
    return _mail(question, question.asker, await _group(session, question))


async def _mail_question(session: AsyncSession, question_id: int) -> StateQuestion:
    question = await session.scalar(
        _with_people(select(StateQuestion).where(StateQuestion.id == question_id))
    )
    assert question is not None
    return question


async def _group(session: AsyncSession, question: StateQuestion) -> WorkingGroup:
    return await session.get_one(WorkingGroup, question.group_id)


def _mail(
    question: StateQuestion, person: Person | None, group: WorkingGroup
) -> QuestionMail | None:
    if person is None or person.removed_at is not None or not person.email:
        return None
    return QuestionMail(
        recipients=[person.email],
        locale=person.locale,
        group_name=group.name,
        group_slug=group.slug,
        question_id=question.id,
        subject=question.subject,
        text=question.text,
        asker=question.asker.name if question.asker else "",
        organisation=question.organisation.name,
        answer=question.answer,
        authority=question.contact.authority,
    )


@dataclass(frozen=True, slots=True)
class StatePage:
    """A group's state page as one person sees it."""

    contacts: list[tuple[FederalLevel, list[StateContact]]]
    questions: list[StateQuestion]
    viewer: Viewer
    may_manage: bool
    candidates: list[Person]
    """Who may be added as a contact (for those who may manage the contacts)."""


async def state_page(session: AsyncSession, actor: Actor, group: WorkingGroup) -> StatePage:
    viewer = await viewer_for(session, actor, group.id)
    contacts = await state_contacts.list_contacts(session, group.id)
    return StatePage(
        contacts=state_contacts.by_level(contacts),
        questions=await questions_of(session, group.id),
        viewer=viewer,
        may_manage=state_contacts.may_manage_contacts(actor, group.id),
        candidates=await state_contacts.candidates(session, actor, group),
    )
