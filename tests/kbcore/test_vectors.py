"""The heading phrase, computed over the few documents holding every word, against Whoosh's own
phrase query on the whole index (hypothesis): the same documents, the same scores.

The index has several segments and deleted documents, and words repeat within headings and
within queries, so positions, document numbers and scores all have their awkward cases.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields, index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.query import Phrase

from kbcore.search import HEADING_PHRASE_WEIGHT, _Scoring
from kbcore.vectors import Postings

WORDS = ["log", "in", "fails", "after", "update", "error", "code", "e1042"]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    schema = fields.Schema(
        key=fields.ID(stored=True, unique=True),
        headings=fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True),
    )
    folder = Path(tmp_path_factory.mktemp("phrase-index"))
    ix = index.create_in(folder, schema)
    draw = random.Random(7)
    for segment in range(3):  # three commits: three segments
        writer = ix.writer()
        for number in range(150):
            words = draw.choices(WORDS, k=draw.randint(1, 12))
            writer.add_document(key=f"{segment}-{number}", headings=" ".join(words))
        writer.commit(merge=False)
    writer = ix.writer()
    for number in range(0, 150, 7):  # deletions in the first segment
        writer.delete_by_term("key", f"0-{number}")
    writer.commit(merge=False)
    with ix.searcher() as opened:
        assert len(opened.reader().leaf_readers()) == 3 and opened.reader().has_deletions()
        yield opened


def whoosh_phrase(searcher: Any, words: list[str]) -> dict[int, float]:
    matcher = Phrase("headings", words, slop=1, boost=HEADING_PHRASE_WEIGHT).matcher(searcher)
    found = {}
    while matcher.is_active():
        found[matcher.id()] = matcher.score()
        matcher.next()
    return found


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=st.lists(st.sampled_from(WORDS), min_size=2, max_size=6))
def test_heading_phrase_matches_and_scores_as_whoosh_does(searcher: Any, words: list[str]) -> None:
    postings = Postings(searcher.reader(), columns=(), cache_postings=10_000, cache_positions=500)
    scores = _Scoring(postings, searcher).heading_phrase(words)
    expected = whoosh_phrase(searcher, words)
    assert sorted(np.flatnonzero(scores).tolist()) == sorted(expected)
    for docnum, score in expected.items():
        assert scores[docnum] == pytest.approx(score, rel=1e-9)
