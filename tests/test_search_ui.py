"""The search front end (generator/assets/kb-search.js) in Chromium, against the real `kb serve`.

Online: the header box shows the API's results and Enter opens /find/, the results page with
facets, pages and did-you-mean. Offline (API requests aborted, failing or hanging): Material's own
search takes over, in the header box and from the results page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

pytestmark = pytest.mark.browser

LOGIN = "登录"
XSS = "<img src=x onerror=alert(1)>"


class Watch:
    """What went wrong in a page: errors, failed loads (other than the API's), dialogs."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def page(browser, watch: Watch) -> Iterator[object]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10000)
    # Tests of the fallback make /api/ requests fail on purpose; nothing else may fail.
    page.on(
        "console",
        lambda m: (
            watch.errors.append(f"console: {m.text}")
            if m.type == "error" and "/api/" not in m.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: watch.errors.append(f"request failed: {r.url}") if "/api/" not in r.url else None,
    )

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()
    assert watch.errors == []
    assert watch.dialogs == []


def api_down(page) -> None:
    page.route("**/api/**", lambda route: route.abort())


def header_search(page, text: str) -> None:
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(text)


def find_params(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == "/find/", url
    return parse_qs(parts.query)


def api_query(url: str) -> tuple[str, list[str] | None]:
    """The path of an API request and its ``q`` parameter."""
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query).get("q")


def total(page) -> int:
    text = page.locator(".kb-total").inner_text()
    match = re.search(r"找到 (\d+) 条结果", text)
    assert match, text
    return int(match.group(1))


def expect_total(page, n: int) -> None:
    expect(page.locator(".kb-total")).to_contain_text(f"找到 {n} 条结果")


def result_urls(page) -> list[str]:
    urls: list[str] = page.locator(".kb-result__title a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    return urls


def offline_titles(page) -> list[str]:
    items = page.locator(".md-search-result__item")
    items.first.wait_for()
    # Material joins jieba's words with zero-width spaces.
    return [t.replace("\u200b", "") for t in items.locator("h1").all_inner_texts()]


# ------------------------------------------------------------------------ header box, online


def test_typing_shows_api_results_and_a_click_opens_the_article(page, server):
    searched: list[str] = []
    page.on("request", lambda r: searched.append(r.url) if "/api/search?" in r.url else None)
    page.goto(server + "/")
    header_search(page, LOGIN)
    panel = page.locator(".kb-instant")
    hit = panel.locator(".kb-hit").filter(has=page.locator("mark")).first
    hit.wait_for()
    assert panel.locator(".kb-hit mark").first.inner_text() == LOGIN
    assert any(f"q={quote(LOGIN)}" in url for url in searched), searched
    assert re.match(r"找到 \d+ 条结果", panel.locator(".kb-instant__message").inner_text())
    see_all = panel.locator("a.kb-instant__all")
    assert "查看全部结果" in see_all.inner_text()
    assert find_params(see_all.evaluate("a => a.href")) == {"q": [LOGIN]}
    # Material's own (offline) result list is out of the way while the API answers.
    assert not page.locator(".md-search-result").is_visible()
    assert "/articles/" in (hit.get_attribute("href") or "")
    title = hit.locator(".kb-hit__title").inner_text()
    hit.click()
    page.wait_for_url("**/articles/**")
    assert page.locator("article h1").first.inner_text().rstrip("¶") == title


def test_enter_opens_the_results_page(page, server):
    page.goto(server + "/")
    header_search(page, LOGIN)
    page.locator(".kb-instant .kb-hit").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url("**/find/?q=*")
    assert find_params(page.url) == {"q": [LOGIN]}
    page.locator(".kb-result").first.wait_for()
    assert total(page) > 0
    # Material opens its own box for ?q= on every page; the results page closes it again.
    assert not page.locator(".md-search__output").is_visible()


def test_arrow_keys_and_enter_open_the_highlighted_result(page, server):
    page.goto(server + "/")
    header_search(page, LOGIN)
    page.locator(".kb-instant .kb-hit").first.wait_for()
    for _ in range(20):
        page.keyboard.press("ArrowDown")
        if page.evaluate("document.activeElement.classList.contains('kb-hit')"):
            break
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused and "/articles/" in focused
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == focused
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles/**")
    assert urlsplit(page.url).path == urlsplit(focused).path


def test_escape_closes_the_box(page, server):
    page.goto(server + "/")
    header_search(page, LOGIN)
    page.locator(".kb-instant .kb-hit").first.wait_for()
    page.keyboard.press("Escape")
    expect(page.locator("#__search")).not_to_be_checked()
    expect(page.locator(".md-search__output")).to_have_css("opacity", "0")


def test_only_the_latest_query_is_shown(page, server):
    page.goto(server + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("passwo", delay=40)
    box.press_sequentially("rd", delay=250)
    page.locator(".kb-instant .kb-hit").first.wait_for()
    see_all = page.locator(".kb-instant a.kb-instant__all").evaluate("a => a.href")
    assert find_params(see_all) == {"q": ["password"]}


def test_a_script_in_the_header_box_stays_text(page, server, watch):
    page.goto(server + "/")
    header_search(page, XSS)
    page.locator(".kb-instant__message").wait_for()
    page.wait_for_timeout(500)
    assert page.locator(".kb-instant img, .kb-instant script").count() == 0
    assert watch.dialogs == []


# ----------------------------------------------------------------------------- results page


def test_results_page_facets_filter_and_the_url_is_shareable(page, server):
    page.goto(server + "/find/?q=" + quote(LOGIN))
    page.locator(".kb-result").first.wait_for()
    assert page.locator("#kb-search-page input[name=q]").input_value() == LOGIN
    everything = total(page)
    facet = page.locator(".kb-facet").first.locator("a.kb-chip").first
    product, count = facet.inner_text().split()
    assert int(count) < everything
    facet.click()
    page.wait_for_url(re.compile(r"product="))
    assert find_params(page.url) == {"q": [LOGIN], "product": [product]}
    expect_total(page, int(count))
    labels = page.locator(".kb-result .kb-labels").all_inner_texts()
    assert labels and all(product in label.split() for label in labels), labels
    shown = result_urls(page)

    page.reload()
    expect_total(page, int(count))
    assert result_urls(page) == shown
    assert page.locator(".kb-facet a.kb-chip--active").inner_text().split()[0] == product

    page.go_back()
    page.wait_for_url(lambda url: "product=" not in url)
    expect_total(page, everything)

    page.go_forward()
    expect_total(page, int(count))
    page.locator(".kb-filters a.kb-clear").click()
    page.wait_for_url(lambda url: "product=" not in url)
    expect_total(page, everything)


def test_results_page_has_pages(page, server):
    page.goto(server + "/find/?q=" + quote(LOGIN))
    page.locator(".kb-result").first.wait_for()
    assert total(page) > 10
    first = result_urls(page)
    assert "第 1 / " in page.locator(".kb-pager__where").inner_text()
    page.locator(".kb-pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    page.locator(".kb-pager a[rel=prev]").wait_for()
    assert "第 2 / " in page.locator(".kb-pager__where").inner_text()
    second = result_urls(page)
    assert second and not set(second) & set(first)


def test_a_typo_gets_close_results_or_did_you_mean(page, server):
    page.goto(server + "/find/?q=pasword")
    page.locator(".kb-result, .kb-empty").first.wait_for()
    fallback = page.locator(".kb-notice--fallback")
    suggestion = page.locator(".kb-notice--suggestion a")
    assert fallback.count() or suggestion.count()
    if fallback.count():
        assert "没有完全匹配的结果" in fallback.inner_text()
    if suggestion.count():
        suggested = suggestion.inner_text()
        suggestion.click()
        page.wait_for_url(lambda url: "pasword" not in url)
        page.locator(".kb-result").first.wait_for()
        assert find_params(page.url) == {"q": [suggested]}
        assert page.locator("#kb-search-page input[name=q]").input_value() == suggested


def test_nothing_found_shows_help(page, server):
    page.goto(server + "/find/?q=zzqqxxyy")
    empty = page.locator(".kb-empty")
    empty.wait_for()
    assert "没有找到" in empty.inner_text()
    assert total(page) == 0
    assert empty.locator("a").last.get_attribute("href") == server + "/"


def test_a_script_in_the_query_stays_text(page, server, watch):
    page.goto(server + "/find/?q=" + quote(XSS))
    page.locator(".kb-total").wait_for()
    page.wait_for_timeout(500)
    root = page.locator("#kb-search-page")
    assert root.locator("img, script").count() == 0
    assert page.locator("input.md-search__input").input_value() == XSS
    assert root.locator("input[name=q]").input_value() == XSS
    if page.locator(".kb-empty").count():
        assert XSS in page.locator(".kb-empty__title").inner_text()
    assert watch.dialogs == []


def test_a_bad_filter_is_reported(page, server):
    page.goto(server + f"/find/?q={quote(LOGIN)}&type=nonsense")
    error = page.locator(".kb-notice--error")
    error.wait_for()
    assert "type" in error.inner_text()
    page.locator(".kb-clear").click()
    page.locator(".kb-result").first.wait_for()
    assert find_params(page.url) == {"q": [LOGIN]}


# ---------------------------------------------------------------------------------- offline


def test_without_the_api_the_header_box_uses_offline_search(page, server):
    api_down(page)
    page.goto(server + "/")
    header_search(page, LOGIN)
    titles = offline_titles(page)
    assert any(LOGIN in title for title in titles), titles
    assert not page.locator(".kb-instant").is_visible()
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_url("**/articles/**")


def test_without_the_api_the_results_page_opens_offline_search(page, server):
    api_down(page)
    page.goto(server + "/find/?q=" + quote(LOGIN))
    notice = page.locator(".kb-notice--offline")
    notice.wait_for()
    assert "在线搜索暂不可用" in notice.inner_text()
    assert page.locator("#__search").is_checked()
    assert page.locator("input.md-search__input").input_value() == LOGIN
    titles = offline_titles(page)
    assert any(LOGIN in title for title in titles), titles
    assert find_params(page.url) == {"q": [LOGIN]}


def test_a_failing_api_hands_over_to_offline_search(page, server):
    page.route(
        "**/api/search?*",
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": {"code": "index_unavailable", "message": "later", "request_id": "x"}}',
        ),
    )
    page.goto(server + "/")
    header_search(page, LOGIN)
    assert any(LOGIN in title for title in offline_titles(page))


def test_a_hanging_api_hands_over_to_offline_search_after_a_timeout(page, server):
    held = []
    page.route("**/api/search?*", lambda route: held.append(route))  # never answered
    page.goto(server + "/")
    header_search(page, LOGIN)
    titles = offline_titles(page)  # after the 2.5 s timeout
    assert held and any(LOGIN in title for title in titles)


def test_the_box_is_taken_over_again_when_the_api_is_back(page, server):
    page.clock.install()
    api_down(page)
    page.goto(server + "/")
    header_search(page, LOGIN)
    offline_titles(page)
    page.unroute("**/api/**")
    page.clock.run_for(31_000)  # the health check every 30 s
    # Once the API answers, the open box searches what it holds through the API.
    expect(page.locator(".md-search__scrollwrap")).to_have_class(re.compile(r"\bkb-online\b"))
    page.clock.run_for(1000)
    expect(page.locator(".kb-instant .kb-hit").first).to_be_visible()
    assert not page.locator(".md-search-result").is_visible()
    # And so does what is typed next.
    page.locator("input.md-search__input").fill("密码")
    with page.expect_response(lambda r: api_query(r.url) == ("/api/search", ["密码"])):
        page.clock.run_for(1000)
    expect(page.locator(".kb-instant .kb-hit").first).to_be_visible()
