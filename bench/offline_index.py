"""Size of the portal's offline search index and build time, at a given number of articles.

The sample knowledge base is copied N times over (new ids, same text) into a temporary folder and
built with `kb build`'s library function; Material's own full-text index, measured before we slim
it in the same build, is the baseline.

    .venv/bin/python -m bench.offline_index --articles 1000
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

from generator.build import build_site
from generator.knowledge import load_knowledge_base
from generator.problems import Problems

REPO = Path(__file__).resolve().parent.parent
_ID_LINE = re.compile(r"^(id|translation_of): (\S+)$", re.M)


def make_kb(target: Path, articles: int) -> None:
    """Write ``articles`` articles (copies of the sample, renamed) into ``target``."""
    shutil.copytree(REPO / "kb", target, ignore=shutil.ignore_patterns("articles"))
    sources = sorted((REPO / "kb" / "articles").rglob("*.md"))
    copy = 0
    while True:
        for source in sources:
            if copy * len(sources) + sources.index(source) >= articles:
                return
            text = _ID_LINE.sub(rf"\1: \2-c{copy}", source.read_text(encoding="utf-8"))
            text = re.sub(r"\]\(([a-z0-9-]+)\.md", rf"](\1-c{copy}.md", text)
            out = target / "articles" / f"c{copy}" / f"{source.stem}-c{copy}.md"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        copy += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_kb(root / "kb", args.articles)
        problems = Problems()
        kb = load_knowledge_base(root / "kb", problems)
        assert kb is not None and not problems.errors, problems.errors[:3]
        started = time.perf_counter()
        built = build_site(
            kb, config_file=REPO / "mkdocs.yml", site_dir=root / "site", data_dir=root / "var"
        )
        seconds = time.perf_counter() - started
    full, slim = built.offline_index_bytes
    assert full is not None, "a build into a new data folder renders every page"
    print(
        f"articles in the knowledge base: {len(kb.articles)}; published public: "
        f"{built.articles}; pages: {built.pages}; build: {seconds:.1f} s"
    )
    print("| offline search index | bytes | MB |\n|---|---|---|")
    print(f"| Material's full text (baseline) | {full} | {full / 1e6:.2f} |")
    print(
        f"| kb-portal (titles, summaries, keywords, codes, headings) | {slim} | {slim / 1e6:.2f} |"
    )
    print(f"ratio: {slim / full:.2f}")


if __name__ == "__main__":
    main()
