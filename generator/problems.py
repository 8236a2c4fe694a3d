"""Problems found in the knowledge base, reported as ``path:line: field: expected …, found …``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Problem", "Problems", "quote"]

Level = Literal["error", "warning"]


def quote(value: object) -> str:
    """Show a found value the way a writer typed it (Chinese stays readable)."""
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:77] + "…"
        return "'" + shown.replace("\n", "\\n") + "'"
    return repr(value)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at one line."""

    path: Path
    line: int
    field: str
    expected: str
    found: str
    level: Level = "error"

    def __str__(self) -> str:
        text = (
            f"{self.path}:{self.line}: {self.field}: expected {self.expected}, found {self.found}"
        )
        return text + (" (warning)" if self.level == "warning" else "")


@dataclass
class Problems:
    """Collect every problem before reporting, so writers see them all at once."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: Path, line: int, field: str, expected: str, found: str) -> None:
        """Record an error: it fails `kb check` and `kb build`."""
        self.items.append(Problem(path, line, field, expected, found))

    def warning(self, path: Path, line: int, field: str, expected: str, found: str) -> None:
        """Record a warning: it fails only with ``--strict``."""
        self.items.append(Problem(path, line, field, expected, found, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == "warning"]

    def sorted(self) -> list[Problem]:
        """Return the problems by file, then line."""
        return sorted(self.items, key=lambda p: (str(p.path), p.line, p.field))
