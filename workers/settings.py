"""arq's `WorkerSettings`: run with `arq workers.settings.WorkerSettings`."""

from __future__ import annotations

from typing import Any, ClassVar

from arq.connections import RedisSettings

from server.db import create_engine, create_sessionmaker
from server.settings import load_settings
from workers.board_jobs import send_match_mail
from workers.jobs import (
    send_join_request_decision_mail,
    send_redemption_mail,
    send_welcome_mail,
)
from workers.meeting_jobs import send_invitations, send_session_update
from workers.summary_jobs import summarise_meeting

_settings = load_settings()


async def startup(ctx: dict[str, Any]) -> None:
    engine = create_engine(_settings)
    ctx["settings"] = _settings
    ctx["engine"] = engine
    ctx["sessionmaker"] = create_sessionmaker(engine)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["engine"].dispose()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        send_welcome_mail,
        send_join_request_decision_mail,
        send_match_mail,
        send_redemption_mail,
        send_invitations,
        send_session_update,
        summarise_meeting,
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(_settings.REDIS_URL)
    max_tries = 5
    job_timeout = 60
    keep_result = 3600
