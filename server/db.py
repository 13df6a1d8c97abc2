"""Database engine and sessions, created in the lifespan (never at import)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server.settings import Settings


def create_engine(settings: Settings, **options: object) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_url,
        # No ping before each use (a round trip per request): a connection the server closed
        # fails its statement, SQLAlchemy then drops the pool's connections, and the next
        # request gets fresh ones; none is kept longer than `pool_recycle`.
        pool_recycle=1800,
        # Connections the pool keeps: a busy process (hundreds of requests a second) should
        # not open and close connections (a connect and type lookups each) for its peaks.
        pool_size=25,
        max_overflow=10,
        connect_args={"server_settings": {"application_name": "knotenpunkt"}},
        **options,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
