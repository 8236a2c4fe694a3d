"""`kb check` (and `kb build`) parse only the articles whose text changed since the last check.

Each case runs `kb check` through the CLI with a data folder, and counts the articles parsed.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.article_cache import RACY_NS, ArticleCache
from generator.cli import cli
from generator.frontmatter import ParsedFile, parse_file
from generator.knowledge import load_knowledge_base
from generator.problems import Problems
from generator.session import BuildSession
from kbcore.config import load_settings
from tests.conftest import SAMPLE_KB

ARTICLE = "articles/deskmate/deskmate-offline-sync-409.md"


class Checker:
    """`kb check` over a copy of the sample, counting the articles it parses."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kb, self.data = root / "kb", root / "var"
        shutil.copytree(SAMPLE_KB, self.kb)
        self.parsed: list[str] = []

        def counting(path: Path, text: str, problems: Problems) -> ParsedFile | None:
            self.parsed.append(path.name)
            return parse_file(path, text, problems)

        monkeypatch.setattr("generator.knowledge.parse_file", counting)

    @property
    def cache(self) -> Path:
        return self.data / "build-cache" / "articles.pickle"

    def check(self, expect_exit: int = 0) -> str:
        self.parsed.clear()
        result = CliRunner().invoke(
            cli, ["check", "--kb", str(self.kb)], env={"KB_DATA_DIR": str(self.data)}
        )
        assert result.exit_code == expect_exit, result.output
        return result.output

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.kb / relative
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Checker:
    return Checker(tmp_path, monkeypatch)


def test_only_the_changed_article_is_parsed_again(checker: Checker) -> None:
    first = checker.check()
    articles = len(list((checker.kb / "articles").rglob("*.md")))
    assert len(checker.parsed) == articles
    assert checker.check() == first and checker.parsed == []
    checker.edit(ARTICLE, "title: ", "title: 改过的 ")
    assert checker.check() == first
    assert checker.parsed == ["deskmate-offline-sync-409.md"]
    assert checker.check() == first and checker.parsed == []


def test_a_problem_in_a_cached_article_is_found(checker: Checker) -> None:
    """The checks of an article run on every check; only its parsing is kept."""
    checker.check()
    checker.edit(ARTICLE, "category: ", "category: no-such-")
    output = checker.check(expect_exit=1)
    assert "deskmate-offline-sync-409.md:" in output and "category: expected one of" in output
    checker.edit(ARTICLE, "category: no-such-", "category: ")
    checker.check()
    checker.edit(ARTICLE, "\n## ", "\n<script>alert(1)</script>\n\n## ")
    for _ in range(2):  # parsed, then from the cache: the body's unsafe HTML both times
        output = checker.check(expect_exit=1)
        assert "expected Markdown or inert HTML (no scripts), found a <script> element" in output
    assert checker.parsed == []


def test_an_article_with_a_problem_of_its_own_is_parsed_every_time(checker: Checker) -> None:
    """A problem found while loading is not kept with the article: it is found again."""
    checker.check()
    checker.edit(ARTICLE, "\ntitle: ", "\nowner: twice\ntitle: ")  # owner comes later too
    for _ in range(2):
        output = checker.check(expect_exit=1)
        assert "expected each key once, found a second 'owner'" in output
        assert checker.parsed == ["deskmate-offline-sync-409.md"]


def test_a_full_build_parses_every_article(checker: Checker) -> None:
    def build(*extra: str) -> None:
        checker.parsed.clear()
        site = ("--site-dir", str(checker.data / "site"))
        result = CliRunner().invoke(
            cli, ["build", *extra, "--kb", str(checker.kb), *site, "--data-dir", str(checker.data)]
        )
        assert result.exit_code == 0, result.output

    checker.check()
    build("--full")
    assert len(checker.parsed) == len(list((checker.kb / "articles").rglob("*.md")))
    build()
    assert checker.parsed == []


def test_an_unreadable_or_foreign_cache_is_ignored(checker: Checker) -> None:
    first = checker.check()
    articles = len(checker.parsed)
    checker.cache.write_bytes(b"not a pickle")
    assert checker.check() == first and len(checker.parsed) == articles
    data = pickle.loads(checker.cache.read_bytes())  # written again, whole
    data["key"] = "another version"
    checker.cache.write_bytes(pickle.dumps(data))
    assert checker.check() == first and len(checker.parsed) == articles
    assert checker.check() == first and checker.parsed == []


def test_a_renamed_article_is_parsed_under_its_new_name(checker: Checker) -> None:
    first = checker.check()
    old = checker.kb / ARTICLE
    new = old.with_name("deskmate-offline-sync-409-renamed.md")
    old.rename(new)
    output = checker.check(expect_exit=1)
    assert checker.parsed == [new.name]
    assert f"{new.name}:2: id: expected the file to be named" in output
    # Two articles link to it by its file name: the links are checked against the new one.
    assert output.count("expected an existing article or file") == 2
    assert "expected an existing article or file" not in first


def test_a_file_its_size_inode_and_times_vouch_for_is_not_read(
    checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    read_text = Path.read_text

    def counting(path: Path, *args: Any, **kwargs: Any) -> str:
        if path.suffix == ".md":
            read.append(path.name)
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting)
    # Files just copied are not vouched for until they are RACY_NS older than their reading.
    monkeypatch.setattr("generator.article_cache.RACY_NS", 0)
    first = checker.check()
    assert checker.check() == first and checker.parsed == []
    read.clear()
    assert checker.check() == first and read == []
    checker.edit(ARTICLE, "title: ", "title: 改过的 ")
    read.clear()
    assert checker.check() == first
    assert read == ["deskmate-offline-sync-409.md"]
    assert checker.parsed == ["deskmate-offline-sync-409.md"]


def test_a_rewrite_that_keeps_the_size_and_time_is_seen(checker: Checker) -> None:
    """Setting the time back after a write sets the change time to now."""
    checker.check()
    path = checker.kb / ARTICLE
    stat = path.stat()
    checker.edit(ARTICLE, "category: data-sync", "category: data-sunk")  # the same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    output = checker.check(expect_exit=1)
    assert "category: expected one of" in output and "'data-sunk'" in output


def test_a_recently_changed_file_is_read_even_if_its_stat_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writes within one tick of the file system's clock leave the same stat: a file
    changed less than RACY_NS before it was read is read again, one changed earlier is not."""
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    article = kb.articles[0]
    now = time.time_ns()
    for changed, vouched in ((now, False), (now - RACY_NS - 1_000_000, True)):
        stat = (1, 2, changed, changed)
        monkeypatch.setattr("generator.article_cache.stat_of", lambda _, same=stat: same)
        cache = ArticleCache(tmp_path / "cache")
        cache.put(article, stat)
        cache.settle()
        assert (cache.unchanged(article.path) is article) is vouched


def test_a_session_keeps_the_cache_the_next_command_reads(checker: Checker) -> None:
    """`kb serve --watch` checks in one process; what it checked, the next `kb check` reuses."""
    settings = load_settings({"kb_dir": checker.kb, "data_dir": checker.data}, environ={})
    session = BuildSession(settings)
    assert not session.check().problems.errors
    checker.edit(ARTICLE, "title: ", "title: 会话改过的 ")
    assert not session.check().problems.errors
    session.save()
    checker.check()
    assert checker.parsed == []


def test_the_file_is_written_again_once_one_article_in_a_hundred_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing 10,000 articles takes longer than parsing the few the file lacks: a change to 2
    of 250 articles is left to the next load, a change to 3 is written."""
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    articles = [replace(kb.articles[0], path=tmp_path / f"a{n}.md") for n in range(250)]
    monkeypatch.setattr("generator.article_cache.stat_of", lambda path: (1, 2, 3, 4))
    file = tmp_path / "cache" / "articles.pickle"

    def load(changed: int) -> ArticleCache:
        """A load that finds the first ``changed`` articles changed, and the others not."""
        cache = ArticleCache(file.parent)
        for n, article in enumerate(articles):
            if n < changed or cache.unchanged(article.path) is None:
                cache.put(article, (1, 2, 3, 4))  # parsed (again)
        cache.settle()
        cache.save()
        return cache

    def written() -> tuple[int, int, int]:
        found = file.stat()
        kept = pickle.loads(file.read_bytes())["articles"]
        return found.st_ino, found.st_mtime_ns, len(kept)

    assert load(0).stale == 0  # the first load: all 250 parsed, and written
    first = written()
    assert first[2] == 250
    assert load(2).stale == 2
    assert written() == first  # not written
    assert load(3).stale == 0
    assert written() != first


@pytest.mark.parametrize("enabled", [True, False])
def test_the_file_is_read_without_the_garbage_collector(
    checker: Checker, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    """Unpickling many objects, the collector would walk the growing heap again and again: it
    is paused, then the articles read are left out of its sight (frozen), and it runs as before.
    """
    checker.check()
    collecting: list[bool] = []

    def load(file: Any) -> Any:
        collecting.append(gc.isenabled())
        return pickle.loads(file.read())

    monkeypatch.setattr(pickle, "load", load)
    gc.unfreeze()
    if not enabled:
        gc.disable()
    try:
        cache = ArticleCache(checker.cache.parent)
        assert collecting == [False]
        assert gc.isenabled() == enabled
        assert gc.get_freeze_count() >= 3 * len(cache.known)  # each article, its meta, its lines
    finally:
        gc.unfreeze()
        gc.enable()
