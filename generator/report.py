"""`kb report`: one self-contained HTML dashboard for writers and support leads.

The page is rendered with Jinja2 (``templates/report.html``, autoescaped: queries and comments are
shown as text, never as markup). Its charts are inline SVG whose geometry is computed here; it
loads nothing (no script, image, font or style sheet from anywhere), and its Content Security
Policy allows inline styles only. It is written outside the public site.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from generator.knowledge import Article, KnowledgeBase
from generator.stats_cli import article_facts
from kbcore.backlog import BacklogItem, read_backlog
from kbcore.db import Store
from kbcore.search import SearchEngine
from kbcore.stats import ArticleFeedback, DaySearches, Period, PeriodStats, compute_stats
from kbcore.value import ArticleValue, value_of_articles

__all__ = [
    "CSP",
    "ArticleRow",
    "Chart",
    "ReportData",
    "ReviewRow",
    "build_chart",
    "collect_report",
    "overdue_reviews",
    "render_report",
    "write_report",
]

TEMPLATES = Path(__file__).with_name("templates")
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
TOP = 10

# Chart canvas, in SVG user units.
WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP_MARGIN, BOTTOM = 48, 12, 12, 28
X_LABELS = 6


@dataclass(frozen=True)
class ArticleRow:
    """A rated article, with its title and address on the portal when the knowledge base has it."""

    id: str
    title: str
    url: str | None
    feedback: ArticleFeedback


@dataclass(frozen=True)
class ReviewRow:
    """An article whose ``review_by`` date has passed."""

    id: str
    title: str
    owner: str
    lang: str
    review_by: date
    days_overdue: int
    url: str | None


@dataclass(frozen=True)
class Bar:
    """One day's stacked bar: customers at the bottom, agents on top."""

    x: float
    width: float
    customer_y: float
    customer_height: float
    agent_y: float
    agent_height: float
    title: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Geometry of both charts over the same days."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    count_ticks: list[Tick]
    lines: list[str]  # polyline point lists; a day without searches breaks the line
    dots: list[Dot]
    rate_ticks: list[Tick]
    day_labels: list[Tick]


@dataclass(frozen=True)
class QueueRow:
    """An article due for review, with its value (see ``kb stats``)."""

    id: str
    title: str
    url: str | None
    value: ArticleValue


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows."""

    stats: PeriodStats
    backlog: list[BacklogItem]
    lowest: list[ArticleRow]
    helpful: list[ArticleRow]
    overdue: list[ReviewRow]
    queue: list[QueueRow]
    chart: Chart
    generated_at: datetime

    @property
    def period(self) -> Period:
        return self.stats.period


def _step(largest: int) -> int:
    """The smallest step of 1, 2 or 5 × 10^k such that four steps reach ``largest``."""
    magnitude = 1
    while True:
        for unit in (1, 2, 5):
            if unit * magnitude * 4 >= largest:
                return unit * magnitude
        magnitude *= 10


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def build_chart(days: list[DaySearches]) -> Chart:
    """Lay out the searches-per-day bars and the zero-result-rate line."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP_MARGIN - BOTTOM
    base = TOP_MARGIN + plot_height
    slot = plot_width / max(len(days), 1)
    step = _step(max((d.total for d in days), default=0))
    scale = plot_height / (step * 4)
    bars: list[Bar] = []
    dots: list[Dot] = []
    lines: list[str] = []
    current: list[str] = []
    for index, day in enumerate(days):
        x = LEFT + index * slot
        customer, agent = day.customer * scale, day.agent * scale
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 2),
                width=round(slot * 0.7, 2),
                customer_y=round(base - customer, 2),
                customer_height=round(customer, 2),
                agent_y=round(base - customer - agent, 2),
                agent_height=round(agent, 2),
                title=f"{day.day.isoformat()}：客户 {day.customer}，坐席 {day.agent} · "
                f"customers {day.customer}, agents {day.agent}",
            )
        )
        rate = day.zero_result_rate
        if rate is None:
            if current:
                lines.append(" ".join(current))
            current = []
            continue
        point = (round(x + slot / 2, 2), round(base - rate * plot_height, 2))
        current.append(f"{point[0]},{point[1]}")
        dots.append(
            Dot(
                *point,
                f"{day.day.isoformat()}：零结果率 {_pct(rate)}（{day.zero_results}/{day.total}）"
                f" · zero-result rate {_pct(rate)} ({day.zero_results}/{day.total})",
            )
        )
    if current:
        lines.append(" ".join(current))
    every = max(1, math.ceil(len(days) / X_LABELS))
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP_MARGIN,
        bottom=base,
        bars=bars,
        count_ticks=[Tick(round(base - n * step * scale, 2), str(n * step)) for n in range(5)],
        lines=lines,
        dots=dots,
        rate_ticks=[Tick(round(base - n / 4 * plot_height, 2), f"{n * 25} %") for n in range(5)],
        day_labels=[
            Tick(round(LEFT + (i + 0.5) * slot, 2), d.day.strftime("%m-%d"))
            for i, d in enumerate(days)
            if (len(days) - 1 - i) % every == 0  # counted back from the last day, always shown
        ],
    )


def _link(article: Article | None) -> str | None:
    if article is None or not article.meta.published or article.meta.audience != "public":
        return None
    return article.url


def _rows(found: list[ArticleFeedback], by_id: dict[str, Article]) -> list[ArticleRow]:
    rows = []
    for feedback in found:
        article = by_id.get(feedback.summary.id)
        title = article.meta.title if article else feedback.summary.id
        rows.append(ArticleRow(feedback.summary.id, title, _link(article), feedback))
    return rows


def overdue_reviews(kb: KnowledgeBase, today: date) -> list[ReviewRow]:
    """Articles past their ``review_by`` date (archived ones excepted), most overdue first."""
    rows = [
        ReviewRow(
            id=a.id,
            title=a.meta.title,
            owner=a.meta.owner,
            lang=a.meta.lang,
            review_by=a.meta.review_by,
            days_overdue=(today - a.meta.review_by).days,
            url=_link(a),
        )
        for a in kb.articles
        if a.meta.review_by is not None and a.meta.review_by < today and a.meta.status != "archived"
    ]
    rows.sort(key=lambda r: (r.review_by, r.id))
    return rows


def collect_report(
    store: Store,
    engine: SearchEngine,
    kb: KnowledgeBase,
    period: Period,
    *,
    today: date | None = None,
) -> ReportData:
    """Gather the numbers, the backlog and the knowledge base's side of the report."""
    stats = compute_stats(store, period)
    by_id = {a.id: a for a in kb.articles}
    day = today or period.end.astimezone(UTC).date()
    valued = value_of_articles(store, article_facts(kb), today=day)
    return ReportData(
        stats=stats,
        backlog=read_backlog(store, engine, since=period.start)[:TOP],
        lowest=_rows(stats.lowest_rated(TOP), by_id),
        helpful=_rows(stats.most_helpful(TOP), by_id),
        overdue=overdue_reviews(kb, day),
        queue=[QueueRow(v.id, v.title, _link(by_id[v.id]), v) for v in valued if v.review][:TOP],
        chart=build_chart(list(stats.days)),
        generated_at=period.end,
    )


def _percent(rate: float | None) -> str:
    return "暂无数据 No data" if rate is None else _pct(rate)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_report(data: ReportData) -> str:
    """Render the report as one HTML document."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["percent"] = _percent
    env.filters["when"] = _when
    env.filters["ratio"] = lambda value: f"{value:.2f}"
    return env.get_template("report.html").render(report=data, csp=CSP)


def write_report(page: str, out: Path) -> Path:
    """Write ``page`` to ``out`` atomically, creating its folder; return the path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the report is meant to be shared
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
