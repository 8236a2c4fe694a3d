"""Slim Material's offline search index down to what the fallback search needs.

Material indexes the full text of every page, which grows to tens of megabytes at a thousand
articles and freezes a phone's browser. When the API is down, customers still find the article
by its title, summary, keywords, error codes and (non-standard) headings, so article entries
keep only those; other pages are left as Material wrote them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from generator.body import section_key
from generator.knowledge import Article

__all__ = ["SEARCH_INDEX", "slim_entries", "slim_search_index", "write_search_index"]

SEARCH_INDEX = "search/search_index.json"  # in the built site

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _segment(text: str) -> str:
    """Split Chinese runs with zero-width spaces, as Material's search plugin does with jieba."""
    import jieba

    def replace(match: re.Match[str]) -> str:
        return "\u200b" + "\u200b".join(jieba.cut(match.group(0))) + "\u200b"

    return _HAN.sub(replace, text).strip("\u200b")


def slim_entries(entries: list[dict[str, Any]], articles: list[Article]) -> list[dict[str, Any]]:
    """Material's index entries with the article entries slimmed (others as they are)."""
    by_page = {f"articles/{a.id}/": a for a in articles}
    docs = []
    for entry in entries:
        page, _, anchor = entry["location"].partition("#")
        article = by_page.get(page)
        if article is None:
            docs.append(entry)
        elif not anchor:
            meta = article.meta
            words = [meta.summary, *meta.keywords, *meta.error_codes, *meta.tags]
            docs.append({**entry, "text": _segment(" · ".join(words))})
        elif section_key(entry["title"].replace("\u200b", "")) is None:
            docs.append({**entry, "text": ""})  # the heading itself stays findable
    return docs


def write_search_index(path: Path, data: dict[str, Any]) -> int:
    """Write the index ``data`` to ``path`` as a new file; return its size in bytes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.unlink(missing_ok=True)  # never written through: the file may be shared with a live site
    path.write_bytes(text)
    return len(text)


def slim_search_index(site_dir: Path, articles: list[Article]) -> tuple[int, int]:
    """Rewrite ``site_dir``'s search index in place; return its size before and after, in bytes."""
    path = site_dir / SEARCH_INDEX
    raw = path.read_bytes()
    data = json.loads(raw)
    data["docs"] = slim_entries(data["docs"], articles)
    return len(raw), write_search_index(path, data)
