"""Redeeming a pledge over HTTP: claim, decision, report and the published knowledge page,
each saved, shown escaped, announced live and queued for e-mail."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
import pytest
import redis
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

PLEDGER = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
REDEEMER = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine, in AG Unterkunft
OUTSIDER = "tobias.richter@fh-dresden.example"  # not in AG Unterkunft
BOARD = "/groups/ag-unterkunft/board"
SCRIPT = "<script>alert(1)</script>"
REPORT = {
    "title": f"Umzüge {SCRIPT}",
    "body": f"Zwölf Wohnungen eingerichtet.\n\n{SCRIPT} Nachmachen lohnt sich.",
    "visibility": "public",
}


@dataclass
class Pledge:
    client: TestClient
    settings: Settings
    people: dict[str, int]
    card_id: int

    def act_as(self, email: str) -> None:
        sign_in(self.client, self.settings.SECRET_KEY, self.people[email])

    @property
    def card_path(self) -> str:
        return f"{BOARD}/cards/{self.card_id}"


def _fetch(settings: Settings, sql: str, *args: object) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(settings.DATABASE_URL)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.fixture
def pledge(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[Pledge]:
    """A pledge of Stadt Leipzig on the board of AG Unterkunft, for one helper."""
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[PLEDGER])
        title = "Transporter für Möbelspenden"
        response = client.post(
            f"{BOARD}/cards",
            data={
                "kind": "pledge",
                "resource_kind": "goods",
                "title": title,
                "promise": "einen Transporter für 4 Samstage",
                "condition": "zwei Fahrer:innen",
                "deadline": (date.today() + timedelta(days=30)).isoformat(),
            },
        )
        assert response.status_code == 303
        rows = _fetch(demo_settings, "SELECT id FROM cards WHERE title = $1", title)
        yield Pledge(client, demo_settings, demo_people, rows[0]["id"])


def _redemption_id(pledge: Pledge) -> int:
    rows = _fetch(
        pledge.settings,
        "SELECT id FROM pledge_redemptions WHERE pledge_id = $1",
        pledge.card_id,
    )
    return int(rows[0]["id"])


def _queued(settings: Settings, job_id: str) -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return bool(client.exists(f"arq:job:{job_id}"))
    finally:
        client.close()


def test_a_pledge_is_redeemed_confirmed_and_reported(pledge: Pledge) -> None:
    client = pledge.client
    pledge.act_as(REDEEMER)
    response = client.post(
        f"{pledge.card_path}/redemptions", data={"fulfilment": f"Zwei Fahrerinnen {SCRIPT}"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == pledge.card_path
    redemption_id = _redemption_id(pledge)
    assert _queued(pledge.settings, f"redemption-{redemption_id}-claimed")

    pledge.act_as(PLEDGER)
    page = client.get(pledge.card_path)
    assert page.status_code == 200
    view = page.context["redemption_view"]  # type: ignore[attr-defined]
    assert [r.id for r in view.redemptions if view.may_decide(r)] == [redemption_id]
    assert SCRIPT not in page.text
    assert "Zwei Fahrerinnen &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    decision = f"{BOARD}/redemptions/{redemption_id}/decision"
    assert client.post(decision, data={"decision": "confirm"}).status_code == 303
    assert client.post(decision, data={"decision": "confirm"}).status_code == 409
    assert _queued(pledge.settings, f"redemption-{redemption_id}-confirmed")

    pledge.act_as(REDEEMER)
    report_path = f"{BOARD}/redemptions/{redemption_id}/report"
    form = client.get(report_path)
    assert form.status_code == 200
    assert form.template.name == "pledges/report.html"  # type: ignore[attr-defined]
    saved = client.post(report_path, data=REPORT)
    assert saved.status_code == 303
    assert saved.headers["location"] == pledge.card_path
    assert _queued(pledge.settings, f"redemption-{redemption_id}-reported")
    status = _fetch(pledge.settings, "SELECT status FROM cards WHERE id = $1", pledge.card_id)
    assert status[0]["status"] == "done"

    page_id = _fetch(
        pledge.settings,
        "SELECT report_page_id FROM pledge_redemptions WHERE id = $1",
        redemption_id,
    )[0]["report_page_id"]
    shown = client.get(f"/knowledge/{page_id}")
    assert shown.status_code == 200
    assert SCRIPT not in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Nachmachen lohnt sich.</p>" in shown.text
    assert "<p>Zwölf Wohnungen eingerichtet.</p>" in shown.text
    assert german("Imitation explicitly welcome") in shown.text
    assert "Transporter für Möbelspenden" in shown.text
    assert f'href="{pledge.card_path}"' in shown.text

    client.cookies.clear()  # public: also without signing in, but without the board's link
    anonymous = client.get(f"/knowledge/{page_id}")
    assert anonymous.status_code == 200
    assert f'href="{pledge.card_path}"' not in anonymous.text


def test_every_step_is_announced_on_the_board(pledge: Pledge) -> None:
    group_id = _fetch(pledge.settings, "SELECT group_id FROM cards WHERE id = $1", pledge.card_id)[
        0
    ]["group_id"]

    def announcements() -> int:
        rows = _fetch(
            pledge.settings,
            "SELECT count(*) AS n FROM events WHERE channel = $1 AND name = 'card'",
            f"board:{group_id}",
        )
        return int(rows[0]["n"])

    before = announcements()
    pledge.act_as(REDEEMER)
    pledge.client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "Zwei Fahrer"})
    pledge.act_as(PLEDGER)
    redemption_id = _redemption_id(pledge)
    pledge.client.post(
        f"{BOARD}/redemptions/{redemption_id}/decision", data={"decision": "decline"}
    )
    assert announcements() == before + 2
    assert _queued(pledge.settings, f"redemption-{redemption_id}-declined")


def test_an_empty_fulfilment_shows_the_form_again(pledge: Pledge) -> None:
    pledge.act_as(REDEEMER)
    response = pledge.client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": " "})
    assert response.status_code == 422
    assert response.template.name == "pledges/redeem.html"  # type: ignore[attr-defined]
    assert set(response.context["redeem_errors"]) == {"fulfilment"}  # type: ignore[attr-defined]
    assert german("Please fill in this field.") in response.text
    assert 'aria-invalid="true"' in response.text
    assert (
        _fetch(
            pledge.settings,
            "SELECT id FROM pledge_redemptions WHERE pledge_id = $1",
            pledge.card_id,
        )
        == []
    )


def test_an_empty_report_shows_the_form_again_with_messages(pledge: Pledge) -> None:
    pledge.act_as(REDEEMER)
    pledge.client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "Zwei Fahrer"})
    redemption_id = _redemption_id(pledge)
    pledge.act_as(PLEDGER)
    pledge.client.post(
        f"{BOARD}/redemptions/{redemption_id}/decision", data={"decision": "confirm"}
    )
    pledge.act_as(REDEEMER)
    response = pledge.client.post(
        f"{BOARD}/redemptions/{redemption_id}/report",
        data={"title": "", "body": "", "visibility": "members"},
    )
    assert response.status_code == 422
    assert response.template.name == "pledges/report.html"  # type: ignore[attr-defined]
    assert set(response.context["errors"]) == {"title", "body"}  # type: ignore[attr-defined]
    assert german("Please fill in this field.") in response.text
    assert (
        _fetch(
            pledge.settings,
            "SELECT id FROM knowledge_pages WHERE source_card_id = $1",
            pledge.card_id,
        )
        == []
    )


def test_refusals_answer_with_their_reason(pledge: Pledge) -> None:
    client = pledge.client
    pledge.act_as(PLEDGER)
    own = client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "Wir selbst"})
    assert own.status_code == 403
    assert german("An organisation cannot redeem its own pledge.") in own.text

    pledge.act_as(OUTSIDER)
    assert (
        client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "x"}).status_code == 403
    )

    pledge.act_as(REDEEMER)
    client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "Zwei Fahrer"})
    redemption_id = _redemption_id(pledge)
    early = client.get(f"{BOARD}/redemptions/{redemption_id}/report")
    assert early.status_code == 409
    own_decision = client.post(
        f"{BOARD}/redemptions/{redemption_id}/decision", data={"decision": "confirm"}
    )
    assert own_decision.status_code == 403
    pledge.act_as(PLEDGER)
    bad = client.post(f"{BOARD}/redemptions/{redemption_id}/decision", data={"decision": "ja"})
    assert bad.status_code == 422
    assert client.get(f"{BOARD}/redemptions/{redemption_id}/report").status_code == 403


def test_a_members_page_sends_visitors_to_the_sign_in(pledge: Pledge) -> None:
    pledge.act_as(REDEEMER)
    pledge.client.post(f"{pledge.card_path}/redemptions", data={"fulfilment": "Zwei Fahrer"})
    redemption_id = _redemption_id(pledge)
    pledge.act_as(PLEDGER)
    pledge.client.post(
        f"{BOARD}/redemptions/{redemption_id}/decision", data={"decision": "confirm"}
    )
    pledge.act_as(REDEEMER)
    pledge.client.post(
        f"{BOARD}/redemptions/{redemption_id}/report", data={**REPORT, "visibility": "members"}
    )
    page_id = _fetch(
        pledge.settings, "SELECT id FROM knowledge_pages WHERE source_card_id = $1", pledge.card_id
    )[0]["id"]
    pledge.act_as(OUTSIDER)  # a member of the alliance, not of the group: reads it
    assert pledge.client.get(f"/knowledge/{page_id}").status_code == 200
    pledge.client.cookies.clear()
    visitor = pledge.client.get(f"/knowledge/{page_id}")
    assert visitor.status_code == 303
    assert visitor.headers["location"].startswith("/login")
    assert pledge.client.get("/knowledge/987654").status_code == 404
