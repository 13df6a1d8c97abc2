""" "My tasks": the action items of the person and their organisation across working groups,
moved from here (the session's status route, coming back here), and live: the page follows
its organisation's `tasks` channel and fetches its list again on every change."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import channels, state_questions, tasks
from server.domain.errors import Message
from server.domain.events import latest_event_id
from server.models import StateQuestionStatus
from server.routes.common import current_actor, live_url, read_session, render


async def show_tasks(
    request: Request, *, status_code: int = 200, message: Message | None = None
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        after = await latest_event_id(session)
        found = await tasks.my_tasks(session, actor, datetime.now(UTC))
        questions = await state_questions.addressed_to(session, actor)
    assert actor.organisation_id is not None  # a member
    return render(
        request,
        "tasks/index.html",
        status_code=status_code,
        tasks=found,
        # A state contact's questions not answered yet are their tasks too.
        unanswered=[q for q in questions if q.status is StateQuestionStatus.open],
        today=datetime.now(UTC).date(),
        live_url=live_url(request, channels.tasks_channel(actor.organisation_id), after),
        message=message,
    )


async def show_task_list(request: Request) -> Response:
    """The list alone, fetched again when a `tasks` event says something changed."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        found = await tasks.my_tasks(session, actor, datetime.now(UTC))
    return render(
        request, "tasks/_list.html", tasks=found, today=datetime.now(UTC).date(), message=None
    )


routes = [
    Route("/tasks", show_tasks, name="tasks"),
    Route("/tasks/list", show_task_list, name="task_list"),
]
