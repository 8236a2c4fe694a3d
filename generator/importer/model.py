"""The things an import works with: source files, planned articles, and what a step may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from generator.frontmatter import Lang
from generator.importer.document import FrontMatter
from generator.importer.report import FileReport

__all__ = [
    "DIALECTS",
    "Catalog",
    "Context",
    "Dialect",
    "ImportOptions",
    "Planned",
    "SourceFile",
]

Dialect = Literal["docfx", "hugo", "obsidian", "jekyll", "plain"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)


@dataclass(frozen=True)
class ImportOptions:
    """What the user asked for (``kb import`` options)."""

    dialect: Dialect
    product: str
    lang: Lang | None = None
    product_name: str | None = None
    category: str | None = None
    owner: str | None = None
    audience: Literal["public", "internal"] = "public"
    status: Literal["unvalidated", "validated"] = "unvalidated"
    base_url: str | None = None
    variables_file: Path | None = None
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file of the source tree."""

    path: Path  # the file itself
    rel: str  # its path relative to SOURCE_DIR, with '/'
    tree_rel: str  # its path inside its language folder (``rel`` without parallel trees)
    root: Path  # where site-absolute links start: its language folder, else SOURCE_DIR
    lang: Lang
    front: FrontMatter

    @property
    def stem_path(self) -> str:
        """``tree_rel`` without its extension (.md, or .yml for docfx YAML pages)."""
        return self.tree_rel.rsplit(".", 1)[0] if "." in self.tree_rel else self.tree_rel

    @property
    def name(self) -> str:
        """The file name without its extension."""
        return self.stem_path.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        """Its folder relative to SOURCE_DIR ('' at the top)."""
        return self.rel.rpartition("/")[0]


@dataclass(frozen=True)
class Planned:
    """An article the import writes: where from, where to, with which id."""

    source: SourceFile
    id: str
    out: Path
    category: str
    translation_of: str | None = None


@dataclass(frozen=True)
class Catalog:
    """Everything known before any file is converted: what each link may point at."""

    source_dir: Path
    out_dir: Path
    options: ImportOptions
    articles: dict[str, Planned]  # by ``rel``
    urls: dict[str, str]  # site path (no suffix, no trailing '/') → ``rel``
    names: dict[str, list[str]]  # file name, lowercased, without .md → ``rel``s (wikilinks)
    files: frozenset[str]  # every file of the tree, relative, for attachments by name
    variables: dict[Path, dict[str, Any]]  # each language folder's (or the tree's) variables


@dataclass
class Context:
    """What a conversion step sees: the file being converted, the catalog, the reporter."""

    catalog: Catalog
    source: SourceFile
    report: FileReport
    lang: Lang
    assets: dict[Path, Path] = field(default_factory=dict)  # source file → copy in the kb
    stack: tuple[Path, ...] = ()  # files being included, to refuse cycles

    def within(self, source: SourceFile, report: FileReport) -> Context:
        """The context for converting ``source``, included into the current file."""
        return Context(
            self.catalog,
            source,
            report,
            self.lang,
            self.assets,
            (*self.stack, self.source.path.resolve()),
        )
