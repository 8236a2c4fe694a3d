"""What a build reuses from the last one: its staged pages, its site and its index generation.

The build cache lives in ``<data_dir>/build-cache/``:

* ``<audience>/docs/``: the generated Markdown of the last build; a build writes only the pages
  whose Markdown changed, and MkDocs' dirty build renders only those;
* ``<audience>/pages.json``: the key of each staged article page, the digest of what it is made
  of (:meth:`generator.article_page.ArticleRenderer.render`): a page with the same key is not
  made again;
* ``<audience>/site.json``: the digest of what every page depends on (the knowledge base's
  settings, ``mkdocs.yml``, the navigation, the theme and the versions of the tools), and the
  site folder it was built into;
* ``index.json``: the index generation the last build left current, the digest of the words its
  analysis knows, and the digest of each indexed article's file.

Anything that does not match (another digest, a site folder that moved, a generation some other
command promoted) makes the build start from nothing; a cache that cannot be read is ignored.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from threading import Event
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError

from generator.cachefile import CACHE_VERSION, cache_root, digest, versions, write_whole
from generator.indexer import analysis_of, searchable, update_generation, write_generation
from generator.knowledge import KnowledgeBase
from generator.offline_index import SEARCH_INDEX
from generator.pagekit import Audience, SitePlan
from kbcore.analysis import TextAnalysis, has_cjk
from kbcore.index import SCHEMA_VERSION, current_name

__all__ = [
    "SITE_STATE",
    "BuildCache",
    "IndexState",
    "IndexUpdate",
    "SiteState",
    "TermCache",
    "hard_links_refused",
    "site_marker",
]

# What os.link fails with on a file system (or between folders) that has no hard links.
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.EOPNOTSUPP}
log = logging.getLogger("kb.build")
SITE_STATE = "site.json"
SITE_TOOLS = ("kb-portal", "mkdocs", "mkdocs-material", "pymdown-extensions", "markdown")
INDEX_TOOLS = ("kb-portal", "jieba", "opencc", "whoosh-reloaded")


def _tree_digest(folder: Path) -> list[str | bytes]:
    parts: list[str | bytes] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return parts


class SiteState(BaseModel):
    """What the last build of one audience's site depended on, and where it went."""

    version: int = CACHE_VERSION
    digest: str
    site_dir: str
    # The inode and time of the site's search index, which every build writes anew: another
    # build into the same folder (another audience, plain MkDocs) is told apart by it.
    marker: str = ""


def site_marker(site_dir: Path) -> str:
    """The :attr:`SiteState.marker` of the site in ``site_dir`` ("" if it has none)."""
    try:
        stat = (site_dir / SEARCH_INDEX).stat()
    except OSError:
        return ""
    return f"{stat.st_ino}:{stat.st_mtime_ns}"


class PageKeys(RootModel[dict[str, str]]):
    """``<audience>/pages.json``: the key of each staged article page (its src → key)."""


class IndexState(BaseModel):
    """The index generation the last build left current, and what it was built from."""

    version: int = CACHE_VERSION
    generation: str
    words: str
    articles: dict[str, str]  # id → digest of the article's file


class BuildCache:
    """The build cache of one data folder, for one audience's site and the shared index."""

    def __init__(self, data_dir: Path, audience: Audience) -> None:
        self.root = cache_root(data_dir)
        self.folder = self.root / audience
        self.docs = self.folder / "docs"
        self.templates = self.folder / "templates"  # the theme's, compiled
        self._pages = self.folder / "pages.json"

    # ---------------------------------------------------------------------------- digests

    @staticmethod
    def site_digest(
        kb: KnowledgeBase, nav: list[Any], audience: Audience, config_file: Path, themes: list[Path]
    ) -> str:
        """What every page of the site depends on, beyond its own Markdown."""
        parts: list[str | bytes] = [str(CACHE_VERSION), audience, json.dumps(nav)]
        for path in sorted(kb.root.glob("*.y*ml")):
            parts += [path.name, path.read_bytes()]
        parts.append(config_file.read_bytes())
        parts += versions(SITE_TOOLS)
        for theme in themes:
            parts += _tree_digest(theme)
        return digest(*parts)

    @staticmethod
    def words_digest(kb: KnowledgeBase) -> str:
        """What the index's analysis depends on: changed, every article is analysed again."""
        return digest(str(SCHEMA_VERSION), *versions(INDEX_TOOLS), *analysis_of(kb).terms)

    @staticmethod
    def article_digests(kb: KnowledgeBase) -> dict[str, str]:
        """The digest of each searchable article's text, as loaded (a later save is not it)."""
        return {a.id: a.digest for a in searchable(kb)}

    # ---------------------------------------------------------------------------- state

    def _read(self, path: Path, model: type[Any]) -> Any:
        try:
            state = model.model_validate_json(path.read_text("utf-8"))
        except (OSError, ValueError, ValidationError):
            return None
        return state if state.version == CACHE_VERSION else None

    def site(self) -> SiteState | None:
        return self._read(self.folder / SITE_STATE, SiteState)  # type: ignore[no-any-return]

    def index(self) -> IndexState | None:
        return self._read(self.root / "index.json", IndexState)  # type: ignore[no-any-return]

    def _write(self, path: Path, state: BaseModel) -> None:
        write_whole(path, state.model_dump_json())

    def save_site(self, state: SiteState) -> None:
        self._write(self.folder / SITE_STATE, state)

    def pages(self) -> dict[str, str]:
        """The key of each article page staged (see :meth:`save_pages`); {} if unreadable."""
        try:
            return PageKeys.model_validate_json(self._pages.read_text("utf-8")).root
        except (OSError, ValueError):
            return {}

    def save_pages(self, plan: SitePlan) -> None:
        """Keep the key of each page of ``plan`` that has one (its Markdown is staged)."""
        keys = PageKeys({page.src: page.key for page in plan.pages if page.key})
        write_whole(self._pages, keys.model_dump_json())

    def save_index(self, state: IndexState) -> None:
        self._write(self.root / "index.json", state)

    def forget_site(self) -> None:
        """Drop the staged pages and their state: the next build starts from nothing."""
        (self.folder / SITE_STATE).unlink(missing_ok=True)
        self._pages.unlink(missing_ok=True)
        shutil.rmtree(self.docs, ignore_errors=True)
        self.docs.mkdir(parents=True)


class IndexUpdate:
    """The index's part of a build: a generation of every article, of the changed ones, or none.

    The changed articles are indexed into a copy of the current generation when the words of the
    analysis are the same and that generation is the one the last build left.
    """

    def __init__(self, kb: KnowledgeBase, root: Path, cache: BuildCache, *, full: bool) -> None:
        self.kb, self.root = kb, root
        self.words = BuildCache.words_digest(kb)
        self.digests = BuildCache.article_digests(kb)
        previous = None if full else cache.index()
        current = current_name(root)
        self.base: Path | None = None
        self.changed, self.removed = searchable(kb), list[str]()
        if previous and current == previous.generation and previous.words == self.words:
            self.base = root / current
            self.changed = [
                a for a in self.changed if previous.articles.get(a.id) != self.digests[a.id]
            ]
            self.removed = sorted(set(previous.articles) - set(self.digests))

    def splits_chinese(self) -> bool:
        """Whether this update splits Chinese in this process: changed articles holding some,
        indexed into a copy of the current generation (child processes analyse a new one)."""
        return self.base is not None and any(
            has_cjk(" ".join([a.meta.title, a.meta.summary, a.body])) for a in self.changed
        )

    def run(self, progress: Callable[[int], None] | None, stop: Event) -> Path | None:
        """Write the new generation (the caller promotes it); None when nothing changed.

        ``stop`` set (by the build, from another thread) stops a new index's writing.
        """
        if self.base is not None and not (self.changed or self.removed):
            return None
        if self.base is not None:
            try:
                return update_generation(
                    self.kb, self.root, self.base, self.changed, self.removed, progress
                )
            except OSError as exc:
                if not hard_links_refused(exc):
                    raise
                log.warning("%s: no hard links (%s); indexing every article", self.root, exc)
                self.changed, self.removed = searchable(self.kb), []
        return write_generation(self.kb, self.root, progress, stop)

    def state(self) -> IndexState:
        """The index state to keep once the build is done (and its generation promoted)."""
        return IndexState(
            generation=current_name(self.root) or "", words=self.words, articles=self.digests
        )


class TermCache:
    """The terms of short texts under one analysis, kept from one check to the next.

    The near-duplicate check analyses the title, summary and error codes of every article; only
    texts it has not seen under the same analysis words are analysed again. Kept in the build
    cache as JSON; the texts of the last run only, so it never grows past the knowledge base.
    """

    def __init__(self, cache_dir: Path | None, analysis: TextAnalysis) -> None:
        self.path = None if cache_dir is None else cache_dir / "check-terms.json"
        self.analysis = analysis
        self.key = digest(str(CACHE_VERSION), *analysis.terms)
        self.known: dict[str, list[str]] = {}
        self.used: dict[str, list[str]] = {}
        try:
            if self.path is not None:
                data = json.loads(self.path.read_text("utf-8"))
                if data.get("key") == self.key and isinstance(data["terms"], dict):
                    self.known = data["terms"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # no cache yet, or one from another analysis or version: start again

    def terms(self, text: str) -> set[str]:
        found = self.known.get(text)
        if found is None:
            found = sorted(set(self.analysis.terms_of(text)))
        self.used[text] = found
        return set(found)

    def save(self) -> None:
        """Keep the terms of this run's texts; a cache that cannot be written is skipped."""
        if self.path is None:
            return
        try:
            data = {"key": self.key, "terms": self.used}
            write_whole(self.path, json.dumps(data, ensure_ascii=False))
        except OSError as exc:
            log.info("%s: build cache not written: %s", self.path, exc.strerror)


def hard_links_refused(exc: OSError) -> bool:
    """Whether ``exc`` says the file system has no hard links (not that it is full, say)."""
    return exc.errno in _NO_HARD_LINKS
