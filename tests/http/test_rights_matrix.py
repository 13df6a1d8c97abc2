"""Every route × every role, over real HTTP against the app in its own process.

The rules are a table kept next to the route table: a route without a rule fails the test, so
nobody adds a page without deciding who may use it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from server.app import create_app
from server.settings import Settings
from tests.conftest import Servers
from tests.sessions import sign_in

ROLES = ["anonymous", "other_member", "member", "moderator", "org_admin", "alliance_admin"]
GROUP = "ag-unterkunft"

OK, SIGN_IN, FORBIDDEN = "ok", "sign in", "forbidden"
EVERYONE = dict.fromkeys(ROLES, OK)
MEMBERS = {**dict.fromkeys(ROLES, OK), "anonymous": SIGN_IN}
ADMINS_ONLY = {**dict.fromkeys(ROLES, FORBIDDEN), "anonymous": SIGN_IN, "alliance_admin": OK}
MODERATORS = {**ADMINS_ONLY, "moderator": OK}
ORGANISATION_ADMINS = {**ADMINS_ONLY, "org_admin": OK}
BOARD_USERS = {**MEMBERS, "other_member": FORBIDDEN}  # the group's organisations, moderators
NOBODY_WITHOUT_IDENTITY = dict.fromkeys(ROLES, SIGN_IN)  # needs a verified, unknown identity
# The redeeming organisation of the matrix's pledges is the member's (and the org admin's).
REDEEMERS = {**dict.fromkeys(ROLES, FORBIDDEN), "anonymous": SIGN_IN, "member": OK, "org_admin": OK}
# The fund: the matrix's funding request is the member's organisation's (approved, partly paid);
# the demo's alliance admin sits on the fund committee, which sees every request and decides.
REQUESTERS = REDEEMERS
FUND_COMMITTEE = ADMINS_ONLY
REQUEST_READERS = {**REQUESTERS, "alliance_admin": OK}
FUNDING_REQUEST = "/fund/requests/{request_id:int}"
# The member is a state contact of the group for its organisation (Stadt Leipzig), whose
# contact the demo question is addressed to: among the roles only they answer it.
STATE_ANSWERERS = {**dict.fromkeys(ROLES, FORBIDDEN), "anonymous": SIGN_IN, "member": OK}
# A group's session: its organisations' people, its moderators, the alliance admins (and the
# invited; none of the roles is invited otherwise).
PARTICIPANTS = BOARD_USERS
AGENDA_ITEM = "/sessions/{meeting_id:int}/agenda/{item_id:int}"
# Sockets, with the tests of who may open them.
SOCKETS = {"/sessions/{meeting_id:int}/notes/socket": "tests/http/test_note_socket.py"}


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # the route's path with its parameters filled in
    expected: dict[str, str]
    data: dict[str, str] | None = None
    filled: str | None = None  # the path to request, when its parameters need their own values


def rules(ids: dict[str, int]) -> dict[tuple[str, str], Rule]:
    """(method, route path template) -> what each role gets."""
    outsider = str(ids["outsider_organisation"])
    provider = {
        "organisation_id": str(ids.get("provider_organisation", 0)),
        "issuer": "https://login.matrix.example",
        "client_id": "knotenpunkt",
        "client_secret": "geheim",
        "email_domains": "matrix.example",
    }
    approve, decline = ids.get("approve_request", 0), ids.get("decline_request", 0)
    report = {"title": "Vier Samstage", "body": "Es hat geklappt.", "visibility": "members"}
    table = [
        Rule("GET", "/login", EVERYONE),
        Rule("POST", "/login", EVERYONE, {"email": "someone@unknown.example"}),
        Rule("GET", "/auth/callback", EVERYONE),
        Rule("GET", "/join-request", NOBODY_WITHOUT_IDENTITY),
        Rule("POST", "/join-request", NOBODY_WITHOUT_IDENTITY, {"organisation_name": "X"}),
        Rule("POST", "/logout", EVERYONE),
        Rule("GET", "/profile", MEMBERS),
        Rule("GET", "/profile/data.json", MEMBERS),
        Rule("GET", "/organisations/{organisation_id:int}/people", ORGANISATION_ADMINS),
        Rule("POST", "/people/{person_id:int}/remove", ORGANISATION_ADMINS),
        Rule("POST", "/people/{person_id:int}/approve", ORGANISATION_ADMINS),
        Rule(
            "POST",
            "/people/{person_id:int}/organisation-admin",
            ORGANISATION_ADMINS,
            {"admin": "1"},
        ),
        Rule("GET", "/", MEMBERS),
        Rule("GET", "/language/{locale:str}", EVERYONE),
        Rule("GET", "/organisations", MEMBERS),
        Rule("GET", "/organisations/new", ADMINS_ONLY),
        Rule(
            "POST",
            "/organisations",
            ADMINS_ONLY,
            {"name": "Neu e. V.", "kind": "association", "federal_level": "none"},
        ),
        Rule("GET", "/organisations/{organisation_id:int}", MEMBERS),
        Rule("GET", "/groups/{slug:str}", MEMBERS),
        # adding an organisation that is neither the actor's own nor in the group
        Rule("POST", "/groups/{slug:str}/members", MODERATORS, {"organisation_id": outsider}),
        Rule("GET", "/admin", ADMINS_ONLY),
        Rule("GET", "/admin/join-requests", ADMINS_ONLY),
        Rule(
            "POST",
            "/admin/join-requests/{join_request_id:int}/approve",
            ADMINS_ONLY,
            filled=f"/admin/join-requests/{approve}/approve",
        ),
        Rule(
            "POST",
            "/admin/join-requests/{join_request_id:int}/decline",
            ADMINS_ONLY,
            {"reason": "Keine Organisation."},
            filled=f"/admin/join-requests/{decline}/decline",
        ),
        Rule("GET", "/admin/providers", ADMINS_ONLY),
        Rule("GET", "/admin/providers/new", ADMINS_ONLY),
        Rule("POST", "/admin/providers", ADMINS_ONLY, {**provider, "organisation_id": outsider}),
        Rule("GET", "/admin/providers/{provider_id:int}", ADMINS_ONLY),
        Rule("POST", "/admin/providers/{provider_id:int}", ADMINS_ONLY, provider),
        Rule("GET", "/admin/audit", ADMINS_ONLY),
        Rule("POST", "/groups/{slug:str}/moderators", ADMINS_ONLY, {"person_id": "x"}),
        Rule("POST", "/groups/{slug:str}/moderators/{person_id:int}/remove", ADMINS_ONLY),
        Rule("GET", "/groups/{slug:str}/board", BOARD_USERS),
        Rule(
            "POST",
            "/groups/{slug:str}/board/cards",
            BOARD_USERS,
            {"kind": "need", "resource_kind": "time", "title": "Hilfe beim Umzug"},
        ),
        # summaries of open cards: for every approved member (details stay on the boards)
        Rule("GET", "/groups/{slug:str}/board/similar", MEMBERS),
        Rule("GET", "/needs", MEMBERS),
        Rule("GET", "/groups/{slug:str}/board/cards/{card_id:int}", BOARD_USERS),
        Rule(
            "POST",
            "/groups/{slug:str}/board/cards/{card_id:int}/edit",
            BOARD_USERS,
            {"version": "1", "title": "Umzugshilfe gesucht"},
        ),
        # The first mover moves it; everyone after is told it is there already (422).
        Rule(
            "POST",
            "/groups/{slug:str}/board/cards/{card_id:int}/status",
            BOARD_USERS,
            {"status": "in_progress"},
        ),
        Rule(
            "POST",
            "/groups/{slug:str}/board/cards/{card_id:int}/matches",
            BOARD_USERS,
            {"other": "x"},
        ),
        # A pledge of an organisation none of the roles belongs to; an empty fulfilment (422)
        # shows who gets past the rights.
        Rule(
            "POST",
            "/groups/{slug:str}/board/cards/{card_id:int}/redemptions",
            BOARD_USERS,
            {"fulfilment": ""},
            filled=f"/groups/{GROUP}/board/cards/{ids.get('pledge', 0)}/redemptions",
        ),
        # Each role decides on a redemption of its own: the pledger's organisation is none of
        # the roles', so the moderator and the alliance admin decide for it.
        Rule(
            "POST",
            "/groups/{slug:str}/board/redemptions/{redemption_id:int}/decision",
            MODERATORS,
            {"decision": "confirm"},
        ),
        Rule("GET", "/groups/{slug:str}/board/redemptions/{redemption_id:int}/report", REDEEMERS),
        Rule(
            "POST",
            "/groups/{slug:str}/board/redemptions/{redemption_id:int}/report",
            REDEEMERS,
            report,
        ),
        Rule("GET", "/tasks", MEMBERS),
        Rule("POST", "/profile/notifications", MEMBERS, {"digest": "x"}),
        Rule("GET", "/tasks/list", MEMBERS),
        Rule("GET", "/knowledge", EVERYONE),
        Rule("GET", "/knowledge/new", MEMBERS),
        Rule("POST", "/knowledge/new", MEMBERS, {"title": ""}),
        Rule("GET", "/knowledge/{page_id:int}/print", MEMBERS),
        Rule("GET", "/knowledge/{page_id:int}/history", MEMBERS),
        Rule("GET", "/knowledge/{page_id:int}.md", MEMBERS),
        # The page's editors: its organisation's people, the group's moderators, the admins
        # (refused as input: no version, no visibility).
        Rule("POST", "/knowledge/{page_id:int}/edit", BOARD_USERS, {"version": "x"}),
        Rule("POST", "/knowledge/{page_id:int}/publish", BOARD_USERS, {"visibility": "x"}),
        Rule("GET", "/knowledge/{page_id:int}", MEMBERS),  # a page for the members
        Rule(
            "GET",
            "/knowledge/{page_id:int}",
            EVERYONE,
            filled=f"/knowledge/{ids.get('public_page', 0)}",
        ),
        # Sessions: the alliance's list, starting series (invalid forms: 422 shows who gets
        # past the rights), the session of the group, its calendar file, answers, the
        # invitation list (each role takes another person's entry off it) and invitations.
        Rule("GET", "/sessions", MEMBERS),
        Rule("POST", "/sessions/series", ADMINS_ONLY, {"title": ""}),
        Rule("POST", "/groups/{slug:str}/series", MODERATORS, {"title": ""}),
        Rule("POST", "/series/{series_id:int}/plan", MODERATORS, {"count": "0"}),
        Rule("GET", "/sessions/{meeting_id:int}", PARTICIPANTS),
        Rule("GET", "/sessions/{meeting_id:int}/calendar.ics", PARTICIPANTS),
        Rule("POST", "/sessions/{meeting_id:int}/edit", MODERATORS, {"date": ""}),
        Rule("POST", "/sessions/{meeting_id:int}/registration", PARTICIPANTS, {"attending": "?"}),
        Rule("POST", "/sessions/{meeting_id:int}/invitations", MODERATORS),
        Rule("POST", "/sessions/{meeting_id:int}/cancel", MODERATORS),
        Rule(
            "POST",
            "/sessions/{meeting_id:int}/subscriptions",
            PARTICIPANTS,
            {"organisation_id": "x"},
        ),
        Rule(
            "POST",
            "/sessions/{meeting_id:int}/subscriptions/{subscription_id:int}/remove",
            MODERATORS,
        ),
        # The agenda board of the (planned) session: who gets past the rights is refused as
        # input (422: not started, no version), so the board stays as it is for every role.
        Rule("GET", "/sessions/{meeting_id:int}/board/controls", MODERATORS),
        Rule("POST", "/sessions/{meeting_id:int}/start", MODERATORS),
        Rule("POST", "/sessions/{meeting_id:int}/close", MODERATORS),
        Rule("GET", "/sessions/{meeting_id:int}/registrations", MODERATORS),
        Rule("GET", "/sessions/{meeting_id:int}/summary", MODERATORS),
        Rule("GET", "/sessions/{meeting_id:int}/invitation-list", PARTICIPANTS),
        Rule("GET", "/sessions/{meeting_id:int}/items/{item_id:int}/notes/history", PARTICIPANTS),
        Rule("GET", "/sessions/{meeting_id:int}/items/{item_id:int}/notes", PARTICIPANTS),
        Rule("POST", "/sessions/{meeting_id:int}/current", MODERATORS, {"item_id": "x"}),
        Rule("POST", "/sessions/{meeting_id:int}/next", MODERATORS),
        Rule("POST", "/sessions/{meeting_id:int}/previous", MODERATORS),
        Rule(
            "POST",
            "/sessions/{meeting_id:int}/items/{item_id:int}/close",
            MODERATORS,
            {"outcome": ""},
            filled=f"/sessions/{ids.get('meeting', 0)}/items/0/close",
        ),
        Rule("POST", "/sessions/{meeting_id:int}/decisions", MODERATORS, {"item": "x"}),
        Rule("POST", "/sessions/{meeting_id:int}/actions", MODERATORS, {"item": "x"}),
        Rule("POST", "/sessions/{meeting_id:int}/cards", PARTICIPANTS, {"item": "x"}),
        # The matrix's action item belongs to the organisation of member and org admin.
        Rule(
            "POST",
            "/sessions/{meeting_id:int}/actions/{action_id:int}/status",
            {**BOARD_USERS, "moderator": OK},
            {"status": "x"},
            filled=f"/sessions/{ids.get('meeting', 0)}/actions/{ids.get('action', 0)}/status",
        ),
        Rule("POST", "/sessions/{meeting_id:int}/hand", PARTICIPANTS),
        # Notes on an item: whoever gets past the rights is refused as input (no version).
        Rule(
            "POST",
            "/sessions/{meeting_id:int}/items/{item_id:int}/notes",
            PARTICIPANTS,
            {"text": "Matrix", "version": "x"},
        ),
        Rule("POST", "/sessions/{meeting_id:int}/hand/lower", PARTICIPANTS),
        *(
            Rule(
                "POST",
                f"/sessions/{{meeting_id:int}}/speakers/{{speaker_id:int}}/{action}",
                MODERATORS,
                {"direction": "up"},
                filled=f"/sessions/{ids.get('meeting', 0)}/speakers/0/{action}",
            )
            for action in ("floor", "remove", "move")
        ),
        # The agenda: each role acts on an item it proposed itself (invalid forms: 422 shows
        # who gets past the rights); the moderators accept and defer it; each role withdraws
        # another item of its own.
        Rule("POST", "/sessions/{meeting_id:int}/agenda", PARTICIPANTS, {"title": ""}),
        Rule("POST", AGENDA_ITEM + "/edit", PARTICIPANTS, {"version": "x"}),
        Rule("POST", AGENDA_ITEM + "/accept", MODERATORS),
        Rule("POST", AGENDA_ITEM + "/defer", MODERATORS),
        Rule("POST", AGENDA_ITEM + "/merge", MODERATORS, {"target": "x"}),
        Rule("POST", AGENDA_ITEM + "/move", MODERATORS, {"direction": "x"}),
        Rule("POST", AGENDA_ITEM + "/withdraw", PARTICIPANTS),
        Rule(
            "POST", "/sessions/{meeting_id:int}/agenda/suggestions/take", MODERATORS, {"kind": "x"}
        ),
        # State contacts: the group's participants (and its contacts) see them and ask
        # (invalid forms: 422 shows who gets past the rights); the moderators manage the
        # contacts, each role removing one of its own. Each role withdraws an open question of
        # the member's organisation and keeps an answered question of its own as a page.
        Rule("GET", "/groups/{slug:str}/state", BOARD_USERS),
        Rule("POST", "/groups/{slug:str}/state/contacts", MODERATORS, {"person_id": "x"}),
        Rule("POST", "/groups/{slug:str}/state/contacts/{contact_id:int}/remove", MODERATORS),
        Rule("POST", "/groups/{slug:str}/state/questions", BOARD_USERS, {"subject": ""}),
        Rule("GET", "/state-questions", MEMBERS),
        Rule("GET", "/state-questions/{question_id:int}/actions", BOARD_USERS),
        Rule(
            "POST", "/state-questions/{question_id:int}/answer", STATE_ANSWERERS, {"version": "x"}
        ),
        Rule("POST", "/state-questions/{question_id:int}/withdraw", REDEEMERS),
        Rule("POST", "/state-questions/{question_id:int}/page", MODERATORS),
        # The alliance fund (invalid forms: 422 shows who gets past the rights).
        Rule("GET", "/fund", MEMBERS),
        Rule("GET", "/fund/export.csv", MEMBERS),
        Rule("GET", "/fund/requests/new", MEMBERS),
        Rule("POST", "/fund/requests/new", MEMBERS, {"title": ""}),
        Rule("POST", "/fund/pledges", FUND_COMMITTEE, {"amount": ""}),
        Rule("GET", FUNDING_REQUEST, REQUEST_READERS),
        Rule("POST", FUNDING_REQUEST + "/edit", REQUESTERS, {"version": "x"}),
        Rule("POST", FUNDING_REQUEST + "/withdraw", REQUESTERS, {"text": ""}),
        Rule("POST", FUNDING_REQUEST + "/comments", REQUEST_READERS, {"text": ""}),
        Rule("POST", FUNDING_REQUEST + "/decision", FUND_COMMITTEE, {"decision": "x"}),
        Rule("POST", FUNDING_REQUEST + "/payouts", FUND_COMMITTEE, {"amount": ""}),
        Rule("POST", FUNDING_REQUEST + "/report", REQUESTERS, {"title": ""}),
        Rule("POST", "/people/{person_id:int}/fund-committee", ADMINS_ONLY, {"committee": "1"}),
        Rule("GET", "/live", MEMBERS),
        Rule("GET", "/healthz", EVERYONE),
    ]
    # A route checked with several rules (e.g. a members-only and a public page) has them
    # apart by the path each requests.
    return {(rule.method, rule.filled or rule.path): rule for rule in table}


def _concrete(template: str, ids: dict[str, int], role: str) -> str:
    """The route's path for one request: a person's page acts on a person of its own."""
    organisation = ids["inside_organisation" if "/people" in template else "outsider_organisation"]
    target = "remove_target" if template.endswith("/remove") else "admin_target"
    if "/moderators/" in template:
        target = "moderator_target"
    redemption = "claimed" if template.endswith("/decision") else "confirmed"
    agenda = "withdrawn" if template.endswith("/withdraw") else "agenda"
    question = f"{template.rsplit('/', 1)[1]}_question_{role}"
    if not template.endswith(("/withdraw", "/page")):
        question = "state_question"
    return (
        template.replace("{locale:str}", "de")
        .replace("{organisation_id:int}", str(organisation))
        .replace("{person_id:int}", str(ids[f"{target}_{role}"]))
        .replace("{slug:str}", GROUP)
        .replace("{provider_id:int}", str(ids.get("provider", 0)))
        .replace("{card_id:int}", str(ids.get("card", 0)))
        .replace("{redemption_id:int}", str(ids.get(f"{redemption}_redemption_{role}", 0)))
        .replace("{page_id:int}", str(ids.get("members_page", 0)))
        .replace("{series_id:int}", str(ids.get("series", 0)))
        .replace("{meeting_id:int}", str(ids.get("meeting", 0)))
        .replace("{subscription_id:int}", str(ids.get(f"subscription_{role}", 0)))
        .replace("{item_id:int}", str(ids.get(f"{agenda}_item_{role}", 0)))
        .replace("{contact_id:int}", str(ids.get(f"state_contact_{role}", 0)))
        .replace("{question_id:int}", str(ids.get(question, 0)))
        .replace("{request_id:int}", str(ids.get("funding_request", 0)))
    )


def _route_table(settings: Settings) -> set[tuple[str, str]]:
    found = set()
    for route in create_app(settings).routes:
        if isinstance(route, Mount) and route.name == "static":
            continue
        if isinstance(route, WebSocketRoute):
            # No HTTP methods: who may open a socket is tested with the socket itself.
            assert route.path in SOCKETS, f"no rights test for the socket {route.path}"
            continue
        assert isinstance(route, Route), f"no rule kind for {route!r}"
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


async def _people(database_url: str) -> dict[str, int]:
    """A person for every role around the group, added to the demo data."""
    connection = await asyncpg.connect(database_url)
    try:
        group = await connection.fetchval("SELECT id FROM working_groups WHERE slug=$1", GROUP)
        inside = await connection.fetchval(
            "SELECT organisation_id FROM group_members WHERE group_id=$1 ORDER BY 1 LIMIT 1", group
        )
        outside = await connection.fetch(
            "SELECT id FROM organisations WHERE id NOT IN "
            "(SELECT organisation_id FROM group_members WHERE group_id=$1) ORDER BY id LIMIT 2",
            group,
        )

        async def person(name: str, organisation: int, admin: bool = False) -> int:
            return int(
                await connection.fetchval(
                    "INSERT INTO persons (organisation_id, name, email, is_organisation_admin) "
                    "VALUES ($1, $2, $3, $4) RETURNING id",
                    organisation,
                    name,
                    f"{name.lower()}@rights.example",
                    admin,
                )
            )

        targets = {
            f"{kind}_{role}": await person(f"{kind}{index}", inside)
            for kind in ("remove_target", "admin_target", "moderator_target")
            for index, role in enumerate(ROLES)
        }
        for role in ROLES:  # each role tries to end a moderation of its own
            await connection.execute(
                "INSERT INTO group_moderators (group_id, person_id) VALUES ($1, $2)",
                group,
                targets[f"moderator_target_{role}"],
            )

        async def join_request(subject: str) -> int:
            return int(
                await connection.fetchval(
                    "INSERT INTO join_requests (issuer, subject, person_name, organisation_name, "
                    "kind, federal_level, contact_email) VALUES ('https://login.matrix.example', "
                    "$1, $1, $1, 'association', 'none', 'matrix@rights.example') RETURNING id",
                    subject,
                )
            )

        card = await connection.fetchval(
            "INSERT INTO cards (group_id, organisation_id, kind, resource_kind, title) "
            "VALUES ($1, $2, 'need', 'time', 'Hilfe beim Umzug') RETURNING id",
            group,
            inside,
        )
        await connection.execute(
            "INSERT INTO card_changes (card_id, action, version, snapshot) "
            "VALUES ($1, 'created', 1, $2::jsonb)",
            card,
            '{"title": "Hilfe beim Umzug", "resource_kind": "time", "status": "open", '
            '"urgency": "normal", "description": "", "quantity": "", "region": "", '
            '"promise": "", "condition": "", "helpers_needed": null, "deadline": null}',
        )
        provider = await connection.fetchval(
            "INSERT INTO identity_providers (organisation_id, issuer, client_id, client_secret) "
            "VALUES ($1, 'https://login.old-matrix.example', 'kp', 'secret') RETURNING id",
            outside[0]["id"],
        )
        return {
            **targets,
            "approve_request": await join_request("Matrix Zustimmung"),
            "decline_request": await join_request("Matrix Ablehnung"),
            "provider": provider,
            "card": card,
            **await _pledges(connection, group, inside),
            "funding_request": await _funding_request(connection, group, inside),
            **await _sessions(connection, group, inside, targets),
            "provider_organisation": outside[0]["id"],
            "group": group,
            "inside_organisation": inside,
            "outsider_organisation": outside[1]["id"],
            "other_member": await person("Otto", outside[0]["id"]),
            "member": await person("Mira", inside),
            "org_admin": await person("Olga", inside, admin=True),
            "moderator": await connection.fetchval(
                "SELECT person_id FROM group_moderators WHERE group_id=$1", group
            ),
            "alliance_admin": await connection.fetchval(
                "SELECT id FROM persons WHERE is_alliance_admin ORDER BY id LIMIT 1"
            ),
        }
    finally:
        await connection.close()


async def _pledges(connection: asyncpg.Connection, group: int, inside: int) -> dict[str, int]:
    """Pledges of a group organisation that none of the roles belongs to, redeemed by the
    member's organisation: for each role one claimed and one confirmed redemption; a pledge
    nobody redeemed yet; and a members-only and a public report page."""
    pledger = await connection.fetchval(
        "SELECT organisation_id FROM group_members WHERE group_id=$1 AND organisation_id<>$2 "
        "AND organisation_id NOT IN (SELECT p.organisation_id FROM persons p JOIN "
        "group_moderators m ON m.person_id=p.id WHERE m.group_id=$1) ORDER BY 1 LIMIT 1",
        group,
        inside,
    )

    async def pledge() -> int:
        return int(
            await connection.fetchval(
                "INSERT INTO cards (group_id, organisation_id, kind, resource_kind, title, "
                "promise, condition) VALUES ($1, $2, 'pledge', 'goods', 'Transporter', "
                "'einen Transporter', 'zwei Fahrer:innen') RETURNING id",
                group,
                pledger,
            )
        )

    async def redemption(status: str) -> int:
        return int(
            await connection.fetchval(
                "INSERT INTO pledge_redemptions (pledge_id, organisation_id, fulfilment, status) "
                "VALUES ($1, $2, 'Zwei Fahrerinnen', $3) RETURNING id",
                await pledge(),
                inside,
                status,
            )
        )

    async def page(visibility: str) -> int:
        return int(
            await connection.fetchval(
                "INSERT INTO knowledge_pages (kind, visibility, title, body, organisation_id, "
                "group_id) VALUES ('pledge_report', $1, 'Vier Samstage', 'Es hat geklappt.', "
                "$2, $3) RETURNING id",
                visibility,
                inside,
                group,
            )
        )

    ids = {"pledge": await pledge()}
    for role in ROLES:
        ids[f"claimed_redemption_{role}"] = await redemption("claimed")
        ids[f"confirmed_redemption_{role}"] = await redemption("confirmed")
    return {**ids, "members_page": await page("members"), "public_page": await page("public")}


async def _funding_request(connection: asyncpg.Connection, group: int, inside: int) -> int:
    """An approved funding request of the member's organisation, partly paid out."""
    request = await connection.fetchval(
        "INSERT INTO funding_requests (organisation_id, group_id, title, purpose, "
        "amount_requested, amount_granted, starts_on, ends_on, status) VALUES ($1, $2, "
        "'Matrix-Projekt', 'Zweck', 100000, 80000, current_date, current_date + 30, "
        "'approved') RETURNING id",
        inside,
        group,
    )
    await connection.execute(
        "INSERT INTO funding_steps (request_id, kind, amount_cents) VALUES "
        "($1, 'submitted', 100000), ($1, 'approved', 80000), ($1, 'payout', 20000)",
        request,
    )
    return int(request)


async def _sessions(
    connection: asyncpg.Connection, group: int, inside: int, targets: dict[str, int]
) -> dict[str, int]:
    """A series of the group with a session next week, and for each role an entry of the
    invitation list to take off: another person's, of the group's organisation."""
    series = await connection.fetchval(
        "INSERT INTO session_series (group_id, title, weekday, starts_at) "
        "VALUES ($1, 'Matrix-Sitzung', 3, '10:00') RETURNING id",
        group,
    )
    meeting = await connection.fetchval(
        "INSERT INTO meetings (series_id, title, starts_at, ends_at) VALUES ($1, "
        "'Matrix-Sitzung', now() + interval '7 days', now() + interval '7 days 90 minutes') "
        "RETURNING id",
        series,
    )
    ids = {"series": series, "meeting": meeting}
    outcome_item = await connection.fetchval(
        "INSERT INTO agenda_items (meeting_id, title, status) "
        "VALUES ($1, 'Ergebnisse', 'accepted') RETURNING id",
        meeting,
    )
    ids["action"] = await connection.fetchval(
        "INSERT INTO action_items (item_id, text, owner_organisation_id) "
        "VALUES ($1, 'Liste schicken', $2) RETURNING id",
        outcome_item,
        inside,
    )
    for role in ROLES:
        ids[f"subscription_{role}"] = await connection.fetchval(
            "INSERT INTO series_subscriptions (series_id, person_id) VALUES ($1, $2) RETURNING id",
            series,
            targets[f"admin_target_{role}"],
        )
    return ids


async def _outcome(client: httpx.AsyncClient, rule: Rule, path: str, ids: dict[str, int]) -> str:
    if rule.path == "/live":
        async with client.stream("GET", path, params={"channel": f"group:{ids['group']}"}) as r:
            status, location = r.status_code, ""
    else:
        response = await client.request(rule.method, path, data=rule.data)
        status, location = response.status_code, response.headers.get("location", "")
    if status in (400, 422):
        return OK  # let through by the rights, then refused as input (no sign-in under way)
    if status == 401 or (status == 303 and urlsplit(location).path == "/login"):
        return SIGN_IN
    if status == 403:
        return FORBIDDEN
    assert status < 400, f"{rule.method} {path}: unexpected {status}"
    return OK


async def _agenda_items(database_url: str, ids: dict[str, int]) -> dict[str, int]:
    """For each role two proposals of its own on the session's agenda: one to decide on, one
    to withdraw."""
    connection = await asyncpg.connect(database_url)
    try:
        items = {}
        for role in ROLES:
            for use in ("agenda", "withdrawn"):
                items[f"{use}_item_{role}"] = await connection.fetchval(
                    "INSERT INTO agenda_items (meeting_id, title, proposed_by) "
                    "VALUES ($1, $2, $3) RETURNING id",
                    ids["meeting"],
                    f"Matrix {use} {role}",
                    ids.get(role),
                )
        return items
    finally:
        await connection.close()


async def _state_contacts(database_url: str, ids: dict[str, int]) -> dict[str, int]:
    """The member as a state contact of the group; for each role a contact to remove (a person
    of Landkreis Nordsachsen), an open question of the member's organisation to withdraw and an
    answered one to keep as a page; and the demo's answered question."""
    connection = await asyncpg.connect(database_url)
    try:
        group, inside, member = ids["group"], ids["inside_organisation"], ids["member"]
        katrin = await connection.fetchrow(
            "SELECT c.id, c.person_id FROM state_contacts c JOIN persons p ON p.id = c.person_id "
            "WHERE p.email = 'k.hoffmann@leipzig.example' AND c.group_id = $1",
            group,
        )
        await connection.execute(
            "INSERT INTO state_contacts (group_id, person_id, level, authority) "
            "VALUES ($1, $2, 'kommune', 'Sozialamt Leipzig')",
            group,
            member,
        )
        landkreis = await connection.fetchval(
            "SELECT id FROM organisations WHERE name = 'Landkreis Nordsachsen'"
        )
        found = {
            "state_question": await connection.fetchval(
                "SELECT id FROM state_questions WHERE group_id = $1 ORDER BY id LIMIT 1", group
            )
        }

        async def question(status: str, subject: str) -> int:
            return int(
                await connection.fetchval(
                    "INSERT INTO state_questions (group_id, contact_id, asked_by, "
                    "organisation_id, subject, text, status, answer, answered_by) "
                    "VALUES ($1, $2, $3, $4, $5, 'Wie?', $6, $7, $8) RETURNING id",
                    group,
                    katrin["id"],
                    member,
                    inside,
                    subject,
                    status,
                    "Ja." if status == "answered" else "",
                    katrin["person_id"] if status == "answered" else None,
                )
            )

        for index, role in enumerate(ROLES):
            person = await connection.fetchval(
                "INSERT INTO persons (organisation_id, name, email) VALUES ($1, $2, $3) "
                "RETURNING id",
                landkreis,
                f"Kontakt{index}",
                f"kontakt{index}@rights.example",
            )
            found[f"state_contact_{role}"] = await connection.fetchval(
                "INSERT INTO state_contacts (group_id, person_id, level, authority) "
                "VALUES ($1, $2, 'kommune', 'Landratsamt') RETURNING id",
                group,
                person,
            )
            found[f"withdraw_question_{role}"] = await question("open", f"Offen {role}")
            found[f"page_question_{role}"] = await question("answered", f"Beantwortet {role}")
        return found
    finally:
        await connection.close()


async def test_every_route_has_a_rule_and_every_role_gets_what_it_says(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    ids = await _people(demo_database)
    ids.update(await _agenda_items(demo_database, ids))
    ids.update(await _state_contacts(demo_database, ids))
    table = rules(ids)
    missing = _route_table(settings) - {(rule.method, rule.path) for rule in table.values()}
    assert not missing, f"routes without a rule in the rights matrix: {sorted(missing)}"
    base = await asyncio.to_thread(servers.start)
    failures = []
    for role in ROLES:
        for rule in table.values():
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                if role == "anonymous":
                    client.cookies.clear()
                    page = await client.get("/gibt-es-nicht")  # a page hands out a token
                    client.headers["X-CSRF-Token"] = page.text.split('"X-CSRF-Token": "')[1][:43]
                else:
                    sign_in(client, settings.SECRET_KEY, ids[role])
                path = rule.filled or _concrete(rule.path, ids, role)
                got = await _outcome(client, rule, path, ids)
            if got != rule.expected[role]:
                failures.append(
                    f"{role}: {rule.method} {rule.path} -> {got}, expected {rule.expected[role]}"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_every_rule_names_every_role(role: str) -> None:
    for rule in rules({"outsider_organisation": 1}).values():
        assert role in rule.expected, (rule.method, rule.path)
