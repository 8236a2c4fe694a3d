"""Read the Markdown body of an article: its sections, its links and any unsafe HTML.

Everything here works on the raw Markdown with code blocks and code spans blanked out first, so an
example of ``<script>`` inside backticks is not a problem, and line numbers stay those of the file.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

from generator.frontmatter import ArticleType

__all__ = [
    "SECTION_NAMES",
    "REQUIRED_SECTIONS",
    "Heading",
    "Link",
    "UnsafeHtml",
    "mask_code",
    "headings",
    "links",
    "rewrite_links",
    "snippet_includes",
    "unsafe_html",
    "section_key",
    "section_heading",
]

# The first three names of each section are its usual headings in zh-Hans, zh-Hant and en.
SECTION_NAMES: dict[str, tuple[str, ...]] = {
    "symptoms": (
        "现象",
        "現象",
        "Symptoms",
        "问题现象",
        "症状",
        "問題現象",
        "症狀",
        "Symptom",
        "Problem",
    ),
    "environment": (
        "环境",
        "環境",
        "Environment",
        "适用环境",
        "适用范围",
        "影响范围",
        "適用環境",
        "適用範圍",
        "影響範圍",
        "Applies to",
        "Affected versions",
    ),
    "cause": ("原因", "原因", "Cause", "根本原因", "问题原因", "問題原因", "Root cause"),
    "resolution": (
        "解决方法",
        "解決方法",
        "Resolution",
        "解决方案",
        "解决办法",
        "处理方法",
        "解決方案",
        "解決辦法",
        "處理方法",
        "Solution",
        "Fix",
    ),
    "steps": ("操作步骤", "操作步驟", "Steps", "步骤", "步驟", "Procedure"),
    "answer": ("解答", "解答", "Answer", "回答", "答案"),
    "workaround": ("临时解决方法", "臨時解決方法", "Workaround", "规避方法", "規避方法"),
    "fix-status": ("修复状态", "修復狀態", "Fix status", "Status"),
}
_USUAL = {"zh-Hans": 0, "zh-Hant": 1, "en": 2}

REQUIRED_SECTIONS: dict[ArticleType, tuple[str, ...]] = {
    "troubleshooting": ("symptoms", "environment", "cause", "resolution"),
    "howto": ("steps",),
    "faq": ("answer",),
    "known-issue": ("symptoms", "environment", "workaround", "fix-status"),
}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip().rstrip(":：").strip()


_SECTION_BY_NAME = {_fold(name): key for key, names in SECTION_NAMES.items() for name in names}


def section_heading(key: str, lang: str) -> str:
    """Return the usual heading of section ``key`` in ``lang``."""
    return SECTION_NAMES[key][_USUAL[lang]]


def section_key(heading: str) -> str | None:
    """Return which case section a heading names (``symptoms`` …), or None."""
    return _SECTION_BY_NAME.get(_fold(heading))


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Link:
    target: str
    line: int


@dataclass(frozen=True)
class UnsafeHtml:
    line: int
    what: str


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


@functools.lru_cache(maxsize=256)  # the check asks for each body's headings, links, HTML, …
def mask_code(markdown: str) -> str:
    """Blank out fenced code blocks and code spans, keeping every line in place."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            out.append("")
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            out.append("")
        else:
            out.append(_CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line))
    return "\n".join(out)


_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_ATTR_LIST = re.compile(r"\s*\{[^}]*\}\s*$")


def headings(markdown: str, first_line: int) -> list[Heading]:
    """List the ATX headings of a body whose first line is ``first_line`` of the file."""
    found = []
    for offset, line in enumerate(mask_code(markdown).split("\n")):
        match = _ATX.match(line)
        if match:
            text = _ATTR_LIST.sub("", match.group(2)).strip()
            found.append(Heading(len(match.group(1)), text, first_line + offset))
    return found


_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|(?:[^\s()]|\([^\s()]*\))*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*<?([^\s>]+)>?")


def _link_spans(line: str) -> list[tuple[int, int]]:
    """Return the (start, end) of every link target in one code-masked line."""
    spans = []
    for match in _INLINE_LINK.finditer(line):
        start, end = match.span(1)
        if line[start:end].startswith("<"):
            start, end = start + 1, end - 1
        if end > start:
            spans.append((start, end))
    ref = _REFERENCE.match(line)
    if ref:
        spans.append(ref.span(1))
    return spans


def links(markdown: str, first_line: int) -> list[Link]:
    """List the link and image targets of a body, inline and reference-style."""
    found = []
    for offset, (line, masked) in enumerate(
        zip(markdown.split("\n"), mask_code(markdown).split("\n"), strict=True)
    ):
        for start, end in _link_spans(masked):
            found.append(Link(line[start:end].strip(), first_line + offset))
    return found


def rewrite_links(markdown: str, replace: Callable[[str], str]) -> str:
    """Return ``markdown`` with every link target outside code passed through ``replace``."""
    out = []
    for line, masked in zip(markdown.split("\n"), mask_code(markdown).split("\n"), strict=True):
        for start, end in reversed(_link_spans(masked)):
            line = line[:start] + replace(line[start:end].strip()) + line[end:]
        out.append(line)
    return "\n".join(out)


def is_javascript_url(value: str) -> bool:
    """Whether a URL would run script when followed (``javascript:``, obfuscated too)."""
    cleaned = "".join(ch for ch in value if not ch.isspace() and ch.isprintable())
    return cleaned.lower().startswith(("javascript:", "vbscript:"))


class _HtmlScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag == "script":
            self.found.append((line, "a <script> element"))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((line, f"an event-handler attribute '{name}' on <{tag}>"))
            elif value and is_javascript_url(value):
                self.found.append((line, f"a javascript: URL in '{name}' on <{tag}>"))

    handle_startendtag = handle_starttag


def unsafe_html(markdown: str, first_line: int) -> list[UnsafeHtml]:
    """Find raw ``<script>``, event handlers and ``javascript:`` URLs outside code."""
    scanner = _HtmlScanner()
    masked = mask_code(markdown)
    scanner.feed(masked)
    scanner.close()
    found = [UnsafeHtml(first_line + line - 1, what) for line, what in scanner.found]
    for link in links(markdown, first_line):
        if is_javascript_url(link.target):
            found.append(UnsafeHtml(link.line, f"a javascript: URL in a link {link.target!r}"))
    return found


_SNIPPET = re.compile(r"^\s*-{2,}8<-{2,}")  # pymdownx.snippets' marker (";--8<--" is escaped)


def snippet_includes(markdown: str, first_line: int) -> list[UnsafeHtml]:
    """Find ``--8<--`` include lines outside code: articles never include other files.

    Whatever `mkdocs.yml` enables, an article cannot pull in a file from elsewhere on the
    builder's disk (``--8<-- "../../.env"``); links to files under ``kb/`` are the way to share.
    """
    return [
        UnsafeHtml(first_line + offset, f"an include {line.strip()[:200]!r}")
        for offset, line in enumerate(mask_code(markdown).split("\n"))
        if _SNIPPET.match(line)
    ]
