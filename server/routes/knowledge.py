"""Knowledge pages: the list and its search, reading a page (public pages also without signing
in), its print view and Markdown download, its history; writing a good-practice page; editing
a page (merged like notes) and publishing a session's draft summary."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import markdown
from server.domain import knowledge, knowledge_edits, knowledge_history, knowledge_search
from server.domain.errors import Conflict, Invalid, Message
from server.routes.common import current_actor, read_session, render, unit_of_work
from server.routes.knowledge_events import announce_published

PAGE = "/knowledge/{page_id:int}"


async def list_pages(request: Request) -> Response:
    actor = await current_actor(request)
    params = {key: request.query_params.get(key, "") for key in ("q", "field", "kind")}
    async with read_session(request) as session:
        try:
            listing = await knowledge_search.list_pages(session, actor, params)
            errors: dict[str, Message] = {}
        except Invalid as exc:
            listing = await knowledge_search.list_pages(session, actor, {})
            errors = exc.errors
    return render(
        request,
        "knowledge/index.html",
        status_code=422 if errors else 200,
        listing=listing,
        params=params,
        errors=errors,
        may_write=not actor.is_anonymous and actor.is_approved,
    )


async def show_page(
    request: Request,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
    message: Message | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        view = await knowledge.page_view(session, actor, request.path_params["page_id"])
    page = view.page
    return render(
        request,
        "knowledge/show.html",
        status_code=status_code,
        page=page,
        source_card=view.source_card,
        board=view.board,
        body=markdown.page_html(page.id, page.version, page.body),
        may_edit=knowledge_edits.may_edit(actor, page),
        form=form or {"title": page.title, "body": page.body, "version": str(page.version)},
        errors=errors or {},
        message=message,
    )


async def print_page(request: Request) -> Response:
    """The page alone, laid out for paper (no navigation, links written out)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        page = await knowledge.get_page(session, actor, request.path_params["page_id"])
    body = markdown.page_html(page.id, page.version, page.body)
    return render(request, "knowledge/print.html", page=page, body=body)


async def download_page(request: Request) -> Response:
    """The page as a Markdown file, to file away."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        page = await knowledge.get_page(session, actor, request.path_params["page_id"])
    text = f"# {markdown.escape_text(page.title)}\n\n{page.body.rstrip()}\n"
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="seite-{page.id}.md"'},
    )


async def page_history(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        page, changes = await knowledge_history.page_history(
            session, actor, request.path_params["page_id"]
        )
    return render(request, "knowledge/history.html", page=page, changes=changes)


async def edit_page(request: Request) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        async with unit_of_work(request) as uow:
            await knowledge_edits.edit_page(
                uow.session, actor, request.path_params["page_id"], form, datetime.now(UTC)
            )
    except knowledge_edits.PageConflict as conflict:
        shown = {"title": form.get("title", ""), "body": conflict.proposal}
        shown["version"] = str(conflict.version)
        return await show_page(request, status_code=409, form=shown, message=conflict.reason)
    except Invalid as exc:
        return await show_page(request, status_code=422, form=form, errors=exc.errors)
    return _back(request)


async def publish_page(request: Request) -> Response:
    actor = await current_actor(request)
    form = await request.form()
    try:
        async with unit_of_work(request) as uow:
            page = await knowledge_edits.publish_page(
                uow.session,
                actor,
                request.path_params["page_id"],
                str(form.get("visibility", "")),
                datetime.now(UTC),
            )
            await announce_published(request, uow, page)
    except Invalid as exc:
        return await show_page(request, status_code=422, errors=exc.errors)
    except Conflict as exc:
        return await show_page(request, status_code=409, message=exc.reason)
    return _back(request)


async def new_page(
    request: Request,
    *,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        knowledge.require_writer(actor)
        fields = await knowledge_search.fields_of_action(session)
    return render(
        request,
        "knowledge/new.html",
        status_code=status_code,
        form=form or {"visibility": "members"},
        errors=errors or {},
        fields=fields,
    )


async def create_page(request: Request) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        async with unit_of_work(request) as uow:
            page = await knowledge_edits.write_good_practice(
                uow.session, actor, form, datetime.now(UTC)
            )
            page_id = page.id
    except Invalid as exc:
        return await new_page(request, status_code=422, form=form, errors=exc.errors)
    return RedirectResponse(str(request.url_for("knowledge_page", page_id=page_id)), 303)


def _back(request: Request) -> Response:
    url = request.url_for("knowledge_page", page_id=request.path_params["page_id"])
    return RedirectResponse(str(url.path), status_code=303)


routes = [
    Route("/knowledge", list_pages, name="knowledge"),
    Route("/knowledge/new", new_page, name="new_knowledge_page"),
    Route("/knowledge/new", create_page, methods=["POST"], name="create_knowledge_page"),
    Route(PAGE, show_page, name="knowledge_page"),
    Route(PAGE + "/print", print_page, name="print_knowledge_page"),
    Route(PAGE + "/history", page_history, name="knowledge_history"),
    Route(PAGE + "/edit", edit_page, methods=["POST"], name="edit_knowledge_page"),
    Route(PAGE + "/publish", publish_page, methods=["POST"], name="publish_knowledge_page"),
    Route("/knowledge/{page_id:int}.md", download_page, name="download_knowledge_page"),
]
