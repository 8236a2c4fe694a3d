"""Imports only go downward: services and generator → kbcore; kbcore never → Flask/MkDocs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kbcore.config import SQLITE_FILE
from tests.conftest import REPO, article_text, write


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


def test_checking_and_building_pages_do_not_import_the_database():
    """`kb check`, `kb build` up to the backlog's proposals and the page code start without
    SQLAlchemy (about 0.3 s of imports): the other commands are imported when run. numpy is
    imported only to work out related lists, which a body edit takes from the last build."""
    modules = ("sqlalchemy", "alembic", "generator.data_cli", "numpy")
    code = (
        "import sys, generator.cli, generator.check, generator.build, generator.pages;"
        f"print([m for m in {modules!r} if m in sys.modules])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
    listed = subprocess.run(
        [sys.executable, "-c", "from generator.cli import cli; cli()", "--help"],
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    commands = ("backlog", "build", "check", "db", "import", "new", "purge", "report", "search")
    for command in (*commands, "serve", "stats"):
        assert f"\n  {command} " in listed.stdout, command


_BUILD = """
import atexit, sys
from generator.cli import cli
atexit.register(lambda: print("sqlalchemy" in sys.modules, file=sys.stderr))
cli()
"""


def test_a_build_without_a_feedback_store_does_not_import_the_database(kb_dir, tmp_path):
    """The backlog's proposals need the store; without one, `kb build` does not import it."""
    write(kb_dir, "articles/shopease-login-password.md", article_text())
    data_dir = tmp_path / "var"
    build = [sys.executable, "-c", _BUILD, "build", "--kb", str(kb_dir)]
    build += ["--site-dir", str(tmp_path / "site"), "--data-dir", str(data_dir)]

    def imports_the_database() -> bool:
        run = subprocess.run(build, capture_output=True, text=True, cwd=REPO)
        assert run.returncode == 0, run.stderr
        return run.stderr.splitlines()[-1] == "True"

    assert not imports_the_database()
    assert not (data_dir / SQLITE_FILE).exists()
    upgrade = [sys.executable, "-c", "from generator.cli import cli; cli()", "db", "upgrade"]
    env = {**os.environ, "KB_DATA_DIR": str(data_dir)}
    subprocess.run(upgrade, check=True, capture_output=True, env=env, cwd=REPO)
    assert imports_the_database()  # a store: its open items are searched again


def test_an_article_page_s_key_covers_the_code_that_makes_it():
    """Each generator module the article page imports is in its key's code (see
    ``_PAGE_CODE``), but for the cache's helpers and the article's own model: another version
    of any of them, and every page is made again."""
    from generator.article_page import _PAGE_CODE

    tree = ast.parse((REPO / "generator" / "article_page.py").read_text("utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported = {m.removeprefix("generator.") for m in modules if m and m.startswith("generator.")}
    covered = {Path(name).stem for name in _PAGE_CODE}
    assert imported - {"cachefile", "frontmatter", "knowledge"} <= covered
