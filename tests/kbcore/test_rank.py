"""Ranking: one document per translation group, the best ``top`` of them in order (hypothesis).

``rank`` sorts only the groups with more than one matching document and only the winners as
good as the top-th; the property holds it to sorting everything: every matching document by
group, the reader's language, score and document number, the first of each group kept, all of
them ordered by score (ties by document number). Few distinct scores and groups, so that ties
and shared groups are common.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from kbcore.vectors import Column, Ranked, rank


def rank_by_sorting_everything(
    scores: npt.NDArray[np.float64],
    allowed: npt.NDArray[np.bool_],
    group: Column,
    other_lang: npt.NDArray[np.bool_],
) -> tuple[list[int], list[float]]:
    matched = np.flatnonzero((scores > 0) & allowed)
    order = np.lexsort((-scores[matched], other_lang[matched], group.codes[matched]))
    winners: dict[int, int] = {}
    for docnum in matched[order]:
        winners.setdefault(int(group.codes[docnum]), int(docnum))
    ordered = sorted(winners.values(), key=lambda docnum: (-scores[docnum], docnum))
    return ordered, [float(scores[docnum]) for docnum in ordered]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.25]),  # score (0: not matched)
            st.booleans(),  # allowed by the filters
            st.integers(0, 6),  # translation group
            st.booleans(),  # in another language than the reader's
        ),
        min_size=1,
        max_size=40,
    ),
    top=st.integers(1, 45),
)
def test_the_same_winners_in_the_same_order_as_sorting_everything(
    rows: list[tuple[float, bool, int, bool]], top: int
) -> None:
    scores = np.array([row[0] for row in rows])
    allowed = np.array([row[1] for row in rows])
    codes = np.array([row[2] for row in rows])
    group = Column(codes=codes, values=[f"g{n}" for n in range(7)])
    other_lang = np.array([row[3] for row in rows])

    ranked = rank(scores, allowed, group, other_lang, top)

    docnums, best = rank_by_sorting_everything(scores, allowed, group, other_lang)
    assert (ranked.docnums.tolist(), ranked.scores.tolist()) == (docnums[:top], best[:top])
    assert ranked.total == len(docnums)
    assert ranked.matched.tolist() == np.flatnonzero((scores > 0) & allowed).tolist()


def test_the_reader_s_language_wins_its_group_over_a_better_translation() -> None:
    group = Column(codes=np.array([0, 0, 1]), values=["g0", "g1"])

    ranked: Ranked = rank(
        np.array([2.0, 1.0, 1.5]), np.ones(3, dtype=bool), group, np.array([True, False, False]), 10
    )

    assert ranked.docnums.tolist() == [2, 1]
    assert ranked.total == 2
