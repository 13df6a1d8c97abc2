"""Template set-up: `url_for` finds routes by name as Starlette's router does."""

from __future__ import annotations

import pytest
from starlette.routing import NoMatchFound

from server.app import create_app
from server.settings import Settings


def test_url_for_gives_the_paths_the_router_gives_and_refuses_what_it_refuses() -> None:
    app = create_app(Settings(SECRET_KEY="test-secret-key"))
    url_for = app.state.templates.env.globals["url_for"]

    assert url_for("board", slug="ag-unterkunft") == "/groups/ag-unterkunft/board"
    assert url_for("static", path="app.css") == "/static/app.css"
    assert url_for("live") == str(app.url_path_for("live"))
    with pytest.raises(NoMatchFound):
        url_for("no-such-route")
    with pytest.raises(NoMatchFound):
        url_for("board")  # its slug is missing
