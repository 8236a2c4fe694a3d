"""Imports only go downward: services and generator → kbcore; kbcore never → Flask/MkDocs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO


def imported_modules(package: str) -> dict[Path, set[str]]:
    found = {}
    for path in (REPO / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[path] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("search_api", {"generator", "feedback_api", "mkdocs", "material"}),
        ("feedback_api", {"generator", "search_api", "mkdocs", "material"}),
        ("kbcore", {"generator", "search_api", "feedback_api", "mkdocs", "material"}),
    ],
)
def test_package_does_not_import(package, forbidden):
    for path, names in imported_modules(package).items():
        assert not names & forbidden, f"{path} imports {names & forbidden}"


def test_only_kbcore_web_imports_flask():
    for path, names in imported_modules("kbcore").items():
        if path.name != "web.py":
            assert not names & {"flask", "werkzeug"}, path


def test_modules_stay_small():
    for package in ("kbcore", "generator", "search_api", "feedback_api"):
        for path in (REPO / package).rglob("*.py"):
            assert len(path.read_text("utf-8").splitlines()) <= 400, path
