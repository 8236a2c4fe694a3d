"""`kb stats`: every article's value, and the review queue sorted by it."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from generator.data_cli import ready_store
from generator.errors import KbError
from generator.evidence import format_table
from generator.knowledge import KnowledgeBase
from kbcore.value import ArticleFacts, ArticleValue, value_of_articles

__all__ = ["article_facts", "stats_cmd"]

COLUMNS = ["value", "opened", "links", "votes +/-", "wilson", "flags", "age d", "id", "review"]


def article_facts(kb: KnowledgeBase) -> list[ArticleFacts]:
    """The published articles as the value score sees them."""
    return [
        ArticleFacts(a.id, a.meta.title, a.meta.updated, a.meta.review_by)
        for a in kb.articles
        if a.meta.published
    ]


def _table(rows: list[ArticleValue]) -> str:
    cells = [
        [
            f"{r.value:.2f}",
            str(r.opened),
            str(r.links),
            f"{r.helpful}/{r.not_helpful}",
            f"{r.wilson:.2f}",
            str(r.open_flags),
            str(r.age_days),
            r.id,
            "; ".join(r.review),
        ]
        for r in rows
    ]
    return format_table(COLUMNS, cells)


@click.command("stats")
@click.option("--review", is_flag=True, help="Only the articles due for review (the queue).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--limit", type=click.IntRange(1), default=30, show_default=True)
@click.option("--kb", "kb_dir", type=click.Path(path_type=Path), help="Knowledge base folder.")
@click.pass_context
def stats_cmd(ctx: click.Context, review: bool, fmt: str, limit: int, kb_dir: Path | None) -> None:
    """Score every published article (demand × quality); --review lists the review queue."""
    from generator.check import run_checks
    from generator.cli import settings_of

    settings = settings_of(ctx, kb_dir=kb_dir)
    checked = run_checks(settings.kb_dir)
    if checked.kb is None:
        raise KbError(f"{settings.kb_dir}: cannot load the knowledge base ({checked.summary()})")
    with ready_store(settings) as store:
        rows = value_of_articles(store, article_facts(checked.kb), today=date.today())
    if review:
        rows = [r for r in rows if r.review]
    rows = rows[:limit]
    if fmt == "json":
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=2))
    else:
        click.echo(_table(rows), nl=False)
