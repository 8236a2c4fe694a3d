"""Errors the `kb` command reports to writers as one clean line, never a traceback.

KbError (click.ClickException)
 ├── CheckFailed   the knowledge base has errors (or warnings under --strict)
 └── BuildError    MkDocs or the file system failed while building the site
"""

from __future__ import annotations

import click

__all__ = ["BuildError", "CheckFailed", "KbError"]


class KbError(click.ClickException):
    """Base of every error `kb` reports; exits with status 1."""

    exit_code = 1


class CheckFailed(KbError):
    """The knowledge base did not pass `kb check`."""


class BuildError(KbError):
    """The site could not be built; the previous site is left as it was."""
