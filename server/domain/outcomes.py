"""What a session decided and who does what: decisions and action items recorded per agenda
item by the session's moderators, action items followed up by their owners (issue 6 builds
"my tasks" on them), and a need, offer or pledge raised in the session put on the group's board
in one step.

Only recorded decisions are decisions: notes stay notes, whatever their wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import cards, meeting_access, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Card,
    Decision,
    GroupMember,
    Meeting,
    MeetingStatus,
    Organisation,
    OrganisationStatus,
    Person,
    WorkingGroup,
)
from server.models.agenda import ACTION_MAX, DECISION_MAX

RECORDABLE = (MeetingStatus.planned, MeetingStatus.running)


@dataclass
class ItemOutcomes:
    item: AgendaItem
    decisions: list[Decision] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)


async def outcomes_of(session: AsyncSession, meeting: Meeting) -> list[ItemOutcomes]:
    """Every accepted or covered item of the session with its decisions and action items, in
    agenda order (the caller checked that the actor may follow the session)."""
    items = list(
        await session.scalars(
            select(AgendaItem)
            .where(
                AgendaItem.meeting_id == meeting.id,
                AgendaItem.status.in_((AgendaItemStatus.accepted, AgendaItemStatus.covered)),
            )
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    by_item = {item.id: ItemOutcomes(item) for item in items}
    if not by_item:
        return []
    for decision in await session.scalars(
        select(Decision).where(Decision.item_id.in_(by_item)).order_by(Decision.id)
    ):
        by_item[decision.item_id].decisions.append(decision)
    for action in await session.scalars(
        select(ActionItem)
        .where(ActionItem.item_id.in_(by_item))
        .options(selectinload(ActionItem.owner_organisation), selectinload(ActionItem.owner))
        .order_by(ActionItem.id)
    ):
        by_item[action.item_id].actions.append(action)
    return list(by_item.values())


async def _item_for_recording(
    session: AsyncSession, actor: Actor, meeting_id: int, item_id: int | str | None
) -> tuple[Meeting, AgendaItem]:
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    meeting_access.require_may_run(actor, meeting.series)
    if meeting.status not in RECORDABLE:
        raise Invalid(
            {"meeting": Message(N_("The session is closed; nothing can be recorded any more."))}
        )
    item = await _item_of(session, meeting, item_id)
    if item.status not in (AgendaItemStatus.accepted, AgendaItemStatus.covered):
        raise Invalid(
            {"item": Message(N_("Decisions and action items belong to items on the agenda."))}
        )
    return meeting, item


async def _item_of(session: AsyncSession, meeting: Meeting, raw: int | str | None) -> AgendaItem:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise Invalid({"item": Message(N_("Please choose an item of this session's agenda."))})
    item = await session.get(AgendaItem, int(text))
    if item is None or item.meeting_id != meeting.id:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    return item


async def record_decision(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int | str | None,
    text: str | None,
) -> tuple[Meeting, Decision]:
    """The moderator records a decision at an item."""
    meeting, item = await _item_for_recording(session, actor, meeting_id, item_id)
    errors = validation.Errors()
    cleaned = validation.text(errors, "decision", text, max_length=DECISION_MAX, required=True)
    if errors:
        raise Invalid(errors)
    decision = Decision(item_id=item.id, text=cleaned, recorded_by=actor.person_id)
    session.add(decision)
    await session.flush()
    return meeting, decision


async def record_action(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int | str | None,
    form: Mapping[str, str],
    today: date,
) -> tuple[Meeting, ActionItem]:
    """The moderator records who does what by when: an owning organisation (a member of the
    alliance) and/or a person of it, a due date that has not passed."""
    meeting, item = await _item_for_recording(session, actor, meeting_id, item_id)
    errors = validation.Errors()
    text = validation.text(
        errors, "action", form.get("action"), max_length=ACTION_MAX, required=True
    )
    organisation_id = _optional_id(errors, "owner_organisation", form.get("owner_organisation"))
    person_id = _optional_id(errors, "owner_person", form.get("owner_person"))
    due = _due(errors, form.get("due_on"), today)
    if not errors and organisation_id is None and person_id is None:
        errors.add(
            "owner_organisation", N_("Please name who does it: an organisation or a person.")
        )
    if not errors and organisation_id is not None:
        status = await session.scalar(
            select(Organisation.status).where(Organisation.id == organisation_id)
        )
        if status is not OrganisationStatus.member:
            errors.add("owner_organisation", N_("Please choose one of the offered values."))
    if not errors and person_id is not None:
        person = await session.get(Person, person_id)
        if person is None or person.removed_at is not None:
            errors.add("owner_person", N_("Please choose one of the offered values."))
        elif organisation_id is None:
            organisation_id = person.organisation_id
        elif person.organisation_id != organisation_id:
            errors.add("owner_person", N_("This person is not of the organisation named."))
    if errors:
        raise Invalid(errors)
    action = ActionItem(
        item_id=item.id,
        text=text,
        owner_organisation_id=organisation_id,
        owner_person_id=person_id,
        due_on=due,
        recorded_by=actor.person_id,
    )
    session.add(action)
    await session.flush()
    return meeting, action


async def owner_choices(session: AsyncSession, meeting: Meeting) -> list[tuple[int, str]]:
    """The organisations an action item of this session is usually given to: the group's, or
    every member organisation for the alliance's sessions."""
    query = select(Organisation.id, Organisation.name).where(
        Organisation.status == OrganisationStatus.member
    )
    if meeting.series.group_id is not None:
        query = query.join(GroupMember, GroupMember.organisation_id == Organisation.id).where(
            GroupMember.group_id == meeting.series.group_id
        )
    rows = await session.execute(query.order_by(Organisation.name))
    return [(row.id, row.name) for row in rows]


def may_update(actor: Actor, action: ActionItem, meeting: Meeting) -> bool:
    """An action item's status is changed by its owner (person, or a person of the owning
    organisation) and by the session's moderators."""
    return (
        meeting_access.may_run(actor, meeting.series)
        or (action.owner_person_id is not None and action.owner_person_id == actor.person_id)
        or (
            action.owner_organisation_id is not None
            and action.owner_organisation_id == actor.organisation_id
        )
    )


async def set_action_status(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    action_id: int,
    status: str | None,
    seen_version: str | None,
) -> tuple[Meeting, ActionItem]:
    """Move an action item (open, in progress, done, dropped); `seen_version` is the version the
    person saw, so that two changes at once do not undo each other unknowingly. Its owners may,
    also when their organisation does not follow the session (from "My tasks")."""
    rights.require_member(actor)
    meeting = await session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(selectinload(Meeting.series))
    )
    if meeting is None:
        raise NotFound(N_("This session does not exist (any more)."))
    action = await session.scalar(
        select(ActionItem)
        .join(AgendaItem, AgendaItem.id == ActionItem.item_id)
        .where(ActionItem.id == action_id, AgendaItem.meeting_id == meeting.id)
        .with_for_update(of=ActionItem)
        .execution_options(populate_existing=True)
    )
    if action is None:
        raise NotFound(N_("This action item does not exist (any more)."))
    if not may_update(actor, action, meeting):
        raise NotAllowed(N_("Only its owners and the session's moderators change an action item."))
    errors = validation.Errors()
    target = validation.choice(errors, "status", status, ActionItemStatus)
    if errors or target is None:
        raise Invalid(errors)
    if (seen_version or "").strip() != str(action.version):
        raise Conflict(N_("Someone changed this action item in the meantime; please look again."))
    if target is not action.status:
        action.status = target
        action.version += 1
        await session.flush()
    return meeting, action


async def put_on_board(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int | str | None,
    form: Mapping[str, str],
    today: date,
) -> tuple[Meeting, Card]:
    """A need, offer or pledge raised at an item goes on the working group's board in one step
    (the card's rules apply), linked to the item."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    item = await _item_of(session, meeting, item_id)
    group_id = meeting.series.group_id
    group = await session.get(WorkingGroup, group_id) if group_id is not None else None
    if group is None:
        raise Invalid(
            {"kind": Message(N_("The alliance's sessions have no board; use a group's board."))}
        )
    card = await cards.add_card(session, actor, group, form, today)
    session.add(AgendaItemCard(item_id=item.id, card_id=card.id))
    await session.flush()
    return meeting, card


def _optional_id(errors: validation.Errors, name: str, raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    errors.add(name, N_("Please choose one of the offered values."))
    return None


def _due(errors: validation.Errors, raw: str | None, today: date) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        due = date.fromisoformat(text)
    except ValueError:
        errors.add("due_on", N_("Please enter a date like 2026-12-31."))
        return None
    if due < today:
        errors.add("due_on", N_("The due date must not lie in the past."))
        return None
    return due
