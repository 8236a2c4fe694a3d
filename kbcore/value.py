"""The value of each article, and the writers' review queue sorted by it.

Value = demand × quality.

- *Demand*: how often the article is needed: ``log2(1 + opened from search) + 2 × log2(1 + ticket
  links)`` (an agent's link is a whole case solved with it).
- *Quality*: the Wilson lower bound of its helpful share once it has 3 votes or more, 0.5 before
  (no evidence either way); each open flag takes 0.1 off; so does each full year since
  ``updated``. Quality stays within 0 and 1.

An article is *due for review* when it has open flags, its ``review_by`` has passed, at least
3 votes rate it more often unhelpful than helpful, or it is over a year old. The queue is
sorted by value, highest first: fixing the article that is needed most helps most readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from kbcore.db import Store, article_flags, article_links, clicks, ratings
from kbcore.ratings import wilson_lower_bound

__all__ = ["ArticleFacts", "ArticleValue", "value_of_articles"]

MIN_VOTES = 3
FLAG_PENALTY = 0.1
YEARLY_PENALTY = 0.1


@dataclass(frozen=True)
class ArticleFacts:
    """What the knowledge base says about an article."""

    id: str
    title: str
    updated: date
    review_by: date | None


@dataclass(frozen=True)
class ArticleValue:
    """An article's evidence, value and the reasons it is due for review."""

    id: str
    title: str
    opened: int
    links: int
    helpful: int
    not_helpful: int
    wilson: float
    open_flags: int
    age_days: int
    value: float
    review: tuple[str, ...]


def _counts(store: Store) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    queries = {
        "opened": select(clicks.c.article_id, func.count()).group_by(clicks.c.article_id),
        "links": select(article_links.c.article_id, func.count()).group_by(
            article_links.c.article_id
        ),
        "flags": select(article_flags.c.article_id, func.count())
        .where(article_flags.c.status == "open")
        .group_by(article_flags.c.article_id),
        "helpful": select(ratings.c.article_id, func.count())
        .where(ratings.c.helpful)
        .group_by(ratings.c.article_id),
        "not_helpful": select(ratings.c.article_id, func.count())
        .where(~ratings.c.helpful)
        .group_by(ratings.c.article_id),
    }
    with store.reading() as conn:
        for name, query in queries.items():
            for article_id, n in conn.execute(query):
                out.setdefault(article_id, {})[name] = int(n)
    return out


def value_of_articles(
    store: Store, articles: Iterable[ArticleFacts], *, today: date
) -> list[ArticleValue]:
    """Score every article; most valuable first."""
    counts = _counts(store)
    out = []
    for article in articles:
        c = counts.get(article.id, {})
        opened, links, flags = c.get("opened", 0), c.get("links", 0), c.get("flags", 0)
        helpful, not_helpful = c.get("helpful", 0), c.get("not_helpful", 0)
        votes = helpful + not_helpful
        wilson = wilson_lower_bound(helpful, votes)
        age = (today - article.updated).days
        quality = wilson if votes >= MIN_VOTES else 0.5
        quality -= FLAG_PENALTY * flags + YEARLY_PENALTY * (age // 365)
        demand = math.log2(1 + opened) + 2 * math.log2(1 + links)
        review = []
        if flags:
            review.append(f"{flags} open flag{'s' * (flags > 1)}")
        if article.review_by is not None and article.review_by < today:
            review.append(f"review_by {article.review_by.isoformat()} passed")
        if votes >= MIN_VOTES and not_helpful > helpful:
            review.append(f"{not_helpful} of {votes} votes not helpful")
        if age > 365:
            review.append(f"updated {age} days ago")
        out.append(
            ArticleValue(
                article.id,
                article.title,
                opened,
                links,
                helpful,
                not_helpful,
                round(wilson, 4),
                flags,
                age,
                round(demand * min(1.0, max(0.0, quality)), 3),
                tuple(review),
            )
        )
    out.sort(key=lambda a: (-a.value, -a.opened - a.links, a.id))
    return out
