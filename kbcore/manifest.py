"""The manifest: the list of published articles that one build wrote for the services."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "INTERNAL_MANIFEST_NAME",
    "MANIFEST_NAME",
    "Manifest",
    "ManifestEntry",
    "ManifestError",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
# The agents' site has a manifest of its own: the public one never lists an internal article.
INTERNAL_MANIFEST_NAME = "manifest-internal.json"
MANIFEST_VERSION = 1


class ManifestError(Exception):
    """The manifest is missing, unreadable or written by another version."""


class ManifestEntry(BaseModel):
    """One published article as the services see it."""

    model_config = ConfigDict(frozen=True)

    id: str
    url: str
    title: str
    lang: Literal["zh-Hans", "zh-Hant", "en"]
    audience: Literal["public", "internal"]
    status: Literal["unvalidated", "validated", "archived"]
    product: str
    type: str
    category: str


class Manifest(BaseModel):
    """Everything one build published, for one audience."""

    model_config = ConfigDict(frozen=True)

    version: int = MANIFEST_VERSION
    audience: Literal["public", "internal"]
    built_at: datetime
    articles: list[ManifestEntry]


def write_manifest(manifest: Manifest, data_dir: Path) -> Path:
    """Write the manifest atomically into ``data_dir`` (one file per audience); return its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / (MANIFEST_NAME if manifest.audience == "public" else INTERNAL_MANIFEST_NAME)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".json", dir=data_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(manifest.model_dump_json(indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target


def read_manifest(data_dir: Path) -> Manifest:
    """Read the manifest that the last build wrote into ``data_dir``."""
    path = data_dir / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(
            f"{path}: expected a manifest, found no file (run `kb build`)"
        ) from None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path}: expected a readable JSON manifest, found {exc}") from None
    if raw.get("version") != MANIFEST_VERSION:
        raise ManifestError(
            f"{path}: version: expected {MANIFEST_VERSION}, found {raw.get('version')!r} "
            "(rebuild with this version of kb-portal)"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(f"{path}: expected a valid manifest, found {exc}") from None
