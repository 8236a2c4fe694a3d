"""Add the product and the categories an import uses to the kb's products.yml / categories.yml.

New entries are appended as YAML text under a comment, so the files keep their comments and
order; nothing already there is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.frontmatter import Lang
from generator.importer.tree import UsageError

__all__ = ["SettingsChange", "apply_settings", "existing_ids", "plan_settings"]


@dataclass(frozen=True)
class SettingsChange:
    """Entries to append to one settings file."""

    path: Path
    entries: dict[str, Any]

    def describe(self) -> str:
        """One line for the report: which ids are added to which file."""
        return f"{self.path}: added " + ", ".join(repr(key) for key in self.entries)


def existing_ids(path: Path) -> dict[str, Any]:
    """The top-level entries of a settings file (none if it does not exist yet)."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(
            f"{path}: expected valid YAML (run `kb check` and fix it first), found "
            + str(exc).split("\n")[0]
        ) from None
    return data if isinstance(data, dict) else {}


def plan_settings(
    kb_dir: Path,
    *,
    product: str,
    product_name: str,
    categories: dict[str, dict[Lang, str]],
) -> list[SettingsChange]:
    """The product and categories missing from ``kb_dir``'s settings files."""
    changes = []
    products = kb_dir / "products.yml"
    if product not in existing_ids(products):
        entry = {"name": {"zh-Hans": product_name, "en": product_name}}
        changes.append(SettingsChange(products, {product: entry}))
    path = kb_dir / "categories.yml"
    have = existing_ids(path)
    missing = {key: dict(labels) for key, labels in categories.items() if key not in have}
    if missing:
        changes.append(SettingsChange(path, missing))
    return changes


def apply_settings(changes: list[SettingsChange], *, origin: str) -> None:
    """Append each change to its file, under a comment naming where it came from."""
    for change in changes:
        text = change.path.read_text(encoding="utf-8") if change.path.is_file() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        block = yaml.safe_dump(change.entries, allow_unicode=True, sort_keys=False, width=1000)
        text += f"# Imported from {origin}\n{block}"
        change.path.write_text(text, encoding="utf-8")
