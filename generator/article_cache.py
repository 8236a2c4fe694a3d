"""Articles as the last load left them, so that loading a knowledge base parses only what changed.

Parsing an article's YAML front matter with the line of every key, then validating it, is most of
the time of loading a large knowledge base, and reading its body's headings and links most of
the time of checking it. The articles loaded without a problem are kept in the build cache
(``articles.pickle``) with what the check read off their bodies, each under its file name and the
SHA-256 of its text; an article whose text or file name changed is parsed again, and every
article when the schema, the code that parses them or the tools changed. Only this tool writes the
file, into the data folder that holds the rest of the build cache; a file that cannot be read is
ignored.
"""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cachefile import CACHE_VERSION, digest, versions, write_whole
from generator.frontmatter import ArticleMeta

if TYPE_CHECKING:
    from generator.knowledge import Article

__all__ = ["ArticleCache"]

log = logging.getLogger("kb.build")
TOOLS = ("kb-portal", "pydantic", "pyyaml")
# The modules whose code makes what is kept: another version of any of them, and nothing is.
PARSERS = ("body.py", "frontmatter.py", "knowledge.py", "yamldoc.py")


class ArticleCache:
    """The articles of the last load of one knowledge base, by file and text digest.

    ``fresh``: the file is not read (every article is parsed), only written.
    """

    def __init__(self, folder: Path, *, fresh: bool = False) -> None:
        self.path = folder / "articles.pickle"
        schema = json.dumps(ArticleMeta.model_json_schema(), sort_keys=True)
        code = [(Path(__file__).parent / name).read_bytes() for name in PARSERS]
        self.key = digest(str(CACHE_VERSION), *versions(TOOLS), schema, *code)
        self.known: dict[str, Article] = {}
        self.used: dict[str, Article] = {}
        if fresh:  # every article parsed, and kept for the next load
            return
        try:
            with self.path.open("rb") as file:
                data: Any = pickle.load(file)
            if isinstance(data, dict) and data.get("key") == self.key:
                self.known = dict(data["articles"])
        except FileNotFoundError:
            pass  # the first load
        except Exception as exc:  # noqa: BLE001 - any unreadable cache is only a slower load
            log.info("%s: not read (%s); every article is parsed", self.path, exc)

    def get(self, path: Path, text_digest: str) -> Article | None:
        """The article of ``path`` as loaded before, if its text is the same."""
        found = self.known.get(str(path))
        if found is None or found.digest != text_digest:
            return None
        self.used[str(path)] = found
        return found

    def put(self, article: Article) -> None:
        """Keep ``article``, which loaded without a problem."""
        self.used[str(article.path)] = article

    def save(self) -> None:
        """Keep this load's articles (if they differ from the last); skipped if not writable."""
        if self.used.keys() == self.known.keys() and all(
            self.used[name] is self.known[name] for name in self.used
        ):
            return
        try:
            data = {"key": self.key, "articles": self.used}
            write_whole(self.path, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.info("%s: build cache not written: %s", self.path, exc.strerror)
