"""A funding request's form: its fields checked all at once, the working group one of the
requesting organisation's, the need cards needs on that group's board."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import money, validation
from server.domain.errors import N_, Invalid
from server.models import Card, CardKind, GroupMember
from server.models.fund import REQUEST_TITLE_MAX

PURPOSE_MAX = 5000
MAX_CARDS = 20


@dataclass(frozen=True, slots=True)
class RequestFields:
    """A request's fields from its form, every one checked."""

    group_id: int
    title: str
    purpose: str
    amount_requested: int
    starts_on: date
    ends_on: date
    card_ids: list[int]


async def parse_request(
    session: AsyncSession,
    organisation_id: int,
    form: Mapping[str, str],
    card_ids: Sequence[str],
    today: date,
) -> RequestFields:
    """All errors at once; the group must be one of the organisation's, the cards needs on
    that group's board."""
    errors = validation.Errors()
    title = validation.text(
        errors, "title", form.get("title"), max_length=REQUEST_TITLE_MAX, required=True
    )
    purpose = validation.text(
        errors, "purpose", form.get("purpose"), max_length=PURPOSE_MAX, required=True
    )
    amount = money.parse_cents(errors, "amount", form.get("amount"))
    starts_on = _date(errors, "starts_on", form.get("starts_on"))
    ends_on = _date(errors, "ends_on", form.get("ends_on"))
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", N_("The project cannot end before it starts."))
    elif ends_on and ends_on < today:
        errors.add("ends_on", N_("The time frame must not lie entirely in the past."))
    group_id = await _group(session, errors, organisation_id, form.get("group_id"))
    cards = await _cards(session, errors, group_id, card_ids)
    if errors:
        raise Invalid(errors)
    assert amount is not None and starts_on and ends_on and group_id is not None
    return RequestFields(group_id, title, purpose, amount, starts_on, ends_on, cards)


async def _group(
    session: AsyncSession, errors: validation.Errors, organisation_id: int, raw: str | None
) -> int | None:
    text_ = (raw or "").strip()
    if text_.isascii() and text_.isdigit() and len(text_) <= 9:
        member = await session.scalar(
            select(GroupMember.group_id).where(
                GroupMember.group_id == int(text_),
                GroupMember.organisation_id == organisation_id,
            )
        )
        if member is not None:
            return int(member)
    errors.add("group_id", N_("Please choose one of the working groups of your organisation."))
    return None


async def _cards(
    session: AsyncSession, errors: validation.Errors, group_id: int | None, raw: Sequence[str]
) -> list[int]:
    wanted = list(dict.fromkeys(r.strip() for r in raw if r.strip()))
    if not wanted:
        errors.add("cards", N_("Please choose at least one need card the project answers."))
        return []
    if len(wanted) > MAX_CARDS or not all(
        w.isascii() and w.isdigit() and len(w) <= 9 for w in wanted
    ):
        errors.add("cards", N_("Please choose need cards of the working group's board."))
        return []
    if group_id is None:
        return []
    ids = [int(w) for w in wanted]
    found = set(
        await session.scalars(
            select(Card.id).where(
                Card.id.in_(ids), Card.group_id == group_id, Card.kind == CardKind.need
            )
        )
    )
    if found != set(ids):
        errors.add("cards", N_("Please choose need cards of the working group's board."))
    return ids


def columns(fields: RequestFields) -> dict[str, object]:
    return {
        "group_id": fields.group_id,
        "title": fields.title,
        "purpose": fields.purpose,
        "amount_requested": fields.amount_requested,
        "starts_on": fields.starts_on,
        "ends_on": fields.ends_on,
    }


def _date(errors: validation.Errors, field: str, raw: str | None) -> date | None:
    text_ = (raw or "").strip()
    if not text_:
        errors.add(field, N_("Please fill in this field."))
        return None
    try:
        if "." in text_:  # German writing: 31.12.2026
            day, month, year = (int(part) for part in text_.split("."))
            return date(year, month, day)
        return date.fromisoformat(text_)
    except ValueError:
        errors.add(field, N_("Please enter a date like 2026-12-31."))
        return None
