"""A board change reaches every open board page: 200 SSE streams on the board's live URL (as the
board page's `sse-connect` names it), then cards added one after another through HTTP (the
form post, with the session's CSRF token); each delivery is timed from sending the request to
the stream's receipt of the event, found by a token in the card's title. Against a bare
sse-starlette endpoint that sends the same bytes to the same number of streams.

    .venv/bin/python bench/board_fanout.py [--subscribers 200 --events 50] [--quick]

Prints JSON: subscribers, events, p50_ms, p99_ms, max_ms, lost (deliveries that did not come
within the timeout), deliveries_per_s (deliveries over the time from each request to its last
delivery, summed), `baseline` with the same keys, event_bytes, post_p50_ms (the request's own
answer), closed (streams the server ended), peak_rss_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import harness  # noqa: E402
from bench.cookies import signed_in  # noqa: E402
from bench.seed import seed_board  # noqa: E402

TOKEN = rb"kpb[0-9a-f]{12}"
DELIVERY_TIMEOUT = 10.0


def new_token() -> str:
    return "kpb" + secrets.token_hex(6)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--cards", type=int, default=200, help="cards on the board before")
    parser.add_argument("--workers", type=int, default=1, help="web processes of the app")
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.subscribers, args.events, args.cards = 8, 3, 5
    harness.raise_open_files_limit()
    with harness.services() as services, harness.fresh_database(services) as database:
        board = asyncio.run(seed_board(database, args.cards))
        with harness.Web(services, database) as web:
            harness.emit(run(web, database, board.slug, board.person_id, args))


def run(
    web: harness.Web, database: str, slug: str, person_id: int, args: argparse.Namespace
) -> dict[str, object]:
    apps = web.start(args.workers)
    bases = [w.base_url for w in apps]
    cookies, csrf = signed_in(web.secret_key, person_id)
    writer = harness.http_client(bases[0], cookies=cookies, headers={"X-CSRF-Token": csrf})
    page = writer.get(f"/groups/{slug}/board")
    match = re.search(r'sse-connect="([^"]+)"', page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"the board page: {page.status_code}, sse-connect: {match}")
    live_path = html.unescape(match.group(1))
    post_times: list[float] = []

    def add_card(token: str) -> None:
        began = time.monotonic()
        response = writer.post(
            f"/groups/{slug}/board/cards",
            data={"kind": "offer", "resource_kind": "goods", "title": f"Kühlschrank {token}"},
        )
        post_times.append(time.monotonic() - began)
        if response.status_code != 303:
            raise RuntimeError(f"adding a card: {response.status_code} {response.text[:300]}")

    harness.note(f"app: {args.subscribers} streams of {live_path}, {args.events} cards added")
    with harness.Subscribers(
        bases,
        live_path,
        args.subscribers,
        token_pattern=TOKEN,
        cookies=cookies,
        processes=args.client_processes,
    ) as subscribers:
        figures = measure(subscribers, add_card, args.events)
        client_rss = max(harness.peak_rss_mb(pid) for pid in subscribers.pids)
    app_rss = max(harness.peak_rss_mb(w.pid) for w in apps)
    writer.close()
    fragment, token = asyncio.run(_last_fragment(database))
    harness.note(f"app: {figures}; baseline: the same {len(fragment.encode())} bytes")

    baseline = web.start(app="bench.baseline_app:create_app")[0].base_url
    publisher = harness.http_client(baseline)

    def publish(new: str) -> None:
        publisher.post("/publish", content=fragment.replace(token, new).encode())

    with harness.Subscribers(
        [baseline],
        "/stream",
        args.subscribers,
        token_pattern=TOKEN,
        processes=args.client_processes,
    ) as subscribers:
        _wait_for_streams(baseline, args.subscribers)
        figures["baseline"] = measure(subscribers, publish, args.events)
    publisher.close()
    figures.update(
        event_bytes=len(fragment.encode()),
        post_p50_ms=harness.ms(harness.percentile(post_times, 50)),
        web_processes=args.workers,
        peak_rss_mb={"app": app_rss, "client": client_rss},
    )
    return figures


def measure(
    subscribers: harness.Subscribers, send: Callable[[str], None], events: int
) -> dict[str, object]:
    """Send `events` changes one after another, each once the last reached every stream."""
    warm_up = new_token()
    send(warm_up)
    if subscribers.wait_for(warm_up, 30) < subscribers.count:
        raise RuntimeError("the warm-up change did not reach every stream")
    sent: dict[str, float] = {}
    for _ in range(events):
        token = new_token()
        sent[token] = time.monotonic()
        send(token)
        subscribers.wait_for(token, DELIVERY_TIMEOUT)
    receipts, closed = subscribers.receipts()
    latencies = [t - sent[token] for token in sent for t in receipts.get(token, ())]
    busy = sum(max(receipts[token]) - sent[token] for token in sent if receipts.get(token))
    return {
        "subscribers": subscribers.count,
        "events": events,
        "p50_ms": harness.ms(harness.percentile(latencies, 50)),
        "p99_ms": harness.ms(harness.percentile(latencies, 99)),
        "max_ms": harness.ms(max(latencies, default=float("nan"))),
        "lost": events * subscribers.count - len(latencies),
        "deliveries_per_s": round(len(latencies) / busy) if busy else 0,
        "closed": closed,
    }


def _wait_for_streams(base: str, count: int) -> None:
    """The bare endpoint replays nothing: wait until every stream is subscribed."""
    deadline = time.monotonic() + 30
    while httpx.get(base + "/subscribers").json()["subscribers"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the baseline's streams did not all subscribe")
        time.sleep(0.05)


async def _last_fragment(database: str) -> tuple[str, str]:
    """The German fragment of the app's last live event, and the token in it."""
    connection = await asyncpg.connect(database)
    try:
        data = await connection.fetchval("SELECT data->>'de' FROM events ORDER BY id DESC LIMIT 1")
    finally:
        await connection.close()
    tokens = re.findall(TOKEN.decode(), data)
    return data, tokens[-1]


if __name__ == "__main__":
    main()
