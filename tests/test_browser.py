"""The portal in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("KB_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have Chromium at {CHROMIUM} (make browser installs it)")
        pytest.skip(f"no Chromium at {CHROMIUM}: run `make browser` to install Debian's package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # A blocked API shows up as failed loads of /api/ URLs: expected when testing the fallback.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "/api/" not in m.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: errors.append(f"request failed: {r.url}") if "/api/" not in r.url else None,
    )
    yield page
    context.close()
    assert errors == []


def test_home_page_renders(page, server):
    page.goto(server + "/")
    assert page.title().startswith("青禾软件帮助中心")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "青禾软件帮助中心"
    assert page.locator(".kb-card").count() >= 3 + 10
    assert page.locator(".md-nav__link", has_text="账号与登录").first.is_visible()


def test_offline_search_finds_a_login_article_for_denglu(page, server):
    # Offline means no API: Material's built-in search answers from the static index.
    page.route("**/api/**", lambda route: route.abort())
    page.goto(server + "/")
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill("登录")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    # Material joins jieba's words with zero-width spaces.
    titles = [t.replace("\u200b", "") for t in results.locator("h1").all_inner_texts()]
    assert any("登录" in title for title in titles), titles
    results.locator("a[href*='/articles/']", has_text="登").filter(
        has=page.locator("h1", has_text="录")
    ).first.click()
    page.wait_for_load_state()
    assert "/articles/" in page.url
    assert "登录" in page.locator("article").inner_text()
