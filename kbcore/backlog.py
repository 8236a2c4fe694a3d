"""The writers' backlog: what customers searched for and did not find, grouped by need.

A search is *unresolved* when it found nothing, when none of its results was opened, or when a
result was rated "not helpful" afterwards. Unresolved searches are grouped by their *need key*:
the query's analysed terms (NFKC, case, Traditional→Simplified, jieba words), each synonym group
reduced to one member, as a sorted set, so 登陆失败, 登錄失敗 and "失败 登录" are one need;
redaction placeholders (``[phone]``) are not words of the need.
Keys are computed when the backlog is read, with the current index's dictionary and synonyms.

Agents' open flags on an article (outdated, incorrect, missing-step, duplicate) are items too, one
per article, keyed ``flag:<article id>``; resolving or dismissing one closes its flags.

An item's status (``open | planned | resolved | dismissed``) and the article that resolves it
live in ``backlog_items``. After each build, :func:`propose_resolutions` re-runs the open items'
phrasings: an item whose phrasing now finds, in the top 3, an article that was not in the top 3
when it was searched, is proposed as resolved by that article.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, exists, not_, or_, select, update

from kbcore.db import Store, article_flags, backlog_items, clicks, ratings, searches
from kbcore.redact import PLACEHOLDER
from kbcore.search import SearchEngine, SearchRequest

__all__ = [
    "STATUSES",
    "BacklogItem",
    "item_id",
    "need_key",
    "propose_resolutions",
    "read_backlog",
    "set_status",
]

STATUSES = ("open", "planned", "resolved", "dismissed")
EXAMPLES = 5
FLAG_PREFIX = "flag:"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def need_key(text: str, engine: SearchEngine) -> str:
    """Reduce a query to the need it expresses (see the module docstring)."""
    words = engine.analysis.terms_of(PLACEHOLDER.sub(" ", text))
    terms = set()
    for clause in engine.synonyms.clauses(words):
        terms.add(" ".join(min(clause)))
    return " | ".join(sorted(terms))


def item_id(key: str) -> str:
    """A short stable id for an item, to name it on the command line."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


@dataclass
class BacklogItem:
    """One need, with the evidence of the searches that expressed it."""

    key: str
    id: str
    searches: int = 0
    no_results: int = 0
    not_clicked: int = 0
    not_helpful: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    phrasings: Counter[str] = field(default_factory=Counter)
    filters: Counter[str] = field(default_factory=Counter)
    langs: Counter[str] = field(default_factory=Counter)
    top_ids: set[str] = field(default_factory=set)
    flags: Counter[str] = field(default_factory=Counter)  # agents' flags on one article, by kind
    status: str = "open"
    article_id: str | None = None
    proposed_article_id: str | None = None

    def examples(self) -> list[str]:
        """The most frequent phrasings (or flag notes), most frequent first."""
        return [text for text, _ in self.phrasings.most_common(EXAMPLES)]

    @property
    def weight(self) -> int:
        """How much evidence the item has: its searches and flags."""
        return self.searches + sum(self.flags.values())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unresolved(since: datetime | None, lang: str | None) -> object:
    clicked = exists().where(clicks.c.search_id == searches.c.search_id)
    unhelpful = exists().where(
        and_(ratings.c.search_id == searches.c.search_id, not_(ratings.c.helpful))
    )
    conditions = [or_(searches.c.total == 0, not_(clicked), unhelpful)]
    if since is not None:
        conditions.append(searches.c.created_at >= since)
    if lang is not None:
        conditions.append(searches.c.lang == lang)
    return (
        select(
            searches.c.query,
            searches.c.norm,
            searches.c.lang,
            searches.c.filters,
            searches.c.total,
            searches.c.top_ids,
            searches.c.created_at,
            clicked.label("clicked"),
            unhelpful.label("unhelpful"),
        )
        .where(*conditions)
        .order_by(searches.c.created_at)
    )


def read_backlog(
    store: Store,
    engine: SearchEngine,
    *,
    since: datetime | None = None,
    lang: str | None = None,
    statuses: Iterable[str] = ("open", "planned"),
) -> list[BacklogItem]:
    """Group the unresolved searches into items, most searched first."""
    items: dict[str, BacklogItem] = {}
    keys: dict[str, str] = {}
    with store.reading() as conn:
        for row in conn.execute(_unresolved(since, lang)):  # type: ignore[call-overload]
            key = keys.get(row.norm)
            if key is None:  # the same words are searched again and again: analyse them once
                key = keys[row.norm] = need_key(row.norm, engine)
            if not key:
                continue
            item = items.setdefault(key, BacklogItem(key, item_id(key)))
            seen = _aware(row.created_at)
            item.searches += 1
            item.no_results += row.total == 0
            item.not_clicked += row.total > 0 and not row.clicked
            item.not_helpful += bool(row.unhelpful)
            item.first_seen = min(item.first_seen or seen, seen)
            item.last_seen = max(item.last_seen or seen, seen)
            item.phrasings[row.query] += 1
            item.langs[row.lang] += 1
            for name, value in sorted(json.loads(row.filters).items()):
                item.filters[f"{name}={value}"] += 1
            item.top_ids.update(row.top_ids.split())
        _add_flags(conn, items)
        if items:
            for state in conn.execute(
                select(backlog_items).where(backlog_items.c.need_key.in_(list(items)))
            ):
                item = items[state.need_key]
                item.status = state.status
                item.article_id = state.article_id
                item.proposed_article_id = state.proposed_article_id
    wanted = set(statuses)
    found = [item for item in items.values() if item.status in wanted]
    found.sort(key=lambda i: (-i.weight, -_aware(i.last_seen or EPOCH).timestamp(), i.key))
    return found


def _add_flags(conn: Connection, items: dict[str, BacklogItem]) -> None:
    """Add one item per article with open flags from agents (key ``flag:<article id>``)."""
    rows = conn.execute(
        select(
            article_flags.c.article_id,
            article_flags.c.kind,
            article_flags.c.note,
            article_flags.c.created_at,
        ).where(article_flags.c.status == "open")
    )
    for article_id, kind, note, created_at in rows:
        key = f"{FLAG_PREFIX}{article_id}"
        item = items.setdefault(key, BacklogItem(key, item_id(key), article_id=article_id))
        seen = _aware(created_at)
        item.flags[kind] += 1
        item.phrasings[f"{kind}: {note}" if note else kind] += 1
        item.first_seen = min(item.first_seen or seen, seen)
        item.last_seen = max(item.last_seen or seen, seen)


def _upsert(store: Store, key: str, values: dict[str, object]) -> None:
    now = datetime.now(UTC)
    with store.writing() as conn:
        statement = store.insert(backlog_items).values(
            {"need_key": key, "status": "open", "updated_at": now, **values}
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["need_key"], set_={**values, "updated_at": now}
            )
        )


def set_status(store: Store, key: str, status: str, article_id: str | None = None) -> None:
    """Record a writer's decision on an item; resolving a flagged article closes its flags."""
    if status not in STATUSES:
        raise ValueError(f"status: expected one of {', '.join(STATUSES)}, found {status!r}")
    if key.startswith(FLAG_PREFIX):
        article_id = article_id or key.removeprefix(FLAG_PREFIX)
        if status in ("resolved", "dismissed"):
            with store.writing() as conn:
                conn.execute(
                    update(article_flags)
                    .where(
                        article_flags.c.article_id == key.removeprefix(FLAG_PREFIX),
                        article_flags.c.status == "open",
                    )
                    .values(status="closed")
                )
            return
    _upsert(store, key, {"status": status, "article_id": article_id})


def propose_resolutions(store: Store, engine: SearchEngine) -> list[tuple[BacklogItem, str]]:
    """Re-run open items against ``engine``; record and return the proposed articles."""
    proposed = []
    for item in read_backlog(store, engine, statuses=("open",)):
        if item.flags:
            continue  # a flag is on an article: a writer changes that article
        for text in item.examples():
            found = engine.search(SearchRequest(q=text[:200], per_page=3))
            if found.fallback is not None:
                continue  # a typo-tolerant or any-term match is no evidence of an answer
            new = [hit.id for hit in found.results[:3] if hit.id not in item.top_ids]
            if new:
                if item.proposed_article_id != new[0]:
                    _upsert(store, item.key, {"proposed_article_id": new[0]})
                    item.proposed_article_id = new[0]
                proposed.append((item, new[0]))
                break
    return proposed
