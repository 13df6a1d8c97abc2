"""Keeps the layers apart: the domain imports no web, template, queue or live-hub code."""

from __future__ import annotations

import ast

from server.settings import ROOT

FORBIDDEN = (
    "starlette",
    "jinja2",
    "arq",
    "sse_starlette",
    "server.live",
    "server.routes",
    "server.templating",
    "server.app",
    "server.uow",
)


def _imports(path: str) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_no_web_queue_or_live_code() -> None:
    modules = sorted((ROOT / "server" / "domain").glob("*.py"))
    assert len(modules) > 3
    for module in modules:
        for name in _imports(str(module.relative_to(ROOT))):
            assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"


def test_domain_functions_never_commit() -> None:
    for module in (ROOT / "server" / "domain").glob("*.py"):
        source = module.read_text(encoding="utf-8")
        assert ".commit(" not in source, f"{module.name} commits"


def test_no_front_end_file_is_loaded_from_another_host() -> None:
    for path in list((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "https://" not in text and "http://" not in text and "//cdn" not in text, path
