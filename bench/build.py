"""Full `kb build` against a plain `mkdocs build` of the same Markdown under Material.

For each knowledge base (the sample copied to N articles with bench.offline_index.make_kb, or a
folder given with ``--kb``, e.g. an imported corpus), in the same run and as separate processes:

- ``kb build``: check + site + search index + manifest, the way writers run it;
- the baseline: ``mkdocs build`` of the same article files (front matter and all) with the
  repository's mkdocs.yml (Material, its search plugin with jieba, navigation.prune) and
  MkDocs' own navigation.

Wall time and peak memory (max RSS of the process) are printed side by side, with the ratio.

    .venv/bin/python -m bench.build --articles 1035,10005
    .venv/bin/python -m bench.build --kb /tmp/imported/kb
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.offline_index import REPO, make_kb

BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command``; return its wall time (s) and peak memory (MB). Fail loudly."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if status != 0:
            output.seek(0)
            text = output.read().decode("utf-8", "replace")
            raise SystemExit(f"{' '.join(command)} failed:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def plain_project(kb_dir: Path, root: Path) -> Path:
    """An MkDocs project of the knowledge base's article files, with the repository's theme."""
    docs = root / "plain-docs"
    shutil.copytree(kb_dir / "articles", docs)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config += f"\ndocs_dir: {json.dumps(str(docs))}\n"  # JSON strings are YAML strings
    config += f"site_dir: {json.dumps(str(root / 'plain-site'))}\n"
    target = root / "mkdocs-plain.yml"
    target.write_text(config, encoding="utf-8")
    return target


def measure(kb_dir: Path, root: Path) -> tuple[int, tuple[float, float], tuple[float, float]]:
    articles = sum(1 for _ in (kb_dir / "articles").rglob("*.md"))
    ours = run(
        [
            str(BIN / "kb"),
            "build",
            "--kb",
            str(kb_dir),
            "--site-dir",
            str(root / "site"),
            "--data-dir",
            str(root / "var"),
        ],
        REPO,
    )
    plain = run([str(BIN / "mkdocs"), "build", "-q", "-f", str(plain_project(kb_dir, root))], REPO)
    return articles, ours, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", default="", help="Sizes, comma-separated (69 × k).")
    parser.add_argument("--kb", type=Path, action="append", default=[], help="A kb folder.")
    args = parser.parse_args()
    print(
        f"{'knowledge base':<28} {'articles':>8}  {'kb build s':>10} {'MB':>6}  "
        f"{'mkdocs build s':>14} {'MB':>6}  {'time ×':>6} {'memory ×':>8}"
    )
    sizes = [int(n) for n in args.articles.split(",") if n]
    cases: list[tuple[str, Path | int]] = [(f"sample copied to {n}", n) for n in sizes]
    cases += [(str(path), path) for path in args.kb]
    for label, source in cases:
        with tempfile.TemporaryDirectory(prefix="kb-bench-build-") as tmp:
            root = Path(tmp)
            if isinstance(source, int):
                make_kb(root / "kb", source)
                kb_dir = root / "kb"
            else:
                kb_dir = source
            articles, (ours_s, ours_mb), (plain_s, plain_mb) = measure(kb_dir, root)
        print(
            f"{label[-28:]:<28} {articles:>8}  {ours_s:>10.1f} {ours_mb:>6.0f}  "
            f"{plain_s:>14.1f} {plain_mb:>6.0f}  {ours_s / plain_s:>6.2f} "
            f"{ours_mb / plain_mb:>8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
