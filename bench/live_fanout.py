"""A running session reaches every participant's page (issue 5): 1,000 SSE streams of the session
page's live URL (as its `sse-connect` names it), each signed in as a participant of its own
(a quarter of them reading English), then real changes through HTTP one after another, in turn:
the moderator makes another item current, a participant raises a hand (joins the speakers
list), the moderator edits the current item's notes. Each delivery is timed from sending the
request to the stream's receipt of the change's event, found by a token only that event
brings: the board's new version (`data-version="N" data-current-item`), the participant's name,
the notes' text. Against a bare sse-starlette endpoint sending the same events' bytes to the same
number of streams.

Then memory: `--idle` streams (10,000) held open by the one web process, its resident memory
per stream (after minus before, over the streams), connected and disconnected `--cycles` times
with the memory after each cycle; the same for the bare endpoint.

    .venv/bin/python bench/live_fanout.py [--subscribers 1000 --events 60 --idle 10000] [--quick]

Prints JSON: subscribers, events, p50_ms, p99_ms, max_ms, lost (deliveries that did not come
within the timeout), deliveries_per_s (deliveries over the time from each request to its last
delivery, summed), rss_kb_per_subscriber (the web process's memory with the streams open minus
before, per stream), closed (streams the server ended), `by_change` (p50/p99 per kind of change),
`baseline` with the same keys; `idle`: subscribers, rss_kb_per_subscriber, rss_kb_after_cycles,
growth_kb (last cycle's memory after minus the first's), and its own `baseline`; event_bytes,
post_p50_ms, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import math
import re
import secrets
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import harness  # noqa: E402
from bench.cookies import signed_in  # noqa: E402
from bench.session_seed import LiveSession, seed_session  # noqa: E402
from server.middleware import LOCALE_COOKIE  # noqa: E402

TOKEN = rb'kpb[0-9a-f]{12}|data-version="\d+" data-current-item'
DELIVERY_TIMEOUT = 10.0
KINDS = ("current", "hand", "notes")


def new_token() -> str:
    return "kpb" + secrets.token_hex(6)


def version_token(version: int) -> str:
    """What only the board event of the session at `version` carries."""
    return f'data-version="{version}" data-current-item'


@dataclass
class Change:
    """One change about to be sent: its kind, its token and how to send it."""

    kind: str
    token: str
    send: Callable[[], None]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=60, help="changes, the kinds in turn")
    parser.add_argument("--idle", type=int, default=10000, help="idle streams (0: skip)")
    parser.add_argument("--cycles", type=int, default=3, help="connect/disconnect the idle")
    parser.add_argument("--items", type=int, default=4, help="accepted items on the agenda")
    parser.add_argument("--workers", type=int, default=1, help="web processes of the app")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.subscribers, args.events, args.idle, args.cycles = 8, 6, 40, 3
    harness.raise_open_files_limit()
    with harness.services() as services, harness.fresh_database(services) as database:
        started = time.monotonic()
        session = asyncio.run(seed_session(database, args.subscribers, items=args.items))
        harness.note(
            f"seeded {args.subscribers} participants in {time.monotonic() - started:.1f} s"
        )
        with harness.Web(services, database) as web:
            harness.emit(run(web, database, session, args))


def run(
    web: harness.Web, database: str, session: LiveSession, args: argparse.Namespace
) -> dict[str, object]:
    apps = web.start(args.workers)
    bases = [w.base_url for w in apps]
    cookies, csrf = signed_in(web.secret_key, session.moderator_id)
    moderator = harness.http_client(bases[0], cookies=cookies, headers={"X-CSRF-Token": csrf})
    db = Database(database, session.meeting_id)
    post_times: list[float] = []

    def post(client: httpx.Client, path: str, data: Mapping[str, str]) -> None:
        began = time.monotonic()
        response = client.post(path, data=data)
        post_times.append(time.monotonic() - began)
        if response.status_code != 303:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")

    # The session starts and its first item becomes current before anyone is measured.
    post(moderator, f"{session.path}/start", {"version": str(db.version())})
    post(
        moderator,
        f"{session.path}/current",
        {"item_id": str(session.items[0]), "version": str(db.version())},
    )
    live_path = _live_path(moderator, session.path)
    post_times.clear()

    participants = iter(session.participants)
    turn = {"change": 0, "item": 0}

    def next_change() -> Change:
        kind = KINDS[turn["change"] % len(KINDS)]
        turn["change"] += 1
        if kind == "current":
            turn["item"] = (turn["item"] + 1) % len(session.items)
            version = db.version()
            form = {"item_id": str(session.items[turn["item"]]), "version": str(version)}
            return Change(
                kind,
                version_token(version + 1),
                lambda: post(moderator, f"{session.path}/current", form),
            )
        if kind == "hand":
            person = next(participants)
            person_cookies, person_csrf = signed_in(web.secret_key, person.person_id)
            client = harness.http_client(
                bases[0], cookies=person_cookies, headers={"X-CSRF-Token": person_csrf}
            )

            def raise_hand() -> None:
                try:
                    post(client, f"{session.path}/hand", {})
                finally:
                    client.close()

            return Change(kind, person.token, raise_hand)
        item = session.items[turn["item"]]
        token = new_token()
        form = {"text": f"Protokoll: Wir sammeln Angebote {token}.", "version": str(db.notes(item))}
        return Change(
            kind, token, lambda: post(moderator, f"{session.path}/items/{item}/notes", form)
        )

    everyone = [
        _participant_cookies(web.secret_key, p.person_id, i)
        for i, p in enumerate(session.participants)
    ]
    harness.note(f"app: {args.subscribers} streams of {live_path}, {args.events} changes")
    before = sum(harness.rss_kb(w.pid) for w in apps)
    with harness.Subscribers(
        bases,
        live_path,
        args.subscribers,
        token_pattern=TOKEN,
        cookies_each=everyone,
        processes=args.client_processes,
    ) as subscribers:
        time.sleep(0.5)  # the streams' replays are done
        held = sum(harness.rss_kb(w.pid) for w in apps) - before
        changes, figures = measure(subscribers, next_change, args.events)
        figures["rss_kb_per_subscriber"] = round(held / args.subscribers, 1)
        client_rss = max(harness.peak_rss_mb(pid) for pid in subscribers.pids)
    app_rss = max(harness.peak_rss_mb(w.pid) for w in apps)

    def live_now() -> str:
        """The stream of a page rendered the moment it connects: nothing to replay (ten
        thousand pages rendered before their streams connect, over a minute or two, would each
        replay every presence announcement since, which no browser does)."""
        return re.sub(r"&after=\d+", "", _live_path(moderator, session.path))

    first = {c.kind: c for c in reversed(changes)}  # the first change of each kind
    samples = {kind: db.fragment(first[kind].token) for kind in KINDS if kind in first}
    harness.note(f"app: {figures}")

    idle: dict[str, object] = {}
    if args.idle:
        idle = idle_streams(apps[0], live_now, everyone, args)

    baseline_web = web.start(app="bench.baseline_app:create_app")[0]
    baseline = baseline_web.base_url
    publisher = harness.http_client(baseline)
    sent = {"count": 0}

    def next_baseline() -> Change:
        fragment, token = list(samples.values())[sent["count"] % len(samples)]
        sent["count"] += 1
        new = new_token()
        body = fragment.replace(token, new).encode()

        def publish() -> None:
            publisher.post("/publish", content=body).raise_for_status()

        return Change("bare", new, publish)

    before = harness.rss_kb(baseline_web.pid)
    with harness.Subscribers(
        [baseline],
        "/stream",
        args.subscribers,
        token_pattern=TOKEN,
        processes=args.client_processes,
    ) as subscribers:
        _wait_for_streams(baseline, args.subscribers)
        held = harness.rss_kb(baseline_web.pid) - before
        _, bare = measure(subscribers, next_baseline, args.events)
        bare["rss_kb_per_subscriber"] = round(held / args.subscribers, 1)
        figures["baseline"] = bare
    publisher.close()
    if args.idle:
        idle["baseline"] = idle_streams(baseline_web, lambda: "/stream", [{}], args, bare=True)
    moderator.close()
    figures.update(
        idle=idle,
        event_bytes={kind: len(fragment.encode()) for kind, (fragment, _) in samples.items()},
        post_p50_ms=harness.ms(harness.percentile(post_times, 50)),
        web_processes=args.workers,
        peak_rss_mb={"app": app_rss, "client": client_rss},
    )
    return figures


def measure(
    subscribers: harness.Subscribers, next_change: Callable[[], Change], events: int
) -> tuple[list[Change], dict[str, object]]:
    """Send a warm-up change and `events` changes one after another, each once the last reached
    every stream (or the timeout passed)."""
    warm_up = next_change()
    warm_up.send()
    if subscribers.wait_for(warm_up.token, 30) < subscribers.count:
        raise RuntimeError("the warm-up change did not reach every stream")
    changes: list[Change] = []
    sent: dict[str, float] = {}
    for _ in range(events):
        change = next_change()  # reads what it needs (a version) before the clock starts
        changes.append(change)
        sent[change.token] = time.monotonic()
        change.send()
        subscribers.wait_for(change.token, DELIVERY_TIMEOUT)
    receipts, closed = subscribers.receipts()
    latencies = [t - sent[token] for token in sent for t in receipts.get(token, ())]
    busy = sum(max(receipts[token]) - sent[token] for token in sent if receipts.get(token))
    figures: dict[str, object] = {
        "subscribers": subscribers.count,
        "events": events,
        **_latency_figures(latencies),
        "lost": events * subscribers.count - len(latencies),
        "deliveries_per_s": round(len(latencies) / busy) if busy else 0,
        "closed": closed,
    }
    kinds = sorted({c.kind for c in changes})
    if len(kinds) > 1:
        figures["by_change"] = {
            kind: _latency_figures(
                [
                    t - sent[c.token]
                    for c in changes
                    if c.kind == kind
                    for t in receipts.get(c.token, ())
                ]
            )
            for kind in kinds
        }
    return changes, figures


def _latency_figures(latencies: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": harness.ms(harness.percentile(latencies, 50)),
        "p99_ms": harness.ms(harness.percentile(latencies, 99)),
        "max_ms": harness.ms(max(latencies, default=math.nan)),
    }


def idle_streams(
    web: harness.WebProcess,
    path: Callable[[], str],
    cookies_each: Sequence[Mapping[str, str]],
    args: argparse.Namespace,
    *,
    bare: bool = False,
) -> dict[str, object]:
    """`args.idle` streams opened and closed `args.cycles` times: the process's memory per
    stream while they are open, and after each cycle once the server let go of them all.
    `path`: the live URL of a page rendered now (each cycle's streams start from there)."""
    label = "baseline" if bare else "app"
    processes = max(args.client_processes, -(-args.idle // 2500))  # ≤ 2,500 streams each
    resting_files = harness.open_files(web.pid)
    before = harness.rss_kb(web.pid)
    per_stream: list[float] = []
    after: list[int] = []
    for cycle in range(args.cycles):
        began = time.monotonic()
        with harness.Subscribers(
            [web.base_url],
            path(),
            args.idle,
            token_pattern=TOKEN,
            cookies_each=cookies_each,
            processes=processes,
        ):
            if bare:
                _wait_for_streams(web.base_url, args.idle)
            time.sleep(1)
            held = harness.rss_kb(web.pid)
            per_stream.append(round((held - (after[-1] if after else before)) / args.idle, 1))
            opened = time.monotonic() - began
        _wait_for_files(web.pid, resting_files)
        time.sleep(1)
        after.append(harness.rss_kb(web.pid))
        harness.note(
            f"{label}: {args.idle} idle streams opened in {opened:.1f} s, cycle {cycle + 1}: "
            f"{held} KiB held, {after[-1]} KiB after"
        )
    return {
        "subscribers": args.idle,
        "rss_kb_per_subscriber": per_stream[0],
        "rss_kb_per_subscriber_cycles": per_stream,
        "rss_kb_before": before,
        "rss_kb_after_cycles": after,
        "growth_kb": after[-1] - after[0],
    }


def _live_path(client: httpx.Client, page_path: str) -> str:
    """The live URL of the page as rendered now (`sse-connect`), as a browser would open it."""
    page = client.get(page_path)
    match = re.search(r'sse-connect="([^"]+)"', page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"{page_path}: {page.status_code}, sse-connect: {match}")
    return html.unescape(match.group(1))


def _participant_cookies(secret_key: str, person_id: int, index: int) -> dict[str, str]:
    cookies, _ = signed_in(secret_key, person_id)
    if index % 4 == 3:
        cookies[LOCALE_COOKIE] = "en"
    return cookies


def _wait_for_streams(base: str, count: int) -> None:
    """The bare endpoint replays nothing: wait until every stream is subscribed."""
    deadline = time.monotonic() + 60
    while httpx.get(base + "/subscribers").json()["subscribers"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the baseline's streams did not all subscribe")
        time.sleep(0.05)


# Descriptors the process may hold beyond its resting count once the streams are gone: its
# database pool (25 kept, 10 more at a peak, server/db.py) and a few more.
FILES_SLACK = 64


def _wait_for_files(pid: int, resting: int) -> None:
    """Until the server closed the streams' sockets (the pool's connections as slack)."""
    deadline = time.monotonic() + 120
    while harness.open_files(pid) > resting + FILES_SLACK:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the web process still holds {harness.open_files(pid)} files")
        time.sleep(0.1)


class Database:
    """What the benchmark reads from the app's database between changes (the moderator's page
    would show it): the session's version, an item's notes version, an event's bytes."""

    def __init__(self, url: str, meeting_id: int) -> None:
        self.url = url
        self.meeting_id = meeting_id

    def _fetch(self, sql: str, *args: object) -> object:
        async def fetch() -> object:
            connection = await asyncpg.connect(self.url)
            try:
                return await connection.fetchval(sql, *args)
            finally:
                await connection.close()

        return asyncio.run(fetch())

    def version(self) -> int:
        value = self._fetch("SELECT version FROM meetings WHERE id = $1", self.meeting_id)
        assert isinstance(value, int)
        return value

    def notes(self, item_id: int) -> int:
        value = self._fetch("SELECT notes_version FROM agenda_items WHERE id = $1", item_id)
        assert isinstance(value, int)
        return value

    def fragment(self, token: str) -> tuple[str, str]:
        """The German bytes of the first event carrying `token`, and the token."""
        value = self._fetch(
            "SELECT data->>'de' FROM events WHERE strpos(data->>'de', $1) > 0 ORDER BY id LIMIT 1",
            token,
        )
        if not isinstance(value, str):
            raise RuntimeError(f"no event carries {token!r}")
        return value, token


if __name__ == "__main__":
    main()
