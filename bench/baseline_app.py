"""The bare baselines the benchmarks measure the app against, served by uvicorn like the app:
`uvicorn --factory bench.baseline_app:create_app` (DATABASE_URL from the environment).

- `GET /groups/{slug}/board`: the board's cards from one asyncpg query, rendered by Jinja2 into
  a page like the app's: no middleware, no session, no ORM, no translation.
- `GET /stream` and `POST /publish`: an sse-starlette endpoint sending the same bytes to every
  open stream, the fan-out without database, Redis, rights or rendering.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import jinja2
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

# Rows are asyncpg Records: subscripts (`card["kind"]`), which Jinja tries first for them.
PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Pinnwand {{ group }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><main id="main"><h1>Bedarfe, Angebote und Versprechen</h1>
<section id="cards"><h2>Auf der Pinnwand <span class="count">({{ cards|length }})</span></h2>
<ul class="cards">
{% for card in cards %}
<li class="card card-{{ card["kind"] }}" id="card-{{ card["id"] }}">
<p class="eyebrow">{{ kinds[card["kind"]] }} · {{ resources[card["resource_kind"]] }}</p>
<h3>{{ card["title"] }}</h3>
{% if card["kind"] == "pledge" %}<p>Wir versprechen {{ card["promise"] }} – wenn jemand hilft
bei: {{ card["condition"] }}</p>{% elif card["description"] %}<p>{{ card["description"] }}</p>
{% endif %}
<p class="meta">{{ card["organisation"] }}{% if card["region"] %} · {{ card["region"] }}{% endif
%}{% if card["deadline"] %} · bis {{ card["deadline"].strftime("%d.%m.%Y") }}{% endif %}</p>
</li>
{% endfor %}
</ul></section></main></body></html>
"""
KINDS = {"need": "Bedarf", "offer": "Angebot", "pledge": "Versprechen"}
RESOURCES = {
    "knowledge": "Wissen",
    "skills": "Fähigkeiten",
    "contacts": "Kontakte",
    "ideas": "Ideen",
    "time": "Zeit",
    "money": "Geld",
    "goods": "Sachen",
    "space": "Räume",
}
# The filters the board takes in its query string, as SQL on the same columns.
FILTERS = {
    "kind": "c.kind::text = ${}",
    "resource": "c.resource_kind::text = ${}",
    "status": "c.status::text = ${}",
    "region": "c.region = ${}",
    "organisation": "c.organisation_id::text = ${}",
    "q": "c.search @@ websearch_to_tsquery('german', ${})",
}


def create_app() -> Starlette:
    database_url = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    environment = jinja2.Environment(autoescape=True)
    page = environment.from_string(PAGE)
    subscribers: set[asyncio.Queue[bytes]] = set()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with asyncpg.create_pool(database_url, min_size=10, max_size=10) as pool:
            app.state.pool = pool
            yield

    async def board(request: Request) -> Response:
        where = ["w.slug = $1", "c.status <> 'archived'"]
        args: list[object] = [request.path_params["slug"]]
        for name, clause in FILTERS.items():
            value = request.query_params.get(name)
            if value:
                args.append(value)
                where.append(clause.format(len(args)))
        sql = (
            "SELECT c.id, c.kind::text AS kind, c.resource_kind::text AS resource_kind, c.title,"
            " c.description, c.promise, c.condition, c.region, c.deadline, o.name AS organisation"
            " FROM cards c JOIN working_groups w ON w.id = c.group_id"
            " JOIN organisations o ON o.id = c.organisation_id"
            f" WHERE {' AND '.join(where)} ORDER BY c.created_at DESC, c.id DESC"
        )
        rows = await request.app.state.pool.fetch(sql, *args)
        html = page.render(
            group=request.path_params["slug"], cards=rows, kinds=KINDS, resources=RESOURCES
        )
        return HTMLResponse(html)

    async def stream(request: Request) -> Response:
        queue: asyncio.Queue[bytes] = asyncio.Queue(256)

        async def events() -> AsyncIterator[ServerSentEvent]:
            subscribers.add(queue)
            try:
                while True:
                    yield ServerSentEvent(data=(await queue.get()).decode(), event="cards")
            finally:
                subscribers.discard(queue)

        return EventSourceResponse(events(), ping=15)

    async def publish(request: Request) -> Response:
        data = await request.body()
        for queue in list(subscribers):
            queue.put_nowait(data)
        return PlainTextResponse("", status_code=204)

    async def subscriber_count(request: Request) -> Response:
        return JSONResponse({"subscribers": len(subscribers)})

    async def healthz(request: Request) -> Response:
        await request.app.state.pool.fetchval("SELECT 1")
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/groups/{slug:str}/board", board),
            Route("/stream", stream),
            Route("/publish", publish, methods=["POST"]),
            Route("/subscribers", subscriber_count),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
