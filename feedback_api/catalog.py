"""Which articles exist for the public: the manifest of the last build, reread when it changes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from kbcore.manifest import MANIFEST_NAME, ManifestError, read_manifest

__all__ = ["Catalog"]


class Catalog:
    """The ids of the articles readers can rate (public, published), cached per manifest."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._ids: frozenset[str] = frozenset()

    def ids(self) -> frozenset[str]:
        """Return the rateable article ids (empty before the first build)."""
        try:
            stat = os.stat(self.data_dir / MANIFEST_NAME)
        except OSError:
            return frozenset()
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp != self._stamp:
            with self._lock:
                try:
                    manifest = read_manifest(self.data_dir)
                except ManifestError:
                    return frozenset()
                self._ids = frozenset(a.id for a in manifest.articles if a.audience == "public")
                self._stamp = stamp
        return self._ids

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.ids()
