"""`kb report`: the numbers, escaping, self-containment and the empty case, through the CLI.

The store is filled the way production fills it: searches, clicks and votes through the portal's
HTTP API (the Flask test client of the real app), or events with chosen times through the
event log and the rating function the API uses.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from generator.cli import cli
from generator.report import CSP
from generator.server import create_portal_app
from kbcore.config import load_settings
from kbcore.db import open_store
from kbcore.events import ClickEvent, EventLog, SearchEvent
from kbcore.ratings import RatingLimits, Vote, record_vote
from tests.conftest import SAMPLE_KB, Built, article_text, write
from tests.test_browser import browser  # noqa: F401  (the module-scoped Chromium fixture)

AGENT_TOKEN = "agent-token-for-report-tests"
XSS_QUERY = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'
XSS_COMMENT = '"><img src=x onerror=alert(2)><script>alert(3)</script> 第 3 步不对'
NOTHING = "zzqqxx"  # finds nothing in the sample knowledge base
VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "area", "base", "col"}
Json = dict[str, Any]
EXTERNAL = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


# --- a small DOM over html.parser -----------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def words(self) -> str:
        """The text of every descendant, whitespace collapsed, elements kept apart."""
        parts = [c if isinstance(c, str) else c.words() for c in self.children]
        return " ".join(" ".join(parts).split())

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data) -> None:
        self.stack[-1].children.append(data)
        self.texts.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements"
    return builder


def metric(doc: Node, name: str) -> str:
    return doc.one(**{"data-metric": name}).words()


# --- fixtures -------------------------------------------------------------------------------


@dataclass
class Report:
    path: Path
    html: str
    doc: Node
    texts: list[str]
    output: str


@pytest.fixture
def data_dir(tmp_path: Path, built_sample: Built, runner) -> Path:
    """A copy of the sample's index and manifest, with an empty, upgraded store of its own."""
    target = tmp_path / "var"
    shutil.copytree(
        built_sample.data_dir,
        target,
        symlinks=True,  # index/current is a link to the current generation
        ignore=shutil.ignore_patterns("kb.sqlite*", "secret_key", "spool"),
    )
    result = runner.invoke(cli, ["db", "upgrade"], env={"KB_DATA_DIR": str(target)})
    assert result.exit_code == 0, result.output
    return target


def run_report(
    runner, data_dir: Path, *args: str, kb: Path = SAMPLE_KB, env: dict[str, str] | None = None
) -> Report:
    out = data_dir.parent / "report" / "index.html"
    result = runner.invoke(
        cli,
        ["report", "--kb", str(kb), "--out", str(out), *args],
        env={"KB_DATA_DIR": str(data_dir), **(env or {})},
    )
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    tree = parse(page)
    return Report(out, page, tree.root, tree.texts, result.output)


@dataclass(frozen=True)
class Filled:
    helpful_id: str
    helpful_title: str
    helpful_url: str
    unhelpful_id: str
    unhelpful_title: str
    unhelpful_url: str


@pytest.fixture
def filled(data_dir: Path, built_sample: Built) -> Filled:
    """Four searches through the portal's API: 3 by customers, 1 by an agent, 1 finding nothing.

    Search 1 is clicked and rated helpful, search 2 (an XSS payload) clicked and rated not
    helpful with a hostile comment, search 3 (another payload, by an agent) never clicked.
    """
    settings = load_settings(
        {
            "data_dir": data_dir,
            "site_dir": built_sample.site_dir,
            "agent_tokens": AGENT_TOKEN,
        }
    )
    client = create_portal_app(settings).test_client()

    def search(q: str, *, agent: bool = False) -> Json:
        headers = {"Authorization": f"Bearer {AGENT_TOKEN}"} if agent else {}
        response = client.get("/api/search", query_string={"q": q}, headers=headers)
        body: Json = response.get_json()
        assert response.status_code == 200, body
        return body

    def click(found: Json) -> Json:
        hit: Json = found["results"][0]
        response = client.post(
            f"/api/searches/{found['search_id']}/clicks", json={"article_id": hit["id"]}
        )
        assert response.status_code == 202, response.get_json()
        return hit

    def rate(hit: Json, found: Json, **body: object) -> None:
        response = client.post(
            f"/api/articles/{hit['id']}/ratings",
            json={"client_token": str(uuid.uuid4()), "search_id": found["search_id"], **body},
        )
        assert response.status_code == 201, response.get_json()

    first = search("收银机打印小票")
    helpful = click(first)
    rate(helpful, first, helpful=True)
    second = search(XSS_QUERY)
    unhelpful = click(second)
    rate(unhelpful, second, helpful=False, reason="did-not-solve", comment=XSS_COMMENT)
    assert search(XSS_ATTR, agent=True)["total"] > 0
    assert search(NOTHING)["total"] == 0
    assert helpful["id"] != unhelpful["id"]
    return Filled(
        helpful["id"],
        helpful["title"],
        helpful["url"].partition("#")[0],  # the page, without the matching section
        unhelpful["id"],
        unhelpful["title"],
        unhelpful["url"].partition("#")[0],
    )


# --- the numbers ----------------------------------------------------------------------------


def test_headline_numbers(runner, data_dir, filled):
    report = run_report(runner, data_dir)
    doc = report.doc
    assert metric(doc, "searches") == "4"
    assert metric(doc, "customer_searches") == "3"
    assert metric(doc, "agent_searches") == "1"
    assert metric(doc, "zero_result_rate") == "25.0 %"  # 1 of 4 found nothing
    assert metric(doc, "click_through_rate") == "66.7 %"  # 2 of the 3 with results were opened
    assert metric(doc, "self_service_rate") == "25.0 %"  # only search 1: no unhelpful vote
    assert "Wrote " in report.output and "4 searches" in report.output

    today = datetime.now(UTC).date().isoformat()
    rows = {
        tr.find_all("td")[0].text(): [td.text() for td in tr.find_all("td")[1:]]
        for tr in doc.one("table", id="days").one("tbody").find_all("tr")
    }
    assert len(rows) == 31  # 30 days back from now touch 31 dates
    assert rows[today] == ["3", "1", "1", "25.0 %"]
    assert all(values[:3] == ["0", "0", "0"] for day, values in rows.items() if day != today)


def test_articles_are_ranked_with_titles_links_reasons_and_comments(runner, data_dir, filled):
    doc = run_report(runner, data_dir).doc
    lowest = doc.one("table", id="lowest-rated").one("tr", **{"data-article": filled.unhelpful_id})
    link = lowest.one("a")
    assert link.attrs["href"] == filled.unhelpful_url
    assert link.text() == filled.unhelpful_title
    cells = [td.words() for td in lowest.find_all("td")]
    assert cells[1:4] == ["0", "1", "0.21"]  # Wilson lower bound of 1 not-helpful in 1
    assert cells[4] == "没有解决问题 Did not solve it × 1"
    assert lowest.one("blockquote").text() == XSS_COMMENT
    # The helpful article is not among the lowest-rated, and leads the most helpful.
    assert (
        doc.one("table", id="lowest-rated").find_all("tr", **{"data-article": filled.helpful_id})
        == []
    )
    best = doc.one("table", id="most-helpful").find_all("tr")[1]
    assert best.attrs["data-article"] == filled.helpful_id
    assert best.one("a").attrs["href"] == filled.helpful_url
    assert best.one("a").text() == filled.helpful_title


def test_backlog_lists_the_unresolved_searches(runner, data_dir, filled):
    doc = run_report(runner, data_dir).doc
    items = doc.one("table", id="backlog-items").one("tbody").find_all("tr")
    by_phrase = {}
    for tr in items:
        cells = tr.find_all("td")
        for li in cells[1].find_all("li"):
            by_phrase[li.text()] = [c.text().strip() for c in cells[2:6]] + [cells[6].words()]
    # Searched once each: found nothing / opened but unhelpful / never opened.
    assert by_phrase[NOTHING] == ["1", "1", "0", "0", "待处理 Open"]
    assert by_phrase[XSS_QUERY] == ["1", "0", "0", "1", "待处理 Open"]
    assert by_phrase[XSS_ATTR] == ["1", "0", "1", "0", "待处理 Open"]
    assert "收银机打印小票" not in by_phrase  # opened and rated helpful: resolved


# --- safety ---------------------------------------------------------------------------------


def test_typed_text_is_escaped_never_markup(runner, data_dir, filled):
    report = run_report(runner, data_dir)
    doc = report.doc
    tags = [n.tag for n in doc.walk()]
    for dangerous in ("script", "img", "iframe", "object", "embed", "link", "form", "base"):
        assert dangerous not in tags, dangerous
    assert tags.count("style") == 1  # the page's own style sheet, nothing injected
    assert all(not name.startswith("on") for n in doc.walk() for name in n.attrs)
    # The payloads are there, as text.
    assert XSS_QUERY in report.texts
    assert XSS_ATTR in report.texts
    assert XSS_COMMENT in report.texts
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report.html
    assert "<script" not in report.html and "<img" not in report.html


def test_page_is_self_contained_with_a_strict_policy(runner, data_dir, filled):
    report = run_report(runner, data_dir)
    head = report.doc.one("head")
    metas = head.find_all("meta")
    policy = [m for m in metas if m.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert [m.attrs["content"] for m in policy] == [CSP]
    assert (
        CSP == "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    )
    # The policy comes before anything it governs.
    assert head.children.index(policy[0]) < head.children.index(head.one("style"))
    addresses = [
        (n.tag, name, value)
        for n in report.doc.walk()
        for name, value in n.attrs.items()
        if name in ("href", "src", "xlink:href", "action", "srcset", "poster", "data")
    ]
    assert addresses  # the article links
    assert [a for a in addresses if a[2] is None or EXTERNAL.match(a[2])] == []
    style = head.one("style").text()
    assert "url(" not in style and "@import" not in style
    assert len(report.doc.find_all("svg")) == 2


# --- periods and days -----------------------------------------------------------------------


def test_period_counts_days_and_excludes_older_evidence(runner, data_dir, database_url):
    """On SQLite and on PostgreSQL: the SQL aggregates, the days, the period's bounds."""
    env = {"KB_DATABASE_URL": database_url}
    store = open_store(database_url, data_dir)
    store.upgrade()
    events = EventLog(store, data_dir / "spool")
    now = datetime.now(UTC)

    def logged(days_ago: float, audience: str, total: int, *, clicked: bool = False) -> str:
        search_id = uuid.uuid4().hex
        at = now - timedelta(days=days_ago)
        events.search(
            SearchEvent(
                search_id=search_id,
                query=f"打印机 {search_id[:6]}",
                norm=f"打印机 {search_id[:6]}",
                lang="zh-Hans",
                filters={},
                total=total,
                top_ids=["recent-article"] if total else [],
                fallback=None,
                audience=audience,
                created_at=at,
            )
        )
        if clicked:
            events.click(ClickEvent(search_id, "recent-article", created_at=at))
        return search_id

    logged(2, "customer", 0)
    unhelped = logged(2, "agent", 5, clicked=True)
    logged(1, "customer", 3, clicked=True)
    logged(40, "customer", 0)
    assert events.pending() == 0
    limits = RatingLimits(100, 100, 3600)
    for days_ago, article, search_id in (
        (40, "old-article", None),
        (2, "recent-article", unhelped),
    ):
        record_vote(
            store,
            Vote(article, False, "outdated", None, str(uuid.uuid4()), search_id, "addr"),
            limits,
            now=now - timedelta(days=days_ago),
        )
    store.dispose()

    recent = run_report(runner, data_dir, "--since", "30d", env=env).doc
    assert metric(recent, "searches") == "3"
    assert metric(recent, "customer_searches") == "2"
    assert metric(recent, "agent_searches") == "1"
    assert metric(recent, "zero_result_rate") == "33.3 %"
    assert metric(recent, "click_through_rate") == "100.0 %"  # both searches with results
    assert metric(recent, "self_service_rate") == "33.3 %"  # one was then rated not helpful
    rows = {
        tr.find_all("td")[0].text(): [td.text() for td in tr.find_all("td")[1:]]
        for tr in recent.one("table", id="days").one("tbody").find_all("tr")
    }
    two, one = ((now - timedelta(days=d)).date().isoformat() for d in (2, 1))
    assert rows[two] == ["1", "1", "1", "50.0 %"]
    assert rows[one] == ["1", "0", "0", "0.0 %"]
    assert rows[now.date().isoformat()] == ["0", "0", "0", "暂无数据 No data"]
    assert (now - timedelta(days=40)).date().isoformat() not in rows
    lowest = recent.one("table", id="lowest-rated")
    assert [tr.attrs["data-article"] for tr in lowest.find_all("tr")[1:]] == ["recent-article"]
    # Not in the knowledge base: shown by id, without a link.
    assert lowest.find_all("a") == []

    # The bars: two days with searches, customers below agents, the same height for one each.
    bars = recent.one("svg", id="searches-chart").find_all("g")
    heights = [
        (
            float(g.one("rect", **{"class": "customers"}).attrs["height"] or 0),
            float(g.one("rect", **{"class": "agents"}).attrs["height"] or 0),
        )
        for g in bars
    ]
    assert len(heights) == 31
    assert heights[-3][0] == heights[-3][1] == heights[-2][0] > 0
    assert heights[-2][1] == 0
    assert sum(c + a for c, a in heights) == 3 * heights[-2][0]

    everything = run_report(runner, data_dir, "--since", "45d", env=env).doc
    assert metric(everything, "searches") == "4"
    assert metric(everything, "zero_result_rate") == "50.0 %"
    assert metric(everything, "self_service_rate") == "25.0 %"
    assert len(everything.one("table", id="lowest-rated").find_all("tr")) == 3


# --- empty store, review dates, errors ------------------------------------------------------


def test_empty_store_gives_zeros_and_no_data(runner, data_dir, kb_dir):
    write(kb_dir, "articles/shopease/a.md", article_text(review_by="2099-01-01"))
    report = run_report(runner, data_dir, kb=kb_dir)
    doc = report.doc
    assert metric(doc, "searches") == "0"
    assert metric(doc, "customer_searches") == "0"
    assert metric(doc, "agent_searches") == "0"
    for name in ("zero_result_rate", "click_through_rate", "self_service_rate"):
        assert metric(doc, name) == "暂无数据 No data"
    empty = [p.words() for p in doc.find_all("p", **{"class": "empty"})]
    assert empty == [
        "暂无数据 No data — 本期没有搜索记录 No searches in this period.",
        "暂无数据 No data — 本期没有未解决的搜索 No unresolved searches in this period.",
        "暂无数据 No data — 本期没有“没有帮助”的评价 No not-helpful votes in this period.",
        "暂无数据 No data — 本期没有“有帮助”的评价 No helpful votes in this period.",
        "暂无数据 No data — 没有超过复审日期的文章 No article is past its review date.",
        "暂无数据 No data — 没有待复审的文章 No article is due for review.",
    ]
    assert doc.find_all("svg") == []
    assert doc.find_all("table") == []


def test_articles_past_review_date(runner, data_dir, kb_dir):
    write(
        kb_dir, "articles/shopease/late.md", article_text("shopease-late", review_by="2020-01-01")
    )
    write(
        kb_dir,
        "articles/shopease/later.md",
        article_text("shopease-later", review_by="2021-06-30", owner="wang.fang"),
    )
    write(kb_dir, "articles/shopease/fresh.md", article_text("shopease-fresh"))
    write(
        kb_dir,
        "articles/shopease/old.md",
        article_text("shopease-old", review_by="2020-01-01", status="archived"),
    )
    doc = run_report(runner, data_dir, kb=kb_dir).doc
    rows = doc.one("table", id="overdue").one("tbody").find_all("tr")
    today = datetime.now(UTC).date()
    got = [[td.words() for td in tr.find_all("td")] for tr in rows]
    title = "登录商家后台时提示密码错误"
    assert got == [
        [
            f"{title} shopease-late",
            "li.na",
            "zh-Hans",
            "2020-01-01",
            str((today - date(2020, 1, 1)).days),
        ],
        [
            f"{title} shopease-later",
            "wang.fang",
            "zh-Hans",
            "2021-06-30",
            str((today - date(2021, 6, 30)).days),
        ],
    ]
    assert rows[0].one("a").attrs["href"] == "/articles/shopease-late/"


def test_bad_period_is_refused(runner, data_dir, tmp_path):
    result = runner.invoke(
        cli,
        ["report", "--since", "a month", "--out", str(tmp_path / "r.html")],
        env={"KB_DATA_DIR": str(data_dir)},
    )
    assert result.exit_code == 2
    assert "--since: expected a duration such as 180d, 12h or 2w, found 'a month'" in result.output
    assert not (tmp_path / "r.html").exists()


def test_store_without_schema_is_refused(runner, tmp_path, built_sample):
    data = tmp_path / "var"
    shutil.copytree(
        built_sample.data_dir,
        data,
        symlinks=True,
        ignore=shutil.ignore_patterns("kb.sqlite*", "secret_key"),
    )
    out = tmp_path / "r.html"
    result = runner.invoke(
        cli,
        ["report", "--kb", str(SAMPLE_KB), "--out", str(out)],
        env={"KB_DATA_DIR": str(data)},
    )
    assert result.exit_code == 1
    assert "found an empty database (run `kb db upgrade`)" in result.output
    assert not out.exists()


# --- in a browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_report_renders_under_its_policy_in_chromium(runner, data_dir, filled, browser):  # noqa: F811
    report = run_report(runner, data_dir)
    # A copy with a script slipped in: the policy must stop it.
    tampered = report.path.with_name("tampered.html")
    tampered.write_text(
        report.html.replace("</body>", "<script>document.title = 'ran'</script></body>"), "utf-8"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        page.goto(report.path.as_uri())
        assert console == []
        # The inline style sheet applies.
        radius = page.locator(".card").first.evaluate("e => getComputedStyle(e).borderRadius")
        assert radius == "8px"
        # Today's bar is drawn: customers and agents, with a height on screen.
        today = page.locator("#searches-chart g.day").last
        assert today.locator("rect.customers").bounding_box()["height"] > 0
        assert today.locator("rect.agents").bounding_box()["height"] > 0
        assert page.locator("#zero-rate-chart circle").count() == 1

        with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
            page.goto(tampered.as_uri())
        assert page.title() != "ran"
    finally:
        context.close()
