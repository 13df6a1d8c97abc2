"""A card changed: tell every open page of its board, in each reader's language.

The event carries the card as the board shows it, with what a page needs to decide on its own
whether the card passes its filters (kind, resource, status, region, organisation, German
lexemes), so filters stay applied while changes arrive, and a polite announcement."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request

from server.domain import channels
from server.domain.boards import card_lexemes
from server.models import Card, WorkingGroup
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_card(
    request: Request, uow: UnitOfWork, group: WorkingGroup, card: Card, announcement: str
) -> None:
    """Publish `card` (after the change is flushed) on its board's channel; `announcement` is
    a message id that may name the card's `%(title)s`."""
    await uow.session.flush()
    slug = group.slug
    if card.group_id != group.id:
        slug = (
            await uow.session.scalar(
                select(WorkingGroup.slug).where(WorkingGroup.id == card.group_id)
            )
            or slug
        )
    await uow.session.refresh(card, ["organisation"])
    await uow.emit(
        channels.board_channel(card.group_id),
        "card",
        render_per_locale(
            request.app.state.templates,
            "boards/_card_event.html",
            card=card,
            slug=slug,
            lexemes=await card_lexemes(uow.session, card.id),
            announcement=announcement,
        ),
    )
