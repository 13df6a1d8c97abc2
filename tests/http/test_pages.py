"""The pages over HTTP, in-process: template and context, status codes, language."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_home_lists_fields_and_groups(demo_client: TestClient) -> None:
    response = demo_client.get("/")
    assert response.status_code == 200
    assert response.template.name == "home.html"  # type: ignore[attr-defined]
    fields = response.context["fields"]  # type: ignore[attr-defined]
    names = [item.field.name for item in fields]
    assert names[:2] == ["Orientierung und Information", "Unterkunft"]
    accommodation = next(item for item in fields if item.field.slug == "unterkunft")
    assert [(s.group.name, s.member_count) for s in accommodation.groups] == [("AG Unterkunft", 3)]
    assert 'lang="de"' in response.text
    assert "Arbeitsgruppen" in response.text
