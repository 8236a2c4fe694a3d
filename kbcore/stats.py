"""Numbers for one period of the feedback store: searches, clicks, self-service and ratings.

Counts are aggregated in SQL that SQLite and PostgreSQL both run (``COUNT``, ``SUM(CASE …)``,
``EXISTS``); searches per day are grouped here, in UTC, because the two databases truncate
timestamps to dates with different functions.

- *zero-result rate*: searches that found nothing, over all searches;
- *click-through rate*: searches with results of which at least one was opened, over searches
  with results;
- *self-service success rate*: searches with an opened result and no "not helpful" vote carrying
  their ``search_id``, over all searches.

A vote belongs to the period when it was last cast (or changed) inside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, not_, select

from kbcore.db import Store, clicks, ratings, searches
from kbcore.ratings import RatingSummary, summary_of, wilson_lower_bound

__all__ = [
    "ArticleFeedback",
    "Comment",
    "DaySearches",
    "Period",
    "PeriodStats",
    "SearchTotals",
    "compute_stats",
    "period_ending",
]

COMMENTS_PER_ARTICLE = 3


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Period:
    """A span of time, ``start <= t <= end``, both in UTC."""

    start: datetime
    end: datetime

    def days(self) -> list[date]:
        """Every UTC day the period touches, oldest first."""
        first, last = self.start.astimezone(UTC).date(), self.end.astimezone(UTC).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def period_ending(end: datetime, length: timedelta) -> Period:
    """The period of ``length`` that ends at ``end``."""
    end = _aware(end)
    return Period(end - length, end)


@dataclass(frozen=True)
class SearchTotals:
    """The logged searches of a period, counted."""

    searches: int = 0
    customer: int = 0
    agent: int = 0
    zero_results: int = 0
    with_results: int = 0
    clicked: int = 0  # with results, and at least one of them opened
    succeeded: int = 0  # a result opened, and no "not helpful" vote for the search

    @property
    def zero_result_rate(self) -> float | None:
        """Share of searches that found nothing (None without searches)."""
        return _ratio(self.zero_results, self.searches)

    @property
    def click_through_rate(self) -> float | None:
        """Share of searches with results where a result was opened."""
        return _ratio(self.clicked, self.with_results)

    @property
    def self_service_rate(self) -> float | None:
        """Share of searches that ended in an opened result nobody called unhelpful."""
        return _ratio(self.succeeded, self.searches)


@dataclass(frozen=True)
class DaySearches:
    """The searches of one UTC day."""

    day: date
    customer: int = 0
    agent: int = 0
    zero_results: int = 0

    @property
    def total(self) -> int:
        return self.customer + self.agent

    @property
    def zero_result_rate(self) -> float | None:
        """Share of the day's searches that found nothing (None on a day without searches)."""
        return _ratio(self.zero_results, self.total)


@dataclass(frozen=True)
class Comment:
    """What a reader wrote with a vote (personal data already redacted)."""

    text: str
    helpful: bool
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ArticleFeedback:
    """The votes one article received in the period, and its latest comments."""

    summary: RatingSummary
    comments: tuple[Comment, ...] = ()

    @property
    def votes(self) -> int:
        return self.summary.helpful + self.summary.not_helpful

    @property
    def unhelpful_lower_bound(self) -> float:
        """Wilson lower bound of the not-helpful share: how surely the article fails readers."""
        return round(wilson_lower_bound(self.summary.not_helpful, self.votes), 4)


@dataclass(frozen=True)
class PeriodStats:
    """Everything :func:`compute_stats` found for one period."""

    period: Period
    totals: SearchTotals
    days: tuple[DaySearches, ...]
    articles: tuple[ArticleFeedback, ...] = field(default=())

    def most_helpful(self, limit: int) -> list[ArticleFeedback]:
        """Articles with helpful votes, surest helpful first (Wilson lower bound)."""
        rated = [a for a in self.articles if a.summary.helpful]
        rated.sort(key=lambda a: (-a.summary.wilson_lower_bound, -a.votes, a.summary.id))
        return rated[:limit]

    def lowest_rated(self, limit: int) -> list[ArticleFeedback]:
        """Articles with not-helpful votes, surest unhelpful first (Wilson lower bound)."""
        rated = [a for a in self.articles if a.summary.not_helpful]
        rated.sort(key=lambda a: (-a.unhelpful_lower_bound, -a.votes, a.summary.id))
        return rated[:limit]


def _in_period(column: ColumnElement[Any], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column <= period.end)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def search_totals(conn: Connection, period: Period) -> SearchTotals:
    """Count the period's searches by audience, results, clicks and unhelpful votes."""
    clicked = exists().where(clicks.c.search_id == searches.c.search_id)
    unhelpful = exists().where(
        and_(ratings.c.search_id == searches.c.search_id, not_(ratings.c.helpful))
    )
    found = searches.c.total > 0
    rows = conn.execute(
        select(
            searches.c.audience,
            func.count(),
            _count_if(searches.c.total == 0),
            _count_if(and_(found, clicked)),
            _count_if(and_(clicked, not_(unhelpful))),
        )
        .where(_in_period(searches.c.created_at, period))
        .group_by(searches.c.audience)
    ).all()
    by_audience = {audience: int(n) for audience, n, *_ in rows}
    total = sum(by_audience.values())
    zero = sum(int(row[2]) for row in rows)
    return SearchTotals(
        searches=total,
        customer=by_audience.get("customer", 0),
        agent=by_audience.get("agent", 0),
        zero_results=zero,
        with_results=total - zero,
        clicked=sum(int(row[3]) for row in rows),
        succeeded=sum(int(row[4]) for row in rows),
    )


def searches_per_day(conn: Connection, period: Period) -> list[DaySearches]:
    """Count the period's searches per UTC day, with every day present."""
    counts: dict[date, list[int]] = {day: [0, 0, 0] for day in period.days()}
    rows = conn.execute(
        select(searches.c.created_at, searches.c.audience, searches.c.total).where(
            _in_period(searches.c.created_at, period)
        )
    )
    for created_at, audience, total in rows:
        day = counts.setdefault(_aware(created_at).date(), [0, 0, 0])
        day[0 if audience == "customer" else 1] += 1
        day[2] += total == 0
    return [DaySearches(day, *numbers) for day, numbers in sorted(counts.items())]


def article_feedback(conn: Connection, period: Period) -> list[ArticleFeedback]:
    """Summarise the votes of every article rated in the period, with its latest comments."""
    in_period = _in_period(ratings.c.updated_at, period)
    counts: dict[str, dict[tuple[bool, str | None], int]] = defaultdict(dict)
    for article_id, helpful, reason, n in conn.execute(
        select(ratings.c.article_id, ratings.c.helpful, ratings.c.reason, func.count())
        .where(in_period)
        .group_by(ratings.c.article_id, ratings.c.helpful, ratings.c.reason)
    ):
        counts[article_id][(bool(helpful), reason)] = int(n)
    comments: dict[str, list[Comment]] = defaultdict(list)
    for article_id, text, helpful, reason, at in conn.execute(
        select(
            ratings.c.article_id,
            ratings.c.comment,
            ratings.c.helpful,
            ratings.c.reason,
            ratings.c.updated_at,
        )
        .where(in_period, ratings.c.comment.is_not(None))
        .order_by(ratings.c.updated_at.desc(), ratings.c.id.desc())
    ):
        if len(comments[article_id]) < COMMENTS_PER_ARTICLE:
            comments[article_id].append(Comment(text, bool(helpful), reason, _aware(at)))
    return [
        ArticleFeedback(
            summary_of(article_id, ((h, r, n) for (h, r), n in votes.items())),
            tuple(comments.get(article_id, ())),
        )
        for article_id, votes in sorted(counts.items())
    ]


def compute_stats(store: Store, period: Period) -> PeriodStats:
    """Compute every number of the report for ``period``, in one read transaction."""
    with store.reading() as conn:
        return PeriodStats(
            period=period,
            totals=search_totals(conn, period),
            days=tuple(searches_per_day(conn, period)),
            articles=tuple(article_feedback(conn, period)),
        )
