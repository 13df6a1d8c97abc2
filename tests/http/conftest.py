"""Clients of the session tests: AG Unterkunft's moderator and a member, and a session of the
group with its agenda accepted (tests/meeting_board.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.meeting_board import Board, board_of_ag_unterkunft
from tests.sessions import sign_in

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft


@pytest.fixture
async def board(demo_database: str) -> Board:
    return await board_of_ag_unterkunft(demo_database)


def _signed_in(settings: Settings, person_id: int) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        sign_in(client, settings.SECRET_KEY, person_id)
        yield client


@pytest.fixture
def anna(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[TestClient]:
    yield from _signed_in(demo_settings, demo_people[ANNA])


@pytest.fixture
def katrin(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[TestClient]:
    yield from _signed_in(demo_settings, demo_people[KATRIN])
