"""Load YAML safely with the line of every key, and report schema errors at those lines.

Only PyYAML's safe loader is used: a tag such as ``!!python/object/apply`` is reported as an error
and never constructed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from generator.problems import Problems, quote

__all__ = ["LineMap", "YamlDoc", "load_yaml", "report_validation_error", "validate_doc"]

Key = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LineMap:
    """The file line of each key and list item of a YAML document."""

    lines: dict[Key, int] = field(default_factory=dict)
    start_line: int = 1

    def line_of(self, key: Key) -> int:
        """Return the line of ``key``, or of its closest parent that has one."""
        for end in range(len(key), 0, -1):
            if key[:end] in self.lines:
                return self.lines[key[:end]]
        return self.start_line


@dataclass(frozen=True)
class YamlDoc:
    """A loaded YAML document and the file line of each key and list item."""

    path: Path
    data: Any
    lines: dict[Key, int] = field(default_factory=dict)
    start_line: int = 1
    scalars: dict[Key, str] = field(default_factory=dict)  # each value as written

    @property
    def line_map(self) -> LineMap:
        return LineMap(self.lines, self.start_line)

    def line_of(self, key: Key) -> int:
        """Return the line of ``key``, or of its closest parent that has one."""
        return self.line_map.line_of(key)


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """A date as a date; an impossible one stays text for the schema to report."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


class _Loader(yaml.SafeLoader):
    """The safe loader: its error messages say plainest what is wrong."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader over libyaml's parser (when PyYAML has it): several times faster, but
    terser errors."""


for _loader in (_Loader, _FastLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _walk(
    node: yaml.Node,
    prefix: Key,
    offset: int,
    lines: dict[Key, int],
    scalars: dict[Key, str],
    path: Path,
    problems: Problems,
) -> None:
    if isinstance(node, yaml.ScalarNode):
        scalars[prefix] = str(node.value)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = prefix + (str(key_node.value),)
            line = key_node.start_mark.line + offset
            if key_node.value in seen:
                problems.error(
                    path,
                    line,
                    ".".join(map(str, key)),
                    "each key once",
                    f"a second {quote(key_node.value)}",
                )
            seen.add(key_node.value)
            lines[key] = line
            _walk(value_node, key, offset, lines, scalars, path, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[prefix + (index,)] = item.start_mark.line + offset
            _walk(item, prefix + (index,), offset, lines, scalars, path, problems)


def _parse(
    loader_class: type[_Loader] | type[_FastLoader],
    source: str,
    path: Path,
    problems: Problems,
    first_line: int,
) -> YamlDoc:
    """Parse ``source`` with ``loader_class``; YAML errors are raised."""
    loader = loader_class(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(path, None, {}, first_line)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[Key, int] = {}
    scalars: dict[Key, str] = {}
    _walk(node, (), first_line, lines, scalars, path, problems)
    return YamlDoc(path, data, lines, first_line, scalars)


def load_yaml(
    source: str, path: Path, problems: Problems, *, first_line: int = 1, what: str = "YAML"
) -> YamlDoc | None:
    """Load ``source`` (which starts at ``first_line`` of ``path``); None after an error."""
    offset = first_line
    try:
        return _parse(_FastLoader, source, path, problems, first_line)
    except yaml.YAMLError:
        pass
    try:  # again, for the pure-Python loader's plainer words about what is wrong
        return _parse(_Loader, source, path, problems, first_line)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        tag = (exc.problem or "").split("tag '")[-1].rstrip("'").replace("tag:yaml.org,2002:", "!!")
        problems.error(
            path,
            mark.line + offset if mark else first_line,
            what,
            "plain YAML values (tags are never executed)",
            f"the tag {quote(tag)}",
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.error(
            path,
            mark.line + offset if mark else first_line,
            what,
            "valid YAML",
            f"a syntax error ({getattr(exc, 'problem', None) or exc})",
        )
    return None


_TYPE_WORDS = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of key: value",
    "model_type": "a mapping of key: value",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date YYYY-MM-DD",
    "date_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_parsing": "a date YYYY-MM-DD",
    "date_from_datetime_inexact": "a date YYYY-MM-DD",
}


def _describe(error: Any, written: str | None) -> tuple[str, str]:
    """Turn one pydantic error into (expected, found) words; ``written`` is the YAML source."""
    kind: str = error["type"]
    ctx = error.get("ctx") or {}
    found = quote(error["input"])
    if written is not None and isinstance(error["input"], int | float) and written != found:
        found = f"{written} (read as the number {error['input']!r})"
    if kind == "missing":
        return "a value", "nothing"
    if kind == "extra_forbidden":
        return "a known field (see docs/writing-articles.md)", "an unknown field"
    if kind == "literal_error":
        choices = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"one of {choices}", found
    if kind == "string_pattern_mismatch":
        return "a slug of lowercase letters, digits and single hyphens", found
    if kind == "string_too_short":
        limit = ctx.get("min_length", 1)
        return ("non-empty text" if limit <= 1 else f"at least {limit} characters"), found
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters", f"{len(error['input'])} characters"
    if kind == "string_type" and isinstance(error["input"], int | float):
        return 'text (quote values that look like numbers: "5.3", "0x80070005")', found
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind], found
    return str(error["msg"]), found


def report_validation_error(
    exc: ValidationError, doc: YamlDoc, problems: Problems, *, prefix: Key = ()
) -> None:
    """Record each error of ``exc`` at the line of the key it is about."""
    for error in exc.errors():
        loc = prefix + tuple(error["loc"])
        name = ".".join(str(part) for part in loc) or "document"
        expected, found = _describe(error, doc.scalars.get(loc))
        problems.error(doc.path, doc.line_of(loc), name, expected, found)


def validate_doc(model: type[M], doc: YamlDoc, problems: Problems) -> M | None:
    """Validate a loaded document against ``model``; record problems and return None if bad."""
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        report_validation_error(exc, doc, problems)
        return None
