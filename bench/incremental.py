"""`kb build` after one article changed, against the full build of the same knowledge base.

The sample knowledge base, copied to N articles (bench.offline_index.make_kb; whole copies of its
69 articles, e.g. 1035, keep every link resolvable), is built once with `kb build` from nothing
(the baseline), then one article's body is edited and `kb build` run again, several times. Each
run is the `kb` command in its own process, as a writer runs it (so the times include starting
Python, the check of every article and the manifest).

Then `kb serve --watch` is started over the same folders and the article edited again, several
times: each time is from the file's save until the preview says the rebuild is done (what a
writer waits for before the page reloads: the watcher's 0.3 s pause for an editor's several
writes included). Its build session keeps what did not change in memory
(generator/session.py).

    .venv/bin/python -m bench.incremental --articles 1035,10005 --edits 5
    .venv/bin/python -m bench.incremental --kb PATH/TO/IMPORTED/kb     # e.g. an imported corpus
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.build import BIN
from bench.common import free_port, print_table
from bench.offline_index import REPO, make_kb

ARTICLE = "deskmate-offline-sync-409-c0.md"


def kb_build(root: Path) -> tuple[float, str]:
    """Run `kb build` over ``root``/kb; return its wall time and its last line of output."""
    command = [
        str(BIN / "kb"),
        "build",
        "--kb",
        str(root / "kb"),
        "--site-dir",
        str(root / "site"),
        "--data-dir",
        str(root / "var"),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kb build failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def edit(article: Path, n: int) -> None:
    """Add a sentence before the first section of ``article`` (its ``n``-th edit)."""
    text = article.read_text("utf-8")
    article.write_text(re.sub(r"\n## ", f"\n编辑第 {n} 次。\n\n## ", text, count=1), "utf-8")


def _state(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__kb/preview", timeout=10) as answer:
        found: dict[str, Any] = json.load(answer)
        return found


def watched(root: Path, article: Path, edits: int, first: int) -> list[float]:
    """Seconds from each edit's save to the end of `kb serve --watch`'s rebuild of it."""
    port = free_port()
    command = [
        *(str(BIN / "kb"), "serve", "--watch", "--port", str(port)),
        *("--kb", str(root / "kb"), "--site-dir", str(root / "site")),
        *("--data-dir", str(root / "var")),
    ]
    log = (root / "serve.log").open("wb")
    server = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"kb serve --watch did not start: see {root / 'serve.log'}")
            try:
                _state(port)
                break
            except OSError:
                time.sleep(0.2)
        seconds = []
        for n in range(first, first + edits):
            version = _state(port)["version"]
            started = time.perf_counter()
            edit(article, n)
            while (state := _state(port))["version"] == version:
                time.sleep(0.01)
            seconds.append(time.perf_counter() - started)
            if state["problems"]:
                raise SystemExit(f"the rebuild failed: {state['problems']}")
            time.sleep(1)  # a writer does not save again at once
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def measure(source: int | Path, edits: int) -> tuple[float, list[float], list[float], str]:
    """Full build seconds, the rebuild seconds after each edit (`kb build`, then
    `kb serve --watch`), the last `kb build`'s summary.

    ``source``: a number of articles (copies of the sample), or a kb folder (copied first).
    """
    with tempfile.TemporaryDirectory(prefix="kb-bench-incremental-") as tmp:
        root = Path(tmp)
        if isinstance(source, int):
            make_kb(root / "kb", source)
            article = next((root / "kb" / "articles").rglob(ARTICLE))
        else:
            shutil.copytree(source, root / "kb")
            article = next(
                path
                for path in sorted((root / "kb" / "articles").rglob("*.md"))
                if "\n## " in path.read_text("utf-8")
            )
        full, _ = kb_build(root)
        rebuilds, summary = [], ""
        for n in range(edits):
            edit(article, n)
            seconds, summary = kb_build(root)
            rebuilds.append(seconds)
        watching = watched(root, article, edits, edits)
    return full, rebuilds, watching, summary


def label(source: int | Path) -> str:
    return f"sample × {source}" if isinstance(source, int) else source.name[-20:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="", help="Comma-separated sizes.")
    parser.add_argument("--kb", type=Path, action="append", default=[], help="A kb folder.")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    headers = [
        "knowledge base",
        "full `kb build` s",
        "`kb build` after one edit s (median, min–max)",
        "edit / full",
        "`kb serve --watch`: save to rebuilt s (median, min–max)",
        "edit / full",
    ]
    rows: list[list[object]] = []
    sources: list[int | Path] = [int(n) for n in args.articles.split(",") if n]
    for source in [*sources, *args.kb]:
        full, rebuilds, watching, summary = measure(source, args.edits)
        row: list[object] = [label(source), f"{full:.1f}"]
        for times in (rebuilds, watching):
            median = statistics.median(times)
            row += [f"{median:.2f} ({min(times):.2f}–{max(times):.2f})", f"{median / full:.3f}"]
        rows.append(row)
        print(" | ".join(map(str, row)), flush=True)
        print(f"  last `kb build`: {summary}", flush=True)
        print(f"  each watched edit: {', '.join(f'{t:.2f}' for t in watching)}", flush=True)
    print_table(headers, rows)


if __name__ == "__main__":
    main()
