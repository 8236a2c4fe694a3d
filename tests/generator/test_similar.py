"""The near-duplicate check's prefix filter against comparing every pair (hypothesis; the
pair-by-pair loop is the benchmark's baseline, ``bench.near_duplicates``).

Few distinct words, so that sets overlap often and similarities fall on and around the threshold
(3 of 5 words is exactly 0.6); pairs passed over by the caller's rule are drawn at random.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.near_duplicates import every_pair
from generator.checks import NEAR_DUPLICATE
from generator.similar import first_similar

WORDS = st.sampled_from(["error", "e1042", "login", "fails", "sso", "登录", "失败", "更新", "錯誤"])


@settings(max_examples=400, deadline=None)
@given(
    sets=st.lists(st.frozensets(WORDS, max_size=7), max_size=14),
    threshold=st.sampled_from([NEAR_DUPLICATE, 0.5, 1 / 3, 0.75, 1.0, 0.1]),
    data=st.data(),
)
def test_the_same_first_similar_set_as_every_pair(
    sets: list[frozenset[str]], threshold: float, data: st.DataObject
) -> None:
    pairs = [(later, earlier) for later in range(len(sets)) for earlier in range(later)]
    skipped = set(data.draw(st.lists(st.sampled_from(pairs), unique=True))) if pairs else set()

    found = first_similar(sets, threshold, lambda later, earlier: (later, earlier) in skipped)

    assert found == every_pair(sets, threshold, lambda later, earlier: (later, earlier) in skipped)


def test_sets_on_the_threshold_are_found_and_below_it_are_not() -> None:
    sets = [
        frozenset({"a", "b", "c", "d"}),
        frozenset({"a", "b", "c", "e", "f"}),  # 3 of 6 with the first: 0.5
        frozenset({"a", "b", "c", "d", "g"}),  # 4 of 5 with the first: 0.8
        frozenset({"a", "b", "c", "x", "y"}),  # 3 of 6, 3 of 7, 3 of 7: below
        frozenset({"a", "b", "c", "e"}),  # 3 of 5 with the first: exactly 0.6
        frozenset(),
    ]

    found = first_similar(sets, NEAR_DUPLICATE, lambda later, earlier: False)

    assert found == {2: (0, 0.8), 4: (0, 0.6)}
    assert first_similar(sets, NEAR_DUPLICATE, lambda later, earlier: earlier == 0) == {4: (1, 0.8)}


def test_a_threshold_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="threshold: expected a share above 0, found 0"):
        first_similar([frozenset({"a"})], 0, lambda later, earlier: False)
