"""Search relevance on the public query sets: our engine against two baselines, in one run.

    .venv/bin/python -m bench.relevance --set all [--limit N] [--sweep]

Our engine is measured through our own pipeline: every corpus document becomes an article of a
temporary knowledge base (bench/corpus.py), indexed by ``write_generation`` and queried through
``SearchEngine.search`` (10 results). The baselines index the same documents' title and body
(bench/baselines.py). Metrics: nDCG@10 (linear gain), recall@10 and MRR@10, averaged over queries.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import log2
from pathlib import Path

from bench.baselines import Bm25Plain, WhooshDefault
from bench.common import print_table
from bench.corpus import (
    SHARED,
    STACKFAQ,
    Doc,
    build_index,
    describe_run,
    stackfaq_docs,
    tidb_docs,
    write_kb,
)
from kbcore import search
from kbcore.index import OpenIndex
from kbcore.search import SearchEngine, SearchRequest

K = 10
Search = Callable[[str], list[str]]
Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class QuerySet:
    name: str
    docs: Callable[[], tuple[list[Doc], list[str]]]
    queries: Path
    qrels: Path


SETS = {
    "stackfaq": QuerySet(
        "stackfaq", stackfaq_docs, STACKFAQ / "queries.jsonl", STACKFAQ / "qrels/threads.tsv"
    ),
    "tidb": QuerySet(
        "tidb",
        tidb_docs,
        SHARED / "relevance/tidb-faq-zh/queries.jsonl",
        SHARED / "relevance/tidb-faq-zh/qrels.tsv",
    ),
}


@dataclass(frozen=True)
class Variant:
    """Settings of our engine tried by ``--sweep``: constants of kbcore.search to replace in
    this process (``GRAMS_WEIGHT``, ``FIELD_WEIGHTS`` …) and ``SearchEngine`` options."""

    label: str
    constants: dict[str, object] = field(default_factory=dict)
    options: dict[str, float] = field(default_factory=dict)


def _fields(**changes: float) -> dict[str, object]:
    return {"FIELD_WEIGHTS": {**search.FIELD_WEIGHTS, **changes}}


SWEEP = [
    Variant("min_match 0.2", options={"min_match": 0.2}),
    Variant("min_match 0.3", options={"min_match": 0.3}),
    Variant("min_match 0.4", options={"min_match": 0.4}),
    Variant("min_match 0.5", options={"min_match": 0.5}),
    Variant("min_match 0.4, phrases 0.25", _fields(phrases=0.25), {"min_match": 0.4}),
]


@dataclass(frozen=True)
class Score:
    ndcg: float
    recall: float
    mrr: float
    queries: int
    median_ms: float


def load_queries(path: Path, limit: int | None) -> list[tuple[str, str]]:
    """Return (query-id, text) pairs; with ``limit``, that many spread evenly over the file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    queries = [(row["_id"], row["text"]) for row in rows]
    if limit and limit < len(queries):
        queries = queries[:: len(queries) // limit][:limit]
    return queries


def load_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        query_id, corpus_id, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, {})[corpus_id] = int(score)
    return qrels


def metrics(ranked: Sequence[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    """nDCG@K, recall@K and reciprocal rank of the first relevant result within K."""
    top = list(ranked[:K])
    dcg = sum(relevant.get(key, 0) / log2(rank + 2) for rank, key in enumerate(top))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum(gain / log2(rank + 2) for rank, gain in enumerate(ideal))
    recall = len(set(top) & set(relevant)) / len(relevant)
    mrr = next((1 / (rank + 1) for rank, key in enumerate(top) if key in relevant), 0.0)
    return dcg / idcg, recall, mrr


def evaluate(find: Search, queries: list[tuple[str, str]], qrels: Qrels) -> Score:
    totals = [0.0, 0.0, 0.0]
    times = []
    judged = [(qid, text) for qid, text in queries if qid in qrels]
    for query_id, text in judged:
        start = time.perf_counter()
        ranked = find(text)
        times.append((time.perf_counter() - start) * 1000)
        for i, value in enumerate(metrics(ranked, qrels[query_id])):
            totals[i] += value
    n = len(judged)
    return Score(totals[0] / n, totals[1] / n, totals[2] / n, n, statistics.median(times))


class OurEngine:
    """``SearchEngine.search`` with 10 results, article ids mapped back to corpus-ids."""

    name = "kb-portal"

    def __init__(self, opened: OpenIndex, slugs: dict[str, str], **options: float) -> None:
        self.engine = SearchEngine(opened, **options)
        self.slugs = slugs
        self.truncated = 0  # searches stopped by the engine's time budget

    def search(self, text: str) -> list[str]:
        found = self.engine.search(SearchRequest(q=text, per_page=K))
        self.truncated += found.truncated
        return [self.slugs[hit.id] for hit in found.results]


@contextmanager
def applied(variant: Variant) -> Iterator[None]:
    """Replace ``variant``'s constants in kbcore.search for the duration (this process only)."""
    saved = {name: getattr(search, name) for name in variant.constants}
    for name, value in variant.constants.items():
        setattr(search, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(search, name, value)


@dataclass
class Prepared:
    """One query set with our index built, and every system's search function."""

    name: str
    queries: list[tuple[str, str]]
    qrels: Qrels
    opened: OpenIndex
    slugs: dict[str, str]
    builds: dict[str, float]  # system -> build seconds
    baselines: list[tuple[str, Search]]


def prepare(query_set: QuerySet, workdir: Path, limit: int | None) -> Prepared:
    docs, skipped = query_set.docs()
    print(f"{query_set.name}: {len(docs)} documents, {len(skipped)} skipped without words")
    slugs = write_kb(docs, workdir / "kb")
    opened, ours_s = build_index(workdir / "kb", workdir / "data")
    start = time.perf_counter()
    whoosh = WhooshDefault(docs, workdir / "whoosh")
    whoosh_s = time.perf_counter() - start
    start = time.perf_counter()
    bm25 = Bm25Plain(docs)
    bm25_s = time.perf_counter() - start
    return Prepared(
        query_set.name,
        load_queries(query_set.queries, limit),
        load_qrels(query_set.qrels),
        opened,
        slugs,
        {OurEngine.name: ours_s, whoosh.name: whoosh_s, bm25.name: bm25_s},
        [(whoosh.name, whoosh.search), (bm25.name, bm25.search)],
    )


def compare(sets: list[Prepared]) -> None:
    rows: list[list[object]] = []
    for p in sets:
        ours = OurEngine(p.opened, p.slugs)
        for name, find in [(ours.name, ours.search), *p.baselines]:
            s = evaluate(find, p.queries, p.qrels)
            rows.append(
                [p.name, name, s.ndcg, s.recall, s.mrr, s.queries]
                + [f"{s.median_ms:.1f}", f"{p.builds[name]:.1f}"]
            )
        print(f"{p.name}: {ours.truncated} of our searches stopped at the time budget")
    headers = ["set", "system", "nDCG@10", "recall@10", "MRR@10", "queries", "median ms", "build s"]
    print_table(headers, rows)


def sweep(sets: list[Prepared]) -> None:
    """Score our engine's variants; rank them by their worse nDCG@10 over the sets."""
    scored: list[tuple[float, list[object]]] = []
    for variant in SWEEP:
        row: list[object] = []
        ndcgs, truncated = [], 0
        with applied(variant):
            for p in sets:
                ours = OurEngine(p.opened, p.slugs, **variant.options)
                s = evaluate(ours.search, p.queries, p.qrels)
                row += [s.ndcg, s.recall, s.mrr]
                ndcgs.append(s.ndcg)
                truncated += ours.truncated
        scored.append((min(ndcgs), [variant.label, min(ndcgs), *row, truncated]))
        print(f"swept {variant.label}", flush=True)
    scored.sort(key=lambda item: item[0], reverse=True)
    headers = ["variant", "worst nDCG@10"]
    for p in sets:
        headers += [f"{p.name} nDCG@10", f"{p.name} recall@10", f"{p.name} MRR@10"]
    print_table([*headers, "truncated"], [row for _, row in scored])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--limit", type=int, help="evaluate N queries per set, spread evenly")
    parser.add_argument("--sweep", action="store_true", help="also try engine parameter variants")
    args = parser.parse_args(argv)
    print(describe_run(), flush=True)
    names = list(SETS) if args.set == "all" else [args.set]
    with tempfile.TemporaryDirectory(prefix="kb-bench-") as tmp:
        sets = [prepare(SETS[name], Path(tmp) / name, args.limit) for name in names]
        compare(sets)
        if args.sweep:
            sweep(sets)


if __name__ == "__main__":
    main()
