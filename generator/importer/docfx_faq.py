"""docfx YAML FAQ pages (``### YamlMime:FAQ``) as Markdown pages, to import like any other.

``title`` and ``metadata`` become the front matter; the page's ``summary`` comes first, then each
section as a level-2 heading and each question as a level-3 heading over its answer.
"""

from __future__ import annotations

from typing import Any

import yaml

from generator.importer.document import FrontMatter

__all__ = ["FAQ_HEADER", "faq_page", "is_faq_page"]

FAQ_HEADER = "### YamlMime:FAQ"


def is_faq_page(text: str) -> bool:
    """Whether ``text`` is a docfx YAML FAQ page."""
    return text.lstrip("\ufeff").lstrip().startswith(FAQ_HEADER)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def faq_page(text: str) -> FrontMatter:
    """The FAQ page as front matter and a Markdown body (``error`` says why it is unreadable)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        return FrontMatter({}, "", 1, f"valid YAML ({problem})")
    if not isinstance(data, dict):
        return FrontMatter({}, "", 1, "a YAML FAQ mapping (title, sections …)")
    metadata = _mapping(data.get("metadata"))
    front: dict[str, Any] = {
        str(k): (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in metadata.items()
    }
    if _text(data.get("title")):
        front["title"] = _text(data.get("title"))
    lines = [_text(data.get("summary")), ""]
    for section in _items(data.get("sections")):
        if not isinstance(section, dict):
            continue
        if _text(section.get("name")):
            lines += [f"## {_text(section.get('name'))}", ""]
        for item in _items(section.get("questions")):
            if isinstance(item, dict) and _text(item.get("question")):
                question = " ".join(_text(item.get("question")).split())
                lines += [f"### {question}", "", _text(item.get("answer")), ""]
    return FrontMatter(front, "\n".join(lines), 1)
