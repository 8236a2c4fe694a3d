"""docfx (Microsoft Learn) Markdown as kb Markdown (the full table is in docs/importing.md).

- ``> [!NOTE]`` (NOTE, TIP, IMPORTANT, CAUTION, WARNING) → an admonition titled in the language;
- ``[!INCLUDE [x](path)]`` → the included file, converted as its own file, links re-pointed;
- ``:::image type="content" source="…" alt-text="…":::`` → ``![alt](source)``;
- ``:::no-loc text="…":::`` → the text; ``> [!VIDEO url]`` → a link to the video;
- ``# [Tab](#tab/x)`` … ``---`` → pymdownx.tabbed ``=== "Tab"`` blocks.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.importer.alerts import DOCFX_ALERTS, convert_alerts, kind_title, unknown_type
from generator.importer.document import (
    Line,
    Lines,
    code_flags,
    split_front_matter,
    sub_outside_code,
    tab,
    to_lines,
)
from generator.importer.links import rebase
from generator.importer.model import Context, SourceFile
from generator.importer.report import FileReport
from generator.problems import quote

__all__ = ["convert", "expand_includes"]

_INCLUDE = re.compile(r"\[!INCLUDE\s*\[([^\]]*)\]\(\s*<?([^)>\s]+)>?\s*\)\s*\]", re.IGNORECASE)
_IMAGE = re.compile(r":::image\s+((?:[^:]|:(?!::))*?):::")
_IMAGE_END = re.compile(r"^\s*:::image-end:::\s*$")
_NO_LOC = re.compile(r':::no-loc\s+text="([^"]*)":::')
_OTHER = re.compile(r":::[a-z][\w-]*(?:\s(?:[^:]|:(?!::))*?)?:::")
_ATTR = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
_TAB = re.compile(r"^(#{1,6})\s+\[([^\]]+)\]\(#tab/[^)]+\)\s*$")
_TAB_END = re.compile(r"^-{3,}\s*$")
_VIDEO = re.compile(r"^(\s*)>\s*\[!VIDEO\s+([^\]\s]+)\s*\]\s*$", re.IGNORECASE)
_DIV = re.compile(r"^(\s*)>\s*\[!div\b[^\]]*\]\s*$", re.IGNORECASE)
_MAX_DEPTH = 8


def _alerts(lines: Lines, ctx: Context) -> Lines:
    def resolve(kind: str, title: str, fold: str, no: int) -> tuple[str, str | None] | None:
        known = DOCFX_ALERTS.get(kind.lower())
        if known is None:
            return None  # [!div], [!VIDEO] and the like: handled below
        return known[0], kind_title(known[1], ctx.lang)

    lines = convert_alerts(lines, resolve)
    out: Lines = []
    flags = code_flags(lines)
    video = {"zh-Hans": "视频", "zh-Hant": "影片", "en": "Video"}[ctx.lang]
    for line, code in zip(lines, flags, strict=True):
        match = None if code else _VIDEO.match(line.text)
        if match:
            out.append(Line(line.no, f"{match.group(1)}[{video}]({match.group(2)})"))
            continue
        div = None if code else _DIV.match(line.text)
        if div:
            expected, found = unknown_type(
                "div", ["NOTE", "TIP", "IMPORTANT", "CAUTION", "WARNING"]
            )
            ctx.report.warn(
                line.no, "docfx", expected, line.text.strip()[2:] + " (kept the content)"
            )
            continue
        out.append(line)
    # The quoted lines under a removed [!div] stay a plain blockquote: its content, still shown.
    return out


def _images(lines: Lines, ctx: Context) -> Lines:
    def image(match: re.Match[str], line: Line) -> str:
        attrs = dict(_ATTR.findall(match.group(1)))
        source = attrs.get("source")
        if not source:
            ctx.report.warn(line.no, "docfx", 'an image with source="…"', quote(match.group(0)))
            return match.group(0)
        alt = attrs.get("alt-text", "").replace("[", "(").replace("]", ")")
        return f"![{alt}]({source})"

    lines = sub_outside_code(lines, _IMAGE, image)
    lines = [line for line in lines if not _IMAGE_END.match(line.text)]
    lines = sub_outside_code(lines, _NO_LOC, lambda m, _: m.group(1))

    def other(match: re.Match[str], line: Line) -> str:
        ctx.report.warn(
            line.no,
            "docfx",
            "a docfx extension the importer converts (:::image:::, :::no-loc:::)",
            f"{quote(match.group(0))} (kept as written)",
        )
        return match.group(0)

    return sub_outside_code(lines, _OTHER, other)


def _tabs(lines: Lines) -> Lines:
    """Turn docfx tab groups (``# [Label](#tab/id)`` … ``---``) into tabbed blocks."""
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        match = None if flags[index] else _TAB.match(lines[index].text)
        if match is None:
            out.append(lines[index])
            index += 1
            continue
        label, no, body = match.group(2), lines[index].no, []
        index += 1
        while index < len(lines):
            text = lines[index].text
            if not flags[index] and (_TAB.match(text) or _TAB_END.match(text)):
                break
            body.append(lines[index])
            index += 1
        out += tab(label, body, indent="", no=no)
        if index < len(lines) and _TAB_END.match(lines[index].text) and not flags[index]:
            index += 1  # the group's closing ---
    return out


def expand_includes(lines: Lines, ctx: Context) -> Lines:
    """Replace each ``[!INCLUDE [x](path)]`` with the converted content of ``path``."""
    flags = code_flags(lines)
    out: Lines = []
    for line, code in zip(lines, flags, strict=True):
        match = None if code else _INCLUDE.search(line.text)
        if match is None:
            out.append(line)
            continue
        content = _included(match.group(2), line, ctx)
        before, after = line.text[: match.start()], line.text[match.end() :]
        if content is None:
            rest = before + after
            if rest.strip():
                out.append(Line(line.no, rest))
            continue
        if before.strip() or after.strip():  # inline: one paragraph of text
            words = " ".join(c.text.strip() for c in content if c.text.strip())
            out.append(Line(line.no, before + words + after))
            continue
        out += [Line(line.no, before + c.text if c.text else "") for c in content]
    return out


def _included(target: str, line: Line, ctx: Context) -> Lines | None:
    catalog, here = ctx.catalog, ctx.source
    base = catalog.source_dir if target.startswith("~/") else here.path.parent
    path = (base / target.removeprefix("~/")).resolve()
    if not path.is_relative_to(catalog.source_dir.resolve()):
        ctx.report.warn(
            line.no,
            "include",
            "a file inside SOURCE_DIR",
            f"{quote(target)} (escapes it; left out)",
        )
        return None
    if not path.is_file():
        ctx.report.warn(line.no, "include", "an existing file", f"{quote(target)} (left out)")
        return None
    if path in ctx.stack or path == here.path.resolve() or len(ctx.stack) >= _MAX_DEPTH:
        ctx.report.warn(
            line.no, "include", "a file that does not include itself", f"{quote(target)} (left out)"
        )
        return None
    try:
        front = split_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        ctx.report.warn(line.no, "include", "a readable UTF-8 file", f"{quote(target)} ({exc})")
        return None
    rel = path.relative_to(catalog.source_dir.resolve()).as_posix()
    source = SourceFile(path, rel, rel, here.root, here.lang, front)
    inner = ctx.within(source, FileReport(ctx.report.problems, path))
    converted = convert(to_lines(front.body, front.body_line), inner)
    moved = rebase(converted, path.parent, Path(here.path).resolve().parent)
    return [Line(line.no, c.text) for c in moved]


def convert(lines: Lines, ctx: Context) -> Lines:
    """Convert a docfx page (includes last, so they are converted once, as their own file)."""
    lines = _images(lines, ctx)
    lines = _alerts(lines, ctx)
    lines = _tabs(lines)
    return expand_includes(lines, ctx)
