"""Turn public corpora into kb-portal articles and index them through our own pipeline.

Each corpus document becomes a ``faq`` article (body under ``## Answer`` / ``## 解答``) in a
temporary knowledge base that passes ``kb check``; it is then loaded, checked and indexed exactly
as ``kb build`` does (``load_knowledge_base`` → ``write_generation`` → ``promote``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from generator.body import rewrite_links, unsafe_html
from generator.checks import check_knowledge_base
from generator.indexer import plain_text, write_generation
from generator.knowledge import load_knowledge_base
from generator.problems import Problems
from kbcore.index import OpenIndex, build_lock, index_root, open_current, promote

__all__ = [
    "REPO",
    "SHARED",
    "Doc",
    "build_index",
    "describe_run",
    "stackfaq_docs",
    "tidb_docs",
    "write_kb",
]

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
STACKFAQ = SHARED / "corpora/stackfaq/derived"
PINGCAP = SHARED / "corpora/pingcap-docs-cn"

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_TITLE_LINE = re.compile(r"\A\s*# .*\n?")
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.S)  # {{< copyable "sql" >}}
_TEMPLATE_VAR = re.compile(r"\{\{\{\s*\.([\w-]+)\s*\}\}\}")  # {{{ .starter }}} -> starter
_SCRIPT = re.compile(r"<script\b.*?(?:</script\s*>|\Z)", re.S | re.I)
_SENTENCE = re.compile(r".+?(?:[。！？!?]|\.(?=\s|$))", re.S)
_LETTER = re.compile(r"[^\W\d_]")
_KEEP_SCHEMES = ("http", "https", "mailto")


@dataclass(frozen=True)
class Doc:
    """One corpus document, cleaned: what the article and the baselines are made of."""

    corpus_id: str
    title: str
    summary: str
    body: str  # Markdown without front matter and without the leading title heading
    keywords: tuple[str, ...]
    lang: str

    @property
    def text(self) -> str:
        """Title and body: what the baselines index."""
        return f"{self.title}\n{self.body}"


def _neutral_link(target: str) -> str:
    return target if urlsplit(target).scheme in _KEEP_SCHEMES else "#"


def clean_markdown(text: str) -> str:
    """Drop Hugo shortcodes and raw scripts; point links to other docs of the corpus at ``#``;
    escape ``<`` on lines the check still reads as unsafe HTML (code like ``i<labels.length``)."""
    text = _SCRIPT.sub("", text)
    text = _SHORTCODE.sub("", text)
    text = _TEMPLATE_VAR.sub(r"\1", text)
    lines = rewrite_links(text, _neutral_link).split("\n")
    for unsafe in unsafe_html("\n".join(lines), 1):
        lines[unsafe.line - 1] = lines[unsafe.line - 1].replace("<", "&lt;")
    return "\n".join(lines).strip()


def _first_sentence(body: str) -> str:
    text = " ".join(plain_text(_HEADING.sub("", body)).split())
    match = _SENTENCE.match(text)
    return (match.group(0) if match else text).strip()


def read_doc(path: Path, corpus_id: str, lang: str) -> Doc | None:
    """Read one Markdown document; None when it holds no words (e.g. only "1")."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    front: dict[str, object] = {}
    match = _FRONT.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            loaded = None
        front = loaded if isinstance(loaded, dict) else {}
        text = text[match.end() :]
    body = clean_markdown(text)
    if not _LETTER.search(body):
        return None
    heading = _HEADING.search(body)
    title = str(front.get("title") or (heading.group(1) if heading else Path(corpus_id).stem))
    title = " ".join(clean_markdown(title).split())[:120]
    summary = " ".join(str(front.get("summary") or "").split()) or _first_sentence(body) or title
    aliases = front.get("aliases")
    keywords = tuple(str(a).strip()[:200] for a in aliases or () if str(a).strip())
    body = _TITLE_LINE.sub("", body, count=1).strip()
    return Doc(corpus_id, title, summary[:300].strip(), body, keywords, lang)


def read_folder(
    folder: Path, pattern: str, id_of: Callable[[Path], str], lang: str
) -> tuple[list[Doc], list[str]]:
    """Read every document of ``folder``; return them and the ids of those without words."""
    docs, skipped = [], []
    for path in sorted(folder.glob(pattern)):
        doc = read_doc(path, id_of(path), lang)
        if doc is None:
            skipped.append(id_of(path))
        else:
            docs.append(doc)
    return docs, skipped


def stackfaq_docs() -> tuple[list[Doc], list[str]]:
    """StackFAQ threads (English); corpus-id = file stem."""
    return read_folder(STACKFAQ / "articles", "*.md", lambda p: p.stem, "en")


def tidb_docs() -> tuple[list[Doc], list[str]]:
    """TiDB's Chinese docs; corpus-id = path relative to the corpus folder."""
    return read_folder(PINGCAP, "**/*.md", lambda p: p.relative_to(PINGCAP).as_posix(), "zh-Hans")


def slug_of(corpus_id: str, used: set[str]) -> str:
    """A valid, unused article id made from ``corpus_id``."""
    base = re.sub(r"[^a-z0-9]+", "-", corpus_id.removesuffix(".md").lower()).strip("-")
    base = (base if len(base) >= 3 else f"doc-{base}".strip("-"))[:70].strip("-")
    slug, number = base, 1
    while slug in used:
        number += 1
        slug = f"{base}-{number}"
    used.add(slug)
    return slug


def _article(doc: Doc, slug: str, product: str, category: str) -> str:
    front: dict[str, object] = {
        "id": slug,
        "title": doc.title,
        "summary": doc.summary,
        "type": "faq",
        "lang": doc.lang,
        "product": product,
        "category": category,
        "status": "validated",
        "owner": "bench",
        "updated": date.today(),
        "source": doc.corpus_id[:200],
    }
    if doc.keywords:
        front["keywords"] = list(doc.keywords)
    heading = "Answer" if doc.lang == "en" else "解答"
    matter = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{matter}---\n\n## {heading}\n\n{doc.body}\n"


def write_kb(docs: Sequence[Doc], folder: Path) -> dict[str, str]:
    """Write ``docs`` as a knowledge base under ``folder``; return slug -> corpus-id.

    The settings files are copied from the repository's ``kb/``; products and categories are
    assigned in turn so facets have several values.
    """
    (folder / "articles").mkdir(parents=True)
    for settings in sorted((REPO / "kb").glob("*.yml")):
        shutil.copy(settings, folder / settings.name)
    products = list(yaml.safe_load((folder / "products.yml").read_text(encoding="utf-8")))
    categories = list(yaml.safe_load((folder / "categories.yml").read_text(encoding="utf-8")))
    used: set[str] = set()
    slugs: dict[str, str] = {}
    for number, doc in enumerate(docs):
        slug = slug_of(doc.corpus_id, used)
        slugs[slug] = doc.corpus_id
        text = _article(
            doc, slug, products[number % len(products)], categories[number % len(categories)]
        )
        (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    return slugs


def build_index(kb_dir: Path, data_dir: Path) -> tuple[OpenIndex, float]:
    """Check ``kb_dir`` like ``kb check``, index it like ``kb build``; return the index and the
    seconds spent loading and indexing (the check itself is not timed)."""
    problems = Problems()
    start = time.perf_counter()
    kb = load_knowledge_base(kb_dir, problems)
    loading = time.perf_counter() - start
    if kb is not None:
        check_knowledge_base(kb, problems, today=date.today())
    if kb is None or problems.errors:
        raise SystemExit("kb check failed:\n" + "\n".join(map(str, problems.errors[:20])))
    root = index_root(data_dir)
    start = time.perf_counter()
    with build_lock(root):
        promote(root, write_generation(kb, root))
    return open_current(root), loading + time.perf_counter() - start


def describe_run() -> str:
    """One line for the record: date, commit, uncommitted engine changes, CPUs."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = git("status", "--porcelain", "kbcore", "generator", "search_api")
    return (
        f"{date.today()} commit {git('rev-parse', '--short', 'HEAD')}"
        + (" + uncommitted changes in kbcore/generator/search_api" if dirty else "")
        + f", {os.cpu_count()} CPUs"
    )
