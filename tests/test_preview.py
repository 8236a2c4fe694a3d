"""`kb serve --watch`: a real server over a copy of the sample, edited as a writer would."""

from __future__ import annotations

import json
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import REPO, SAMPLE_KB, serving, wait_for
from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

ARTICLE = "deskmate-offline-sync-409"
SOURCE = f"articles/deskmate/{ARTICLE}.md"


@dataclass
class Preview:
    base: str
    root: Path

    @property
    def article(self) -> Path:
        return self.root / "kb" / SOURCE

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return str(response.read().decode("utf-8"))

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.get("/__kb/preview"))
        return state

    def edit(self, old: str, new: str) -> int:
        """Change the article like an editor saving it; return the version before."""
        version = int(self.state()["version"])
        text = self.article.read_text("utf-8")
        assert old in text
        self.article.write_text(text.replace(old, new, 1), encoding="utf-8")
        return version


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    shutil.copytree(SAMPLE_KB, tmp_path / "kb")
    env = {"KB_KB_DIR": str(tmp_path / "kb"), "KB_MKDOCS_CONFIG": str(REPO / "mkdocs.yml")}
    with serving(
        tmp_path / "site",
        tmp_path / "var",
        tmp_path / "serve.log",
        env=env,
        args=("--watch",),
        timeout=90,
    ) as base:
        yield Preview(base, tmp_path)


def _search_ids(preview: Preview, q: str) -> list[str]:
    found = json.loads(preview.get("/api/search?q=" + urllib.parse.quote(q)))
    return [hit["id"] for hit in found["results"]]


def test_an_edit_is_rebuilt_like_a_full_build_and_searchable(preview, tmp_path):
    page = f"/articles/{ARTICLE}/"
    assert "/__kb/preview.js" in preview.get(page)
    before = preview.edit("title: ", "title: 预览改名 ")
    wait_for(lambda: preview.state()["version"] > before, "the rebuild", timeout=30)
    assert "预览改名" in preview.get(page)
    assert _search_ids(preview, "预览改名")[0] == ARTICLE

    # Byte for byte what a full build of the edited knowledge base makes.
    full = tmp_path / "full"
    built = CliRunner().invoke(
        cli,
        [
            "build",
            "--kb",
            str(tmp_path / "kb"),
            "--site-dir",
            str(full / "site"),
            "--data-dir",
            str(full / "var"),
        ],
    )
    assert built.exit_code == 0, built.output
    for path in (full / "site").rglob("*"):
        if path.is_file() and path.name != "search_index.json":
            assert (
                path.read_bytes()
                == (tmp_path / "site" / path.relative_to(full / "site")).read_bytes()
            ), path

    def entries(site: Path) -> list[str]:
        docs = json.loads((site / "search" / "search_index.json").read_text("utf-8"))["docs"]
        return sorted(json.dumps(e, sort_keys=True, ensure_ascii=False) for e in docs)

    assert entries(full / "site") == entries(tmp_path / "site")


def test_errors_keep_the_last_site_and_are_shown_until_fixed(preview):
    before = preview.edit("type: troubleshooting", "type: nonsense")
    state = wait_for(
        lambda: (s := preview.state())["version"] > before and s, "the failed rebuild", timeout=30
    )
    assert any(
        p.endswith(
            f"{ARTICLE}.md:5: type: expected one of troubleshooting, howto, faq, "
            "known-issue, found 'nonsense'"
        )
        for p in state["problems"]
    ), state
    assert "SYNC-409" in preview.get(f"/articles/{ARTICLE}/")  # the last good page
    before = preview.edit("type: nonsense", "type: troubleshooting")
    wait_for(lambda: preview.state()["version"] > before, "the fixed rebuild", timeout=30)
    assert preview.state()["problems"] == []


@pytest.mark.browser
def test_the_open_page_reloads_itself_after_a_save(preview, browser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{preview.base}/articles/{ARTICLE}/")
    page.wait_for_function("() => document.readyState === 'complete'")
    time.sleep(1.5)  # the preview script has seen the current version
    started = time.monotonic()
    preview.edit("title: ", "title: 自动刷新 ")
    page.locator("article h1", has_text="自动刷新").wait_for(timeout=30000)
    print(f"saved → page reloaded in {time.monotonic() - started:.1f} s")
    context.close()
    assert errors == []
