"""Write the search index of a knowledge base: one new generation, promoted when complete."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Any

from pymdownx.slugs import slugify
from whoosh import index as whoosh_index
from whoosh.writing import MERGE_SMALL

from generator.body import headings
from generator.index_process import Signals, ThreadSignals, run_in_child
from generator.knowledge import Article, KnowledgeBase
from kbcore.analysis import Analyzed, KbTokenizer, Mode, TextAnalysis, normalize
from kbcore.index import (
    SCHEMA_VERSION,
    IndexMeta,
    Suggestion,
    digest_files,
    make_schema,
    new_generation,
    read_meta,
)

__all__ = [
    "analysis_of",
    "plain_text",
    "searchable",
    "sections",
    "update_generation",
    "write_generation",
]

# From this many articles on, a new index is written in a child process while the build renders
# (generator.index_process), its articles analysed in worker processes, one per core.
PARALLEL_FROM = 200
# The writer's posting buffer: past it, Whoosh sorts the postings through files on disk,
# pickling every one of them (a quarter of the index's build time on the TiDB import).
WRITER_BUFFER_MB = 1024
_WORKER: dict[str, Any] = {}  # in a worker process: its analysis (set once by its initializer)

_slug = slugify(case="lower")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")
_MARKUP = re.compile(
    r"^\s*(?:!!!|\?\?\?\+?)\s*\w+(?:\s+\"([^\"]*)\")?|[*_`>#|]+|^\s*[-+]\s|"
    r"^\s*\d+\.\s",
    re.M,
)


def plain_text(markdown: str) -> str:
    """Strip Markdown markup, keeping the words (link texts, code, admonition titles)."""
    text = _LINK.sub(r"\1", markdown)
    text = _HTML.sub(" ", text)
    text = _MARKUP.sub(lambda m: f" {m.group(1) or ''} ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def sections(article: Article) -> list[tuple[str, str, str]]:
    """Split the body at level-2 and level-3 headings: (heading, anchor, plain text)."""
    lines = article.body.split("\n")
    marks = [h for h in headings(article.body, 0) if h.level in (2, 3)]
    out: list[tuple[str, str, str]] = []
    used: dict[str, int] = {}
    bounds = [h.line for h in marks] + [len(lines)]
    if marks and marks[0].line > 0:
        intro = plain_text("\n".join(lines[: marks[0].line]))
        if intro:
            out.append(("", "", intro))
    for heading, end in zip(marks, bounds[1:], strict=True):
        base = _slug(heading.text, "-")
        count = used.get(base, 0)
        used[base] = count + 1
        anchor = base if count == 0 else f"{base}_{count}"
        out.append((heading.text, anchor, plain_text("\n".join(lines[heading.line + 1 : end]))))
    return out


def searchable(kb: KnowledgeBase) -> list[Article]:
    """The articles search may return: published, not archived (internal ones included)."""
    return [a for a in kb.articles if a.meta.published and a.meta.status != "archived"]


def analysis_of(kb: KnowledgeBase) -> TextAnalysis:
    """The text analysis of ``kb``'s index: jieba plus the knowledge base's own terms."""
    terms: list[str] = []
    for product in kb.products.values():
        terms += [product.name.zh_hans, product.name.zh_hant or "", product.name.en or ""]
    for article in searchable(kb):
        terms += article.meta.keywords + article.meta.tags
    for group in kb.synonyms:
        terms += group
    return TextAnalysis(terms)


def _document(article: Article, analysis: TextAnalysis) -> dict[str, Any]:
    meta = article.meta
    parts = sections(article)
    body = "\n".join(f"{heading}\n{text}" for heading, _, text in parts)
    doc = {
        "url": article.url,
        "summary": meta.summary,
        "updated": meta.updated.isoformat(),
        "sections": [
            {
                "heading": h,
                "anchor": a,
                "text": t,
                "terms": sorted(set(analysis.terms_of(f"{h}\n{t}"))),
            }
            for h, a, t in parts
        ],
    }
    phrases = "\n".join([meta.summary, *meta.keywords, *meta.tags])
    fields: dict[str, Any] = {
        "id": meta.id,
        "title": meta.title,
        "phrases": phrases,
        "codes": "\n".join(meta.error_codes),
        "body": body,
        "grams": f"{meta.title}\n{meta.summary}\n{body}",
        "headings": "\n".join([meta.title, *(heading for heading, _, _ in parts)]),
        "lang": meta.lang,
        "product": meta.product,
        "type": meta.type,
        "category": meta.category,
        "tag": " ".join(normalize(t).replace(" ", "-") for t in meta.tags),
        "audience": meta.audience,
        "group": meta.translation_of or meta.id,
        "doc": doc,
    }
    if meta.audience == "public":
        fields["spell"] = f"{meta.title}\n{phrases}\n{body}"
    return fields


def _analysed(
    article: Article, analysis: TextAnalysis, modes: dict[str, Mode], stored: set[str]
) -> dict[str, Any]:
    """The fields of ``article`` with the text fields given as their terms (stored as written)."""
    fields = _document(article, analysis)
    for name, mode in modes.items():
        if name in fields:
            if name in stored:
                fields[f"_stored_{name}"] = fields[name]
            fields[name] = Analyzed(analysis.terms_of(fields[name], mode))
    return fields


def _start_worker(analysis: TextAnalysis, modes: dict[str, Mode], stored: set[str]) -> None:
    _WORKER.update(analysis=analysis, modes=modes, stored=stored)


def _analysed_in_worker(article: Article) -> dict[str, Any]:
    return _analysed(article, **_WORKER)


def _documents(
    articles: list[Article], analysis: TextAnalysis, schema: Any, workers: int
) -> Iterator[Any]:
    """The fields to index for each article, in order; analysed by ``workers`` processes."""
    if workers < 2:
        for article in articles:
            yield _document(article, analysis)  # Whoosh analyses through KbTokenizer
        return
    modes = {
        name: field.analyzer.mode
        for name, field in schema.items()
        if isinstance(getattr(field, "analyzer", None), KbTokenizer)
    }
    stored = {name for name in modes if schema[name].stored}
    # Spawned, not forked: `kb serve --watch` builds from a thread of a threaded process.
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(analysis, modes, stored),
    )
    try:
        yield from pool.map(_analysed_in_worker, articles, chunksize=8)
    finally:
        pool.shutdown(cancel_futures=True)


def _suggestions(articles: list[Article], norms: Mapping[str, str]) -> list[Suggestion]:
    """The completions of ``articles``; ``norms``: texts already normalized (an update's base)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for article in sorted(articles, key=lambda a: a.id):
        meta = article.meta
        entries = [(meta.title, article.url)] + [(k, None) for k in meta.keywords]
        for text, url in entries:
            norm = norms.get(text)
            key = (normalize(text) if norm is None else norm, meta.audience)
            if key not in seen:
                seen.add(key)
                out.append(
                    Suggestion(
                        text=text,
                        norm=key[0],
                        url=url,
                        audience=meta.audience,
                        lang=meta.lang,
                        group=meta.translation_of or meta.id,
                    )
                )
    return out


def write_generation(
    kb: KnowledgeBase,
    root: Path,
    progress: Callable[[int], None] | None = None,
    stop: Event | None = None,
) -> Path:
    """Index ``kb`` into a new generation under ``root``; the caller promotes it.

    The caller holds :func:`kbcore.index.build_lock`; on any failure the generation is removed.
    Setting ``stop`` (from another thread) stops the writing with :class:`IndexingStopped`.
    """
    articles = searchable(kb)
    stop = stop or Event()
    generation = new_generation(root)
    try:
        whoosh_index.create_in(str(generation), make_schema(analysis_of(kb)))
        workers = os.cpu_count() or 1
        if len(articles) >= PARALLEL_FROM and workers > 1:
            args = (str(generation), articles, workers)
            run_in_child(_write_documents, args, progress=progress, stop=stop)
        else:
            _write_documents(str(generation), articles, 1, ThreadSignals(progress, stop))
        _write_meta(kb, generation, len(articles))
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def _write_documents(folder: str, articles: list[Article], workers: int, signals: Signals) -> None:
    """Index ``articles``, in order, into the empty index in ``folder``: one segment.

    Their text is analysed by ``workers`` processes (none but this one if 1).
    """
    index = whoosh_index.open_dir(folder)
    analysis = index.schema["body"].analyzer.analysis
    writer = index.writer(limitmb=WRITER_BUFFER_MB, compound=False)
    try:
        for fields in _documents(articles, analysis, index.schema, workers):
            signals.check()
            writer.add_document(**fields)
            signals.written()
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=_merge_live)


def _write_meta(
    kb: KnowledgeBase, generation: Path, documents: int, base: Path | None = None
) -> None:
    """Write ``generation``'s ``meta.json``; an update reuses what its ``base`` worked out.

    An update is made only when the analysis is the same (:func:`update_generation`), so the
    base's normalized completions hold for the same texts.
    """
    before = None if base is None else (base, read_meta(base))
    norms = {} if before is None else {s.text: s.norm for s in before[1].suggestions}
    meta = IndexMeta(
        schema_version=SCHEMA_VERSION,
        built_at=datetime.now(UTC),
        documents=documents,
        synonyms=kb.synonyms,
        suggestions=_suggestions(searchable(kb), norms),
        # Last, over the committed files: a search that fails on a damaged file can name it.
        files=digest_files(generation, before),
    )
    # Written aside, then renamed: a generation has a whole meta.json or none (a killed build's
    # generation has none, and the next build removes it).
    partial = generation / "meta.json.partial"
    partial.write_text(meta.model_dump_json(), encoding="utf-8")
    os.replace(partial, generation / "meta.json")


def _merge_live(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's merge of small segments, once the segments whose every document was indexed
    again since are dropped: merging one reads the postings of each of its terms, about 0.15 s
    for one article, and an article edited again and again leaves one such segment per build."""
    live = [segment for segment in segments if segment.doc_count() > 0]
    merged: list[Any] = MERGE_SMALL(writer, live)
    return merged


def update_generation(
    kb: KnowledgeBase,
    root: Path,
    base: Path,
    changed: list[Article],
    removed: list[str],
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Make a new generation from ``base`` with ``changed`` re-indexed and ``removed`` gone.

    The base's files are hard-linked, never written, so it keeps serving until the caller
    promotes the new one. The words of the base's analysis are used, so call this only when
    :func:`analysis_of` would not change (no keyword, tag, synonym or product name changed).
    """
    generation = new_generation(root)
    try:
        for path in base.iterdir():
            if path.is_file() and path.name != "meta.json" and not path.name.endswith(".lock"):
                os.link(path, generation / path.name)
        index = whoosh_index.open_dir(str(generation))
        analysis = index.schema["body"].analyzer.analysis
        writer = index.writer(compound=False)
        try:
            for article_id in removed:
                writer.delete_by_term("id", article_id)
            for article in changed:
                writer.update_document(**_document(article, analysis))
                if progress is not None:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=_merge_live)
        with index.searcher() as searcher:
            documents = searcher.doc_count()
        _write_meta(kb, generation, documents, base)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation
