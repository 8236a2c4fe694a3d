"""Take out what `kb check` rejects as unsafe: scripts, event handlers, ``javascript:`` URLs.

Raw HTML outside code is read with the standard HTML parser (as `kb check` does); each
``<script>`` element is removed with its content, each ``on…=`` attribute and each attribute
holding a ``javascript:`` URL is removed from its tag, and every removal is reported. Lines keep
their places, so later reports still point at the right source line.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from generator.body import is_javascript_url, unsafe_html
from generator.importer.document import Line, Lines, join, masked
from generator.importer.report import FileReport
from generator.problems import quote

__all__ = ["escape_unsafe", "remove_unsafe"]

# HTML's own elements: an unsafe attribute on one of these is removed. Anything else that the
# HTML parser reads as a tag (``i<labels.length; … only …>`` in flattened code) is text, and its
# ``<`` is escaped so it shows as written.
_HTML_ELEMENTS = frozenset(
    re.findall(
        r"\w+",
        """
        a abbr address area article aside audio b bdi bdo blockquote body br button canvas
        caption cite code col colgroup data datalist dd del details dfn dialog div dl dt em
        embed fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 head header hr html i
        iframe img input ins kbd label legend li link main map mark menu meta meter nav noscript
        object ol optgroup option output p param picture pre progress q rp rt ruby s samp
        section select slot small source span strong style sub summary sup svg table tbody td
        template textarea tfoot th thead time title tr track u ul var video wbr center font
        marquee frame frameset applet basefont big strike tt math image
        """,
    )
)
_ATTRIBUTE = re.compile(r"""\s+([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""", re.DOTALL)


class _Finder(HTMLParser):
    """Find unsafe start tags and script elements, by (line, column)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, int, str, str]] = []  # line, column, raw tag, tag name
        self.scripts: list[tuple[tuple[int, int], tuple[int, int] | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        raw = self.get_starttag_text() or ""
        if tag == "script":
            self.scripts.append(((line, column), None))
        elif any(n.startswith("on") or (v and is_javascript_url(v)) for n, v in attrs):
            self.tags.append((line, column, raw, tag))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.scripts and self.scripts[-1][1] is None:
            line, column = self.getpos()
            self.scripts[-1] = (self.scripts[-1][0], (line, column + len("</script>")))


def _offset(starts: list[int], position: tuple[int, int]) -> int:
    return starts[position[0] - 1] + position[1]


def _clean_tag(raw: str) -> tuple[str, list[str]]:
    removed: list[str] = []

    def attribute(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        value = (
            match.group(0).split("=", 1)[1].strip().strip("\"'") if "=" in match.group(0) else ""
        )
        if name.startswith("on"):
            removed.append(f"an event-handler attribute '{name}'")
            return ""
        if value and is_javascript_url(value):
            removed.append(f"a javascript: URL in '{name}'")
            return ""
        return match.group(0)

    head = re.match(r"<[^\s>/]+", raw)
    if head is None:
        return raw, removed
    return head.group(0) + _ATTRIBUTE.sub(attribute, raw[head.end() :]), removed


def remove_unsafe(lines: Lines, report: FileReport) -> Lines:
    """Remove scripts, event handlers and ``javascript:`` attributes outside code; report each."""
    hidden = "\n".join(masked(lines))
    if "<" not in hidden:
        return lines
    finder = _Finder()
    finder.feed(hidden)
    finder.close()
    if not finder.tags and not finder.scripts:
        return lines
    text = join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.text) + 1)
    edits: list[tuple[int, int, str]] = []
    for start, end in finder.scripts:
        begin = _offset(starts, start)
        stop = _offset(starts, end) if end else len(text)
        edits.append((begin, stop, "\n" * text.count("\n", begin, stop)))
        found = "a <script> element (removed with its content)"
        report.warn(lines[start[0] - 1].no, "unsafe html", "Markdown or inert HTML", found)
    for line_no, column, raw, tag in finder.tags:
        begin = _offset(starts, (line_no, column))
        if text[begin : begin + len(raw)] != raw:
            continue
        if tag not in _HTML_ELEMENTS:
            edits.append((begin, begin + 1, "&lt;"))
            found = f"{quote(raw)}, text read as a tag with an unsafe attribute (escaped '<')"
            report.warn(lines[line_no - 1].no, "unsafe html", "Markdown or inert HTML", found)
            continue
        cleaned, removed = _clean_tag(raw)
        edits.append((begin, begin + len(raw), cleaned))
        for what in removed:
            report.warn(
                lines[line_no - 1].no,
                "unsafe html",
                "Markdown or inert HTML",
                f"{what} on <{tag}> (removed)",
            )
    for begin, stop, new in sorted(edits, reverse=True):
        text = text[:begin] + new + text[stop:]
    return [Line(old.no, new) for old, new in zip(lines, text.split("\n"), strict=True)]


def escape_unsafe(lines: Lines, first_line: int, report: FileReport) -> Lines:
    """Escape ``<`` on any line `kb check` would still find unsafe (the last safety net)."""
    found = unsafe_html(join(lines), first_line)
    if not found:
        return lines
    flagged = {u.line - first_line for u in found}
    out = list(lines)
    for index in sorted(flagged):
        if 0 <= index < len(out):
            line = out[index]
            text = re.sub(r"(?i)(java|vb)script:", r"\1script&colon;", line.text)
            out[index] = Line(line.no, text.replace("<", "&lt;"))
            report.warn(
                line.no, "unsafe html", "Markdown or inert HTML", f"{quote(line.text)} (escaped)"
            )
    return out
