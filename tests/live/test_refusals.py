"""Bad requests to `/live` are refused with a 4xx and a short plain-text message, never a 500
and never an HTML page (an EventSource cannot show one). In-process, through TestClient."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from tests.live.sse import sse_connect_url

# The German texts (the default interface language) of the messages involved.
CHANNEL_COUNT = "Bitte zwischen 1 und 16 Live-Kanäle angeben."
UNKNOWN_CHANNEL = "Unbekannter Live-Kanal."
BAD_POSITION = "Die Position im Live-Stream ist ungültig."
NOT_FOUND = "Diese Seite oder dieser Eintrag existiert nicht (mehr)."

Query = list[tuple[str, str | int | float | bool | None]]

SEVENTEEN = [("channel", f"group:{n}") for n in range(1, 18)]

# (query, headers, status, the specific message for the case)
REFUSALS = {
    "no channel": ([], {}, 422, CHANNEL_COUNT),
    "17 channels": (SEVENTEEN, {}, 422, CHANNEL_COUNT),
    "empty channel": ([("channel", "")], {}, 422, UNKNOWN_CHANNEL),
    "malformed channel": ([("channel", "foo")], {}, 422, UNKNOWN_CHANNEL),
    "unknown kind": ([("channel", "organisation:1")], {}, 422, UNKNOWN_CHANNEL),
    "group without id": ([("channel", "group:")], {}, 422, UNKNOWN_CHANNEL),
    "negative group id": ([("channel", "group:-1")], {}, 422, UNKNOWN_CHANNEL),
    "one bad among good": (
        [("channel", "group:1"), ("channel", "group:x")],
        {},
        422,
        UNKNOWN_CHANNEL,
    ),
    "missing group": ([("channel", "group:424242")], {}, 404, NOT_FOUND),
    "after=abc": ([("channel", "group:1"), ("after", "abc")], {}, 422, BAD_POSITION),
    "after=-1": ([("channel", "group:1"), ("after", "-1")], {}, 422, BAD_POSITION),
    "after=1.5": ([("channel", "group:1"), ("after", "1.5")], {}, 422, BAD_POSITION),
    # "²".isdigit() is true but int() refuses it: this was a 500.
    "after=²": ([("channel", "group:1"), ("after", "²")], {}, 422, BAD_POSITION),
    # Beyond BIGINT: this was a 200 whose stream then crashed in the replay query.
    "after=2**63": ([("channel", "group:1"), ("after", str(2**63))], {}, 422, BAD_POSITION),
    "after=5000 digits": ([("channel", "group:1"), ("after", "9" * 5000)], {}, 422, BAD_POSITION),
    "Last-Event-ID: x": ([("channel", "group:1")], {"Last-Event-ID": "x"}, 422, BAD_POSITION),
    "Last-Event-ID wins over a good after": (
        [("channel", "group:1"), ("after", "3")],
        {"Last-Event-ID": "x"},
        422,
        BAD_POSITION,
    ),
}


def assert_plain_refusal(response: Response, status: int, messages: set[str]) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text in messages


@pytest.mark.parametrize(("query", "headers", "status", "message"), REFUSALS.values(), ids=REFUSALS)
def test_bad_live_requests_are_refused_in_plain_text(
    client: TestClient,
    query: Query,
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = client.get("/live", params=query, headers=headers)
    assert_plain_refusal(response, status, {message})


def test_channels_of_one_missing_group_among_existing_ones_are_refused(
    demo_client: TestClient,
) -> None:
    page = demo_client.get("/groups/ag-unterkunft")
    (existing,) = parse_qs(urlsplit(sse_connect_url(page.text)).query)["channel"]
    assert existing.startswith("group:")
    response = demo_client.get("/live", params=[("channel", existing), ("channel", "group:424242")])
    assert_plain_refusal(response, 404, {NOT_FOUND})


def test_other_methods_are_refused_in_plain_text(client: TestClient) -> None:
    response = client.post("/live", params={"channel": "group:1"})
    assert response.status_code == 405
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "<" not in response.text and response.text


@pytest.mark.parametrize(
    "query",
    [[], [("channel", "foo")], [("channel", "group:1"), ("after", "abc")]],
    ids=["no channel", "malformed channel", "after=abc"],
)
def test_refusal_names_what_is_wrong(client: TestClient, query: Query) -> None:
    response = client.get("/live", params=query)
    assert response.status_code == 422
    assert response.text in {CHANNEL_COUNT, UNKNOWN_CHANNEL, BAD_POSITION}


@pytest.mark.parametrize("channel", ["group:²", "group:99999999999"])
def test_odd_group_ids_are_refused_not_crashed(client: TestClient, channel: str) -> None:
    response = client.get("/live", params={"channel": channel})
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
