"""An action item was recorded or moved: the "My tasks" pages of its owners hear it (a `tasks`
event on their organisation's channel; the page fetches its list again, which holds each
reader's own forms)."""

from __future__ import annotations

from starlette.requests import Request

from server.domain import channels
from server.models import ActionItem, Person
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_tasks(request: Request, uow: UnitOfWork, action: ActionItem) -> None:
    organisations = {action.owner_organisation_id}
    if action.owner_person_id is not None:
        person = await uow.session.get(Person, action.owner_person_id)
        organisations.add(person.organisation_id if person is not None else None)
    for organisation_id in sorted(o for o in organisations if o is not None):
        await uow.emit(
            channels.tasks_channel(organisation_id),
            "tasks",
            render_per_locale(request.app.state.templates, "tasks/_event.html", action=action),
        )
