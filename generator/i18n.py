"""The portal's own words in Simplified Chinese, Traditional Chinese and English."""

from __future__ import annotations

from generator.frontmatter import Lang

__all__ = ["LANG_NAMES", "HTML_LANG", "text"]

LANG_NAMES: dict[Lang, str] = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
HTML_LANG: dict[Lang, str] = {"zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "en": "en"}

_STRINGS: dict[str, dict[Lang, str]] = {
    "type.troubleshooting": {"zh-Hans": "故障排查", "zh-Hant": "故障排除", "en": "Troubleshooting"},
    "type.howto": {"zh-Hans": "操作指南", "zh-Hant": "操作指南", "en": "How-to"},
    "type.faq": {"zh-Hans": "常见问题", "zh-Hant": "常見問題", "en": "FAQ"},
    "type.known-issue": {"zh-Hans": "已知问题", "zh-Hant": "已知問題", "en": "Known issue"},
    "severity.low": {"zh-Hans": "一般", "zh-Hant": "一般", "en": "Low"},
    "severity.medium": {"zh-Hans": "重要", "zh-Hant": "重要", "en": "Medium"},
    "severity.high": {"zh-Hans": "紧急", "zh-Hant": "緊急", "en": "High"},
    "severity.critical": {"zh-Hans": "非常紧急", "zh-Hant": "非常緊急", "en": "Critical"},
    "status.unvalidated": {"zh-Hans": "待验证", "zh-Hant": "待驗證", "en": "Unvalidated"},
    "status.validated": {"zh-Hans": "已验证", "zh-Hant": "已驗證", "en": "Validated"},
    "status.archived": {"zh-Hans": "已归档", "zh-Hant": "已封存", "en": "Archived"},
    "severity": {"zh-Hans": "严重程度", "zh-Hant": "嚴重程度", "en": "Severity"},
    "product": {"zh-Hans": "产品", "zh-Hant": "產品", "en": "Product"},
    "versions": {"zh-Hans": "适用版本", "zh-Hant": "適用版本", "en": "Versions"},
    "updated": {"zh-Hans": "更新于", "zh-Hant": "更新於", "en": "Updated"},
    "error_codes": {"zh-Hans": "错误代码", "zh-Hant": "錯誤代碼", "en": "Error codes"},
    "category": {"zh-Hans": "分类", "zh-Hant": "分類", "en": "Category"},
    "related": {"zh-Hans": "相关文章", "zh-Hant": "相關文章", "en": "Related articles"},
    "translations": {
        "zh-Hans": "其他语言版本",
        "zh-Hant": "其他語言版本",
        "en": "Also available in",
    },
    "help.title": {"zh-Hans": "仍需帮助？", "zh-Hant": "仍需協助？", "en": "Still need help?"},
    "help.intro": {
        "zh-Hans": "如果本文没有解决您的问题，请通过以下方式联系我们，并告知文章编号",
        "zh-Hant": "如果本文沒有解決您的問題，請透過以下方式聯絡我們，並告知文章編號",
        "en": "If this article did not solve your problem, contact us and quote the article id",
    },
    "help.channel": {"zh-Hans": "渠道", "zh-Hant": "管道", "en": "Channel"},
    "help.contact": {"zh-Hans": "联系方式", "zh-Hant": "聯絡方式", "en": "Contact"},
    "help.hours": {"zh-Hans": "服务时间", "zh-Hant": "服務時間", "en": "Hours"},
    "help.response": {"zh-Hans": "响应时效", "zh-Hant": "回應時效", "en": "Response"},
    "archived.title": {"zh-Hans": "本文已归档", "zh-Hant": "本文已封存", "en": "Archived article"},
    "archived.notice": {
        "zh-Hans": "本文不再维护，内容可能不适用于当前版本。请搜索最新的解决方法。",
        "zh-Hant": "本文不再維護，內容可能不適用於目前版本。請搜尋最新的解決方法。",
        "en": "This article is no longer maintained and may not apply to current versions. "
        "Search for a current solution.",
    },
    "unvalidated.notice": {
        "zh-Hans": "本文的解决方法尚待更多案例验证。",
        "zh-Hant": "本文的解決方法尚待更多案例驗證。",
        "en": "This solution has not yet been confirmed by further cases.",
    },
    "home": {"zh-Hans": "首页", "zh-Hant": "首頁", "en": "Home"},
    "help_center": {"zh-Hans": "帮助中心", "zh-Hant": "說明中心", "en": "Help Center"},
    "products": {"zh-Hans": "产品", "zh-Hant": "產品", "en": "Products"},
    "categories": {"zh-Hans": "问题分类", "zh-Hant": "問題分類", "en": "Categories"},
    "tags": {"zh-Hans": "标签", "zh-Hant": "標籤", "en": "Tags"},
    "recent": {"zh-Hans": "最近更新", "zh-Hant": "最近更新", "en": "Recently updated"},
    "overview": {"zh-Hans": "概览", "zh-Hant": "概覽", "en": "Overview"},
    "count": {"zh-Hans": "{n} 篇文章", "zh-Hant": "{n} 篇文章", "en": "{n} articles"},
    "search_hint": {
        "zh-Hans": "在上方搜索框输入问题现象、错误代码或关键词，即可找到解决方法。",
        "zh-Hant": "在上方搜尋框輸入問題現象、錯誤代碼或關鍵字，即可找到解決方法。",
        "en": "Type what you see, an error code or a keyword into the search box above.",
    },
    "search_results": {"zh-Hans": "搜索结果", "zh-Hant": "搜尋結果", "en": "Search results"},
    "no_articles": {"zh-Hans": "暂无文章。", "zh-Hant": "暫無文章。", "en": "No articles yet."},
}


def text(key: str, lang: Lang, **values: object) -> str:
    """Return the portal's word for ``key`` in ``lang``, with ``{placeholders}`` filled."""
    words = _STRINGS[key][lang]
    return words.format(**values) if values else words
