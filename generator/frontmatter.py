"""The article front matter: its schema, declared once, and a parser that keeps line numbers.

YAML is read by :mod:`generator.yamldoc`: safe loader only, tags never constructed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from generator.problems import Problems, quote
from generator.yamldoc import YamlDoc, load_yaml, validate_doc

__all__ = [
    "LANGS",
    "TYPES",
    "ArticleMeta",
    "ParsedFile",
    "parse_file",
    "validate_meta",
    "ArticleType",
    "Lang",
    "Severity",
    "Status",
    "Audience",
]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

ArticleType = Literal["troubleshooting", "howto", "faq", "known-issue"]
Lang = Literal["zh-Hans", "zh-Hant", "en"]
Severity = Literal["low", "medium", "high", "critical"]
Audience = Literal["public", "internal"]
Status = Literal["draft", "unvalidated", "validated", "archived"]
LANGS: tuple[Lang, ...] = get_args(Lang)
TYPES: tuple[ArticleType, ...] = get_args(ArticleType)

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=3, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ArticleMeta(BaseModel):
    """The front matter of one case article (see docs/writing-articles.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    type: ArticleType
    lang: Lang
    translation_of: Slug | None = None
    translate: list[Lang] = Field(default_factory=list)
    product: Text
    versions: list[Text] = Field(default_factory=list)
    category: Text
    tags: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)
    error_codes: list[Text] = Field(default_factory=list)
    severity: Severity = "medium"
    audience: Audience = "public"
    status: Status
    owner: Text
    updated: date
    review_by: date | None = None
    source: Text | None = None

    @property
    def published(self) -> bool:
        """Whether the article is on the site at all (drafts are not)."""
        return self.status != "draft"


@dataclass(frozen=True)
class ParsedFile:
    """An article file split into front matter (with line numbers) and body."""

    front: YamlDoc
    body: str
    body_line: int

    @property
    def path(self) -> Path:
        return self.front.path


def _split(text: str) -> tuple[str, str, int] | None:
    """Split ``text`` into (front matter, body, first body line), or None without front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return None
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:number]), "".join(lines[number + 1 :]), number + 2
    return None


def parse_file(path: Path, text: str, problems: Problems) -> ParsedFile | None:
    """Split and load one article file; record problems and return None if unusable."""
    text = text.removeprefix("\ufeff")
    split = _split(text)
    if split is None:
        first = text.splitlines()[0] if text.strip() else ""
        problems.error(
            path,
            1,
            "front matter",
            "a YAML block between '---' lines at the top of the file",
            quote(first),
        )
        return None
    front, body, body_line = split
    doc = load_yaml(front, path, problems, first_line=2, what="front matter")
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.error(path, 2, "front matter", "a mapping of field: value", quote(doc.data))
        return None
    return ParsedFile(doc, body, body_line)


def validate_meta(parsed: ParsedFile, problems: Problems) -> ArticleMeta | None:
    """Validate the front matter against :class:`ArticleMeta`; record every problem."""
    return validate_doc(ArticleMeta, parsed.front, problems)
