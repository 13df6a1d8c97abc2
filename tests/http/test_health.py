"""/healthz checks the database and Redis for real and says which one is down."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import free_port


def test_healthy_when_database_and_redis_answer(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_503_with_a_reason_when_redis_is_down(settings: Settings) -> None:
    down = dataclasses.replace(settings, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(down)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["redis"].startswith("unavailable: ")


def test_503_with_a_reason_when_the_database_is_down(settings: Settings) -> None:
    head = settings.DATABASE_URL.rsplit("@", 1)[0]
    down = dataclasses.replace(settings, DATABASE_URL=f"{head}@127.0.0.1:{free_port()}/knotenpunkt")
    with TestClient(create_app(down)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == "ok"
    assert body["database"].startswith("unavailable: ")
