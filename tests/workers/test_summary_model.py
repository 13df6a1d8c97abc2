"""The optional language-model summariser, against a small local stand-in that speaks the
OpenAI chat-completions API (served by uvicorn on loopback): a good answer is used and said to
be the model's; an answer too slow, an error, or garbage falls back to the extractive summary,
and the page says so. Without the setting nothing is sent at all."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from server.db import create_sessionmaker
from server.models import KnowledgePage
from server.settings import Settings
from tests.conftest import free_port
from tests.workers.test_summary_job import closed_sessions
from workers.settings import job_templates
from workers.summary_jobs import summarise_meeting

MODEL_SENTENCE = "Die Gruppe sucht weitere Plätze in Eilenburg."


class StandIn:
    """Answers by the model name it is asked for; remembers what it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        mode = body["model"]
        if mode == "slow":
            await asyncio.sleep(3)
        if mode == "error":
            return PlainTextResponse("overloaded", status_code=503)
        if mode == "garbage":
            return PlainTextResponse("<html>not json</html>")
        if mode == "empty":
            return JSONResponse({"choices": [{"message": {"content": "   "}}]})
        if mode == "shape":
            return JSONResponse({"result": MODEL_SENTENCE})
        return JSONResponse(
            {"choices": [{"message": {"role": "assistant", "content": MODEL_SENTENCE}}]}
        )


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, StandIn]]:
    model = StandIn()
    app = Starlette(routes=[Route("/v1/chat/completions", model.completions, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the stand-in model did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/v1", model
    server.should_exit = True
    thread.join(5)


async def summary_of(settings: Settings, engine: Any, meeting: int) -> str:
    sessionmaker = create_sessionmaker(engine)
    ctx = {"settings": settings, "sessionmaker": sessionmaker, "templates": job_templates()}
    assert (await summarise_meeting(ctx, meeting)).startswith("draft page ")
    async with sessionmaker() as session:
        body = await session.scalar(
            select(KnowledgePage.body).where(KnowledgePage.meeting_id == meeting)
        )
    assert body is not None
    return body


async def test_a_good_answer_is_the_models_and_said_so(
    demo_settings: Settings, engine: Any, stand_in: tuple[str, StandIn]
) -> None:
    url, model = stand_in
    last, _ = await closed_sessions(demo_settings.DATABASE_URL)
    settings = dataclasses.replace(demo_settings, SUMMARY_MODEL_URL=url, SUMMARY_MODEL_NAME="good")
    before = len(model.requests)
    body = await summary_of(settings, engine, last)
    assert len(model.requests) == before + 2  # one per item with notes
    assert "Messehalle zu 80" in model.requests[before]["messages"][1]["content"] or (
        "Messehalle zu 80" in model.requests[before + 1]["messages"][1]["content"]
    )
    assert "vom Sprachmodell zusammengefasst" in body
    assert body.count("Die Gruppe sucht weitere Plätze in Eilenburg.") == 2
    assert "Knotenpunkt selbst zusammengefasst" not in body


@pytest.mark.parametrize("mode", ["slow", "error", "garbage", "empty", "shape"])
async def test_a_slow_failing_or_garbled_model_falls_back_and_the_page_says_so(
    mode: str, demo_settings: Settings, engine: Any, stand_in: tuple[str, StandIn]
) -> None:
    url, _ = stand_in
    last, _ = await closed_sessions(demo_settings.DATABASE_URL)
    settings = dataclasses.replace(
        demo_settings,
        SUMMARY_MODEL_URL=url,
        SUMMARY_MODEL_NAME=mode,
        SUMMARY_MODEL_TIMEOUT_SECONDS="1",
    )
    began = time.monotonic()
    body = await summary_of(settings, engine, last)
    assert time.monotonic() - began < 2.5  # the time limit holds for all items together
    assert "Die Notizen hat Knotenpunkt selbst zusammengefasst" in body
    assert "automatisch zusammengefasst" in body
    assert MODEL_SENTENCE not in body
    assert "Landkreis meldet 12 freie Plätze in Eilenburg." in body


async def test_without_the_setting_nothing_is_sent(
    demo_settings: Settings, engine: Any, stand_in: tuple[str, StandIn]
) -> None:
    _, model = stand_in
    last, _ = await closed_sessions(demo_settings.DATABASE_URL)
    before = len(model.requests)
    body = await summary_of(demo_settings, engine, last)
    assert len(model.requests) == before
    assert "automatisch zusammengefasst" in body and "Sprachmodell" not in body
