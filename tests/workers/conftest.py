"""What the job tests share: a real SMTP server (aiosmtpd) collecting what it is sent, the
demo database's engine, and a real arq worker that runs the queued jobs once (burst)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from arq.connections import RedisSettings
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import create_engine, create_sessionmaker
from server.settings import Settings
from tests.conftest import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelope_recipients: list[list[str]] = []  # per message, blind copies included

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        self.envelope_recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
async def engine(demo_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(demo_settings)
    yield engine
    await engine.dispose()


async def run_worker(
    settings: Settings, engine: AsyncEngine, *functions: Callable[..., Any], **extra: Any
) -> Worker:
    """Run the queued jobs of `functions` with a real arq worker until the queue is empty;
    `extra` goes into the jobs' context."""
    worker = Worker(
        functions=list(functions),
        redis_settings=RedisSettings.from_dsn(settings.REDIS_URL),
        burst=True,
        poll_delay=0.05,
        ctx={"settings": settings, "sessionmaker": create_sessionmaker(engine), **extra},
        handle_signals=False,
        max_tries=2,
    )
    await worker.async_run()
    await worker.close()
    return worker
