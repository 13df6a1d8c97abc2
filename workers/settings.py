"""arq's `WorkerSettings`: run with `arq workers.settings.WorkerSettings`."""

from __future__ import annotations

from typing import Any, ClassVar

from arq import cron
from arq.connections import RedisSettings
from redis.asyncio import Redis
from starlette.routing import Router
from starlette.templating import Jinja2Templates

from server.db import create_engine, create_sessionmaker
from server.live import Hub
from server.live.backends import RedisBackend
from server.routes import routes
from server.settings import load_settings
from server.templating import create_templates, path_finder
from workers.board_jobs import send_match_mail
from workers.follow_up_jobs import send_digests, send_due_reminders
from workers.fund_jobs import send_fund_mail
from workers.jobs import (
    send_join_request_decision_mail,
    send_redemption_mail,
    send_welcome_mail,
)
from workers.meeting_jobs import send_invitations, send_session_update
from workers.state_jobs import send_state_answer_mail, send_state_question_mail
from workers.summary_jobs import send_summary_published, summarise_meeting

_settings = load_settings()


async def startup(ctx: dict[str, Any]) -> None:
    engine = create_engine(_settings)
    ctx["settings"] = _settings
    ctx["engine"] = engine
    ctx["sessionmaker"] = create_sessionmaker(engine)
    # Jobs announce what they wrote on the live hub (publishing only: Redis pub/sub), with
    # fragments rendered by the app's templates.
    ctx["hub_redis"] = Redis.from_url(_settings.REDIS_URL, socket_timeout=5)
    ctx["hub"] = Hub(RedisBackend(ctx["hub_redis"]))
    ctx["templates"] = job_templates()


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["hub_redis"].aclose()
    await ctx["engine"].dispose()


def job_templates() -> Jinja2Templates:
    router = Router(routes=routes)
    return create_templates(path_finder(router.routes, router.url_path_for))


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        send_welcome_mail,
        send_join_request_decision_mail,
        send_match_mail,
        send_redemption_mail,
        send_invitations,
        send_session_update,
        summarise_meeting,
        send_summary_published,
        send_fund_mail,
        send_state_question_mail,
        send_state_answer_mail,
    ]
    # German morning (the workers' clock is UTC): reminders at 06:00 UTC, digests at 06:30.
    cron_jobs: ClassVar[list[Any]] = [
        cron(send_due_reminders, hour={6}, minute={0}, run_at_startup=False),
        cron(send_digests, hour={6}, minute={30}, run_at_startup=False),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(_settings.REDIS_URL)
    max_tries = 5
    job_timeout = 60
    keep_result = 3600
