"""The fixed words that pages, services and storage share, in a module that imports nothing:
the pages of the site name them without loading the database's libraries."""

from __future__ import annotations

__all__ = ["FLAG_KINDS", "REASONS"]

# Why a reader found an article unhelpful.
REASONS = ("outdated", "incorrect", "unclear", "did-not-solve", "wrong-product")
# What an agent flags an article as.
FLAG_KINDS = ("outdated", "incorrect", "missing-step", "duplicate")
