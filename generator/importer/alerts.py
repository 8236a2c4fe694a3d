"""Blockquote alerts (``> [!NOTE]``, Obsidian's ``> [!tip]- Title``) as Material admonitions."""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.frontmatter import Lang
from generator.importer.document import Line, Lines, admonition, code_flags
from generator.problems import quote

__all__ = [
    "ALERT",
    "DOCFX_ALERTS",
    "OBSIDIAN_CALLOUTS",
    "blockquote",
    "convert_alerts",
    "kind_title",
]

# Material's admonition types and their titles in each language: Python-Markdown would title
# a bare `!!! note` in English, whatever the article's language.
_TITLES: dict[str, tuple[str, str, str]] = {
    "note": ("注意", "注意", "Note"),
    "abstract": ("摘要", "摘要", "Summary"),
    "info": ("说明", "說明", "Info"),
    "tip": ("提示", "提示", "Tip"),
    "success": ("成功", "成功", "Success"),
    "question": ("问题", "問題", "Question"),
    "warning": ("警告", "警告", "Warning"),
    "failure": ("失败", "失敗", "Failure"),
    "danger": ("危险", "危險", "Danger"),
    "bug": ("缺陷", "缺陷", "Bug"),
    "example": ("示例", "範例", "Example"),
    "quote": ("引用", "引用", "Quote"),
    "important": ("重要", "重要", "Important"),
    "caution": ("小心", "小心", "Caution"),
}
_LANG_INDEX = {"zh-Hans": 0, "zh-Hant": 1, "en": 2}

# docfx (and GitHub) alerts: the five types, each a Material type plus its own title.
DOCFX_ALERTS: dict[str, tuple[str, str]] = {
    "note": ("note", "note"),
    "tip": ("tip", "tip"),
    "important": ("info", "important"),
    "caution": ("danger", "caution"),
    "warning": ("warning", "warning"),
}

# Obsidian callout types, aliases included, as Material types.
OBSIDIAN_CALLOUTS: dict[str, str] = {
    **{name: name for name in ("note", "abstract", "info", "tip", "success", "question")},
    **{name: name for name in ("warning", "failure", "danger", "bug", "example", "quote")},
    "summary": "abstract",
    "tldr": "abstract",
    "todo": "info",
    "hint": "tip",
    "important": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "warning",
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}


def kind_title(title_key: str, lang: Lang) -> str:
    """The title of an admonition type in ``lang``."""
    names = _TITLES.get(title_key)
    return names[_LANG_INDEX[lang]] if names else title_key.capitalize()


ALERT = re.compile(r"^(\s*)>\s?\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*(.*?)\s*$")
_QUOTED = re.compile(r"^(\s*)>(?: ?)(.*)$")


def blockquote(lines: Lines, start: int, indent: str) -> tuple[Lines, int]:
    """Return the content of the blockquote from ``start`` (``>`` removed) and where it ends."""
    content: Lines = []
    index = start
    while index < len(lines):
        match = _QUOTED.match(lines[index].text)
        if not match or match.group(1) != indent:
            break
        content.append(Line(lines[index].no, match.group(2)))
        index += 1
    return content, index


# (type, title, fold marker, line) → (Material type, title), or None: "not an alert"
Resolver = Callable[[str, str, str, int], tuple[str, str | None] | None]


def convert_alerts(lines: Lines, resolve: Resolver) -> Lines:
    """Turn every ``> [!TYPE]`` blockquote outside code into an admonition.

    ``resolve`` maps the type, title and fold marker to a Material type and title; it reports
    what it cannot map, and returns None to leave the blockquote as it is.
    """
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = None if flags[index] else ALERT.match(line.text)
        if match is None:
            out.append(line)
            index += 1
            continue
        indent, kind, fold, title = match.groups()
        resolved = resolve(kind, title, fold, line.no)
        if resolved is None:
            out.append(line)
            index += 1
            continue
        body, end = blockquote(lines, index + 1, indent)
        out.extend(admonition(resolved[0], resolved[1], body, indent=indent, no=line.no, fold=fold))
        index = end
    return out


def unknown_type(kind: str, known: list[str]) -> tuple[str, str]:
    """(expected, found) words for an alert type that is not known."""
    return "one of " + ", ".join(known), quote(f"[!{kind}]")
