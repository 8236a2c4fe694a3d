"""Building blocks of generated pages: the page record, escaping, relative links, listings."""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from generator.frontmatter import Lang
from generator.i18n import HTML_LANG, LANG_NAMES, text
from generator.knowledge import Article, KnowledgeBase

__all__ = [
    "ARTICLE_SRC",
    "Audience",
    "FILES",
    "SITE_LANG",
    "Page",
    "SitePlan",
    "front",
    "listing",
    "md",
    "rel",
    "tag_slug",
]

ARTICLE_SRC = "articles/{id}.md"
FILES = "kb-files"  # where files that articles link to are published
# Who a site is for: customers (public articles only) or agents (internal ones too).
Audience = Literal["public", "internal"]
SITE_LANG: Lang = "zh-Hans"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


@dataclass(frozen=True)
class Page:
    """One generated page: its path in the docs folder and its Markdown.

    ``key`` is the digest of what an article page is made of; ``content`` is None when the last
    build made the page from the same (its staged file holds the Markdown).
    """

    src: str
    content: str | None
    key: str = ""


@dataclass
class SitePlan:
    """Everything the MkDocs build needs: pages, files to copy, navigation, articles shown."""

    pages: list[Page] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)


def md(value: str) -> str:
    """Escape text for use inside Markdown (link texts, list items)."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def tag_slug(tag: str) -> str:
    """Turn a tag (Chinese or English) into a URL path segment."""
    slug = re.sub(r"[^\w]+", "-", tag.casefold()).strip("-")
    return slug or "tag"


def rel(from_src: str, to_src: str) -> str:
    """The relative link from page ``from_src`` to ``to_src`` (both relative to the docs folder).

    ``posixpath.relpath`` says the same, but asks the file system for the working directory on
    every call: a large knowledge base makes hundreds of thousands of links.
    """
    start = [part for part in posixpath.dirname(from_src).split("/") if part]
    parts = to_src.split("/")
    common = 0
    while common < min(len(start), len(parts) - 1) and start[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + parts[common:])


# Characters YAML reads as line breaks or refuses in a document: written as escapes.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front(title: str, **extra: Any) -> str:
    """The YAML front matter of a generated page: ``title`` and each value of ``extra`` given.

    Each value is written as JSON, which YAML reads as the same value (text double-quoted, lists
    and mappings in flow style): many times faster than a YAML dumper, for thousands of pages.
    """
    data = {"title": title, **{k: v for k, v in extra.items() if v is not None}}
    lines = [
        f"{key}: " + _YAML_UNSAFE.sub(_escape, json.dumps(value, ensure_ascii=False))
        for key, value in data.items()
    ]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def listing(from_src: str, articles: list[Article], kb: KnowledgeBase) -> str:
    if not articles:
        return text("no_articles", SITE_LANG) + "\n"
    lines = []
    for a in sorted(articles, key=lambda a: (-a.meta.updated.toordinal(), a.id)):
        meta = a.meta
        product = kb.products[meta.product].name.get(meta.lang)
        lines.append(
            f"- [{md(meta.title)}]({rel(from_src, ARTICLE_SRC.format(id=a.id))})"
            f' <span class="kb-list-meta" lang="{HTML_LANG[meta.lang]}">'
            f"{html.escape(text('type.' + meta.type, meta.lang))} · {html.escape(product)} · "
            f"{LANG_NAMES[meta.lang]} · {meta.updated.isoformat()}</span>"
        )
    return "\n".join(lines) + "\n"
