"""Search the index: parse nothing, build the query from analysed terms, rank, snippet, facet.

User input never reaches Whoosh's query syntax: the query string goes through the same analysis
as the articles, and the query is built from ``Term`` objects, so ``*``, ``field:x``, ``a^5`` or
``[a TO z]`` are plain words. Each search has a term cap and a time budget.

Stages: ``strict`` (at least 20% of the query's words must match, all of them for one or two
words), then ``fuzzy`` (the same, with unknown Latin words matched within one edit), then
``any-term`` (any word, typo-tolerant, or the character bigrams); the response says which fallback
answered.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from whoosh import query as Q
from whoosh import sorting
from whoosh.collectors import TimeLimit

from kbcore.analysis import TextAnalysis, has_cjk, is_traditional, normalize
from kbcore.collecting import AtLeast, BestOf, Deadline, count_articles
from kbcore.index import OpenIndex, Suggestion
from kbcore.snippets import LATIN_WORD, Highlighter, Hit

__all__ = ["FACETS", "Hit", "SearchEngine", "SearchRequest", "SearchResponse", "Synonyms"]

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
LANG_BONUS = 3.0
Fallback = Literal["fuzzy", "any-term"] | None

Clause = list[tuple[str, ...]]  # alternatives; every term of an alternative must match


class Synonyms:
    """Writer-declared synonym groups, matched on analysed terms of the query."""

    def __init__(self, groups: Iterable[Iterable[str]], analysis: TextAnalysis) -> None:
        self.members: dict[tuple[str, ...], int] = {}
        self.groups: list[list[tuple[str, ...]]] = []
        for number, group in enumerate(groups):
            alternatives = []
            for member in group:
                terms = tuple(analysis.terms_of(member))
                if terms:
                    alternatives.append(terms)
                    self.members.setdefault(terms, number)
            self.groups.append(alternatives)
        self.longest = max((len(m) for m in self.members), default=1)

    def clauses(self, terms: list[str]) -> list[Clause]:
        """Group the query's terms into clauses, replacing synonym runs by their whole group."""
        out: list[Clause] = []
        i = 0
        while i < len(terms):
            for size in range(min(self.longest, len(terms) - i), 0, -1):
                typed = tuple(terms[i : i + size])
                group = self.members.get(typed)
                if group is not None:
                    out.append([typed] + [alt for alt in self.groups[group] if alt != typed])
                    i += size
                    break
            else:
                out.append([(terms[i],)])
                i += 1
        return out


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


def _term_query(term: str) -> Q.Query:
    """Match a term in any field; the best field counts."""
    return BestOf([Q.Term(name, term, boost=w) for name, w in FIELD_WEIGHTS.items()])


def _clause_query(clause: Clause, fuzzy: set[str] | None = None) -> Q.Query:
    """Match one clause: the typed terms, or (scored lower) any of their synonyms."""
    alternatives = []
    for number, terms in enumerate(clause):
        parts: list[Q.Query] = []
        for term in terms:
            if fuzzy is not None and term in fuzzy:
                parts.append(
                    Q.Or(
                        [_term_query(term)]
                        + [
                            Q.FuzzyTerm(name, term, boost=w * 0.7, maxdist=1, prefixlength=1)
                            for name, w in FIELD_WEIGHTS.items()
                            if name != "codes"
                        ]
                    )
                )
            else:
                parts.append(_term_query(term))
        query = parts[0] if len(parts) == 1 else Q.And(parts)
        alternatives.append(query if number == 0 else Q.Or([query], boost=SYNONYM_WEIGHT))
    # The best alternative counts, so an article full of synonyms does not outrank the words typed.
    return alternatives[0] if len(alternatives) == 1 else BestOf(alternatives)


def preferred_lang(typed: str) -> str:
    """Guess the language of what was typed: Traditional, Simplified or English.

    Codes and numbers alone (``E1042``, ``0x80070005``) say nothing: the site's language wins.
    """
    if has_cjk(typed):
        return "zh-Hant" if is_traditional(typed) else "zh-Hans"
    if any(word.isalpha() for word in LATIN_WORD.findall(normalize(typed)) if len(word) > 1):
        return "en"
    return DEFAULT_LANG


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

    def _filter(self, request: SearchRequest) -> Q.Query:
        terms = [
            Q.Term(name, value)
            for name, value in (
                ("lang", request.lang),
                ("product", request.product),
                ("type", request.type),
                ("category", request.category),
                ("tag", normalize(request.tag).replace(" ", "-") if request.tag else None),
            )
            if value
        ]
        if not request.internal:
            terms.append(Q.Term("audience", "public"))
        return Q.And(terms) if terms else Q.Every()

    def _run(
        self, searcher: Any, query: Q.Query, request: SearchRequest, lang: str, deadline: float
    ) -> tuple[Any, bool]:
        facets = {name: sorting.FieldFacet(name, maptype=sorting.UnorderedList) for name in FACETS}
        # One result per translation group: the version in the reader's language if it matched.
        in_lang_first = sorting.MultiFacet(
            [
                sorting.TranslateFacet(
                    lambda key: key != lang.encode(), sorting.FieldFacet("lang")
                ),
                sorting.ScoreFacet(),
            ]
        )
        collector = searcher.collector(
            limit=request.page * request.per_page,
            groupedby=facets,
            collapse=sorting.FieldFacet("group"),
            collapse_order=in_lang_first,
        )
        # The filter is part of the query (Whoosh's filter collector would bypass collapsing).
        bounded = Deadline(
            Q.And([query, Q.ConstantScoreQuery(self._filter(request), 0.0)]), deadline
        )
        truncated = False
        try:
            searcher.search_with_collector(bounded, collector)
        except TimeLimit:
            truncated = True
        return collector.results(), truncated

    def _stages(
        self, searcher: Any, words: list[str], clauses: list[Clause], grams: list[str], lang: str
    ) -> list[tuple[Fallback, Q.Query]]:
        need = len(clauses) if len(clauses) <= 2 else math.ceil(len(clauses) * self.min_match)
        extras: list[Q.Query] = [Q.ConstantScoreQuery(Q.Term("lang", lang), LANG_BONUS)]
        if len(words) >= 2 and HEADING_PHRASE_WEIGHT:
            extras.append(Q.Phrase("headings", words, slop=1, boost=HEADING_PHRASE_WEIGHT))
        if grams:
            extras.append(
                Q.Or(
                    [
                        Q.Term("grams", g, boost=GRAMS_WEIGHT if has_cjk(g) else LATIN_GRAMS_WEIGHT)
                        for g in grams
                    ]
                )
            )

        def ranked(required: Q.Query) -> Q.Query:
            return Q.AndMaybe(required, Q.Or(extras))

        stages: list[tuple[Fallback, Q.Query]] = []
        reader = searcher.reader()
        unknown = {
            t
            for c in clauses
            for t in c[0]
            if t.isalpha()
            and t.isascii()
            and len(t) >= 4
            and not any(reader.doc_frequency(f, t) for f in FIELD_WEIGHTS)
        }
        if clauses:
            stages.append((None, ranked(AtLeast([_clause_query(c) for c in clauses], need))))
        tolerant = [_clause_query(c, unknown) for c in clauses]
        if unknown:
            stages.append(("fuzzy", ranked(AtLeast(tolerant, need))))
        # Any term, typo-tolerant; the bigrams, but not the whole phrase, may carry it alone.
        anything = tolerant + [q for q in extras[1:] if not isinstance(q, Q.Phrase)]
        if anything:
            stages.append(("any-term", ranked(Q.Or(anything))))
        return stages

    def search(self, request: SearchRequest) -> SearchResponse:
        """Run ``request`` through the stages until one finds something."""
        text = normalize(request.q)
        words = self.analysis.terms_of(text, "words", normalized=True)[: self.max_terms]
        grams = self.analysis.terms_of(text, "grams", normalized=True)[: self.max_terms * 2]
        clauses = self.synonyms.clauses(words)
        results, fallback, truncated, hits = None, None, False, []
        facets: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        # One budget for the whole search, all stages together.
        deadline = time.monotonic() + self.time_budget
        with self.opened.index.searcher() as searcher:
            lang = request.lang or preferred_lang(request.q)
            for stage, query in self._stages(searcher, words, clauses, grams, lang):
                results, truncated = self._run(searcher, query, request, lang, deadline)
                fallback = stage
                if results.scored_length() or truncated:
                    break
            suggestion = self._did_you_mean(searcher, text)
            if results is not None and results.scored_length():
                facets = count_articles(searcher, results, FACETS)
                highlight = Highlighter(text, {t for c in clauses for alt in c for t in alt})
                start = (request.page - 1) * request.per_page
                end = min(results.scored_length(), start + request.per_page)
                hits = [highlight.hit(results[i]) for i in range(start, end)]
        total = facets.pop("_total", {}).get("", 0)
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

    def _did_you_mean(self, searcher: Any, text: str) -> str | None:
        corrector = searcher.corrector("spell")
        reader = searcher.reader()
        changed = text
        for word in set(LATIN_WORD.findall(text)):
            if len(word) < 4 or not word.isalpha() or reader.doc_frequency("spell", word):
                continue
            found = corrector.suggest(word, limit=1, maxdist=1 if len(word) <= 6 else 2, prefix=1)
            if found:
                changed = re.sub(rf"\b{re.escape(word)}\b", found[0], changed)
        return changed if changed != text else None

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
