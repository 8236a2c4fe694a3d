"""Live preview for writers: `kb serve --watch` rebuilds what changed and reloads the page.

At start the public site is built in full. Then every change under the knowledge base folder (or
to ``mkdocs.yml``) triggers a check and a rebuild:

* only the pages whose generated Markdown changed are rendered again (an MkDocs "dirty" build over
  a staging folder kept for the session), and the offline search index is merged, not rebuilt;
* only the changed articles are indexed again, in a new index generation that hard-links the
  current one's files; a change to keywords, tags, synonyms, products, categories or the site
  settings rebuilds everything instead, since it changes the words of every article;
* a knowledge base with errors keeps the last good site, and the page shows the errors.

Pages served in preview load ``/__kb/preview.js``, which polls ``/__kb/preview`` and reloads the
page after each rebuild.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory

from generator.build import build_site, manifest_of, mkdocs_config, stage
from generator.check import run_checks
from generator.errors import BuildError
from generator.indexer import analysis_of, searchable, update_generation
from generator.knowledge import KnowledgeBase
from generator.offline_index import slim_search_index
from generator.pages import plan_site
from kbcore.config import Settings
from kbcore.index import CURRENT, build_lock, index_root, promote
from kbcore.manifest import write_manifest

__all__ = ["Preview", "watch"]

SCRIPT = '<script src="/__kb/preview.js" defer></script>'
SCRIPT_DIR = Path(__file__).parent / "preview_assets"  # never copied into a built site
DEBOUNCE_S = 0.3
log = logging.getLogger("kb.preview")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _location(src: str) -> str:
    """The search index's location of a page: ``articles/x.md`` → ``articles/x/``."""
    if src == "index.md":
        return ""
    if src.endswith("/index.md"):
        return src.removesuffix("index.md")
    return src.removesuffix(".md") + "/"


@contextmanager
def _quiet_dirty_warning() -> Iterator[None]:
    """MkDocs warns that a dirty build may be inaccurate: we rebuild what depends on a change."""
    logger = logging.getLogger("mkdocs.commands.build")

    def keep(record: logging.LogRecord) -> bool:
        return "dirty" not in record.getMessage()

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


class Preview:
    """The writer's preview of the public site, rebuilt in place as articles change."""

    def __init__(self, settings: Settings, echo: Callable[[str], None]) -> None:
        self.settings = settings
        self.echo = echo
        self.docs = Path(tempfile.mkdtemp(prefix="kb-preview-"))
        self.version = 0
        self.problems: list[str] = []
        self._changed = threading.Condition()
        self._articles: dict[str, str] = {}  # id → digest of its file, for searchable articles
        self._words = ""  # digest of what the index's analysis and the site settings depend on

    def close(self) -> None:
        shutil.rmtree(self.docs, ignore_errors=True)

    # ------------------------------------------------------------------------------ rebuilds

    def _snapshot(self, kb: KnowledgeBase) -> tuple[dict[str, str], str]:
        articles = {a.id: _digest(a.path.read_text("utf-8")) for a in searchable(kb)}
        settings = [
            p.read_text("utf-8", errors="replace")
            for p in sorted(kb.root.glob("*.y*ml"))
            if p.is_file()
        ]
        config = self.settings.mkdocs_config
        settings.append(config.read_text("utf-8") if config.is_file() else "")
        return articles, _digest(*analysis_of(kb).terms, *settings)

    def _full(self, kb: KnowledgeBase) -> None:
        build_site(
            kb,
            config_file=self.settings.mkdocs_config,
            site_dir=self.settings.site_dir,
            data_dir=self.settings.data_dir,
        )
        shutil.rmtree(self.docs, ignore_errors=True)
        self.docs.mkdir()
        stage(plan_site(kb), self.docs)
        for path in self.docs.rglob("*"):  # older than the site: a dirty build skips them
            os.utime(path, (0, 0))

    def _incremental(self, kb: KnowledgeBase, articles: dict[str, str]) -> int:
        """Render the pages whose Markdown changed; re-index the changed articles."""
        from mkdocs.commands.build import build as mkdocs_build

        plan = plan_site(kb)
        site = self.settings.site_dir
        wanted = {page.src for page in plan.pages}
        rendered = 0
        for page in plan.pages:
            target = self.docs / page.src
            if not target.is_file() or target.read_text("utf-8") != page.content:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page.content, encoding="utf-8")
                rendered += 1
        for old in self.docs.rglob("*.md"):
            src = old.relative_to(self.docs).as_posix()
            if src not in wanted and not src.startswith("assets/"):
                old.unlink()
                shutil.rmtree(site / src.removesuffix(".md"), ignore_errors=True)
        for dest, source in plan.files.items():
            shutil.copyfile(source, self.docs / dest)
        index_path = site / "search" / "search_index.json"
        before = json.loads(index_path.read_text("utf-8"))["docs"]
        config = mkdocs_config(plan, "public", self.settings.mkdocs_config, self.docs, site, None)
        with _quiet_dirty_warning():
            mkdocs_build(config, dirty=True)
        after = json.loads(index_path.read_text("utf-8"))
        redone = {entry["location"].partition("#")[0] for entry in after["docs"]}
        live = {_location(src) for src in wanted}
        after["docs"] += [
            entry for entry in before if entry["location"].partition("#")[0] in live - redone
        ]
        index_path.write_text(json.dumps(after, ensure_ascii=False), encoding="utf-8")
        slim_search_index(site, plan.articles)

        changed = [a for a in searchable(kb) if self._articles.get(a.id) != articles[a.id]]
        removed = sorted(set(self._articles) - set(articles))
        if changed or removed:
            root = index_root(self.settings.data_dir)
            with build_lock(root):
                base = root / os.readlink(root / CURRENT)
                promote(root, update_generation(kb, root, base, changed, removed))
        write_manifest(manifest_of(plan, "public"), self.settings.data_dir)
        return rendered

    def rebuild(self, *, full: bool = False) -> None:
        """Check the knowledge base and rebuild what changed; report problems, never raise."""
        started = time.monotonic()
        result = run_checks(self.settings.kb_dir)
        errors = [str(p) for p in sorted(result.problems.errors)]
        try:
            if errors or result.kb is None:
                self.echo(f"kb serve --watch: {len(errors)} error(s); still serving the last site")
                for line in errors:
                    self.echo(f"  {line}")
            else:
                articles, words = self._snapshot(result.kb)
                if full or words != self._words:
                    self._full(result.kb)
                    what = "everything"
                else:
                    what = f"{self._incremental(result.kb, articles)} page(s)"
                self._articles, self._words = articles, words
                self.echo(f"Rebuilt {what} in {time.monotonic() - started:.1f} s")
        except (BuildError, OSError, ValueError) as exc:
            errors = [f"could not rebuild: {exc}"]
            self.echo(f"kb serve --watch: {errors[0]}")
        with self._changed:
            self.problems = errors
            self.version += 1
            self._changed.notify_all()

    # ------------------------------------------------------------------------------ browser

    def state(self) -> dict[str, Any]:
        with self._changed:
            return {"version": self.version, "problems": self.problems}

    def init_app(self, app: Flask) -> None:
        """Serve the preview's script and state, and add the script to every HTML page."""

        @app.get("/__kb/preview")
        def preview_state() -> Response:
            response = jsonify(self.state())
            response.headers["Cache-Control"] = "no-store"
            return response

        @app.get("/__kb/preview.js")
        def preview_script() -> Response:
            return send_from_directory(SCRIPT_DIR, "kb-preview.js", max_age=0)

        @app.after_request
        def add_script(response: Response) -> Response:
            if response.mimetype != "text/html" or request.path.startswith("/api/"):
                return response
            response.direct_passthrough = False
            html = response.get_data(as_text=True)
            if "</body>" in html:
                response.set_data(html.replace("</body>", SCRIPT + "</body>", 1))
            return response


def watch(preview: Preview, stop: threading.Event) -> None:
    """Rebuild ``preview`` after changes to the knowledge base or ``mkdocs.yml`` settle."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    kb_dir = preview.settings.kb_dir.resolve()
    config = preview.settings.mkdocs_config.resolve()
    pending = threading.Event()

    def relevant(raw: bytes | str) -> bool:
        path = Path(os.fsdecode(raw)).resolve()
        if path.name.startswith(".") or path.name.endswith(("~", ".swp", ".swx", ".tmp")):
            return False  # editors' and tools' temporary files
        return path == config or path.is_relative_to(kb_dir)

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            paths = [event.src_path, getattr(event, "dest_path", "") or event.src_path]
            if any(relevant(p) for p in paths):
                pending.set()

    observer = Observer()
    observer.schedule(Handler(), str(kb_dir), recursive=True)
    observer.schedule(Handler(), str(config.parent), recursive=False)
    observer.start()
    try:
        while not stop.is_set():
            if pending.wait(0.5):
                time.sleep(DEBOUNCE_S)  # an editor's save is often several events
                pending.clear()
                preview.rebuild()
    finally:
        observer.stop()
        observer.join()
