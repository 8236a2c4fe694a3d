"""The article page: metadata badges, the body with its links rewritten, and the footer."""

from __future__ import annotations

import html
import json

from generator.agent_panel import agent_panel
from generator.body import rewrite_links
from generator.cachefile import code_of, digest
from generator.frontmatter import Lang
from generator.i18n import HTML_LANG, LANG_NAMES, text
from generator.knowledge import Article, KnowledgeBase
from generator.links import Links
from generator.pagekit import ARTICLE_SRC, FILES, Audience, Page, SitePlan, front, md, rel
from generator.related import Neighbours
from kbcore.vocab import REASONS

__all__ = ["ArticleRenderer", "feedback_widget"]

_FEEDBACK_MESSAGES = ("sending", "thanks", "later", "rejected", "voted")
# The code an article page is made by: another version of it, and every page is made again.
_PAGE_CODE = (
    *("agent_panel.py", "article_page.py", "body.py", "i18n.py", "links.py", "pagekit.py"),
    *("related.py", "../kbcore/vocab.py"),
)


def feedback_widget(article_id: str, lang: Lang) -> str:
    """Return the "Was this helpful?" block; kb-feedback.js shows it and sends the vote.

    It stays hidden without the script (nothing in it works without one), holds every word the
    script shows as ``data-msg-*`` attributes, and carries no inline script or style.
    """
    title = f"kb-feedback-{article_id}"

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    def say(key: str) -> str:
        return html.escape(text(key, lang))

    messages = " ".join(
        f'data-msg-{name}="{attr(text("feedback." + name, lang))}"' for name in _FEEDBACK_MESSAGES
    )
    reasons = "\n".join(
        f'<label class="kb-feedback__reason"><input type="radio" name="reason" value="{r}">'
        f" <span>{say('feedback.reason.' + r)}</span></label>"
        for r in REASONS
    )
    # One raw HTML block without blank lines, so Markdown leaves it exactly as written.
    return (
        f'<section class="kb-feedback" lang="{HTML_LANG[lang]}"'
        f' data-article-id="{attr(article_id)}" aria-labelledby="{attr(title)}" {messages}'
        " data-search-exclude hidden>\n"
        f'<h2 class="kb-feedback__question" id="{attr(title)}" data-search-exclude>'
        f"{say('feedback.question')}</h2>\n"
        f'<div class="kb-feedback__choices" role="group" aria-labelledby="{attr(title)}">\n'
        f'<button type="button" class="kb-feedback__choice" data-helpful="true"'
        f' aria-pressed="false">{say("feedback.yes")}</button>\n'
        f'<button type="button" class="kb-feedback__choice" data-helpful="false"'
        f' aria-pressed="false" aria-expanded="false" aria-controls="{attr(title)}-more">'
        f"{say('feedback.no')}</button>\n"
        "</div>\n"
        f'<form class="kb-feedback__more" id="{attr(title)}-more" hidden>\n'
        f'<fieldset class="kb-feedback__reasons">\n<legend>{say("feedback.why")}</legend>\n'
        f"{reasons}\n</fieldset>\n"
        f'<label class="kb-feedback__label" for="{attr(title)}-comment">'
        f"{say('feedback.comment')}</label>\n"
        f'<textarea class="kb-feedback__comment" id="{attr(title)}-comment" name="comment"'
        f' maxlength="1000" rows="3" aria-describedby="{attr(title)}-hint"></textarea>\n'
        f'<p class="kb-feedback__hint" id="{attr(title)}-hint">{say("feedback.comment_hint")}</p>\n'
        f'<button type="submit" class="kb-feedback__send">{say("feedback.send")}</button>\n'
        "</form>\n"
        '<p class="kb-feedback__status" role="status" aria-live="polite"></p>\n'
        "</section>\n"
    )


class ArticleRenderer:
    """Render article pages for the articles a site shows."""

    def __init__(
        self,
        kb: KnowledgeBase,
        neighbours: Neighbours,
        plan: SitePlan,
        tag_pages: dict[str, str],
        audience: Audience,
    ) -> None:
        self.kb = kb
        self.audience = audience
        self.plan = plan
        self.tag_pages = tag_pages
        self.links = Links(kb)
        self.neighbours = neighbours
        self.code = digest(audience, *code_of(_PAGE_CODE))

    def _link(self, src: str, article: Article, target: str) -> str:
        resolved = self.links.resolve(article, target)
        if resolved is None or (resolved.article is None and resolved.file is None):
            return target
        fragment = f"#{resolved.fragment}" if resolved.fragment else ""
        if resolved.article is not None:
            return rel(src, ARTICLE_SRC.format(id=resolved.article.id)) + fragment
        assert resolved.file is not None
        dest = f"{FILES}/" + resolved.file.resolve().relative_to(self.kb.root.resolve()).as_posix()
        self.plan.files[dest] = resolved.file
        return rel(src, dest) + fragment

    def render(self, article: Article, known: dict[str, str] | None = None) -> Page:
        """Return the page of ``article``; without its Markdown if ``known`` has its key.

        The key covers the article's text and what the page shows of others: the pages its
        links, tags, translations and related articles point at, and those articles' titles.
        The site's settings are not in it: a build that has other settings makes every page.
        """
        src = ARTICLE_SRC.format(id=article.id)
        translations = self.neighbours.translations(article)
        related = self.neighbours.related(article)
        shown = [
            article.digest,
            [self._link(src, article, link.target) for link in article.links],
            [self.tag_pages.get(tag) for tag in article.meta.tags],
            [(t.id, t.meta.lang) for t in translations],
            [(r.id, r.meta.title) for r in related],
        ]
        key = digest(self.code, json.dumps(shown, ensure_ascii=False))
        if known is not None and known.get(src) == key:
            return Page(src, None, key)
        return Page(src, self._markdown(src, article, translations, related), key)

    def _markdown(
        self, src: str, article: Article, translations: list[Article], related: list[Article]
    ) -> str:
        meta, lang = article.meta, article.meta.lang
        product = self.kb.products[meta.product]
        category = self.kb.categories[meta.category]
        out = [
            front(
                meta.title,
                description=meta.summary,
                kb_id=meta.id,
                kb_lang=lang,
                kb_audience=meta.audience,
                kb_status=meta.status,
                # Not shown, but the page's offline search entry is made of them: a change to
                # them must change the page's Markdown, so an incremental build renders it.
                kb_keywords=meta.keywords or None,
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
            f"({rel(src, f'products/{meta.product}.md')})"
        ]
        if meta.versions:
            facts.append(f"{text('versions', lang)}: {md(', '.join(meta.versions))}")
        facts.append(
            f"{text('category', lang)}: [{md(category.get(lang))}]"
            f"({rel(src, f'categories/{meta.category}.md')})"
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
                    f"[{md(tag)}]({rel(src, self.tag_pages[tag])}){{ .kb-tag }}"
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
        if self.audience == "internal":
            out.append(agent_panel(article))
        out.append(
            rewrite_links(article.body, lambda t: self._link(src, article, t)).strip() + "\n"
        )
        if self.audience == "public":  # customers rate public articles on the public site
            out.append(feedback_widget(article.id, lang))
        out.append(self._footer(src, article, translations, related))
        return "\n".join(out)

    def _footer(
        self, src: str, article: Article, translations: list[Article], related: list[Article]
    ) -> str:
        lang = article.meta.lang
        out = []
        if translations:
            out.append(
                f'<div class="kb-translations" markdown>\n\n{text("translations", lang)}: '
                + " · ".join(
                    f"[{LANG_NAMES[t.meta.lang]}]({rel(src, ARTICLE_SRC.format(id=t.id))})"
                    for t in translations
                )
                + "\n\n</div>\n"
            )
        if related:
            out.append(
                f'<div class="kb-related" markdown>\n\n## {text("related", lang)}'
                " { data-search-exclude }\n\n"
                + "\n".join(
                    f"- [{md(r.meta.title)}]({rel(src, ARTICLE_SRC.format(id=r.id))})"
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
