"""The search service's resources: the current index generation, reopened when it changes.

A generation whose files were damaged after the build (truncated, overwritten) makes Whoosh fail
in many ways (``EOFError``, ``struct.error``, a bare ``Exception``…). When a search fails, or
when the files' sizes or modification times differ from when the engine was made (the engine
keeps what it has read in memory, so a damaged file may not fail at once), the files are checked
against the digests the build recorded; if one differs, the search raises
:class:`~kbcore.index.IndexError_` naming it, and so does every later search of that generation,
at once, until a build moves ``current``. A failure over intact files is a bug and propagates.
"""

from __future__ import annotations

import os
import threading
from contextlib import suppress
from pathlib import Path

from kbcore.config import Settings
from kbcore.index import IndexError_, OpenIndex, check_files, index_root, open_current
from kbcore.search import SearchEngine, SearchRequest, SearchResponse

__all__ = ["CheckedEngine", "SearchState"]

WARM_UP = SearchRequest(q="warm up 预热")


def _stat_signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of a generation's files (cheap, no reading; with
    ``scandir``, half the time of ``Path.iterdir`` and ``Path.stat``: it runs on every search)."""
    found = []
    with os.scandir(path) as entries:
        for entry in entries:
            with suppress(OSError):  # removed meanwhile
                stat = entry.stat()
                found.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


class CheckedEngine(SearchEngine):
    """A generation's engine that reports a damaged index as IndexError_, fast after the first."""

    def __init__(self, opened: OpenIndex, *, time_budget: float) -> None:
        super().__init__(opened, time_budget=time_budget)
        self._damage: str | None = None
        self._checked: tuple[tuple[str, int, int], ...] | None = None
        self._check_lock = threading.Lock()
        self._as_opened = self._signature()

    def _signature(self) -> tuple[tuple[str, int, int], ...] | None:
        try:
            return _stat_signature(self.opened.path)
        except OSError:
            return None

    def search(self, request: SearchRequest) -> SearchResponse:
        """Search, or raise IndexError_ if the generation's files are damaged."""
        if self._damage is None and self._signature() != self._as_opened:
            self._find_damage()
        if self._damage is not None:
            raise IndexError_(self._damage)
        try:
            return super().search(request)
        except Exception:
            damage = self._find_damage()
            if damage is None:
                raise
            raise IndexError_(damage) from None

    def _find_damage(self) -> str | None:
        """Check the files against the build's digests, once for each state of the folder."""
        path = self.opened.path
        with self._check_lock:
            if self._damage is not None:
                return self._damage
            try:
                signature = _stat_signature(path)
            except OSError as exc:
                self._damage = f"{path}: expected an index folder, found {exc.strerror}"
                return self._damage
            if signature == self._checked:
                return None  # the same files were found intact after an earlier failure
            try:
                check_files(path, self.opened.meta)
            except IndexError_ as exc:
                self._damage = str(exc)
                return self._damage
            self._checked = signature
            return None


class SearchState:
    """Own the engine of the current generation; switch when ``current`` moves."""

    def __init__(self, settings: Settings) -> None:
        self.root = index_root(settings.data_dir)
        self.time_budget = settings.search_time_budget_ms / 1000
        self._lock = threading.Lock()
        self._engine: SearchEngine | None = None
        self._target: str | None = None

    def _current_target(self) -> str | None:
        try:
            return os.readlink(self.root / "current")
        except OSError:
            return None

    def engine(self) -> SearchEngine:
        """Return the engine of the current generation (raises IndexError_ if there is none).

        The engine's ``search`` raises IndexError_ when the generation's files are damaged.
        """
        target = self._current_target()
        engine = self._engine
        if engine is not None and target == self._target:
            return engine
        with self._lock:
            if self._engine is None or target != self._target:
                opened = open_current(self.root)
                engine = CheckedEngine(opened, time_budget=self.time_budget)
                # Load jieba before a customer does. A damaged generation is kept all the same:
                # its searches then answer at once, without reopening it on every request.
                with suppress(IndexError_):
                    engine.search(WARM_UP)
                if self._engine is not None:
                    self._engine.close()  # a search still on it opens it again
                self._engine, self._target = engine, os.path.basename(opened.path)
            assert self._engine is not None
            return self._engine
