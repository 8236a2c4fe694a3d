"""Snippets: the query's words marked as a case-insensitive regular expression would mark them.

The highlighter finds words with an automaton over folded (lower-cased) text and looks for the
first one in ever longer beginnings of the text. The property below holds it to the plain
definition: the window starts 40 characters before the first word anywhere in the text, and in
the window every word is marked, leftmost first and then the longest, case-insensitively, as
``re`` marks an alternation of the words (longest first) with ``IGNORECASE``. Texts are long
enough (up to 1,600 characters) for words to straddle the beginnings searched (256, 1,024).
"""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kbcore.analysis import script_variants
from kbcore.snippets import Highlighter

# Words inside words ("bc" in "abcd"), so that a shorter word can start after a longer one and
# still end before it, as on the edge of a beginning searched.
WORDS = ["数据", "数据库", "据库", "ab", "abcd", "bc", "bca", "ii", "tidb", "錯誤"]
PIECES = [
    *WORDS,
    "资料",
    "库",
    "a",
    "b",
    "c",
    "A",
    "B",
    "İ",
    "I",
    "i",
    "TiDB",
    "错误",
    "<",
    "&",
    " ",
]


def marked_by_regex(words: set[str], text: str, width: int = 160) -> str:
    variants = {v for word in words for v in script_variants(word)}
    alternation = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    pattern = re.compile(alternation, re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - 40) if first else 0
    window = text[start : start + width]
    out, last = [], 0
    for match in pattern.finditer(window):
        out += [html.escape(window[last : match.start()]), f"<mark>{html.escape(match[0])}</mark>"]
        last = match.end()
    out.append(html.escape(window[last:]))
    return ("…" if start else "") + "".join(out) + ("…" if start + width < len(text) else "")


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    words=st.sets(st.sampled_from(WORDS), min_size=1),
    filler=st.integers(0, 1500),
    pieces=st.lists(st.sampled_from(PIECES), max_size=60),
)
def test_marks_as_a_case_insensitive_regular_expression(
    words: set[str], filler: int, pieces: list[str]
) -> None:
    # Filler first, so the first word falls anywhere, on the searched beginnings' edges too.
    text = "x" * filler + "".join(pieces)

    assert Highlighter("", words).snippet(text) == marked_by_regex(words, text)


def test_a_word_across_the_first_beginning_searched_is_found_whole() -> None:
    # The first 256 characters hold "bc" whole but only the start of "abcd", which comes first.
    text = "x" * 253 + "abcd and more"

    snippet = Highlighter("", {"abcd", "bc"}).snippet(text)

    assert snippet.startswith("…" + "x" * 40 + "<mark>abcd</mark>")


def test_traditional_and_upper_case_text_is_marked_as_written() -> None:
    snippet = Highlighter("tidb 数据库", {"数据库"}).snippet("TiDB 的數據庫 & <b>")

    assert snippet == "<mark>TiDB</mark> 的<mark>數據庫</mark> &amp; &lt;b&gt;"


def test_without_words_the_text_starts_the_snippet() -> None:
    assert Highlighter("", set()).snippet("a" * 200) == "a" * 160 + "…"
