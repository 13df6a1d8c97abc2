"""What the client processes speak: HTTP/1.1 with keep-alive, and Server-Sent Events, over raw
asyncio sockets. A benchmark's client must not be its bottleneck: these few lines do no more
per request or event than the benchmark needs (no URL objects, header models or decoders), so
that thousands of streams fit in one client process."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.I)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:\s*chunked", re.I)
_CLOSE = re.compile(rb"\r\nconnection:\s*close", re.I)
_SET_COOKIE = re.compile(rb"\r\nset-cookie:\s*([^=;\r]+)=([^;\r]*)", re.I)


def address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"need http://host:port, not {base_url!r}")
    return parts.hostname, parts.port


def request_bytes(
    method: str,
    base_url: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    host, port = address(base_url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: kp-bench"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if body or method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


class HTTPConnection:
    """One keep-alive connection that sends GETs one after another, keeping the cookies the
    server sets (as a browser would: a session refreshed by the server stays refreshed)."""

    def __init__(
        self,
        base_url: str,
        cookies: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> Response:
        if self._writer is None:
            host, port = address(self.base_url)
            self._reader, self._writer = await asyncio.open_connection(host, port)
        assert self._reader is not None
        self._writer.write(
            request_bytes("GET", self.base_url, path, self.headers, self.cookies or None)
        )
        head = await self._reader.readuntil(b"\r\n\r\n")
        if _CHUNKED.search(head):
            body = await _read_chunked(self._reader)
        else:
            match = _CONTENT_LENGTH.search(head)
            body = await self._reader.readexactly(int(match.group(1))) if match else b""
        for name, value in _SET_COOKIE.findall(head):
            self.cookies[name.decode("latin-1")] = value.decode("latin-1")
        if _CLOSE.search(head):
            await self.close()
        return Response(int(head[9:12]), body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._reader = None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers: the empty line
            return b"".join(parts)
        parts.append((await reader.readexactly(size + 2))[:-2])


# Called with each complete event (its raw lines) and the monotonic time of the read that
# completed it.
EventHandler = Callable[["SSEStream", bytes, float], None]


class SSEStream(asyncio.Protocol):
    """One Server-Sent Events response.

    Each read is stamped with `time.monotonic()` (system-wide on Linux, so comparable with the
    process that sent the change) the moment it arrives; parsing waits for the next turn of the
    event loop, so that every stream that became readable at once is stamped before any is
    parsed, and one stream's parsing does not count as another's latency.
    """

    def __init__(self, index: int, request: bytes, on_event: EventHandler) -> None:
        self.index = index
        self.status: int | None = None
        self.closed = False
        self.head: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._request = request
        self._on_event = on_event
        self._transport: asyncio.Transport | None = None
        self._reads: list[tuple[float, bytes]] = []
        self._raw = bytearray()
        self._body = bytearray()
        self._chunked = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if not self._reads:
            asyncio.get_running_loop().call_soon(self._parse)
        self._reads.append((time.monotonic(), data))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.head.done():
            self.head.set_exception(exc or ConnectionError("closed before the response head"))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _parse(self) -> None:
        reads, self._reads = self._reads, []
        for received_at, data in reads:
            self._raw += data
            if self.status is None and not self._parse_head():
                continue
            self._dechunk()
            self._dispatch(received_at)

    def _parse_head(self) -> bool:
        end = self._raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self._raw[: end + 2])
        del self._raw[: end + 4]
        self.status = int(head[9:12])
        self._chunked = bool(_CHUNKED.search(head))
        if not self.head.done():
            self.head.set_result(self.status)
        return True

    def _dechunk(self) -> None:
        if not self._chunked:
            self._body += self._raw
            self._raw.clear()
            return
        raw = self._raw
        position = 0
        while True:
            line_end = raw.find(b"\r\n", position)
            if line_end < 0:
                break
            size = int(raw[position:line_end].split(b";")[0], 16)
            start = line_end + 2
            if len(raw) < start + size + 2:
                break
            self._body += raw[start : start + size]
            position = start + size + 2
            if size == 0:
                break
        del raw[:position]

    def _dispatch(self, received_at: float) -> None:
        body = self._body
        position = 0
        while True:
            end, gap = _event_end(body, position)
            if end < 0:
                break
            self._on_event(self, bytes(body[position:end]), received_at)
            position = end + gap
        del body[:position]


def _event_end(body: bytearray, start: int) -> tuple[int, int]:
    """Where the event starting at `start` ends (a blank line), and the blank line's length."""
    crlf = body.find(b"\r\n\r\n", start)
    lf = body.find(b"\n\n", start)
    if lf >= 0 and (crlf < 0 or lf < crlf):
        return lf, 2
    return crlf, 4
