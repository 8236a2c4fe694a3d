"""Jekyll (Liquid) Markdown as kb Markdown (the full table is in docs/importing.md).

- ``{% callout type %}`` … ``{% endcallout %}`` → an admonition;
- ``{{site.baseurl}}``, ``{{ "/x" | relative_url }}`` → removed, the link resolved as any other;
- ``{% link path %}``, ``{% post_url name %}`` → the path, resolved as any other link;
- ``{% highlight lang %}`` … ``{% endhighlight %}`` → a fenced code block;
- ``{% raw %}`` / ``{% endraw %}`` → removed, the text between kept as it is;
- any other ``{% tag %}`` or ``{{ value }}`` → kept as written, reported.
"""

from __future__ import annotations

import re

from generator.importer.alerts import kind_title
from generator.importer.document import Line, Lines, admonition, code_flags, sub_outside_code
from generator.importer.model import Context
from generator.problems import quote

__all__ = ["convert"]

_BASEURL = re.compile(r"\{\{\s*site\.baseurl\s*\}\}")
_RELATIVE_URL = re.compile(
    r"\{\{\s*['\"]([^'\"]*)['\"]\s*\|\s*(?:relative_url|absolute_url)\s*\}\}"
)
_LINK_TAG = re.compile(r"\{%\s*link\s+(\S+?)\s*%\}")
_POST_URL = re.compile(r"\{%\s*post_url\s+(\S+?)\s*%\}")
_CALLOUT = re.compile(r"^(\s*)\{%\s*callout\s*([\w-]*)\s*(?:\"([^\"]*)\"|'([^']*)')?\s*%\}\s*(.*)$")
_END_CALLOUT = re.compile(r"^(.*?)\{%\s*endcallout\s*%\}\s*$")
_HIGHLIGHT = re.compile(r"^(\s*)\{%\s*highlight\s+([\w+-]+)[^%]*%\}\s*$")
_END_HIGHLIGHT = re.compile(r"^(\s*)\{%\s*endhighlight\s*%\}\s*$")
_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_LIQUID = re.compile(r"\{%-?.*?-?%\}|\{\{-?.*?-?\}\}")
_CALLOUT_KINDS = {
    "note": "note",
    "info": "info",
    "tip": "tip",
    "success": "success",
    "warning": "warning",
    "caution": "warning",
    "danger": "danger",
    "error": "danger",
    "important": "info",
}


def _callouts(lines: Lines, ctx: Context, reported: set[int]) -> Lines:
    flags = code_flags(lines)
    out: Lines = []
    index = 0
    while index < len(lines):
        match = None if flags[index] else _CALLOUT.match(lines[index].text)
        end = None
        if match:
            end = next(
                (i for i in range(index, len(lines)) if _END_CALLOUT.match(lines[i].text)), None
            )
        if match is None or end is None:
            if match:
                reported.add(lines[index].no)
                ctx.report.warn(
                    lines[index].no,
                    "liquid",
                    "{% callout %} … {% endcallout %}",
                    f"{quote(lines[index].text.strip())} without its end (kept as written)",
                )
            out.append(lines[index])
            index += 1
            continue
        indent, kind, double, single, rest = match.groups()
        material = _CALLOUT_KINDS.get(kind.lower() or "note")
        if material is None:
            ctx.report.warn(
                lines[index].no,
                "liquid",
                "a callout type (" + ", ".join(_CALLOUT_KINDS) + ")",
                f"{quote(kind)} (shown as a note)",
            )
            material = "note"
        if end == index:  # {% callout %} text {% endcallout %} on one line
            same = _END_CALLOUT.match(rest)
            body = [Line(lines[index].no, same.group(1) if same else rest)]
        else:
            body = [Line(lines[index].no, rest)] if rest.strip() else []
            body += lines[index + 1 : end]
            closing = _END_CALLOUT.match(lines[end].text)
            if closing and closing.group(1).strip():
                body.append(Line(lines[end].no, closing.group(1)))
        title = double or single or kind_title(material if material != "info" else "info", ctx.lang)
        body = [
            Line(b.no, b.text[len(indent) :] if b.text.startswith(indent) else b.text) for b in body
        ]
        out += admonition(material, title, body, indent=indent, no=lines[index].no)
        index = end + 1
    return out


def _highlights(lines: Lines) -> Lines:
    out: Lines = []
    for line in lines:
        start = _HIGHLIGHT.match(line.text)
        end = _END_HIGHLIGHT.match(line.text)
        if start:
            out.append(Line(line.no, f"{start.group(1)}```{start.group(2)}"))
        elif end:
            out.append(Line(line.no, f"{end.group(1)}```"))
        else:
            out.append(line)
    return out


def _raw_lines(lines: Lines) -> set[int]:
    """The source lines between ``{% raw %}`` and ``{% endraw %}``: Liquid is not read there."""
    inside, found = False, set()
    for line in lines:
        for match in _RAW.finditer(line.text):
            inside = "end" not in match.group(0)
        if inside or _RAW.search(line.text):
            found.add(line.no)
    return found


def convert(lines: Lines, ctx: Context) -> Lines:
    """Convert a Jekyll page."""
    raw = _raw_lines(lines)
    lines = _highlights(lines)
    lines = [Line(line.no, _RAW.sub("", line.text)) if line.no in raw else line for line in lines]
    lines = sub_outside_code(lines, _BASEURL, lambda m, _: "")
    lines = sub_outside_code(lines, _RELATIVE_URL, lambda m, _: m.group(1))
    lines = sub_outside_code(lines, _LINK_TAG, lambda m, _: "/" + m.group(1).lstrip("/"))
    lines = sub_outside_code(lines, _POST_URL, lambda m, _: f"/_posts/{m.group(1)}.md")
    reported: set[int] = set()
    lines = _callouts(lines, ctx, reported)

    def other(match: re.Match[str], line: Line) -> str:
        if line.no in raw or line.no in reported:
            return match.group(0)
        ctx.report.warn(
            line.no,
            "liquid",
            "Markdown (or a Liquid tag the importer knows)",
            f"{quote(match.group(0))} (kept as written)",
        )
        return match.group(0)

    return sub_outside_code(lines, _LIQUID, other)
