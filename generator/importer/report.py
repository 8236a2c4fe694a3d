"""What an import could not convert, file by file and line by line.

Problems use the same ``path:line: what: expected …, found …`` shape as `kb check`
(:mod:`generator.problems`). Content the importer could not convert is a warning: the article is
written, and the text is kept or the loss is named. An error means a file was not imported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from generator.problems import Problem, Problems

__all__ = ["FileReport", "ImportReport"]


@dataclass
class ImportReport:
    """Every problem of one import run, and what it did."""

    problems: Problems = field(default_factory=Problems)
    files: int = 0
    written: int = 0
    unchanged: int = 0
    skipped: int = 0
    assets: int = 0
    settings: list[str] = field(default_factory=list)  # lines saying what was added, and where

    def file(self, path: Path) -> FileReport:
        """Return a reporter for problems of ``path``."""
        return FileReport(self.problems, path)

    def by_kind(self) -> Counter[str]:
        """How many problems of each kind (the ``what`` of each line)."""
        return Counter(problem.field for problem in self.sorted())

    def sorted(self) -> list[Problem]:
        """Every problem once (an included file is converted once per includer), in order."""
        unique = set(self.problems.items)
        return sorted(unique, key=lambda p: (str(p.path), p.line, p.field, p.expected, p.found))

    def summary(self) -> str:
        """One line: files read, articles written, problems by kind."""
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.by_kind().items()))
        problems = len(self.sorted())
        return (
            f"{self.files} files: {self.written} articles written, {self.unchanged} unchanged, "
            f"{self.skipped} skipped, {self.assets} files copied; "
            f"{problems} problem{'s' * (problems != 1)}" + (f" ({kinds})" if kinds else "")
        )


@dataclass(frozen=True)
class FileReport:
    """Report problems of one source file."""

    problems: Problems
    path: Path

    def warn(self, line: int, what: str, expected: str, found: str) -> None:
        """Record something converted with a loss, or kept as written."""
        self.problems.warning(self.path, line, what, expected, found)

    def error(self, line: int, what: str, expected: str, found: str) -> None:
        """Record that the file could not be imported."""
        self.problems.error(self.path, line, what, expected, found)
