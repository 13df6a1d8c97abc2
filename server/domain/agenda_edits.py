"""Editing an agenda item while others edit it too: an edit made against an older version is
merged with what was saved since, like a card's (`merging`): different fields are both kept,
the description is merged word by word, and the same field changed to different values is
refused with what it holds now, nothing of the edit saved. Only the proposer (while the item
is proposed and the session planned) and the moderators edit an item."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import agenda, meeting_access, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed
from server.domain.merging import merge_fields, merge_text
from server.models import AgendaItem, AgendaItemCard, AgendaItemStatus, Meeting, MeetingStatus
from server.models.agenda import ITEM_TEXT_MAX

EDITED_FIELDS = ("title", "description", "presenter", "planned_minutes")


async def edit_item(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    form: Mapping[str, str],
    card_ids: Sequence[str] | None = None,
) -> AgendaItem:
    """Change an item made against its version `form["version"]`: the proposer while it is
    proposed and the session planned, a moderator any item not set aside. `card_ids` (when
    given) are the item's cards from now on.

    An edit made against an older version is merged with what was saved since, when the form
    sends the values it started from (`base_title`, `base_description`, …): different fields
    are both kept, the description is merged word by word; the same field changed to
    different values is refused (`ItemEditConflict`) and nothing of the edit is saved."""
    meeting = await agenda.lock_open_meeting(session, actor, meeting_id)
    item = await agenda.get_item(session, meeting, item_id)
    _require_may_edit(actor, meeting, item)
    version = agenda.parse_id(form.get("version"))
    if version is None:
        raise Invalid({"version": Message(N_("This form is out of date. Please reload the page."))})
    errors = validation.Errors()
    values = agenda.parse_item(errors, form)
    if version != item.version and not errors:
        values = _merged_with_theirs(item, values, form)
    wanted = agenda.parse_card_ids(errors, card_ids) if card_ids is not None else None
    linked = set(
        await session.scalars(
            select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == item.id)
        )
    )
    if wanted is not None and not errors:
        await agenda.check_cards(session, actor, meeting, wanted, linked, errors)
    if errors:
        raise Invalid(errors)
    for name, value in values.items():
        setattr(item, name, value)
    if wanted is not None and set(wanted) != linked:
        await session.execute(
            delete(AgendaItemCard).where(
                AgendaItemCard.item_id == item.id, AgendaItemCard.card_id.not_in(wanted)
            )
        )
        await agenda.link_cards(session, item.id, [card for card in wanted if card not in linked])
    item.version += 1
    await session.flush()
    return item


def _require_may_edit(actor: Actor, meeting: Meeting, item: AgendaItem) -> None:
    if item.status in (AgendaItemStatus.merged, AgendaItemStatus.covered):
        raise Conflict(N_("This item was merged or covered already; it no longer changes."))
    if meeting_access.may_run(actor, meeting.series):
        return
    if item.proposed_by is None or item.proposed_by != actor.person_id:
        raise NotAllowed(N_("Only the person who proposed an item and the moderators edit it."))
    if item.status is not AgendaItemStatus.proposed or meeting.status is not MeetingStatus.planned:
        raise Conflict(
            N_("The moderator has already decided on this item; only the moderators change it.")
        )


class ItemEditConflict(Conflict):
    """A stale edit of fields someone changed meanwhile to other values; `errors` names each
    such field with what it holds now."""

    message = N_(
        "Someone else changed the same part of this item in the meantime. Your values are "
        "still in the form: save again to use them."
    )

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__()
        self.errors = errors


def _merged_with_theirs(
    item: AgendaItem, mine: dict[str, object], form: Mapping[str, str]
) -> dict[str, object]:
    """My values (edited from the form's `base_*` values) merged with the item as stored."""
    if not all(f"base_{name}" in form for name in EDITED_FIELDS):
        raise Conflict(
            N_("Someone changed this item in the meantime; please look at it again and repeat.")
        )
    base_errors = validation.Errors()
    base = agenda.parse_item(base_errors, {name: form[f"base_{name}"] for name in EDITED_FIELDS})
    theirs: dict[str, object] = {name: getattr(item, name) for name in EDITED_FIELDS}
    if base_errors:
        base = dict(theirs)
    fields = merge_fields(
        {k: v for k, v in base.items() if k != "description"},
        {k: v for k, v in mine.items() if k != "description"},
        {k: v for k, v in theirs.items() if k != "description"},
    )
    clashes: dict[str, Message] = {
        clash.field: Message(
            N_("Someone else changed this meanwhile to: %(theirs)s"), {"theirs": clash.theirs}
        )
        for clash in fields.conflicts
    }
    text = merge_text(str(base["description"]), str(mine["description"]), item.description)
    if text.conflicts:
        clashes["description"] = Message(
            N_(
                "Someone else changed the same passage of the description meanwhile. Your "
                "text is in the field: save again to use it, or adjust it."
            )
        )
    elif len(text.text) > ITEM_TEXT_MAX:
        raise Invalid(
            {
                "description": Message(
                    N_(
                        "Together with what others wrote meanwhile this is too long: "
                        "at most %(max)d characters."
                    ),
                    {"max": ITEM_TEXT_MAX},
                )
            }
        )
    if clashes:
        raise ItemEditConflict(clashes)
    return {**fields.values, "description": text.text}
