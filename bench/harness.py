"""What every benchmark shares: the services, a fresh migrated database, web processes served by
uvicorn, signed-in cookies, client processes (an HTTP load generator, SSE subscribers) and the
arithmetic of the figures.

A benchmark runs in three kinds of process: this one orchestrates (and sends the changes of a
fan-out benchmark), uvicorn serves (the app, or a bare baseline app), and client processes of
their own load the server, so that neither measures itself. Times taken in different processes
are comparable: `time.monotonic()` is CLOCK_MONOTONIC, one clock for the whole machine on Linux.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import wire

ROOT = Path(__file__).resolve().parent.parent
# `make bench` (and a bench run without DATABASE_URL / REDIS_URL) starts its own services
# through scripts/lib.sh, on ports of its own so that it can run beside `make run`/`make test`.
SERVICES = ("bench", "27432", "27379", "knotenpunkt_bench")
_SPAWN = multiprocessing.get_context("spawn")


# --- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), interpolated between the nearest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB; NaN once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return math.nan
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else math.nan


def rss_kb(pid: int) -> int:
    """The process's resident memory now (VmRSS), in KiB; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) if match else 0


def open_files(pid: int) -> int:
    """How many descriptors the process holds (its sockets among them); 0 once it is gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def emit(figures: Mapping[str, Any]) -> None:
    """The benchmark's one line of output: its figures as JSON."""
    print(json.dumps(figures, ensure_ascii=False))


def note(message: str) -> None:
    """Progress for the reader, on stderr (stdout is the JSON alone)."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def raise_open_files_limit() -> None:
    """Thousands of streams need as many descriptors, in the clients and in uvicorn (which
    inherits the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- services and databases -------------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    database_url: str  # any database on the server; benchmarks create their own beside it
    redis_url: str


@contextlib.contextmanager
def services() -> Iterator[Services]:
    """DATABASE_URL and REDIS_URL from the environment (`make bench`, `make test`); without
    them, PostgreSQL and Redis started by scripts/lib.sh as `make test` does, stopped after."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if database_url and redis_url:
        yield Services(database_url, redis_url)
        return
    profile, pg_port, redis_port, database = SERVICES
    note(f"starting PostgreSQL and Redis through scripts/lib.sh ({profile} profile)")
    script = (
        f"source scripts/lib.sh; start_services {profile} {pg_port} {redis_port} {database} >&2; "
        'echo "$DATABASE_URL"; echo "$REDIS_URL"; '
        'for command in "${STOP_COMMANDS[@]:-}"; do echo "$command"; done'
    )
    env = {k: v for k, v in os.environ.items() if v}  # an empty URL counts as none
    out = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout.splitlines()
    stop_commands = [line for line in out[2:] if line.strip()]
    try:
        yield Services(out[0], out[1])
    finally:
        for command in reversed(stop_commands):
            subprocess.run(["bash", "-c", f"source scripts/lib.sh; {command}"], cwd=ROOT)


def _database_url(server_url: str, name: str) -> str:
    head, _, _ = server_url.rpartition("/")
    return f"{head}/{name}"


async def _admin(server_url: str, sql: str) -> None:
    dsn = _database_url(server_url, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.contextmanager
def fresh_database(services: Services) -> Iterator[str]:
    """A new database on the services' server, migrated with the real `alembic upgrade head`;
    dropped afterwards."""
    name = f"kp_bench_{uuid.uuid4().hex[:10]}"
    url = _database_url(services.database_url, name)
    asyncio.run(_admin(services.database_url, f'CREATE DATABASE "{name}"'))
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "only-migrating"},
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        asyncio.run(_admin(services.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- web processes ----------------------------------------------------------------------------


def free_port() -> int:
    """A free loopback port below 32768 (higher ones can be taken by outgoing connections)."""
    for _ in range(200):
        port = 20000 + secrets.randbelow(12000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@dataclass
class WebProcess:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Web:
    """Web processes served by uvicorn on loopback, each on a port of its own, with the
    settings of the app. Used as a context manager: everything started is stopped after, and
    the logs are kept (and named on stderr) only when something failed."""

    services: Services
    database_url: str
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="kp-bench-")))
    processes: list[WebProcess] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The settings of every process (see server/settings.py)."""
        return {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.services.redis_url,
            "SECRET_KEY": self.secret_key,
            "STATE_DIR": str(self.folder / "state"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "1",
            "IDENTITY_PROVIDERS_FILE": "",
        }

    def start(
        self, count: int = 1, app: str = "server.app:create_app", health: str = "/healthz"
    ) -> list[WebProcess]:
        """Start `count` processes of the app factory side by side; returns once each answers
        its health check."""
        started = [self._spawn(app) for _ in range(count)]
        for web in started:
            self._wait_healthy(web, health)
        return started

    def _spawn(self, app: str) -> WebProcess:
        port = free_port()
        log = self.folder / f"{app.split(':')[0]}-{port}.log"
        env = {**os.environ, **self.env, "PORT": str(port)}
        with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    app,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--timeout-graceful-shutdown",
                    "1",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        web = WebProcess(f"http://127.0.0.1:{port}", process, log)
        self.processes.append(web)
        return web

    def _wait_healthy(self, web: WebProcess, health: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if web.process.poll() is not None:
                raise RuntimeError(f"{web.base_url} exited: see {web.log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(web.base_url + health, timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{web.base_url} did not become healthy: see {web.log}")

    def stop(self) -> None:
        for web in self.processes:
            if web.process.poll() is None:
                web.process.terminate()
        for web in self.processes:
            try:
                web.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                web.process.kill()
                web.process.wait()
        self.processes.clear()

    def __enter__(self) -> Web:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        self.stop()
        if exc_type is None:
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            note(f"logs of the web processes kept in {self.folder}")


def http_client(base_url: str = "", **options: Any) -> httpx.Client:
    """An httpx client that sends a request's head and body without waiting (TCP_NODELAY):
    without it the body waits for the server's delayed ACK of the head, some 40 ms."""
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    transport = httpx.HTTPTransport(socket_options=nodelay)
    return httpx.Client(base_url=base_url, transport=transport, timeout=30, **options)


# --- HTTP load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """What a load run measured: each request's latency, how long the whole run took (first
    request sent to last response), and the statuses."""

    latencies: list[float]
    seconds: float
    statuses: Counter[int]
    path_indexes: list[int]  # which of the paths each latency is of

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def by_path(self) -> list[tuple[int, float]]:
        return list(zip(self.path_indexes, self.latencies, strict=True))

    def figures(self) -> dict[str, object]:
        return {
            "p50_ms": ms(percentile(self.latencies, 50)),
            "p99_ms": ms(percentile(self.latencies, 99)),
            "pages_per_s": round(self.requests / self.seconds, 1) if self.seconds else math.nan,
        }


def load(
    bases: Sequence[str],
    paths: Sequence[str],
    *,
    clients: int,
    requests: int,
    cookies: Mapping[str, str] | None = None,
    processes: int = 1,
    rate: float | None = None,
) -> Load:
    """`requests` GETs of `paths` (in turn) by `clients` keep-alive connections, each sending
    its next request when the last was answered, from `processes` client processes; the
    connections are spread over the web processes `bases`. With `rate` (requests per second
    in all), each client sends on a schedule instead (its share of the rate, the clients
    evenly staggered), as people do: latency then is what a person waits at that load."""
    processes = max(1, min(processes, clients))
    pipes: list[Connection] = []
    workers = []
    for index in range(processes):
        mine = list(range(index, clients, processes))
        share = requests // processes + (1 if index < requests % processes else 0)
        parent, child = _SPAWN.Pipe()
        worker = _SPAWN.Process(
            target=_load_process,
            args=(
                child,
                [bases[i % len(bases)] for i in mine],
                list(paths),
                share,
                cookies,
                None if rate is None else (rate / clients, clients),
            ),
            daemon=True,
        )
        worker.start()
        pipes.append(parent)
        workers.append(worker)
    try:
        for pipe in pipes:
            _expect(pipe, "connected", 30)
        for pipe in pipes:
            pipe.send("go")
        results = [_expect(pipe, "done", 600) for pipe in pipes]
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    latencies = [value for result in results for value in result["latencies"]]
    indexes = [value for result in results for value in result["path_indexes"]]
    statuses: Counter[int] = Counter()
    for result in results:
        statuses.update(result["statuses"])
    seconds = max(r["end"] for r in results) - min(r["start"] for r in results)
    return Load(latencies, seconds, statuses, indexes)


def _expect(pipe: Connection, kind: str, timeout: float) -> Any:
    if not pipe.poll(timeout):
        raise TimeoutError(f"no {kind!r} from a client process within {timeout} s")
    message = pipe.recv()
    if message[0] == "error":
        raise RuntimeError(f"client process failed: {message[1]}")
    if message[0] != kind:
        raise RuntimeError(f"expected {kind!r} from a client process, got {message[0]!r}")
    return message[1]


def _load_process(
    pipe: Connection,
    bases: list[str],
    paths: list[str],
    requests: int,
    cookies: Mapping[str, str] | None,
    pace: tuple[float, int] | None = None,
) -> None:
    try:
        asyncio.run(_load_clients(pipe, bases, paths, requests, cookies, pace))
    except BaseException as exc:
        pipe.send(("error", repr(exc)))
        raise


async def _load_clients(
    pipe: Connection,
    bases: list[str],
    paths: list[str],
    requests: int,
    cookies: Mapping[str, str] | None,
    pace: tuple[float, int] | None = None,
) -> None:
    """`pace`: (each client's requests per second, all clients of the run) for a schedule."""
    connections = [wire.HTTPConnection(base, cookies) for base in bases]
    for connection in connections:  # open each before the clock starts
        await connection.get(paths[0])
    pipe.send(("connected", None))
    await asyncio.to_thread(pipe.recv)
    latencies: list[float] = []
    indexes: list[int] = []
    statuses: Counter[int] = Counter()
    issued = 0

    async def client(connection: wire.HTTPConnection, number: int) -> None:
        nonlocal issued
        sent = 0
        while issued < requests:
            index = issued % len(paths)
            issued += 1
            if pace is not None:
                each, everyone = pace
                due = start + (number / everyone + sent) / each
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            sent += 1
            began = time.monotonic()
            response = await connection.get(paths[index])
            latencies.append(time.monotonic() - began)
            indexes.append(index)
            statuses[response.status] += 1

    start = time.monotonic()
    await asyncio.gather(*(client(c, number) for number, c in enumerate(connections)))
    end = time.monotonic()
    for connection in connections:
        await connection.close()
    result = {"latencies": latencies, "path_indexes": indexes, "statuses": statuses}
    pipe.send(("done", {**result, "start": start, "end": end}))


# --- SSE subscribers --------------------------------------------------------------------------


class Subscribers:
    """`count` SSE streams of `path`, held open by client processes of their own.

    Every event is searched for tokens (`token_pattern`, a bytes regex); the first time a
    stream sees a token is its receipt of that token. `wait_for(token)` returns once every
    open stream has it (or the time is up), `receipts()` gives token -> receipt times.
    """

    def __init__(
        self,
        bases: Sequence[str],
        path: str,
        count: int,
        *,
        token_pattern: bytes,
        cookies: Mapping[str, str] | None = None,
        processes: int = 1,
        cookies_each: Sequence[Mapping[str, str]] | None = None,
    ) -> None:
        """`cookies_each`: stream i signs in with cookies_each[i % len] (many people, each
        with a stream of their own) instead of everyone with `cookies`."""
        self.count = count
        self._pipes: list[Connection] = []
        self._workers: list[Any] = []
        processes = max(1, min(processes, count))
        for index in range(processes):
            numbers = range(index, count, processes)
            mine = [bases[i % len(bases)] for i in numbers]
            cookie_list = (
                [dict(cookies_each[i % len(cookies_each)]) for i in numbers]
                if cookies_each
                else [dict(cookies or {})]
            )
            parent, child = _SPAWN.Pipe()
            worker = _SPAWN.Process(
                target=_subscriber_process,
                args=(child, mine, path, cookie_list, token_pattern),
                daemon=True,
            )
            self._pipes.append(parent)
            self._workers.append(worker)

    def __enter__(self) -> Subscribers:
        for worker in self._workers:
            worker.start()
        try:
            # Each stream is a signed-in request of the app: thousands take minutes.
            opened = sum(_expect(pipe, "open", 120 + self.count / 10) for pipe in self._pipes)
        except BaseException:
            self.close()
            raise
        if opened != self.count:
            self.close()
            raise RuntimeError(f"only {opened} of {self.count} streams opened")
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self._workers]

    def wait_for(self, token: str, timeout: float = 10) -> int:
        """How many streams have received `token` once all have, or the time is up."""
        for pipe in self._pipes:
            pipe.send(("wait", token, time.monotonic() + timeout))
        return sum(_expect(pipe, "have", timeout + 30) for pipe in self._pipes)

    def receipts(self) -> tuple[dict[str, list[float]], int]:
        """Token -> the receipt time of each stream that got it; and how many streams the
        server closed."""
        merged: dict[str, list[float]] = {}
        closed = 0
        for pipe in self._pipes:
            pipe.send(("receipts",))
        for pipe in self._pipes:
            receipts, lost_streams = _expect(pipe, "receipts", 60)
            closed += lost_streams
            for token, times in receipts.items():
                merged.setdefault(token, []).extend(times)
        return merged, closed

    def close(self) -> None:
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop",))
        for worker in self._workers:
            if worker.pid is None:
                continue
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
        self._workers.clear()


def _subscriber_process(
    pipe: Connection,
    bases: list[str],
    path: str,
    cookies: list[dict[str, str]],  # stream i's are cookies[i % len]
    token_pattern: bytes,
) -> None:
    raise_open_files_limit()
    try:
        asyncio.run(_subscribe(pipe, bases, path, cookies, token_pattern))
    except BaseException as exc:
        pipe.send(("error", repr(exc)))
        raise


class _Receipts:
    def __init__(self, pattern: bytes) -> None:
        self.pattern = re.compile(pattern)
        self.times: dict[str, list[float]] = {}
        self.seen: dict[int, set[str]] = {}
        self.streams: list[wire.SSEStream] = []
        self.changed = asyncio.Event()

    def on_event(self, stream: wire.SSEStream, event: bytes, received_at: float) -> None:
        seen = self.seen.setdefault(stream.index, set())
        for raw in set(self.pattern.findall(event)):
            token = raw.decode("latin-1")
            if token not in seen:
                seen.add(token)
                self.times.setdefault(token, []).append(received_at)
                self.changed.set()

    def open_streams(self) -> int:
        return sum(not stream.closed for stream in self.streams)

    async def wait(self, token: str, deadline: float) -> int:
        while len(self.times.get(token, ())) < self.open_streams():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.5))
        return len(self.times.get(token, ()))


async def _subscribe(
    pipe: Connection,
    bases: list[str],
    path: str,
    cookies: list[dict[str, str]],
    token_pattern: bytes,
) -> None:
    loop = asyncio.get_running_loop()
    receipts = _Receipts(token_pattern)
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
    limit = asyncio.Semaphore(64)  # connect in waves, not as one burst at the listen queue

    async def open_stream(index: int, base: str) -> wire.SSEStream:
        mine = cookies[index % len(cookies)] if cookies else None
        request = wire.request_bytes("GET", base, path, headers, mine or None)
        async with limit:
            _, stream = await loop.create_connection(
                lambda: wire.SSEStream(index, request, receipts.on_event), *wire.address(base)
            )
            status = await asyncio.wait_for(stream.head, 180)  # a server busy opening thousands
        if status != 200:
            raise RuntimeError(f"{base}{path} answered {status}")
        return stream

    receipts.streams = list(
        await asyncio.gather(*(open_stream(i, base) for i, base in enumerate(bases)))
    )
    pipe.send(("open", len(receipts.streams)))
    commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()

    def read_command() -> None:
        try:
            commands.put_nowait(pipe.recv())
        except EOFError:  # the orchestrating process is gone
            loop.remove_reader(pipe.fileno())
            commands.put_nowait(("stop",))

    loop.add_reader(pipe.fileno(), read_command)
    while True:
        command = await commands.get()
        if command[0] == "wait":
            pipe.send(("have", await receipts.wait(command[1], command[2])))
        elif command[0] == "receipts":
            closed = sum(stream.closed for stream in receipts.streams)
            pipe.send(("receipts", (receipts.times, closed)))
        else:
            break
    loop.remove_reader(pipe.fileno())
    for stream in receipts.streams:
        stream.close()
