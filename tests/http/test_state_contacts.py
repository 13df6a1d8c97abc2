"""The state contacts of AG Unterkunft over HTTP: the page by federal level, contacts added and
removed, questions asked, answered (htmx and plain forms), refused with clear messages, shown
escaped, announced live, queued for e-mail, and kept as a knowledge page."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest
import redis
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.errors import N_
from server.domain.state_contacts import NoStateAccess
from server.domain.state_questions import StaleAnswer
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt: the demo's Kommune contact
TOBIAS = "tobias.richter@fh-dresden.example"  # not in AG Unterkunft
STATE = "/groups/ag-unterkunft/state"
SCRIPT = "<script>alert(1)</script>"
HTMX = {"HX-Request": "true"}


@dataclass
class App:
    client: TestClient
    settings: Settings
    people: dict[str, int]

    def act_as(self, email_or_id: str | int) -> None:
        person = email_or_id if isinstance(email_or_id, int) else self.people[email_or_id]
        sign_in(self.client, self.settings.SECRET_KEY, person)

    def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(self.settings.DATABASE_URL)
            try:
                return list(await connection.fetch(sql, *args))
            finally:
                await connection.close()

        return asyncio.run(run())

    def queued(self, job_id: str) -> bool:
        client = redis.Redis.from_url(self.settings.REDIS_URL)
        try:
            return bool(client.exists(f"arq:job:{job_id}"))
        finally:
            client.close()

    def contact_id(self, email: str) -> int:
        rows = self.fetch(
            "SELECT c.id FROM state_contacts c JOIN persons p ON p.id = c.person_id "
            "WHERE p.email = $1",
            email,
        )
        return int(rows[0]["id"])


@pytest.fixture
def app(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[App]:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        yield App(client, demo_settings, demo_people)


def _ask(app: App, subject: str, **headers: str) -> object:
    form = {"contact_id": str(app.contact_id(KATRIN)), "subject": subject, "text": "Wie lange?"}
    return app.client.post(f"{STATE}/questions", data=form, headers=headers)


def _question(app: App, subject: str) -> asyncpg.Record:
    return app.fetch("SELECT * FROM state_questions WHERE subject = $1", subject)[0]


def test_the_state_page_lists_the_contacts_by_level_and_the_answered_demo_question(
    app: App,
) -> None:
    app.act_as(ANNA)
    page = app.client.get(STATE)
    assert page.status_code == 200
    assert page.template.name == "state/show.html"  # type: ignore[attr-defined]
    view = page.context["page"]  # type: ignore[attr-defined]
    assert [(level.value, [c.person.email for c in cs]) for level, cs in view.contacts] == [
        ("bund", []),
        ("land", []),
        ("kommune", [KATRIN]),
    ]
    assert [q.status.value for q in view.questions] == ["answered"]
    assert view.may_manage and view.viewer.may_ask
    assert "Stadt Leipzig – Sozialamt, Abteilung Unterbringung" in page.text
    assert 'sse-connect="/live?channel=state%3A' in page.text
    group = app.client.get("/groups/ag-unterkunft")
    assert f'href="{STATE}"' in group.text


def test_outsiders_are_refused_and_a_contact_sees_their_questions(app: App) -> None:
    app.act_as(TOBIAS)
    refused = app.client.get(STATE)
    assert refused.status_code == 403
    assert german(NoStateAccess.message) in refused.text
    assert app.client.get("/state-questions").context["questions"] == []  # type: ignore[attr-defined]
    app.act_as(KATRIN)
    mine = app.client.get("/state-questions")
    assert mine.status_code == 200
    assert [q.group.slug for q in mine.context["questions"]] == ["ag-unterkunft"]  # type: ignore[attr-defined]


def test_a_member_asks_and_the_contact_answers_live_and_by_mail(app: App) -> None:
    app.act_as(ANNA)
    subject = f"Wohnberechtigungsschein {SCRIPT}"
    response = _ask(app, subject)
    assert response.status_code == 303  # type: ignore[attr-defined]
    question = _question(app, subject)
    assert question["status"] == "open"
    assert app.queued(f"state-asked:{question['id']}")
    event = app.fetch(
        "SELECT name, data FROM events WHERE channel = $1 ORDER BY id DESC LIMIT 1",
        f"state:{question['group_id']}",
    )[0]
    assert event["name"] == "question-asked"
    assert SCRIPT not in event["data"] and "&lt;script&gt;" in event["data"]
    page = app.client.get(STATE)
    assert SCRIPT not in page.text and "Wohnberechtigungsschein &lt;script&gt;" in page.text

    app.act_as(KATRIN)
    path = f"/state-questions/{question['id']}/answer"
    answered = app.client.post(path, data={"version": "1", "answer": "Ja."}, headers=HTMX)
    assert answered.status_code == 200
    assert answered.template.name == "state/_question.html"  # type: ignore[attr-defined]
    assert f'id="question-{question["id"]}"' in answered.text
    assert app.queued(f"state-answered:{question['id']}")
    assert _question(app, subject)["status"] == "answered"
    # A second answer written against the old version is refused; the text is kept.
    stale = app.client.post(path, data={"version": "1", "answer": "Nein."}, headers=HTMX)
    assert stale.status_code == 409
    assert "Nein." in stale.text
    assert german(StaleAnswer.message) in stale.text
    empty = app.client.post(path, data={"version": "2", "answer": " "})
    assert empty.status_code == 422
    assert empty.template.name == "state/show.html"  # type: ignore[attr-defined]
    assert german(N_("Please fill in this field.")) in empty.text
    assert _question(app, subject)["answer"] == "Ja."
    names = app.fetch(
        "SELECT name FROM events WHERE channel = $1 ORDER BY id",
        f"state:{question['group_id']}",
    )
    assert [row["name"] for row in names][-2:] == ["question-asked", "question-changed"]


def test_bad_questions_are_refused_with_their_messages(app: App) -> None:
    app.act_as(ANNA)
    before = app.fetch("SELECT count(*) AS n FROM state_questions")[0]["n"]
    form = {"contact_id": "x", "subject": "y" * 201, "text": ""}
    response = app.client.post(f"{STATE}/questions", data=form)
    assert response.status_code == 422
    assert set(response.context["ask_errors"]) == {"contact_id", "subject", "text"}  # type: ignore[attr-defined]
    assert german(N_("Please choose one of the group's state contacts.")) in response.text
    partial = app.client.post(f"{STATE}/questions", data=form, headers=HTMX)
    assert partial.status_code == 422
    assert partial.template.name == "state/_ask_form.html"  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in partial.text
    assert app.fetch("SELECT count(*) AS n FROM state_questions")[0]["n"] == before


def test_an_htmx_question_gives_a_fresh_form_with_a_notice(app: App) -> None:
    app.act_as(ANNA)
    response = _ask(app, "Kita-Plätze", **HTMX)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.template.name == "state/_ask_form.html"  # type: ignore[attr-defined]
    notice = german(N_("Your question was sent to %(name)s."), name="Katrin Hoffmann")
    assert notice in response.text  # type: ignore[attr-defined]


def test_the_asker_withdraws_and_others_may_not(app: App) -> None:
    app.act_as(ANNA)
    _ask(app, "Zurückziehen")
    question = _question(app, "Zurückziehen")
    path = f"/state-questions/{question['id']}/withdraw"
    app.act_as(KATRIN)
    assert app.client.post(path).status_code == 403
    app.act_as(ANNA)
    assert app.client.post(path).status_code == 303
    assert _question(app, "Zurückziehen")["status"] == "withdrawn"
    assert app.client.post(path).status_code == 409


def test_a_moderator_adds_and_removes_a_contact(app: App) -> None:
    landkreis = app.fetch(
        "INSERT INTO persons (organisation_id, name, email) SELECT id, 'Lena Lindner', "
        "'l.lindner@nordsachsen.example' FROM organisations "
        "WHERE name = 'Landkreis Nordsachsen' RETURNING id"
    )[0]["id"]
    app.act_as(ANNA)
    page = app.client.get(STATE)
    assert landkreis in [p.id for p in page.context["page"].candidates]  # type: ignore[attr-defined]
    refused = app.client.post(
        f"{STATE}/contacts", data={"person_id": str(landkreis), "level": "none", "authority": ""}
    )
    assert refused.status_code == 422
    assert set(refused.context["contact_errors"]) == {"level", "authority"}  # type: ignore[attr-defined]
    assert german(N_("Please choose the federal level: Bund, Land or Kommune.")) in refused.text
    tobias = str(app.people[TOBIAS])  # an association's person
    wrong = app.client.post(
        f"{STATE}/contacts", data={"person_id": tobias, "level": "land", "authority": "Amt"}
    )
    assert wrong.status_code == 422
    assert set(wrong.context["contact_errors"]) == {"person_id"}  # type: ignore[attr-defined]

    form = {"person_id": str(landkreis), "level": "kommune", "authority": "Ausländerbehörde"}
    assert app.client.post(f"{STATE}/contacts", data=form).status_code == 303
    contact = app.contact_id("l.lindner@nordsachsen.example")
    assert "Ausländerbehörde" in app.client.get(STATE).text
    audit = app.fetch("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert audit[0]["action"] == "state_contact.added"
    app.act_as(KATRIN)  # a contact, not a moderator
    assert app.client.post(f"{STATE}/contacts/{contact}/remove").status_code == 403
    app.act_as(ANNA)
    assert app.client.post(f"{STATE}/contacts/{contact}/remove").status_code == 303
    assert "Ausländerbehörde" not in app.client.get(STATE).text
    # Every open state page of the group hears of both, by name, in its reader's language.
    events = app.fetch(
        "SELECT e.data FROM events e JOIN working_groups g ON e.channel = 'state:' || g.id"
        " WHERE g.slug = 'ag-unterkunft' AND e.name = 'contacts' ORDER BY e.id"
    )
    said = [json.loads(row["data"])["de"] for row in events]
    assert len(said) == 2
    assert (
        german(N_("%(name)s is now a state contact of the group."), name="Lena Lindner") in said[0]
    )
    assert (
        german(N_("%(name)s is no longer a state contact of the group."), name="Lena Lindner")
        in said[1]
    )


def test_an_answer_becomes_a_knowledge_page_once(app: App) -> None:
    question = app.fetch("SELECT id, subject FROM state_questions WHERE status = 'answered'")[0]
    path = f"/state-questions/{question['id']}/page"
    app.act_as(ANNA)
    response = app.client.post(path)
    assert response.status_code == 303
    page = app.client.get(response.headers["location"])
    assert page.status_code == 200
    assert question["subject"] in page.text
    row = app.fetch(
        "SELECT p.kind, p.visibility, p.field_of_action_id = g.field_id AS tagged "
        "FROM knowledge_pages p JOIN working_groups g ON g.id = p.group_id "
        "WHERE p.id = (SELECT knowledge_page_id FROM state_questions WHERE id = $1)",
        question["id"],
    )[0]
    assert (row["kind"], row["visibility"], row["tagged"]) == ("state_answer", "members", True)
    assert app.client.post(path).status_code == 409
    assert german(N_("This answer is a knowledge page already.")) in app.client.post(path).text


def test_a_contact_from_outside_the_group_sees_and_answers_but_does_not_ask(app: App) -> None:
    ministry = app.fetch(
        "INSERT INTO persons (organisation_id, name, email) SELECT id, 'Maria Lange', "
        "'m.lange@sms.example' FROM organisations "
        "WHERE name = 'Sächsisches Staatsministerium für Soziales' RETURNING id"
    )[0]["id"]
    app.act_as(ANNA)
    form = {"person_id": str(ministry), "level": "land", "authority": "SMS, Referat 41"}
    assert app.client.post(f"{STATE}/contacts", data=form).status_code == 303
    contact = app.contact_id("m.lange@sms.example")
    app.client.post(
        f"{STATE}/questions",
        data={"contact_id": str(contact), "subject": "Landesprogramm", "text": "Gibt es Geld?"},
    )
    question = _question(app, "Landesprogramm")

    app.act_as(ministry)
    page = app.client.get(STATE)
    assert page.status_code == 200
    assert not page.context["viewer"].may_ask  # type: ignore[attr-defined]
    assert 'id="state-ask"' not in page.text
    assert f'href="{STATE}"' in app.client.get("/groups/ag-unterkunft").text
    actions = app.client.get(f"/state-questions/{question['id']}/actions", headers=HTMX)
    assert actions.template.name == "state/_question_actions.html"  # type: ignore[attr-defined]
    assert 'name="answer"' in actions.text
    asked = {"contact_id": str(contact), "subject": "Selbst", "text": "Frage"}
    assert app.client.post(f"{STATE}/questions", data=asked).status_code == 403
    path = f"/state-questions/{question['id']}/answer"
    assert app.client.post(path, data={"version": "1", "answer": "Ja."}).status_code == 303
    assert _question(app, "Landesprogramm")["answered_by"] == ministry
