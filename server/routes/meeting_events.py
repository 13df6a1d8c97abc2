"""The agenda board of a session changed: tell every open page of the session, in each reader's
language. One `board` event per change, carrying the whole board as everyone sees it (no form,
no token of anyone's own) and a polite announcement of what changed; and what the session's
page itself needs to show the board with its personal parts (controls, one's own hand)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from server.domain import channels, meeting_live
from server.domain.actors import Actor
from server.models import Meeting
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_board(
    request: Request, uow: UnitOfWork, meeting: Meeting, announcement: str, **params: object
) -> None:
    """Publish the session's board (after the change is flushed) on its channel; `announcement`
    is a message id that may name `params`, e.g. `%(name)s`."""
    await uow.session.flush()
    board = await meeting_live.board_of(uow.session, meeting)
    await uow.emit(
        channels.session_channel(meeting.id),
        "board",
        render_per_locale(
            request.app.state.templates,
            "sessions/_board_event.html",
            board=board,
            board_now=datetime.now(UTC),
            announcement=announcement,
            announcement_params=params,
        ),
    )


async def board_page_context(
    session: AsyncSession, actor: Actor, meeting: Meeting
) -> dict[str, Any]:
    """What the session's page needs for `sessions/_board.html` and its personal parts."""
    return {
        "board": await meeting_live.board_of(session, meeting),
        "board_now": datetime.now(UTC),
        "board_page": True,
        "board_message": None,
        "board_problem_in": "",
        "board_errors": {},
        "board_outcome": "",
        "my_hand": await meeting_live.my_hand(session, actor, meeting),
        "hand_message": None,
    }
