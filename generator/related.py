"""Which articles an article page links to: its translations and its related articles.

Computed over every shown article at once, so planning a site stays linear in its size: the
related articles of one article are a score per article of its language (numpy arithmetic over
category, product, tag and keyword postings), not a comparison with every other article.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import TYPE_CHECKING

from generator.frontmatter import LANGS
from generator.knowledge import Article

if TYPE_CHECKING:  # numpy is imported when related lists are worked out (not when memoized)
    import numpy as np

__all__ = ["Neighbours"]

# A related article shares the category (3), or tags (2 each) or keywords (1 each) worth as much.
CATEGORY, TAG, KEYWORD, PRODUCT, ENOUGH = 3, 2, 1, 1, 3


class _Language:
    """The listed articles of one language, as arrays."""

    def __init__(self, articles: list[Article]) -> None:
        import numpy as np

        self.articles = articles
        self.position = {a.id: i for i, a in enumerate(articles)}
        categories: dict[str, int] = {}
        products: dict[str, int] = {}
        self.category = np.array(
            [categories.setdefault(a.meta.category, len(categories)) for a in articles]
        )
        self.product = np.array(
            [products.setdefault(a.meta.product, len(products)) for a in articles]
        )
        self.categories, self.products = categories, products
        order = sorted(
            range(len(articles)),
            key=lambda i: (-articles[i].meta.updated.toordinal(), articles[i].id),
        )
        self.rank = np.empty(len(articles), dtype=np.int64)
        self.rank[order] = np.arange(len(articles))
        self.tags = self._postings(lambda a: a.meta.tags)
        self.keywords = self._postings(lambda a: a.meta.keywords)

    def _postings(self, words_of: object) -> dict[str, np.ndarray]:
        import numpy as np

        postings: dict[str, list[int]] = defaultdict(list)
        for i, article in enumerate(self.articles):
            for word in set(words_of(article)):  # type: ignore[operator]
                postings[word].append(i)
        return {word: np.array(positions) for word, positions in postings.items()}


class Neighbours:
    """Translations and related articles of the articles a site shows.

    Made of their front matter alone, so that a plan of the same front matter can use it again
    (:class:`generator.pages.PlanMemo`): articles are told apart by id, never by identity.
    """

    def __init__(
        self, shown: list[Article], related: dict[tuple[str, int], list[str]] | None = None
    ) -> None:
        """``related``: the ids :meth:`related_ids` gave for the same front matter."""
        self._shown = shown
        self._groups: dict[str, list[Article]] = defaultdict(list)
        for article in shown:  # in shown order: a group lists its members in that order
            self._groups[article.id].append(article)
            if article.meta.translation_of:
                self._groups[article.meta.translation_of].append(article)
        by_id = {a.id: a for a in shown}
        self._related: dict[tuple[str, int], list[Article]] = {
            key: [by_id[i] for i in ids] for key, ids in (related or {}).items()
        }

    @cached_property
    def _langs(self) -> dict[str, _Language]:
        by_lang: dict[str, list[Article]] = defaultdict(list)
        for article in self._shown:
            if article.meta.status != "archived":
                by_lang[article.meta.lang].append(article)
        return {lang: _Language(articles) for lang, articles in by_lang.items()}

    def related_ids(self) -> dict[tuple[str, int], list[str]]:
        """The related lists worked out so far, by id (see ``related`` of the constructor)."""
        return {key: [a.id for a in found] for key, found in self._related.items()}

    def translations(self, article: Article) -> list[Article]:
        """The other shown articles of ``article``'s translation group, in language order."""
        root = article.meta.translation_of or article.id
        members = [a for a in self._groups.get(root, []) if a.id != article.id]
        return sorted(members, key=lambda a: LANGS.index(a.meta.lang))

    def related(self, article: Article, limit: int = 5) -> list[Article]:
        """Up to ``limit`` listed articles of the same language that share enough with it.

        Best score first (category 3, each shared tag 2, each shared keyword 1, product 1, at
        least 3 in all), then the most recently updated, then by id.
        """
        found = self._related.get((article.id, limit))
        if found is None:
            found = self._related[article.id, limit] = self._score(article, limit)
        return found

    def _score(self, article: Article, limit: int) -> list[Article]:
        import numpy as np

        meta = article.meta
        group = self._langs.get(meta.lang)
        if group is None:
            return []
        score = CATEGORY * (group.category == group.categories.get(meta.category, -1))
        score += PRODUCT * (group.product == group.products.get(meta.product, -1))
        for tag in set(meta.tags):
            if tag in group.tags:
                score[group.tags[tag]] += TAG
        for keyword in set(meta.keywords):
            if keyword in group.keywords:
                score[group.keywords[keyword]] += KEYWORD
        for other in [article, *self.translations(article)]:
            if other.id in group.position:
                score[group.position[other.id]] = 0
        candidates = np.flatnonzero(score >= ENOUGH)
        best = candidates[np.lexsort((group.rank[candidates], -score[candidates]))[:limit]]
        return [group.articles[i] for i in best]
