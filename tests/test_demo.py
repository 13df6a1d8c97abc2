"""The demo data: loading it again changes nothing, and its story is complete (cards on every
board, a pledge kept whose report anyone can read)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from server.app import create_app
from server.demo import load_demo
from server.models import (
    Card,
    CardChange,
    KnowledgePage,
    Meeting,
    PledgeRedemption,
    RedemptionStatus,
    Series,
    Subscription,
)
from server.settings import Settings

COUNTED = (Card, CardChange, PledgeRedemption, KnowledgePage, Series, Meeting, Subscription)


async def test_loading_the_demo_twice_changes_nothing(demo_settings: Settings) -> None:
    engine = create_async_engine(demo_settings.sqlalchemy_url, poolclass=NullPool)

    async def counts() -> list[int]:
        async with engine.connect() as connection:
            return [
                await connection.scalar(select(func.count()).select_from(model)) or 0
                for model in COUNTED
            ]

    before = await counts()
    async with AsyncSession(engine) as session:
        await load_demo(session)
        await session.commit()
    assert await counts() == before
    async with engine.connect() as connection:
        statuses = list(await connection.scalars(select(PledgeRedemption.status)))
        boards = await connection.scalar(select(func.count(func.distinct(Card.group_id))))
    await engine.dispose()
    assert statuses == [RedemptionStatus.reported]
    assert before[0] >= 20 and boards == 6


def test_the_demo_pledge_report_is_public(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as anonymous:
        page = anonymous.get("/knowledge/1")
    assert page.status_code == 200
    assert "Mietkaution gegen Besichtigungsbegleitung" in page.text
