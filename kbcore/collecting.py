"""Whoosh helpers for the search engine: a time budget on matching, counting by article."""

from __future__ import annotations

import math
import time
from typing import Any

from whoosh import query as Q
from whoosh.collectors import TimeLimit
from whoosh.matching import (
    DisjunctionMaxMatcher,
    Matcher,
    NoQualityAvailable,
    NullMatcher,
    WrappingMatcher,
)
from whoosh.query.wrappers import WrappingQuery

__all__ = ["AtLeast", "BestOf", "Deadline", "count_articles"]


class _BestOfMatcher(DisjunctionMaxMatcher):  # type: ignore[misc]
    """Score a document by the best sub-matcher positioned on it.

    Whoosh 2.7's ``DisjunctionMaxMatcher.score`` takes the max over both sub-matchers wherever
    they are positioned, so a score from another document leaks into this one.
    """

    def score(self) -> float:
        active = [m for m in (self.a, self.b) if m.is_active()]
        here = min(m.id() for m in active)
        return float(max(m.score() for m in active if m.id() == here))


class BestOf(Q.DisjunctionMax):  # type: ignore[misc]
    """Match any subquery; score a document by its best-scoring one (a correct DisMax)."""

    def _matcher(self, subs: list[Q.Query], searcher: Any, context: Any) -> Any:
        reader = searcher.reader()
        return self._tree_matcher(
            subs, _BestOfMatcher, searcher, context, lambda q: q.estimate_size(reader)
        )


class _AtLeastMatcher(Matcher):  # type: ignore[misc]
    """Match documents that at least ``need`` of the sub-matchers match; score their sum."""

    def __init__(self, children: list[Any], need: int, boost: float = 1.0) -> None:
        self.children = children
        self.need = need
        self.boost = boost
        self._id: int | None = None
        self._settle()

    def _settle(self) -> None:
        """Move to the first document, from here on, that enough sub-matchers share."""
        while True:
            active = [m for m in self.children if m.is_active()]
            if len(active) < self.need:
                self._id = None
                return
            here = min(m.id() for m in active)
            on_it = [m for m in active if m.id() == here]
            if len(on_it) >= self.need:
                self._id = here
                return
            for m in on_it:
                m.next()

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        assert self._id is not None
        return self._id

    def _here(self) -> list[Any]:
        return [m for m in self.children if m.is_active() and m.id() == self._id]

    def next(self) -> None:
        for m in self._here():
            m.next()
        self._settle()

    def skip_to(self, target: int) -> None:
        for m in self.children:
            if m.is_active() and m.id() < target:
                m.skip_to(target)
        self._settle()

    def score(self) -> float:
        return self.boost * sum(float(m.score()) for m in self._here())

    def weight(self) -> float:
        return sum(float(m.weight()) for m in self._here())

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        try:
            return self.boost * sum(float(m.max_quality()) for m in self.children if m.is_active())
        except NoQualityAvailable:
            return math.inf  # still an upper bound: nothing is skipped on quality

    def copy(self) -> _AtLeastMatcher:
        return _AtLeastMatcher([m.copy() for m in self.children], self.need, self.boost)

    def replace(self, minquality: float = 0) -> Any:
        return self

    def matching_terms(self, id: int | None = None) -> Any:
        for m in self._here():
            yield from m.matching_terms(id)


class AtLeast(Q.Or):  # type: ignore[misc]
    """Match documents that match at least ``need`` subqueries (Whoosh's ``minmatch`` is not
    implemented in 2.7); score the sum of the matching ones."""

    def __init__(self, subqueries: list[Q.Query], need: int, boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.need = need

    def apply(self, fn: Any) -> AtLeast:
        return AtLeast([fn(q) for q in self.subqueries], self.need, self.boost)

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and getattr(other, "need", None) == self.need

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.need))

    def normalize(self) -> Q.Query:
        return self

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        children = [q.matcher(searcher, context) for q in self.subqueries]
        if self.need > len(children):
            return NullMatcher()
        return _AtLeastMatcher(children, max(1, self.need), self.boost)


class DeadlineMatcher(WrappingMatcher):  # type: ignore[misc]
    """Stop a search that runs past its deadline, whatever collector drives it."""

    def __init__(self, child: Any, deadline: float, boost: float = 1.0) -> None:
        super().__init__(child, boost)
        self.deadline = deadline
        self.steps = 0

    def _replacement(self, newchild: Any) -> Any:
        return self.__class__(newchild, self.deadline, self.boost)

    def next(self) -> Any:
        self.steps += 1
        if self.steps % 128 == 0 and time.monotonic() > self.deadline:
            raise TimeLimit
        return self.child.next()


class Deadline(WrappingQuery):  # type: ignore[misc]
    """Run the wrapped query under a time budget (see :class:`DeadlineMatcher`)."""

    def __init__(self, child: Q.Query, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline

    def _rewrap(self, child: Q.Query) -> Q.Query:
        return self.__class__(child, self.deadline)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return DeadlineMatcher(self.child.matcher(searcher, context), self.deadline)


def count_articles(
    searcher: Any, results: Any, facets: tuple[str, ...]
) -> dict[str, dict[str, int]]:
    """Count matching articles per facet value, a translation group counting once.

    Results show one language version per group, so the counts match what a filter returns.
    """
    group_of = searcher.reader().column_reader("group")
    counts: dict[str, dict[str, int]] = {}
    everything: set[bytes] = set()
    for name in facets:
        counts[name] = {}
        for value, docnums in sorted(results.groups(name).items()):
            groups = {group_of[docnum] for docnum in docnums}
            counts[name][value] = len(groups)
            everything |= groups
    counts["_total"] = {"": len(everything)}
    return counts
