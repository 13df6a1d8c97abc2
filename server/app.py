"""The web application: `create_app(settings)` wires settings, database, Redis, the live hub,
the job queue, templates and routes. Everything with a connection is built in the lifespan."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from server.db import create_engine, create_sessionmaker
from server.domain import identity
from server.errors import EXCEPTION_HANDLERS
from server.live import Hub
from server.live.backends import RedisBackend
from server.live.presence import Presence
from server.middleware import ActorMiddleware, LocaleMiddleware
from server.routes import routes
from server.routes.boards import board_listings
from server.routes.presence_events import announce_presence
from server.security import CSRFMiddleware, SecurityHeadersMiddleware
from server.sessions import SESSION_COOKIE
from server.settings import ROOT, Settings, load_settings
from server.templating import create_templates, path_finder

GC_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings)
        redis = Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=3)
        # The hub's connection waits for messages indefinitely: no read timeout on it.
        hub_redis = Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=3, health_check_interval=15
        )
        hub = Hub(RedisBackend(hub_redis), queue_size=settings.live_queue_size)
        # Connects on first use, so the app starts (and /healthz can tell) while Redis is down.
        jobs = ArqRedis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=3)
        await hub.start()

        async def on_presence_change(meeting_id: int) -> None:
            await announce_presence(app, meeting_id)

        presence = Presence(redis, on_presence_change)
        await presence.start()
        _tune_garbage_collector()
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.redis = redis
        app.state.hub = hub
        app.state.jobs = jobs
        app.state.presence = presence
        try:
            if settings.IDENTITY_PROVIDERS_FILE:
                await _register_identity_providers(
                    app.state.sessionmaker, Path(settings.IDENTITY_PROVIDERS_FILE)
                )
            yield
        finally:
            await presence.stop()
            await hub.stop()
            await hub_redis.aclose()
            await jobs.aclose()
            await redis.aclose()
            await engine.dispose()

    app = Starlette(
        routes=[*routes, Mount("/static", StaticFiles(directory=ROOT / "static"), name="static")],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(LocaleMiddleware, default_locale=settings.DEFAULT_LOCALE),
            Middleware(
                SessionMiddleware,
                secret_key=settings.SECRET_KEY,
                session_cookie=SESSION_COOKIE,
                max_age=settings.session_max_seconds,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
            Middleware(ActorMiddleware),
            Middleware(CSRFMiddleware, base_url=settings.BASE_URL),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = create_templates(path_finder(app.routes, app.url_path_for))
    app.state.board_listings = board_listings()
    return app


def _tune_garbage_collector() -> None:
    """What was built at start-up (routes, templates, SQLAlchemy's mappers) lives as long as
    the process: frozen out of the cyclic collector's scans, and the collector run less often,
    so that a full collection does not stall a thousand live streams for a tenth of a second.
    Once per process (the tests start many apps in one)."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 20)


async def _register_identity_providers(
    sessionmaker: async_sessionmaker[AsyncSession], path: Path
) -> None:
    """Add or update the providers of IDENTITY_PROVIDERS_FILE; a bad file stops the start."""
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as exc:
        raise identity.ProviderFileError(f"IDENTITY_PROVIDERS_FILE {path}: {exc}") from exc
    entries = identity.parse_providers(text, source=f"IDENTITY_PROVIDERS_FILE {path}")
    async with sessionmaker() as session:
        await identity.register_providers(session, entries)
        await session.commit()
