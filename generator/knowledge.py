"""Load a knowledge base folder: its settings files and every article, recording problems."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from generator import body as markdown
from generator.article_cache import ArticleCache, stat_of
from generator.frontmatter import SLUG_PATTERN, ArticleMeta, Lang, parse_file, validate_meta
from generator.problems import Problems
from generator.yamldoc import LineMap, load_yaml, validate_doc

__all__ = [
    "Article",
    "KnowledgeBase",
    "Localized",
    "Product",
    "SiteInfo",
    "SupportChannel",
    "load_knowledge_base",
]

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Localized(BaseModel):
    """A text in Simplified Chinese, and optionally Traditional Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    zh_hans: NonEmpty = Field(alias="zh-Hans")
    zh_hant: NonEmpty | None = Field(None, alias="zh-Hant")
    en: NonEmpty | None = None

    def get(self, lang: Lang) -> str:
        """Return the text in ``lang``, falling back to the closest language written."""
        if lang == "en":
            return self.en or self.zh_hans
        if lang == "zh-Hant":
            return self.zh_hant or self.zh_hans
        return self.zh_hans


class Product(BaseModel):
    """A product the knowledge base covers (``kb/products.yml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Localized
    description: Localized | None = None
    versions: list[NonEmpty] = Field(default_factory=list)


class SupportChannel(BaseModel):
    """One way to reach support, shown under "still need help?" (``kb/site.yml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["hotline", "email", "chat", "onsite", "other"]
    label: Localized
    contact: NonEmpty
    url: NonEmpty | None = None
    hours: Localized
    response: Localized


class SiteInfo(BaseModel):
    """Portal settings for writers (``kb/site.yml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vendor: Localized
    support_channels: list[SupportChannel] = Field(default_factory=list)


@dataclass(frozen=True)
class Article:
    """A valid article: its front matter, body and where each came from."""

    path: Path
    meta: ArticleMeta
    lines: LineMap  # the line of each front matter field
    body: str
    body_line: int
    digest: str = ""  # SHA-256 of the file's text as loaded

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def url(self) -> str:
        return f"/articles/{self.meta.id}/"

    # What the checks read off the body, worked out once (and kept in the article cache).

    @cached_property
    def sections(self) -> frozenset[str]:
        """The case sections (``symptoms`` …) its level-2 headings name."""
        level_2 = (h.text for h in markdown.headings(self.body, 0) if h.level == 2)
        return frozenset(key for key in map(markdown.section_key, level_2) if key is not None)

    @cached_property
    def links(self) -> list[markdown.Link]:
        return markdown.links(self.body, self.body_line)

    @cached_property
    def unsafe_html(self) -> list[markdown.UnsafeHtml]:
        return markdown.unsafe_html(self.body, self.body_line)

    @cached_property
    def includes(self) -> list[markdown.UnsafeHtml]:
        return markdown.snippet_includes(self.body, self.body_line)

    @cached_property
    def front_digest(self) -> str:
        """SHA-256 of the front matter as validated: what the near-duplicate warnings and the
        listing pages are made of, with the settings (kept in the article cache)."""
        return hashlib.sha256(self.meta.model_dump_json().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything under one ``kb/`` folder that loaded without errors."""

    root: Path
    categories: dict[str, Localized]
    products: dict[str, Product]
    site: SiteInfo
    articles: list[Article]
    article_files: int
    synonyms: list[list[str]]

    @property
    def articles_dir(self) -> Path:
        return self.root / "articles"


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=2, max_length=60)]


class Categories(RootModel[dict[Slug, Localized]]):
    """``kb/categories.yml``: category id → labels."""


class Products(RootModel[dict[Slug, Product]]):
    """``kb/products.yml``: product id → product."""


SynonymGroup = Annotated[list[NonEmpty], Field(min_length=2)]


class Synonyms(RootModel[list[SynonymGroup]]):
    """``kb/synonyms.yml``: groups of words customers use for the same thing."""


M = TypeVar("M", bound=BaseModel)


def _load_settings_file(path: Path, model: type[M], problems: Problems) -> M | None:
    """Load and validate one of the knowledge base's own YAML files."""
    if not path.is_file():
        problems.error(
            path, 1, "file", "a YAML file (see docs/writing-articles.md)", "no such file"
        )
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(path, 1, "file", "readable UTF-8 text", str(exc))
        return None
    doc = load_yaml(text, path, problems)
    return None if doc is None else validate_doc(model, doc, problems)


def _load_article(path: Path, problems: Problems, known: ArticleCache | None) -> Article | None:
    article = None if known is None else known.unchanged(path)
    if article is not None:
        return article
    try:
        stat = stat_of(path)
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.error(path, 1, "file", "UTF-8 text", f"an undecodable byte at offset {exc.start}")
        return None
    except OSError as exc:
        problems.error(path, 1, "file", "a readable file", exc.strerror or str(exc))
        return None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    article = None if known is None else known.get(path, digest, stat)
    if article is not None:
        return article
    before = len(problems.items)
    parsed = parse_file(path, text, problems)
    if parsed is None:
        return None
    meta = validate_meta(parsed, problems)
    if meta is None:
        return None
    article = Article(path, meta, parsed.front.line_map, parsed.body, parsed.body_line, digest)
    if known is not None and len(problems.items) == before:  # its problems would not be kept
        known.put(article, stat)
    return article


def load_knowledge_base(
    root: Path, problems: Problems, *, cache: ArticleCache | None = None
) -> KnowledgeBase | None:
    """Load ``root`` (a ``kb/`` folder); every problem goes to ``problems``.

    Returns None only when the folder itself or one of its settings files is unusable; articles
    that fail to load are left out of the result and reported. Articles whose text ``cache`` holds
    are not parsed again; the caller saves it.
    """
    if not (root / "articles").is_dir():
        problems.error(
            root / "articles",
            1,
            "folder",
            "a folder of articles",
            "no such folder" if not root.exists() else "no articles/ folder in it",
        )
        return None
    categories = _load_settings_file(root / "categories.yml", Categories, problems)
    products = _load_settings_file(root / "products.yml", Products, problems)
    site = _load_settings_file(root / "site.yml", SiteInfo, problems)
    synonyms = (
        _load_settings_file(root / "synonyms.yml", Synonyms, problems)
        if (root / "synonyms.yml").exists()
        else Synonyms([])
    )
    files = sorted((root / "articles").rglob("*.md"))
    articles = [
        a for a in (_load_article(path, problems, cache) for path in files) if a is not None
    ]
    if categories is None or products is None or site is None or synonyms is None:
        return None
    return KnowledgeBase(
        root, categories.root, products.root, site, articles, len(files), synonyms.root
    )
