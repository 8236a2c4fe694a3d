"""The kb front matter of an imported page, from the source's own front matter and text.

- title: ``title``, else the first level-1 heading, else the file name;
- summary: ``summary``, ``description``, ``excerpt``, else the first paragraph;
- keywords: ``aliases`` / ``redirect_from`` (an old URL gives its last segment), ``keywords``,
  and a first heading that differs from the title;
- tags: ``tags``;
- updated: ``lastmod``, ``last_modified_at``, ``updated``, ``modified``, ``ms.date``, ``date``,
  a Jekyll post's file name, else the file's modification day (UTC);
- owner: ``--owner``, else ``ms.author`` / ``author`` / ``owner``, else "unassigned".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import yaml

from generator.frontmatter import ArticleType, Lang
from generator.importer.model import ImportOptions, Planned
from generator.importer.report import FileReport

__all__ = ["SourceMeta", "clip", "clipped", "render_article"]

TITLE_MAX, SUMMARY_MAX, TEXT_MAX = 120, 300, 200
_DATE_FIELDS = ("lastmod", "last_modified_at", "updated", "modified", "ms.date", "date")
_SUMMARY_FIELDS = ("summary", "description", "excerpt", "abstract")
_OWNER_FIELDS = ("ms.author", "author", "owner")
_POST_DATE = re.compile(r"(?:^|/)(\d{4})-(\d{2})-(\d{2})-[^/]+$")
_SENTENCE_END = re.compile(r"[。！？；.!?;](?=\s|$)|[。！？；]")
_HEX_CODE = re.compile(r"\b0x[0-9A-Fa-f]{6,8}\b")


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters at a sentence end or a space, marked with …."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(room)]
    if ends and ends[-1] >= limit // 2:
        return room[: ends[-1]].rstrip() + "…"
    space = room.rfind(" ")
    return (room[:space] if space >= limit // 2 else room).rstrip() + "…"


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{4})/(\d{1,2})/(\d{1,2})"):
        match = re.match(pattern, text)
        if match:
            year, month, day = map(int, match.groups())
            break
    else:
        match = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)  # ms.date: MM/DD/YYYY
        if not match:
            return None
        month, day, year = map(int, match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _strings(value: Any, *, split: bool = False) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            parts = str(item).split(",") if split else [str(item)]
            out += [" ".join(p.split()) for p in parts if p.strip()]
    return out


def _alias_keyword(alias: str) -> str:
    if "/" not in alias:
        return alias
    last = [part for part in alias.split("/") if part]
    return last[-1].removesuffix(".html").removesuffix(".md") if last else ""


class SourceMeta:
    """What a source page says about itself, read once."""

    def __init__(self, front: dict[str, Any]) -> None:
        self.front = front

    def summary(self) -> str | None:
        """The page's own summary, if it gives one."""
        for name in _SUMMARY_FIELDS:
            found = _strings(self.front.get(name))
            if found and found[0].strip():
                return found[0]
        return None

    def keywords(self, heading: str | None, title: str) -> list[str]:
        """Aliases, keywords and a first heading unlike the title, each once."""
        words = [
            _alias_keyword(a)
            for k in ("aliases", "alias", "redirect_from")
            for a in _strings(self.front.get(k))
        ]
        words += _strings(self.front.get("keywords"), split=True)
        if heading and heading != title:
            words.append(heading)
        return _unique(clip(w, TEXT_MAX) for w in words if w and w != title)

    def tags(self) -> list[str]:
        """The page's tags, each once."""
        return _unique(
            clip(t.lstrip("#"), TEXT_MAX)
            for t in _strings(self.front.get("tags"), split=True)
            if t.lstrip("#")
        )

    def owner(self) -> str | None:
        """The page's author, if it names one."""
        for name in _OWNER_FIELDS:
            value = self.front.get(name)
            if isinstance(value, dict):
                value = value.get("name")
            found = _strings(value, split=True)
            if found:
                return clip(found[0], TEXT_MAX)
        return None

    def updated(self, rel: str, mtime: float) -> date:
        """The day the page last changed: its own date, a post's file name, else ``mtime``."""
        for name in _DATE_FIELDS:
            found = _date(self.front.get(name))
            if found:
                return found
        post = _POST_DATE.search(rel)
        if post:
            found = _date("-".join(post.groups()))
            if found:
                return found
        return datetime.fromtimestamp(mtime, UTC).date()


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def clipped(text: str, limit: int, what: str, line: int, report: FileReport) -> str:
    """``clip`` and report when the text had to be shortened."""
    short = clip(text, limit)
    if short != " ".join(text.split()):
        report.warn(line, what, f"at most {limit} characters", f"{len(text)} (shortened)")
    return short


def render_article(
    planned: Planned,
    *,
    options: ImportOptions,
    lang: Lang,
    kind: ArticleType,
    title: str,
    summary: str,
    keywords: list[str],
    tags: list[str],
    owner: str,
    updated: date,
    review_by: date,
    body: str,
) -> str:
    """The article file: front matter in the documented order, then the body."""
    front: dict[str, Any] = {"id": planned.id, "title": title, "summary": summary, "type": kind}
    front["lang"] = lang
    if planned.translation_of:
        front["translation_of"] = planned.translation_of
    front["product"] = options.product
    front["category"] = planned.category
    if tags:
        front["tags"] = tags
    if keywords:
        front["keywords"] = keywords
    codes = list(dict.fromkeys(_HEX_CODE.findall(title)))
    if codes:
        front["error_codes"] = codes
    front |= {"audience": options.audience, "status": options.status, "owner": owner}
    front |= {
        "updated": updated,
        "review_by": review_by,
        "source": clip(planned.source.rel, TEXT_MAX),
    }
    return f"---\n{''.join(_field(key, value) for key, value in front.items())}---\n\n{body}\n"


def _field(key: str, value: Any) -> str:
    """One front matter line: lists in flow style (``tags: [a, b]``), as the sample articles."""
    if isinstance(value, list):
        items = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
        return f"{key}: {items.strip()}\n"
    return yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=False, width=10**6)
