"""Whoosh helpers for the search engine: a time budget on matching, counting by article."""

from __future__ import annotations

import time
from typing import Any

from whoosh import query as Q
from whoosh.collectors import TimeLimit
from whoosh.matching import WrappingMatcher
from whoosh.query.wrappers import WrappingQuery

__all__ = ["Deadline", "count_articles"]


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
