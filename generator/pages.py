"""Plan the portal: every page as generated Markdown, and the navigation.

Pure functions over a loaded :class:`KnowledgeBase`; nothing here imports MkDocs. Links between
pages are written as relative Markdown links to ``.md`` files so MkDocs checks and rewrites them.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from generator.body import rewrite_links
from generator.checks import resolve_link
from generator.frontmatter import LANGS, Lang
from generator.i18n import HTML_LANG, LANG_NAMES, text
from generator.knowledge import Article, KnowledgeBase

__all__ = ["Page", "SitePlan", "plan_site", "tag_slug", "ARTICLE_SRC"]

Audience = Literal["public", "internal"]
ARTICLE_SRC = "articles/{id}.md"
SITE_LANG: Lang = "zh-Hans"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


@dataclass(frozen=True)
class Page:
    """One generated page: its path in the docs folder and its Markdown."""

    src: str
    content: str


@dataclass
class SitePlan:
    """Everything the MkDocs build needs: pages, files to copy, navigation, articles shown."""

    pages: list[Page] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)


def md(value: str) -> str:
    """Escape text for use inside Markdown (link texts, list items)."""
    return _MD_SPECIAL.sub(r"\\\1", value)


def tag_slug(tag: str) -> str:
    """Turn a tag (Chinese or English) into a URL path segment."""
    slug = re.sub(r"[^\w]+", "-", tag.casefold()).strip("-")
    return slug or "tag"


def _rel(from_src: str, to_src: str) -> str:
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def _front(title: str, **extra: Any) -> str:
    data = {"title": title, **{k: v for k, v in extra.items() if v is not None}}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n\n"


def _listing(from_src: str, articles: list[Article], kb: KnowledgeBase) -> str:
    if not articles:
        return text("no_articles", SITE_LANG) + "\n"
    lines = []
    for a in sorted(articles, key=lambda a: (-a.meta.updated.toordinal(), a.id)):
        meta = a.meta
        product = kb.products[meta.product].name.get(meta.lang)
        lines.append(
            f"- [{md(meta.title)}]({_rel(from_src, ARTICLE_SRC.format(id=a.id))})"
            f' <span class="kb-list-meta" lang="{HTML_LANG[meta.lang]}">'
            f"{html.escape(text('type.' + meta.type, meta.lang))} · {html.escape(product)} · "
            f"{LANG_NAMES[meta.lang]} · {meta.updated.isoformat()}</span>"
        )
    return "\n".join(lines) + "\n"


class _Planner:
    def __init__(self, kb: KnowledgeBase, audience: Audience) -> None:
        self.kb = kb
        self.audience = audience
        self.shown = [
            a
            for a in kb.articles
            if a.meta.published and (audience == "internal" or a.meta.audience == "public")
        ]
        self.listed = [a for a in self.shown if a.meta.status != "archived"]
        self.by_id = {a.id: a for a in self.shown}
        self.by_path = {a.path: a for a in kb.articles}
        self.all_by_id = {a.id: a for a in kb.articles}
        self.plan = SitePlan(articles=self.shown)
        self.tag_pages: dict[str, str] = {}

    def run(self) -> SitePlan:
        self.plan.pages.append(self._home())
        self.plan.pages.append(self._search_page())
        for product_id in self.kb.products:
            self.plan.pages.append(self._product(product_id))
        for category_id in self.kb.categories:
            self.plan.pages.append(self._category(category_id))
        self.plan.pages.extend(self._tags())
        for article in self.shown:
            self.plan.pages.append(self._article(article))
        self.plan.nav = self._nav()
        return self.plan

    def _nav(self) -> list[Any]:
        nav: list[Any] = [{text("home", SITE_LANG): "index.md"}]
        for category_id, labels in self.kb.categories.items():
            members = [a for a in self.listed if a.meta.category == category_id]
            if not members:
                continue
            entries: list[Any] = [{text("overview", SITE_LANG): f"categories/{category_id}.md"}]
            entries += [
                {a.meta.title: ARTICLE_SRC.format(id=a.id)}
                for a in sorted(members, key=lambda a: (a.meta.lang, a.meta.title))
            ]
            nav.append({labels.get(SITE_LANG): entries})
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
            _front(title, description=text("search_hint", SITE_LANG)),
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
                f"({_rel(src, f'products/{pid}.md')})** · {md(product.name.get('en'))}\n\n"
                f"{md(description)}\n\n{text('count', SITE_LANG, n=count)}\n\n</div>\n"
            )
        out.append("</div>\n")
        out.append(f"## {text('categories', SITE_LANG)} · {text('categories', 'en')}\n")
        out.append('<div class="kb-cards" markdown>\n')
        for cid, labels in kb.categories.items():
            count = sum(1 for a in self.listed if a.meta.category == cid)
            out.append(
                f'<div class="kb-card" markdown>\n\n**[{md(labels.get(SITE_LANG))}]'
                f"({_rel(src, f'categories/{cid}.md')})** · {md(labels.get('en'))}\n\n"
                f"{text('count', SITE_LANG, n=count)}\n\n</div>\n"
            )
        out.append("</div>\n")
        out.append(f"## {text('recent', SITE_LANG)} · {text('recent', 'en')}\n")
        recent = sorted(self.listed, key=lambda a: (-a.meta.updated.toordinal(), a.id))[:10]
        out.append(_listing(src, recent, kb))
        return Page(src, "\n".join(out))

    def _search_page(self) -> Page:
        title = f"{text('search_results', SITE_LANG)} · {text('search_results', 'en')}"
        return Page("find.md", _front(title, search={"exclude": True}) + f"# {md(title)}\n\n"
                    '<div id="kb-search-page" data-search-exclude></div>\n\n'
                    f"<noscript>{html.escape(text('search_hint', SITE_LANG))}</noscript>\n")

    def _product(self, pid: str) -> Page:
        src, product = f"products/{pid}.md", self.kb.products[pid]
        name = product.name.get(SITE_LANG)
        out = [_front(name), f"# {md(name)}\n"]
        if product.description:
            out.append(
                f'<p class="kb-lead">{html.escape(product.description.get(SITE_LANG))}</p>\n'
            )
        if product.versions:
            out.append(f"{text('versions', SITE_LANG)}：{md(', '.join(product.versions))}\n")
        for cid, labels in self.kb.categories.items():
            members = [a for a in self.listed if a.meta.product == pid and a.meta.category == cid]
            if members:
                out.append(
                    f"## [{md(labels.get(SITE_LANG))}]({_rel(src, f'categories/{cid}.md')})\n"
                )
                out.append(_listing(src, members, self.kb))
        return Page(src, "\n".join(out))

    def _category(self, cid: str) -> Page:
        src, labels = f"categories/{cid}.md", self.kb.categories[cid]
        title = labels.get(SITE_LANG)
        out = [
            _front(title),
            f"# {md(title)}\n",
            f'<p class="kb-lead" lang="en">{html.escape(labels.get("en"))}</p>\n',
        ]
        for pid, product in self.kb.products.items():
            members = [a for a in self.listed if a.meta.category == cid and a.meta.product == pid]
            if members:
                out.append(f"## {md(product.name.get(SITE_LANG))}\n")
                out.append(_listing(src, members, self.kb))
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
        index = [_front(title), f"# {md(title)}\n", '<div class="kb-tags" markdown>\n']
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
                Page(src, _front(tag) + f"# {md(tag)}\n\n" + _listing(src, members, self.kb))
            )
        self.tag_pages.update({tag: f"tags/tag-{slug}.md" for tag, slug in slugs.items()})
        return pages

    def _translations(self, article: Article) -> list[Article]:
        root = article.meta.translation_of or article.id
        return sorted(
            (
                a
                for a in self.shown
                if a is not article and (a.id == root or a.meta.translation_of == root)
            ),
            key=lambda a: LANGS.index(a.meta.lang),
        )

    def _related(self, article: Article, limit: int = 5) -> list[Article]:
        meta = article.meta
        skip = {a.id for a in self._translations(article)} | {article.id}
        scored = []
        for other in self.listed:
            o = other.meta
            if other.id in skip or o.lang != meta.lang:
                continue
            score = (
                3 * (o.category == meta.category)
                + 2 * len(set(o.tags) & set(meta.tags))
                + len(set(o.keywords) & set(meta.keywords))
                + (o.product == meta.product)
            )
            if score >= 3:
                scored.append((-score, -o.updated.toordinal(), other.id, other))
        return [entry[-1] for entry in sorted(scored)[:limit]]

    def _link(self, src: str, article: Article, target: str) -> str:
        resolved = resolve_link(self.kb, article, target, self.by_path, self.all_by_id)
        if resolved is None or (resolved.article is None and resolved.file is None):
            return target
        fragment = f"#{resolved.fragment}" if resolved.fragment else ""
        if resolved.article is not None:
            return _rel(src, ARTICLE_SRC.format(id=resolved.article.id)) + fragment
        assert resolved.file is not None
        dest = "kb-files/" + resolved.file.resolve().relative_to(self.kb.root.resolve()).as_posix()
        self.plan.files[dest] = resolved.file
        return _rel(src, dest) + fragment

    def _article(self, article: Article) -> Page:
        meta, lang = article.meta, article.meta.lang
        src = ARTICLE_SRC.format(id=article.id)
        product = self.kb.products[meta.product]
        category = self.kb.categories[meta.category]
        out = [
            _front(
                meta.title,
                description=meta.summary,
                kb_id=meta.id,
                kb_lang=lang,
                kb_audience=meta.audience,
                kb_status=meta.status,
            ),
            f"# {md(meta.title)}\n",
        ]
        badges = [
            f'<span class="kb-badge kb-type">{text("type." + meta.type, lang)}</span>',
            f'<span class="kb-badge kb-severity kb-severity-{meta.severity}" title="'
            f'{text("severity", lang)}">{text("severity." + meta.severity, lang)}</span>',
            f'<span class="kb-badge kb-status kb-status-{meta.status}">'
            f"{text('status.' + meta.status, lang)}</span>",
        ]
        if meta.audience == "internal":
            badges.append('<span class="kb-badge kb-internal">内部 · Internal</span>')
        facts = [
            f"{text('product', lang)}: [{md(product.name.get(lang))}]"
            f"({_rel(src, f'products/{meta.product}.md')})"
        ]
        if meta.versions:
            facts.append(f"{text('versions', lang)}: {md(', '.join(meta.versions))}")
        facts.append(
            f"{text('category', lang)}: [{md(category.get(lang))}]"
            f"({_rel(src, f'categories/{meta.category}.md')})"
        )
        facts.append(f"{text('updated', lang)}: {meta.updated.isoformat()}")
        out.append(
            f'<div class="kb-meta" lang="{HTML_LANG[lang]}" markdown>\n\n'
            + " ".join(badges)
            + "\n\n"
            + " · ".join(facts)
            + "\n"
        )
        if meta.error_codes:
            out.append(
                f"{text('error_codes', lang)}: "
                + " ".join(f"<code>{html.escape(c)}</code>" for c in meta.error_codes)
                + "\n"
            )
        if meta.tags:
            out.append(
                " ".join(
                    f"[{md(tag)}]({_rel(src, self.tag_pages[tag])}){{ .kb-tag }}"
                    if tag in self.tag_pages
                    else f'<span class="kb-tag">{html.escape(tag)}</span>'
                    for tag in meta.tags
                )
                + "\n"
            )
        out.append("</div>\n")
        if meta.status == "archived":
            out.append(
                f'!!! warning "{text("archived.title", lang)}"\n\n'
                f"    {text('archived.notice', lang)}\n"
            )
        elif meta.status == "unvalidated":
            out.append(
                f'!!! info "{text("status.unvalidated", lang)}"\n\n'
                f"    {text('unvalidated.notice', lang)}\n"
            )
        out.append(f'<p class="kb-lead">{html.escape(meta.summary)}</p>\n')
        out.append(
            rewrite_links(article.body, lambda t: self._link(src, article, t)).strip() + "\n"
        )
        out.append(self._footer(src, article))
        return Page(src, "\n".join(out))

    def _footer(self, src: str, article: Article) -> str:
        lang = article.meta.lang
        out = []
        translations = self._translations(article)
        if translations:
            out.append(
                f'<div class="kb-translations" markdown>\n\n{text("translations", lang)}: '
                + " · ".join(
                    f"[{LANG_NAMES[t.meta.lang]}]({_rel(src, ARTICLE_SRC.format(id=t.id))})"
                    for t in translations
                )
                + "\n\n</div>\n"
            )
        related = self._related(article)
        if related:
            out.append(
                f'<div class="kb-related" markdown>\n\n## {text("related", lang)}'
                " { data-search-exclude }\n\n"
                + "\n".join(
                    f"- [{md(r.meta.title)}]({_rel(src, ARTICLE_SRC.format(id=r.id))})"
                    for r in related
                )
                + "\n\n</div>\n"
            )
        channels = self.kb.site.support_channels
        if channels:
            rows = [
                f"| {text('help.channel', lang)} | {text('help.contact', lang)} | "
                f"{text('help.hours', lang)} | {text('help.response', lang)} |",
                "|---|---|---|---|",
            ]
            for c in channels:
                contact = f"[{md(c.contact)}]({c.url})" if c.url else md(c.contact)
                rows.append(
                    f"| {md(c.label.get(lang))} | {contact} | {md(c.hours.get(lang))} | "
                    f"{md(c.response.get(lang))} |"
                )
            out.append(
                f'<div class="kb-help" markdown>\n\n## {text("help.title", lang)}'
                " { data-search-exclude }\n\n"
                f"{text('help.intro', lang)} `{article.id}`.\n\n" + "\n".join(rows) + "\n\n</div>\n"
            )
        return "\n".join(out)


def plan_site(kb: KnowledgeBase, *, audience: Audience = "public") -> SitePlan:
    """Plan every page of the portal for ``audience``; drafts are never included."""
    return _Planner(kb, audience).run()
