"""CPU time per search in process: this checkout's code against another revision's, in turn.

    .venv/bin/python -m bench.search_cpu --against REV [--articles 10000] [--runs 3]
    .venv/bin/python -m bench.search_cpu --against REV --data PATH/TO/data   # an index built before

The index is ``bench.latency``'s (real documents cycled into ``--articles`` articles), built
once by this checkout (or given with ``--data``: a data dir holding ``index/``); both sides
must read its format. REV is checked out into a temporary git worktree. Each run starts one
process per side, in turn: ``GET /api/search`` through Flask's test client (routing,
validation, engine, JSON, the search log in SQLite), 20 warm-up requests, then the query mix of
``bench.latency`` twice: the first pass over its 1,506 distinct questions finds the caches cold,
the second repeats them. CPU time, not wall time: these machines are noisy, and the CPU a
request costs is what limits requests per second. The sides' responses (``instant=1``, the
random ``search_id`` left out) must be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

WARMUP = 20


def _child(data_dir: Path, queries_file: Path, out: Path) -> None:
    """One side's loop, run with that side's code first on the path."""
    import logging

    import search_api  # the side's, from PYTHONPATH

    logging.disable(logging.INFO)
    queries = json.loads(queries_file.read_text())
    client = search_api.create_app({"data_dir": data_dir}).test_client()

    def search(text: str, **more: str) -> object:
        return client.get("/api/search", query_string={"q": text, **more}).get_json()

    for text in queries[:WARMUP]:
        search(text)
    passes = []
    for _ in range(2):
        began = time.process_time()
        for text in queries:
            search(text)
        passes.append((time.process_time() - began) * 1000 / len(queries))
    answers = []
    for text in queries:
        answer = search(text, instant="1")
        assert isinstance(answer, dict)
        answer.pop("search_id", None)
        answers.append(answer)
    out.write_text(json.dumps({"passes": passes, "answers": answers}, ensure_ascii=False))


def _side(code: Path, data_dir: Path, queries_file: Path) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = {**os.environ, "PYTHONPATH": str(code)}
        script = Path(__file__).resolve()
        command = [sys.executable, str(script), "--child", str(data_dir), str(queries_file)]
        subprocess.run([*command, str(out)], env=env, check=True)
        result: dict[str, list[float]] = json.loads(out.read_text())
        return result


def main(argv: Sequence[str] | None = None) -> None:
    from bench.common import print_table
    from bench.corpus import REPO, build_index, describe_run, write_kb
    from bench.latency import query_mix, scaled_docs
    from kbcore.db import open_store

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", required=True, help="The revision to compare with.")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--data", type=Path, help="A data dir with an index built before.")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(describe_run(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir = args.data
        if data_dir is None:
            write_kb(scaled_docs(args.articles), work / "kb")
            build_index(work / "kb", work / "data")
            data_dir = work / "data"
        open_store(None, data_dir).upgrade()
        queries_file = work / "queries.json"
        # The mix's distinct questions, in its order.
        distinct = list(dict.fromkeys(query_mix(3000)))
        queries_file.write_text(json.dumps(distinct, ensure_ascii=False))
        theirs = work / "against"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(theirs), args.against],
            check=True,
            capture_output=True,
        )
        try:
            sides = {args.against: theirs, "this checkout": REPO}
            found: dict[str, list[dict[str, list[float]]]] = {name: [] for name in sides}
            for run in range(args.runs):
                for name, code in sides.items():
                    found[name].append(_side(code, data_dir, queries_file))
                    print(f"run {run + 1}, {name}: {found[name][-1]['passes']}", flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(theirs)], check=True
            )
    first, second = (found[name][0]["answers"] for name in sides)
    same = sum(a == b for a, b in zip(first, second, strict=True))
    print(f"responses identical: {same} of {len(first)}")
    rows = []
    for index, label in enumerate(["first pass (caches cold)", "second pass (repeats)"]):
        medians = [statistics.median(r["passes"][index] for r in found[name]) for name in sides]
        rows.append([label, *(f"{m:.2f}" for m in medians), f"{medians[1] / medians[0]:.2f}"])
    print_table(["CPU ms per search, median", *sides, "ratio"], rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
