"""`kb import`: turn an existing Markdown help center (docfx, Hugo, Obsidian, Jekyll, plain) into
kb articles, reporting every construct it could not convert (see docs/importing.md).

Pure functions over text and files; the click command is :mod:`generator.import_cli`.
"""

from __future__ import annotations

from generator.importer.model import DIALECTS, Dialect, ImportOptions
from generator.importer.report import ImportReport
from generator.importer.run import ImportResult, run_import
from generator.importer.tree import UsageError

__all__ = [
    "DIALECTS",
    "Dialect",
    "ImportOptions",
    "ImportReport",
    "ImportResult",
    "UsageError",
    "run_import",
]
