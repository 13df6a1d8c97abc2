"""A card put on a board reaches every open board page through the board's channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.settings import Settings
from tests.csrf import arm_async
from tests.live.sse import SSEStream
from tests.live.support import admin_http, group_id, start

if TYPE_CHECKING:
    from tests.conftest import Servers


async def test_a_new_card_is_streamed_to_another_process(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    base_a, base_b = await start(servers, 2)
    group = await group_id(settings)
    async with admin_http(settings, base_a) as writer, admin_http(settings, base_b) as reader:
        await arm_async(writer, "/groups/ag-unterkunft/board")
        # after=0: the demo data has no events, so nothing before the change is replayed and
        # nothing after it can be missed, whenever the subscription takes hold.
        async with SSEStream(reader, f"/live?channel=board:{group}&after=0") as stream:
            response = await writer.post(
                "/groups/ag-unterkunft/board/cards",
                data={"kind": "offer", "resource_kind": "goods", "title": "Zwei Kühlschränke"},
            )
            assert response.status_code == 303
            event = await stream.next()
    assert event.event == "card"
    assert "data-lexemes=" in event.data  # so that filtered pages can decide for themselves
    assert "Zwei Kühlschränke" in event.data
    assert "Neu auf der Pinnwand: Zwei Kühlschränke" in event.data


async def test_a_board_page_shows_a_change_made_through_another_process(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    """Each process keeps board listings; a change anywhere publishes a board event, and the
    listing is kept per newest board event, so no process shows a stale board."""
    base_a, base_b = await start(servers, 2)
    async with admin_http(settings, base_a) as reader, admin_http(settings, base_b) as writer:
        before = await reader.get("/groups/ag-unterkunft/board")
        assert "Drei Waschmaschinen" not in before.text
        assert (await reader.get("/groups/ag-unterkunft/board")).text == before.text  # kept
        await arm_async(writer, "/groups/ag-unterkunft/board")
        response = await writer.post(
            "/groups/ag-unterkunft/board/cards",
            data={"kind": "offer", "resource_kind": "goods", "title": "Drei Waschmaschinen"},
        )
        assert response.status_code == 303
        after = await reader.get("/groups/ag-unterkunft/board")
    assert "Drei Waschmaschinen" in after.text
