"""Which articles exist, and for whom.

Public articles (archived ones too: their pages stay, with the rating widget) come from the
manifest of the last build; internal ones, which only agents may name, from the current search
index. Both are reread when they change.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from kbcore.index import IndexError_, index_root, open_current
from kbcore.manifest import MANIFEST_NAME, ManifestError, read_manifest

__all__ = ["Catalog"]


class Catalog:
    """The ids of the public and of the internal articles, cached per build."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = index_root(data_dir)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, str] | None = None
        self._public: frozenset[str] = frozenset()
        self._internal: frozenset[str] = frozenset()

    def _refresh(self) -> None:
        try:
            stat = os.stat(self.data_dir / MANIFEST_NAME)
            target = os.readlink(self.root / "current")
        except OSError:
            return
        stamp = (stat.st_mtime_ns, stat.st_ino, target)
        if stamp == self._stamp:
            return
        with self._lock:
            try:
                manifest = read_manifest(self.data_dir)
                opened = open_current(self.root)
            except (ManifestError, IndexError_):
                return
            with opened.index.searcher() as searcher:
                internal = {
                    fields["id"]
                    for fields in searcher.all_stored_fields()
                    if fields.get("audience") == "internal"
                }
            self._public = frozenset(a.id for a in manifest.articles if a.audience == "public")
            self._internal = frozenset(internal)
            self._stamp = stamp

    def visible(self, article_id: str, *, agent: bool) -> bool:
        """Whether the article exists for this reader: public ones for all, internal for agents."""
        self._refresh()
        return article_id in self._public or (agent and article_id in self._internal)

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, str) and self.visible(article_id, agent=False)
