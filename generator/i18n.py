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
    "feedback.question": {
        "zh-Hans": "这篇文章有帮助吗？",
        "zh-Hant": "這篇文章有幫助嗎？",
        "en": "Was this helpful?",
    },
    "feedback.yes": {"zh-Hans": "有帮助", "zh-Hant": "有幫助", "en": "Yes"},
    "feedback.no": {"zh-Hans": "没有帮助", "zh-Hant": "沒有幫助", "en": "No"},
    "feedback.why": {
        "zh-Hans": "哪里不满意？",
        "zh-Hant": "哪裡不滿意？",
        "en": "What was wrong?",
    },
    "feedback.reason.outdated": {
        "zh-Hans": "内容已过时",
        "zh-Hant": "內容已過時",
        "en": "It is out of date",
    },
    "feedback.reason.incorrect": {
        "zh-Hans": "内容有错误",
        "zh-Hant": "內容有錯誤",
        "en": "Something in it is wrong",
    },
    "feedback.reason.unclear": {
        "zh-Hans": "看不懂，步骤不清楚",
        "zh-Hant": "看不懂，步驟不清楚",
        "en": "It is hard to follow",
    },
    "feedback.reason.did-not-solve": {
        "zh-Hans": "照做了，问题没有解决",
        "zh-Hant": "照做了，問題沒有解決",
        "en": "I followed it; the problem is still there",
    },
    "feedback.reason.wrong-product": {
        "zh-Hans": "不是我用的产品或版本",
        "zh-Hant": "不是我用的產品或版本",
        "en": "It is not about my product or version",
    },
    "feedback.comment": {
        "zh-Hans": "补充说明（选填）",
        "zh-Hant": "補充說明（選填）",
        "en": "Anything to add? (optional)",
    },
    "feedback.comment_hint": {
        "zh-Hans": "请勿填写手机号、邮箱等个人信息。",
        "zh-Hant": "請勿填寫手機號碼、電子郵件等個人資料。",
        "en": "Please leave out phone numbers, e-mail addresses and other personal details.",
    },
    "feedback.send": {"zh-Hans": "提交", "zh-Hant": "送出", "en": "Send"},
    "feedback.sending": {"zh-Hans": "正在提交…", "zh-Hant": "正在送出…", "en": "Sending…"},
    "feedback.thanks": {
        "zh-Hans": "感谢您的反馈！",
        "zh-Hant": "感謝您的回饋！",
        "en": "Thank you for your feedback!",
    },
    "feedback.later": {
        "zh-Hans": "已记下，稍后提交。",
        "zh-Hant": "已記下，稍後送出。",
        "en": "Saved; we'll send it when the connection is back.",
    },
    "feedback.rejected": {
        "zh-Hans": "抱歉，这条反馈未能提交。",
        "zh-Hant": "抱歉，這則回饋未能送出。",
        "en": "Sorry, this feedback could not be recorded.",
    },
    "feedback.voted": {
        "zh-Hans": "您已评价过这篇文章，可以随时修改。",
        "zh-Hant": "您已評價過這篇文章，可以隨時修改。",
        "en": "You rated this article; you can change your answer.",
    },
    "agent.title": {"zh-Hans": "坐席工具", "zh-Hant": "客服工具", "en": "Agent tools"},
    "agent.reuse": {
        "zh-Hans": "已用于 {n} 个工单",
        "zh-Hant": "已用於 {n} 張工單",
        "en": "Used on {n} tickets",
    },
    "agent.helpful": {
        "zh-Hans": "客户评价：{yes} 有帮助，{no} 没有帮助",
        "zh-Hant": "客戶評價：{yes} 有幫助，{no} 沒有幫助",
        "en": "Customers: {yes} helpful, {no} not helpful",
    },
    "agent.unrated": {"zh-Hans": "尚无客户评价", "zh-Hant": "尚無客戶評價", "en": "Not rated yet"},
    "agent.flags": {"zh-Hans": "待处理标记：", "zh-Hant": "待處理標記：", "en": "Open flags: "},
    "agent.no_flags": {"zh-Hans": "无待处理标记", "zh-Hant": "無待處理標記", "en": "No open flags"},
    "agent.copy": {"zh-Hans": "复制客户答复", "zh-Hant": "複製客戶答覆", "en": "Copy answer"},
    "agent.copied": {
        "zh-Hans": "已复制，可粘贴到工单。",
        "zh-Hant": "已複製，可貼到工單。",
        "en": "Copied: paste it into the ticket.",
    },
    "agent.copy_failed": {
        "zh-Hans": "无法访问剪贴板，请手动复制下方文字。",
        "zh-Hant": "無法存取剪貼簿，請手動複製下方文字。",
        "en": "The clipboard is not available: copy the text below by hand.",
    },
    "agent.preview": {"zh-Hans": "客户答复", "zh-Hant": "客戶答覆", "en": "Customer answer"},
    "agent.details": {"zh-Hans": "详细说明：", "zh-Hant": "詳細說明：", "en": "Details: "},
    "agent.ticket": {"zh-Hans": "工单号", "zh-Hant": "工單號", "en": "Ticket"},
    "agent.link": {"zh-Hans": "关联到工单", "zh-Hant": "關聯到工單", "en": "Link to ticket"},
    "agent.linked": {
        "zh-Hans": "已关联到工单 {ticket}。",
        "zh-Hant": "已關聯到工單 {ticket}。",
        "en": "Linked to ticket {ticket}.",
    },
    "agent.already_linked": {
        "zh-Hans": "工单 {ticket} 已关联过本文。",
        "zh-Hant": "工單 {ticket} 已關聯過本文。",
        "en": "Ticket {ticket} was already linked.",
    },
    "agent.flag": {"zh-Hans": "标记问题", "zh-Hant": "標記問題", "en": "Flag a problem"},
    "agent.flag_kind": {"zh-Hans": "问题类型", "zh-Hant": "問題類型", "en": "Problem"},
    "agent.flag.outdated": {"zh-Hans": "内容已过时", "zh-Hant": "內容已過時", "en": "Outdated"},
    "agent.flag.incorrect": {"zh-Hans": "内容有错误", "zh-Hant": "內容有錯誤", "en": "Incorrect"},
    "agent.flag.missing-step": {
        "zh-Hans": "缺少步骤",
        "zh-Hant": "缺少步驟",
        "en": "A step is missing",
    },
    "agent.flag.duplicate": {
        "zh-Hans": "与其他文章重复",
        "zh-Hant": "與其他文章重複",
        "en": "Duplicates another article",
    },
    "agent.note": {"zh-Hans": "说明（选填）", "zh-Hant": "說明（選填）", "en": "Note (optional)"},
    "agent.flagged": {
        "zh-Hans": "已标记，已加入写作待办。",
        "zh-Hant": "已標記，已加入撰寫待辦。",
        "en": "Flagged: it is on the writers' backlog.",
    },
    "agent.failed": {
        "zh-Hans": "未能完成：{message}",
        "zh-Hant": "未能完成：{message}",
        "en": "Not done: {message}",
    },
    "agent.offline": {
        "zh-Hans": "服务暂时不可用，请稍后再试。",
        "zh-Hant": "服務暫時無法使用，請稍後再試。",
        "en": "The service is not available; try again shortly.",
    },
    "agent.expired": {
        "zh-Hans": "登录已过期，请重新登录。",
        "zh-Hant": "登入已過期，請重新登入。",
        "en": "Your login has expired: log in again.",
    },
    "agent.signed_in": {"zh-Hans": "坐席：", "zh-Hant": "客服：", "en": "Agent: "},
    "agent.portal": {"zh-Hans": "坐席门户", "zh-Hant": "客服入口", "en": "Agents' portal"},
    "agent.logout": {"zh-Hans": "退出登录", "zh-Hant": "登出", "en": "Log out"},
    "login.name": {"zh-Hans": "姓名", "zh-Hant": "姓名", "en": "Name"},
    "login.secret": {"zh-Hans": "密码或令牌", "zh-Hant": "密碼或權杖", "en": "Password or token"},
    "login.submit": {"zh-Hans": "登录", "zh-Hant": "登入", "en": "Log in"},
    "login.hint": {
        "zh-Hans": "用坐席密码登录时须填写姓名；用个人令牌登录时可不填。",
        "zh-Hant": "使用客服密碼登入時須填寫姓名；使用個人權杖登入時可不填。",
        "en": "Give your name with the agent password; a personal token needs none.",
    },
    "login.failed": {
        "zh-Hans": "姓名、密码或令牌不正确。",
        "zh-Hant": "姓名、密碼或權杖不正確。",
        "en": "Wrong name, password or token.",
    },
    "login.throttled": {
        "zh-Hans": "失败次数过多，请 {n} 分钟后再试。",
        "zh-Hant": "失敗次數過多，請 {n} 分鐘後再試。",
        "en": "Too many failed attempts: try again in {n} minutes.",
    },
    "login.unconfigured": {
        "zh-Hans": "尚未配置坐席登录：请设置 KB_AGENT_PASSWORD 或 KB_AGENT_TOKENS 后重启服务。",
        "zh-Hant": "尚未設定客服登入：請設定 KB_AGENT_PASSWORD 或 KB_AGENT_TOKENS 後重新啟動服務。",
        "en": "Agent login is not configured: set KB_AGENT_PASSWORD or KB_AGENT_TOKENS and "
        "restart the service.",
    },
    "login.not_built": {
        "zh-Hans": "坐席站点尚未构建：请运行 kb build --audience internal。",
        "zh-Hant": "客服網站尚未建置：請執行 kb build --audience internal。",
        "en": "The agents' site is not built: run kb build --audience internal.",
    },
}


def text(key: str, lang: Lang, **values: object) -> str:
    """Return the portal's word for ``key`` in ``lang``, with ``{placeholders}`` filled."""
    words = _STRINGS[key][lang]
    return words.format(**values) if values else words
