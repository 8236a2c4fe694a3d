"""`kb build` after one article changed, against the full build of the same knowledge base.

The sample knowledge base, copied to N articles (bench.offline_index.make_kb; whole copies of its
69 articles, e.g. 1035, keep every link resolvable), is built once with `kb build` from nothing
(the baseline), then one article's body is edited and `kb build` run again, several times. Each
run is the `kb` command in its own process, as a writer runs it (so the times include starting
Python, the check of every article and the manifest). `kb serve --watch` rebuilds the same way.

    .venv/bin/python -m bench.incremental --articles 1035,10005 --edits 5
    .venv/bin/python -m bench.incremental --kb PATH/TO/IMPORTED/kb     # e.g. an imported corpus
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.build import BIN
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


def measure(source: int | Path, edits: int) -> tuple[float, list[float], str]:
    """Full build seconds, the rebuild seconds after each edit, the last rebuild's summary.

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
            text = article.read_text("utf-8")
            article.write_text(
                re.sub(r"\n## ", f"\n编辑第 {n} 次。\n\n## ", text, count=1), "utf-8"
            )
            seconds, summary = kb_build(root)
            rebuilds.append(seconds)
    return full, rebuilds, summary


def label(source: int | Path) -> str:
    return f"sample × {source}" if isinstance(source, int) else source.name[-20:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="", help="Comma-separated sizes.")
    parser.add_argument("--kb", type=Path, action="append", default=[], help="A kb folder.")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'knowledge base':>20}  {'full kb build s':>15}  {'after one edit s (median)':>25}  "
        f"{'min':>5}  {'max':>5}  {'ratio':>6}"
    )
    sources: list[int | Path] = [int(n) for n in args.articles.split(",") if n]
    for source in [*sources, *args.kb]:
        full, rebuilds, summary = measure(source, args.edits)
        median = statistics.median(rebuilds)
        print(
            f"{label(source):>20}  {full:>15.1f}  {median:>25.2f}  {min(rebuilds):>5.2f}  "
            f"{max(rebuilds):>5.2f}  {median / full:>6.3f}",
            flush=True,
        )
        print(f"{'':>20}  last rebuild: {summary}", flush=True)


if __name__ == "__main__":
    main()
