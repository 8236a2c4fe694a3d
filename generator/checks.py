"""Check a loaded knowledge base: each article on its own, then the articles against each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from generator.body import (
    REQUIRED_SECTIONS,
    section_heading,
)
from generator.check_memo import CheckMemo
from generator.incremental import TermCache
from generator.indexer import analysis_of
from generator.knowledge import Article, KnowledgeBase
from generator.links import Links
from generator.problems import Problem, Problems, quote
from generator.similar import first_similar

__all__ = ["check_knowledge_base"]


def _check_article(kb: KnowledgeBase, article: Article, problems: Problems, today: date) -> None:
    meta, path, line_of = article.meta, article.path, article.lines.line_of
    if path.stem != meta.id:
        problems.warning(
            path, line_of(("id",)), "id", f"the file to be named {meta.id}.md", quote(path.name)
        )
    if meta.category not in kb.categories:
        problems.error(
            path,
            line_of(("category",)),
            "category",
            "one of " + ", ".join(kb.categories) + " (kb/categories.yml)",
            quote(meta.category),
        )
    product = kb.products.get(meta.product)
    if product is None:
        problems.error(
            path,
            line_of(("product",)),
            "product",
            "one of " + ", ".join(kb.products) + " (kb/products.yml)",
            quote(meta.product),
        )
    else:
        for index, version in enumerate(meta.versions):
            if product.versions and version not in product.versions:
                problems.warning(
                    path,
                    line_of(("versions", index)),
                    f"versions.{index}",
                    f"a supported version of {meta.product} (" + ", ".join(product.versions) + ")",
                    quote(version),
                )
    if meta.review_by is not None and meta.review_by < today and meta.status != "archived":
        problems.warning(
            path,
            line_of(("review_by",)),
            "review_by",
            f"a date after today ({today.isoformat()})",
            meta.review_by.isoformat(),
        )

    missing = [key for key in REQUIRED_SECTIONS[meta.type] if key not in article.sections]
    for key in missing:
        problems.error(
            path,
            article.body_line,
            "body",
            f"a '## {section_heading(key, meta.lang)}' section ({meta.type} articles "
            "need "
            + ", ".join(section_heading(k, meta.lang) for k in REQUIRED_SECTIONS[meta.type])
            + ")",
            "none",
        )
    for unsafe in article.unsafe_html:
        problems.error(
            path, unsafe.line, "body", "Markdown or inert HTML (no scripts)", unsafe.what
        )
    for include in article.includes:
        problems.error(
            path, include.line, "body", "no file includes (link to a file under kb/)", include.what
        )


def _check_links(kb: KnowledgeBase, problems: Problems) -> None:
    links = Links(kb)
    for article in kb.articles:
        for link in article.links:
            if link.target.lower().startswith(("javascript:", "vbscript:")):
                continue  # reported as unsafe HTML
            target = links.resolve(article, link.target)
            if target is None:
                problems.error(
                    article.path,
                    link.line,
                    "link",
                    "an existing article or file under " + str(kb.root),
                    quote(link.target),
                )
            elif target.article is not None:
                other = target.article.meta
                if not other.published:
                    problems.error(
                        article.path,
                        link.line,
                        "link",
                        "a published article",
                        f"the draft {quote(other.id)}",
                    )
                elif article.meta.audience == "public" and other.audience == "internal":
                    problems.error(
                        article.path,
                        link.line,
                        "link",
                        "a public article (public pages never point at internal ones)",
                        f"the internal article {quote(other.id)}",
                    )


def _check_translations(kb: KnowledgeBase, problems: Problems) -> None:
    by_id = {a.id: a for a in kb.articles}
    versions: dict[str, dict[str, list[Article]]] = defaultdict(lambda: defaultdict(list))
    for article in kb.articles:
        meta, line = article.meta, article.lines.line_of(("translation_of",))
        if meta.translation_of is None:
            versions[meta.id][meta.lang].append(article)
            continue
        original = by_id.get(meta.translation_of)
        if original is None:
            problems.error(
                article.path,
                line,
                "translation_of",
                "the id of an existing article",
                quote(meta.translation_of),
            )
        elif original.id == meta.id:
            problems.error(
                article.path, line, "translation_of", "the id of another article", "its own id"
            )
        elif original.meta.translation_of is not None:
            problems.error(
                article.path,
                line,
                "translation_of",
                f"the original article ({quote(original.meta.translation_of)})",
                f"{quote(original.id)}, itself a translation",
            )
        elif original.meta.lang == meta.lang:
            problems.error(
                article.path,
                line,
                "translation_of",
                f"an article in another language than {meta.lang}",
                f"{quote(original.id)} in {original.meta.lang}",
            )
        elif original.meta.audience != meta.audience:
            problems.error(
                article.path,
                line,
                "translation_of",
                f"an article with the same audience ({meta.audience})",
                f"{quote(original.id)} ({original.meta.audience})",
            )
        else:
            versions[original.id][meta.lang].append(article)
    for original_id, by_lang in versions.items():
        for lang, group in by_lang.items():
            for extra in group[1:]:
                problems.error(
                    extra.path,
                    extra.lines.line_of(("lang",)),
                    "lang",
                    f"one {lang} version of {quote(original_id)}",
                    f"another one in {group[0].path}",
                )
        original = by_id.get(original_id)
        if original is None:
            continue
        for index, lang in enumerate(original.meta.translate):
            if lang not in by_lang:
                problems.warning(
                    original.path,
                    original.lines.line_of(("translate", index)),
                    f"translate.{index}",
                    f"a translation into {lang}",
                    "none yet",
                )


def _check_duplicate_ids(kb: KnowledgeBase, problems: Problems) -> None:
    seen: dict[str, Article] = {}
    for article in kb.articles:
        first = seen.setdefault(article.id, article)
        if first is not article:
            problems.error(
                article.path,
                article.lines.line_of(("id",)),
                "id",
                "an id no other article uses",
                f"{quote(article.id)}, already the id of {first.path}",
            )


NEAR_DUPLICATE = 0.6  # share of words; unrelated sample articles stay under 0.25


def word_shelves(kb: KnowledgeBase, cache: Path | None) -> list[list[tuple[Article, set[str]]]]:
    """The articles of each product and language, in path order, with the words compared.

    Words of the title, summary and error codes, analysed as search does; the words of texts
    analysed before are taken from the build cache ``cache``.
    """
    cached = TermCache(cache, analysis_of(kb))
    shelves: dict[tuple[str, str], list[tuple[Article, set[str]]]] = {}
    for article in sorted(kb.articles, key=lambda a: a.path):
        meta = article.meta
        words = cached.terms(" ".join([meta.title, meta.summary, *meta.error_codes]))
        shelves.setdefault((meta.product, meta.lang), []).append((article, words))
    cached.save()
    return list(shelves.values())


def not_compared(shelf: list[tuple[Article, set[str]]]) -> Callable[[int, int], bool]:
    """Which pairs of ``shelf`` are not near duplicates but errors of their own: one id twice,
    or a translation in its original's language."""

    def skip(later: int, earlier: int) -> bool:
        article, other = shelf[later][0], shelf[earlier][0]
        return (
            article.id == other.id
            or article.meta.translation_of == other.id
            or other.meta.translation_of == article.id
        )

    return skip


def _check_near_duplicates(
    kb: KnowledgeBase, problems: Problems, cache: Path | None, memo: CheckMemo | None
) -> None:
    """Warn about articles that describe the same problem for the same product and language,
    or take the last check's warnings while nothing they depend on changed (:mod:`check_memo`)."""
    found = memo.reuse(kb) if memo is not None else None
    if found is None:
        found = _near_duplicates(kb, cache)
        if memo is not None:
            memo.keep(kb, found)
    problems.items += found


def _near_duplicates(kb: KnowledgeBase, cache: Path | None) -> list[Problem]:
    """The near-duplicate warnings of ``kb``: two articles whose word sets (:func:`word_shelves`)
    share at least :data:`NEAR_DUPLICATE` of their union look like one problem twice; each is
    compared with the articles before it."""
    found = Problems()
    for shelf in word_shelves(kb, cache):
        sets = [words for _, words in shelf]
        similar = first_similar(sets, NEAR_DUPLICATE, not_compared(shelf))
        for later, (earlier, shared) in sorted(similar.items()):
            article = shelf[later][0]
            found.warning(
                article.path,
                article.lines.line_of(("title",)),
                "title",
                "an article about a problem no other article covers",
                f"{shared:.0%} of its words in common with {shelf[earlier][0].path} "
                "(merge them, or make the difference clear)",
            )
    return found.items


def check_knowledge_base(
    kb: KnowledgeBase,
    problems: Problems,
    *,
    today: date,
    cache: Path | None = None,
    memo: CheckMemo | None = None,
) -> None:
    """Record every problem of ``kb``'s articles, each on its own and against the others.

    ``cache``: a build cache folder (see :func:`generator.cachefile.cache_root`) to keep the
    analysis of each article's title and summary in, for the next check. ``memo``: the
    near-duplicate warnings of the last check, taken again if nothing they depend on changed.
    """
    for article in kb.articles:
        _check_article(kb, article, problems, today)
    _check_duplicate_ids(kb, problems)
    _check_translations(kb, problems)
    _check_links(kb, problems)
    _check_near_duplicates(kb, problems, cache, memo)
