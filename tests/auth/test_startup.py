"""Providers from IDENTITY_PROVIDERS_FILE are registered when the app starts; a bad file stops
the start with a clear message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.identity import ProviderFileError
from server.settings import Settings
from tests.auth.conftest import providers_file


def _with_file(settings: Settings, path: str) -> Settings:
    return replace(settings, IDENTITY_PROVIDERS_FILE=path)


async def _providers(database_url: str) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT o.name, p.issuer FROM identity_providers p "
            "JOIN organisations o ON o.id = p.organisation_id ORDER BY o.name"
        )
    finally:
        await connection.close()
    return [(row["name"], row["issuer"]) for row in rows]


async def test_the_file_is_loaded_at_start_up_and_again_without_duplicates(
    demo_settings: Settings, tmp_path: Path
) -> None:
    path = providers_file(
        tmp_path / "p.toml",
        {
            "organisation": "Bürgerstiftung Dresden",
            "issuer": "https://login.example",
            "email_domains": ["buergerstiftung-dresden.example"],
        },
    )
    for _ in range(2):
        with TestClient(create_app(_with_file(demo_settings, path))) as client:
            assert client.get("/healthz").status_code == 200
    assert await _providers(demo_settings.DATABASE_URL) == [
        ("Bürgerstiftung Dresden", "https://login.example")
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"organisation": "Gibt es nicht", "issuer": "https://x.example"}, "no organisation"),
        ({"organisation": "Bürgerstiftung Dresden", "issuer": 7}, "`issuer` must be"),
    ],
)
def test_a_bad_file_stops_the_start(
    demo_settings: Settings, tmp_path: Path, entry: dict[str, object], message: str
) -> None:
    path = providers_file(tmp_path / "p.toml", entry)
    with (
        pytest.raises(ProviderFileError, match=message),
        TestClient(create_app(_with_file(demo_settings, path))),
    ):
        pass


def test_a_missing_file_stops_the_start(settings: Settings, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.toml")
    with (
        pytest.raises(ProviderFileError, match="IDENTITY_PROVIDERS_FILE"),
        TestClient(create_app(_with_file(settings, missing))),
    ):
        pass
