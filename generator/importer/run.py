"""Run an import: discover, plan, convert every page, then write articles, files and settings.

Nothing is written before every page is converted. A file is only rewritten when its content
changes, and ``review_by`` is kept from the previous import of the same page, so importing the
same tree again leaves the output folder as it was.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.importer.convert import Converted, convert_article
from generator.importer.document import split_front_matter
from generator.importer.model import Context, ImportOptions, Planned
from generator.importer.plan import plan_import
from generator.importer.report import ImportReport
from generator.importer.settings import apply_settings, existing_ids, plan_settings
from generator.importer.tree import UsageError, discover
from generator.problems import quote

__all__ = ["ImportResult", "run_import"]

_ID_LINE = re.compile(r"^id:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: its report, and the articles written by type."""

    report: ImportReport
    out_dir: Path
    types: dict[str, int]


def _taken_ids(articles_dir: Path, out_dir: Path) -> set[str]:
    """Ids of the kb's other articles (outside the output folder)."""
    taken = set()
    for path in articles_dir.rglob("*.md"):
        if path.is_relative_to(out_dir):
            continue
        try:
            head = path.read_text(encoding="utf-8")[:2000]
        except (OSError, UnicodeDecodeError):
            continue
        match = _ID_LINE.search(head)
        if match:
            taken.add(match.group(1))
    return taken


def _previous(planned: Planned) -> tuple[date | None, dict[str, object]]:
    """The ``review_by`` of this page's previous import, and that file's front matter."""
    if not planned.out.is_file():
        return None, {}
    try:
        front = split_front_matter(planned.out.read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError):
        return None, {}
    if front.get("source") != planned.source.rel:
        return None, front
    try:
        return date.fromisoformat(str(front.get("review_by"))), front
    except ValueError:
        return None, front


def _write(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it; return whether it was written."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _copy(source: Path, target: Path) -> bool:
    if target.is_file() and target.read_bytes() == source.read_bytes():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def _report_stale(out_dir: Path, written: set[Path], product: str, report: ImportReport) -> None:
    """Report imported articles of this product the source no longer has (never deleted)."""
    for path in sorted(out_dir.rglob("*.md")):
        if path in written:
            continue
        try:
            front = split_front_matter(path.read_text(encoding="utf-8")).data
        except (OSError, UnicodeDecodeError):
            continue
        if front.get("product") == product and front.get("source"):
            report.file(path).warn(
                1,
                "stale",
                "an article whose source is still in SOURCE_DIR",
                f"{quote(str(front['source']))}, no longer there (delete the article)",
            )


def run_import(
    source_dir: Path,
    *,
    kb_dir: Path,
    out_dir: Path,
    options: ImportOptions,
    today: date,
) -> ImportResult:
    """Import ``source_dir`` into ``out_dir`` (inside ``kb_dir``/articles); report everything.

    Raises :class:`UsageError` when the tree or the options cannot be imported at all.
    """
    articles_dir = (kb_dir / "articles").absolute()
    # Normalised as the links found in pages are (a SOURCE_DIR may be given as ../docs).
    source_dir, out_dir = (Path(os.path.normpath(p.absolute())) for p in (source_dir, out_dir))
    if not articles_dir.is_dir():
        raise UsageError(f"{kb_dir}: expected a knowledge base folder, found no articles/ in it")
    if not out_dir.is_relative_to(articles_dir):
        raise UsageError(f"--out: expected a folder inside {articles_dir}, found {out_dir}")
    if out_dir.resolve().is_relative_to(source_dir.resolve()):
        raise UsageError(f"--out: expected a folder outside SOURCE_DIR, found {out_dir}")
    report = ImportReport()
    products = existing_ids(kb_dir / "products.yml")
    known = products.get(options.product)
    product_name = options.product_name or options.product
    if isinstance(known, dict) and isinstance(known.get("name"), dict):
        product_name = str(known["name"].get("zh-Hans") or product_name)
    found = discover(source_dir, options, report)
    plan = plan_import(
        found,
        source_dir,
        out_dir,
        options,
        taken=_taken_ids(articles_dir, out_dir),
        product_name=product_name,
        report=report,
    )
    catalog = plan.catalog
    assets: dict[Path, Path] = {}
    results: dict[Path, Converted] = {}
    for planned in catalog.articles.values():
        ctx = Context(
            catalog, planned.source, report.file(planned.source.path), planned.source.lang, assets
        )
        review_by, _ = _previous(planned)
        results[planned.out] = convert_article(planned, ctx, today=today, review_by=review_by)
    used = {p.category for p in catalog.articles.values()}
    categories = {key: labels for key, labels in plan.categories.items() if key in used}
    changes = plan_settings(
        kb_dir, product=options.product, product_name=product_name, categories=categories
    )
    apply_settings(changes, origin=str(source_dir))
    report.settings += [change.describe() for change in changes]
    for path, converted in sorted(results.items()):
        if _write(path, converted.text):
            report.written += 1
        else:
            report.unchanged += 1
    for source, target in sorted(assets.items()):
        if source.is_file() and _copy(source, target):
            report.assets += 1
    _report_stale(out_dir, set(results), options.product, report)
    types: dict[str, int] = {}
    for converted in results.values():
        types[converted.kind] = types.get(converted.kind, 0) + 1
    return ImportResult(report, out_dir, types)
