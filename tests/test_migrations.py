"""The Alembic migrations and the models describe the same schema, both ways."""

from __future__ import annotations

import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from server.models import Base
from server.settings import ROOT, Settings
from tests.conftest import _admin, _server_url


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_match_the_migrated_database(database_url: str) -> None:
    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    await engine.dispose()
    assert diff == []


async def test_downgrade_to_base_and_upgrade_again() -> None:
    name = f"kp_mig_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    engine = create_async_engine(
        Settings(DATABASE_URL=_server_url(name)).sqlalchemy_url, poolclass=NullPool
    )
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False

    def run(connection: Connection, target: str, up: bool) -> None:
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, target)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run, "head", True)
            await connection.run_sync(run, "base", False)
            await connection.run_sync(run, "head", True)
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
