"""Find the articles of a source tree and plan them: language, id, category, output path.

Ids are derived from the product and the path inside the (language) tree only, so the same tree
imported twice gives the same ids, and a translation pairs with its original by that path.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.frontmatter import LANGS, Lang
from generator.importer.docfx_faq import faq_page, is_faq_page
from generator.importer.document import FrontMatter, split_front_matter
from generator.importer.model import Dialect, ImportOptions, SourceFile
from generator.importer.report import ImportReport
from generator.problems import quote

__all__ = [
    "LANG_FOLDERS",
    "Discovered",
    "UsageError",
    "discover",
    "hashed",
    "slugify",
    "title_in",
]

LANG_FOLDERS: dict[str, Lang] = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "zh": "zh-Hans",
    "cn": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-hans": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-hant": "zh-Hant",
}

_REPO_FILES = {"readme", "contributing", "changelog", "code_of_conduct", "security", "license"}
_NAV_FILE = re.compile(r"^(toc(-.*)?|summary)\.md$", re.IGNORECASE)
_SKIPPED_FOLDERS: dict[Dialect, set[str]] = {
    "docfx": {"includes", "_themes", "obj", "_site"},
    "hugo": set(),
    "jekyll": set(),  # every folder starting with '_' except _posts, below
    "obsidian": {"templates"},
    "plain": set(),
}
_H1 = re.compile(r"^ {0,3}#\s+(.+?)\s*#*\s*$")
_LETTER = re.compile(r"[^\W\d_]")


class UsageError(Exception):
    """The source tree or the options cannot be imported as asked (one clean message)."""


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single hyphens."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def hashed(text: str) -> str:
    """A short stable hash of ``text``, for ids a slug cannot make unique or readable."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def title_in(front: dict[str, object], body: str) -> str | None:
    """The page's title: its front matter ``title``, else its first level-1 heading."""
    title = front.get("title")
    if isinstance(title, str | int | float) and str(title).strip():
        return " ".join(str(title).split())
    for line in body.split("\n"):
        match = _H1.match(line)
        if match:
            return match.group(1).strip()
    return None


def _skip_folder(name: str, dialect: Dialect) -> bool:
    if name.startswith(".") or name == "node_modules":
        return True
    if dialect == "jekyll" and name.startswith("_") and name != "_posts":
        return True
    return name.lower() in _SKIPPED_FOLDERS[dialect]


@dataclass(frozen=True)
class Discovered:
    """The Markdown files to import and every file of the tree."""

    sources: list[SourceFile]
    files: frozenset[str]
    parallel: dict[str, Lang]  # language folder → language, when the tree has them
    original: Lang  # the language translations point back to


def _walk(source_dir: Path, dialect: Dialect) -> list[str]:
    found: list[str] = []
    for folder, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if not _skip_folder(d, dialect))
        base = Path(folder).relative_to(source_dir)
        found += [(base / name).as_posix() for name in sorted(names) if not name.startswith(".")]
    return sorted(found)


def _language_folders(rels: list[str]) -> dict[str, Lang]:
    tops = Counter(rel.split("/")[0] for rel in rels if "/" in rel and rel.endswith(".md"))
    folders = {top: LANG_FOLDERS[top.lower()] for top in tops if top.lower() in LANG_FOLDERS}
    return folders if len(folders) >= 2 else {}


def _original(parallel: dict[str, Lang], counts: Counter[str], lang: Lang | None) -> Lang:
    langs = sorted(set(parallel.values()), key=LANGS.index)
    if lang is not None:
        if lang not in langs:
            raise UsageError(
                f"--lang: expected the language of one of the folders {', '.join(parallel)} "
                f"({', '.join(langs)}), found {lang}"
            )
        return lang
    by_lang = Counter({lng: 0 for lng in langs})
    for folder, lng in parallel.items():
        by_lang[lng] += counts[folder]
    return max(langs, key=lambda lng: (by_lang[lng], -LANGS.index(lng)))


def _skip_reason(rel: str, tree_rel: str) -> tuple[str, str] | None:
    name = rel.rsplit("/", 1)[-1]
    if _NAV_FILE.match(name):
        return "an article", "a table of contents (navigation, not an article)"
    if "/" not in tree_rel and name.lower().removesuffix(".md") in _REPO_FILES:
        return "an article", "a repository file (README, LICENSE …)"
    return None


def _read(
    path: Path, rel: str, tree_rel: str, yaml_page: bool, report: ImportReport
) -> FrontMatter | None:
    """Read one page; None (reported) when it is not an article or cannot be read."""
    file_report = report.file(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        if yaml_page:
            return None
        report.files += 1
        report.skipped += 1
        file_report.error(1, "file", "UTF-8 text", f"an undecodable byte at {exc.start}")
        return None
    except OSError as exc:
        report.files += 1
        report.skipped += 1
        file_report.error(1, "file", "a readable file", exc.strerror or str(exc))
        return None
    if yaml_page and not is_faq_page(text):
        return None  # docfx's other YAML (toc.yml, …) is not content
    report.files += 1
    reason = _skip_reason(rel, tree_rel)
    if reason:
        file_report.warn(1, "skipped", *reason)
        report.skipped += 1
        return None
    front = faq_page(text) if yaml_page else split_front_matter(text)
    if front.error:
        file_report.warn(2, "front matter", front.error, "none of its fields was kept")
    body = "\n".join(line for line in front.body.split("\n") if not _H1.match(line))
    if not _LETTER.search(body):  # a title alone is no article
        file_report.warn(front.body_line, "skipped", "some text", "none")
        report.skipped += 1
        return None
    return front


def discover(source_dir: Path, options: ImportOptions, report: ImportReport) -> Discovered:
    """List the files of ``source_dir`` and read the Markdown ones that are articles."""
    if not source_dir.is_dir():
        raise UsageError(f"{source_dir}: expected a folder of Markdown files, found no folder")
    rels = _walk(source_dir, options.dialect)
    parallel = _language_folders(rels)
    counts = Counter(rel.split("/")[0] for rel in rels if rel.endswith(".md"))
    if parallel:
        original = _original(parallel, counts, options.lang)
    elif options.lang is None:
        raise UsageError(
            "--lang: expected the language of the articles (zh-Hans, zh-Hant or en), found "
            "none (only a tree with language folders such as en/ and zh/ can do without)"
        )
    else:
        original = options.lang
    sources: list[SourceFile] = []
    for rel in rels:
        yaml_page = options.dialect == "docfx" and rel.endswith(".yml")
        if not (rel.endswith(".md") or yaml_page):
            continue
        if any(fnmatch.fnmatch(rel, g) for g in options.exclude):
            continue
        top, _, rest = rel.partition("/")
        in_tree = bool(parallel) and top in parallel and bool(rest)
        tree_rel = rest if in_tree else rel
        lang = parallel[top] if in_tree else original
        root = source_dir / top if in_tree else source_dir
        source = _read(source_dir / rel, rel, tree_rel, yaml_page, report)
        if source is not None:
            sources.append(SourceFile(source_dir / rel, rel, tree_rel, root, lang, source))
    if not sources:
        raise UsageError(
            f"{source_dir}: expected Markdown articles (*.md), found none to import"
            + (f" (excluded: {', '.join(map(quote, options.exclude))})" if options.exclude else "")
        )
    return Discovered(sources, frozenset(rels), parallel, original)
