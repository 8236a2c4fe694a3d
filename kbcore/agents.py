"""What agents record on articles: ticket links (knowledge reuse) and flags for the writers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from kbcore.db import Store, article_flags, article_links
from kbcore.vocab import FLAG_KINDS

__all__ = ["FLAG_KINDS", "ArticleUse", "flag_article", "link_ticket", "open_flags", "usage"]


@dataclass(frozen=True)
class ArticleUse:
    """How agents use an article: tickets it answered, flags still open."""

    id: str
    links: int
    open_flags: dict[str, int]


def link_ticket(store: Store, article_id: str, ticket_id: str, agent: str) -> bool:
    """Record that ``article_id`` was used on ``ticket_id``; return whether it is new."""
    with store.writing() as conn:
        inserted = conn.execute(
            store.insert(article_links)
            .values(
                article_id=article_id,
                ticket_id=ticket_id,
                agent=agent,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(index_elements=["article_id", "ticket_id"])
            .returning(article_links.c.id)
        )
        return inserted.first() is not None


def flag_article(store: Store, article_id: str, kind: str, note: str | None, agent: str) -> int:
    """Open a flag on an article for the writers; return its id."""
    with store.writing() as conn:
        result = conn.execute(
            article_flags.insert().values(
                article_id=article_id,
                kind=kind,
                note=note,
                agent=agent,
                status="open",
                created_at=datetime.now(UTC),
            )
        )
        key = result.inserted_primary_key
        return int(key[0]) if key else 0


def usage(store: Store, article_id: str) -> ArticleUse:
    """Count an article's ticket links and open flags."""
    with store.reading() as conn:
        links = conn.execute(
            select(func.count()).where(article_links.c.article_id == article_id)
        ).scalar_one()
        flags = conn.execute(
            select(article_flags.c.kind, func.count())
            .where(article_flags.c.article_id == article_id, article_flags.c.status == "open")
            .group_by(article_flags.c.kind)
        ).all()
    return ArticleUse(article_id, int(links), {kind: int(n) for kind, n in flags})


def open_flags(store: Store) -> list[tuple[str, str, str | None, datetime]]:
    """Every open flag, oldest first: (article id, kind, note, created at)."""
    with store.reading() as conn:
        rows = conn.execute(
            select(
                article_flags.c.article_id,
                article_flags.c.kind,
                article_flags.c.note,
                article_flags.c.created_at,
            )
            .where(article_flags.c.status == "open")
            .order_by(article_flags.c.created_at, article_flags.c.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]
