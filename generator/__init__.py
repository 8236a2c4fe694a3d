"""Validate case articles and build them into a Material for MkDocs portal."""

from __future__ import annotations

__all__: list[str] = []
