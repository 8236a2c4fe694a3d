"""Where the links of a knowledge base's articles point: an article, a file under ``kb/``, or
nothing that exists. The check reports the broken ones; the pages rewrite the others."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.knowledge import Article, KnowledgeBase

__all__ = ["LinkTarget", "Links"]

_ARTICLE_URL = re.compile(r"^/articles/([a-z0-9-]+)/?$")


class LinkTarget:
    """Where a relative link inside an article points: an article or a file under ``kb/``."""

    def __init__(
        self, *, article: Article | None = None, file: Path | None = None, fragment: str = ""
    ) -> None:
        self.article = article
        self.file = file
        self.fragment = fragment


class Links:
    """Resolve the link targets of ``kb``'s articles.

    Articles are looked up by the normalized text of their path, not by :class:`~pathlib.Path`:
    hashing a new path for each link was most of the time of resolving it.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.root = kb.root.resolve()
        self.by_file = {posixpath.normpath(a.path.as_posix()): a for a in kb.articles}
        self.by_id = {a.id: a for a in kb.articles}

    def resolve(self, source: Article, target: str) -> LinkTarget | None:
        """Resolve a link target of ``source``; None if it points at nothing that exists.

        External URLs and same-page anchors resolve to an empty :class:`LinkTarget`.
        """
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("#"):
            return LinkTarget(fragment=parts.fragment)
        match = _ARTICLE_URL.match(parts.path)
        if match:
            found = self.by_id.get(match.group(1))
            return LinkTarget(article=found, fragment=parts.fragment) if found else None
        if parts.path.startswith("/"):
            return None
        folder = posixpath.dirname(source.path.as_posix())
        relative = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        article = self.by_file.get(relative)
        if article is not None:
            return LinkTarget(article=article, fragment=parts.fragment)
        path = Path(relative)
        if path.suffix == ".md":  # an article that is not there
            return None
        resolved = path.resolve()
        if resolved.is_file() and resolved.is_relative_to(self.root):
            return LinkTarget(file=path, fragment=parts.fragment)
        return None
