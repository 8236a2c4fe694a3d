"""Links of the source tree, rewritten to the imported articles and the files copied with them.

A link to a page of the tree becomes a relative link to that page's article (the way kb articles
link to each other); a link to another file of the tree (an image, a PDF) becomes a link to its
copy under the output folder. A link to a page that was not imported goes to ``--base-url`` when
given; otherwise the link is taken out, its text kept, and reported.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from generator.body import is_javascript_url
from generator.importer.document import Line, Lines, masked
from generator.importer.model import Context, Planned
from generator.problems import quote as shown

__all__ = ["Target", "rebase", "resolve", "rewrite_links"]

LINK = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|(?:[^\s()]|\([^\s()]*\))*)"
    r"((?:\s+(?:\"[^\"]*\"|'[^']*'))?)\s*\)"
)
REFERENCE = re.compile(r"^( {0,3}\[(?!\^)[^\]]+\]:\s*)<?([^\s>]+)>?(.*)$")
HTML_ATTR = re.compile(r"(<[A-Za-z][^>]*?\s(?:href|src)\s*=\s*)([\"'])(.*?)\2")


@dataclass(frozen=True)
class Target:
    """Where a link of the source tree points."""

    kind: Literal["keep", "article", "asset", "missing", "outside", "unsafe"]
    article: Planned | None = None
    asset: Path | None = None
    fragment: str = ""
    site_path: str = ""  # the path on the original site, for --base-url
    absolute: bool = False  # written as a site-absolute link (/path)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _candidates(path: str) -> list[str]:
    if path.endswith("/"):
        return [path.rstrip("/") + ".md", *(path + n for n in ("index.md", "_index.md"))]
    base = path.removesuffix(".html").removesuffix(".htm")
    return [path, base + ".md", *(base + n for n in ("/index.md", "/_index.md", "/README.md"))]


def resolve(target: str, ctx: Context) -> Target:
    """Resolve one link target of the file ``ctx`` converts."""
    target = target.strip()
    if is_javascript_url(target):
        return Target("unsafe")
    catalog, source = ctx.catalog, ctx.source
    base_url = (catalog.options.base_url or "").rstrip("/")
    if base_url and (target.startswith(base_url + "/") or target == base_url):
        found = resolve(urlsplit(target)._replace(scheme="", netloc="").geturl(), ctx)
        return found if found.kind == "article" else Target("keep")
    parts = urlsplit(target)
    if target.startswith("#") or len(parts.scheme) > 1 or parts.netloc or not parts.path:
        return Target("keep")
    path, fragment = unquote(parts.path), parts.fragment
    if path.startswith("~/"):
        bases, site = [catalog.source_dir], "/" + path[2:]
        path = path[2:]
    elif path.startswith("/"):
        bases, site = list(dict.fromkeys([source.root, catalog.source_dir])), path
        # A link to the docset's own URL (/windows/wsl/install with --base-url …/windows/wsl).
        home = urlsplit(catalog.options.base_url or "").path.rstrip("/")
        if home and (path + "/").startswith(home + "/"):
            site = path[len(home) :] or "/"
        path = site.lstrip("/")
    else:
        bases = [source.path.parent]
        joined = posixpath.normpath(posixpath.join(source.tree_rel, "..", path))
        site = "/" + joined
    for base in bases:
        for candidate in _candidates(path) if path else []:
            full = Path(os.path.normpath(base / candidate))
            if not _inside(full, catalog.source_dir):
                return Target("outside", site_path=site)
            if not full.is_file():
                continue
            rel = full.relative_to(catalog.source_dir).as_posix()
            if rel in catalog.articles:
                return Target("article", article=catalog.articles[rel], fragment=fragment)
            if not rel.endswith(".md"):
                return Target("asset", asset=full, fragment=fragment)
    if site.startswith("/"):
        prefix = source.root.relative_to(catalog.source_dir).as_posix().strip(".")
        key = site.rstrip("/").removesuffix(".html").removesuffix(".md") or "/"
        known = catalog.urls.get(prefix + key) or catalog.urls.get(key)
        if known is not None:
            return Target("article", article=catalog.articles[known], fragment=fragment)
    return Target("missing", fragment=fragment, site_path=site, absolute=target.startswith("/"))


def _href(path: Path, ctx: Context, fragment: str) -> str:
    here = ctx.catalog.articles[ctx.source.rel].out.parent
    relative = Path(os.path.relpath(path, here)).as_posix()
    return quote(relative, safe="/._-~!$&'*+,;=:@") + (f"#{fragment}" if fragment else "")


def _new_target(target: str, ctx: Context, *, image: bool = False) -> tuple[str | None, Target]:
    """The rewritten target of a link, or None when the link must go.

    An image the tree does not have is never taken from ``--base-url``: the portal loads
    nothing from other hosts.
    """
    found = resolve(target, ctx)
    if found.kind == "keep":
        return target, found
    if found.kind == "article" and found.article is not None:
        return _href(found.article.out, ctx, found.fragment), found
    if found.kind == "asset" and found.asset is not None:
        copy = ctx.catalog.out_dir / found.asset.relative_to(ctx.catalog.source_dir)
        ctx.assets[found.asset] = copy
        return _href(copy, ctx, found.fragment), found
    base_url = ctx.catalog.options.base_url
    if found.kind in ("missing", "outside") and base_url and found.site_path and not image:
        if found.absolute and ctx.catalog.options.dialect == "docfx":
            # docfx's site-absolute links leave the docset: they start at the site's root.
            parts = urlsplit(base_url)
            base_url = f"{parts.scheme}://{parts.netloc}"
        page = found.site_path.removesuffix(".md")
        return base_url.rstrip("/") + page + (f"#{found.fragment}" if found.fragment else ""), found
    return None, found


def _report(ctx: Context, line: Line, target: str, found: Target, what: str, kept: str) -> None:
    if found.kind == "unsafe":
        expected = "a link that runs no script"
        what = "unsafe html"
    elif found.kind == "outside":
        expected = "a path inside SOURCE_DIR"
    else:
        expected = "an existing file or imported page of SOURCE_DIR" + (
            "" if what == "image" else " (or --base-url)"
        )
    ctx.report.warn(line.no, what, expected, f"{shown(target)} ({kept})")


def _edit(
    line: Line,
    hidden: str,
    *,
    link: Callable[[re.Match[str]], str],
    attr: Callable[[re.Match[str]], str],
    reference: Callable[[str, str, str], str],
) -> Line:
    """Apply ``link`` to each inline link or image outside code, ``attr`` to each HTML href/src
    and ``reference`` to a reference definition (``[id]: target``) of one line."""
    text = line.text
    definition = REFERENCE.match(text) if REFERENCE.match(hidden) else None
    if definition:
        return Line(line.no, reference(*definition.groups()))
    pieces: list[str] = []
    last = 0
    for match in LINK.finditer(hidden):
        pieces += [text[last : match.start()], LINK.sub(link, text[match.start() : match.end()])]
        last = match.end()
    text = "".join(pieces) + text[last:]
    if "href" in text or "src" in text:
        text = HTML_ATTR.sub(attr, text)
    return line if text == line.text else Line(line.no, text)


def rewrite_links(lines: Lines, ctx: Context) -> Lines:
    """Rewrite every link and image target outside code; report the ones that must go."""
    out: Lines = []
    for line, hidden in zip(lines, masked(lines), strict=True):

        def link(match: re.Match[str], line: Line = line) -> str:
            bang, label, raw, title = match.groups()
            target = raw[1:-1] if raw.startswith("<") else raw
            if "](" in label:  # an image inside the link's text
                label = LINK.sub(link, label)
            new, found = _new_target(target, ctx, image=bool(bang))
            if new is not None:
                return f"{bang}[{label}]({new}{title})"
            what = "image" if bang else "link"
            _report(ctx, line, target, found, what, "kept the text" if label else "left out")
            return label

        def attr(match: re.Match[str], line: Line = line) -> str:
            lead, mark, target = match.groups()
            image = lead.rstrip(" =").lower().endswith("src")
            new, found = _new_target(target, ctx, image=image)
            if new is None:
                _report(ctx, line, target, found, "html link", "kept as written")
                return match.group(0)
            return f"{lead}{mark}{new}{mark}"

        def reference(lead: str, target: str, rest: str, line: Line = line) -> str:
            new, found = _new_target(target, ctx)
            if new is None:
                _report(ctx, line, target, found, "link", "left out its definition")
                return ""
            return f"{lead}{new}{rest}"

        out.append(_edit(line, hidden, link=link, attr=attr, reference=reference))
    return out


def _rebased(target: str, from_dir: Path, to_dir: Path) -> str:
    parts = urlsplit(target)
    if target.startswith(("#", "/", "~/")) or len(parts.scheme) > 1 or parts.netloc:
        return target
    if not parts.path:
        return target
    moved = Path(os.path.relpath(os.path.normpath(from_dir / unquote(parts.path)), to_dir))
    rest = (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else ""
    )
    return quote(moved.as_posix(), safe="/._-~!$&'*+,;=:@") + rest


def rebase(lines: Lines, from_dir: Path, to_dir: Path) -> Lines:
    """Make the relative links of text moved from ``from_dir`` to ``to_dir`` point the same."""
    if from_dir == to_dir:
        return lines

    def link(match: re.Match[str]) -> str:
        bang, label, raw, title = match.groups()
        target = raw[1:-1] if raw.startswith("<") else raw
        return f"{bang}[{label}]({_rebased(target, from_dir, to_dir)}{title})"

    def attr(match: re.Match[str]) -> str:
        lead, mark, target = match.groups()
        return f"{lead}{mark}{_rebased(target, from_dir, to_dir)}{mark}"

    def reference(lead: str, target: str, rest: str) -> str:
        return f"{lead}{_rebased(target, from_dir, to_dir)}{rest}"

    return [
        _edit(line, hidden, link=link, attr=attr, reference=reference)
        for line, hidden in zip(lines, masked(lines), strict=True)
    ]
