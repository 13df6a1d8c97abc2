"""A small Server-Sent Events client for the live tests: real HTTP through httpx and a parser
that follows the WHATWG rules (several `data:` lines join with "\\n", comments are skipped,
an event without data is not dispatched)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import socket
import time
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    event: str
    data: str
    id: str | None  # the `id:` field of this very event, None when it had none
    retry: int | None


class SSEParser:
    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, line: str) -> SSEEvent | None:
        """One line without its line end; returns an event when a blank line completes one."""
        if line == "":
            data, self._data = self._data, []
            event, self._event = self._event, ""
            id_, self._id = self._id, None
            if not data:
                return None
            return SSEEvent(event or "message", "\n".join(data), id_, self._retry)
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None


def parse(text: str) -> list[SSEEvent]:
    parser = SSEParser()
    events = []
    for line in _LINE_END.split(text):
        event = parser.feed(line)
        if event is not None:
            events.append(event)
    return events


async def _lines(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    pending = ""
    async for chunk in chunks:
        text = pending + chunk
        # A final "\r" may be the first half of "\r\n": keep it for the next chunk.
        carry = "\r" if text.endswith("\r") else ""
        *lines, pending = _LINE_END.split(text[: len(text) - len(carry)])
        pending += carry
        for line in lines:
            yield line


_END = object()


class SSEStream:
    """`async with SSEStream(client, url) as stream:` then `await stream.next()`.

    A background task reads the response into a queue, so waiting with a timeout never
    disturbs the stream; `closed_by_server` tells whether the server ended it. Events named in
    `skip` are left out: by default `presence`, which comes and goes with the streams of a
    session (the tests of presence follow it with `skip=()`).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        skip: Collection[str] = ("presence",),
    ) -> None:
        self._skip = frozenset(skip)
        self._client = client
        self._url = url
        self._headers = dict(headers or {})
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._response: httpx.Response | None = None
        self.closed_by_server = False
        self.error: Exception | None = None

    async def __aenter__(self) -> SSEStream:
        request = self._client.build_request("GET", self._url, headers=self._headers)
        self._response = await self._client.send(request, stream=True)
        response = self._response
        if response.status_code != 200:
            await response.aread()
            await response.aclose()
            raise AssertionError(f"{self._url}: {response.status_code} {response.text!r}")
        assert response.headers["content-type"].startswith("text/event-stream")
        self._task = asyncio.create_task(self._read(response))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._response is not None:
            await self._response.aclose()

    async def _read(self, response: httpx.Response) -> None:
        parser = SSEParser()
        try:
            async for line in _lines(response.aiter_text()):
                event = parser.feed(line)
                if event is not None and event.event not in self._skip:
                    self._queue.put_nowait(event)
            self.closed_by_server = True
        except httpx.HTTPError as exc:
            self.error = exc
        finally:
            self._queue.put_nowait(_END)

    async def next(self, within: float = 10) -> SSEEvent:
        item = await asyncio.wait_for(self._queue.get(), within)
        if item is _END:
            self._queue.put_nowait(_END)
            raise AssertionError("the live stream ended")
        assert isinstance(item, SSEEvent)
        return item

    async def take(self, count: int, within: float = 10) -> list[SSEEvent]:
        async with asyncio.timeout(within):
            return [await self.next(within) for _ in range(count)]

    async def nothing_for(self, seconds: float) -> None:
        """Assert that no event arrives within `seconds`."""
        try:
            item = await asyncio.wait_for(self._queue.get(), seconds)
        except TimeoutError:
            return
        raise AssertionError("the stream ended" if item is _END else f"unexpected {item!r}")


def sse_connect_url(page: str) -> str:
    """The live URL a page subscribes to (its `sse-connect` attribute)."""
    match = re.search(r'sse-connect="([^"]+)"', page)
    assert match is not None, "the page has no sse-connect attribute"
    return html.unescape(match.group(1))


def select_options(page: str, select_id: str) -> list[tuple[int, str]]:
    """(value, label) of the non-empty options of `<select id=select_id>`."""
    match = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert match is not None, f"no <select id={select_id}>"
    return [
        (int(value), html.unescape(label))
        for value, label in re.findall(r'<option value="(\d+)">([^<]*)</option>', match.group(0))
    ]


class StalledClient:
    """A raw HTTP client that reads the response head of a live stream and then stops reading,
    with a receive buffer as small as the kernel allows, like a frozen browser tab."""

    def __init__(self, base_url: str, path: str, cookie: str = "") -> None:
        self._cookie = f"Cookie: {cookie}\r\n" if cookie else ""
        parts = urlsplit(base_url)
        assert parts.hostname is not None and parts.port is not None
        self._address = (parts.hostname, parts.port)
        self._path = path
        self._socket: socket.socket | None = None
        self._buffer = b""

    def open(self) -> str:
        """Send the request and read the head; returns the status line."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.settimeout(10)
        sock.connect(self._address)
        self._socket = sock
        host = f"{self._address[0]}:{self._address[1]}"
        sock.sendall(
            f"GET {self._path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
            f"{self._cookie}"
            "Cache-Control: no-cache\r\n\r\n".encode()
        )
        while b"\r\n\r\n" not in self._buffer:
            chunk = sock.recv(1024)
            assert chunk, "connection closed before the response head"
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
        assert headers.get("transfer-encoding") == "chunked", head
        assert headers.get("content-type", "").startswith("text/event-stream"), head
        return lines[0]

    def drain(self, within: float) -> tuple[str, bool]:
        """Read what the server sends for up to `within` seconds or until the response ends;
        returns the body and whether the server ended it (the last, empty chunk arrived)."""
        sock = self._socket
        assert sock is not None
        deadline = time.monotonic() + within
        while True:
            body, complete = _dechunk(self._buffer)
            if complete:
                return body.decode(), True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return body.decode(errors="replace"), False
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(1 << 16)
            except TimeoutError:
                continue
            if not chunk:
                return body.decode(errors="replace"), False
            self._buffer += chunk

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _dechunk(data: bytes) -> tuple[bytes, bool]:
    """The body of a chunked transfer so far, and whether its last chunk arrived."""
    parts: list[bytes] = []
    position = 0
    while True:
        line_end = data.find(b"\r\n", position)
        if line_end < 0:
            return b"".join(parts), False
        size = int(data[position:line_end].split(b";")[0], 16)
        start = line_end + 2
        if size == 0:
            return b"".join(parts), data.startswith(b"\r\n", start)
        if len(data) < start + size + 2:
            return b"".join(parts), False
        parts.append(data[start : start + size])
        assert data[start + size : start + size + 2] == b"\r\n"
        position = start + size + 2
