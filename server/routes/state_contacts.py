"""A working group's state contacts (by federal level) and the questions its members address to
them: asked, answered and withdrawn live on every open state page, told by e-mail after the
commit; an answer can become a knowledge page. A state contact's own list of questions too."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import i18n, state_answer_page
from server.domain import channels, groups, state_contacts, state_questions
from server.domain.errors import N_, Invalid, Message
from server.domain.events import latest_event_id
from server.models import Person, StateContact, StateQuestion, WorkingGroup
from server.routes.common import (
    current_actor,
    is_htmx,
    live_url,
    read_session,
    render,
    unit_of_work,
)
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def show_state(request: Request) -> Response:
    return await _state_page(request, request.path_params["slug"])


async def _state_page(
    request: Request, slug: str, status_code: int = 200, **forms: Any
) -> Response:
    """The state page; `forms` carries a refused form back (its values and errors)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        after = await latest_event_id(session)
        group = await groups.get_group(session, actor, slug)
        page = await state_questions.state_page(session, actor, group)
    context: dict[str, Any] = {
        "contact_form": {},
        "contact_errors": {},
        "ask_form": {},
        "ask_errors": {},
        "asked": None,
        "answer_forms": {},
        "answer_errors": {},
        **forms,
    }
    return render(
        request,
        "state/show.html",
        status_code=status_code,
        group=group,
        page=page,
        viewer=page.viewer,
        live_url=live_url(request, channels.state_channel(group.id), after),
        **context,
    )


async def add_contact(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            contact = await state_contacts.add_contact(uow.session, actor, group, form)
            await _contacts_changed(
                request, uow, group.id, contact, N_("%(name)s is now a state contact of the group.")
            )
    except Invalid as exc:
        return await _state_page(
            request, request.path_params["slug"], 422, contact_form=form, contact_errors=exc.errors
        )
    return _to_state(request, request.path_params["slug"])


async def remove_contact(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        group = await groups.get_group(uow.session, actor, request.path_params["slug"])
        contact = await state_contacts.remove_contact(
            uow.session, actor, group, request.path_params["contact_id"]
        )
        await _contacts_changed(
            request,
            uow,
            group.id,
            contact,
            N_("%(name)s is no longer a state contact of the group."),
        )
    return _to_state(request, request.path_params["slug"])


async def ask(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    slug = request.path_params["slug"]
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, slug)
            question = await state_questions.ask(uow.session, actor, group, form)
            await _announce(
                request, uow, question, "question-asked", N_("New question: %(subject)s")
            )
            uow.enqueue(
                "send_state_question_mail", question.id, job_id=f"state-asked:{question.id}"
            )
    except Invalid as exc:
        if not is_htmx(request):
            return await _state_page(request, slug, 422, ask_form=form, ask_errors=exc.errors)
        return await _ask_form(request, slug, 422, ask_form=form, ask_errors=exc.errors)
    if not is_htmx(request):
        return _to_state(request, slug)
    return await _ask_form(request, slug, asked=question)


async def answer(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    question_id = request.path_params["question_id"]
    try:
        async with unit_of_work(request) as uow:
            question = await state_questions.answer(uow.session, actor, question_id, form)
            await _announce(request, uow, question, "question-changed", N_("Answered: %(subject)s"))
            uow.enqueue(
                "send_state_answer_mail", question.id, job_id=f"state-answered:{question.id}"
            )
    except (Invalid, state_questions.StaleAnswer) as exc:
        errors = getattr(exc, "errors", None) or {"answer": Message(exc.message)}
        status = 422 if isinstance(exc, Invalid) else 409
        return await _refused_answer(request, question_id, status, form, errors)
    return await _question(request, question)


async def withdraw(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        question = await state_questions.withdraw(
            uow.session, actor, request.path_params["question_id"]
        )
        await _announce(request, uow, question, "question-changed", N_("Withdrawn: %(subject)s"))
    return await _question(request, question)


async def make_page(request: Request) -> Response:
    actor = await current_actor(request)
    locale = request.app.state.settings.DEFAULT_LOCALE

    def compose(question: StateQuestion, group: WorkingGroup) -> tuple[str, str]:
        with i18n.use_locale(locale):  # the page is the alliance's, in its language
            return state_answer_page.compose(question, group)

    async with unit_of_work(request) as uow:
        page = await state_questions.make_page(
            uow.session, actor, request.path_params["question_id"], compose
        )
        question, _ = await state_questions.get_question(
            uow.session, actor, request.path_params["question_id"]
        )
        await _announce(
            request, uow, question, "question-changed", N_("Now a knowledge page: %(subject)s")
        )
    return RedirectResponse(str(request.url_for("knowledge_page", page_id=page.id).path), 303)


async def question_actions(request: Request) -> Response:
    """What the reader may do with one question (fetched by a question that arrived live)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        question, viewer = await state_questions.get_question(
            session, actor, request.path_params["question_id"]
        )
    return render(
        request,
        "state/_question_actions.html",
        question=question,
        viewer=viewer,
        answer_forms={},
        answer_errors={},
    )


async def my_questions(request: Request) -> Response:
    """A state contact's questions across their groups (to them and to their colleagues)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        questions = await state_questions.addressed_to(session, actor)
        contact_groups = await state_contacts.contact_groups(session, actor)
    return render(request, "state/mine.html", questions=questions, contact_groups=contact_groups)


async def _contacts_changed(
    request: Request, uow: UnitOfWork, group_id: int, contact: StateContact, announcement: str
) -> None:
    """Every open state page of the group fetches its contacts and its form to ask again (both
    hold what is personal: the buttons to remove, who may be asked), announced politely."""
    person = await uow.session.get(Person, contact.person_id)
    await uow.emit(
        channels.state_channel(group_id),
        "contacts",
        render_per_locale(
            request.app.state.templates,
            "state/_contacts_event.html",
            announcement=announcement,
            person=person.name if person else "",
        ),
    )


async def _announce(
    request: Request, uow: UnitOfWork, question: StateQuestion, event: str, announcement: str
) -> None:
    """Show the question as it is now on every open state page of its group; `announcement` is
    a message id that may name the question's `%(subject)s`."""
    await uow.emit(
        channels.state_channel(question.group_id),
        event,
        render_per_locale(
            request.app.state.templates,
            "state/_question_event.html",
            question=question,
            inserted=event == "question-asked",
            announcement=announcement,
        ),
    )


async def _question(request: Request, question: StateQuestion, status: int = 200) -> Response:
    """One question with the reader's actions: the answer of an htmx form; a plain form goes
    back to the state page."""
    if not is_htmx(request):
        url = request.url_for("group_state", slug=question.group.slug)
        return RedirectResponse(f"{url.path}#question-{question.id}", status_code=303)
    actor = await current_actor(request)
    async with read_session(request) as session:
        question, viewer = await state_questions.get_question(session, actor, question.id)
    return render(
        request,
        "state/_question.html",
        status_code=status,
        question=question,
        viewer=viewer,
        answer_forms={},
        answer_errors={},
    )


async def _refused_answer(
    request: Request, question_id: int, status: int, form: dict[str, str], errors: dict[str, Any]
) -> Response:
    """The question as it is now, with the answer form keeping the refused text."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        question, viewer = await state_questions.get_question(session, actor, question_id)
    forms = {question.id: form.get("answer", "")}
    if not is_htmx(request):
        return await _state_page(
            request,
            question.group.slug,
            status,
            answer_forms=forms,
            answer_errors={question.id: errors},
        )
    return render(
        request,
        "state/_question.html",
        status_code=status,
        question=question,
        viewer=viewer,
        answer_forms=forms,
        answer_errors={question.id: errors},
    )


async def _ask_form(request: Request, slug: str, status: int = 200, **forms: Any) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        group = await groups.get_group(session, actor, slug)
        page = await state_questions.state_page(session, actor, group)
    context = {"ask_form": {}, "ask_errors": {}, "asked": None, **forms}
    return render(
        request, "state/_ask_form.html", status_code=status, group=group, page=page, **context
    )


def _to_state(request: Request, slug: str) -> Response:
    return RedirectResponse(str(request.url_for("group_state", slug=slug).path), status_code=303)


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


STATE = "/groups/{slug:str}/state"
QUESTION = "/state-questions/{question_id:int}"
routes = [
    Route(STATE, show_state, name="group_state"),
    Route(STATE + "/contacts", add_contact, methods=["POST"], name="add_state_contact"),
    Route(
        STATE + "/contacts/{contact_id:int}/remove",
        remove_contact,
        methods=["POST"],
        name="remove_state_contact",
    ),
    Route(STATE + "/questions", ask, methods=["POST"], name="ask_state_question"),
    Route("/state-questions", my_questions, name="my_state_questions"),
    Route(QUESTION + "/actions", question_actions, name="state_question_actions"),
    Route(QUESTION + "/answer", answer, methods=["POST"], name="answer_state_question"),
    Route(QUESTION + "/withdraw", withdraw, methods=["POST"], name="withdraw_state_question"),
    Route(QUESTION + "/page", make_page, methods=["POST"], name="state_question_page"),
]
