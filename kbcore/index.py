"""The search index on disk: its schema, its generations and the ``current`` link.

Each build writes a new generation folder under ``<data_dir>/index/`` and then points the
``current`` symlink at it with one atomic rename, so readers never see a half-built index; a
failed build leaves ``current`` where it was. The previous generations are kept for a while so
searches that started on them can finish. Each generation holds ``meta.json`` with the schema
version; an index written by another version is refused with a clear error.

``meta.json`` also records the size and SHA-256 of every index file, so a search that fails on a
damaged file (truncated, overwritten) can name it: :func:`check_files`. A builder killed halfway
leaves a generation without ``meta.json``; the next builder removes it (:func:`new_generation`).
"""

from __future__ import annotations

import fcntl
import hashlib
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
    "FileDigest",
    "IndexError_",
    "IndexMeta",
    "OpenIndex",
    "Suggestion",
    "build_lock",
    "check_files",
    "current_name",
    "digest_files",
    "index_root",
    "make_schema",
    "new_generation",
    "open_current",
    "promote",
    "read_meta",
]

SCHEMA_VERSION = 3  # 3: positions for the headings only
CURRENT = "current"
META = "meta.json"
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


class FileDigest(BaseModel):
    """The size and SHA-256 of one index file, as written."""

    model_config = ConfigDict(frozen=True)

    size: int
    sha256: str


class IndexMeta(BaseModel):
    """What a generation holds, written beside the Whoosh files."""

    model_config = ConfigDict(frozen=True)

    schema_version: int
    built_at: datetime
    documents: int
    synonyms: list[list[str]]
    suggestions: list[Suggestion]
    # Empty in generations written before digests were recorded: those cannot be checked.
    files: dict[str, FileDigest] = {}


def make_schema(analysis: TextAnalysis) -> Schema:
    """Declare the index fields; ``analysis`` is pickled into the index with them."""
    words = KbTokenizer(analysis, "words")
    grams = KbTokenizer(analysis, "grams")
    # Search scores term weights; only the headings are matched as phrases, so only they keep
    # the positions of their words (the others' positions were a third of the index's size).
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=words, stored=True, phrase=False),
        phrases=TEXT(analyzer=words, phrase=False),  # keywords, tags and the summary
        codes=TEXT(analyzer=words, phrase=False),  # error codes and messages, as pasted
        body=TEXT(analyzer=words, phrase=False),
        grams=TEXT(analyzer=grams, phrase=False),  # title and body as bigrams: exact wording
        headings=TEXT(analyzer=words),  # the title and section headings: whole-phrase matches
        spell=TEXT(analyzer=words, spelling=True, phrase=False),  # public words: did-you-mean
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


def current_name(root: Path) -> str | None:
    """The name of the generation ``current`` points at; None before the first build."""
    try:
        return os.readlink(root / CURRENT)
    except OSError:
        return None


def _remove_leftovers(root: Path) -> None:
    """Remove what a builder killed halfway left: generations without ``meta.json``, links.

    The caller holds :func:`build_lock`, so no other builder is writing any of them; the
    generation ``current`` points at is never removed.
    """
    current = current_name(root)
    for path in root.glob("gen-*"):
        if path.is_dir() and path.name != current and not (path / META).is_file():
            shutil.rmtree(path, ignore_errors=True)
    for link in root.glob(f".{CURRENT}-*"):
        link.unlink(missing_ok=True)


def new_generation(root: Path) -> Path:
    """Create an empty generation folder (not yet current), after removing partial ones.

    The caller holds :func:`build_lock`.
    """
    if root.is_dir():
        _remove_leftovers(root)
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


def _is_index_file(path: Path) -> bool:
    # Whoosh's lock files are created and removed by writers; they hold no data.
    return path.is_file() and path.name != META and not path.name.endswith(("LOCK", ".lock"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def read_meta(generation: Path) -> IndexMeta:
    """The ``meta.json`` of ``generation``."""
    return IndexMeta.model_validate_json((generation / META).read_text("utf-8"))


def digest_files(
    generation: Path, base: tuple[Path, IndexMeta] | None = None
) -> dict[str, FileDigest]:
    """Return the size and SHA-256 of each index file of ``generation`` (for ``meta.json``).

    A file hard-linked from the generation ``base`` (its folder and :func:`read_meta`; the same
    inode: never written since) keeps the digest ``base`` recorded, so an update reads only its
    new files.
    """
    known: dict[str, FileDigest] = {}
    inodes: dict[str, int] = {}
    if base is not None:
        folder, meta = base
        known = meta.files
        inodes = {name: (folder / name).stat().st_ino for name in known}
    digests = {}
    for path in sorted(generation.iterdir()):
        if not _is_index_file(path):
            continue
        stat = path.stat()
        if inodes.get(path.name) == stat.st_ino:
            digests[path.name] = known[path.name]
        else:
            digests[path.name] = FileDigest(size=stat.st_size, sha256=_sha256(path))
    return digests


def _difference(file: Path, expected: FileDigest, *, read: bool) -> str | None:
    """How ``file`` differs from ``expected``: its size, or (``read``) its content."""
    try:
        size = file.stat().st_size
        if size != expected.size:
            return f"{size} bytes"
        if read and _sha256(file) != expected.sha256:
            return "other content of the same size"
    except OSError as exc:
        return f"no readable file ({exc.strerror})"
    return None


def check_files(path: Path, meta: IndexMeta) -> None:
    """Raise IndexError_ naming the first index file that differs from what ``meta`` recorded.

    Sizes are compared first (a truncated file is found without reading anything), then
    contents. A generation whose ``meta.json`` records no digests passes: it cannot be checked.
    """
    recorded = sorted(meta.files.items())
    for read in (False, True):
        for name, expected in recorded:
            found = _difference(path / name, expected, read=read)
            if found is not None:
                raise IndexError_(
                    f"{path / name}: expected the index file as built ({expected.size} bytes, "
                    f"sha256 {expected.sha256[:12]}…), found {found}; the index is damaged "
                    "(rebuild it with `kb build`)"
                )


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
        raw = json.loads((path / META).read_text(encoding="utf-8"))
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
    except ValidationError as exc:
        raise IndexError_(
            f"{path / META}: expected index metadata, found {exc} (run `kb build`)"
        ) from None
    try:
        index = whoosh_index.open_dir(str(path))
        analysis = index.schema["body"].analyzer.analysis
    except Exception as exc:  # a damaged table of contents fails in many ways (pickle, struct…)
        check_files(path, meta)  # names the damaged file when the build recorded digests
        raise IndexError_(
            f"{path}: expected a readable index, found {type(exc).__name__}: {exc} (run `kb build`)"
        ) from None
    return OpenIndex(path, index, meta, analysis)
