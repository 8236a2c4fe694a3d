"""Builds of one knowledge base by a process that stays up between them (`kb serve --watch`).

A `kb build` command starts from its files each time: it reads the article cache, every
article's file, and plans every page. A session keeps, from one build to the next:

* the articles as parsed (a file is not read again while its size, inode and times vouch for
  it: see :mod:`generator.article_cache`), written to the build cache when asked, after a
  build is published, so that the next `kb build` command finds them;
* while the front matter and the settings are the same, the near-duplicate warnings
  (:class:`generator.check_memo.CheckMemo`, also kept in the build cache for the next command)
  and the front-matter parts of the plan (:class:`generator.pages.PlanMemo`, kept there too).

It can also load ahead what the first rebuild after a change would (:meth:`BuildSession.warm_up`).
"""

from __future__ import annotations

from generator.article_cache import ArticleCache
from generator.build import BuildResult, build_site
from generator.cachefile import cache_root
from generator.check import CheckResult, run_checks
from generator.check_memo import CheckMemo
from generator.incremental import BuildCache
from generator.knowledge import KnowledgeBase
from generator.pages import PlanMemo
from kbcore.analysis import share_dictionary
from kbcore.config import Settings

__all__ = ["BuildSession"]


class BuildSession:
    """Check and build the public site of ``settings``, again and again, in one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.articles = ArticleCache(cache_root(settings.data_dir))
        self.checks = CheckMemo(cache_root(settings.data_dir))
        self.plans = PlanMemo(BuildCache(settings.data_dir, "public").folder)

    def check(self) -> CheckResult:
        """Load and check the knowledge base (:func:`generator.check.run_checks`)."""
        return run_checks(
            self.settings.kb_dir,
            data_dir=self.settings.data_dir,
            articles=self.articles,
            memo=self.checks,
        )

    def build(self, kb: KnowledgeBase, *, full: bool = False) -> BuildResult:
        """Build the public site of ``kb`` (:func:`generator.build.build_site`)."""
        return build_site(
            kb,
            config_file=self.settings.mkdocs_config,
            site_dir=self.settings.site_dir,
            data_dir=self.settings.data_dir,
            full=full,
            memo=self.plans,
        )

    def warm_up(self) -> None:
        """Load what the first build that indexes or renders a page loads: jieba's
        dictionary, for the index's analysis and, copied, for the offline search index's
        (MkDocs' search plugin splits Chinese with jieba's default tokenizer)."""
        import jieba

        if not share_dictionary(load=True):
            jieba.initialize()  # a dictionary of the configuration's own, or already loaded

    def save(self) -> None:
        """Keep the articles of the last check in the build cache, for the next `kb build`."""
        self.articles.save()
