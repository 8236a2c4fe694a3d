"""Render the writers' backlog for the terminal, a spreadsheet or a script.

CSV cells are made safe to open in a spreadsheet: a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with ``'`` so it is shown, never evaluated.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from kbcore.backlog import BacklogItem

__all__ = ["FORMATS", "format_table", "render_backlog", "safe_cell", "text_width"]

FORMATS = ("table", "csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    if text_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        if used + text_width(ch) > width - 1:
            break
        out, used = out + ch, used + text_width(ch)
    return out + "…"


def _record(item: BacklogItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "need": item.key,
        "searches": item.searches,
        "no_results": item.no_results,
        "not_clicked": item.not_clicked,
        "not_helpful": item.not_helpful,
        "first_seen": item.first_seen.isoformat() if item.first_seen else None,
        "last_seen": item.last_seen.isoformat() if item.last_seen else None,
        "examples": item.examples(),
        "filters": dict(item.filters.most_common()),
        "langs": dict(item.langs.most_common()),
        "flags": dict(item.flags.most_common()),
        "status": item.status,
        "article_id": item.article_id,
        "proposed_article_id": item.proposed_article_id,
    }


COLUMNS = ["id", "searches", "no results", "not clicked", "not helpful", "last seen", "status"]


def _table(items: Sequence[BacklogItem]) -> str:
    rows = [
        [
            item.id,
            str(item.searches),
            str(item.no_results),
            str(item.not_clicked),
            str(item.not_helpful),
            item.last_seen.strftime("%Y-%m-%d") if item.last_seen else "",
            item.status
            + (f" → {item.proposed_article_id}?" if item.proposed_article_id else "")
            + (f" ({item.article_id})" if item.article_id else ""),
            _clip(("flagged: " if item.flags else "") + " / ".join(item.examples()[:3]), 60),
        ]
        for item in items
    ]
    return format_table([*COLUMNS, "examples"], rows)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align ``rows`` under ``headers`` in columns, counting CJK characters as two wide."""
    widths = [max(text_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [cell + " " * (widths[i] - text_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_backlog(items: Sequence[BacklogItem], fmt: str) -> str:
    """Render ``items`` as ``table``, ``csv`` or ``json``."""
    if fmt == "json":
        return json.dumps([_record(i) for i in items], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        headers = list(_record(items[0]) if items else _record(BacklogItem("", "")))
        writer.writerow(headers)
        for item in items:
            record = _record(item)
            record["examples"] = " | ".join(record["examples"])
            record["filters"] = " ".join(f"{k}×{v}" for k, v in record["filters"].items())
            record["langs"] = " ".join(f"{k}×{v}" for k, v in record["langs"].items())
            record["flags"] = " ".join(f"{k}×{v}" for k, v in record["flags"].items())
            writer.writerow([safe_cell(record[h]) for h in headers])
        return out.getvalue()
    return _table(items)
