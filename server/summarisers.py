"""Who summarises an item's notes: Knotenpunkt itself (`domain.extractive`), or, when
`SUMMARY_MODEL_URL` names one, a self-hosted language model behind an OpenAI-compatible API.

Nothing is sent anywhere unless that setting is made (data protection). The model is asked
once per item, all items at once, within one time limit for all; on any failure (no answer in
time, an error, an answer that is not what the API promises, an empty or overlong text) every
item is summarised here instead, and the page says so: a page is never half one, half the other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from server.domain import extractive
from server.domain.errors import N_
from server.domain.session_record import ItemRecord
from server.settings import Settings
from server.summary_page import ItemSummary

log = logging.getLogger(__name__)

MAX_ANSWER = 2_000
MAX_SENTENCES = 5
INSTRUCTION = (
    "Summarise the meeting notes below in at most three short sentences, in the language of "
    "the notes. Report only what the notes say; do not call anything a decision."
)
FELL_BACK = N_(
    "The notes were summarised by Knotenpunkt itself: the language model configured for it "
    "gave no usable answer."
)


class ModelFailed(Exception):
    """The model gave no usable answer (said in the log; the page only says it fell back)."""


@dataclass(frozen=True, slots=True)
class Summaries:
    by_item: dict[int, ItemSummary]
    note: str  # a message id for the page ("" when nothing needs saying)


def extractive_summaries(items: Sequence[ItemRecord]) -> dict[int, ItemSummary]:
    return {
        entry.item.id: ItemSummary(extractive.summarise(entry.item.notes))
        for entry in items
        if entry.item.notes.strip()
    }


async def summarise(settings: Settings, items: Sequence[ItemRecord]) -> Summaries:
    with_notes = [entry for entry in items if entry.item.notes.strip()]
    if not settings.SUMMARY_MODEL_URL or not with_notes:
        return Summaries(extractive_summaries(items), "")
    try:
        async with asyncio.timeout(settings.summary_model_timeout):
            async with httpx.AsyncClient(timeout=settings.summary_model_timeout) as client:
                answers = await asyncio.gather(
                    *(_ask(client, settings, entry.item.notes) for entry in with_notes)
                )
    except (TimeoutError, httpx.HTTPError, ModelFailed) as exc:
        log.warning("summary model at %s: %r; summarising here", settings.SUMMARY_MODEL_URL, exc)
        return Summaries(extractive_summaries(items), FELL_BACK)
    return Summaries(
        {
            entry.item.id: ItemSummary(answer, by_model=True)
            for entry, answer in zip(with_notes, answers, strict=True)
        },
        "",
    )


async def _ask(client: httpx.AsyncClient, settings: Settings, notes: str) -> list[str]:
    headers = {"Authorization": f"Bearer {settings.SUMMARY_MODEL_KEY}"}
    response = await client.post(
        settings.SUMMARY_MODEL_URL.rstrip("/") + "/chat/completions",
        json={
            "model": settings.SUMMARY_MODEL_NAME,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": INSTRUCTION},
                {"role": "user", "content": notes},
            ],
        },
        headers=headers if settings.SUMMARY_MODEL_KEY else {},
    )
    response.raise_for_status()
    try:
        text = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ModelFailed(f"not an OpenAI-style answer: {response.text[:200]!r}") from exc
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_ANSWER:
        raise ModelFailed(f"an unusable summary: {str(text)[:200]!r}")
    sentences = [s.text for s in extractive.sentences(text)][:MAX_SENTENCES]
    if not any(any(c.isalpha() for c in s) for s in sentences):
        raise ModelFailed(f"no words in the summary: {text[:200]!r}")
    return sentences
