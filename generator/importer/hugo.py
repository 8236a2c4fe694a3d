"""Hugo Markdown (as in PingCAP's docs) as kb Markdown (the full table is in docs/importing.md).

- ``{{< copyable "…" >}}`` → removed (Material gives every code block a copy button);
- ``{{{ .name }}}`` → its value in the tree's variables file (variables.json/.yml) or
  ``--variables``;
- ``<SimpleTab>`` ``<div label="…">`` … ``</div>`` ``</SimpleTab>`` → ``=== "…"`` tabs;
- ``<Note>`` … ``</Note>`` (Tip, Warning, Important, Caution) → admonitions;
- ``> **注意：**`` / ``> **Note:**`` (注意, 警告, 建议, 提示, 说明, Note, Warning, Tip, Important …)
  → admonitions titled as written;
- any other shortcode ``{{< x >}}`` / ``{{% x %}}`` → kept as written, reported.
"""

from __future__ import annotations

import re
from typing import Any

from generator.importer.alerts import DOCFX_ALERTS, blockquote, convert_alerts, kind_title
from generator.importer.document import (
    Line,
    Lines,
    admonition,
    code_flags,
    sub_everywhere,
    sub_outside_code,
    tab,
)
from generator.importer.model import Context
from generator.problems import quote

__all__ = ["convert", "substitute_variables"]

_VARIABLE = re.compile(r"\{\{\{\s*\.([\w.-]+)\s*\}\}\}")
_COPYABLE = re.compile(r"\{\{<\s*copyable\b[^>]*>\}\}")
_SHORTCODE = re.compile(r"\{\{[<%]\s*/?\s*[\w-]+.*?[%>]\}\}")
_TABS_OPEN = re.compile(r"^(\s*)<SimpleTab\b[^>]*>\s*$")
_TABS_CLOSE = re.compile(r"^\s*</SimpleTab>\s*$")
_DIV_OPEN = re.compile(r"^\s*<div\s+label=\"([^\"]*)\"[^>]*>\s*$")
_DIV_ANY_OPEN = re.compile(r"<div\b")
_DIV_CLOSE = re.compile(r"</div>")
_NOTE = re.compile(r"^(\s*)>\s*\*\*([^*]{1,20}?)\s*[:：]?\s*\*\*\s*[:：]?\s*(.*)$")
_NOTE_KINDS = {
    **dict.fromkeys(["注意", "注", "说明", "說明", "note", "notes", "info"], "note"),
    **dict.fromkeys(["警告", "warning", "小心", "caution", "危险", "危險", "danger"], "warning"),
    **dict.fromkeys(["建议", "建議", "提示", "tip", "tips", "hint"], "tip"),
    **dict.fromkeys(["重要", "important"], "info"),
}


def _lookup(values: dict[str, Any], name: str) -> Any:
    if name in values:
        return values[name]
    node: Any = values
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def substitute_variables(lines: Lines, ctx: Context) -> Lines:
    """Put each ``{{{ .name }}}``'s value in its place, in code too (Hugo does)."""
    values = ctx.catalog.variables.get(ctx.source.root, {})

    def value(match: re.Match[str], line: Line) -> str:
        found = _lookup(values, match.group(1))
        if found is None or isinstance(found, dict | list):
            where = "a variables file (variables.json …) or --variables"
            ctx.report.warn(
                line.no,
                "variable",
                f"a value for '.{match.group(1)}' in {where}",
                f"{quote(match.group(0))} (kept as written)",
            )
            return match.group(0)
        return str(found)

    return sub_everywhere(lines, _VARIABLE, value)


def _shortcodes(lines: Lines, ctx: Context) -> Lines:
    out: Lines = []
    for line, code in zip(lines, code_flags(lines), strict=True):
        if not code and _COPYABLE.search(line.text):
            rest = _COPYABLE.sub("", line.text)
            if rest.strip():
                out.append(Line(line.no, rest))
            continue
        out.append(line)

    def other(match: re.Match[str], line: Line) -> str:
        ctx.report.warn(
            line.no,
            "shortcode",
            "a shortcode the importer knows (copyable)",
            f"{quote(match.group(0))} (kept as written)",
        )
        return match.group(0)

    return sub_outside_code(out, _SHORTCODE, other)


def _tab_group(
    lines: Lines, start: int, flags: list[bool]
) -> tuple[list[tuple[str, int, Lines]], int] | None:
    """Parse the tabs of the ``<SimpleTab>`` at ``start``; None if it is not well formed."""
    tabs: list[tuple[str, int, Lines]] = []
    index = start + 1
    while index < len(lines):
        text = lines[index].text
        if flags[index] or not text.strip():
            index += 1
            continue
        if _TABS_CLOSE.match(text):
            return (tabs, index + 1) if tabs else None
        opening = _DIV_OPEN.match(text)
        if opening is None:
            return None
        no, depth, body, index = lines[index].no, 1, [], index + 1
        while index < len(lines):
            if not flags[index]:
                depth += len(_DIV_ANY_OPEN.findall(lines[index].text))
                depth -= len(_DIV_CLOSE.findall(lines[index].text))
            if depth <= 0:
                break
            body.append(lines[index])
            index += 1
        if depth > 0:
            return None
        tabs.append((opening.group(1), no, body))
        index += 1
    return None


def convert_tabs(lines: Lines, ctx: Context) -> Lines:
    """Turn ``<SimpleTab>`` groups into tabbed blocks (tabs inside tabs too)."""
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        match = None if flags[index] else _TABS_OPEN.match(lines[index].text)
        group = _tab_group(lines, index, flags) if match else None
        if match and group is None:
            ctx.report.warn(
                lines[index].no,
                "tabs",
                '<div label="…"> … </div> blocks closed by </SimpleTab>',
                f"{quote(lines[index].text.strip())} (kept as written)",
            )
        if match is None or group is None:
            out.append(lines[index])
            index += 1
            continue
        tabs, index = group
        for label, no, body in tabs:
            out += tab(label, convert_tabs(body, ctx), indent=match.group(1), no=no)
    return out


def _notes(lines: Lines, ctx: Context) -> Lines:
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        match = None if flags[index] else _NOTE.match(lines[index].text)
        kind = _NOTE_KINDS.get(match.group(2).strip().lower()) if match else None
        if match is None or kind is None:
            out.append(lines[index])
            index += 1
            continue
        indent, label, rest = match.groups()
        body, end = blockquote(lines, index + 1, indent)
        if rest.strip():
            body = [Line(lines[index].no, rest), *body]
        out += admonition(kind, label.strip(), body, indent=indent, no=lines[index].no)
        index = end
    return out


_BLOCK_OPEN = re.compile(r"^(\s*)<(Note|Tip|Warning|Important|Caution)>\s*$")
_BLOCK_KINDS = {"Note": "note", "Tip": "tip", "Warning": "warning", "Important": "important"}


def _note_blocks(lines: Lines, ctx: Context) -> Lines:
    """``<Note>`` … ``</Note>`` (and Tip, Warning, Important, Caution) as admonitions."""
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        match = None if flags[index] else _BLOCK_OPEN.match(lines[index].text)
        closing = f"</{match.group(2)}>" if match else ""
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].text.strip() == closing), None
        )
        if match is None or end is None:
            out.append(lines[index])
            index += 1
            continue
        key = _BLOCK_KINDS.get(match.group(2), "caution")
        kind = DOCFX_ALERTS[key][0]
        body = [Line(b.no, b.text.removeprefix(match.group(1))) for b in lines[index + 1 : end]]
        title = kind_title(key, ctx.lang)
        out += admonition(kind, title, body, indent=match.group(1), no=lines[index].no)
        index = end + 1
    return out


def convert(lines: Lines, ctx: Context) -> Lines:
    """Convert a Hugo page."""
    lines = substitute_variables(lines, ctx)
    lines = _shortcodes(lines, ctx)
    lines = convert_tabs(lines, ctx)
    lines = _note_blocks(lines, ctx)

    def alert(kind: str, title: str, fold: str, no: int) -> tuple[str, str | None] | None:
        known = DOCFX_ALERTS.get(kind.lower())
        return (known[0], title or kind_title(known[1], ctx.lang)) if known else None

    lines = convert_alerts(lines, alert)
    return _notes(lines, ctx)
