"""Plan the portal: every page as generated Markdown, and the navigation.

Pure functions over a loaded :class:`KnowledgeBase`; nothing here imports MkDocs. Links between
pages are written as relative Markdown links to ``.md`` files so MkDocs checks and rewrites them.
"""

from __future__ import annotations

import html
import json
import logging
import pickle
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.article_page import ArticleRenderer
from generator.cachefile import (
    CACHE_VERSION,
    code_of,
    digest,
    uncollected,
    versions,
    write_whole,
)
from generator.i18n import text
from generator.knowledge import Article, KnowledgeBase
from generator.pagekit import (
    SITE_LANG,
    Audience,
    Page,
    SitePlan,
    front,
    listing,
    md,
    rel,
    tag_slug,
)
from generator.related import Neighbours

__all__ = ["Audience", "Page", "PlanMemo", "SitePlan", "plan_site", "site_nav"]

log = logging.getLogger("kb.build")

# Listing pages only repeat article titles: they stay out of the offline search index.
LISTING = {"exclude": True}
PLAN_FILE = "plan.pickle"
# The code that makes the listings and related lists: another version, and none is used again.
PLAN_CODE = ("article_page.py", "i18n.py", "pagekit.py", "pages.py", "related.py")


@dataclass(frozen=True)
class _Listings:
    """The parts of a plan made of the settings and the articles' front matter alone."""

    pages: list[Page]  # home, search, product, category and tag pages
    tag_pages: dict[str, str]  # tag → its page
    neighbours: Neighbours
    nav: list[Any]


class PlanMemo:
    """The front-matter parts of the last plan, used again while they would be the same.

    Most edits change an article's body only: the listing and tag pages, the navigation, every
    article's translations and related articles are then what they were, and are not made again.
    They are made again when any article's front matter, file or presence, or any setting, differs.

    A process that plans the same site again (`kb serve --watch`) first compares the very objects
    of its last plan. With ``folder`` (the audience's build cache) the parts are also kept in
    ``plan.pickle`` with a fingerprint of every article's front matter, for the next command.
    """

    def __init__(self, folder: Path | None = None, *, fresh: bool = False) -> None:
        """``fresh``: the file is not read (every part is made), only written."""
        self.path = None if folder is None else folder / PLAN_FILE
        self._objects: Any = None
        self._listings: _Listings | None = None
        self._stored: dict[str, Any] = {}
        if self.path is not None and not fresh:
            try:
                with self.path.open("rb") as file, uncollected():
                    self._stored = pickle.load(file)
            except FileNotFoundError:
                pass
            except Exception as exc:  # noqa: BLE001 - an unreadable memo is only a slower plan
                log.info("%s: not read (%s); the listings are made again", self.path, exc)

    @staticmethod
    def _state(kb: KnowledgeBase, audience: Audience) -> tuple[str, list[tuple[str, str]]]:
        settings = [
            kb.site.model_dump(mode="json"),
            {name: product.model_dump(mode="json") for name, product in kb.products.items()},
            {name: labels.model_dump(mode="json") for name, labels in kb.categories.items()},
        ]
        key = digest(
            str(CACHE_VERSION),
            *versions(("kb-portal",)),
            *code_of(PLAN_CODE),
            audience,
            str(kb.root),
            json.dumps(settings, ensure_ascii=False, sort_keys=True),
        )
        return key, [(str(a.path), a.front_digest) for a in kb.articles]

    def listings(
        self,
        kb: KnowledgeBase,
        audience: Audience,
        shown: list[Article],
        make: Callable[[], _Listings],
    ) -> _Listings:
        """The listings of the last plan if ``kb`` would give the same, else ``make()``'s."""
        settings = (audience, kb.root, kb.site, kb.products, kb.categories)
        # The same objects when unchanged: mostly compared by identity.
        objects = settings, [(a.path, a.meta) for a in kb.articles]
        if self._listings is not None and objects == self._objects:
            return self._listings
        key, state = self._state(kb, audience)
        stored = self._stored
        if stored.get("key") == key and stored.get("state") == state:
            self._listings = _Listings(
                [Page(src, content) for src, content in stored["pages"]],
                stored["tag_pages"],
                Neighbours(shown, stored["related"]),
                stored["nav"],
            )
        else:
            self._listings = make()
            self._stored = {"key": key, "state": state}
        self._objects = objects
        return self._listings

    def save(self) -> None:
        """Keep the listings and the related lists worked out so far, if they are new."""
        listings = self._listings
        if self.path is None or listings is None:
            return
        related = listings.neighbours.related_ids()
        if "pages" in self._stored and self._stored["related"] == related:
            return
        self._stored.update(
            pages=[(page.src, page.content) for page in listings.pages],
            tag_pages=listings.tag_pages,
            nav=listings.nav,
            related=related,
        )
        try:
            write_whole(self.path, pickle.dumps(self._stored, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.info("%s: not written: %s", self.path, exc.strerror)


class _Planner:
    def __init__(
        self,
        kb: KnowledgeBase,
        audience: Audience,
        known: dict[str, str] | None = None,
        memo: PlanMemo | None = None,
    ) -> None:
        self.kb = kb
        self.audience = audience
        self.known = known
        self.memo = memo
        self.shown = [
            a
            for a in kb.articles
            if a.meta.published and (audience == "internal" or a.meta.audience == "public")
        ]
        self.listed = [a for a in self.shown if a.meta.status != "archived"]
        self.plan = SitePlan(articles=self.shown)
        self.by_pair: dict[tuple[str, str], list[Article]] = defaultdict(list)
        self.tag_pages: dict[str, str] = {}

    def run(self) -> SitePlan:
        if self.memo is None:
            listings = self._listings()
        else:
            listings = self.memo.listings(self.kb, self.audience, self.shown, self._listings)
        self.plan.pages.extend(listings.pages)
        renderer = ArticleRenderer(
            self.kb, listings.neighbours, self.plan, listings.tag_pages, self.audience
        )
        for article in self.shown:
            self.plan.pages.append(renderer.render(article, self.known))
        self.plan.nav = listings.nav
        if self.memo is not None:
            self.memo.save()  # with every related list the pages needed
        return self.plan

    def _listings(self) -> _Listings:
        for article in self.listed:
            self.by_pair[article.meta.category, article.meta.product].append(article)
        pages = [self._home(), self._search_page()]
        pages += [self._product(product_id) for product_id in self.kb.products]
        pages += [self._category(category_id) for category_id in self.kb.categories]
        pages += self._tags()
        return _Listings(pages, self.tag_pages, Neighbours(self.shown), self._nav())

    def _nav(self) -> list[Any]:
        # Categories, not every article: the sidebar stays readable, and Material renders the
        # whole navigation into every page, which makes builds quadratic in the nav's size.
        nav: list[Any] = [{text("home", SITE_LANG): "index.md"}]
        categories = [
            {labels.get(SITE_LANG): f"categories/{category_id}.md"}
            for category_id, labels in self.kb.categories.items()
            if any(a.meta.category == category_id for a in self.listed)
        ]
        nav.append({text("categories", SITE_LANG): categories})
        nav.append(
            {
                text("products", SITE_LANG): [
                    {p.name.get(SITE_LANG): f"products/{pid}.md"}
                    for pid, p in self.kb.products.items()
                ]
            }
        )
        nav.append({text("tags", SITE_LANG): "tags/index.md"})
        return nav

    def _home(self) -> Page:
        src, kb = "index.md", self.kb
        vendor = kb.site.vendor
        title = f"{vendor.get(SITE_LANG)}{text('help_center', SITE_LANG)}"
        out = [
            front(title, description=text("search_hint", SITE_LANG)),
            f"# {md(title)}\n",
            f'<p class="kb-lead">{html.escape(text("search_hint", SITE_LANG))}<br>'
            f'<span lang="en">{html.escape(text("search_hint", "en"))}</span></p>\n',
            f"## {text('products', SITE_LANG)} · {text('products', 'en')}\n",
            '<div class="kb-cards" markdown>\n',
        ]
        for pid, product in kb.products.items():
            count = sum(1 for a in self.listed if a.meta.product == pid)
            description = product.description.get(SITE_LANG) if product.description else ""
            out.append(
                f'<div class="kb-card" markdown>\n\n**[{md(product.name.get(SITE_LANG))}]'
                f"({rel(src, f'products/{pid}.md')})** · {md(product.name.get('en'))}\n\n"
                f"{md(description)}\n\n{text('count', SITE_LANG, n=count)}\n\n</div>\n"
            )
        out.append("</div>\n")
        out.append(f"## {text('categories', SITE_LANG)} · {text('categories', 'en')}\n")
        out.append('<div class="kb-cards" markdown>\n')
        for cid, labels in kb.categories.items():
            count = sum(1 for a in self.listed if a.meta.category == cid)
            out.append(
                f'<div class="kb-card" markdown>\n\n**[{md(labels.get(SITE_LANG))}]'
                f"({rel(src, f'categories/{cid}.md')})** · {md(labels.get('en'))}\n\n"
                f"{text('count', SITE_LANG, n=count)}\n\n</div>\n"
            )
        out.append("</div>\n")
        out.append(f"## {text('recent', SITE_LANG)} · {text('recent', 'en')}\n")
        recent = sorted(self.listed, key=lambda a: (-a.meta.updated.toordinal(), a.id))[:10]
        out.append(listing(src, recent, kb))
        return Page(src, "\n".join(out))

    def _search_page(self) -> Page:
        title = f"{text('search_results', SITE_LANG)} · {text('search_results', 'en')}"
        return Page(
            "find.md",
            front(title, search=LISTING) + f"# {md(title)}\n\n"
            '<div id="kb-search-page" data-search-exclude></div>\n\n'
            f"<noscript>{html.escape(text('search_hint', SITE_LANG))}</noscript>\n",
        )

    def _product(self, pid: str) -> Page:
        src, product = f"products/{pid}.md", self.kb.products[pid]
        name = product.name.get(SITE_LANG)
        out = [front(name, search=LISTING), f"# {md(name)}\n"]
        if product.description:
            out.append(
                f'<p class="kb-lead">{html.escape(product.description.get(SITE_LANG))}</p>\n'
            )
        if product.versions:
            out.append(f"{text('versions', SITE_LANG)}：{md(', '.join(product.versions))}\n")
        for cid, labels in self.kb.categories.items():
            members = self.by_pair.get((cid, pid))
            if members:
                out.append(
                    f"## [{md(labels.get(SITE_LANG))}]({rel(src, f'categories/{cid}.md')})\n"
                )
                out.append(listing(src, members, self.kb))
        return Page(src, "\n".join(out))

    def _category(self, cid: str) -> Page:
        src, labels = f"categories/{cid}.md", self.kb.categories[cid]
        title = labels.get(SITE_LANG)
        out = [
            front(title, search=LISTING),
            f"# {md(title)}\n",
            f'<p class="kb-lead" lang="en">{html.escape(labels.get("en"))}</p>\n',
        ]
        for pid, product in self.kb.products.items():
            members = self.by_pair.get((cid, pid))
            if members:
                out.append(f"## {md(product.name.get(SITE_LANG))}\n")
                out.append(listing(src, members, self.kb))
        return Page(src, "\n".join(out))

    def _tags(self) -> list[Page]:
        by_tag: dict[str, list[Article]] = defaultdict(list)
        for article in self.listed:
            for tag in article.meta.tags:
                by_tag[tag].append(article)
        slugs: dict[str, str] = {}
        for tag in sorted(by_tag):
            slug, n = tag_slug(tag), 2
            while slug in slugs.values():
                slug, n = f"{tag_slug(tag)}-{n}", n + 1
            slugs[tag] = slug
        title = f"{text('tags', SITE_LANG)} · {text('tags', 'en')}"
        index = [front(title, search=LISTING), f"# {md(title)}\n"]
        index.append('<div class="kb-tags" markdown>\n')
        index += [
            f'[{md(tag)} <span class="kb-count">{len(by_tag[tag])}</span>]'
            f"(tag-{slugs[tag]}.md){{ .kb-tag }}"
            for tag in sorted(by_tag)
        ]
        index.append("\n</div>\n")
        pages = [Page("tags/index.md", "\n".join(index))]
        for tag, members in sorted(by_tag.items()):
            src = f"tags/tag-{slugs[tag]}.md"
            pages.append(
                Page(
                    src,
                    front(tag, search=LISTING)
                    + f"# {md(tag)}\n\n"
                    + listing(src, members, self.kb),
                )
            )
        self.tag_pages.update({tag: f"tags/tag-{slug}.md" for tag, slug in slugs.items()})
        return pages


def plan_site(
    kb: KnowledgeBase,
    *,
    audience: Audience = "public",
    known: dict[str, str] | None = None,
    memo: PlanMemo | None = None,
) -> SitePlan:
    """Plan every page of the portal for ``audience``; drafts are never included.

    ``known``: the key of each article page the last build staged (see
    :meth:`generator.article_page.ArticleRenderer.render`); a page whose key is the same is
    planned without its Markdown. ``memo``: what the last plan of this process can lend.
    """
    return _Planner(kb, audience, known, memo).run()


def site_nav(kb: KnowledgeBase, *, audience: Audience = "public") -> list[Any]:
    """The navigation :func:`plan_site` plans, alone."""
    return _Planner(kb, audience)._nav()
