"""An Obsidian vault as kb Markdown (the full table is in docs/importing.md).

- ``[[Note]]``, ``[[Note|text]]``, ``[[Note#Heading]]``, ``[[#Heading]]`` → a link to the note's
  article (and heading);
- ``![[image.png]]``, ``![[image.png|300]]`` → an image (``{ width="300" }``);
- ``![[Note]]`` on its own line → the note's content; ``![[Note#Heading]]`` or an embed inside a
  sentence → a link to the note;
- ``> [!tip]`` / ``> [!tip]-`` / ``> [!tip]+ Title`` → ``!!! tip`` / ``??? tip`` / ``???+ tip``;
- ``%% comment %%`` → an HTML comment; ``==highlight==`` → ``<mark>highlight</mark>``.

Notes and attachments are found by name anywhere in the vault, as Obsidian does: the one in the
same folder first, then the one with the shortest path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from generator.importer.alerts import OBSIDIAN_CALLOUTS, convert_alerts, kind_title, unknown_type
from generator.importer.document import Line, Lines, code_flags, masked, sub_outside_code, to_lines
from generator.importer.links import rebase
from generator.importer.model import Context, SourceFile
from generator.importer.report import FileReport
from generator.problems import quote as shown

__all__ = ["convert", "heading_anchor"]

_TARGET = r"([^\[\]|#^]*?)\\?(#\^?[^\[\]|]*)?(?:\\?\|([^\[\]]*))?"
_EMBED = re.compile(r"!\[\[" + _TARGET + r"\]\]")
_WIKILINK = re.compile(r"(?<!!)\[\[" + _TARGET + r"\]\]")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
_MAX_DEPTH = 8


def heading_anchor(heading: str) -> str:
    """The anchor Material gives a heading (the portal's toc slugify, lowercase)."""
    from pymdownx.slugs import slugify

    anchor: str = slugify(case="lower")(heading.strip(), "-")
    return anchor


def _pick(candidates: list[str], folder: str) -> str | None:
    if not candidates:
        return None
    same = [c for c in candidates if c.rpartition("/")[0] == folder]
    return (same or sorted(candidates, key=lambda c: (c.count("/"), c)))[0]


def _find(name: str, ctx: Context) -> str | None:
    """The vault path (relative) of the note or attachment ``name`` links to."""
    catalog, folder = ctx.catalog, ctx.source.folder
    name = name.strip().replace("\\", "/").lstrip("/")
    if not name:
        return ctx.source.rel
    suffix = Path(name).suffix.lower()
    if suffix and suffix != ".md":
        matches = [f for f in catalog.files if f == name or f.endswith("/" + name)]
        if not matches and "/" not in name:
            matches = [f for f in catalog.files if f.rsplit("/", 1)[-1].lower() == name.lower()]
        return _pick(matches, folder)
    name = name.removesuffix(".md")
    if "/" in name:
        wanted = name.lower() + ".md"
        return _pick([r for r in catalog.articles if r.lower().endswith(wanted)], folder)
    return _pick(catalog.names.get(name.lower(), []), folder)


def _href(rel: str, ctx: Context, fragment: str = "") -> str:
    path = os.path.relpath(ctx.catalog.source_dir / rel, ctx.source.path.parent)
    return quote(Path(path).as_posix(), safe="/._-~") + (f"#{fragment}" if fragment else "")


def _fragment(part: str | None, line: Line, ctx: Context) -> str:
    if not part:
        return ""
    if part.startswith("#^"):
        ctx.report.warn(
            line.no,
            "wikilink",
            "a link to a note or a heading",
            f"the block reference {shown(part)} (linked to the note)",
        )
        return ""
    return heading_anchor(part[1:])


def _wikilinks(lines: Lines, ctx: Context) -> Lines:
    def link(match: re.Match[str], line: Line) -> str:
        name, part, text = match.groups()
        name = name.strip()
        heading = part[1:] if part and not part.startswith("#^") else ""
        if text and text.strip():
            label = text.strip()
        elif name and heading:
            label = f"{name} › {heading}"
        else:
            label = name or heading
        found = _find(name, ctx)
        if found is None:
            ctx.report.warn(
                line.no,
                "wikilink",
                "a note of the vault",
                f"{shown(match.group(0))} (kept the text)",
            )
            return label
        fragment = _fragment(part, line, ctx)
        if found == ctx.source.rel and fragment:
            return f"[{label}](#{fragment})"
        return f"[{label}]({_href(found, ctx, fragment)})"

    return sub_outside_code(lines, _WIKILINK, link)


def _embedded_note(rel: str, line: Line, ctx: Context) -> Lines | None:
    path = ctx.catalog.source_dir / rel
    if (
        path.resolve() in ctx.stack
        or path.resolve() == ctx.source.path.resolve()
        or len(ctx.stack) >= _MAX_DEPTH
    ):
        ctx.report.warn(
            line.no, "embed", "a note that does not embed itself", f"{shown(rel)} (linked instead)"
        )
        return None
    planned = ctx.catalog.articles.get(rel)
    if planned is None:
        return None
    source: SourceFile = planned.source
    inner = ctx.within(source, FileReport(ctx.report.problems, source.path))
    converted = convert(to_lines(source.front.body, source.front.body_line), inner)
    moved = rebase(converted, source.path.parent, ctx.source.path.parent)
    return [Line(line.no, c.text) for c in moved]


def _embeds(lines: Lines, ctx: Context) -> Lines:
    flags = code_flags(lines)
    out: Lines = []
    for line, hidden, code in zip(lines, masked(lines), flags, strict=True):
        whole = None if code else _EMBED.fullmatch(hidden.strip())
        if whole and not whole.group(2):
            found = _find(whole.group(1), ctx)
            if found is not None and found.endswith(".md"):
                content = _embedded_note(found, line, ctx)
                if content is not None:
                    out += content
                    continue
        out.append(line)

    def embed(match: re.Match[str], line: Line) -> str:
        name, part, text = match.groups()
        found = _find(name, ctx)
        label = name.strip().rsplit("/", 1)[-1]
        if found is None:
            ctx.report.warn(
                line.no, "embed", "a file of the vault", f"{shown(match.group(0))} (kept the name)"
            )
            return label
        if Path(found).suffix.lower() in _IMAGES:
            size = (text or "").strip()
            width = (
                f'{{ width="{size.split("x")[0]}" }}' if re.fullmatch(r"\d+(x\d+)?", size) else ""
            )
            alt = size if size and not width else Path(found).stem
            return f"![{alt}]({_href(found, ctx)}){width}"
        if not found.endswith(".md"):
            return f"[{text or label}]({_href(found, ctx)})"
        return f"[{text or label}]({_href(found, ctx, _fragment(part, line, ctx))})"

    return sub_outside_code(out, _EMBED, embed)


def _comments(lines: Lines) -> Lines:
    """``%% … %%`` (one line or many) as HTML comments, so they stay hidden."""
    out: Lines = []
    inside = False
    for line, hidden in zip(lines, masked(lines), strict=True):
        text, shown_text = line.text, hidden
        pieces, last = [], 0
        for match in re.finditer("%%", shown_text):
            pieces += [text[last : match.start()], "-->" if inside else "<!--"]
            inside, last = not inside, match.end()
        out.append(Line(line.no, "".join(pieces) + text[last:]) if pieces else line)
    return out


def convert(lines: Lines, ctx: Context) -> Lines:
    """Convert an Obsidian note (embedded notes are converted as their own file)."""
    lines = _comments(lines)

    def callout(kind: str, title: str, fold: str, no: int) -> tuple[str, str | None]:
        known = OBSIDIAN_CALLOUTS.get(kind.lower())
        if known is None:
            expected, found = unknown_type(kind, sorted(set(OBSIDIAN_CALLOUTS.values())))
            ctx.report.warn(no, "callout", expected, f"{found} (shown as a note)")
            known = "note"
        return known, title or kind_title(known, ctx.lang)

    lines = convert_alerts(lines, callout)
    lines = _embeds(lines, ctx)
    lines = _wikilinks(lines, ctx)
    return sub_outside_code(lines, _HIGHLIGHT, lambda m, _: f"<mark>{m.group(1)}</mark>")
