"""Helpers for the files of the build cache: digests of what they depend on, whole writes."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

__all__ = [
    "CACHE_VERSION",
    "cache_root",
    "code_of",
    "digest",
    "uncollected",
    "versions",
    "write_whole",
]

CACHE_VERSION = 1


def cache_root(data_dir: Path) -> Path:
    """The build cache of ``data_dir``."""
    return data_dir / "build-cache"


def digest(*parts: str | bytes) -> str:
    """The SHA-256 of ``parts``, each ended by a zero byte (``ab``, ``c`` is not ``a``, ``bc``)."""
    found = hashlib.sha256()
    for part in parts:
        found.update(part.encode("utf-8") if isinstance(part, str) else part)
        found.update(b"\0")
    return found.hexdigest()


def code_of(names: tuple[str, ...]) -> list[bytes]:
    """The source of these modules of ``generator/`` (paths relative to it), for a cache key:
    another version of any of them, and what they made is not used again."""
    here = Path(__file__).parent
    return [(here / name).read_bytes() for name in names]


def versions(tools: tuple[str, ...]) -> list[str]:
    """``tool==version`` for each installed tool, ``tool missing`` for the others."""
    out = []
    for tool in tools:
        try:
            out.append(f"{tool}=={metadata.version(tool)}")
        except metadata.PackageNotFoundError:
            out.append(f"{tool} missing")
    return out


def write_whole(path: Path, data: str | bytes) -> None:
    """Write ``path`` aside and rename it: a reader finds the whole file or the previous one.

    The name aside is this process's own (`kb check` may write beside a running build).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    partial.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(partial, path)


@contextmanager
def uncollected() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large cache file is read, then leave
    what was read out of its sight (:func:`gc.freeze`).

    Reading one makes hundreds of thousands of objects, which hold no reference cycles and live
    as long as the process uses them; the collector would walk them all again each time the heap
    grew by a quarter: more than half the time of unpickling 10,000 articles, and a tenth of a
    `kb build` after one edit. Frozen objects are still freed once unreferenced; only cycles
    among them are never collected. Everything the process holds at that moment is frozen, so
    the caches are read at its start only: once by a command, once by a `kb serve --watch`
    session.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
