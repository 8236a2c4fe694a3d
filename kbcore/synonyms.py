"""Writer-declared synonym groups: the query's terms grouped into clauses of alternatives."""

from __future__ import annotations

from collections.abc import Iterable

from kbcore.analysis import TextAnalysis

__all__ = ["Clause", "Synonyms"]

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
