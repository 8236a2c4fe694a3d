"""The agents' portal end to end: real `kb serve`, Debian's Chromium, the SQLite file it writes.

An agent logs in, searches, opens an internal article, links it to a ticket, flags it and copies
the customer answer; an anonymous visitor reaches no internal page and no internal result.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import Built, copy_data_dir, serving
from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)
from tests.test_screenshots import SHOTS

pytestmark = pytest.mark.browser

PASSWORD = "agents only 2026"
INTERNAL = "deskmate-internal-sync-escalation"
INTERNAL_TITLE = "【内部】离线同步类工单：读 sync.log 判断原因与升级同步二线"
PUBLIC = "deskmate-offline-sync-409"


@dataclass(frozen=True)
class Portal:
    base: str
    database: Path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def portal(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("agent-ui")
    data_dir = copy_data_dir(built_sample, root / "var")
    with serving(
        built_sample.site_dir,
        data_dir,
        root / "serve.log",
        internal_site_dir=built_sample.internal_site_dir,
        env={"KB_AGENT_PASSWORD": PASSWORD},
    ) as base:
        yield Portal(base, data_dir / "kb.sqlite")


@pytest.fixture
def page(browser, portal) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal.base)
    page = context.new_page()
    page.set_default_timeout(10000)
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Failed requests are checked by URL: the only one allowed is a public internal URL's 404.
    page.on(
        "response",
        lambda r: (
            errors.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and r.url != f"{portal.base}/articles/{INTERNAL}/"
            else None
        ),
    )
    yield page
    context.close()
    assert errors == []


def log_in(page, portal: Portal, path: str = "/internal/", name: str = "李娜") -> None:
    page.goto(portal.base + path)
    assert urlsplit(page.url).path == "/internal/login"
    page.get_by_label("姓名 · Name").fill(name)
    page.get_by_label("密码或令牌 · Password or token").fill(PASSWORD)
    page.get_by_role("button", name="登录 · Log in").click()
    page.wait_for_url(portal.base + path)


def test_an_agent_searches_opens_links_flags_and_copies(page, portal):
    log_in(page, portal)
    expect(page.locator(".kb-agentbar")).to_contain_text("李娜")

    box = page.locator("input.md-search__input")
    box.click()
    box.fill("sync.log 升级二线")
    hit = page.locator(f'.kb-instant .kb-hit[data-article="{INTERNAL}"]')
    hit.wait_for()
    hit.click()
    page.wait_for_url(f"{portal.base}/internal/articles/{INTERNAL}/#*")  # at the matched section
    expect(page.locator("article h1").first).to_contain_text("离线同步类工单")
    expect(page.locator(".kb-badge.kb-internal")).to_be_visible()

    panel = page.locator(".kb-agent")
    stats = panel.locator(".kb-agent__stats")
    expect(stats).to_contain_text("已用于 0 个工单")
    expect(stats).to_contain_text("尚无客户评价")
    expect(stats).to_contain_text("无待处理标记")

    panel.get_by_label("工单号").fill("ZD-20261124-7")
    panel.get_by_role("button", name="关联到工单").click()
    expect(panel.locator(".kb-agent__status")).to_have_text("已关联到工单 ZD-20261124-7。")
    expect(stats).to_contain_text("已用于 1 个工单")
    assert portal.rows("SELECT article_id, ticket_id FROM article_links") == [
        (INTERNAL, "ZD-20261124-7")
    ]

    panel.locator(".kb-agent__flag-box summary").click()
    panel.get_by_label("问题类型").select_option("missing-step")
    panel.get_by_label("说明（选填）").fill("缺少 queue.db 损坏时的处理，客户电话 13812345678")
    panel.get_by_role("button", name="标记问题").click()
    expect(panel.locator(".kb-agent__status")).to_have_text("已标记，已加入写作待办。")
    expect(stats).to_contain_text("缺少步骤 × 1")
    [(kind, note)] = portal.rows("SELECT kind, note FROM article_flags")
    assert kind == "missing-step" and "13812345678" not in note  # redacted

    panel.get_by_role("button", name="复制客户答复").click()
    expect(panel.locator(".kb-agent__status")).to_have_text("已复制，可粘贴到工单。")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "agent-article-desktop.png")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("一线坐席处理")  # the summary first
    assert "操作步骤：\n1. 收集信息：门店 ID" in copied  # then the steps, without Markdown
    assert "**" not in copied and "](" not in copied


def test_a_public_articles_answer_ends_with_its_public_link(page, portal):
    log_in(page, portal, f"/internal/articles/{PUBLIC}/")
    page.get_by_role("button", name="复制客户答复").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "解决方法：\n1. 打开 菜单 > 数据同步 > 同步队列" in copied
    assert copied.endswith(f"详细说明：{portal.base}/articles/{PUBLIC}/")


def test_logging_out_closes_the_agents_site(page, portal):
    log_in(page, portal)
    page.locator(".kb-agentbar__logout").click()
    page.wait_for_url(portal.base + "/internal/login")
    page.goto(f"{portal.base}/internal/articles/{INTERNAL}/")
    assert urlsplit(page.url).path == "/internal/login"


def test_an_anonymous_visitor_reaches_no_internal_page_or_result(page, portal):
    page.goto(f"{portal.base}/internal/articles/{INTERNAL}/")
    assert urlsplit(page.url).path == "/internal/login"
    assert INTERNAL_TITLE not in page.content()

    response = page.goto(f"{portal.base}/articles/{INTERNAL}/")
    assert response is not None and response.status == 404
    assert "离线同步类工单" not in page.content()

    page.goto(f"{portal.base}/find/?q={quote('sync.log 升级二线')}")
    page.locator(".kb-result, .kb-empty").first.wait_for()
    assert page.locator(f'[data-article="{INTERNAL}"]').count() == 0
    assert "离线同步类工单" not in page.content()
