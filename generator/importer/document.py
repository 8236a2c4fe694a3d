"""Markdown as numbered lines: the shape every conversion step reads and returns.

Each :class:`Line` keeps the line of the source file it came from, so a construct that cannot be
converted is reported where the writer will find it, however much the text around it has moved.
Lines a step generates carry the number of the construct they replace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from generator.body import mask_code

__all__ = [
    "Line",
    "Lines",
    "FrontMatter",
    "admonition",
    "code_flags",
    "demote",
    "indent_block",
    "join",
    "masked",
    "quoted_title",
    "split_front_matter",
    "sub_everywhere",
    "sub_outside_code",
    "tab",
    "to_lines",
]


@dataclass(frozen=True)
class Line:
    """One line of Markdown and the line of the source file it stands for."""

    no: int
    text: str


Lines = list[Line]

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def to_lines(text: str, first_line: int = 1) -> Lines:
    """Split ``text`` into lines numbered from ``first_line``."""
    return [Line(first_line + i, line) for i, line in enumerate(text.split("\n"))]


def join(lines: Iterable[Line]) -> str:
    """Join lines back into text."""
    return "\n".join(line.text for line in lines)


def code_flags(lines: Lines) -> list[bool]:
    """Whether each line is part of a fenced code block (its fences included)."""
    flags: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = _FENCE.match(line.text)
        if fence is None:
            if match:
                fence = match.group(1)
            flags.append(fence is not None)
        else:
            flags.append(True)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
    return flags


def masked(lines: Lines) -> list[str]:
    """Each line with code blocks and code spans blanked out, positions kept."""
    return mask_code(join(lines)).split("\n")


def sub_outside_code(
    lines: Lines, pattern: re.Pattern[str], replace: Callable[[re.Match[str], Line], str]
) -> Lines:
    """Replace every match of ``pattern`` found outside code, line by line."""
    out: Lines = []
    for line, hidden in zip(lines, masked(lines), strict=True):
        text = line.text
        for match in reversed(list(pattern.finditer(hidden))):
            real = pattern.match(text, match.start(), match.end())
            if real is None or real.end() != match.end():
                continue  # the match spans a code span: leave it alone
            text = text[: real.start()] + replace(real, line) + text[real.end() :]
        out.append(Line(line.no, text) if text != line.text else line)
    return out


def _sub_line(
    line: Line, pattern: re.Pattern[str], replace: Callable[[re.Match[str], Line], str]
) -> Line:
    text = pattern.sub(lambda match: replace(match, line), line.text)
    return line if text == line.text else Line(line.no, text)


def sub_everywhere(
    lines: Lines, pattern: re.Pattern[str], replace: Callable[[re.Match[str], Line], str]
) -> Lines:
    """Replace every match of ``pattern``, code included."""
    return [_sub_line(line, pattern, replace) for line in lines]


def indent_block(lines: Iterable[Line], prefix: str) -> Lines:
    """Indent non-blank lines by ``prefix`` (blank lines stay empty)."""
    return [Line(line.no, prefix + line.text if line.text.strip() else "") for line in lines]


def quoted_title(title: str) -> str:
    """A title for ``!!! type "…"`` or ``=== "…"``, with its quotes made safe."""
    return '"' + " ".join(title.split()).replace('"', "&quot;") + '"'


def admonition(
    kind: str, title: str | None, body: Lines, *, indent: str, no: int, fold: str = ""
) -> Lines:
    """Return a Material admonition: ``!!!`` or, folded, ``???`` (``+`` open) details."""
    marker = {"": "!!!", "-": "???", "+": "???+"}[fold]
    head = f"{indent}{marker} {kind}" + (f" {quoted_title(title)}" if title else "")
    while body and not body[0].text.strip():
        body = body[1:]
    while body and not body[-1].text.strip():
        body = body[:-1]
    return [Line(no, head), Line(no, ""), *indent_block(body, indent + "    "), Line(no, "")]


def tab(label: str, body: Lines, *, indent: str, no: int) -> Lines:
    """Return one pymdownx.tabbed tab: ``=== "label"`` and its indented content."""
    while body and not body[0].text.strip():
        body = body[1:]
    while body and not body[-1].text.strip():
        body = body[:-1]
    return [
        Line(no, f"{indent}=== {quoted_title(label)}"),
        Line(no, ""),
        *indent_block(body, indent + "    "),
        Line(no, ""),
    ]


_ATX = re.compile(r"^( {0,3})(#{1,6})(\s.*|)$")


def demote(lines: Lines, to_level: int) -> Lines:
    """Shift headings so the highest one is at ``to_level`` (code is left alone)."""
    flags = code_flags(lines)
    levels = [
        len(m.group(2))
        for line, code in zip(lines, flags, strict=True)
        if not code and (m := _ATX.match(line.text))
    ]
    if not levels or min(levels) >= to_level:
        return lines
    shift = to_level - min(levels)
    out: Lines = []
    for line, code in zip(lines, flags, strict=True):
        match = None if code else _ATX.match(line.text)
        if match:
            level = min(6, len(match.group(2)) + shift)
            line = Line(line.no, match.group(1) + "#" * level + match.group(3))
        out.append(line)
    return out


@dataclass(frozen=True)
class FrontMatter:
    """The front matter of a source file (a mapping, possibly empty) and where its body starts."""

    data: dict[str, Any]
    body: str
    body_line: int
    error: str | None = None  # why the front matter could not be read


class _Loader(yaml.SafeLoader):
    """Safe loading; timestamps stay text, so each dialect's date formats are read alike."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def split_front_matter(text: str) -> FrontMatter:
    """Split a source file into its front matter (YAML between ``---`` lines) and its body."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return FrontMatter({}, text, 1)
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            source = "\n".join(lines[1:number])
            body = "\n".join(lines[number + 1 :])
            try:
                data = yaml.load(source, Loader=_Loader)
            except yaml.YAMLError as exc:
                problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
                return FrontMatter({}, body, number + 2, f"valid YAML ({problem})")
            if data is None:
                data = {}
            if not isinstance(data, dict):
                return FrontMatter({}, body, number + 2, "a mapping of field: value")
            return FrontMatter({str(k): v for k, v in data.items()}, body, number + 2)
    return FrontMatter({}, text, 1)
