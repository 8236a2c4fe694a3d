"""The customer-ready answer of an article: its summary and its resolution, as plain text.

Agents paste it into a ticket or a chat, so it must read well without Markdown: links become their
text, emphasis and code marks go, admonitions become a labelled paragraph, tables become rows of
cells, and numbered steps keep their numbers.
"""

from __future__ import annotations

import html
import re

from generator.body import headings, section_heading, section_key
from generator.knowledge import Article

__all__ = ["ANSWER_SECTIONS", "customer_answer", "readable_text"]

# The sections that tell a customer what to do, per article type, in order.
ANSWER_SECTIONS: dict[str, tuple[str, ...]] = {
    "troubleshooting": ("resolution",),
    "howto": ("steps",),
    "faq": ("answer",),
    "known-issue": ("workaround", "fix-status"),
}

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ADMONITION = re.compile(r'^(\s*)(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"([^"]*)")?\s*$')
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EM = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"(`+)(.+?)\1")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ATTRS = re.compile(r"\s*\{[:.#][^}]*\}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _inline(line: str) -> str:
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _STRONG.sub(r"\2", line)
    line = _EM.sub(r"\1", line)
    line = _CODE.sub(lambda m: m.group(2).strip(), line)
    line = _TAG.sub("", line)
    return html.unescape(_ATTRS.sub("", line))


def readable_text(markdown: str, colon: str = ":") -> str:
    """Turn a Markdown fragment into text a customer can read as it is.

    Unlike :func:`generator.indexer.plain_text`, which keeps only the words for the index, this
    keeps the layout: step numbers, line breaks, code as written, admonition titles.
    """
    out: list[str] = []
    fence: str | None = None
    block: int | None = None  # the indentation of an admonition's body while inside one
    for raw in markdown.split("\n"):
        line = raw.rstrip()
        if block is not None and line:
            indent = len(line) - len(line.lstrip(" "))
            if indent >= block:
                line = line[: block - 4] + line[block:]
            else:
                block = None
        match = _FENCE.match(line)
        if match and (fence is None or line.strip().startswith(fence)):
            fence = None if fence is not None else match.group(1)
            continue
        if fence is not None:  # code: as written, for the customer to type or compare
            out.append(line)
            continue
        admonition = _ADMONITION.match(line)
        if admonition:
            title = admonition.group(2)
            if title:
                out.append(f"{admonition.group(1)}{title}{colon}")
            block = len(admonition.group(1)) + 4
            continue
        if _TABLE_RULE.match(line):
            continue
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = [_inline(c.strip()) for c in stripped[1:-1].split("|")]
            out.append(line[: len(line) - len(line.lstrip())] + " | ".join(cells))
            continue
        out.append(_inline(line))
    text = "\n".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return _dedent(text).strip("\n")


def _dedent(text: str) -> str:
    """Remove the indentation every non-blank line shares (admonition bodies, nested steps)."""
    lines = text.split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "\n".join(line[cut:] for line in lines)


def _section(article: Article, key: str) -> tuple[str, str] | None:
    """The heading and Markdown of the article's section ``key``, or None."""
    lines = article.body.split("\n")
    found = headings(article.body, 0)
    for i, heading in enumerate(found):
        if section_key(heading.text) != key:
            continue
        end = next((h.line for h in found[i + 1 :] if h.level <= heading.level), len(lines))
        return heading.text, "\n".join(lines[heading.line + 1 : end])
    return None


def customer_answer(article: Article) -> str:
    """The article's summary and its resolution sections, as plain text in its language."""
    parts = [article.meta.summary.strip()]
    for key in ANSWER_SECTIONS[article.meta.type]:
        section = _section(article, key)
        if section is None:
            continue
        title, markdown = section
        colon = ":" if article.meta.lang == "en" else "："
        body = readable_text(markdown, colon)
        if body:
            label = _inline(title) or section_heading(key, article.meta.lang)
            parts.append(f"{label}{colon}\n{body}")
    return "\n\n".join(parts)
