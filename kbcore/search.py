"""Search the index: parse nothing, build the query from analysed terms, rank, snippet, facet.

User input never reaches Whoosh's query syntax: the query string goes through the same analysis
as the articles, and each analysed term is looked up as it is, so ``*``, ``field:x``, ``a^5`` or
``[a TO z]`` are plain words. Scores are computed over all articles at once from the index's
postings (:mod:`kbcore.vectors`). Each search has a term cap and a time budget.

Stages: ``strict`` (at least 20% of the query's words must match, all of them for one or two
words), then ``fuzzy`` (the same, with unknown Latin words matched within one edit), then
``any-term`` (any word, typo-tolerant, or the character bigrams); the response says which fallback
answered.
"""

from __future__ import annotations

import math
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from kbcore.analysis import has_cjk, is_traditional, normalize
from kbcore.index import OpenIndex, Suggestion
from kbcore.snippets import LATIN_WORD, Highlighter, Hit, Shown
from kbcore.synonyms import Clause, Synonyms
from kbcore.vectors import Postings, Vector, at_least, best, count_groups, rank

__all__ = ["FACETS", "Hit", "SearchEngine", "SearchRequest", "SearchResponse"]

FACETS = ("product", "type", "lang")
FIELD_WEIGHTS = {"title": 1.0, "phrases": 0.5, "codes": 3.0, "body": 1.0}
# Exact wording: Chinese character bigrams weigh more than whole Latin words (measured on the
# TiDB FAQ and StackFAQ sets, docs/benchmarks.md).
GRAMS_WEIGHT = 3.0
LATIN_GRAMS_WEIGHT = 0.6
# A title or section heading that holds the query's words in the typed order: a question asked as
# the FAQ asks it, a pasted message.
HEADING_PHRASE_WEIGHT = 3.0
DEFAULT_LANG = "zh-Hans"
SYNONYM_WEIGHT = 0.7
FUZZY_WEIGHT = 0.7  # a word one edit away from an unknown typed word
LANG_BONUS = 3.0
# Postings kept in memory per worker and generation (12 bytes each): the most used terms.
CACHE_POSTINGS = 4_000_000
CACHE_POSITIONS = 500_000  # the headings' word positions, for the heading phrase
CACHE_STORED = 2_000  # documents' stored fields (url, summary, sections) for results
CACHE_NEAR = 20_000  # "did you mean": each word's nearest known word
Fallback = Literal["fuzzy", "any-term"] | None


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: the query text, filters and page."""

    q: str
    lang: str | None = None
    product: str | None = None
    type: str | None = None
    category: str | None = None
    tag: str | None = None
    page: int = 1
    per_page: int = 10
    internal: bool = False


@dataclass(frozen=True)
class SearchResponse:
    query: str
    total: int
    page: int
    per_page: int
    results: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    fallback: Fallback
    lang: str  # the reader's language: asked for, or guessed from the query
    truncated: bool = False


def preferred_lang(typed: str) -> str:
    """Guess the language of what was typed: Traditional, Simplified or English.

    Codes and numbers alone (``E1042``, ``0x80070005``) say nothing: the site's language wins.
    """
    if has_cjk(typed):
        return "zh-Hant" if is_traditional(typed) else "zh-Hans"
    if any(word.isalpha() for word in LATIN_WORD.findall(normalize(typed)) if len(word) > 1):
        return "en"
    return DEFAULT_LANG


class _Scoring:
    """One search's vectors, read through its searcher from the generation's postings."""

    def __init__(self, postings: Postings, searcher: Any) -> None:
        self.postings = postings
        self.searcher = searcher
        self.reader = searcher.reader()

    def term(self, term: str, fuzzy: bool = False) -> Vector:
        """``term`` in any field, the best field counting; ``fuzzy``: or words one edit away."""
        found = self.postings.best(self.searcher, ((f, term, w) for f, w in FIELD_WEIGHTS.items()))
        if not fuzzy:
            return found
        near = [
            (f, word, w * FUZZY_WEIGHT)
            for f, w in FIELD_WEIGHTS.items()
            if f != "codes"
            for word in self.postings.lexicon(self.reader, f).within(term, 1)
        ]
        return found + self.postings.best(self.searcher, near) if near else found

    def clause(self, clause: Clause, fuzzy: set[str]) -> Vector:
        """The typed terms, or (scored lower) any of their synonyms: the best alternative."""
        alternatives = []
        for number, terms in enumerate(clause):
            parts = [self.term(t, t in fuzzy) for t in terms]
            vector = at_least(parts, len(parts))
            alternatives.append(vector if number == 0 else vector * SYNONYM_WEIGHT)
        # The best alternative counts: an article full of synonyms does not outrank the words typed.
        return best(alternatives)

    def heading_phrase(self, words: list[str]) -> Vector:
        """The words next to each other in the typed order in a title or heading,
        scored as Whoosh scores a phrase: the words' scores in the field, boosted."""
        out = np.zeros(self.postings.size, dtype=np.float64)
        holding = self.postings.live
        for word in dict.fromkeys(words):  # positions are read only where all words are
            holding = holding & self.postings.mask(self.searcher, "headings", word)
            if not holding.any():
                return out
        matched = self.postings.in_order(self.searcher, "headings", words, np.flatnonzero(holding))
        if len(matched):
            scores = self.postings.total(self.searcher, (("headings", w, 1.0) for w in words))
            out[matched] = scores[matched] * HEADING_PHRASE_WEIGHT
        return out

    def grams(self, grams: Iterable[str]) -> Vector:
        """Any of the character bigrams, Chinese ones weighing more than Latin words."""
        return self.postings.total(  # a bigram typed twice counts twice
            self.searcher,
            (("grams", g, GRAMS_WEIGHT if has_cjk(g) else LATIN_GRAMS_WEIGHT) for g in grams),
        )

    def allowed(self, request: SearchRequest) -> npt.NDArray[np.bool_]:
        """The live documents that pass the request's filters and audience."""
        mask = self.postings.live.copy()
        for name, value in (
            ("lang", request.lang),
            ("product", request.product),
            ("type", request.type),
            ("category", request.category),
            ("tag", normalize(request.tag).replace(" ", "-") if request.tag else None),
            ("audience", None if request.internal else "public"),
        ):
            if value:
                mask &= self.postings.mask(self.searcher, name, value)
        return mask


class SearchEngine:
    """Search one opened index generation (one engine per generation, shared by threads)."""

    def __init__(
        self,
        opened: OpenIndex,
        *,
        time_budget: float = 0.5,
        max_terms: int = 32,
        min_match: float = 0.2,
    ) -> None:
        self.opened = opened
        self.analysis = opened.analysis
        self.synonyms = Synonyms(opened.meta.synonyms, opened.analysis)
        self.time_budget = time_budget
        self.max_terms = max_terms
        self.min_match = min_match
        # One searcher per engine, opened once (opening one per request cost more than a search);
        # Whoosh reads its files with seek and read, so the searches of a worker take turns.
        self._opened: tuple[Any, Postings] | None = None
        self._close: Callable[[], object] = lambda: None
        self._shown_cache: LRUCache[int, Shown] = LRUCache(CACHE_STORED)
        # Each Latin word's nearest known word, or None: a function of the index alone.
        self._near_cache: LRUCache[str, str | None] = LRUCache(CACHE_NEAR)
        self._lock = threading.Lock()

    def _searcher(self) -> tuple[Any, Postings]:
        """The engine's searcher and postings arrays, opened by the first search (hold the lock)."""
        if self._opened is None:
            searcher = self.opened.index.searcher()
            # Closed by close(), or when the engine is collected.
            self._close = weakref.finalize(self, searcher.close)
            postings = Postings(
                searcher.reader(),
                columns=(*FACETS, "group"),
                cache_postings=CACHE_POSTINGS,
                cache_positions=CACHE_POSITIONS,
            )
            self._opened = searcher, postings
        return self._opened

    def _shown(self, searcher: Any, docnum: int) -> Shown:
        """What a result shows of a document (hold the lock): the most shown ones stay in memory."""
        found = self._shown_cache.get(docnum)
        if found is None:
            found = self._shown_cache[docnum] = Shown.of(searcher.stored_fields(docnum))
        return found

    def close(self) -> None:
        """Close the searcher; a later search opens it again."""
        with self._lock:
            self._close()
            self._opened = None

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stages(
        self,
        scoring: _Scoring,
        words: list[str],
        clauses: list[Clause],
        grams: list[str],
        in_lang: npt.NDArray[np.bool_],
    ) -> Iterator[tuple[Fallback, Vector]]:
        """Each stage's scores, computed when the stage is reached."""
        need = len(clauses) if len(clauses) <= 2 else math.ceil(len(clauses) * self.min_match)
        extras = np.where(in_lang, LANG_BONUS, 0.0)
        if len(words) >= 2 and HEADING_PHRASE_WEIGHT:
            extras += scoring.heading_phrase(words)
        gram_scores = scoring.grams(grams) if grams else None
        if gram_scores is not None:
            extras += gram_scores

        def ranked(required: Vector) -> Vector:
            return np.where(required > 0, required + extras, 0.0)

        exact = [scoring.clause(c, set()) for c in clauses]
        if clauses:
            yield None, ranked(at_least(exact, need))
        unknown = {
            t
            for c in clauses
            for t in c[0]
            if t.isalpha()
            and t.isascii()
            and len(t) >= 4
            and not any(scoring.reader.doc_frequency(f, t) for f in FIELD_WEIGHTS)
        }
        tolerant = exact
        if unknown:
            tolerant = [scoring.clause(c, unknown) for c in clauses]
            yield "fuzzy", ranked(at_least(tolerant, need))
        # Any term, typo-tolerant; the bigrams, but not the whole phrase, may carry it alone.
        anything = tolerant + ([gram_scores] if gram_scores is not None else [])
        if anything:
            yield "any-term", ranked(np.sum(anything, axis=0))

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run ``request`` through the stages until one finds something."""
        text = normalize(request.q)
        words = self.analysis.terms_of(text, "words", normalized=True)[: self.max_terms]
        grams = self.analysis.terms_of(text, "grams", normalized=True)[: self.max_terms * 2]
        clauses = self.synonyms.clauses(words)
        ranked, fallback, truncated, hits = None, None, False, []
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        # One budget for the whole search, all stages together, checked between stages.
        deadline = time.monotonic() + self.time_budget
        with self._lock:
            searcher, postings = self._searcher()
            scoring = _Scoring(postings, searcher)
            lang = request.lang or preferred_lang(request.q)
            languages = postings.columns["lang"]
            in_lang = languages.codes == languages.code(lang)
            allowed = scoring.allowed(request)
            group = postings.columns["group"]
            start = (request.page - 1) * request.per_page
            for stage, scores in self._stages(scoring, words, clauses, grams, in_lang):
                # One result per translation group: the reader's language if it matched.
                ranked = rank(scores, allowed, group, ~in_lang, start + request.per_page)
                fallback = stage
                if ranked.total:
                    break
                if time.monotonic() > deadline:
                    truncated = True
                    break
            suggestion = self._did_you_mean(searcher, postings, text)
            if ranked is not None and ranked.total:
                facets = {
                    name: count_groups(ranked.matched, postings.columns[name], group)
                    for name in FACETS
                }
                highlight = Highlighter(text, {t for c in clauses for alt in c for t in alt})
                hits = [
                    highlight.hit(self._shown(searcher, int(docnum)), float(score))
                    for docnum, score in zip(
                        ranked.docnums[start:], ranked.scores[start:], strict=True
                    )
                ]
        total = ranked.total if ranked is not None else 0
        return SearchResponse(
            text,
            total,
            request.page,
            request.per_page,
            hits,
            facets,
            suggestion,
            fallback if total else None,
            lang,
            truncated,
        )

    def _did_you_mean(self, searcher: Any, postings: Postings, text: str) -> str | None:
        """The query with unknown Latin words replaced by the most frequent near word."""
        changed = text
        for word in set(LATIN_WORD.findall(text)):
            if len(word) < 4 or not word.isalpha():
                continue
            if word not in self._near_cache:
                self._near_cache[word] = self._near(searcher, postings, word)
            found = self._near_cache[word]
            if found is not None:
                changed = re.sub(rf"\b{re.escape(word)}\b", found, changed)
        return changed if changed != text else None

    def _near(self, searcher: Any, postings: Postings, word: str) -> str | None:
        """The most frequent word near an unknown ``word`` (None if it is known, or none is)."""
        reader = searcher.reader()
        # Known (in any form the analysis gives it: a stem, a sub-word), or a common word.
        terms = self.analysis.terms_of(word, normalized=True)
        if not terms or any(reader.doc_frequency("spell", t) for t in terms):
            return None
        near = postings.lexicon(reader, "spell").within(word, 1 if len(word) <= 6 else 2)
        return min(near, key=lambda w: (-reader.frequency("spell", w), w)) if near else None

    def suggest(self, text: str, *, internal: bool = False, limit: int = 8) -> list[Suggestion]:
        """Return up to ``limit`` titles and phrasings that complete ``text``."""
        norm = normalize(text).strip()
        if not norm:
            return []
        lang = preferred_lang(text)
        pool = [
            s
            for s in self.opened.meta.suggestions
            if (internal or s.audience == "public") and norm in s.norm
        ]
        # Completions first, then phrasings that contain the text; the reader's language first.
        pool.sort(key=lambda s: (not s.norm.startswith(norm), s.lang != lang, len(s.norm)))
        seen: set[tuple[str, bool]] = set()
        out: list[Suggestion] = []
        for suggestion in pool:
            key = (suggestion.group, suggestion.url is None)
            if key not in seen or suggestion.url is None:
                seen.add(key)
                if suggestion.text not in {o.text for o in out}:
                    out.append(suggestion)
        return out[:limit]
