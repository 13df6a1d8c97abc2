"""A loopback TCP proxy whose line can be cut: a browser that reaches the app through it loses
its connections the way it would when the network drops, while the app keeps running.

(Playwright's `context.set_offline(True)` does not end an EventSource stream that is already
open in Chromium, so it cannot stand in for a lost connection.)
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.cut_off = False
        self.answer: bytes | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the proxy first"
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> CuttableProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    def cut(self, status: int | None = None) -> None:
        """Drop every open connection, and until `restore()` reset new ones, or answer them
        with `status` (say 502, like a reverse proxy whose app is down)."""
        self.cut_off = True
        self.answer = (
            f"HTTP/1.1 {status} Unavailable\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
            if status
            else None
        )
        for writer in list(self._writers):
            writer.transport.abort()

    def restore(self) -> None:
        self.cut_off = False

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        if self.cut_off:
            await self._refuse(client_reader, client)
            return
        try:
            upstream_reader, upstream = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            client.transport.abort()
            return
        self._writers.update((client, upstream))
        pipes = [
            asyncio.create_task(self._pipe(client_reader, upstream)),
            asyncio.create_task(self._pipe(upstream_reader, client)),
        ]
        self._tasks.update(pipes)
        try:
            await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._tasks.difference_update(pipes)
            self._writers.difference_update((client, upstream))
            for writer in (client, upstream):
                writer.transport.abort()

    async def _refuse(self, reader: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        if self.answer is None:
            client.transport.abort()  # a reset, as from a dropped line
            return
        with contextlib.suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            client.write(self.answer)
            await client.drain()
        client.close()
        with contextlib.suppress(ConnectionError, OSError):
            await client.wait_closed()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        # One direction ended: end the whole connection, as a dropped line would.
        writer.transport.abort()
