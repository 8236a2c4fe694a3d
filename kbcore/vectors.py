"""Score queries over every article at once: the index's postings as numpy arrays.

Whoosh's matchers walk the matching documents one at a time in Python: a long question over
10,000 articles matched most of them through dozens of terms in several fields, and took 0.6 s.
Here each (field, term) a query needs is read once from the Whoosh index as two arrays, the
document numbers and their BM25F scores (Whoosh's own formula and statistics: idf, quantised
field lengths, average length), and kept in a per-generation cache. A query is then arithmetic on
vectors of one score per document, 0 meaning "no match": the best field of a term is a maximum,
the words of an alternative a sum where all of them match, "at least k of n clauses" a count.
Filters are masks from the filter terms' postings; choosing one language version per
translation group and counting facets are a sort and ``numpy.unique`` over the matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, bm25

from kbcore.lexicon import Lexicon

__all__ = ["Column", "Postings", "Ranked", "Vector", "at_least", "best", "count_groups", "rank"]

Vector = npt.NDArray[np.float64]  # one score per document number; 0 means no match
Docs = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Column:
    """A stored single-value field as codes per document, and the values the codes stand for."""

    codes: npt.NDArray[np.int64]
    values: list[str]

    def code(self, value: str) -> int:
        """The code of ``value``, or -1 when no document holds it."""
        try:
            return self.values.index(value)
        except ValueError:
            return -1


def _column(reader: Any, name: str) -> Column:
    raw = [v.decode() if isinstance(v, bytes) else str(v) for v in reader.column_reader(name)]
    values, codes = np.unique(np.array(raw, dtype=object), return_inverse=True)
    return Column(codes.astype(np.int64), [str(v) for v in values])


def _read(matcher: Any, values: bool = False) -> tuple[list[Any], list[Any], list[Any]]:
    """All (document numbers, weights, and if asked the encoded values) of one segment's
    posting list."""
    ids: list[Any] = []
    weights: list[Any] = []
    encoded: list[Any] = []
    if isinstance(matcher, W3LeafMatcher):  # whole blocks at a time
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            if values:
                matcher._read_values()
                encoded.extend(matcher._values)
            matcher._next_block()
    else:  # postings inlined in the term table: a handful
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if values:
                encoded.append(matcher.value())
            matcher.next()
    return ids, weights, encoded


class Postings:
    """One generation's postings as arrays, and its document columns.

    Not locked itself: its engine serialises the searches that use it (Whoosh's files are read
    with seek and read).

    Generations never change once written, so what is read stays true; the caches hold at most
    ``cache_postings`` postings (12 bytes each) and ``cache_positions`` postings' positions
    (about 50 bytes each), and drop the least recently used terms.
    """

    def __init__(
        self, reader: Any, *, columns: Iterable[str], cache_postings: int, cache_positions: int
    ) -> None:
        self.size = int(reader.doc_count_all())
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        self.columns = {name: _column(reader, name) for name in columns}
        self._weighting = BM25F()
        self._lengths: dict[str, npt.NDArray[np.float64]] = {}
        self._lexicons: dict[str, Lexicon] = {}
        self._cache: LRUCache[tuple[str, str], tuple[Docs, Vector]] = LRUCache(
            cache_postings, getsizeof=lambda entry: max(1, len(entry[0]))
        )
        self._positions: LRUCache[tuple[str, str], tuple[Docs, list[bytes]]] = LRUCache(
            cache_positions, getsizeof=lambda entry: max(1, len(entry[0]))
        )

    def _length(self, reader: Any, field: str) -> npt.NDArray[np.float64]:
        """Each document's length of ``field`` as BM25F sees it (quantised, 1 when empty)."""
        found = self._lengths.get(field)
        if found is None:
            found = np.ones(self.size, dtype=np.float64)
            for leaf, base in reader.leaf_readers():
                for docnum in range(leaf.doc_count_all()):
                    found[base + docnum] = leaf.doc_field_length(docnum, field, 1)
            self._lengths[field] = found
        return found

    @staticmethod
    def _postings(
        reader: Any, field: str, term: str, values: bool = False
    ) -> tuple[Docs, list[Any], list[Any]]:
        ids: list[Any] = []
        weights: list[Any] = []
        encoded: list[Any] = []
        for leaf, base in reader.leaf_readers():
            try:
                matcher = leaf.postings(field, term)
            except TermNotFound:
                continue
            leaf_ids, leaf_weights, leaf_values = _read(matcher, values)
            ids.extend(base + i for i in leaf_ids)
            weights.extend(leaf_weights)
            encoded.extend(leaf_values)
        return np.array(ids, dtype=np.int64), weights, encoded

    def scores(self, searcher: Any, field: str, term: str) -> tuple[Docs, Vector]:
        """The documents holding ``term`` in ``field`` and their BM25F scores (unboosted)."""
        found = self._cache.get((field, term))
        if found is not None:
            return found
        reader = searcher.reader()
        ids, listed, _ = self._postings(reader, field, term)
        weights = np.array(listed, dtype=np.float64)
        if len(ids) and searcher.schema[field].scorable:
            scorer = self._weighting.scorer(searcher, field, term)
            lengths = self._length(reader, field)[ids]
            weights = bm25(scorer.idf, weights, lengths, scorer.avgfl, scorer.B, scorer.K1)
        self._cache[(field, term)] = (ids, weights)
        return ids, weights

    def lexicon(self, reader: Any, field: str) -> Lexicon:
        """The words of ``field``, read by the first search that needs them."""
        found = self._lexicons.get(field)
        if found is None:
            found = Lexicon(reader, field)
            self._lexicons[field] = found
        return found

    def best(self, searcher: Any, postings: Iterable[tuple[str, str, float]]) -> Vector:
        """Each document's best boosted score among the (field, term, boost) postings: a
        disjunction-max, written into one array (no array per posting list)."""
        out = np.zeros(self.size, dtype=np.float64)
        for field, term, boost in postings:
            ids, scores = self.scores(searcher, field, term)
            if len(ids):
                out[ids] = np.maximum(out[ids], scores * boost)
        return out

    def total(self, searcher: Any, postings: Iterable[tuple[str, str, float]]) -> Vector:
        """Each document's sum of the (field, term, boost) postings' boosted scores; a posting
        list given twice counts twice."""
        out = np.zeros(self.size, dtype=np.float64)
        for field, term, boost in postings:
            ids, scores = self.scores(searcher, field, term)
            out[ids] += scores * boost  # a document appears once in a posting list
        return out

    def in_order(self, searcher: Any, field: str, words: Sequence[str], docs: Docs) -> Docs:
        """Which of ``docs`` (each holding every word) hold ``words`` next to each other in this
        order: as Whoosh's phrase query with its default slop, run over just those documents.

        Whoosh's phrase matcher intersects the words' whole posting lists, decoding blocks of
        them: for a long question that took up to 12 ms to find the two or three documents this
        is given. The words' positions are read once and kept (``cache_positions``).
        """
        decode = searcher.schema[field].format.decoder("positions")
        found: dict[str, list[Any]] = {}
        for word in dict.fromkeys(words):
            key = (field, word)
            cached = self._positions.get(key)
            if cached is None:
                ids, _, encoded = self._postings(searcher.reader(), field, word, values=True)
                cached = self._positions[key] = ids, encoded
            ids, encoded = cached
            found[word] = [decode(encoded[i]) for i in np.searchsorted(ids, docs)]
        matched = []
        for number, docnum in enumerate(docs):
            # Where the phrase could start: word i at start + i, for every word.
            starts = set(found[words[0]][number])
            for offset, word in enumerate(words[1:], 1):
                starts &= {p - offset for p in found[word][number]}
            if starts:
                matched.append(docnum)
        return np.array(matched, dtype=np.int64)

    def mask(self, searcher: Any, field: str, value: str) -> npt.NDArray[np.bool_]:
        """The documents whose ``field`` holds ``value``."""
        out = np.zeros(self.size, dtype=bool)
        out[self.scores(searcher, field, value)[0]] = True
        return out


def best(vectors: Sequence[Vector]) -> Vector:
    """Score each document by its best vector (a correct disjunction-max)."""
    return vectors[0] if len(vectors) == 1 else np.maximum.reduce(vectors)


def at_least(vectors: Sequence[Vector], need: int) -> Vector:
    """The sum where at least ``need`` of ``vectors`` match, else 0."""
    if need > len(vectors):
        return np.zeros_like(vectors[0])
    if len(vectors) == 1:  # scores are never negative: the one vector is its own sum
        return vectors[0]
    matched = np.count_nonzero(np.stack(vectors), axis=0)
    return np.where(matched >= need, np.sum(vectors, axis=0), 0.0)


@dataclass(frozen=True)
class Ranked:
    """The matching documents, one per translation group, best first."""

    docnums: Docs  # the best winners, best first, as many as asked for
    scores: Vector  # their scores
    total: int  # how many winners there are in all
    matched: Docs  # every matching document (all languages), for counting


def rank(
    scores: Vector,
    allowed: npt.NDArray[np.bool_],
    group: Column,
    other_lang: npt.NDArray[np.bool_],
    top: int,
) -> Ranked:
    """Keep one document per translation group (the reader's language first, then the best
    score), and return the best ``top`` kept ones by score, ties by document number as Whoosh
    orders them."""
    matched = np.flatnonzero((scores > 0) & allowed)
    groups = group.codes[matched]
    # A document alone in its group among the matched ones wins outright: only the groups with
    # more than one (translations) are sorted to choose theirs.
    shared = np.bincount(groups, minlength=len(group.values))[groups] > 1
    winners = matched
    if shared.any():
        candidates, their_groups = matched[shared], groups[shared]
        # Within a group: the reader's language, then the score, then the document number (the
        # sort is stable and ``candidates`` ascending).
        order = np.lexsort((-scores[candidates], other_lang[candidates], their_groups))
        sorted_groups = their_groups[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = sorted_groups[1:] != sorted_groups[:-1]
        winners = np.sort(np.concatenate([matched[~shared], candidates[order][first]]))
    total = len(winners)
    winner_scores = scores[winners]
    if top < total:
        # Only the winners as good as the top-th best (its ties too) are sorted.
        bar = np.partition(winner_scores, total - top)[total - top]
        kept = winner_scores >= bar
        winners, winner_scores = winners[kept], winner_scores[kept]
    by_score = np.argsort(-winner_scores, kind="stable")[:top]
    return Ranked(winners[by_score], winner_scores[by_score], total, matched)


def count_groups(matched: Docs, column: Column, group: Column) -> dict[str, int]:
    """How many translation groups have a matching document of each value of ``column``."""
    if not len(matched):
        return {}
    # A (value, group) table of flags: no sort or hash, a few values times the groups.
    seen = np.zeros((len(column.values), len(group.values)), dtype=bool)
    seen[column.codes[matched], group.codes[matched]] = True
    counts = np.count_nonzero(seen, axis=1)
    return {column.values[code]: int(n) for code, n in enumerate(counts) if n}
