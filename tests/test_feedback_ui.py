"""The feedback front end (kb-feedback.js, kb-search.js's click logging) in Chromium.

A `kb serve` of its own, over a copy of the sample's data dir with a fresh database, so every vote,
search and click the tests make can be checked in the SQLite file and nothing else writes there.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from generator.article_page import feedback_widget
from kbcore.ratings import REASONS
from tests.conftest import Built, copy_data_dir, serving, wait_for
from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

pytestmark = pytest.mark.browser

ZH_HANS = "deskmate-login-proxy-timeout"
ZH_HANT = "deskmate-login-proxy-timeout-zh-hant"
EN = "deskmate-login-proxy-timeout-en"
RATINGS = "**/api/articles/*/ratings"
PHONE = {"width": 375, "height": 812}
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

STRINGS = {
    ZH_HANS: ("这篇文章有帮助吗？", "有帮助", "没有帮助", "内容已过时", "感谢您的反馈！"),
    ZH_HANT: ("這篇文章有幫助嗎？", "有幫助", "沒有幫助", "內容已過時", "感謝您的回饋！"),
    EN: ("Was this helpful?", "Yes", "No", "It is out of date", "Thank you for your feedback!"),
}


@dataclass(frozen=True)
class Portal:
    base: str
    database: Path

    def summary(self, article_id: str) -> dict[str, Any]:
        url = f"{self.base}/api/articles/{article_id}/ratings"
        with urllib.request.urlopen(url, timeout=5) as response:
            body: dict[str, Any] = json.load(response)
        return body

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def portal(built_sample: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """`kb serve` over the built sample, with a data dir (and database) of its own."""
    root = tmp_path_factory.mktemp("feedback-ui")
    data_dir = copy_data_dir(built_sample, root / "var")
    with serving(built_sample.site_dir, data_dir, root / "serve.log") as base:
        yield Portal(base, data_dir / "kb.sqlite")


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Any]]:  # noqa: F811
    """Open pages in fresh contexts (a new browser: new localStorage); none may log errors."""
    contexts = []
    errors: list[str] = []

    def open_(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10000)
        # Tests of the queue make /api/ requests fail on purpose; nothing else may fail.
        page.on(
            "console",
            lambda m: (
                errors.append(f"console: {m.text}")
                if m.type == "error" and "/api/" not in m.location.get("url", "")
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        # Reloading cancels what Material's search worker is still loading (net::ERR_ABORTED):
        # not an error. Any other failure, or an asset answered with an error, is one.
        page.on(
            "requestfailed",
            lambda r: (
                errors.append(f"request failed: {r.url} {r.failure}")
                if "/api/" not in r.url and r.failure != "net::ERR_ABORTED"
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 and "/api/" not in r.url
                else None
            ),
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


@pytest.fixture
def page(open_page):
    return open_page()


def article(page, portal: Portal, article_id: str) -> Any:
    page.goto(f"{portal.base}/articles/{article_id}/")
    widget = page.locator(".kb-feedback")
    expect(widget).to_be_visible()
    return widget


def choice(widget, helpful: bool) -> Any:
    return widget.locator(f".kb-feedback__choice[data-helpful={str(helpful).lower()}]")


def status(widget) -> Any:
    return widget.locator(".kb-feedback__status")


def pending(page) -> dict[str, Any]:
    value: dict[str, Any] = page.evaluate(
        "JSON.parse(localStorage.getItem('kb-feedback:pending') || '{}')"
    )
    return value


def posts(page) -> list[str]:
    """Collect the rating POSTs the page makes from now on."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.method == "POST" and "/ratings" in r.url else None,
    )
    return seen


def votes(summary: dict[str, Any]) -> int:
    return int(summary["helpful"]) + int(summary["not_helpful"])


# --------------------------------------------------------------------------------- the page


def test_the_widget_is_static_html_without_scripts_or_styles():
    block = feedback_widget('a"b', "en")
    assert block.startswith("<section") and block.endswith("</section>\n")
    assert "\n\n" not in block  # one raw HTML block for Markdown
    assert 'data-article-id="a&quot;b"' in block
    assert " hidden>" in block and "data-search-exclude" in block
    assert not re.search(r"<script|<style|\son\w+=|style=", block)
    assert [f'value="{r}"' in block for r in REASONS] == [True] * 5
    assert 'maxlength="1000"' in block
    assert 'role="status" aria-live="polite"' in block


@pytest.mark.parametrize("article_id", [ZH_HANS, ZH_HANT, EN])
def test_each_language_shows_its_own_words(page, portal, article_id):
    question, yes, no, outdated, thanks = STRINGS[article_id]
    widget = article(page, portal, article_id)
    langs = {ZH_HANS: "zh-Hans", ZH_HANT: "zh-Hant", EN: "en"}
    assert widget.get_attribute("lang") == langs[article_id]
    expect(widget.locator(".kb-feedback__question")).to_have_text(question)
    expect(choice(widget, True)).to_have_text(yes)
    expect(choice(widget, False)).to_have_text(no)
    choice(widget, False).click()
    expect(widget.locator(".kb-feedback__reason").first).to_have_text(outdated)
    assert page.locator("script[src$='kb-feedback.js']").count() == 1
    choice(widget, True).click()
    expect(status(widget)).to_have_text(thanks)


# -------------------------------------------------------------------------------- voting


def test_yes_shows_thanks_and_stores_the_vote(page, portal):
    before = portal.summary(ZH_HANS)
    widget = article(page, portal, ZH_HANS)
    expect(widget.locator(".kb-feedback__more")).to_be_hidden()
    choice(widget, True).click()
    expect(status(widget)).to_have_text("感谢您的反馈！")
    expect(choice(widget, True)).to_have_attribute("aria-pressed", "true")
    after = portal.summary(ZH_HANS)
    assert after["helpful"] == before["helpful"] + 1
    assert after["not_helpful"] == before["not_helpful"]
    token = page.evaluate("JSON.parse(localStorage.getItem('kb-feedback:client'))")
    assert re.fullmatch(UUID4, token), token
    assert portal.rows(
        "SELECT helpful, reason, comment, search_id FROM ratings"
        " WHERE article_id = ? AND client_token = ?",
        ZH_HANS,
        token,
    ) == [(1, None, None, None)]
    assert pending(page) == {}

    page.reload()
    expect(status(widget)).to_have_text("您已评价过这篇文章，可以随时修改。")
    expect(choice(widget, True)).to_have_attribute("aria-pressed", "true")


def test_without_crypto_random_uuid_a_token_is_made_anyway(page, portal):
    # crypto.randomUUID exists only in secure contexts: a portal on plain http has none.
    page.add_init_script("delete Crypto.prototype.randomUUID")
    before = portal.summary(EN)
    widget = article(page, portal, EN)
    assert page.evaluate("typeof crypto.randomUUID") == "undefined"
    choice(widget, True).click()
    expect(status(widget)).to_have_text("Thank you for your feedback!")
    token = page.evaluate("JSON.parse(localStorage.getItem('kb-feedback:client'))")
    assert re.fullmatch(UUID4, token), token
    assert portal.summary(EN)["helpful"] == before["helpful"] + 1


def test_no_with_a_reason_and_a_comment(page, portal):
    before = portal.summary(ZH_HANS)
    widget = article(page, portal, ZH_HANS)
    choice(widget, False).click()
    form = widget.locator(".kb-feedback__more")
    expect(form).to_be_visible()
    expect(choice(widget, False)).to_have_attribute("aria-expanded", "true")
    expect(form.locator("input[value=outdated]")).to_be_focused()
    form.get_by_label("照做了，问题没有解决").check()
    form.get_by_label("补充说明（选填）").fill("  第 3 步的“网络设置”按钮找不到  ")
    form.get_by_role("button", name="提交").click()
    expect(status(widget)).to_have_text("感谢您的反馈！")
    expect(form).to_be_hidden()
    after = portal.summary(ZH_HANS)
    assert after["not_helpful"] == before["not_helpful"] + 1
    assert after["helpful"] == before["helpful"]
    assert after["reasons"]["did-not-solve"] == before["reasons"]["did-not-solve"] + 1
    token = page.evaluate("JSON.parse(localStorage.getItem('kb-feedback:client'))")
    assert portal.rows(
        "SELECT helpful, reason, comment FROM ratings WHERE article_id = ? AND client_token = ?",
        ZH_HANS,
        token,
    ) == [(0, "did-not-solve", "第 3 步的“网络设置”按钮找不到")]


def test_voting_again_changes_the_vote(page, portal):
    before = portal.summary(EN)
    widget = article(page, portal, EN)
    choice(widget, True).click()
    expect(status(widget)).to_have_text("Thank you for your feedback!")
    choice(widget, False).click()
    expect(status(widget)).to_have_text("")
    widget.get_by_role("button", name="Send").click()
    expect(status(widget)).to_have_text("Thank you for your feedback!")
    after = portal.summary(EN)
    assert votes(after) == votes(before) + 1
    assert after["not_helpful"] == before["not_helpful"] + 1


def test_a_double_click_sends_one_vote(page, portal):
    held = []
    page.route(RATINGS, lambda route: held.append(route))
    widget = article(page, portal, ZH_HANT)
    yes = choice(widget, True)
    with page.expect_request(re.compile(r"/api/articles/[^/]+/ratings$")):
        yes.dblclick()
    expect(yes).to_have_attribute("aria-disabled", "true")
    yes.click(force=True)  # Playwright itself would wait for the button to be enabled
    expect(status(widget)).to_have_text("正在送出…")
    assert len(held) == 1
    held[0].continue_()
    expect(status(widget)).to_have_text("感謝您的回饋！")
    assert len(held) == 1


def test_the_keyboard_is_enough(page, portal):
    before = portal.summary(EN)
    widget = article(page, portal, EN)
    choice(widget, False).focus()
    page.keyboard.press("Enter")
    expect(widget.locator("input[value=outdated]")).to_be_focused()
    page.keyboard.press("ArrowDown")  # radio buttons move and check with the arrows
    expect(widget.locator("input[value=incorrect]")).to_be_checked()
    widget.locator(".kb-feedback__send").focus()
    page.keyboard.press("Enter")
    expect(status(widget)).to_have_text("Thank you for your feedback!")
    after = portal.summary(EN)
    assert after["reasons"]["incorrect"] == before["reasons"]["incorrect"] + 1


# --------------------------------------------------------------------------- the API away


def test_an_unreachable_api_keeps_the_vote_and_a_reload_sends_it_once(page, portal):
    before = portal.summary(ZH_HANT)
    page.route(RATINGS, lambda route: route.abort())
    widget = article(page, portal, ZH_HANT)
    choice(widget, True).click()
    expect(status(widget)).to_have_text("已記下，稍後送出。")
    queued = pending(page)
    assert list(queued) == [ZH_HANT]
    assert queued[ZH_HANT]["body"]["helpful"] is True
    assert portal.summary(ZH_HANT) == before

    page.unroute(RATINGS)
    sent = posts(page)
    page.reload()
    expect(status(widget)).to_have_text("感謝您的回饋！")
    assert pending(page) == {}
    assert len(sent) == 1
    after = portal.summary(ZH_HANT)
    assert after["helpful"] == before["helpful"] + 1
    assert votes(after) == votes(before) + 1

    page.reload()
    expect(status(widget)).to_have_text("您已評價過這篇文章，可以隨時修改。")
    page.wait_for_load_state("networkidle")
    assert len(sent) == 1
    assert portal.summary(ZH_HANT) == after


def test_a_queued_vote_is_sent_from_another_page(page, portal):
    before = portal.summary(ZH_HANS)
    page.route(RATINGS, lambda route: route.abort())
    widget = article(page, portal, ZH_HANS)
    choice(widget, False).click()
    widget.locator("input[value=unclear]").check()
    widget.locator(".kb-feedback__send").click()
    expect(status(widget)).to_have_text("已记下，稍后提交。")
    page.unroute(RATINGS)
    page.goto(portal.base + "/")
    wait_for(lambda: pending(page) == {}, "the queue to empty")
    after = portal.summary(ZH_HANS)
    assert after["reasons"]["unclear"] == before["reasons"]["unclear"] + 1
    assert votes(after) == votes(before) + 1


@pytest.mark.parametrize("code", [429, 503])
def test_a_busy_api_is_retried_after_its_retry_after(page, portal, code):
    before = portal.summary(EN)
    answers = []

    def busy_once(route) -> None:
        answers.append(route.request.url)
        if len(answers) > 1:
            route.continue_()
            return
        route.fulfill(
            status=code,
            headers={"Retry-After": "60"},
            content_type="application/json",
            body='{"error": {"code": "busy", "message": "later", "request_id": "x"}}',
        )

    page.clock.install()
    page.route(RATINGS, busy_once)
    widget = article(page, portal, EN)
    choice(widget, True).click()
    expect(status(widget)).to_have_text("Saved; we'll send it when the connection is back.")
    assert len(answers) == 1
    page.clock.run_for(50_000)  # sooner than Retry-After: nothing is sent
    assert len(answers) == 1
    assert list(pending(page)) == [EN]
    page.clock.run_for(11_000)
    expect(status(widget)).to_have_text("Thank you for your feedback!")
    assert len(answers) == 2
    assert pending(page) == {}
    assert votes(portal.summary(EN)) == votes(before) + 1


def test_a_refused_vote_is_dropped_with_a_short_message(page, portal):
    before = portal.summary(EN)
    page.route(
        RATINGS,
        lambda route: route.fulfill(
            status=400,
            content_type="application/json",
            body='{"error": {"code": "invalid_body", "message": "helpful: …", "request_id": "x"}}',
        ),
    )
    widget = article(page, portal, EN)
    choice(widget, True).click()
    expect(status(widget)).to_have_text("Sorry, this feedback could not be recorded.")
    assert pending(page) == {}
    assert portal.summary(EN) == before
    page.unroute(RATINGS)
    page.reload()
    expect(status(widget)).to_have_text("")
    expect(choice(widget, True)).to_have_attribute("aria-pressed", "false")


# ------------------------------------------------------------------ searches, clicks, search_id


def searches_for(portal: Portal, q: str) -> list[str]:
    return [row[0] for row in portal.rows("SELECT search_id FROM searches WHERE query = ?", q)]


def clicks_for(portal: Portal, search_id: str) -> list[str]:
    rows = portal.rows("SELECT article_id FROM clicks WHERE search_id = ?", search_id)
    return [row[0] for row in rows]


def test_a_result_opened_from_the_results_page_is_a_click_and_the_rating_carries_it(page, portal):
    q = "ERR_CONN_TIMEOUT 代理"
    page.goto(f"{portal.base}/find/?q={quote(q)}")
    link = page.locator(".kb-result__title a").first
    link.wait_for()
    (search_id,) = wait_for(lambda: searches_for(portal, q), "the logged search")
    opened = link.get_attribute("data-article")
    link.click()
    page.wait_for_url(re.compile(rf"/articles/{re.escape(opened)}/"))
    assert wait_for(lambda: clicks_for(portal, search_id), "the click") == [opened]

    widget = page.locator(".kb-feedback")
    choice(widget, False).click()
    widget.locator(".kb-feedback__send").click()
    expect(status(widget)).to_have_text(re.compile("感谢|感謝|Thank you"))
    assert portal.rows(
        "SELECT search_id, helpful FROM ratings WHERE article_id = ? AND search_id = ?",
        opened,
        search_id,
    ) == [(search_id, 0)]

    # Back on the results, and reloaded: still one search, logged once.
    page.go_back()
    page.locator(".kb-result").first.wait_for()
    page.reload()
    page.locator(".kb-result").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert searches_for(portal, q) == [search_id]


def test_a_result_opened_from_the_header_box_is_logged_on_arrival(page, portal):
    q = "proxy"
    searched: list[str] = []
    page.on("request", lambda r: searched.append(r.url) if "/api/search?" in r.url else None)
    page.goto(portal.base + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(q)
    hit = page.locator(".kb-instant .kb-hit").first
    hit.wait_for()
    typed = [parse_qs(urlsplit(url).query) for url in searched]
    assert typed and all(params["instant"] == ["1"] for params in typed), searched
    assert searches_for(portal, q) == []  # type-ahead is not logged

    opened = hit.get_attribute("data-article")
    hit.click()
    page.wait_for_url(re.compile(rf"/articles/{re.escape(opened)}/"))
    (search_id,) = wait_for(lambda: searches_for(portal, q), "the search logged on arrival")
    assert wait_for(lambda: clicks_for(portal, search_id), "the click") == [opened]
    wait_for(
        lambda: page.evaluate(f"sessionStorage.getItem('kb-search:from:{opened}')"),
        "the search_id kept for the rating",
    )
    widget = page.locator(".kb-feedback")
    choice(widget, True).click()
    expect(status(widget)).to_have_text(re.compile("感谢|感謝|Thank you"))
    assert portal.rows(
        "SELECT search_id FROM ratings WHERE article_id = ? AND search_id IS NOT NULL", opened
    ) == [(search_id,)]


def test_pressing_enter_in_the_header_box_is_a_logged_search(page, portal):
    q = "收银机 代理"
    page.goto(portal.base + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(q)
    page.locator(".kb-instant__message").filter(has_text="找到").wait_for()
    assert searches_for(portal, q) == []
    page.keyboard.press("Enter")
    page.wait_for_url("**/find/?q=*")
    page.locator(".kb-total").wait_for()
    assert len(wait_for(lambda: searches_for(portal, q), "the logged search")) == 1


# ---------------------------------------------------------------------------------- phone


def test_a_phone_can_use_it(open_page, portal):
    page = open_page(PHONE)
    before = portal.summary(ZH_HANT)
    widget = article(page, portal, ZH_HANT)
    widget.scroll_into_view_if_needed()
    for button in (choice(widget, True), choice(widget, False)):
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 40  # a thumb-sized target
    choice(widget, False).click()
    comment = widget.locator("textarea")
    expect(comment).to_be_visible()
    comment.fill("長" * 1200)
    assert len(comment.input_value()) == 1000
    for part in (comment, widget.locator(".kb-feedback__send"), widget.locator("legend")):
        box = part.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], part
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    widget.locator(".kb-feedback__send").click()
    expect(status(widget)).to_have_text("感謝您的回饋！")
    expect(status(widget)).to_be_in_viewport()
    assert votes(portal.summary(ZH_HANT)) == votes(before) + 1
