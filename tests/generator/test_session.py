"""A build session (`kb serve --watch`'s) keeps what did not change, and builds as `--full` does.

Each case builds a copy of the sample with one :class:`BuildSession`, edits it as a writer would,
builds again with the same session, and compares the site with `kb build --full` of the same
knowledge base into other folders (:func:`tests.generator.test_incremental.assert_same_site`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import checks, pages
from generator.check import run_checks
from generator.knowledge import KnowledgeBase
from generator.session import BuildSession
from kbcore.config import load_settings
from tests.conftest import MKDOCS_YML
from tests.generator.test_incremental import ARTICLE, Kb, assert_same_site

TRANSLATED = "deskmate-login-proxy-timeout"  # has English and Traditional Chinese translations


class Session:
    """One session over a copy of the sample, counting the plans made from front matter."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kb = Kb(root)
        settings = load_settings(
            {
                "kb_dir": root / "kb",
                "site_dir": root / "site",
                "data_dir": root / "var",
                "mkdocs_config": MKDOCS_YML,
            },
            environ={},
        )
        self.session = BuildSession(settings)
        self.listings = 0  # the session's plans that made their front-matter parts
        listings = pages.PlanMemo.listings

        def counting(
            memo: pages.PlanMemo, kb: Any, audience: Any, shown: Any, make: Callable[[], Any]
        ) -> Any:
            def counted() -> Any:
                self.listings += memo is self.session.plans  # not a command's (the --full build)
                return make()

            return listings(memo, kb, audience, shown, counted)

        monkeypatch.setattr(pages.PlanMemo, "listings", counting)
        self.compared = 0  # the session's checks that compared the articles for near-duplicates
        shelves = checks.word_shelves

        def comparing(*args: Any) -> Any:
            self.compared += 1
            return shelves(*args)

        monkeypatch.setattr(checks, "word_shelves", comparing)
        self.warnings: list[str] = []

    def build(self) -> tuple[KnowledgeBase, int, int]:
        """Check and build; return the knowledge base, the pages rendered and articles indexed."""
        result = self.session.check()
        assert not result.problems.errors, result.problems.errors
        self.warnings = [str(p) for p in result.problems.sorted()]
        assert result.kb is not None
        built = self.session.build(result.kb)
        self.session.save()
        return result.kb, built.rendered, built.indexed


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Session:
    return Session(tmp_path, monkeypatch)


def test_a_body_edit_is_built_without_planning_the_listings_again(session: Session) -> None:
    session.build()
    assert session.listings == 1
    session.kb.edit("\n## ", "\n会话里改了正文 kbsessionword。\n\n## ")
    _, rendered, indexed = session.build()
    assert (rendered, indexed) == (1, 1)
    assert session.listings == 1  # the front matter is the same: its parts were kept
    assert session.kb.search("kbsessionword") == [ARTICLE]
    assert_same_site(session.kb)


def test_an_edit_of_a_translated_article_keeps_its_translations(session: Session) -> None:
    """The kept translations and related articles are the last build's objects: an edited
    article (a new object) is still told apart from its translations."""
    session.build()
    path = session.kb.root / "kb" / "articles" / "deskmate" / f"{TRANSLATED}.md"
    session.kb.edit("\n## ", "\n代理超时先检查 PAC 文件。\n\n## ", path)
    session.build()
    assert session.listings == 1
    assert_same_site(session.kb)


def test_a_front_matter_edit_plans_the_listings_again(session: Session) -> None:
    session.build()
    session.kb.edit("title: ", "title: 会话新标题 ")
    _, rendered, _ = session.build()
    assert session.listings == 2 and rendered > 1  # the pages that list or relate the title
    assert_same_site(session.kb)
    session.kb.edit("\n## ", "\n再改正文。\n\n## ")  # then a body edit uses the new parts
    session.build()
    assert session.listings == 2
    assert_same_site(session.kb)


def test_a_new_and_a_removed_article_plan_the_listings_again(session: Session) -> None:
    session.build()
    copy = session.kb.article.with_name("deskmate-session-copy.md")
    text = session.kb.article.read_text("utf-8")
    copy.write_text(
        text.replace(f"id: {ARTICLE}", "id: deskmate-session-copy")
        .replace("title: ", "title: 会话副本 ")
        .replace("summary: ", "summary: 副本 "),
        encoding="utf-8",
    )
    kb, _, _ = session.build()
    assert "deskmate-session-copy" in {a.id for a in kb.articles}
    assert session.listings == 2
    assert_same_site(session.kb)
    copy.unlink()
    kb, _, _ = session.build()
    assert "deskmate-session-copy" not in {a.id for a in kb.articles}
    assert session.listings == 3
    assert_same_site(session.kb)


def test_near_duplicate_warnings_are_kept_while_the_front_matter_is(session: Session) -> None:
    copy = session.kb.article.with_name("deskmate-session-twin.md")
    copy.write_text(
        session.kb.article.read_text("utf-8").replace(
            f"id: {ARTICLE}", "id: deskmate-session-twin"
        ),
        encoding="utf-8",
    )
    session.build()
    assert session.compared == 1
    twin = [w for w in session.warnings if "deskmate-session-twin.md:3: title:" in w]
    assert twin and "100% of its words in common with" in twin[0]

    def fresh() -> list[str]:
        compared = session.compared
        found = run_checks(session.kb.root / "kb")  # no session: every pair compared
        session.compared = compared
        return [str(p) for p in found.problems.sorted()]

    session.kb.edit("\n## ", "\n只改正文。\n\n## ")
    session.build()
    assert session.compared == 1  # kept
    assert session.warnings == fresh()
    session.kb.edit("\n## ", "\n只改正文。\n\n## ", copy)
    text = copy.read_text("utf-8")
    copy.write_text(text.replace("\ntitle: ", "\n# 标题前的一行注释\ntitle: ", 1), encoding="utf-8")
    session.build()  # the title's line moved: the warning says so
    assert session.compared == 2
    assert session.warnings == fresh()
    assert any("deskmate-session-twin.md:4: title:" in w for w in session.warnings)
