"""Run every check on a knowledge base folder: the library behind `kb check`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.article_cache import ArticleCache
from generator.cachefile import cache_root
from generator.check_memo import CheckMemo
from generator.checks import check_knowledge_base
from generator.errors import CheckFailed
from generator.knowledge import KnowledgeBase, load_knowledge_base
from generator.problems import Problems

__all__ = ["CheckResult", "run_checks"]


@dataclass(frozen=True)
class CheckResult:
    """What `kb check` found: the knowledge base (if loadable) and every problem."""

    kb: KnowledgeBase | None
    problems: Problems

    def summary(self) -> str:
        """One line: how many errors and warnings in how many articles."""
        files = self.kb.article_files if self.kb else 0
        errors, warnings = len(self.problems.errors), len(self.problems.warnings)
        return (
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            f" in {files} article{'s' * (files != 1)}"
        )

    def raise_if_failed(self, *, strict: bool) -> KnowledgeBase:
        """Return the knowledge base, or raise :class:`CheckFailed` with the summary."""
        if self.kb is None or self.problems.errors or (strict and self.problems.warnings):
            raise CheckFailed(f"check failed: {self.summary()}")
        return self.kb


def run_checks(
    kb_dir: Path,
    *,
    today: date | None = None,
    data_dir: Path | None = None,
    fresh: bool = False,
    articles: ArticleCache | None = None,
    memo: CheckMemo | None = None,
) -> CheckResult:
    """Load ``kb_dir`` and check every article; never raises for content problems.

    With ``data_dir``, what the check parses and analyses is kept in its build cache for the next
    check; ``fresh`` parses every article even so. ``articles``: the cache of a process that
    checks the same knowledge base again (:class:`generator.session.BuildSession`), which saves
    it; by default the build cache's is read, and saved before returning. ``memo``: what that
    process's last check found that this one may use again; by default what the last check kept
    in the build cache (unless ``fresh``).
    """
    problems = Problems()
    cache = None if data_dir is None else cache_root(data_dir)
    known = articles
    if known is None and cache is not None:
        known = ArticleCache(cache, fresh=fresh)
    kb = load_knowledge_base(kb_dir, problems, cache=known)
    if memo is None and cache is not None:
        memo = CheckMemo(cache, fresh=fresh)
    if kb is not None:
        today = today or date.today()
        check_knowledge_base(kb, problems, today=today, cache=cache, memo=memo)
    if known is not None:
        known.settle()  # with what the check read off the new articles' bodies
        if articles is None:
            known.save()
    return CheckResult(kb, problems)
