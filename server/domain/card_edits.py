"""Editing a card while others edit it too: structured fields and the free-text description
are merged three-way against the version the person started from (`merging`).

Different fields changed at once: both changes are kept. The same field changed to different
values: the edit is refused with both values (`EditConflict`), nothing of it is saved, and the
person decides. Concurrent edits of the description are merged word by word; only changes of
the same words conflict, and then the person gets the merged text with their words marked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.domain.merging import merge_fields, merge_text
from server.models import Card, WorkingGroup
from server.models.cards import DESCRIPTION_MAX

UNMERGED_MARKS = ("⟦", "⟧")


@dataclass(frozen=True, slots=True)
class FieldClash:
    """A field someone else changed while the person edited it too."""

    field: str
    mine: Any
    theirs: Any


class EditConflict(Conflict):
    """A stale edit of a field someone changed meanwhile. `stored` and `version` are the card as
    stored now, `proposal` the form values to show again (mine, except a conflicting
    description, which holds the merged text with my words marked)."""

    message = N_(
        "Someone else changed the same field in the meantime. Both values are shown: "
        "choose and save again."
    )

    def __init__(self, card: Card, clashes: list[FieldClash], proposal: dict[str, Any]) -> None:
        super().__init__()
        self.stored = cards.snapshot(card)
        self.version = card.version
        self.clashes = clashes
        self.proposal = proposal


async def edit_card(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    card_id: int,
    form: Mapping[str, str],
    today: date,
) -> tuple[Card, bool]:
    """Save an edit made against the card's version `form["version"]`, merged with whatever was
    saved since; says whether anything changed. Only the fields the form sends count as
    edited."""
    card = await cards.get_card(session, actor, group, card_id, lock=True)
    base = await _base(session, card, form.get("version"))
    kept = date.fromisoformat(base["deadline"]) if base.get("deadline") else None
    mine_values = cards.parse_card(
        form, today, kind=card.kind, present_only=True, kept_deadline=kept
    )
    for name in ("description", "promise", "condition"):
        if any(mark in str(mine_values.get(name, "")) for mark in UNMERGED_MARKS):
            raise Invalid(
                {name: Message(N_("Please resolve the marked passage ⟦…⟧ first, then save."))}
            )
    mine = {name: cards.to_json(value) for name, value in mine_values.items()}
    theirs = cards.snapshot(card)

    clashes: list[FieldClash] = []
    proposal = dict(mine)
    fields = merge_fields(
        {k: v for k, v in base.items() if k != "description"},
        {k: v for k, v in mine.items() if k != "description"},
        {k: v for k, v in theirs.items() if k != "description"},
    )
    clashes += [FieldClash(c.field, c.mine, c.theirs) for c in fields.conflicts]
    updates = dict(fields.updates)
    if "description" in mine:
        text = merge_text(
            str(base.get("description", "")), str(mine["description"]), str(theirs["description"])
        )
        if text.conflicts:
            clashes.append(FieldClash("description", mine["description"], theirs["description"]))
            proposal["description"] = text.text
        elif text.text != theirs["description"]:
            if len(text.text) > DESCRIPTION_MAX:
                raise Invalid(
                    {
                        "description": Message(
                            N_(
                                "Together with what others wrote meanwhile this is too long: "
                                "at most %(max)d characters."
                            ),
                            {"max": DESCRIPTION_MAX},
                        )
                    }
                )
            updates["description"] = text.text
    if clashes:
        raise EditConflict(card, clashes, proposal)
    updates.pop("status", None)
    if not updates:
        return card, False
    changes: dict[str, list[object]] = {}
    for name, value in updates.items():
        changes[name] = [theirs[name], value]
        setattr(card, name, value if name == "description" else mine_values[name])
    await cards.record_change(session, actor, card, "edited", changes)
    return card, True


async def _base(session: AsyncSession, card: Card, raw_version: str | None) -> dict[str, Any]:
    text = (raw_version or "").strip()
    version = int(text) if text.isascii() and text.isdigit() else None
    base = await cards.snapshot_at(session, card.id, version) if version else None
    if base is None:
        raise Invalid(
            {
                "version": Message(
                    N_("This form is out of date. Please reload the card and edit again.")
                )
            }
        )
    return base
