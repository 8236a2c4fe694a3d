"""Plan an import: each article's id, category, output path and original, before converting.

- id: ``<product>-<path inside the tree, slugified>``; a path with characters a slug cannot keep
  (Chinese file names) or too long for an id ends in a hash of the path instead, and so does an id
  already taken. A translation adds ``-en``, ``-zh`` or ``-zh-hant``.
- category: the first folder under the folders all articles share, as ``<product>-<folder>``
  (labelled by that folder's index page title); articles at the top go to ``<product>``.
- output: ``OUT/<folder in SOURCE_DIR>/<id>.md``, so the result maps back to the original.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.frontmatter import Lang
from generator.importer.model import Catalog, ImportOptions, Planned, SourceFile
from generator.importer.report import ImportReport
from generator.importer.tree import Discovered, hashed, slugify, title_in

__all__ = ["Plan", "plan_import"]

_SUFFIX: dict[Lang, str] = {"zh-Hans": "-zh", "zh-Hant": "-zh-hant", "en": "-en"}
_INDEX_NAMES = ("_index", "index", "readme")
_VARIABLE_FILES = ("variables.json", "variables.yml", "variables.yaml")
ID_MAX = 80
CATEGORY_MAX = 60


@dataclass(frozen=True)
class Plan:
    """The catalog of the import and the categories it needs (id → labels by language)."""

    catalog: Catalog
    categories: dict[str, dict[Lang, str]]


def _slug_id(product: str, key: str, suffix: str, limit: int) -> str:
    words = slugify(key)
    lossy = any(not ch.isascii() and ch.isalnum() for ch in key)
    base = f"{product}-{words}".strip("-") if words else product
    if lossy or len(base) + len(suffix) > limit or len(base) < 3:
        room = limit - len(suffix) - 9
        base = base[:room].rstrip("-") + "-" + hashed(key)
    return base + suffix


def _unique(candidate: str, key: str, taken: set[str], limit: int) -> str:
    if candidate not in taken:
        return candidate
    return candidate[: limit - 9].rstrip("-") + "-" + hashed("again:" + key)


def _site_paths(source: SourceFile) -> list[str]:
    """The site paths a link may use for ``source``: its path, its permalink, its aliases."""
    stem = source.stem_path
    paths = ["/" + stem]
    folder, _, name = stem.rpartition("/")
    if name.lower() in _INDEX_NAMES:
        paths.append("/" + folder)
    for key in ("permalink", "url", "aliases", "redirect_from"):
        value = source.front.data.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.startswith("/"):
                paths.append(item)
    return [p.rstrip("/").removesuffix(".html").removesuffix(".md") or "/" for p in paths]


def _load_variables(path: Path, report: ImportReport) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        report.file(path).warn(1, "variables", "a JSON or YAML mapping", str(exc).split("\n")[0])
        return {}
    if not isinstance(data, dict):
        report.file(path).warn(1, "variables", "a JSON or YAML mapping", type(data).__name__)
        return {}
    return data


def _variables(
    roots: set[Path], source_dir: Path, options: ImportOptions, report: ImportReport
) -> dict[Path, dict[str, Any]]:
    found: dict[Path, dict[str, Any]] = {}
    given = _load_variables(options.variables_file, report) if options.variables_file else None
    for root in roots:
        values: dict[str, Any] = {}
        for folder in dict.fromkeys([source_dir, root]):
            for name in _VARIABLE_FILES:
                if (folder / name).is_file():
                    values.update(_load_variables(folder / name, report))
        found[root] = {**values, **(given or {})}
    return found


def _categories(
    everything: list[SourceFile], options: ImportOptions, original: Lang, product_name: str
) -> tuple[dict[str, str], dict[str, dict[Lang, str]]]:
    """Each source's category (by ``rel``) and each category's labels by language."""
    if options.category:
        everyone = {s.rel: options.category for s in everything}
        return everyone, {options.category: {"zh-Hans": options.category}}
    folders = [tuple(s.tree_rel.split("/")[:-1]) for s in everything]
    common = 0
    while all(len(f) > common for f in folders) and len({f[common] for f in folders}) == 1:
        common += 1
    assigned: dict[str, str] = {}
    titles: dict[str, dict[Lang, str]] = {options.product: {original: product_name}}
    fallback: dict[str, str] = {options.product: product_name}
    for source, folder in zip(everything, folders, strict=True):
        category = options.product
        if len(folder) > common:
            key = folder[common]
            category = _slug_id(options.product, key, "", CATEGORY_MAX)
            fallback.setdefault(
                category, key.replace("-", " ").replace("_", " ").strip().capitalize()
            )
            stem = source.name.lower()
            title = title_in(source.front.data, source.front.body)
            if len(folder) == common + 1 and stem in _INDEX_NAMES and title:
                titles.setdefault(category, {}).setdefault(source.lang, title)
        assigned[source.rel] = category
    labels: dict[str, dict[Lang, str]] = {}
    for category, name in fallback.items():
        found = titles.get(category, {})
        best = found.get(original) or next(iter(found.values()), name)
        labels[category] = {"zh-Hans": found.get("zh-Hans", best)}
        for lang in ("zh-Hant", "en"):
            if lang in found:
                labels[category][lang] = found[lang]
        if original == "en" and "en" not in labels[category]:
            labels[category]["en"] = best
    return assigned, labels


def plan_import(
    found: Discovered,
    source_dir: Path,
    out_dir: Path,
    options: ImportOptions,
    *,
    taken: set[str],
    product_name: str,
    report: ImportReport,
) -> Plan:
    """Give every source an id, a category and an output path; build the link catalog."""
    originals = [s for s in found.sources if s.lang == found.original]
    others = [s for s in found.sources if s.lang != found.original]
    category_of, labels = _categories(found.sources, options, found.original, product_name)
    taken = set(taken)
    ids: dict[str, str] = {}
    by_tree: dict[str, str] = {}
    for source in originals + others:
        suffix = "" if source.lang == found.original else _SUFFIX[source.lang]
        candidate = _slug_id(options.product, source.stem_path, suffix, ID_MAX)
        ids[source.rel] = _unique(candidate, source.rel, taken, ID_MAX)
        taken.add(ids[source.rel])
        if source.lang == found.original:
            by_tree[source.tree_rel] = ids[source.rel]
    articles: dict[str, Planned] = {}
    urls: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for source in found.sources:
        article_id = ids[source.rel]
        original = by_tree.get(source.tree_rel) if source.lang != found.original else None
        out = out_dir / source.folder / f"{article_id}.md"
        articles[source.rel] = Planned(source, article_id, out, category_of[source.rel], original)
        prefix = source.root.relative_to(source_dir).as_posix().strip(".")
        for path in _site_paths(source):
            urls.setdefault(prefix + path, source.rel)
        names.setdefault(source.name.lower(), []).append(source.rel)
    roots = {s.root for s in found.sources}
    catalog = Catalog(
        source_dir=source_dir,
        out_dir=out_dir,
        options=options,
        articles=articles,
        urls=urls,
        names=names,
        files=found.files,
        variables=_variables(roots, source_dir, options, report),
    )
    return Plan(catalog, labels)
