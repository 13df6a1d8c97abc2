"""What a session decided, as its page shows it: the page's context for
`sessions/_outcomes.html`, and the live `outcomes` event (the same for every reader, no form or
token of anyone's own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from server.domain import channels, meeting_access, outcomes
from server.domain.actors import Actor
from server.models import Meeting
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def outcomes_page_context(
    session: AsyncSession, actor: Actor, meeting: Meeting
) -> dict[str, Any]:
    """What the session's page needs for `sessions/_outcomes.html`."""
    listed = await outcomes.outcomes_of(session, meeting)
    return {
        "outcomes": listed,
        "outcomes_may_record": meeting_access.may_run(actor, meeting.series)
        and meeting.status in outcomes.RECORDABLE,
        "outcome_updatable": {
            action.id
            for entry in listed
            for action in entry.actions
            if outcomes.may_update(actor, action, meeting)
        },
        "outcome_owners": await outcomes.owner_choices(session, meeting),
        "outcome_board": meeting.series.group_id is not None,
        "outcome_form": {},
        "outcome_errors": {},
        "outcome_item": None,
    }


async def emit_outcomes(request: Request, uow: UnitOfWork, meeting: Meeting, said: str) -> None:
    await uow.session.flush()
    listed = await outcomes.outcomes_of(uow.session, meeting)
    await uow.emit(
        channels.session_channel(meeting.id),
        "outcomes",
        render_per_locale(
            request.app.state.templates,
            "sessions/_outcomes_event.html",
            outcomes=listed,
            announcement=said,
        ),
    )
