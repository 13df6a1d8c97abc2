"""Notes saves over one WebSocket per session page: what `POST …/items/{item}/notes` does,
without paying for a whole HTTP request per save.

Why: when everyone in a session writes at once (issue 5: 200 people, 2 saves a second each),
each save as a request cost about 3.5 ms of the web process (parsing the request and a 13 kB
form, the middlewares, loading the signed-in person, rendering the editor back): one process
could not keep up with 400 saves a second. Over the socket the person, their right to take
part and the origin are checked once when it opens; each save is then a small JSON message,
merged and batched like any other (`note_writer`), and answered on the same socket. The live
`notes` events still reach every page by its SSE stream, as for a save by HTTP.

The page opens the socket when it has notes to write and falls back to plain saves by HTTP
when the socket is not open (a proxy that refuses WebSockets, a lost connection): the socket is
a faster way of doing the same, never the only one.

A save: `{"n": 7, "item": 12, "version": "41", "text": "…"}`; its answer: `{"n": 7, "status":
200, "item": 12, "version": 44, "text": "…"}` (the merged notes), or a refusal with the status
the HTTP route would give (409 with the proposal to resolve and the version stored now, 422,
403, 404) and its reason in the person's language. Saves are answered in any order; `n` says
which. Who may write is checked on every save as for HTTP (`NoteWriter.meeting`: kept 5 s), and
the person is loaded again every `live_recheck_seconds`: someone removed, or a sign-in that
expired, ends the socket (code 4403), and the page saves by HTTP, which then says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server import i18n
from server.domain import notes
from server.domain.actors import Actor
from server.domain.errors import Conflict, DomainError, Invalid, Message, NotAllowed, NotFound
from server.domain.persons import actor_for
from server.models.agenda import NOTES_MAX
from server.routes.note_writer import NoteWriter, note_writer
from server.sessions import current_actor

log = logging.getLogger(__name__)

MAX_MESSAGE = 4 * NOTES_MAX  # characters of one message; a longer text is refused as for HTTP
IN_FLIGHT = 16  # saves of one socket under way at once; more wait for their turn
CLOSE_NOT_ALLOWED = 4403  # the page saves by HTTP then, which says why
CLOSE_MALFORMED = 4400


async def notes_socket(websocket: WebSocket) -> None:
    if not _same_origin(websocket) or not _csrf_ok(websocket):
        await websocket.close(code=CLOSE_NOT_ALLOWED)
        return
    actor = await current_actor(websocket)  # type: ignore[arg-type]
    writer = note_writer(websocket.app.state)
    meeting_id = websocket.path_params["meeting_id"]
    try:
        await writer.meeting(actor, meeting_id)
    except DomainError:
        await websocket.close(code=CLOSE_NOT_ALLOWED)
        return
    locale = (
        websocket.scope.get("state", {}).get("locale")
        or websocket.app.state.settings.DEFAULT_LOCALE
    )
    await websocket.accept()
    socket = _Socket(websocket, writer, actor, meeting_id, locale)
    try:
        await socket.run()
    except WebSocketDisconnect:
        pass
    finally:
        await socket.finish()


class _Socket:
    def __init__(
        self, websocket: WebSocket, writer: NoteWriter, actor: Actor, meeting_id: int, locale: str
    ) -> None:
        self.websocket = websocket
        self.writer = writer
        self.actor = actor
        self.meeting_id = meeting_id
        self.locale = locale
        settings = websocket.app.state.settings
        self.recheck_seconds = float(settings.live_recheck_seconds)
        self.deadline = websocket.session.get("issued", 0) + settings.session_max_seconds
        self.checked_at = time.monotonic()
        self.turns = asyncio.Semaphore(IN_FLIGHT)
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        while True:
            raw = await self.websocket.receive_text()
            if not await self._still_allowed():
                await self.websocket.close(code=CLOSE_NOT_ALLOWED)
                return
            save = _parse(raw)
            if save is None:
                await self.websocket.close(code=CLOSE_MALFORMED)
                return
            await self.turns.acquire()
            task = asyncio.create_task(self._save(*save))
            self.tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.turns.release()

    async def finish(self) -> None:
        # Saves under way finish (they are in a batch with others' saves); their answers
        # have nowhere to go.
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _still_allowed(self) -> bool:
        """The person, loaded again once per recheck interval; the sign-in's absolute end."""
        if time.time() > self.deadline:
            return False
        now = time.monotonic()
        if now - self.checked_at < self.recheck_seconds:
            return True
        self.checked_at = now
        assert self.actor.person_id is not None
        async with self.websocket.app.state.engine.connect() as connection:
            actor = await actor_for(connection, self.actor.person_id)
        if actor is None:
            return False
        self.actor = actor
        return True

    async def _save(self, number: Any, item_id: int, version: str, text: str) -> None:
        answer: dict[str, Any] = {"n": number, "item": item_id}
        try:
            meeting = await self.writer.meeting(self.actor, self.meeting_id)
            saved, outcome = await self.writer.save(
                meeting.id, item_id, notes.NoteEdit(self.actor, text, version)
            )
            if outcome.refused is not None:
                raise outcome.refused
            answer.update(status=200, version=saved.item.notes_version, text=saved.item.notes)
        except notes.NotesConflict as conflict:
            answer.update(
                status=409,
                version=conflict.version,
                text=conflict.proposal,
                message=self._say(Message(conflict.message)),
            )
        except DomainError as exc:
            answer.update(status=_status(exc), message=self._say(exc.reason))
        except Exception:  # the save failed for the whole batch: the page says "not saved"
            log.exception("a notes save over the socket failed")
            answer.update(status=500)
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self.websocket.send_text(json.dumps(answer, ensure_ascii=False))

    def _say(self, message: Message) -> str:
        with i18n.use_locale(self.locale):
            return i18n.translate(message)


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, NotAllowed):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 422 if isinstance(exc, Invalid) else 400


def _parse(raw: str) -> tuple[Any, int, str, str] | None:
    """A save's number, item, base version and text; None for anything else."""
    if len(raw) > MAX_MESSAGE:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    number, item, version, text = (data.get(key) for key in ("n", "item", "version", "text"))
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    if not isinstance(item, int) or isinstance(item, bool) or not 0 < item < 2**31:
        return None
    if not isinstance(text, str) or not isinstance(version, str | int):
        return None
    return number, item, str(version), text


def _same_origin(websocket: WebSocket) -> bool:
    """A browser always names the page's origin in the handshake: another site's page may not
    use the person's cookie to write (the CSRF check of an HTTP form, for a socket)."""
    origin = websocket.headers.get("origin")
    if not origin:
        return False
    configured = urlsplit(websocket.app.state.settings.BASE_URL)
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    own = f"{scheme}://{websocket.headers.get('host', '')}"
    return origin in (f"{configured.scheme}://{configured.netloc}", own)


def _csrf_ok(websocket: WebSocket) -> bool:
    expected = websocket.session.get("csrf")
    given = websocket.query_params.get("csrf")
    return bool(expected and given and hmac.compare_digest(str(expected), given))


routes = [
    WebSocketRoute("/sessions/{meeting_id:int}/notes/socket", notes_socket, name="notes_socket"),
]
