"""Convert one planned page into the text of its kb article."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from generator.frontmatter import ArticleType
from generator.importer import docfx, hugo, jekyll, obsidian
from generator.importer.alerts import DOCFX_ALERTS, convert_alerts, kind_title
from generator.importer.document import Line, Lines, code_flags, join, masked, to_lines
from generator.importer.links import rewrite_links
from generator.importer.meta import (
    SUMMARY_MAX,
    TITLE_MAX,
    SourceMeta,
    clip,
    clipped,
    render_article,
)
from generator.importer.model import Context, Dialect, Planned
from generator.importer.safety import escape_unsafe, remove_unsafe
from generator.importer.structure import classify, first_paragraph, take_title
from generator.problems import quote

__all__ = ["CONVERTERS", "REVIEW_DAYS", "Converted", "convert_article"]

REVIEW_DAYS = 180
_COMPONENT = re.compile(r"(?<!\\)<([A-Z][A-Za-z0-9]*)\b[^<>]*>")


def _plain(lines: Lines, ctx: Context) -> Lines:
    """Plain Markdown: only GitHub's ``> [!NOTE]`` alerts need converting."""

    def alert(kind: str, title: str, fold: str, no: int) -> tuple[str, str | None] | None:
        known = DOCFX_ALERTS.get(kind.lower())
        return (known[0], kind_title(known[1], ctx.lang)) if known else None

    return convert_alerts(lines, alert)


CONVERTERS: dict[Dialect, Callable[[Lines, Context], Lines]] = {
    "docfx": docfx.convert,
    "hugo": hugo.convert,
    "obsidian": obsidian.convert,
    "jekyll": jekyll.convert,
    "plain": _plain,
}


# Components a dialect converts, and reports itself when it cannot.
_CONVERTED_COMPONENTS: dict[Dialect, frozenset[str]] = {
    "hugo": frozenset({"SimpleTab"}),
}


def _components(lines: Lines, ctx: Context) -> Lines:
    """Report components (``<SimpleCard …>``) no Markdown renderer knows; keep them."""
    flags = code_flags(lines)
    known = _CONVERTED_COMPONENTS.get(ctx.catalog.options.dialect, frozenset())
    for line, hidden, code in zip(lines, masked(lines), flags, strict=True):
        if code or "<" not in hidden:
            continue
        for match in _COMPONENT.finditer(hidden):
            if match.group(1) in known:
                continue
            ctx.report.warn(
                line.no,
                "component",
                "Markdown or HTML",
                f"{quote(match.group(0))} (kept as written)",
            )
    return lines


def _tidy(lines: Lines) -> Lines:
    """Collapse runs of blank lines outside code into one."""
    out: Lines = []
    for line, code in zip(lines, code_flags(lines), strict=True):
        if not code and not line.text.strip() and out and not out[-1].text.strip():
            continue
        out.append(line if code or line.text.strip() else Line(line.no, ""))
    return out


@dataclass(frozen=True)
class Converted:
    """The article text of one page, its type, and the section generated for it (if any)."""

    text: str
    kind: ArticleType
    generated: str | None


def _title(planned: Planned, heading: str | None) -> str:
    front = planned.source.front.data.get("title")
    if isinstance(front, str | int | float) and str(front).strip():
        return " ".join(str(front).split())
    if heading:
        return heading
    stem = planned.source.name
    return stem.replace("-", " ").replace("_", " ").strip() or stem


def convert_article(
    planned: Planned,
    ctx: Context,
    *,
    today: date,
    review_by: date | None = None,
) -> Converted:
    """Convert ``planned``'s page (``ctx`` is its context) into a kb article."""
    source, options, report = planned.source, ctx.catalog.options, ctx.report
    lines = to_lines(source.front.body, source.front.body_line)
    lines = CONVERTERS[options.dialect](lines, ctx)
    lines = _components(lines, ctx)
    lines = remove_unsafe(lines, report)
    lines = rewrite_links(lines, ctx)
    heading, lines = take_title(lines)
    meta = SourceMeta(source.front.data)
    title_line = 2 if "title" in source.front.data else 1
    title = clipped(_title(planned, heading), TITLE_MAX, "title", title_line, report)
    kind, lines, generated = classify(lines, title=title, stem=source.name, lang=source.lang)
    given = meta.summary()
    if given:
        summary = clipped(given, SUMMARY_MAX, "summary", 2, report)
    else:
        summary = clip(first_paragraph(lines) or title, SUMMARY_MAX)
    lines = escape_unsafe(lines, 0, report)
    text = render_article(
        planned,
        options=options,
        lang=source.lang,
        kind=kind,
        title=title,
        summary=summary,
        keywords=meta.keywords(heading, title),
        tags=meta.tags(),
        owner=options.owner or meta.owner() or "unassigned",
        updated=meta.updated(source.rel, source.path.stat().st_mtime),
        review_by=review_by or today + timedelta(days=REVIEW_DAYS),
        body=join(_tidy(lines)).strip("\n"),
    )
    return Converted(text, kind, generated)
