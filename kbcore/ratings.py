"""Ratings: one vote per browser and article, capped per browser and per network address.

A vote is keyed by ``(article_id, client_token)``: voting again from the same browser changes it,
never adds a row. Before a new vote is stored, the votes of the same browser and address inside the
window are counted, in the same transaction, behind a lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
an advisory lock on the address), so the caps hold across every worker process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, select, update

from kbcore.db import Store, ratings
from kbcore.vocab import REASONS

__all__ = [
    "REASONS",
    "RateLimited",
    "RatingLimits",
    "RatingSummary",
    "Vote",
    "record_vote",
    "summarize",
    "summary_of",
    "wilson_lower_bound",
]


@dataclass(frozen=True)
class Vote:
    """A validated vote (comment already redacted; address already hashed)."""

    article_id: str
    helpful: bool
    reason: str | None
    comment: str | None
    client_token: str
    search_id: str | None
    address: str


@dataclass(frozen=True)
class RatingLimits:
    per_client: int
    per_address: int
    window_s: int


@dataclass(frozen=True)
class RatingSummary:
    id: str
    helpful: int
    not_helpful: int
    helpful_ratio: float | None
    wilson_lower_bound: float
    reasons: dict[str, int]


class RateLimited(Exception):
    """Too many new votes from one browser or address inside the window."""

    def __init__(self, what: str, limit: int, retry_after: int) -> None:
        super().__init__(f"{what}: at most {limit} articles rated per window")
        self.retry_after = retry_after


def wilson_lower_bound(positive: int, total: int, z: float = 1.96) -> float:
    """Lower bound of the 95% Wilson score interval of the helpful share (0 without votes)."""
    if total == 0:
        return 0.0
    p = positive / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * total)) / total)
    return (centre - margin) / (1 + z * z / total)


def _recent(conn: Connection, column: str, value: str, since: datetime) -> tuple[int, datetime]:
    row = conn.execute(
        select(func.count(), func.min(ratings.c.created_at)).where(
            ratings.c[column] == value, ratings.c.created_at >= since
        )
    ).one()
    oldest = row[1] or since
    return int(row[0]), oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)


def _check_limits(conn: Connection, vote: Vote, limits: RatingLimits, now: datetime) -> None:
    since = now - timedelta(seconds=limits.window_s)
    for column, what, limit in (
        ("client_token", "client_token", limits.per_client),
        ("address", "address", limits.per_address),
    ):
        count, oldest = _recent(conn, column, getattr(vote, column), since)
        if count >= limit:
            retry = oldest + timedelta(seconds=limits.window_s) - now
            raise RateLimited(what, limit, max(1, math.ceil(retry.total_seconds())))


def record_vote(
    store: Store, vote: Vote, limits: RatingLimits, *, now: datetime | None = None
) -> tuple[bool, RatingSummary]:
    """Store ``vote``; return whether it is new (not a changed vote) and the article's summary.

    Raises RateLimited for a new vote over a cap, and SQLAlchemyError when the store fails
    (nothing was stored then).
    """
    now = now or datetime.now(UTC)
    with store.writing() as conn:
        # Address first, then browser: every writer takes them in this order, so none deadlock.
        store.lock(conn, f"address:{vote.address}")
        store.lock(conn, f"client:{vote.client_token}")
        existing = conn.execute(
            select(ratings.c.id).where(
                ratings.c.article_id == vote.article_id,
                ratings.c.client_token == vote.client_token,
            )
        ).first()
        if existing is None:
            _check_limits(conn, vote, limits, now)
        values = {
            "helpful": vote.helpful,
            "reason": vote.reason,
            "comment": vote.comment,
            "search_id": vote.search_id,
            "updated_at": now,
        }
        statement = store.insert(ratings).values(
            article_id=vote.article_id,
            client_token=vote.client_token,
            address=vote.address,
            created_at=now,
            **values,
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["article_id", "client_token"], set_=values
            )
        )
        return existing is None, _summary(conn, vote.article_id)


def summary_of(article_id: str, counts: Iterable[tuple[bool, str | None, int]]) -> RatingSummary:
    """Summarise an article's vote counts, given as (helpful, reason, how many)."""
    rows = list(counts)
    helpful = sum(n for is_helpful, _, n in rows if is_helpful)
    not_helpful = sum(n for is_helpful, _, n in rows if not is_helpful)
    reasons = dict.fromkeys(REASONS, 0)
    for is_helpful, reason, n in rows:
        if not is_helpful and reason in reasons:
            reasons[reason] += n
    total = helpful + not_helpful
    return RatingSummary(
        article_id,
        helpful,
        not_helpful,
        round(helpful / total, 4) if total else None,
        round(wilson_lower_bound(helpful, total), 4),
        reasons,
    )


def _summary(conn: Connection, article_id: str) -> RatingSummary:
    rows = conn.execute(
        select(ratings.c.helpful, ratings.c.reason, func.count())
        .where(ratings.c.article_id == article_id)
        .group_by(ratings.c.helpful, ratings.c.reason)
    )
    return summary_of(article_id, ((bool(h), r, int(n)) for h, r, n in rows))


def summarize(store: Store, article_id: str) -> RatingSummary:
    """Return the helpful and not-helpful counts of one article."""
    with store.reading() as conn:
        return _summary(conn, article_id)


def forget_comments(store: Store, before: datetime) -> int:
    """Clear the comments of votes last changed before ``before``; the votes stay (retention)."""
    with store.writing() as conn:
        return int(
            conn.execute(
                update(ratings)
                .where(ratings.c.updated_at < before, ratings.c.comment.is_not(None))
                .values(comment=None)
            ).rowcount
        )
