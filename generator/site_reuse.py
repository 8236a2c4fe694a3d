"""A site started as a copy of the last one: MkDocs renders only the pages that changed.

The live site is copied as hard links; the pages staged since the last build (see
:mod:`generator.incremental`) are rendered by MkDocs' dirty build, which a plugin keeps from
writing through the links; the offline search index is merged.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.incremental import SITE_STATE, BuildCache
from generator.offline_index import SEARCH_INDEX, slim_entries, write_search_index
from generator.pagekit import FILES, SitePlan

__all__ = [
    "Reuse",
    "link_tree",
    "merge_search_index",
    "quiet_dirty_warning",
    "reuse_site",
    "stage_changes",
    "unshare_plugin",
]


@dataclass(frozen=True)
class Reuse:
    """A site started as a copy of the last one: what the dirty build must know."""

    written: set[str]  # staged files written: MkDocs renders (or copies) them
    before: list[dict[str, Any]]  # the last build's offline search index entries

    @property
    def pages(self) -> int:
        return sum(1 for src in self.written if src.endswith(".md"))


def reuse_site(plan: SitePlan, cache: BuildCache, site_dir: Path, output: Path) -> Reuse:
    """Start ``output`` as a hard-linked copy of ``site_dir`` and stage the changed pages.

    The site state is dropped first: a build that stops halfway leaves staged pages the live
    site does not show, so the next build starts from nothing.
    """
    before = json.loads((site_dir / SEARCH_INDEX).read_text("utf-8"))["docs"]
    (cache.folder / SITE_STATE).unlink(missing_ok=True)
    link_tree(site_dir, output)
    written, removed = stage_changes(plan, cache.docs)
    for src in removed:
        if src.endswith(".md"):  # articles/x.md: articles/x/index.html, or articles/x.html
            shutil.rmtree(output / src.removesuffix(".md"), ignore_errors=True)
            (output / (src.removesuffix(".md") + ".html")).unlink(missing_ok=True)
        else:
            (output / src).unlink(missing_ok=True)
    return Reuse(written, before)


def stage_changes(plan: SitePlan, docs: Path) -> tuple[set[str], list[str]]:
    """Bring the staged files of ``docs`` up to ``plan``: (the files written, the removed ones).

    A page whose Markdown is unchanged keeps its 1970 date, so MkDocs' dirty build skips it.
    Removed are the pages, and the files under kb-files/, that the plan no longer has.
    """
    written = set()
    wanted = {page.src for page in plan.pages}
    for page in plan.pages:
        target = docs / page.src
        data = page.content.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.add(page.src)
    removed = []
    for old in [*docs.rglob("*.md"), *docs.glob(f"{FILES}/**/*")]:
        src = old.relative_to(docs).as_posix()
        if old.is_file() and src not in wanted and src not in plan.files:
            old.unlink()
            removed.append(src)
    for dest, source in plan.files.items():
        target = docs / dest
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.add(dest)
    return written, removed


def link_tree(source: Path, target: Path) -> None:
    """Copy the folder ``source`` to ``target`` as hard links: fast, and no file is written."""
    for folder, dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            os.link(Path(folder) / name, target / relative / name)
        dirs.sort()


def unshare_plugin(site: Path, written: set[str], order: list[str]) -> Any:
    """A MkDocs plugin for a dirty build into a hard-linked copy of the live site.

    Before MkDocs writes a file it unlinks it, so MkDocs writes a new file and the live site's
    stays as it was. The output of each staged file in ``written`` is unlinked whatever the
    files' times say, so MkDocs renders it. It also records the order of the pages (``order``),
    which is the order of the search index's entries.
    """
    from mkdocs.plugins import BasePlugin

    class Unshare(BasePlugin):  # type: ignore[no-untyped-call,type-arg]
        def on_files(self, files: Any, config: Any) -> Any:
            always = [*config.theme.static_templates, *config.extra_templates]
            for name in [*always, "sitemap.xml.gz", SEARCH_INDEX]:
                (site / name).unlink(missing_ok=True)
            for file in files:
                if file.is_documentation_page():
                    order.append("" if file.url == "./" else file.url)  # as the index has it
                if file.src_uri in written or file.is_modified():
                    Path(file.abs_dest_path).unlink(missing_ok=True)
            return files

    return Unshare()


def merge_search_index(
    site: Path, before: list[dict[str, Any]], order: list[str], plan: SitePlan
) -> int:
    """Merge the entries of the pages rendered again into the last build's offline index.

    ``before`` holds the last build's (slimmed) entries; Material's index in ``site`` holds the
    pages this dirty build rendered. Entries follow the pages' order, as in a full build.
    """
    path = site / SEARCH_INDEX
    data = json.loads(path.read_text("utf-8"))
    fresh = slim_entries(data["docs"], plan.articles)
    redone = {entry["location"].partition("#")[0] for entry in fresh}
    rank = {location: i for i, location in enumerate(order)}
    kept = [
        entry
        for entry in before
        if (page := entry["location"].partition("#")[0]) in rank and page not in redone
    ]
    data["docs"] = sorted(fresh + kept, key=lambda e: rank[e["location"].partition("#")[0]])
    return write_search_index(path, data)


@contextmanager
def quiet_dirty_warning() -> Iterator[None]:
    """MkDocs warns that a dirty build may be inaccurate: we render what depends on a change."""
    logger = logging.getLogger("mkdocs.commands.build")

    def keep(record: logging.LogRecord) -> bool:
        return "dirty" not in record.getMessage()

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
