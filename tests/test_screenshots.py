"""Screenshots of the portal for CI's artifacts (build/screenshots/), at desktop and phone width.

Each page is also checked the way a reader would notice: it loads without a script error, its main
content is there, and at phone width nothing is wider than the screen.
"""

from __future__ import annotations

import struct
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.conftest import REPO
from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

pytestmark = pytest.mark.browser

SHOTS = REPO / "build" / "screenshots"
PAGES = {
    "home": ("/", "article h1"),
    "article": ("/articles/deskmate-offline-sync-409/", ".kb-feedback"),
    "search": (f"/find/?q={quote('打印机连不上')}", ".kb-result"),
}
SIZES = {"desktop": (1280, 900), "phone": (375, 812)}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("name", sorted(PAGES))
def test_screenshot(browser, server, name, size):  # noqa: F811
    path, ready = PAGES[name]
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + path)
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}-{size}.png"
    target.write_bytes(page.screenshot(full_page=True))
    context.close()
    assert errors == []
    assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px screen"
    shot_width, shot_height = png_size(target.read_bytes())
    assert shot_width == width and shot_height >= height
