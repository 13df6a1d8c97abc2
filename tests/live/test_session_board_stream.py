"""One session, two web processes: a participant following the session on each process gets
every change of the agenda board, whichever process it was made through."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from server.settings import Settings
from tests.live.sse import SSEStream
from tests.live.support import start
from tests.meeting_board import board_of_ag_unterkunft
from tests.sessions import sign_in
from tests.text import german

if TYPE_CHECKING:
    from tests.conftest import Servers

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
HTMX = {"HX-Request": "true"}


def signed_in(settings: Settings, base: str, person_id: int) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=10)
    sign_in(client, settings.SECRET_KEY, person_id)
    return client


async def test_a_participant_on_each_process_sees_every_change_of_the_board(
    demo_database: str, demo_people: dict[str, int], settings: Settings, servers: Servers
) -> None:
    board = await board_of_ag_unterkunft(demo_database)
    base_a, base_b = await start(servers, 2)
    # after=0: the session has no events yet, so nothing is missed whenever the subscription
    # takes hold.
    live = f"/live?channel=session:{board.meeting}&after=0"
    async with (
        signed_in(settings, base_a, demo_people[ANNA]) as anna,
        signed_in(settings, base_b, demo_people[KATRIN]) as katrin,
        signed_in(settings, base_a, demo_people[KATRIN]) as katrin_elsewhere,
        SSEStream(katrin, live) as on_b,
        SSEStream(katrin_elsewhere, live) as on_a,
    ):
        started = await anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
        assert started.status_code == 200, started.text
        moved = await anna.post(board.path + "/next", data={"version": "2"})
        assert moved.status_code == 303
        raised = await katrin.post(board.path + "/hand", headers=HTMX)  # through process B
        assert raised.status_code == 200, raised.text

        for stream in (on_a, on_b):
            events = await stream.take(3)
            assert [event.event for event in events] == ["board"] * 3
            assert len({event.id for event in events}) == 3
            first, second, third = (event.data for event in events)
            assert german("The session has started.") in first
            assert 'data-version="3"' in second
            assert f'data-current-item="{board.items[0]}"' in second
            assert german("Now on the agenda: %(title)s", title="Winterquartiere") in second
            assert f'data-speaker-person="{demo_people[KATRIN]}"' in third
            assert german("%(name)s raised a hand.", name="Katrin Hoffmann") in third
            assert "csrf_token" not in first + second + third
