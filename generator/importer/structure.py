"""Give an imported page the sections its kb type requires, without inventing content.

``kb check`` wants the sections of the article's type (generator/body.py REQUIRED_SECTIONS). A
page whose level-2 headings already name them keeps its type and its body. A page with Symptoms,
Cause and Resolution that states where it applies ("Applies to: …") becomes troubleshooting, that
statement moved under an Environment heading. A FAQ page becomes ``faq`` and any other page
``howto``: the whole page goes under one generated Answer (解答) or Steps (操作步骤) heading, its
own headings one level down, nothing else changed.
"""

from __future__ import annotations

import re

from generator.answer import readable_text
from generator.body import REQUIRED_SECTIONS, section_heading, section_key
from generator.frontmatter import ArticleType, Lang
from generator.importer.document import Line, Lines, code_flags, demote

__all__ = ["classify", "first_paragraph", "take_title"]

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_FAQ = re.compile(
    r"(\bfaqs?\b|frequently asked questions|常见问题|常見問題|问答|問答|\bq\s*&\s*a\b)",
    re.IGNORECASE,
)
_APPLIES = re.compile(
    r"^\s*[_*]{0,2}(applies to|original product version|适用于|適用於|适用范围|適用範圍|适用版本)",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"[\s\d.:：#()（）-]+$")
_ORDER: tuple[ArticleType, ...] = ("troubleshooting", "known-issue", "faq", "howto")
_NOT_PROSE = ("#", "!!!", "???", "===", "|", "<", ">", "[!", "{", ":::", "- ", "* ", "+ ")


def take_title(lines: Lines) -> tuple[str | None, Lines]:
    """Remove the page's leading level-1 heading; return its text and the rest."""
    for index, line in enumerate(lines):
        if not line.text.strip():
            continue
        match = _ATX.match(line.text)
        if match and len(match.group(1)) == 1:
            rest = lines[index + 1 :]
            while rest and not rest[0].text.strip():
                rest = rest[1:]
            return match.group(2), rest
        break
    return None, lines


def _level2(lines: Lines) -> list[tuple[int, str]]:
    flags = code_flags(lines)
    found = []
    for index, (line, code) in enumerate(zip(lines, flags, strict=True)):
        match = None if code else _ATX.match(line.text)
        if match and len(match.group(1)) == 2:
            found.append((index, match.group(2)))
    return found


def _is_faq(title: str, stem: str, headings: list[str]) -> bool:
    if _FAQ.search(title) or _FAQ.search(stem.replace("-", " ").replace("_", " ")):
        return True
    if any(section_key(_NUMBERED.sub("", h)) == "answer" for h in headings):
        return True
    questions = sum(1 for h in headings if h.rstrip().endswith(("?", "？")))
    return len(headings) >= 2 and questions * 2 >= len(headings)


def _with_environment(lines: Lines, first_section: int, lang: Lang) -> Lines | None:
    """Move an "Applies to" statement above the first section under an Environment heading."""
    statement = [i for i, line in enumerate(lines[:first_section]) if _APPLIES.match(line.text)]
    if not statement:
        return None
    moved = [lines[i] for i in statement]
    kept = [line for i, line in enumerate(lines[:first_section]) if i not in statement]
    no = lines[first_section].no
    heading = [Line(no, f"## {section_heading('environment', lang)}"), Line(no, "")]
    return [*kept, *heading, *moved, Line(no, ""), *lines[first_section:]]


def _wrapped(lines: Lines, key: str, lang: Lang) -> Lines:
    no = lines[0].no if lines else 1
    heading = [Line(no, f"## {section_heading(key, lang)}"), Line(no, "")]
    return heading + demote(lines, 3)


def classify(
    lines: Lines, *, title: str, stem: str, lang: Lang
) -> tuple[ArticleType, Lines, str | None]:
    """Choose the page's type and give it its required sections.

    Returns the type, the body, and the section generated (None if the page had them all).
    """
    sections = _level2(lines)
    present = {section_key(text) for _, text in sections}
    for kind in _ORDER:
        if all(key in present for key in REQUIRED_SECTIONS[kind]):
            return kind, lines, None
    if {"symptoms", "cause", "resolution"} <= present:
        moved = _with_environment(lines, sections[0][0], lang)
        if moved is not None:
            return "troubleshooting", moved, "environment"
    if _is_faq(title, stem, [text for _, text in sections]):
        return "faq", _wrapped(lines, "answer", lang), "answer"
    return "howto", _wrapped(lines, "steps", lang), "steps"


def first_paragraph(lines: Lines) -> str | None:
    """The first paragraph of prose, as plain text (for a summary the page does not give)."""
    flags = code_flags(lines)
    paragraph: list[str] = []
    for line, code in zip(lines, flags, strict=True):
        text = line.text.strip()
        prose = bool(text) and not code and not text.startswith(_NOT_PROSE)
        prose = prose and not re.match(r"^\d+[.)]\s", text) and not _APPLIES.match(text)
        if prose:
            paragraph.append(text)
        elif paragraph:
            found = " ".join(readable_text(" ".join(paragraph)).split())
            if found:
                return found
            paragraph = []
    found = " ".join(readable_text(" ".join(paragraph)).split()) if paragraph else ""
    return found or None
