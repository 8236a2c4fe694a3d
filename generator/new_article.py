"""Plan a new case article: a unique id, front matter and the KCS template of its type and language.

Pure library code behind `kb new`: nothing here prompts or prints. The rendered text is validated
with the same schema as `kb check` before it is handed back, so a new article always loads.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from generator.body import REQUIRED_SECTIONS, section_heading
from generator.frontmatter import ArticleType, Lang, parse_file, validate_meta
from generator.knowledge import KnowledgeBase
from generator.problems import Problems, quote
from kbcore.search import Hit, SearchEngine, SearchRequest

__all__ = [
    "REVIEW_AFTER",
    "InvalidOption",
    "NewArticle",
    "NewArticleRequest",
    "default_category",
    "make_id",
    "near_duplicates",
    "plan_article",
    "render_article",
    "taken_ids",
    "title_words",
    "write_article",
]

REVIEW_AFTER = timedelta(days=180)
TITLE_MAX = 120
OWNER_MAX = 200
# Room left after the words of the title for a "-2" … and well inside the 80-character id limit.
ID_WORDS_MAX = 60
SUFFIX_TRIES = 100
# A search hit is a likely duplicate when its title holds at least this share of the new title's
# words and it scores at least this share of the best hit (weak tail matches are left out).
TITLE_OVERLAP = 0.5
SCORE_SHARE = 0.25
DUPLICATE_LIMIT = 5

_ASCII_WORD = re.compile(r"[a-z0-9]+")

SUMMARY_PLACEHOLDER: dict[Lang, str] = {
    "zh-Hans": "用一两句话概括问题和解决办法（显示在列表和搜索结果中）。",
    "zh-Hant": "用一兩句話概括問題和解決辦法（顯示在列表和搜尋結果中）。",
    "en": "One or two sentences on the problem and its fix (shown in listings and search results).",
}

FIELD_HINTS: dict[str, dict[Lang, str]] = {
    "versions": {
        "zh-Hans": "只保留出现问题的版本",
        "zh-Hant": "只保留出現問題的版本",
        "en": "keep only the versions with the problem",
    },
    "keywords": {
        "zh-Hans": "客户的说法、口语和常见错别字",
        "zh-Hant": "客戶的說法、口語和常見錯字",
        "en": "how customers phrase it, colloquial words, misspellings",
    },
    "error_codes": {
        "zh-Hans": "客户看到的错误码或报错原文",
        "zh-Hant": "客戶看到的錯誤碼或錯誤訊息原文",
        "en": "error codes or messages exactly as customers see them",
    },
}

GUIDANCE: dict[str, dict[Lang, str]] = {
    "symptoms": {
        "zh-Hans": "客户看到了什么：用客户的说法描述，原样写出报错信息和错误码。",
        "zh-Hant": "客戶看到了什麼：用客戶的說法描述，原樣寫出錯誤訊息和錯誤碼。",
        "en": "What the customer sees, in their words; quote error messages and codes exactly.",
    },
    "environment": {
        "zh-Hans": "出现问题的条件：产品版本、操作系统、相关设置。",
        "zh-Hant": "出現問題的條件：產品版本、作業系統、相關設定。",
        "en": "When it happens: product versions, operating system, relevant settings.",
    },
    "cause": {
        "zh-Hans": "问题的根本原因；尚未确认时写明“原因待确认”。",
        "zh-Hant": "問題的根本原因；尚未確認時註明「原因待確認」。",
        "en": "The root cause; say so if it is not confirmed yet.",
    },
    "resolution": {
        "zh-Hans": "编号步骤，每步一个操作，写明菜单路径和预期结果。",
        "zh-Hant": "編號步驟，每步一個操作，寫明選單路徑和預期結果。",
        "en": "Numbered steps, one action each, with menu paths and the expected result.",
    },
    "steps": {
        "zh-Hans": "先写适用情境和前提（角色、版本），再写编号步骤，每步一个操作。",
        "zh-Hant": "先寫適用情境和前提（角色、版本），再寫編號步驟，每步一個操作。",
        "en": "Who this is for and what is needed first (role, version), then numbered steps.",
    },
    "answer": {
        "zh-Hans": "第一句直接回答问题，再补充细节和例外情况。",
        "zh-Hant": "第一句直接回答問題，再補充細節和例外情況。",
        "en": "Answer in the first sentence, then give the details and exceptions.",
    },
    "workaround": {
        "zh-Hans": "修复之前客户可以怎么做：编号步骤，并说明副作用。",
        "zh-Hant": "修復之前客戶可以怎麼做：編號步驟，並說明副作用。",
        "en": "What customers can do until the fix ships: numbered steps and any side effects.",
    },
    "fix-status": {
        "zh-Hans": "缺陷单号、计划修复的版本和时间；修复发布后更新本文。",
        "zh-Hant": "缺陷單號、預計修復的版本和時間；修復發布後更新本文。",
        "en": "Defect number, the version and date of the planned fix; update this when it ships.",
    },
}


class InvalidOption(ValueError):
    """An option of `kb new` has a value the knowledge base cannot take."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
        self.message = message


@dataclass(frozen=True)
class NewArticleRequest:
    """What the writer asked for."""

    title: str
    type: ArticleType
    lang: Lang
    product: str
    category: str | None
    owner: str


@dataclass(frozen=True)
class NewArticle:
    """A planned article: its id, where it goes and its full text."""

    id: str
    path: Path
    text: str


def _one_line(value: str, option: str, limit: int) -> str:
    """Return ``value`` stripped, or raise unless it is 1 to ``limit`` characters on one line."""
    text = value.strip()
    control = [ch for ch in text if unicodedata.category(ch) in ("Cc", "Zl", "Zp")]
    if not text or len(text) > limit or control:
        found = f"a line break in {quote(text)}" if control else f"{len(text)}"
        raise InvalidOption(option, f"expected 1 to {limit} characters on one line, found {found}")
    return text


def _random_suffix() -> str:
    return secrets.token_hex(3)


def taken_ids(kb: KnowledgeBase) -> set[str]:
    """Return every id in use: of loaded articles, and every file name (broken files too)."""
    ids = {article.id for article in kb.articles}
    ids |= {path.stem.lower() for path in kb.articles_dir.rglob("*.md")}
    return ids


def title_words(title: str, product: str) -> list[str]:
    """Return the ASCII words of a title for its id, or none if they hold no letter."""
    words = _ASCII_WORD.findall(unicodedata.normalize("NFKC", title).lower())
    words = [word for word in words if word != product]
    # Digits alone ("3", "0" of "3.0") say nothing about the problem.
    return words if any(not word.isdigit() for word in words) else []


def make_id(
    product: str, title: str, taken: set[str], *, suffix: Callable[[], str] = _random_suffix
) -> str:
    """Return a fresh id: the product and the title's ASCII words, else a short random suffix."""
    base = product
    for word in title_words(title, product):
        if len(base) + 1 + len(word) > ID_WORDS_MAX:
            break
        base += "-" + word
    if base != product:
        candidate, number = base, 1
        while candidate in taken:
            number += 1
            candidate = f"{base}-{number}"
        return candidate
    for _ in range(SUFFIX_TRIES):
        candidate = f"{product}-{suffix()}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free id for {product} after {SUFFIX_TRIES} tries")


def default_category(kb: KnowledgeBase, product: str) -> str | None:
    """Return the product's most used category (first in categories.yml on a tie), if any."""
    used = Counter(a.meta.category for a in kb.articles if a.meta.product == product)
    if not kb.categories:
        return None
    return max(kb.categories, key=lambda category: used[category])


def _yaml_text(value: str) -> str:
    """Write a string as YAML: plain when it reads back unchanged, else double-quoted."""
    try:
        if "#" not in value and yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _flow_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def render_article(
    *,
    id: str,
    request: NewArticleRequest,
    category: str,
    versions: list[str],
    today: date,
) -> str:
    """Return the article text: front matter and the required sections with guidance."""
    lang = request.lang

    def hint(field: str) -> str:
        return f"  # {FIELD_HINTS[field][lang]}"

    front = [
        "---",
        f"id: {id}",
        f"title: {_yaml_text(request.title)}",
        f"summary: {_yaml_text(SUMMARY_PLACEHOLDER[lang])}",
        f"type: {request.type}",
        f"lang: {lang}",
        f"product: {request.product}",
        f"versions: {_flow_list(versions)}" + hint("versions"),
        f"category: {category}",
        "tags: []",
        "keywords: []" + hint("keywords"),
        "error_codes: []" + hint("error_codes"),
        "severity: medium",
        "audience: public",
        "status: draft",
        f"owner: {_yaml_text(request.owner)}",
        f"updated: {today.isoformat()}",
        f"review_by: {(today + REVIEW_AFTER).isoformat()}",
        "---",
    ]
    body: list[str] = []
    for key in REQUIRED_SECTIONS[request.type]:
        body += ["", f"## {section_heading(key, lang)}", "", f"<!-- {GUIDANCE[key][lang]} -->"]
    return "\n".join(front + body) + "\n"


def plan_article(
    kb: KnowledgeBase,
    request: NewArticleRequest,
    *,
    today: date,
    suffix: Callable[[], str] = _random_suffix,
) -> NewArticle:
    """Check the request against the knowledge base and return the article to write.

    Raises:
        InvalidOption: the title, owner, product or category cannot be used.
    """
    title = _one_line(request.title, "TITLE", TITLE_MAX)
    owner = _one_line(request.owner, "'--owner'", OWNER_MAX)
    product = kb.products.get(request.product)
    if product is None:
        known = ", ".join(kb.products) or "none"
        raise InvalidOption(
            "'--product'",
            f"expected one of {known} (kb/products.yml), found {quote(request.product)}",
        )
    category = request.category or default_category(kb, request.product)
    if category is None or category not in kb.categories:
        known = ", ".join(kb.categories) or "none"
        raise InvalidOption(
            "'--category'",
            f"expected one of {known} (kb/categories.yml), found {quote(category or '')}",
        )
    request = NewArticleRequest(title, request.type, request.lang, request.product, category, owner)
    id = make_id(request.product, title, taken_ids(kb), suffix=suffix)
    path = kb.articles_dir / request.product / f"{id}.md"
    text = render_article(
        id=id, request=request, category=category, versions=list(product.versions), today=today
    )
    _validate(path, text)
    return NewArticle(id, path, text)


def _validate(path: Path, text: str) -> None:
    """Fail loudly if the rendered text would not pass the article schema."""
    problems = Problems()
    parsed = parse_file(path, text, problems)
    if parsed is not None:
        validate_meta(parsed, problems)
    if problems.errors:
        raise ValueError("; ".join(str(problem) for problem in problems.errors))


def write_article(article: NewArticle) -> None:
    """Write the article to its file, never over an existing one.

    Raises:
        FileExistsError: a file of that name appeared since the id was chosen.
    """
    article.path.parent.mkdir(parents=True, exist_ok=True)
    with article.path.open("x", encoding="utf-8") as handle:
        handle.write(article.text)


def near_duplicates(engine: SearchEngine, title: str) -> list[Hit]:
    """Return published or internal articles that look like the same problem as ``title``.

    A hit counts when the search answered without a fallback (the title's words matched, not
    just any word or a typo), its title holds at least half the new title's words (script and
    case folded by the search analysis), and it scores within reach of the best hit.
    """
    found = engine.search(SearchRequest(q=title, per_page=DUPLICATE_LIMIT, internal=True))
    if found.fallback is not None or not found.results:
        return []
    words = set(engine.analysis.terms_of(title))
    if not words:
        return []
    best = found.results[0].score
    return [
        hit
        for hit in found.results
        if hit.score >= SCORE_SHARE * best
        and len(words & set(engine.analysis.terms_of(hit.title))) / len(words) >= TITLE_OVERLAP
    ]
