"""Build the portal: stage the pages, run MkDocs + Material, publish the site, write the manifest.

The site is built into a temporary folder beside ``site_dir`` and published only when the whole
build succeeded, so a failed build leaves the previous site exactly as it was: a whole site is
swapped in, the pages an incremental build rendered each replace the live one.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from generator.errors import BuildError
from generator.incremental import (
    BuildCache,
    IndexUpdate,
    SiteState,
    site_marker,
)
from generator.knowledge import KnowledgeBase
from generator.offline_index import slim_search_index
from generator.pages import Audience, PlanMemo, SitePlan, plan_site, site_nav
from generator.site_reuse import (
    Reuse,
    changed_only_plugin,
    merge_search_index,
    publish,
    quiet_dirty_warning,
    reuse_site,
    stage_changes,
)
from generator.swap import replace_folder
from kbcore.analysis import share_dictionary
from kbcore.index import IndexError_, build_lock, index_root, promote
from kbcore.manifest import Manifest, ManifestEntry, write_manifest

__all__ = ["ASSETS_DIR", "INTERNAL_PREFIX", "BuildResult", "build_site"]

ASSETS_DIR = Path(__file__).parent / "assets"
THEME_DIR = Path(__file__).parent / "theme"
SCRIPTS: dict[Audience, tuple[str, ...]] = {
    "public": ("kb-search.js", "kb-feedback.js"),
    "internal": ("kb-search.js", "kb-agent.js"),
}
# Where `kb serve` mounts the agents' site.
INTERNAL_PREFIX = "internal/"
STAGED_ASSETS = "assets/kb"
REQUIRED_EXTENSIONS = ("attr_list", "md_in_html", "admonition", "tables", "toc")

log = logging.getLogger("kb.build")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class BuildResult:
    """What one build produced."""

    site_dir: Path
    manifest_path: Path
    pages: int
    articles: int
    rendered: int  # pages rendered (the others were reused from the last build)
    indexed: int  # articles indexed again or removed from the index
    # Material's full-text index (unknown when pages were reused), then ours.
    offline_index_bytes: tuple[int | None, int]


def _progress_plugin(progress: Progress) -> Any:
    from mkdocs.plugins import BasePlugin

    class ProgressPlugin(BasePlugin):  # type: ignore[no-untyped-call,type-arg]
        """Advance the build's progress bar once per rendered page."""

        def on_post_page(self, output: str, **kwargs: Any) -> str:
            progress(1)
            return output

    return ProgressPlugin()


def _compiled_templates_plugin(folder: Path) -> Any:
    from jinja2 import FileSystemBytecodeCache
    from mkdocs.plugins import BasePlugin

    class CompiledTemplates(BasePlugin):  # type: ignore[no-untyped-call,type-arg]
        """Keep the theme's templates compiled in ``folder``, for the next build: compiling
        Material's templates again was a tenth of a one-page build. Jinja takes a compiled
        template only while its source is the same."""

        def on_env(self, env: Any, **kwargs: Any) -> Any:
            folder.mkdir(parents=True, exist_ok=True)
            env.bytecode_cache = FileSystemBytecodeCache(str(folder))
            return env

    return CompiledTemplates()


def _one_at_a_time(progress: Progress) -> Progress:
    """``progress``, called by one thread at a time."""
    lock = threading.Lock()

    def report(count: int) -> None:
        with lock:
            progress(count)

    return report


def mkdocs_config(
    nav: list[Any],
    audience: Audience,
    config_file: Path,
    docs_dir: Path,
    site_dir: Path,
    progress: Progress | None,
    templates: Path,
) -> Any:
    from mkdocs.config import load_config
    from mkdocs.config.config_options import ExtraScriptValue
    from mkdocs.exceptions import MkDocsException

    if not config_file.is_file():
        raise BuildError(f"{config_file}: expected the site's MkDocs configuration, found no file")
    # MkDocs logs each configuration error, then aborts with a count: keep the messages.
    with _collect_errors("mkdocs") as messages:
        try:
            config = load_config(
                str(config_file),
                docs_dir=str(docs_dir.resolve()),  # relative paths would be the config file's
                site_dir=str(site_dir.resolve()),
                nav=nav,
            )
        except MkDocsException as exc:
            raise BuildError(f"{config_file}: " + "; ".join(messages or [str(exc)])) from None
    for extension in REQUIRED_EXTENSIONS:
        if extension not in config.markdown_extensions:
            config.markdown_extensions.append(extension)
    config.extra_css.append(f"{STAGED_ASSETS}/kb.css")
    if audience == "internal":
        # Served under /internal/: the 404 page and canonical links must say so.
        config.site_url = urljoin(config.site_url or "/", INTERNAL_PREFIX)
    for script in SCRIPTS[audience]:
        value = ExtraScriptValue(f"{STAGED_ASSETS}/{script}")
        value.defer = True
        config.extra_javascript.append(value)
    # After the writer's own overrides (custom_dir), before Material's templates.
    config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
    if progress is not None:
        config.plugins["kb-progress"] = _progress_plugin(progress)
    config.plugins["kb-compiled-templates"] = _compiled_templates_plugin(templates)
    return config


@contextmanager
def _collect_errors(logger_name: str) -> Iterator[list[str]]:
    """Collect the messages of errors logged to ``logger_name`` while the block runs."""
    messages: list[str] = []

    class Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collector(logging.ERROR)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


@contextmanager
def _sibling_dir(target: Path, label: str) -> Iterator[Path]:
    """Yield a fresh folder beside ``target`` (same file system), removed unless renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}.{label}-", dir=target.parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _remove_stale_siblings(target: Path, keep: Path) -> None:
    """Remove the folders a build killed halfway left beside ``target`` (all but ``keep``).

    The caller holds the build lock, so no other build is using them.
    """
    for path in target.parent.glob(f".{target.name}.building-*"):
        if path != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def manifest_of(plan: SitePlan, audience: Audience) -> Manifest:
    """The manifest of the articles ``plan`` publishes."""
    entries = [
        ManifestEntry(
            id=a.id,
            url=a.url,
            title=a.meta.title,
            lang=a.meta.lang,
            audience=a.meta.audience,
            status=a.meta.status,
            product=a.meta.product,
            type=a.meta.type,
            category=a.meta.category,
        )
        for a in sorted(plan.articles, key=lambda a: a.id)
    ]
    return Manifest(audience=audience, built_at=datetime.now(UTC), articles=entries)


def _render(plan: SitePlan, config: Any, reuse: Reuse | None) -> tuple[int | None, int]:
    """Run MkDocs (dirty when ``reuse``); return the offline index's sizes (see BuildResult)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException

    order: list[str] = []
    if reuse is not None:
        config.plugins["kb-changed-only"] = changed_only_plugin(reuse, order)
    try:
        with quiet_dirty_warning():
            mkdocs_build(config, dirty=reuse is not None)
    except MkDocsException as exc:
        raise BuildError(f"MkDocs could not build the site: {exc}") from None
    except OSError as exc:
        raise BuildError(
            f"{exc.filename or config.site_dir}: could not write the site: {exc.strerror}"
        ) from None
    if reuse is None:
        return slim_search_index(Path(config.site_dir), plan.articles)
    return None, merge_search_index(Path(config.site_dir), reuse.before, order, plan)


def _render_and_index(
    plan: SitePlan,
    config: Any,
    reuse: Reuse | None,
    index: IndexUpdate,
    progress: Progress | None,
) -> tuple[tuple[int | None, int], Path | None]:
    """Render the site (this thread) while the index is written (another thread).

    A new index is written by a child process (:func:`generator.indexer.write_generation`), so
    MkDocs keeps this process's interpreter to itself; the index's thread mostly waits. If the
    rendering fails, the index's writing is stopped. ``progress`` is called from both threads.
    """
    # One jieba dictionary for the index's analysis and MkDocs' search plugin, loaded before both
    # start (by the check, or now if this thread's index update splits Chinese).
    share_dictionary(load=index.splits_chinese())
    stop = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="kb-index") as background:
        indexing = background.submit(index.run, progress, stop)
        try:
            offline_bytes = _render(plan, config, reuse)
        except BaseException:
            stop.set()
            raise
        return offline_bytes, indexing.result()


def build_site(
    kb: KnowledgeBase,
    *,
    config_file: Path,
    site_dir: Path,
    data_dir: Path,
    audience: Audience = "public",
    progress: Progress | None = None,
    on_start: Callable[[int], None] | None = None,
    full: bool = False,
    memo: PlanMemo | None = None,
) -> BuildResult:
    """Build the site for ``audience`` into ``site_dir`` and its manifest into ``data_dir``.

    Both audiences write the one search index (it holds every published article, and the API
    shows internal ones to agents only); each writes its own manifest.

    What the last build left in ``data_dir``'s build cache is reused unless ``full``: only the
    pages whose Markdown changed are rendered, and only the changed articles indexed
    (:mod:`generator.incremental`). ``on_start`` is told the number of pages and articles to
    do before rendering starts; ``progress`` is called once per rendered page or indexed article.
    ``memo``: the parts of this process's last plan the new one may use again; by default
    those the last build kept in the build cache (unless ``full``).
    """
    if progress is not None:
        progress = _one_at_a_time(progress)  # the rendering and the index both report
    nav = site_nav(kb, audience=audience)
    root = index_root(data_dir)
    cache = BuildCache(data_dir, audience)
    try:
        with build_lock(root), _sibling_dir(site_dir, "building") as building:
            _remove_stale_siblings(site_dir, keep=building)
            output = building / "site"
            cache.docs.mkdir(parents=True, exist_ok=True)  # MkDocs wants its docs folder to exist
            config = mkdocs_config(
                nav, audience, config_file, cache.docs, output, progress, cache.templates
            )
            themes = [ASSETS_DIR, THEME_DIR]
            if config.theme.custom_dir:
                themes.append(Path(config.theme.custom_dir))
            site_state = SiteState(
                digest=BuildCache.site_digest(kb, nav, audience, config_file, themes),
                site_dir=str(site_dir.resolve()),
                marker=site_marker(site_dir),
            )
            if memo is None:  # the listings of the last command, from the build cache
                memo = PlanMemo(cache.folder, fresh=full)
            reuse = None
            if not full and site_state.marker and cache.site() == site_state:
                plan = plan_site(kb, audience=audience, known=cache.pages(), memo=memo)
                try:
                    reuse = reuse_site(plan, cache, site_dir)
                except (OSError, ValueError, KeyError) as exc:
                    # The live search index is unreadable, or a page could not be staged.
                    log.warning("%s: not reused (%s); rendering every page", site_dir, exc)
            if reuse is None:  # stage every page, and our assets, into an empty folder
                plan = plan_site(kb, audience=audience, memo=memo)
                cache.forget_site()
                stage_changes(plan, cache.docs)
                shutil.copytree(ASSETS_DIR, cache.docs / STAGED_ASSETS)
            index = IndexUpdate(kb, root, cache, full=full)
            rendered = len(plan.pages) if reuse is None else reuse.pages
            if on_start is not None:
                on_start(rendered + len(index.changed))
            offline_bytes, generation = _render_and_index(plan, config, reuse, index, progress)
            if reuse is None:
                replace_folder(output, site_dir, aside=building / "old")
            else:
                publish(output, reuse)
            if generation is not None:
                promote(root, generation)
            cache.save_pages(plan)
            cache.save_site(site_state.model_copy(update={"marker": site_marker(site_dir)}))
            cache.save_index(index.state())
    except IndexError_ as exc:  # another build holds the lock
        raise BuildError(str(exc)) from None
    except OSError as exc:  # the site, the index or the build cache could not be written
        raise BuildError(f"{exc.filename or data_dir}: could not build: {exc.strerror}") from None
    manifest_path = write_manifest(manifest_of(plan, audience), data_dir)
    return BuildResult(
        site_dir,
        manifest_path,
        len(plan.pages),
        len(plan.articles),
        rendered,
        len(index.changed) + len(index.removed),
        offline_bytes,
    )
