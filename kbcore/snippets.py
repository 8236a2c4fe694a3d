"""Pick each hit's best section and cut a snippet with the query's words marked."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kbcore.analysis import script_variants

__all__ = ["LATIN_WORD", "Highlighter", "Hit", "Shown"]

LATIN_WORD = re.compile(r"[0-9a-z\u00c0-\u024f]+(?:[._\-/:][0-9a-z\u00c0-\u024f]+)*")


@dataclass(frozen=True)
class Hit:
    """One search result as the API returns it."""

    id: str
    title: str
    url: str
    snippet: str
    score: float
    type: str
    product: str
    lang: str
    section: str | None

    def as_json(self) -> dict[str, Any]:
        """The hit as a JSON object (its fields are all plain values: no deep copy needed)."""
        return dict(vars(self))


@dataclass(frozen=True)
class Section:
    """One section of a shown document, as stored (its text as written: see :attr:`line`)."""

    terms: frozenset[str]
    text: str
    anchor: str
    heading: str

    @cached_property
    def line(self) -> str:
        """The section's text on one line, made when a hit first shows the section."""
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Shown:
    """What a result shows of a document, read from its stored fields once and kept."""

    id: str
    title: str
    url: str
    summary: str
    type: str
    product: str
    lang: str
    sections: tuple[Section, ...]

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> Shown:
        doc = stored["doc"]
        return cls(
            id=stored["id"],
            title=stored["title"],
            url=doc["url"],
            summary=" ".join(doc["summary"].split()),
            type=stored["type"],
            product=stored["product"],
            lang=stored["lang"],
            sections=tuple(
                Section(frozenset(s["terms"]), s["text"], s["anchor"], s["heading"])
                for s in doc["sections"]
            ),
        )


class Highlighter:
    """Pick each hit's best section and cut a snippet with the query's words marked."""

    def __init__(self, text: str, terms: set[str]) -> None:
        self.terms = terms
        surface = set(LATIN_WORD.findall(text)) | {t for t in self.terms if len(t) > 1}
        variants = {v for word in surface for v in script_variants(word)}
        pattern = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
        self.pattern = re.compile(pattern, re.IGNORECASE) if pattern else None

    def _snippet(self, text: str, width: int = 160) -> str:
        match = self.pattern.search(text) if self.pattern else None
        start = max(0, match.start() - 40) if match else 0
        window = text[start : start + width]
        marked = "".join(
            f"<mark>{html.escape(part)}</mark>" if index % 2 else html.escape(part)
            for index, part in enumerate(_split_marks(self.pattern, window))
        )
        return ("…" if start else "") + marked + ("…" if start + width < len(text) else "")

    def hit(self, doc: Shown, relevance: float) -> Hit:
        """The result for a shown document and its ``relevance`` score."""
        best, best_score = None, 0
        for section in doc.sections:
            score = len(self.terms & section.terms)
            if score > best_score:
                best, best_score = section, score
        return Hit(
            id=doc.id,
            title=doc.title,
            url=doc.url + (f"#{best.anchor}" if best and best.anchor else ""),
            snippet=self._snippet(best.line if best else doc.summary),
            score=round(relevance, 3),
            type=doc.type,
            product=doc.product,
            lang=doc.lang,
            section=(best.heading or None) if best else None,
        )


def _split_marks(pattern: re.Pattern[str] | None, text: str) -> list[str]:
    """Split ``text`` into alternating plain and matching parts (plain first)."""
    if pattern is None:
        return [text]
    parts, last = [], 0
    for match in pattern.finditer(text):
        parts += [text[last : match.start()], match.group(0)]
        last = match.end()
    return parts + [text[last:]]
