"""`kb serve --watch`: time to rebuild after one article is saved, against a full build.

The sample knowledge base, copied to N articles (bench.offline_index.make_kb; use whole copies of
its 69 articles, e.g. 1035, so every link resolves), is built once in
full (the baseline, as `kb build` does it), then one article's text is edited and saved several
times; each save is rebuilt the way the preview does (check, changed pages, changed articles'
index entries). Medians are printed side by side.

    .venv/bin/python -m bench.preview --articles 69,1035 --edits 5
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import jieba

from bench.offline_index import REPO, make_kb
from generator.preview import Preview
from kbcore.config import load_settings


def measure(articles: int, edits: int) -> tuple[float, list[float], list[float]]:
    """Full build seconds, incremental rebuild seconds, full check seconds (per edit)."""
    from generator.check import run_checks

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_kb(root / "kb", articles)
        settings = load_settings(
            {
                "kb_dir": root / "kb",
                "site_dir": root / "site",
                "data_dir": root / "var",
                "mkdocs_config": REPO / "mkdocs.yml",
            },
            environ={},
        )
        preview = Preview(settings, lambda line: None)
        started = time.perf_counter()
        preview.rebuild(full=True)
        full = time.perf_counter() - started
        assert not preview.problems, preview.problems[:3]
        article = next((root / "kb" / "articles").rglob("*login-password*.md"))
        rebuilds, checks = [], []
        for n in range(edits):
            text = article.read_text("utf-8")
            article.write_text(text.replace("\n## ", f"\n编辑第 {n} 次。\n\n## ", 1), "utf-8")
            started = time.perf_counter()
            run_checks(settings.kb_dir)
            checks.append(time.perf_counter() - started)
            started = time.perf_counter()
            preview.rebuild()
            rebuilds.append(time.perf_counter() - started)
            assert not preview.problems, preview.problems[:3]
        preview.close()
    return full, rebuilds, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="69,1035", help="Comma-separated sizes.")
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    jieba.setLogLevel(logging.WARNING)
    print(
        f"{'articles':>8}  {'full build s':>12}  {'save→rebuilt s (median)':>23}  "
        f"{'of which kb check s':>19}  {'ratio':>6}"
    )
    for size in (int(n) for n in args.articles.split(",")):
        full, rebuilds, checks = measure(size, args.edits)
        rebuild, check = statistics.median(rebuilds), statistics.median(checks)
        print(f"{size:>8}  {full:>12.1f}  {rebuild:>23.2f}  {check:>19.2f}  {rebuild / full:>6.2f}")


if __name__ == "__main__":
    main()
