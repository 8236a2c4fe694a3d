"""`kb build`: the site, what it leaves out, the manifest, and the previous site on failure."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import posixpath
import re
import shutil
import threading
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.build import build_site
from generator.cli import cli
from generator.errors import BuildError
from generator.indexer import searchable
from generator.knowledge import load_knowledge_base
from generator.pagekit import front, rel
from generator.problems import Problems
from kbcore.index import current_name
from tests.conftest import MKDOCS_YML, SAMPLE_KB, article_text, wait_for, write


@pytest.fixture(scope="module")
def sample():
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    return kb


def site_text(site_dir: Path) -> str:
    """Every text file of the built site, concatenated (HTML, JSON, XML, JS)."""
    parts = []
    for path in sorted(site_dir.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".js", ".txt"}:
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def test_every_published_public_article_has_a_page(built_sample, sample):
    public = [
        a for a in sample.articles if a.meta.audience == "public" and a.meta.status != "draft"
    ]
    assert len(public) >= 50
    for article in public:
        page = built_sample.site_dir / "articles" / article.id / "index.html"
        assert page.is_file(), article.id
        assert article.meta.title in unescape(page.read_text(encoding="utf-8"))
    for page in [
        "index.html",
        "404.html",
        "tags/index.html",
        "sitemap.xml",
        "search/search_index.json",
    ]:
        assert (built_sample.site_dir / page).is_file(), page
    for category in sample.categories:
        assert (built_sample.site_dir / "categories" / category / "index.html").is_file()
    for product in sample.products:
        assert (built_sample.site_dir / "products" / product / "index.html").is_file()


def unique_phrases(body: str) -> list[str]:
    """Long plain-text runs of an article body, to look for in the built site."""
    runs = re.findall(r"[^\s`*_\[\]()#>|!:：，。“”、；（）]{12,}", body)
    return runs[:8]


def test_internal_and_draft_articles_appear_nowhere(built_sample, sample):
    hidden = [
        a for a in sample.articles if a.meta.audience == "internal" or a.meta.status == "draft"
    ]
    assert len(hidden) >= 5
    text = site_text(built_sample.site_dir)
    for article in hidden:
        assert article.id not in text, article.id
        assert article.meta.title not in text, article.id
        phrases = unique_phrases(article.body)
        assert phrases, article.id
        for phrase in phrases:
            shared = [
                a.id
                for a in sample.articles
                if phrase in a.body
                and a is not article
                and a.meta.audience == "public"
                and a.meta.status != "draft"
            ]
            if not shared:
                assert phrase not in text, (article.id, phrase)


def test_manifest_lists_published_public_articles(built_sample, sample):
    manifest = json.loads((built_sample.data_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audience"] == "public"
    expected = sorted(
        a.id for a in sample.articles if a.meta.audience == "public" and a.meta.status != "draft"
    )
    assert [e["id"] for e in manifest["articles"]] == expected
    by_id = {a.id: a for a in sample.articles}
    for entry in manifest["articles"]:
        meta = by_id[entry["id"]].meta
        assert entry == {
            "id": meta.id,
            "url": f"/articles/{meta.id}/",
            "title": meta.title,
            "lang": meta.lang,
            "audience": "public",
            "status": meta.status,
            "product": meta.product,
            "type": meta.type,
            "category": meta.category,
        }


def test_article_page_shows_metadata_translations_and_help(built_sample, sample):
    original = next(
        a
        for a in sample.articles
        if a.meta.lang == "zh-Hans"
        and any(t.meta.translation_of == a.id for t in sample.articles)
        and a.meta.error_codes
    )
    translations = [t for t in sample.articles if t.meta.translation_of == original.id]
    html = (built_sample.site_dir / "articles" / original.id / "index.html").read_text("utf-8")
    product = sample.products[original.meta.product]
    assert product.name.zh_hans in html
    for version in original.meta.versions:
        assert version in html
    assert original.meta.updated.isoformat() in html
    assert "kb-type" in html and f"kb-severity-{original.meta.severity}" in html
    assert f"kb-status-{original.meta.status}" in html
    for code in original.meta.error_codes:
        assert code.replace('"', "&quot;") in html or code in html
    for translation in translations:
        assert f'href="../{translation.id}/"' in html
        other = (built_sample.site_dir / "articles" / translation.id / "index.html").read_text(
            "utf-8"
        )
        assert f'href="../{original.id}/"' in other
    assert "仍需帮助？" in html
    for channel in sample.site.support_channels:
        assert channel.contact in html
    assert "相关文章" in html


def test_english_article_speaks_english(built_sample, sample):
    article = next(
        a
        for a in sample.articles
        if a.meta.lang == "en" and a.meta.audience == "public" and a.meta.status != "draft"
    )
    html = (built_sample.site_dir / "articles" / article.id / "index.html").read_text("utf-8")
    assert "Still need help?" in html and "仍需帮助" not in html
    assert 'lang="en"' in html


def test_archived_article_keeps_its_url_with_a_notice(built_sample, sample):
    archived = [a for a in sample.articles if a.meta.status == "archived"]
    assert archived
    home = (built_sample.site_dir / "index.html").read_text("utf-8")
    for article in archived:
        html = (built_sample.site_dir / "articles" / article.id / "index.html").read_text("utf-8")
        assert "本文已归档" in html or "Archived article" in html
        category = (
            built_sample.site_dir / "categories" / article.meta.category / "index.html"
        ).read_text("utf-8")
        assert article.id not in category and article.id not in home


def test_site_loads_nothing_from_other_hosts(built_sample):
    for page in built_sample.site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            assert not re.search(r"(?:src|href)=\"(?:https?:)?//", tag), (page, tag)
    for css in built_sample.site_dir.rglob("*.css"):
        assert "fonts.googleapis" not in css.read_text(encoding="utf-8")


def test_tag_pages_list_their_articles(built_sample, sample):
    index = (built_sample.site_dir / "tags" / "index.html").read_text("utf-8")
    tags = {
        t
        for a in sample.articles
        if a.meta.audience == "public" and a.meta.status in ("validated", "unvalidated")
        for t in a.meta.tags
    }
    for tag in tags:
        assert tag in index


def build(runner, kb_dir: Path, out: Path, *extra: str, env=None):
    return runner.invoke(
        cli,
        [
            "build",
            "--kb",
            str(kb_dir),
            "--site-dir",
            str(out / "site"),
            "--data-dir",
            str(out / "var"),
            *extra,
        ],
        env=env,
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_failed_build_leaves_the_previous_site_untouched(runner, kb_dir, tmp_path):
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text())
    assert build(runner, kb_dir, tmp_path).exit_code == 0
    before = snapshot(tmp_path / "site")

    # A check error stops the build before MkDocs runs.
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text(type="guide"))
    result = build(runner, kb_dir, tmp_path)
    assert result.exit_code == 1
    assert "check failed: 1 error" in result.stderr
    assert snapshot(tmp_path / "site") == before

    # A failure inside MkDocs (a broken base configuration) too.
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text(title="新标题"))
    broken = tmp_path / "mkdocs.yml"
    broken.write_text(MKDOCS_YML.read_text("utf-8").replace("name: material", "name: nope"))
    result = build(runner, kb_dir, tmp_path, env={"KB_MKDOCS_CONFIG": str(broken)})
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Error: {broken}:" in result.stderr
    assert snapshot(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_build_does_not_rewrite_the_base_configuration(runner, kb_dir, tmp_path):
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text())
    before = MKDOCS_YML.read_bytes()
    custom = tmp_path / "mkdocs.yml"
    custom.write_text(
        MKDOCS_YML.read_text("utf-8").replace("site_name: 青禾软件帮助中心", "site_name: 测试门户")
    )
    result = build(runner, kb_dir, tmp_path, env={"KB_MKDOCS_CONFIG": str(custom)})
    assert result.exit_code == 0, result.output
    assert MKDOCS_YML.read_bytes() == before
    assert "测试门户" in (tmp_path / "site" / "index.html").read_text("utf-8")
    assert custom.read_text("utf-8").count("测试门户") == 1


def test_compiled_templates_are_kept_and_follow_their_source(runner, kb_dir, tmp_path):
    """The theme's templates are compiled once into the build cache; a template the writer
    edits is compiled again, and the site shows the edit."""
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text())
    custom = tmp_path / "mkdocs.yml"
    custom.write_text(
        MKDOCS_YML.read_text("utf-8").replace(
            "  name: material\n", "  name: material\n  custom_dir: overrides\n", 1
        )
    )
    footer = tmp_path / "overrides" / "partials" / "copyright.html"
    footer.parent.mkdir(parents=True)
    compiled = tmp_path / "var" / "build-cache" / "public" / "templates"

    def build_with(text: str) -> dict[str, int]:
        footer.write_text(f"<div>{text}</div>", encoding="utf-8")
        result = build(runner, kb_dir, tmp_path, env={"KB_MKDOCS_CONFIG": str(custom)})
        assert result.exit_code == 0, result.output
        assert text in (tmp_path / "site" / "index.html").read_text("utf-8")
        return {p.name: p.stat().st_mtime_ns for p in compiled.iterdir()}

    first = build_with("页脚一")
    assert len(first) > 10  # Material's templates, ours and the writer's
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text(title="新标题"))
    assert build_with("页脚一") == first  # taken as compiled
    second = build_with("页脚二")
    assert second.keys() == first.keys()
    assert sum(second[name] != first[name] for name in first) == 1  # the footer's only


def test_rebuild_replaces_the_site(runner, kb_dir, tmp_path):
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text())
    assert build(runner, kb_dir, tmp_path).exit_code == 0
    (tmp_path / "site" / "stale.html").write_text("old")
    write(kb_dir, "articles/shopease/shopease-login-password.md", article_text(status="draft"))
    assert build(runner, kb_dir, tmp_path).exit_code == 0
    assert not (tmp_path / "site" / "stale.html").exists()
    assert not (tmp_path / "site" / "articles" / "shopease-login-password").exists()
    manifest = json.loads((tmp_path / "var" / "manifest.json").read_text("utf-8"))
    assert manifest["articles"] == []


def test_links_and_files_are_rewritten(runner, kb_dir, tmp_path):
    write(kb_dir, "articles/a/shopease-other.md", article_text(id="shopease-other"))
    write(kb_dir, "files/diagram.txt", "diagram")
    write(
        kb_dir,
        "articles/b/shopease-login-password.md",
        article_text() + "\n[other](../a/shopease-other.md#原因) [file](../../files/diagram.txt)\n",
    )
    assert build(runner, kb_dir, tmp_path).exit_code == 0
    html = (tmp_path / "site" / "articles" / "shopease-login-password" / "index.html").read_text(
        "utf-8"
    )
    assert 'href="../shopease-other/#原因"' in html
    assert 'href="../../kb-files/files/diagram.txt"' in html
    assert (tmp_path / "site" / "kb-files" / "files" / "diagram.txt").read_text() == "diagram"
    shutil.rmtree(tmp_path / "site")


def test_offline_search_index_holds_titles_summaries_keywords_and_codes(built_sample, sample):
    raw = (built_sample.site_dir / "search" / "search_index.json").read_text("utf-8")
    docs = json.loads(raw)["docs"]
    by_location = {d["location"]: d for d in docs}
    article = next(
        a
        for a in sample.articles
        if a.meta.error_codes
        and a.meta.keywords
        and a.meta.audience == "public"
        and a.meta.status == "validated"
    )
    entry = by_location[f"articles/{article.id}/"]
    text = entry["text"].replace("\u200b", "")
    assert article.meta.summary in text
    assert all(k in text for k in article.meta.keywords + article.meta.error_codes)
    # Body text and the standard case headings are left to the API's full-text search.
    assert not any(
        d["location"].startswith(f"articles/{article.id}/#")
        and d["title"].replace("\u200b", "") in ("现象", "原因", "Symptoms")
        for d in docs
    )
    for phrase in unique_phrases(article.body)[:3]:
        if phrase not in article.meta.summary:
            assert phrase not in raw.replace("\u200b", "")


def index_files(data_dir: Path) -> list[tuple[str, str]]:
    """The current index's files and their digests; the segment's random name aside."""
    meta = json.loads((data_dir / "index" / "current" / "meta.json").read_text("utf-8"))
    return sorted(
        (name.split(".", 1)[1], digest["sha256"])
        for name, digest in meta["files"].items()
        if not name.endswith(".toc")  # the table of contents holds that name
    )


def test_the_index_written_beside_the_rendering_is_the_one_written_in_order(
    runner, built_sample, tmp_path, monkeypatch
):
    from generator import index_process, indexer

    children = []
    real_run = index_process.run_in_child

    def counted(*args, **kwargs):
        target, (_, _, workers) = args[0], args[1]
        children.append((target.__name__, workers))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(indexer, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(indexer, "run_in_child", counted)
    result = runner.invoke(
        cli,
        ["build", "--kb", str(SAMPLE_KB), "--site-dir", str(tmp_path / "site")]
        + ["--data-dir", str(tmp_path / "var")],
    )
    assert result.exit_code == 0, result.output
    # Written in a child process, its text analysed by two worker processes of its own.
    assert children == [("_write_documents", 2)]
    assert len(index_files(tmp_path / "var")) > 5
    assert index_files(tmp_path / "var") == index_files(built_sample.data_dir)

    # The child's progress reaches the caller: one step per page and per article.
    steps: list[int] = []
    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    built = build_site(
        kb,
        config_file=MKDOCS_YML,
        site_dir=tmp_path / "site2",
        data_dir=tmp_path / "var2",
        progress=steps.append,
    )
    assert len(children) == 2
    assert sum(steps) == built.rendered + built.indexed == built.pages + len(searchable(kb))


_SEGMENT = st.sampled_from(["articles", "tags", "a", "b", "kb-files", "img"])
_PAGE = st.builds(
    lambda folders, name: "/".join([*folders, name]),
    st.lists(_SEGMENT, max_size=3),
    st.sampled_from(["index.md", "a.md", "b.md", "x.png"]),
)


@given(_PAGE, _PAGE)
def test_page_links_are_what_relpath_says(from_src: str, to_src: str) -> None:
    assert rel(from_src, to_src) == posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


@given(
    st.text(),
    st.lists(st.text(), max_size=4),
    st.one_of(st.none(), st.text()),
)
def test_front_matter_reads_back_as_written(title: str, keywords: list[str], summary) -> None:
    """MkDocs reads each page's front matter back as the values it was written from."""
    from mkdocs.utils.meta import get_data

    page = front(title, description=summary, kb_keywords=keywords, search={"exclude": True})
    body, data = get_data(page + "# Heading\n")
    expected = {"title": title, "description": summary, "kb_keywords": keywords}
    expected = {k: v for k, v in expected.items() if v is not None}
    assert data == {**expected, "search": {"exclude": True}}
    assert body == "# Heading\n"


def test_a_site_that_fails_to_render_stops_the_index_writer(tmp_path, monkeypatch):
    from generator import build, indexer

    kb = load_knowledge_base(SAMPLE_KB, Problems())
    assert kb is not None
    data_dir = tmp_path / "var"
    build_site(kb, config_file=MKDOCS_YML, site_dir=tmp_path / "site", data_dir=data_dir)
    root = data_dir / "index"
    before = current_name(root), sorted(p.name for p in root.glob("gen-*"))
    site = sorted((tmp_path / "site").rglob("*"))

    monkeypatch.setattr(indexer, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)

    def failing(*args, **kwargs):
        # Fail once the index's writer is writing the new generation.
        wait_for(multiprocessing.active_children, "the index writer")
        raise BuildError("MkDocs could not build the site: a broken template")

    monkeypatch.setattr(build, "_render", failing)
    with pytest.raises(BuildError, match="a broken template"):
        build_site(
            kb, config_file=MKDOCS_YML, site_dir=tmp_path / "site", data_dir=data_dir, full=True
        )
    assert multiprocessing.active_children() == []  # stopped and joined
    assert (current_name(root), sorted(p.name for p in root.glob("gen-*"))) == before
    assert sorted((tmp_path / "site").rglob("*")) == site


def no_space_left(folder: str, signals) -> None:
    """An index writer that fails as a full disk would (run in the child process)."""
    signals.check()
    raise OSError(errno.ENOSPC, "No space left on device", f"{folder}/MAIN_1.seg")


def test_a_writer_that_fails_names_the_file_and_leaves_no_process(tmp_path):
    from generator.index_process import run_in_child

    with pytest.raises(OSError, match="No space left on device") as raised:
        run_in_child(no_space_left, (str(tmp_path),), progress=None, stop=threading.Event())
    assert raised.value.filename == f"{tmp_path}/MAIN_1.seg"
    assert multiprocessing.active_children() == []
