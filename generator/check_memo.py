"""The near-duplicate warnings of the last check, used again while what they come from is the same.

They are made of each article's path, front matter (the words compared, product, language,
translations) and title line, of the analysis' words (product names, keywords, tags, synonyms) and
of the code that compares them. A body edit changes none of these, so the next check takes the
warnings as they are instead of comparing every pair again (0.7 s at 10,000 articles).

A process that checks the same knowledge base again (`kb serve --watch`) keeps the memo in memory
and first compares the very objects of the last check; every check also compares fingerprints of
the front matter with those kept in the build cache (``near-duplicates.json``), so the next `kb
check` or `kb build` command uses them too.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from generator.cachefile import (
    CACHE_VERSION,
    code_of,
    digest,
    uncollected,
    versions,
    write_whole,
)
from generator.knowledge import KnowledgeBase
from generator.problems import Problem

__all__ = ["CheckMemo"]

log = logging.getLogger("kb.check")

FILE = "near-duplicates.json"
# The code that finds the warnings: another version of any of these, and none is used again.
CODE = ("check_memo.py", "checks.py", "similar.py")
TOOLS = ("kb-portal", "jieba", "opencc")

State = list[tuple[str, str, int]]  # each article's path, front matter's fingerprint, title line


class CheckMemo:
    """The near-duplicate warnings of the last check and what they were made of.

    ``folder``: the build cache to read them from and keep them in (None: in memory only).
    """

    def __init__(self, folder: Path | None = None, *, fresh: bool = False) -> None:
        """``fresh``: the file is not read (the articles are compared), only written."""
        self.path = None if folder is None else folder / FILE
        self.objects: Any = None  # the last check's own objects, in this process
        self.key = ""
        self.state: State = []
        self.found: list[Problem] = []
        if self.path is None or fresh:
            return
        try:
            with uncollected():
                data = json.loads(self.path.read_text("utf-8"))
                self.key = data["key"]
                self.state = [(p, fingerprint, line) for p, fingerprint, line in data["state"]]
                self.found = [
                    Problem(Path(path), line, field, expected, found, "warning")
                    for path, line, field, expected, found in data["found"]
                ]
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("%s: not read (%s); near duplicates are looked for again", self.path, exc)
            self.key, self.state, self.found = "", [], []

    @staticmethod
    def _key(kb: KnowledgeBase) -> str:
        products = {name: product.model_dump(mode="json") for name, product in kb.products.items()}
        return digest(
            str(CACHE_VERSION),
            *versions(TOOLS),
            *code_of(CODE),
            json.dumps([products, kb.synonyms], ensure_ascii=False, sort_keys=True),
        )

    @staticmethod
    def _objects(kb: KnowledgeBase) -> Any:
        articles = [(a.path, a.meta, a.lines.line_of(("title",))) for a in kb.articles]
        return kb.products, kb.synonyms, articles

    @staticmethod
    def _state(kb: KnowledgeBase) -> State:
        """Each article's path, a fingerprint of its front matter and its title's line."""
        return [(str(a.path), a.front_digest, a.lines.line_of(("title",))) for a in kb.articles]

    def reuse(self, kb: KnowledgeBase) -> list[Problem] | None:
        """The warnings of the last check if ``kb`` would give the same, else None."""
        if self.objects is not None and self._objects(kb) == self.objects:
            return self.found
        if self.key and self._key(kb) == self.key and self._state(kb) == self.state:
            self.objects = self._objects(kb)
            return self.found
        return None

    def keep(self, kb: KnowledgeBase, found: list[Problem]) -> None:
        """Remember ``found``, the warnings of ``kb``, and keep them in the build cache."""
        self.objects, self.key, self.state, self.found = (
            self._objects(kb),
            self._key(kb),
            self._state(kb),
            found,
        )
        if self.path is None:
            return
        data = {
            "key": self.key,
            "state": self.state,
            "found": [[str(p.path), p.line, p.field, p.expected, p.found] for p in found],
        }
        try:
            write_whole(self.path, json.dumps(data, ensure_ascii=False))
        except OSError as exc:
            log.info("%s: not written: %s", self.path, exc.strerror)
