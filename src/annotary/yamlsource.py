"""YAML parsing that remembers where every value came from.

PyYAML's ``safe_load`` returns plain data with no positions and silently keeps
the last of two equal keys. Contributors need both fixed: each value here
carries the line and column it was written at, and a repeated key is a
problem, not a choice. Only the safe constructors are used, so no tag can build
an arbitrary Python object.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

from .diagnostics import Diagnostic, Location, error

#: Upper bound on nodes produced from one document; stops alias "billion laughs".
MAX_NODES = 200_000
#: Upper bound on nesting; nothing in the format is deeper than 6.
MAX_DEPTH = 64

ScalarValue = str | int | float | bool | None | datetime.date | datetime.datetime


@dataclass(frozen=True)
class Scalar:
    """A leaf value and where it was written."""

    loc: Location
    value: ScalarValue
    #: The YAML style the value was written in ('' plain, '"', "'", '|', '>').
    style: str = ""
    #: The value as written, before YAML typed it (``false`` → False, raw "false").
    raw: str = ""


@dataclass(frozen=True)
class Sequence:
    loc: Location
    items: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class Mapping:
    """A mapping whose keys are strings, in file order, with the keys' own positions."""

    loc: Location
    entries: list[tuple[Scalar, Node]] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.value == key:
                return v
        return None

    def key_loc(self, key: str) -> Location:
        for k, _ in self.entries:
            if k.value == key:
                return k.loc
        return self.loc

    def key_nodes(self) -> Iterator[Scalar]:
        return (k for k, _ in self.entries)


Node = Scalar | Sequence | Mapping

_SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed here",
        "A value that contains ': ' must be quoted, e.g. quote: \"Officials said: no\".",
    ),
    (
        "could not find expected ':'",
        "Each field is written 'name: value'. Check the colon and the indentation "
        "of this line and the one before it.",
    ),
    (
        "did not find expected key",
        "Check the indentation: the fields of one annotation line up under its "
        "'- id:', two spaces in.",
    ),
    (
        "did not find expected '-' indicator",
        "Every item of a list starts with '- ' at the same indentation as the others.",
    ),
    (
        "found unexpected end of stream",
        "A quoted value is not closed: add the closing quote.",
    ),
    (
        "found character that cannot start any token",
        "Quote values that start with a special character such as ` @ % or *.",
    ),
)


def _location(file: str, mark: yaml.Mark | None, line_offset: int = 0) -> Location:
    if mark is None:
        return Location(file, 1 + line_offset, 1)
    return Location(file, mark.line + 1 + line_offset, mark.column + 1)


def find_tabs(text: str, file: str, line_offset: int = 0) -> list[Diagnostic]:
    """Tabs in indentation: YAML forbids them and PyYAML's own message is cryptic."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = re.match(r"[ \t]*", line)
        assert indent is not None
        column = indent.group().find("\t")
        if column >= 0 and line.strip():
            problems.append(
                error(
                    Location(file, number + line_offset, column + 1),
                    "yaml-tab",
                    "tab character in indentation",
                    "YAML indents with spaces only: replace the tab with spaces "
                    "(two per level). Most editors can 'convert indentation to spaces'.",
                )
            )
    return problems


def parse_yaml(text: str, file: str, line_offset: int = 0) -> tuple[Node | None, list[Diagnostic]]:
    """Parse one YAML document into located nodes.

    Returns ``(None, problems)`` when the text cannot be parsed at all; otherwise the
    tree and the problems found while building it (duplicate keys, non-string keys).
    ``line_offset`` shifts reported lines, for YAML embedded in another file (front
    matter).
    """
    tabs = find_tabs(text, file, line_offset)
    if tabs:
        return None, tabs
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, file, line_offset)]
    except yaml.YAMLError as exc:  # e.g. a ReaderError for a control character
        mark = getattr(exc, "problem_mark", None)
        return None, [
            error(_location(file, mark, line_offset), "yaml-syntax", f"not valid YAML: {exc}")
        ]
    except RecursionError:
        return None, [
            error(Location(file, 1 + line_offset, 1), "yaml-too-deep", "YAML nested too deeply")
        ]
    if root is None:
        return None, []
    builder = _Builder(file, line_offset)
    try:
        node = builder.build(root, 0)
    except _TooLarge as exc:
        return None, [error(exc.loc, "yaml-too-large", str(exc))]
    return node, builder.problems


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, line_offset: int) -> Diagnostic:
    problem = (exc.problem or "syntax error").strip()
    message = f"not valid YAML: {problem}"
    if exc.context:
        message += f" ({exc.context.strip()})"
    hint = None
    for needle, text in _SYNTAX_HINTS:
        if needle in problem:
            hint = text
            break
    if "\\t" in problem or "'\\t'" in problem:
        return error(
            _location(file, exc.problem_mark, line_offset),
            "yaml-tab",
            "tab character where YAML does not allow one",
            "Replace the tab with spaces.",
        )
    return error(
        _location(file, exc.problem_mark or exc.context_mark, line_offset),
        "yaml-syntax",
        message,
        hint,
    )


class _TooLarge(Exception):
    def __init__(self, loc: Location, message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _Builder:
    """Turns composed PyYAML nodes into located values, checking keys on the way."""

    def __init__(self, file: str, line_offset: int) -> None:
        self.file = file
        self.line_offset = line_offset
        self.count = 0
        self.problems: list[Diagnostic] = []
        self._constructor = yaml.SafeLoader("")

    def loc(self, node: yaml.Node) -> Location:
        return _location(self.file, node.start_mark, self.line_offset)

    def build(self, node: yaml.Node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(
                self.loc(node),
                f"YAML expands to more than {MAX_NODES:,} values (anchors and aliases?)",
            )
        if depth > MAX_DEPTH:
            raise _TooLarge(self.loc(node), f"YAML nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return Sequence(self.loc(node), [self.build(item, depth + 1) for item in node.value])
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: yaml.ScalarNode) -> Scalar:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except ValueError:  # e.g. a date like 2026-13-45: let the field's check say so
            value = node.value
        except yaml.YAMLError as exc:
            self.problems.append(
                error(self.loc(node), "yaml-syntax", f"value cannot be read: {exc}")
            )
            value = node.value
        return Scalar(self.loc(node), value, node.style or "", str(node.value))

    def _mapping(self, node: yaml.MappingNode, depth: int) -> Mapping:
        entries: list[tuple[Scalar, Node]] = []
        seen: dict[object, Location] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    error(
                        self.loc(key_node),
                        "yaml-merge-key",
                        "merge keys ('<<') are not supported in annotation files",
                        "Write the fields out in full.",
                    )
                )
                continue
            key = self.build(key_node, depth + 1)
            if not isinstance(key, Scalar) or isinstance(key.value, bool | type(None)):
                self.problems.append(
                    error(self.loc(key_node), "yaml-key", "a field name must be plain text")
                )
                continue
            key_text = str(key.value)
            key = Scalar(key.loc, key_text, key.style, key.raw)
            if key_text in seen:
                first = seen[key_text]
                self.problems.append(
                    error(
                        key.loc,
                        "duplicate-key",
                        f"duplicate key '{key_text}' (first at line {first.line})",
                        "YAML keeps only the last of two equal keys, so one of them would be "
                        "lost silently: keep one and delete the other.",
                    )
                )
                continue
            seen[key_text] = key.loc
            entries.append((key, self.build(value_node, depth + 1)))
        return Mapping(self.loc(node), entries)


def to_plain(node: Node) -> object:
    """Drop positions: the plain Python data the node stands for."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_plain(item) for item in node.items]
    return {str(k.value): to_plain(v) for k, v in node.entries}
