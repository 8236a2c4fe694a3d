"""The search service's resources: the current index generation, reopened when it changes."""

from __future__ import annotations

import os
import threading

from kbcore.config import Settings
from kbcore.index import index_root, open_current
from kbcore.search import SearchEngine, SearchRequest

__all__ = ["SearchState"]


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
        """Return the engine of the current generation (raises IndexError_ if there is none)."""
        target = self._current_target()
        engine = self._engine
        if engine is not None and target == self._target:
            return engine
        with self._lock:
            if self._engine is None or target != self._target:
                opened = open_current(self.root)
                engine = SearchEngine(opened, time_budget=self.time_budget)
                engine.search(SearchRequest(q="warm up 预热"))  # load jieba before a customer
                self._engine, self._target = engine, os.path.basename(opened.path)
            assert self._engine is not None
            return self._engine
