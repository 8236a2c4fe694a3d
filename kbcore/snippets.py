"""Pick each hit's best section and cut a snippet with the query's words marked."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from kbcore.analysis import script_variants

__all__ = ["LATIN_WORD", "Highlighter", "Hit", "Shown"]

# What html.escape replaces (quotes included).
_ESCAPED = re.compile("[&<>\"']")
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
        variants = {_folded(v) for word in surface for v in script_variants(word)}
        # Found in folded text, leftmost first and then the longest word there. A non-contiguous
        # automaton is the quickest to build, and a search builds one for its dozen-odd words.
        self.words = (
            AhoCorasick(
                sorted(variants),
                matchkind=MatchKind.LeftmostLongest,
                implementation=Implementation.NoncontiguousNFA,
            )
            if variants
            else None
        )
        self.longest = max(map(len, variants), default=0)

    def _marks(self, folded: str) -> list[tuple[int, int, int]]:
        return self.words.find_matches_as_indexes(folded) if self.words else []

    def _first(self, folded: str) -> int | None:
        """Where the first word starts, found in ever longer beginnings of ``folded``."""
        if self.words is None:
            return None
        size = 256
        while True:
            marks = self._marks(folded[:size])
            # A word starting no later than this one ends inside the beginning searched.
            if marks and (marks[0][1] + self.longest <= size or size >= len(folded)):
                return marks[0][1]
            if size >= len(folded):
                return None
            size *= 4

    def snippet(self, text: str, width: int = 160) -> str:
        """``width`` characters of ``text`` from 40 before its first word, words marked, escaped."""
        folded = _folded(text)
        first = self._first(folded)
        start = max(0, first - 40) if first is not None else 0
        end = min(start + width, len(text))
        # Most windows hold nothing to escape: then their parts are not escaped one by one.
        escape: Callable[[str], str] = html.escape if _ESCAPED.search(text, start, end) else str
        marked, at = [], start
        # Marked in the window alone, as a reader sees it: a word cut by its end is not marked.
        for _, mark_start, mark_end in self._marks(folded[start:end]):
            marked += [
                escape(text[at : start + mark_start]),
                f"<mark>{escape(text[start + mark_start : start + mark_end])}</mark>",
            ]
            at = start + mark_end
        marked.append(escape(text[at:end]))
        return ("…" if start else "") + "".join(marked) + ("…" if end < len(text) else "")

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
            snippet=self.snippet(best.line if best else doc.summary),
            score=round(relevance, 3),
            type=doc.type,
            product=doc.product,
            lang=doc.lang,
            section=(best.heading or None) if best else None,
        )


def _folded(text: str) -> str:
    """``text`` in lower case, one character for each one (only İ lowers to two: i)."""
    return text.replace("\u0130", "i").lower()
