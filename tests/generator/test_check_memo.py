"""`kb check` (and `kb build`) take the last check's near-duplicate warnings while the front
matter, the title lines, the products, the synonyms and the code are the same.

Each case runs `kb check` through the CLI with a data folder, on a copy of the sample with one
article copied under another id (a near duplicate, after it in path order), and counts the
checks that compared the articles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import checks
from generator.check import run_checks
from tests.generator.test_article_cache import ARTICLE
from tests.generator.test_article_cache import Checker as ParsingChecker

TWIN = "articles/deskmate/deskmate-zz-memo-twin.md"


class Checker(ParsingChecker):
    """`kb check` over a copy of the sample with a near duplicate, counting the comparisons."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(root, monkeypatch)
        original = (self.kb / ARTICLE).read_text("utf-8")
        twin = original.replace("id: deskmate-offline-sync-409", "id: deskmate-zz-memo-twin")
        (self.kb / TWIN).write_text(twin, encoding="utf-8")
        self.compared = 0
        shelves = checks.word_shelves

        def comparing(*args: Any) -> Any:
            self.compared += 1
            return shelves(*args)

        monkeypatch.setattr(checks, "word_shelves", comparing)

    def warnings(self) -> list[str]:
        """Run `kb check`; return its near-duplicate warnings."""
        return [line for line in self.check().splitlines() if "words in common" in line]

    def fresh(self) -> list[str]:
        """The near-duplicate warnings of a check without the build cache."""
        compared = self.compared
        found = run_checks(self.kb)
        self.compared = compared
        return [str(p) for p in found.problems.sorted() if "words in common" in p.found]


@pytest.fixture
def checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Checker:
    return Checker(tmp_path, monkeypatch)


def test_a_body_edit_takes_the_last_warnings_and_a_title_edit_compares_again(
    checker: Checker,
) -> None:
    first = checker.warnings()
    assert checker.compared == 1
    assert any(f"{TWIN}:3: title:" in w and "100% of its words" in w for w in first)
    assert first == checker.fresh()

    checker.edit(TWIN, "\n## ", "\n只改正文。\n\n## ")
    assert checker.warnings() == first
    assert checker.compared == 1  # taken from the build cache

    checker.edit(TWIN, "\ntitle: ", "\ntitle: 另一个问题：")
    changed = checker.warnings()
    assert checker.compared == 2
    assert changed == checker.fresh() and changed != first


def test_a_moved_title_line_is_reported_where_it_now_is(checker: Checker) -> None:
    checker.warnings()
    checker.edit(TWIN, "\ntitle: ", "\n# 标题前的一行注释\ntitle: ")
    found = checker.warnings()
    assert checker.compared == 2
    assert any(f"{TWIN}:4: title:" in w for w in found)
    assert found == checker.fresh()


def test_new_synonyms_compare_again(checker: Checker) -> None:
    """The analysis' words change which words two articles share."""
    first = checker.warnings()
    synonyms = checker.kb / "synonyms.yml"
    synonyms.write_text(
        synonyms.read_text("utf-8") + "\n- [离线同步, 断网同步]\n", encoding="utf-8"
    )
    assert checker.warnings() == first == checker.fresh()
    assert checker.compared == 2


def test_an_unreadable_memo_is_ignored_and_written_again(checker: Checker) -> None:
    first = checker.warnings()
    memo = checker.data / "build-cache" / "near-duplicates.json"
    memo.write_text('{"key": "torn', encoding="utf-8")
    assert checker.warnings() == first
    assert checker.compared == 2
    assert json.loads(memo.read_text("utf-8"))["found"]
    assert checker.warnings() == first
    assert checker.compared == 2
