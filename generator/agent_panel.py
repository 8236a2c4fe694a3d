"""The agents' tools on an article page of the internal site (kb-agent.js brings them to life).

The panel shows the article's reuse count, customers' helpfulness and open flags, copies the
customer-ready answer with one click, links the article to a ticket and flags it for the writers.
Every word the script shows is in a ``data-msg-*`` attribute, in the article's language.
"""

from __future__ import annotations

import html

from generator.answer import customer_answer
from generator.i18n import HTML_LANG, text
from generator.knowledge import Article
from kbcore.vocab import FLAG_KINDS

__all__ = ["agent_panel"]

_MESSAGES = (
    "reuse",
    "helpful",
    "unrated",
    "flags",
    "no_flags",
    "copied",
    "copy_failed",
    "details",
    "linked",
    "already_linked",
    "flagged",
    "failed",
    "offline",
    "expired",
    "signed_in",
    "logout",
    "portal",
)


def agent_panel(article: Article) -> str:
    """Return the agents' panel of ``article`` as one raw HTML block (no blank line inside)."""
    lang = article.meta.lang

    def attr(value: str) -> str:
        return html.escape(value, quote=True)

    def say(key: str) -> str:
        return html.escape(text(key, lang))

    base = f"kb-agent-{article.id}"
    messages = " ".join(
        f'data-msg-{name.replace("_", "-")}="{attr(text("agent." + name, lang))}"'
        for name in _MESSAGES
    )
    public = f' data-public-url="{attr(article.url)}"' if article.meta.audience == "public" else ""
    kinds = "".join(
        f'<option value="{kind}">{say("agent.flag." + kind)}</option>' for kind in FLAG_KINDS
    )
    # Newlines as character references keep the block free of blank lines for Markdown.
    answer = html.escape(customer_answer(article)).replace("\n", "&#10;")
    return (
        f'<section class="kb-agent" lang="{HTML_LANG[lang]}" data-article-id="{attr(article.id)}"'
        f'{public} {messages} aria-labelledby="{base}" data-search-exclude>\n'
        f'<h2 id="{base}" class="kb-agent__title">{say("agent.title")}</h2>\n'
        '<p class="kb-agent__stats" aria-live="polite"></p>\n'
        '<div class="kb-agent__actions">\n'
        f'<button type="button" class="kb-agent__copy md-button md-button--primary" hidden>'
        f"{say('agent.copy')}</button>\n"
        f'<form class="kb-agent__link" hidden><label for="{base}-ticket">{say("agent.ticket")}'
        f'</label> <input id="{base}-ticket" name="ticket_id" required maxlength="80"'
        ' pattern="[A-Za-z0-9_.#:\\/\\-]+" autocomplete="off">'
        f' <button type="submit" class="md-button">{say("agent.link")}</button></form>\n'
        "</div>\n"
        f'<details class="kb-agent__preview"><summary>{say("agent.preview")}</summary>'
        f'<pre class="kb-agent__answer">{answer}</pre></details>\n'
        f'<details class="kb-agent__flag-box" hidden><summary>{say("agent.flag")}</summary>'
        f'<form class="kb-agent__flag"><label for="{base}-kind">{say("agent.flag_kind")}</label>'
        f' <select id="{base}-kind" name="kind">{kinds}</select>'
        f' <label for="{base}-note">{say("agent.note")}</label>'
        f' <textarea id="{base}-note" name="note" maxlength="1000" rows="2"></textarea>'
        f' <button type="submit" class="md-button">{say("agent.flag")}</button></form></details>\n'
        '<p class="kb-agent__status" role="status" aria-live="polite"></p>\n'
        "</section>\n"
    )
