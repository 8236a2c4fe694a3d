"""The search index on disk: its schema, its generations and the ``current`` link.

Each build writes a new generation folder under ``<data_dir>/index/`` and then points the
``current`` symlink at it with one atomic rename, so readers never see a half-built index; a
failed build leaves ``current`` where it was. The previous generations are kept for a while so
searches that started on them can finish. Each generation holds ``meta.json`` with the schema
version; an index written by another version is refused with a clear error.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema

from kbcore.analysis import KbTokenizer, TextAnalysis

__all__ = [
    "SCHEMA_VERSION",
    "IndexError_",
    "IndexMeta",
    "OpenIndex",
    "Suggestion",
    "build_lock",
    "index_root",
    "make_schema",
    "open_current",
    "promote",
    "new_generation",
]

SCHEMA_VERSION = 2
CURRENT = "current"
KEEP_GENERATIONS = 3


class IndexError_(Exception):  # noqa: N801 - IndexError is a builtin
    """The search index is missing, unreadable or from another schema version."""


class Suggestion(BaseModel):
    """A completion offered while typing: a title or a known phrasing."""

    model_config = ConfigDict(frozen=True)

    text: str
    norm: str
    url: str | None = None
    audience: str = "public"
    lang: str = "zh-Hans"
    group: str = ""  # translation group: one completion per article


class IndexMeta(BaseModel):
    """What a generation holds, written beside the Whoosh files."""

    model_config = ConfigDict(frozen=True)

    schema_version: int
    built_at: datetime
    documents: int
    synonyms: list[list[str]]
    suggestions: list[Suggestion]


def make_schema(analysis: TextAnalysis) -> Schema:
    """Declare the index fields; ``analysis`` is pickled into the index with them."""
    words = KbTokenizer(analysis, "words")
    grams = KbTokenizer(analysis, "grams")
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=words, stored=True),
        phrases=TEXT(analyzer=words),  # keywords, tags and the summary
        codes=TEXT(analyzer=words),  # error codes and messages, as customers paste them
        body=TEXT(analyzer=words),
        grams=TEXT(analyzer=grams),  # title and body as character bigrams: exact wording
        headings=TEXT(analyzer=words),  # the title and section headings: whole-phrase matches
        spell=TEXT(analyzer=words, spelling=True),  # public words only: did-you-mean
        lang=ID(stored=True, sortable=True),
        product=ID(stored=True, sortable=True),
        type=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        tag=ID(stored=True),
        audience=ID(stored=True, sortable=True),
        group=ID(sortable=True),  # the translation group: one result per article, any language
        doc=STORED,  # url, summary and sections (heading, anchor, text, terms)
    )


def index_root(data_dir: Path) -> Path:
    """Return where the index generations of ``data_dir`` live."""
    return data_dir / "index"


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the index build lock: one builder at a time per data folder."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexError_(
                f"{root}: another build is writing the index; try again when it has finished"
            ) from None
        yield


def new_generation(root: Path) -> Path:
    """Create an empty generation folder (not yet current)."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    path = root / f"gen-{stamp}-{os.getpid()}"
    path.mkdir(parents=True)
    return path


def promote(root: Path, generation: Path) -> None:
    """Point ``current`` at ``generation`` atomically, then drop the oldest generations."""
    link = root / f".{CURRENT}-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(generation.name)
    os.replace(link, root / CURRENT)
    generations = sorted(p for p in root.glob("gen-*") if p.is_dir())
    for old in generations[:-KEEP_GENERATIONS]:
        if old != generation:
            shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class OpenIndex:
    """An opened generation: the Whoosh index, its analysis and its metadata."""

    path: Path
    index: Any
    meta: IndexMeta
    analysis: TextAnalysis


def open_current(root: Path) -> OpenIndex:
    """Open the generation ``current`` points at, checking its schema version."""
    link = root / CURRENT
    if not link.is_symlink():
        raise IndexError_(f"{link}: expected a search index, found none (run `kb build`)")
    path = root / os.readlink(link)
    try:
        raw = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(
            f"{path}: expected a readable index, found {exc} (run `kb build`)"
        ) from None
    if raw.get("schema_version") != SCHEMA_VERSION:
        raise IndexError_(
            f"{path}: schema version: expected {SCHEMA_VERSION}, found "
            f"{raw.get('schema_version')!r} (rebuild the index with `kb build`)"
        )
    try:
        meta = IndexMeta.model_validate(raw)
        index = whoosh_index.open_dir(str(path))
        analysis = index.schema["body"].analyzer.analysis
    except (ValidationError, OSError, whoosh_index.IndexError, EOFError, AttributeError) as exc:
        raise IndexError_(
            f"{path}: expected a readable index, found {exc} (run `kb build`)"
        ) from None
    return OpenIndex(path, index, meta, analysis)
