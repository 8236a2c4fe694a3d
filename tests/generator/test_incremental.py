"""`kb build` after a change: only what changed is rendered and indexed, and nothing else differs.

Each case builds a copy of the sample through the CLI, changes it as a writer would, builds again,
and compares the result with a build from nothing (``--full``, into other folders).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from generator import incremental, pages
from generator.article_page import ArticleRenderer
from generator.build import build_site
from generator.cli import cli
from generator.errors import BuildError
from generator.knowledge import Article, load_knowledge_base
from generator.problems import Problems
from kbcore.index import IndexMeta, check_files, current_name, index_root, read_meta
from tests.conftest import MKDOCS_YML, SAMPLE_KB

ARTICLE = "deskmate-offline-sync-409"
SUMMARY = re.compile(r"\((\d+) pages, (\d+) rendered, (\d+) indexed\)")


class Kb:
    """A copy of the sample with its own site and data folders."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(SAMPLE_KB, root / "kb")

    @property
    def article(self) -> Path:
        return self.root / "kb" / "articles" / "deskmate" / f"{ARTICLE}.md"

    def build(self, *extra: str, site: str = "site", data: str = "var") -> tuple[int, int, int]:
        """Run `kb build`; return (pages, rendered, indexed) from its summary."""
        result = CliRunner().invoke(
            cli,
            [
                *("build", "--kb", str(self.root / "kb")),
                *("--site-dir", str(self.root / site), "--data-dir", str(self.root / data)),
                *extra,
            ],
            env={"KB_MKDOCS_CONFIG": str(MKDOCS_YML)},
        )
        assert result.exit_code == 0, result.output
        found = SUMMARY.search(result.output)
        assert found, result.output
        pages, rendered, indexed = map(int, found.groups())
        return pages, rendered, indexed

    def search(self, query: str, data: str = "var") -> list[str]:
        result = CliRunner().invoke(
            cli,
            ["search", "--json", "--internal", query],
            env={
                "KB_DATA_DIR": str(self.root / data),
                "KB_KB_DIR": str(self.root / "kb"),
            },
        )
        assert result.exit_code == 0, result.output
        return [hit["id"] for hit in json.loads(result.output)["results"]]

    def edit(self, old: str, new: str, path: Path | None = None) -> None:
        path = path or self.article
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path) -> Kb:
    return Kb(tmp_path)


def files_of(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def assert_same_site(kb: Kb) -> None:
    """The incrementally built site is byte for byte a full build of the same knowledge base."""
    kb.build("--full", site="full-site", data="full-var")
    ours, full = files_of(kb.root / "site"), files_of(kb.root / "full-site")
    assert sorted(ours) == sorted(full)
    for name, data in full.items():
        assert ours[name] == data, name


def test_an_edit_renders_its_pages_and_indexes_one_article(kb: Kb) -> None:
    pages, rendered, indexed = kb.build()
    assert rendered == pages and indexed > 50  # nothing to reuse the first time

    kb.edit("\n## ", "\n同步冲突时先导出本地草稿 kbincrementalword。\n\n## ")
    pages_after, rendered, indexed = kb.build()
    assert pages_after == pages
    # The article, and only the pages that show its words: none here, since titles, tags and
    # summaries are unchanged.
    assert (rendered, indexed) == (1, 1)
    assert kb.search("kbincrementalword") == [ARTICLE]
    assert_same_site(kb)

    assert kb.build()[1:] == (0, 0)  # nothing changed


def test_a_new_title_renders_every_page_that_lists_the_article(
    kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.build()
    made: list[str] = []
    markdown = ArticleRenderer._markdown

    def counting(self: ArticleRenderer, src: str, article: Article, *rest: list[Article]) -> str:
        made.append(article.id)
        return markdown(self, src, article, *rest)

    monkeypatch.setattr(ArticleRenderer, "_markdown", counting)
    kb.edit("title: ", "title: 离线同步新标题 ")
    _, rendered, indexed = kb.build()
    assert 1 < rendered < 20 and indexed == 1
    # Only the article pages that show the title were made again: its own, and those that list
    # it among their related articles (the listing pages are made every time).
    related = [
        path.parent.name
        for path in (kb.root / "site" / "articles").glob("*/index.html")
        if "离线同步新标题" in path.read_text("utf-8").partition('class="kb-related"')[2]
    ]
    assert related and sorted(made) == sorted([ARTICLE, *related])
    page = (kb.root / "site" / "articles" / ARTICLE / "index.html").read_text("utf-8")
    assert "离线同步新标题" in page
    assert kb.search("离线同步新标题")[0] == ARTICLE
    assert_same_site(kb)


def test_a_removed_article_leaves_the_site_the_index_and_the_offline_index(kb: Kb) -> None:
    kb.build()
    assert (kb.root / "site" / "articles" / ARTICLE).is_dir()
    for linking in (kb.root / "kb" / "articles").rglob("*.md"):  # links to it would be errors
        text = linking.read_text("utf-8")
        linking.write_text(
            re.sub(rf"\[([^\]]*)\]\([^)]*{ARTICLE}\.md\)", r"\1", text), encoding="utf-8"
        )
    kb.article.unlink()
    kb.build()
    assert not (kb.root / "site" / "articles" / ARTICLE).exists()
    assert ARTICLE not in kb.search("离线 同步 409")
    offline = (kb.root / "site" / "search" / "search_index.json").read_text("utf-8")
    assert f"articles/{ARTICLE}/" not in offline
    assert_same_site(kb)


def test_new_words_or_settings_rebuild_everything(kb: Kb) -> None:
    pages, _, _ = kb.build()
    kb.edit(
        "keywords: [", "keywords: [离线补传卡死, "
    )  # a new word for the analysis of every article
    _, rendered, indexed = kb.build()
    assert indexed > 50
    site_yml = kb.root / "kb" / "site.yml"
    site_yml.write_text(site_yml.read_text("utf-8") + "\n# a comment\n", encoding="utf-8")
    assert kb.build()[1] == pages  # the settings of every page
    assert kb.build("--full")[1:] == (pages, indexed)
    assert_same_site(kb)


def test_the_live_site_is_never_written_through(kb: Kb) -> None:
    """Changed pages replace the live ones as new files: no file of the live site is written."""
    kb.build()
    keep = kb.root / "kept"
    before = {}
    for path in (kb.root / "site").rglob("*"):
        if path.is_file():
            name = path.relative_to(kb.root / "site").as_posix()
            (keep / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, keep / name)  # the same inode: sees any write through
            before[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    kb.edit("title: ", "title: 硬链接 ")
    pages, rendered, _ = kb.build()
    assert 0 < rendered < pages
    replaced = set()
    for name, digest in before.items():
        assert hashlib.sha256((keep / name).read_bytes()).hexdigest() == digest, name
        if not (kb.root / "site" / name).samefile(keep / name):
            replaced.add(name)
    # Only what the edit changed was written: its page, the pages listing it, the search
    # index, the pages every build renders; the theme's files and other pages stay as they were.
    assert f"articles/{ARTICLE}/index.html" in replaced
    assert "search/search_index.json" in replaced
    assert len([name for name in replaced if name.endswith(".html")]) <= rendered + 1  # 404
    assert not any(name.startswith("assets/") for name in replaced)


def test_the_updated_index_records_true_digests(kb: Kb) -> None:
    _, _, articles = kb.build()
    kb.edit("\n## ", "\n新的一段。\n\n## ")
    kb.build()
    root = index_root(kb.root / "var")
    generation = root / str(current_name(root))
    meta = read_meta(generation)
    check_files(generation, meta)  # sizes, then the SHA-256 of every file: raises on a mismatch
    assert meta.documents == articles  # the edited article replaced, not added
    assert kb.search("新的一段")[0] == ARTICLE


def test_an_article_edited_again_and_again_leaves_no_segment_behind(kb: Kb) -> None:
    """Each update adds a segment; those whose every document was indexed again since are
    dropped, not merged, and the index holds each article once."""
    _, _, articles = kb.build()
    for edit in range(6):
        kb.edit("\n## ", f"\n第{edit}次修改 kbsegment{edit}。\n\n## ")
        assert kb.build()[2] == 1
        root = index_root(kb.root / "var")
        index = whoosh_index.open_dir(str(root / str(current_name(root))))
        with index.reader() as reader:
            sizes = sorted(leaf.doc_count_all() for leaf, _ in reader.leaf_readers())
            assert reader.doc_count() == articles
        assert sizes == [1, articles]  # the first edit's deletion is kept in the large one
    assert kb.search("kbsegment5") == [ARTICLE]
    assert kb.search("kbsegment4") == [ARTICLE]  # the earlier text is still in the body


def current_meta(data_dir: Path) -> IndexMeta:
    root = index_root(data_dir)
    return read_meta(root / str(current_name(root)))


def test_the_updated_index_offers_the_completions_of_a_full_build(kb: Kb) -> None:
    """An update takes the unchanged texts' normalized forms from the index it starts from."""
    kb.build()
    kb.edit("title: ", "title: 離線同步的新標題 ")
    assert kb.build()[2] == 1  # the index was updated, not written anew
    kb.build("--full", site="full-site", data="full-var")

    updated, full = current_meta(kb.root / "var"), current_meta(kb.root / "full-var")
    assert updated.suggestions == full.suggestions
    assert any(s.norm.startswith("离线同步的新标题") for s in updated.suggestions)


def test_a_failed_build_keeps_the_site_and_the_next_one_is_right(
    kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.build()
    live = files_of(kb.root / "site")
    kb.edit("title: ", "title: 失败之后 ")
    loaded = load_knowledge_base(kb.root / "kb", Problems())
    assert loaded is not None

    def broken(*args: object, **kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental, "update_generation", broken)
    with pytest.raises(BuildError, match="No space left on device"):
        build_site(
            loaded,
            config_file=MKDOCS_YML,
            site_dir=kb.root / "site",
            data_dir=kb.root / "var",
        )
    monkeypatch.undo()
    assert files_of(kb.root / "site") == live
    pages, rendered, indexed = kb.build()
    assert rendered == pages and indexed == 1  # the staged pages were not trusted, the index was
    assert kb.search("失败之后")[0] == ARTICLE
    assert_same_site(kb)


def test_both_portals_share_one_index(kb: Kb) -> None:
    kb.build()
    pages, rendered, indexed = kb.build("--audience", "internal", site="site-internal")
    assert rendered == pages  # its own site, staged apart from the public one
    assert indexed == 0  # the public build indexed every article, internal ones too
    assert kb.build()[1:] == (0, 0)  # and the public site's cache is still good


def test_the_check_reuses_its_analysis_only_under_the_same_words(kb: Kb) -> None:
    """The near-duplicate check keeps each title's and summary's words in the build cache."""

    def check() -> str:
        result = CliRunner().invoke(
            cli,
            ["check", "--kb", str(kb.root / "kb")],
            env={"KB_DATA_DIR": str(kb.root / "var")},
        )
        assert result.exit_code == 0, result.output
        return result.output

    assert "in common with" not in check()
    cache = kb.root / "var" / "build-cache" / "check-terms.json"
    data = json.loads(cache.read_text("utf-8"))
    assert len(data["terms"]) > 50
    # Give every text of the cache the same words: read back, they make every pair a duplicate.
    data["terms"] = {text: ["same"] for text in data["terms"]}
    cache.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    # The last check's warnings are kept too (generator.check_memo): without them, it compares.
    (cache.parent / "near-duplicates.json").unlink()
    assert "in common with" in check()
    # New words for the analysis: the cached words no longer count.
    kb.edit("keywords: [", "keywords: [离线补传卡死, ")
    assert "in common with" not in check()


def test_without_hard_links_the_index_is_written_again(
    kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index update starts from hard links to the current generation; the site needs none."""
    _, _, articles = kb.build()
    kb.edit("title: ", "title: 无硬链接 ")

    def refuse(source: object, target: object) -> None:
        raise OSError(1, "Operation not permitted", str(target))

    monkeypatch.setattr(os, "link", refuse)
    _, rendered, indexed = kb.build()
    monkeypatch.undo()
    assert 0 < rendered < 10 and indexed == articles  # the pages of the edit; every article
    assert "无硬链接" in (kb.root / "site" / "articles" / ARTICLE / "index.html").read_text("utf-8")
    assert kb.search("无硬链接")[0] == ARTICLE
    assert_same_site(kb)


def test_new_keywords_reach_the_offline_search_index(kb: Kb) -> None:
    """Keywords are not shown on the page, but its offline search entry is made of them."""
    kb.build()
    kb.edit("keywords: [", "keywords: [kbofflineword, ")
    _, rendered, indexed = kb.build()
    assert rendered >= 1 and indexed == 1  # a Latin word: the analysis is the same
    offline = (kb.root / "site" / "search" / "search_index.json").read_text("utf-8")
    assert "kbofflineword" in offline
    assert_same_site(kb)


def test_a_site_folder_another_build_wrote_is_not_reused(kb: Kb) -> None:
    pages, _, _ = kb.build()
    kb.build("--audience", "internal")  # into the same folder: internal articles and all
    assert (kb.root / "site" / "articles" / "shopease-internal-payment-escalation").is_dir()
    assert kb.build()[1] == pages  # the public site is rendered again, not patched
    assert not (kb.root / "site" / "articles" / "shopease-internal-payment-escalation").exists()
    assert_same_site(kb)


def test_jieba_is_loaded_up_front_only_for_chinese_to_index_here(kb: Kb) -> None:
    """The build loads jieba before MkDocs and the index start (one dictionary for both) only when
    the index update will split Chinese in this process."""

    def update(*, full: bool = False) -> incremental.IndexUpdate:
        loaded = load_knowledge_base(kb.root / "kb", Problems())
        assert loaded is not None
        root = index_root(kb.root / "var")
        return incremental.IndexUpdate(
            loaded, root, incremental.BuildCache(kb.root / "var", "public"), full=full
        )

    kb.build()
    assert not update().splits_chinese()  # nothing changed
    english = kb.article.with_name("deskmate-login-proxy-timeout-en.md")
    kb.edit("\n## ", "\nAsk IT for the proxy address first.\n\n## ", english)
    assert [a.id for a in update().changed] == ["deskmate-login-proxy-timeout-en"]
    assert not update().splits_chinese()
    kb.edit("\n## ", "\n先向网管要代理地址。\n\n## ")
    assert update().splits_chinese()
    assert not update(full=True).splits_chinese()  # a new generation: child processes split it


def test_a_body_edit_takes_the_listings_of_the_last_build(
    kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing and tag pages, the navigation and the related lists are kept in the build
    cache with a fingerprint of every article's front matter; a front-matter edit makes them
    again, and so does a torn file."""
    made = []
    listings = pages._Planner._listings

    def counting(planner: Any) -> Any:
        made.append(planner.audience)
        return listings(planner)

    monkeypatch.setattr(pages._Planner, "_listings", counting)
    kb.build()
    assert made == ["public"]
    kb.edit("\n## ", "\n只改正文 kbplanword。\n\n## ")
    assert kb.build()[1:] == (1, 1)
    assert made == ["public"]  # taken from the build cache
    assert_same_site(kb)  # (its --full build makes them: not counted below)
    made.clear()
    kb.edit("title: ", "title: 列表里的新标题 ")
    kb.build()
    assert made == ["public"]
    assert_same_site(kb)
    made.clear()
    plan = kb.root / "var" / "build-cache" / "public" / "plan.pickle"
    plan.write_bytes(plan.read_bytes()[:100])
    kb.edit("\n## ", "\n再改正文。\n\n## ")
    assert kb.build()[1:] == (1, 1)
    assert made == ["public"]
    assert_same_site(kb)
