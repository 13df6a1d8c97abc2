"""The alliance fund over HTTP on the demo data: one form for a request, the committee's
decision and payout, the report, the fund's page and the export agreeing with the recorded
rows, and the refusals with their reasons."""

from __future__ import annotations

import asyncio
import csv
import io
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

COMMITTEE = "petra.neumann@engagement-stiftung.example"  # the demo's fund committee
REQUESTER = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
OUTSIDER = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden
SCRIPT = "<script>alert(1)</script>"
NEED = "Betten und Matratzen für die Erstausstattung"


@dataclass
class Fund:
    client: TestClient
    settings: Settings
    people: dict[str, int]

    def act_as(self, email: str) -> None:
        sign_in(self.client, self.settings.SECRET_KEY, self.people[email])

    def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(self.settings.DATABASE_URL)
            try:
                return list(await connection.fetch(sql, *args))
            finally:
                await connection.close()

        return asyncio.run(run())

    def request_form(self, **fields: str) -> dict[str, str | list[str]]:
        group = self.fetch("SELECT id FROM working_groups WHERE slug = 'ag-unterkunft'")[0]["id"]
        card = self.fetch("SELECT id FROM cards WHERE title = $1", NEED)[0]["id"]
        return {
            "title": f"Möbel {SCRIPT}",
            "purpose": "Betten für zwei Wohnungen.",
            "amount": "1.500",
            "starts_on": (date.today() + timedelta(days=7)).isoformat(),
            "ends_on": (date.today() + timedelta(days=60)).isoformat(),
            "group_id": str(group),
            "cards": [str(card)],
            **fields,
        }

    def submit(self, **fields: str) -> int:
        self.act_as(REQUESTER)
        response = self.client.post("/fund/requests/new", data=self.request_form(**fields))
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])

    def version(self, request_id: int) -> str:
        rows = self.fetch("SELECT version FROM funding_requests WHERE id = $1", request_id)
        return str(rows[0]["version"])


@pytest.fixture
def fund(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[Fund]:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        yield Fund(client, demo_settings, demo_people)


def _queued(settings: Settings, job_id: str) -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        return bool(client.exists(f"arq:job:{job_id}"))
    finally:
        client.close()


def _last_step(fund: Fund, request_id: int) -> int:
    rows = fund.fetch("SELECT max(id) AS id FROM funding_steps WHERE request_id = $1", request_id)
    return int(rows[0]["id"])


def test_a_request_from_submission_to_payout_and_report(fund: Fund) -> None:
    client = fund.client
    fund.act_as(REQUESTER)
    form = client.get("/fund/requests/new")
    assert form.status_code == 200
    assert form.template.name == "fund/new.html"  # type: ignore[attr-defined]
    request_id = fund.submit()
    path = f"/fund/requests/{request_id}"
    page = client.get(path)
    assert SCRIPT not in page.text and "Möbel &lt;script&gt;" in page.text
    assert page.context["view"].may_withdraw  # type: ignore[attr-defined]

    fund.act_as(COMMITTEE)
    listing = client.get("/fund")
    assert f"/fund/requests/{request_id}" in listing.text
    decision = {"decision": "approve", "amount": "1.200,00 €", "text": "Gute Idee."}
    decided = client.post(f"{path}/decision", data={**decision, "version": "1"})
    assert decided.status_code == 303 and decided.headers["location"] == path
    assert _queued(fund.settings, f"fund-step-{_last_step(fund, request_id)}")
    stale = client.post(f"{path}/decision", data={**decision, "version": "1"})
    assert stale.status_code == 409
    assert german("This request has been decided already.") in stale.text
    too_much = client.post(f"{path}/payouts", data={"amount": "1.200,01"})
    assert too_much.status_code == 422
    due = german(
        "This is more than was granted: at most %(due)s are still to be paid.", due="1.200,00 €"
    )
    assert due in too_much.text
    paid = client.post(f"{path}/payouts", data={"amount": "1200", "text": "Überwiesen"})
    assert paid.status_code == 303
    assert _queued(fund.settings, f"fund-step-{_last_step(fund, request_id)}")

    fund.act_as(REQUESTER)
    report = {"title": f"Zwei Wohnungen {SCRIPT}", "body": "Alles geliefert."}
    assert client.post(f"{path}/report", data=report).status_code == 303
    page_id = fund.fetch("SELECT report_page_id FROM funding_requests WHERE id = $1", request_id)[
        0
    ]["report_page_id"]
    shown = client.get(f"/knowledge/{page_id}")
    assert shown.status_code == 200 and SCRIPT not in shown.text
    steps = fund.fetch(
        "SELECT kind::text FROM funding_steps WHERE request_id = $1 ORDER BY id", request_id
    )
    assert [row["kind"] for row in steps] == ["submitted", "approved", "payout", "reported"]


def test_the_fund_page_and_the_export_agree_with_the_recorded_rows(fund: Fund) -> None:
    request_id = fund.submit()
    fund.act_as(COMMITTEE)
    path = f"/fund/requests/{request_id}"
    decision = {"decision": "approve", "amount": "1.000", "text": "Ja.", "version": "1"}
    assert fund.client.post(f"{path}/decision", data=decision).status_code == 303
    assert fund.client.post(f"{path}/payouts", data={"amount": "250"}).status_code == 303
    pledged = fund.fetch("SELECT sum(amount_cents) AS s FROM fund_pledges")[0]["s"]

    page = fund.client.get("/fund")
    balance = page.context["balance"]  # type: ignore[attr-defined]
    assert (balance.pledged, balance.granted, balance.paid) == (pledged, 100_000, 25_000)
    assert (balance.committed_unpaid, balance.left) == (75_000, pledged - 100_000)
    assert 'data-amount="left">39.000,00\xa0€' in page.text  # 40.000 € pledged in the demo

    export = fund.client.get("/fund/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff")), delimiter=";"))[1:]

    def total(step: str) -> int:
        return sum(round(float(r[6].replace(",", ".")) * 100) for r in rows if r[5] == step)

    assert total("pledge") == balance.pledged
    assert total("approved") == balance.granted
    assert total("payout") == balance.paid


def test_a_requester_exports_only_its_own_trail(fund: Fund) -> None:
    own = fund.submit()
    fund.act_as(OUTSIDER)
    rows = fund.client.get("/fund/export.csv").text.splitlines()
    assert len(rows) == 1  # the header: nothing of Stadt Leipzig's requests
    assert fund.client.get(f"/fund/requests/{own}").status_code == 403
    fund.act_as(REQUESTER)
    mine = fund.client.get("/fund/export.csv").text
    assert "Erstausstattung für drei Familienwohnungen" in mine  # the demo's request
    assert ";pledge;" not in mine  # the donors' pledges are in the committee's export


def test_the_export_never_hands_a_spreadsheet_a_formula(fund: Fund) -> None:
    fund.submit(title='=HYPERLINK("http://evil.example","x")', purpose="-1+1")
    fund.act_as(COMMITTEE)
    rows = list(csv.reader(io.StringIO(fund.client.get("/fund/export.csv").text), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-100", "The amount must be more than zero; negative amounts are refused."),
        ("20.000.000", "This amount is not plausible: at most 10,000,000 euros."),
        ("x", "Please enter an amount in euros, e.g. 1.500 or 1500,50."),
    ],
)
def test_a_bad_request_shows_the_form_again_and_saves_nothing(
    fund: Fund, amount: str, message: str
) -> None:
    fund.act_as(REQUESTER)
    before = fund.fetch("SELECT count(*) AS n FROM funding_requests")[0]["n"]
    response = fund.client.post("/fund/requests/new", data=fund.request_form(amount=amount))
    assert response.status_code == 422
    assert german(message) in response.text
    assert 'aria-invalid="true"' in response.text
    assert fund.fetch("SELECT count(*) AS n FROM funding_requests")[0]["n"] == before


def test_nobody_decides_on_their_own_organisations_request(fund: Fund) -> None:
    request_id = fund.submit()
    path = f"/fund/requests/{request_id}"
    decision = {"decision": "approve", "amount": "100", "text": "Selbst.", "version": "1"}
    assert fund.client.post(f"{path}/decision", data=decision).status_code == 403
    assert fund.client.post(f"{path}/payouts", data={"amount": "1"}).status_code == 403
    # Stadt Leipzig's person on the committee still may not decide on Stadt Leipzig's request.
    fund.act_as(COMMITTEE)
    role = f"/people/{fund.people[REQUESTER]}/fund-committee"
    assert fund.client.post(role, data={"committee": "1"}).status_code == 303
    fund.act_as(REQUESTER)
    assert fund.client.post(f"{path}/decision", data=decision).status_code == 403
    audit = fund.fetch("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert audit[0]["action"] == "role.fund_committee.granted"


def test_a_decision_on_a_withdrawn_request_is_refused_with_its_reason(fund: Fund) -> None:
    request_id = fund.submit()
    path = f"/fund/requests/{request_id}"
    assert fund.client.post(f"{path}/withdraw", data={"text": "Erledigt."}).status_code == 303
    fund.act_as(COMMITTEE)
    decision = {"decision": "approve", "amount": "100", "text": "Ja.", "version": "2"}
    refused = fund.client.post(f"{path}/decision", data=decision)
    assert refused.status_code == 409
    assert german("This request was withdrawn; it cannot be decided any more.") in refused.text


def test_the_committee_records_pledges(fund: Fund) -> None:
    donor = fund.fetch("SELECT id FROM organisations WHERE name = 'MediConnect GmbH'")[0]["id"]
    fund.act_as(REQUESTER)
    form = {"organisation_id": str(donor), "amount": "1.000"}
    assert fund.client.post("/fund/pledges", data=form).status_code == 403
    fund.act_as(COMMITTEE)
    refused = fund.client.post("/fund/pledges", data={**form, "amount": "-3"})
    assert refused.status_code == 422
    assert fund.client.post("/fund/pledges", data=form).status_code == 303
    rows = fund.fetch("SELECT amount_cents FROM fund_pledges WHERE organisation_id = $1", donor)
    assert [row["amount_cents"] for row in rows] == [100_000]


def test_each_change_is_announced_to_the_organisation_and_the_committee(fund: Fund) -> None:
    request_id = fund.submit()
    organisation = fund.fetch(
        "SELECT organisation_id FROM funding_requests WHERE id = $1", request_id
    )[0]["organisation_id"]
    fund.act_as(COMMITTEE)
    decision = {"decision": "info", "text": "Wie viele Betten?", "version": "1"}
    assert fund.client.post(f"/fund/requests/{request_id}/decision", data=decision).is_redirect
    rows = fund.fetch("SELECT channel, data FROM events WHERE name = 'fund' ORDER BY id")
    assert [row["channel"] for row in rows[-2:]] == [f"fund:{organisation}", "fund:committee"]
    assert SCRIPT not in rows[-1]["data"] and "Möbel &lt;script&gt;" in rows[-1]["data"]
