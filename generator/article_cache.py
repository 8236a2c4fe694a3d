"""Articles as the last load left them, so that loading a knowledge base parses only what changed.

Parsing an article's YAML front matter with the line of every key, then validating it, is most of
the time of loading a large knowledge base, and reading its body's headings and links most of
the time of checking it. The articles loaded without a problem are kept in the build cache
(``articles.pickle``) with what the check read off their bodies, each under its file name and the
SHA-256 of its text; an article whose text or file name changed is parsed again, and every
article when the schema, the code that parses them or the tools changed. Only this tool writes the
file, into the data folder that holds the rest of the build cache; a file that cannot be read is
ignored. It is written again only once more than one article in a hundred differs from it: until
then the next load reads and parses again the few articles it lacks, which costs less than
writing every article again.

An article's file is not even read again when its size, inode, modification and change times
are those it had when it was read, and its change time was at least :data:`RACY_NS` older than
the reading: a file written again within the same tick of the file system's clock keeps its
times, so recent times prove nothing (the rules git applies to its index). The change time is
the kernel's: setting a file's times back (``touch -d``, ``cp -p``) sets it to now.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cachefile import (
    CACHE_VERSION,
    code_of,
    digest,
    uncollected,
    versions,
    write_whole,
)
from generator.frontmatter import ArticleMeta

if TYPE_CHECKING:
    from generator.knowledge import Article

__all__ = ["ArticleCache", "Stat", "stat_of"]

log = logging.getLogger("kb.build")
TOOLS = ("kb-portal", "pydantic", "pyyaml")
# The modules whose code makes what is kept: another version of any of them, and nothing is.
PARSERS = ("article_cache.py", "body.py", "frontmatter.py", "knowledge.py", "yamldoc.py")
# How much older than its reading a file's time must be to vouch for its text (FAT's clock ticks
# every 2 s; most others within milliseconds).
RACY_NS = 3_000_000_000
# The file is written again once more than one article in REWRITE_SHARE differs from what it
# holds: writing it costs about 40 µs an article (0.4 s at 10,000), and each article it lacks
# costs the next load a read (and, if its text changed, a parse of about 1 ms).
REWRITE_SHARE = 100

Stat = tuple[int, int, int, int]  # size, inode, modification and change times (ns)


def stat_of(path: Path) -> Stat:
    found = os.stat(path)
    return found.st_size, found.st_ino, found.st_mtime_ns, found.st_ctime_ns


class ArticleCache:
    """The articles of the last load of one knowledge base, by file and text digest.

    A load takes articles with :meth:`unchanged` or :meth:`get` and keeps new ones with
    :meth:`put`; :meth:`settle` then makes them what the next load knows, and :meth:`save` keeps
    them on disk. A process that loads the same knowledge base again (`kb serve --watch`) keeps
    one cache, and reads the file only once.

    ``fresh``: the file is not read (every article is parsed), only written.
    """

    def __init__(self, folder: Path, *, fresh: bool = False) -> None:
        self.path = folder / "articles.pickle"
        schema = json.dumps(ArticleMeta.model_json_schema(), sort_keys=True)
        self.key = digest(str(CACHE_VERSION), *versions(TOOLS), schema, *code_of(PARSERS))
        # file → (article, the file's stat when read, when it was read)
        self.known: dict[str, tuple[Article, Stat, int]] = {}
        self.used: dict[str, tuple[Article, Stat, int]] = {}
        self.on_disk: dict[str, tuple[Article, Stat, int]] = {}  # what the file holds
        self.stale = 0  # how many articles known differ from the file's
        if fresh:  # every article parsed, and kept for the next load
            return
        try:
            with self.path.open("rb") as file, uncollected():
                data: Any = pickle.load(file)
            if isinstance(data, dict) and data.get("key") == self.key:
                self.known = dict(data["articles"])
                self.on_disk = dict(self.known)
        except FileNotFoundError:
            pass  # the first load
        except Exception as exc:  # noqa: BLE001 - any unreadable cache is only a slower load
            log.info("%s: not read (%s); every article is parsed", self.path, exc)

    def unchanged(self, path: Path) -> Article | None:
        """The article of ``path`` as loaded before, if its file provably was not written since."""
        found = self.known.get(str(path))
        if found is None:
            return None
        article, stat, read_at = found
        try:
            if stat_of(path) != stat or stat[3] > read_at - RACY_NS:
                return None
        except OSError:
            return None
        self.used[str(path)] = found
        return article

    def get(self, path: Path, text_digest: str, stat: Stat) -> Article | None:
        """The article of ``path`` as loaded before, if its text is the same.

        ``stat``: the file's, taken before its text was read.
        """
        found = self.known.get(str(path))
        if found is None or found[0].digest != text_digest:
            return None
        self.used[str(path)] = (found[0], stat, time.time_ns())
        return found[0]

    def put(self, article: Article, stat: Stat) -> None:
        """Keep ``article``, which loaded without a problem (``stat``: as for :meth:`get`)."""
        self.used[str(article.path)] = (article, stat, time.time_ns())

    def settle(self) -> None:
        """Make this load's articles what the next load knows (and :meth:`save` writes)."""
        on_disk = self.on_disk
        # The file's own entries are taken as they are: the same objects.
        self.stale = sum(1 for name, found in self.used.items() if on_disk.get(name) is not found)
        self.known, self.used = self.used, {}

    def save(self) -> None:
        """Keep the settled articles once more than one in :data:`REWRITE_SHARE` differs from
        the file's (every change, below 100 articles); skipped if not writable."""
        if self.stale * REWRITE_SHARE <= len(self.known):
            return
        try:
            data = {"key": self.key, "articles": self.known}
            write_whole(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            self.on_disk, self.stale = dict(self.known), 0
        except OSError as exc:
            log.info("%s: build cache not written: %s", self.path, exc.strerror)
