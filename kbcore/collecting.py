"""Whoosh helpers for the search engine: a time budget on matching, counting by article."""

from __future__ import annotations

import time
from typing import Any

from whoosh import query as Q
from whoosh.collectors import TimeLimit
from whoosh.matching import DisjunctionMaxMatcher, WrappingMatcher
from whoosh.query.wrappers import WrappingQuery

__all__ = ["BestOf", "Deadline", "count_articles"]


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
