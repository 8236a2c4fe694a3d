"""Live preview for writers: `kb serve --watch` rebuilds what changed and reloads the page.

Every change under the knowledge base folder (or to ``mkdocs.yml``) triggers a check and a
``kb build`` of the public site, which renders only the pages whose generated Markdown changed
and indexes only the changed articles (:mod:`generator.incremental`), in a build session that
keeps what did not change in memory (:mod:`generator.session`); a knowledge base with errors
keeps the last good site, and the page shows the errors.

Pages served in preview load ``/__kb/preview.js``, which polls ``/__kb/preview`` and reloads the
page after each rebuild.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory

from generator.errors import BuildError
from generator.session import BuildSession
from kbcore.config import Settings

__all__ = ["Preview", "watch"]

SCRIPT = '<script src="/__kb/preview.js" defer></script>'
SCRIPT_DIR = Path(__file__).parent / "preview_assets"  # never copied into a built site
DEBOUNCE_S = 0.3


class Preview:
    """The writer's preview of the public site, built again as articles change."""

    def __init__(self, settings: Settings, echo: Callable[[str], None]) -> None:
        self.settings = settings
        self.session = BuildSession(settings)
        self.echo = echo
        self.version = 0
        self.problems: list[str] = []
        self._changed = threading.Condition()

    def rebuild(self, *, full: bool = False) -> None:
        """Check the knowledge base and rebuild what changed; report problems, never raise.

        ``full`` renders and indexes everything again, as ``kb build --full``.
        """
        started = time.monotonic()
        result = self.session.check()
        errors = [str(p) for p in sorted(result.problems.errors)]
        try:
            if errors or result.kb is None:
                self.echo(f"kb serve --watch: {len(errors)} error(s); still serving the last site")
                for line in errors:
                    self.echo(f"  {line}")
            else:
                built = self.session.build(result.kb, full=full)
                if self.version == 0:  # while the writer reads the page, before the first save
                    threading.Thread(target=self.session.warm_up, daemon=True).start()
                self.echo(
                    f"Rebuilt {built.rendered} page(s), {built.indexed} article(s) indexed, "
                    f"in {time.monotonic() - started:.1f} s"
                )
        except (BuildError, OSError, ValueError) as exc:
            errors = [f"could not rebuild: {exc}"]
            self.echo(f"kb serve --watch: {errors[0]}")
        with self._changed:
            self.problems = errors
            self.version += 1
            self._changed.notify_all()
        self.session.save()  # once the page can reload

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


def watch(preview: Preview, stop: threading.Event, watching: threading.Event) -> None:
    """Rebuild ``preview`` after changes to the knowledge base or ``mkdocs.yml`` settle.

    ``watching`` is set once changes are being watched: a save before that is not seen.
    """
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
    watching.set()
    try:
        while not stop.is_set():
            if pending.wait(0.5):
                time.sleep(DEBOUNCE_S)  # an editor's save is often several events
                pending.clear()
                preview.rebuild()
    finally:
        observer.stop()
        observer.join()
