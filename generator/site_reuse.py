"""An incremental build: MkDocs renders only the changed pages, which then replace the live ones.

The pages staged since the last build (see :mod:`generator.incremental`) are rendered by MkDocs'
dirty build into an empty folder (a plugin tells MkDocs which files changed); once the whole
build succeeded, each file it wrote replaces the live site's, pages that are gone are removed and
the offline search index is merged.
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
    "changed_only_plugin",
    "merge_search_index",
    "publish",
    "quiet_dirty_warning",
    "reuse_site",
    "stage_changes",
]


@dataclass(frozen=True)
class Reuse:
    """A site patched in place: what the dirty build and the publishing must know."""

    site_dir: Path  # the live site
    written: set[str]  # staged files written: MkDocs renders (or copies) them
    removed: list[str]  # staged files removed: their output is removed from the live site
    before: list[dict[str, Any]]  # the last build's offline search index entries

    @property
    def pages(self) -> int:
        return sum(1 for src in self.written if src.endswith(".md"))


def reuse_site(plan: SitePlan, cache: BuildCache, site_dir: Path) -> Reuse:
    """Stage the pages that changed since the build of the live site in ``site_dir``.

    The site state is dropped first: a build that stops halfway leaves staged pages the live
    site does not show (or a site half published), so the next build starts from nothing.
    """
    before = json.loads((site_dir / SEARCH_INDEX).read_text("utf-8"))["docs"]
    (cache.folder / SITE_STATE).unlink(missing_ok=True)
    written, removed = stage_changes(plan, cache.docs)
    return Reuse(site_dir, written, removed, before)


def publish(output: Path, reuse: Reuse) -> None:
    """Move every file of ``output`` into the live site, then remove the pages that are gone.

    Each file replaces the live one in one rename: a reader gets the old page or the new one.
    """
    site = reuse.site_dir
    for src in reuse.removed:
        if src.endswith(".md"):  # articles/x.md: articles/x/index.html, or articles/x.html
            shutil.rmtree(site / src.removesuffix(".md"), ignore_errors=True)
            (site / (src.removesuffix(".md") + ".html")).unlink(missing_ok=True)
        else:
            (site / src).unlink(missing_ok=True)
    for folder, dirs, files in os.walk(output):
        relative = Path(folder).relative_to(output)
        (site / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            os.replace(Path(folder) / name, site / relative / name)
        dirs.sort()


def stage_changes(plan: SitePlan, docs: Path) -> tuple[set[str], list[str]]:
    """Bring the staged files of ``docs`` up to ``plan``: (the files written, the removed ones).

    A page whose Markdown is unchanged (or was not made again) is not written, so MkDocs'
    dirty build skips it.
    Removed are the pages, and the files under kb-files/, that the plan no longer has.
    """
    written = set()
    wanted = {page.src for page in plan.pages}
    for page in plan.pages:
        if page.content is None:  # made from what made the staged page
            continue
        target = docs / page.src
        data = page.content.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written.add(page.src)
    removed = []
    for src in _staged(docs):
        if src not in wanted and src not in plan.files:
            (docs / src).unlink()
            removed.append(src)
    for dest, source in plan.files.items():
        target = docs / dest
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            written.add(dest)
    return written, removed


def _staged(docs: Path) -> list[str]:
    """The pages (``.md``) and the files under kb-files/ staged in ``docs``, relative to it."""
    found = []
    for folder, _, names in os.walk(docs):
        relative = Path(folder).relative_to(docs).as_posix()
        inside = "" if relative == "." else f"{relative}/"
        found += [
            inside + name
            for name in names
            if name.endswith(".md") or inside.startswith(f"{FILES}/")
        ]
    return sorted(found)


def changed_only_plugin(reuse: Reuse, order: list[str]) -> Any:
    """A MkDocs plugin for a dirty build of the changed files only, into an empty folder.

    A file counts as changed when it was staged by this build or its output is missing from the
    live site; MkDocs renders (or copies) those only. It also records the order of the pages
    (``order``), which is the order of the search index's entries.
    """
    from mkdocs.plugins import BasePlugin

    site = str(reuse.site_dir)

    class ChangedOnly(BasePlugin):  # type: ignore[no-untyped-call,type-arg]
        def on_files(self, files: Any, config: Any) -> Any:
            for file in files:
                if file.is_documentation_page():
                    order.append("" if file.url == "./" else file.url)  # as the index has it
                changed = file.src_uri in reuse.written or not os.path.exists(
                    os.path.join(site, file.dest_uri)
                )
                file.is_modified = lambda changed=changed: changed
            return files

    return ChangedOnly()


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
