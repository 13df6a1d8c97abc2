"""Notes written by everyone at once (issue 5): `--participants` people (200) in one running
session each hold the session's page open (one SSE stream of its live URL each) and write into
the same item's notes at `--rate` edits per second each (2) for `--seconds` (30).

Each participant writes into a line of their own ("Teilnehmer 17: …"): every edit appends a
fresh token and drops the oldest beyond three, so the notes stay the size of real notes while
every edit both inserts and deletes. An edit is the text the participant last got back from
the server with their line changed, sent with that revision's version as the editor does: over
the page's notes socket (its origin, cookie and CSRF token; a page opens it with its first save,
here it is opened with the page so that every save is timed over it), or with `--transport
http` posted as htmx does. So nearly every edit is based on a revision that others have changed
since, and is merged three-way on the server. Edits are paced on a schedule (each
participant's own clock, the participants evenly staggered), from client processes of their
own; each edit is stamped when it is sent.

Measured: the time from an edit being sent until every open page has its token (`p50_ms`,
`p95_ms`, `p99_ms`, `max_ms`: per edit, the last page's receipt), and per delivery
(`delivery_p50_ms`, `delivery_p95_ms`). Lost: an edit the server accepted (200) whose token
never reached a page within 10 s (`lost_deliveries`, `lost`), or that is not in a revision of
the notes by its author, or whose author's line in the stored notes is not their last accepted
edit (`lost_in_database`); `refused` counts answers other than 200 (a person would be told).

Baseline: a bare sse-starlette endpoint (`bench/baseline_app.py`, no database, Redis, rights or
rendering) sending events of the same size at the same rate as the app sent notes events in
this run, to the same number of streams; timed from the publish request to each receipt. It
is what the delivery alone costs on this machine, so the app's figures minus it are the price
of saving, merging and announcing. (A bare `UPDATE` of the row at 400/s would say little: the
work is in merging and in delivering to 200 pages, not in writing one row.)

    .venv/bin/python bench/notes.py [--participants 200 --rate 2 --seconds 30] [--quick]

Prints JSON: participants, edits, p50_ms, p95_ms, p99_ms, max_ms, delivery_p50_ms,
delivery_p95_ms, lost, lost_deliveries, lost_in_database, refused, post_p50_ms, post_p95_ms
(the save's own answer), app_cpu_ms_per_edit (the web processes' CPU time over the edits:
what a save costs, whatever else runs on the machine), events (notes events sent),
event_bytes (their mean size), revisions,
notes_chars (the final notes), closed (streams the server ended), `baseline` (subscribers,
events, p50_ms, p95_ms, p99_ms, max_ms, lost), peak_rss_mb.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import math
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import websockets  # noqa: E402

from bench import harness, wire  # noqa: E402
from bench.board_fanout import _wait_for_streams  # noqa: E402
from bench.cookies import signed_in  # noqa: E402
from bench.notes_seed import line_label, seed_notes_session  # noqa: E402

TOKEN = rb"kpn[0-9a-f]{12}"
DELIVERY_TIMEOUT = 10.0
KEPT_TOKENS = 3  # tokens per participant's line
_VERSION = re.compile(rb'name="version" value="(\d+)"')
_TEXT = re.compile(rb"<textarea[^>]*>\n?(.*?)</textarea>", re.S)
_SOCKET = re.compile(rb'data-notes-socket="([^"]+)"')


def new_token() -> str:
    return "kpn" + secrets.token_hex(6)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="edits per second each")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1, help="web processes of the app")
    parser.add_argument("--client-processes", type=int, default=2, help="processes of writers")
    parser.add_argument("--stream-processes", type=int, default=1, help="processes of streams")
    parser.add_argument(
        "--transport",
        choices=("socket", "http"),
        default="socket",
        help="how saves are sent: over the page's socket (as the page does) or by htmx posts",
    )
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.participants, args.seconds, args.client_processes = 8, 2.0, 1
    harness.raise_open_files_limit()
    with harness.services() as services, harness.fresh_database(services) as database:
        seeded = asyncio.run(seed_notes_session(database, args.participants))
        with harness.Web(services, database) as web:
            harness.emit(run(web, database, seeded, args))


def run(web: harness.Web, database: str, seeded: Any, args: argparse.Namespace) -> dict[str, Any]:
    apps = web.start(args.workers)
    bases = [w.base_url for w in apps]
    people = [signed_in(web.secret_key, person) for person in seeded.person_ids]
    with harness.http_client(bases[0], cookies=people[0][0]) as reader:
        page = reader.get(seeded.path)
    match = re.search(r'sse-connect="([^"]+)"', page.text)
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"the session page: {page.status_code}, sse-connect: {match}")
    live_path = html.unescape(match.group(1))
    harness.note(
        f"app: {args.participants} pages on {live_path}, each writing {args.rate}/s "
        f"for {args.seconds} s"
    )
    with harness.Subscribers(
        bases,
        live_path,
        args.participants,
        token_pattern=TOKEN,
        cookies=people[0][0],
        processes=args.stream_processes,
    ) as subscribers:
        started: list[float] = []
        edits = write(
            bases,
            seeded.notes_path,
            people,
            args,
            lambda: started.append(sum(cpu_seconds(w.pid) for w in apps)),
        )
        accepted = [edit for edit in edits if edit["status"] == 200]
        last = max(accepted, key=lambda edit: edit["sent"], default=None)
        if last is not None:
            subscribers.wait_for(last["token"], DELIVERY_TIMEOUT)
        time.sleep(0.5)
        cpu = sum(cpu_seconds(w.pid) for w in apps) - started[0]
        receipts, closed = subscribers.receipts()
        client_rss = max(harness.peak_rss_mb(pid) for pid in subscribers.pids)
    app_rss = max(harness.peak_rss_mb(w.pid) for w in apps)
    stored = asyncio.run(_stored(database, seeded.item_id))
    figures = _figures(edits, receipts, args.participants, stored, args)
    figures["closed"] = closed
    figures["app_cpu_ms_per_edit"] = round(cpu * 1000 / max(1, len(edits)), 2)
    harness.note(f"app: {figures}")

    baseline = web.start(app="bench.baseline_app:create_app")[0].base_url
    rate = figures["events"] / args.seconds if figures["events"] else 1.0
    fragment = _fragment(stored["event_sample"], figures["event_bytes"])
    with harness.Subscribers(
        [baseline], "/stream", args.participants, token_pattern=TOKEN
    ) as subscribers:
        _wait_for_streams(baseline, args.participants)
        figures["baseline"] = _baseline(subscribers, baseline, fragment, rate, args.seconds)
    figures["peak_rss_mb"] = {"app": app_rss, "client": client_rss}
    figures["web_processes"] = args.workers
    figures["transport"] = args.transport
    return figures


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the writers ----------------------------------------------------------------------------


def write(
    bases: Sequence[str],
    path: str,
    people: Sequence[tuple[dict[str, str], str]],
    args: argparse.Namespace,
    on_start: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    """Every participant's edits, from `--client-processes` processes; each edit's token, send
    time, answer time, status and the person. `on_start` is called as the edits begin (the
    participants have opened the session's page by then)."""
    processes = max(1, min(args.client_processes, len(people)))
    pipes: list[Connection] = []
    workers = []
    for index in range(processes):
        mine = list(range(index, len(people), processes))
        parent, child = harness._SPAWN.Pipe()
        worker = harness._SPAWN.Process(
            target=_writer_process,
            args=(
                child,
                [(number, bases[number % len(bases)], *people[number]) for number in mine],
                path,
                len(people),
                args.rate,
                args.seconds,
                args.transport,
            ),
            daemon=True,
        )
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    try:
        for pipe in pipes:
            harness._expect(pipe, "connected", 60)
        start = time.monotonic() + 0.2
        on_start()
        for pipe in pipes:
            pipe.send(("go", start))
        results = [harness._expect(pipe, "done", args.seconds + 120) for pipe in pipes]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    return [edit for result in results for edit in result]


def _writer_process(
    pipe: Connection,
    participants: list[tuple[int, str, dict[str, str], str]],
    path: str,
    everyone: int,
    rate: float,
    seconds: float,
    transport: str,
) -> None:
    try:
        asyncio.run(_writers(pipe, participants, path, everyone, rate, seconds, transport))
    except BaseException as exc:
        pipe.send(("error", repr(exc)))
        raise


class _Editor:
    """One participant's editor: the text and version last got back, and a keep-alive
    connection for the saves."""

    def __init__(self, number: int, base: str, cookies: dict[str, str], csrf: str) -> None:
        self.number = number
        self.base = base
        self.cookies = cookies
        self.label = line_label(number)
        self.headers = {
            "HX-Request": "true",
            "X-CSRF-Token": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.text = ""
        self.version = "0"
        self.tokens: list[str] = []
        self.socket_path = ""
        self._socket: Any = None
        self._saves = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open_socket(self) -> None:
        """The page's notes socket, as the page opens it (its origin, cookie and token)."""
        host, port = wire.address(self.base)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self._socket = await websockets.connect(
            f"ws://{host}:{port}{self.socket_path}",
            origin=websockets.Origin(self.base),
            additional_headers={"Cookie": cookie},
            compression=None,
            max_size=None,
            ping_interval=None,
        )

    async def save_over_socket(self, item: int, text: str) -> tuple[int, dict[str, Any]]:
        """A save as the page sends it over the socket: the answer's status and the answer."""
        self._saves += 1
        message = {"n": self._saves, "item": item, "version": self.version, "text": text}
        await self._socket.send(json.dumps(message, ensure_ascii=False))
        while True:
            answer = json.loads(await self._socket.recv())
            if answer.get("n") == self._saves:
                return int(answer["status"]), answer

    async def request(self, method: str, path: str, body: bytes = b"") -> wire.Response:
        try:
            return await self._request(method, path, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            # A keep-alive connection the server closed while it was idle: nothing was read.
            await self.close()
            return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: bytes) -> wire.Response:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(*wire.address(self.base))
        assert self._reader is not None
        headers = self.headers if method == "POST" else {"HX-Request": "true"}
        self._writer.write(wire.request_bytes(method, self.base, path, headers, self.cookies, body))
        head = await self._reader.readuntil(b"\r\n\r\n")
        if wire._CHUNKED.search(head):
            content = await wire._read_chunked(self._reader)
        else:
            match = wire._CONTENT_LENGTH.search(head)
            content = await self._reader.readexactly(int(match.group(1))) if match else b""
        for name, value in wire._SET_COOKIE.findall(head):
            self.cookies[name.decode("latin-1")] = value.decode("latin-1")
        if wire._CLOSE.search(head):
            await self.close()
        return wire.Response(int(head[9:12]), content)

    def take(self, answer: bytes) -> None:
        """The editor the server answered with: its text and version are the new base."""
        version, text = _VERSION.search(answer), _TEXT.search(answer)
        if version and text:
            self.version = version.group(1).decode()
            self.text = html.unescape(text.group(1).decode())

    def edited(self, token: str) -> str:
        """The known text with my line holding the new token (and the oldest dropped)."""
        self.tokens = [*self.tokens, token][-KEPT_TOKENS:]
        line = " ".join([self.label, *self.tokens])
        lines = self.text.split("\n")
        for index, old in enumerate(lines):
            if old == self.label or old.startswith(self.label + " "):
                lines[index] = line
                return "\n".join(lines)
        return "\n".join([*lines, line]) if self.text else line

    def took(self, answer: dict[str, Any]) -> None:
        """A save's answer over the socket: its text and version are the new base."""
        self.version = str(answer["version"])
        self.text = answer["text"]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._socket is not None:
            await self._socket.close()
            self._socket = None


_ENCODED: dict[str, bytes] = {}


def _form(text: str, version: str) -> bytes:
    """The form body of a save, as `urlencode` makes it; line by line, each line encoded once
    per process (encoding 12 kB per save char by char in Python cost the client more than
    the server's merge)."""
    lines = []
    for line in text.split("\n"):
        encoded = _ENCODED.get(line)
        if encoded is None:
            if len(_ENCODED) > 100_000:
                _ENCODED.clear()
            encoded = _ENCODED[line] = quote_plus(line).encode()
        lines.append(encoded)
    return b"text=" + b"%0A".join(lines) + b"&version=" + version.encode()


async def _writers(
    pipe: Connection,
    participants: list[tuple[int, str, dict[str, str], str]],
    path: str,
    everyone: int,
    rate: float,
    seconds: float,
    transport: str,
) -> None:
    editors = [_Editor(*participant) for participant in participants]
    page_path = path.rsplit("/items/", 1)[0]
    item = int(path.rsplit("/items/", 1)[1].split("/", 1)[0])

    async def open_editor(editor: _Editor) -> None:
        # The page as the participant opened it: the notes and their version.
        page = await editor.request("GET", page_path)
        if page.status != 200:
            raise RuntimeError(f"the session page answered {page.status}")
        editor.take(page.body)
        socket = _SOCKET.search(page.body)
        if socket is None:
            raise RuntimeError("the session page names no notes socket")
        editor.socket_path = html.unescape(socket.group(1).decode())
        await editor.close()  # idle until the start: uvicorn would close it after 5 s
        if transport == "socket":
            await editor.open_socket()

    limit = asyncio.Semaphore(32)

    async def opened(editor: _Editor) -> None:
        async with limit:
            await open_editor(editor)

    await asyncio.gather(*(opened(editor) for editor in editors))
    pipe.send(("connected", None))
    _, start = await asyncio.to_thread(pipe.recv)
    edits: list[dict[str, Any]] = []
    count = max(1, math.floor(seconds * rate))

    async def participant(editor: _Editor) -> None:
        for sent_count in range(count):
            due = start + (editor.number / everyone + sent_count) / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            token = new_token()
            text = editor.edited(token)
            if transport == "socket":
                sent = time.monotonic()
                status, answer = await editor.save_over_socket(item, text)
                answered = time.monotonic()
                if status == 200:
                    editor.took(answer)
            else:
                body = _form(text, editor.version)
                sent = time.monotonic()
                response = await editor.request("POST", path, body)
                answered = time.monotonic()
                status = response.status
                if status == 200:
                    editor.take(response.body)
            if status != 200:
                editor.tokens = editor.tokens[:-1]  # not saved: the line stays as stored
            edits.append(
                {
                    "token": token,
                    "person": editor.number,
                    "sent": sent,
                    "answered": answered,
                    "status": status,
                    "tokens": list(editor.tokens),
                }
            )

    await asyncio.gather(*(participant(editor) for editor in editors))
    for editor in editors:
        await editor.close()
    pipe.send(("done", edits))


# --- what was stored, and the figures ---------------------------------------------------------


async def _stored(database: str, item_id: int) -> dict[str, Any]:
    """Per person the tokens in their revisions' own line, the final notes, and the notes
    events' sizes (one German fragment as the baseline's sample)."""
    connection = await asyncpg.connect(database)
    try:
        notes = await connection.fetchval("SELECT notes FROM agenda_items WHERE id = $1", item_id)
        revisions = await connection.fetch(
            "SELECT r.version, r.text, p.name FROM note_revisions r"
            " JOIN persons p ON p.id = r.person_id WHERE r.item_id = $1 AND r.version > 1",
            item_id,
        )
        sizes = await connection.fetch(
            "SELECT octet_length(data->>'de') AS size FROM events WHERE name = 'notes'"
        )
        sample = await connection.fetchval(
            "SELECT data->>'de' FROM events WHERE name = 'notes' ORDER BY id DESC LIMIT 1"
        )
    finally:
        await connection.close()
    return {
        "notes": notes,
        "revisions": [(row["version"], row["text"], row["name"]) for row in revisions],
        "event_sizes": [row["size"] for row in sizes],
        "event_sample": sample or "",
    }


def _figures(
    edits: list[dict[str, Any]],
    receipts: dict[str, list[float]],
    pages: int,
    stored: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    accepted = [edit for edit in edits if edit["status"] == 200]
    per_edit: list[float] = []
    deliveries: list[float] = []
    lost_deliveries = 0
    for edit in accepted:
        times = [t - edit["sent"] for t in receipts.get(edit["token"], ())]
        deliveries.extend(times)
        lost_deliveries += pages - len(times)
        per_edit.append(max(times) if len(times) == pages else math.inf)
    in_database = _tokens_in_revisions(stored["revisions"], args.participants)
    final_lines = {
        line.split(" ", 2)[1].rstrip(":"): line
        for line in stored["notes"].split("\n")
        if line.startswith("Teilnehmer ")
    }
    last_of: dict[int, dict[str, Any]] = {}
    for edit in sorted(accepted, key=lambda edit: edit["sent"]):
        last_of[edit["person"]] = edit
    lost_in_database = sum(
        edit["token"] not in in_database.get(edit["person"], ()) for edit in accepted
    )
    for person, edit in last_of.items():
        expected = " ".join([line_label(person), *edit["tokens"]])
        if final_lines.get(str(person)) != expected:
            lost_in_database += 1
    answers = [edit["answered"] - edit["sent"] for edit in edits]
    finite = [value for value in per_edit if math.isfinite(value)]
    sizes = stored["event_sizes"]
    return {
        "participants": args.participants,
        "rate_per_participant": args.rate,
        "seconds": args.seconds,
        "edits": len(edits),
        "p50_ms": harness.ms(harness.percentile(per_edit, 50)),
        "p95_ms": harness.ms(harness.percentile(per_edit, 95)),
        "p99_ms": harness.ms(harness.percentile(per_edit, 99)),
        "max_ms": harness.ms(max(finite, default=math.nan)),
        "delivery_p50_ms": harness.ms(harness.percentile(deliveries, 50)),
        "delivery_p95_ms": harness.ms(harness.percentile(deliveries, 95)),
        "lost": len(per_edit) - len(finite) + lost_in_database,
        "lost_deliveries": lost_deliveries,
        "lost_in_database": lost_in_database,
        "refused": len(edits) - len(accepted),
        "post_p50_ms": harness.ms(harness.percentile(answers, 50)),
        "post_p95_ms": harness.ms(harness.percentile(answers, 95)),
        "events": len(sizes),
        "event_bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
        "revisions": len(stored["revisions"]),
        "notes_chars": len(stored["notes"]),
    }


def _tokens_in_revisions(
    revisions: list[tuple[int, str, str]], participants: int
) -> dict[int, set[str]]:
    """Per participant, the tokens on their own line in the revisions they authored."""
    names = {f"Teilnehmerin {index}": index for index in range(1, participants)}
    found: dict[int, set[str]] = {}
    pattern = TOKEN.decode()
    for _, text, name in revisions:
        person = names.get(name, 0)
        label = line_label(person) + " "
        at = text.find(label)
        while at > 0 and text[at - 1] != "\n":  # a line's start only
            at = text.find(label, at + 1)
        if at < 0:
            continue
        end = text.find("\n", at)
        line = text[at : end if end >= 0 else len(text)]
        found.setdefault(person, set()).update(re.findall(pattern, line))
    return found


# --- the baseline -------------------------------------------------------------------------------


def _fragment(sample: str, size: int) -> str:
    """An event body of `size` bytes in the app's shape, with one {token} slot."""
    body = re.sub(TOKEN.decode(), "", sample) or "x"
    body = "{token} " + body
    while len(body.encode()) < size:
        body += body
    return body.encode()[: max(size, 20)].decode("utf-8", "ignore")


def _baseline(
    subscribers: harness.Subscribers, base: str, fragment: str, rate: float, seconds: float
) -> dict[str, Any]:
    warm_up = new_token()
    with harness.http_client(base) as publisher:
        publisher.post("/publish", content=fragment.replace("{token}", warm_up).encode())
        subscribers.wait_for(warm_up, 30)
        sent: dict[str, float] = {}
        start = time.monotonic()
        for number in range(max(1, round(rate * seconds))):
            due = start + number / rate
            time.sleep(max(0.0, due - time.monotonic()))
            token = new_token()
            sent[token] = time.monotonic()
            publisher.post("/publish", content=fragment.replace("{token}", token).encode())
    subscribers.wait_for(token, DELIVERY_TIMEOUT)
    receipts, _ = subscribers.receipts()
    per_event = []
    for token, at in sent.items():
        times = receipts.get(token, ())
        per_event.append(max(times) - at if len(times) == subscribers.count else math.inf)
    finite = [value for value in per_event if math.isfinite(value)]
    return {
        "subscribers": subscribers.count,
        "events": len(sent),
        "event_bytes": len(fragment.encode()),
        "p50_ms": harness.ms(harness.percentile(per_event, 50)),
        "p95_ms": harness.ms(harness.percentile(per_event, 95)),
        "p99_ms": harness.ms(harness.percentile(per_event, 99)),
        "max_ms": harness.ms(max(finite, default=math.nan)),
        "lost": len(per_event) - len(finite),
    }


if __name__ == "__main__":
    main()
