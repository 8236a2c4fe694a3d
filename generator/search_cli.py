"""`kb search`: the knowledge base from a terminal, for agents (no server, no rebuild)."""

from __future__ import annotations

import html
import json
import re
import uuid

import click

from generator.data_cli import open_engine
from generator.frontmatter import LANGS, TYPES
from kbcore.search import SearchRequest, SearchResponse
from kbcore.storage import open_storage

__all__ = ["search_cmd"]

TICKET = re.compile(r"^[A-Za-z0-9_.#:/-]{1,80}$")
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _plain(snippet: str) -> str:
    """The API's HTML snippet as terminal text, matches in bold."""
    marked = MARK.sub(lambda m: click.style(html.unescape(m.group(1)), bold=True), snippet)
    return html.unescape(marked)


def _render(found: SearchResponse) -> str:
    if not found.results:
        return f"No article found for {found.query!r}.\n"
    lines = []
    note = {"fuzzy": " (typo-tolerant)", "any-term": " (any word)"}.get(found.fallback or "", "")
    lines.append(f"{found.total} articles{note}")
    if found.suggestion:
        lines.append(f"Did you mean: {found.suggestion}")
    for rank, hit in enumerate(found.results, 1):
        lines.append("")
        lines.append(f"{rank}. {click.style(hit.title, bold=True)}  [{hit.id}]")
        lines.append(f"   {hit.url}   {hit.product} · {hit.type} · {hit.lang}")
        if hit.snippet:
            lines.append(f"   {_plain(hit.snippet)}")
    return "\n".join(lines) + "\n"


@click.command("search")
@click.argument("query")
@click.option("--internal", is_flag=True, help="Include internal articles (agents).")
@click.option("--product", help="Only articles about this product id.")
@click.option("--lang", type=click.Choice(LANGS), help="Only articles in this language.")
@click.option("--type", "type_", type=click.Choice(TYPES), help="Only articles of this type.")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--ticket", help="The ticket being answered (logged with the search).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str,
    internal: bool,
    product: str | None,
    lang: str | None,
    type_: str | None,
    limit: int,
    ticket: str | None,
    as_json: bool,
) -> None:
    """Search the built index for QUERY, as the portal does (no server needed)."""
    from generator.cli import settings_of

    settings = settings_of(ctx)
    text = query.strip()
    if not text or len(text) > 200:
        raise click.BadParameter(
            f"expected 1 to 200 characters, found {len(text)}", param_hint="QUERY"
        )
    if ticket is not None and not TICKET.match(ticket):
        raise click.BadParameter(
            f"expected 1 to 80 letters, digits and _ . # : / -, found {ticket[:100]!r}",
            param_hint="--ticket",
        )
    request = SearchRequest(
        q=text, lang=lang, product=product, type=type_, per_page=limit, internal=internal
    )
    with open_engine(settings) as engine:
        found = engine.search(request)
    search_id = uuid.uuid4().hex
    # Agents' searches count as evidence too, once there is a store to hold them.
    if settings.has_store:
        storage = open_storage(settings)
        try:
            storage.log_search(search_id, request, found, ticket_id=ticket, agent=True)
        finally:
            storage.store.dispose()
    if as_json:
        body = {
            "search_id": search_id,
            "query": found.query,
            "total": found.total,
            "fallback": found.fallback,
            "suggestion": found.suggestion,
            "results": [hit.as_json() for hit in found.results],
        }
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        click.echo(_render(found), nl=False)
