"""The near-duplicate check: the prefix filter against comparing every pair, on real articles.

    .venv/bin/python -m bench.near_duplicates --kb PATH/TO/kb [--kb OTHER/kb] [--runs 3]

For each knowledge base, the word sets the check compares (``generator.checks.word_shelves``,
each article's title, summary and error codes, analysed as search does) are made once; then
each product and language's articles are compared with the articles before them, by
``generator.similar.first_similar`` and, as the baseline, by the pair-by-pair loop it replaced
(:func:`every_pair`), in turn, ``--runs`` times each. Both must find the same pairs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence, Set
from pathlib import Path
from typing import TypeVar

from bench.common import print_table
from bench.corpus import describe_run
from generator.checks import NEAR_DUPLICATE, not_compared, word_shelves
from generator.knowledge import load_knowledge_base
from generator.problems import Problems
from generator.similar import first_similar, jaccard

T = TypeVar("T")
Found = dict[int, tuple[int, float]]  # a later set's position → the earlier one's, similarity


def every_pair(
    sets: Sequence[Set[str]], threshold: float, skip: Callable[[int, int], bool]
) -> Found:
    """Each set against every earlier one, in order, up to the first similar one: quadratic."""
    found: Found = {}
    for later, mine in enumerate(sets):
        for earlier in range(later):
            if skip(later, earlier):
                continue
            shared = jaccard(mine, sets[earlier])
            if shared >= threshold:
                found[later] = (earlier, shared)
                break
    return found


def _seconds(run: Callable[[], T], runs: int) -> tuple[float, T]:
    """The median time of ``runs`` calls of ``run``, and what the last one returned."""
    times, results = [], []
    for _ in range(runs):
        start = time.perf_counter()
        results.append(run())
        times.append(time.perf_counter() - start)
    return statistics.median(times), results[-1]


def measure(kb_dir: Path, runs: int) -> list[object]:
    problems = Problems()
    kb = load_knowledge_base(kb_dir, problems)
    if kb is None:
        raise SystemExit(f"{kb_dir}: not a knowledge base ({problems.errors[:1]})")
    shelves = word_shelves(kb, None)

    def check(compare: Callable[..., Found]) -> list[Found]:
        return [
            compare([words for _, words in shelf], NEAR_DUPLICATE, not_compared(shelf))
            for shelf in shelves
        ]

    filtered_s, filtered = _seconds(lambda: check(first_similar), runs)
    baseline_s, baseline = _seconds(lambda: check(every_pair), runs)
    if filtered != baseline:
        raise SystemExit(f"{kb_dir}: the prefix filter found other pairs than every pair")
    found = sum(len(pairs) for pairs in baseline)
    largest = max((len(shelf) for shelf in shelves), default=0)
    return [
        kb_dir.name if kb_dir.name != "kb" else kb_dir.parent.name,
        len(kb.articles),
        largest,
        found,
        f"{baseline_s:.3f}",
        f"{filtered_s:.3f}",
        f"{baseline_s / max(filtered_s, 1e-9):.1f}",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, action="append", required=True, help="a knowledge base")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the median is shown")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs: expected at least 1, found {args.runs}")
    print(describe_run(), flush=True)
    rows = [measure(kb_dir, args.runs) for kb_dir in args.kb]
    headers = ["knowledge base", "articles", "largest shelf", "near duplicates"]
    print_table([*headers, "every pair s", "prefix filter s", "ratio"], rows)


if __name__ == "__main__":
    main()
