"""Find, for each set of words, the first earlier set that shares most of its words.

The near-duplicate check compares every article with every earlier one of its product and
language. Done pair by pair that is quadratic: 5,000 articles of one product make 12.5 million
comparisons. A prefix filter finds the same pairs from far fewer candidates: order every word
from the rarest to the commonest; two sets whose Jaccard similarity reaches ``t`` share at least
``ceil(t * n)`` of a set's ``n`` words, so each set's first ``n - ceil(t * n) + 1`` words (its
prefix) hold at least one of the other set's prefix words. Only the earlier sets that share a
prefix word are compared, exactly.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Sequence, Set
from fractions import Fraction
from itertools import chain

__all__ = ["first_similar", "jaccard"]


def jaccard(one: Set[str], other: Set[str]) -> float:
    """The words two sets share, over all their words (0 for two empty sets)."""
    return len(one & other) / max(1, len(one | other))


def _prefix_length(size: int, threshold: Fraction) -> int:
    """How many of a set's rarest words must include one of any similar set's prefix words."""
    return size - math.ceil(threshold * size) + 1


def first_similar(
    sets: Sequence[Set[str]], threshold: float, skip: Callable[[int, int], bool]
) -> dict[int, tuple[int, float]]:
    """For each set (by position), the first earlier one at least ``threshold`` similar.

    Similar: shared words over all words of the two (Jaccard), at least ``threshold`` (above 0).
    A pair for which ``skip(later, earlier)`` is true is passed over. The answer maps the later
    set's position to the earlier one's and their similarity; a set with no such earlier set is
    left out. The same as comparing each set with every earlier one, in order, and stopping at
    the first similar one.
    """
    # Fraction(float) is the float's exact value: the prefixes are never shorter than the
    # similarity test `shared / union >= threshold` on floats needs.
    exact = Fraction(threshold)
    if exact <= 0:
        raise ValueError(f"threshold: expected a share above 0, found {threshold}")
    frequency = Counter(chain.from_iterable(sets))
    rank = {word: n for n, word in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))}
    lengths = {size: _prefix_length(size, exact) for size in {len(words) for words in sets}}
    found: dict[int, tuple[int, float]] = {}
    holders: dict[str, list[int]] = {}  # a prefix word → the earlier sets it begins
    for later, words in enumerate(sets):
        prefix = sorted(words, key=rank.__getitem__)[: lengths[len(words)]]
        # The earlier sets that begin with one of these words, in order, each once: merged
        # lazily, as the first of them is often the one (a copy of an earlier article).
        last = -1
        for earlier in heapq.merge(*(holders[word] for word in prefix if word in holders)):
            if earlier == last:
                continue
            last = earlier
            if skip(later, earlier):
                continue
            shared = jaccard(words, sets[earlier])
            if shared >= threshold:
                found[later] = (earlier, shared)
                break
        for word in prefix:
            holders.setdefault(word, []).append(later)
    return found
