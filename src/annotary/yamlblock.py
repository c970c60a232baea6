"""The quickest way through an annotation file: block-style YAML read line by line.

libyaml composes a 300-line annotation file in 0.6 ms, most of it making a Python
node and two marks for every value, and the located tree is then built from those
nodes: about 0.95 ms a file, a tenth of a cold build's loading. Annotation files,
the sources registry and front matter are written in a narrow, regular part of
YAML: block mappings and sequences, one value a line, plain or simply quoted,
``[a, b]`` lists of names and ``|`` notes. :func:`parse_block` reads that part
straight from the lines into the same tree (0.62 ms a file), and gives up
(``None``) on anything else, however valid: the libyaml path then reads the
document, and the pure-Python path after it when needed, so that what is not
plainly fine still gets their diagnostics, and their limits. Every tree it gives
must be the one the libyaml path gives (tests/test_yaml_block.py holds them side
by side on the repo's files, a generated archive and generated documents;
tests/test_yaml_fast_path.py compares the whole of ``parse_yaml`` with the slow
path).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .yamlnodes import Mapping, Node, Scalar, ScalarValue, Sequence

#: Characters YAML's reader refuses (PyYAML's own class): a document with one goes the
#: libyaml way, whose refusal the slow path then explains.
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)

#: The first character of a plain value it takes: none that YAML gives a meaning to
#: at the start of a value (an indicator, a quote, a space) nor ``-`` (``-5``, ``- x``).
_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")
#: A double-quoted value on one line, its only escapes ``\"``, ``\\`` and ``\/``
#: (the others can make characters no text may hold: they go the libyaml way, whose
#: tree is checked for them); a single-quoted one on one line.
_DOUBLE = re.compile(r'"((?:[^"\\]|\\["\\/])*)" *')
_ESCAPE = re.compile(r"\\(.)")
_SINGLE = re.compile(r"'((?:[^']|'')*)' *")
#: A literal block header: ``|`` or ``|-`` (no indentation digit, no ``+``).
_LITERAL = re.compile(r"\|(-?) *")
#: One item of a ``[a, b]`` list and what follows it: a plain value (no character
#: that flow syntax gives a meaning to) or a double-quoted one without escapes.
_FLOW_ITEM = re.compile(
    r" *(?:\"([^\"\\]*)\"|([^\s,\[\]{}#&*!|>'\"%@`?:-](?:[^,\[\]{}#:?'\"]*[^\s,\[\]{}#:?'\"])?))"
    r" *([,\]])"
)
_FLOW_END = re.compile(r" *\] *")

#: Deepest nesting read here; the libyaml path counts the limits beyond.
_MAX_DEPTH = 32

STR_TAG = "tag:yaml.org,2002:str"

ScalarConstructor = Callable[[SafeConstructor, yaml.ScalarNode], Any]

#: What values are built with, by tag: SafeConstructor's own functions, for the tags a
#: plain or quoted value resolves to. Any other tag (``!!binary``, ``!foo``, the merge
#: key ``<<``, the value key ``=``) goes the slow way.
SCALAR_CONSTRUCTORS: dict[str, ScalarConstructor] = {
    STR_TAG: SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_timestamp,
}


def safe_constructors() -> dict[str, ScalarConstructor]:
    """:data:`SCALAR_CONSTRUCTORS` still SafeLoader's (one may have been replaced since,
    by ``yaml.add_constructor``): only those are known to build what it builds."""
    table = yaml.SafeLoader.yaml_constructors
    return {tag: f for tag, f in SCALAR_CONSTRUCTORS.items() if table.get(tag) is f}


class _GiveUp(Exception):
    """Not the part of YAML read here: the libyaml path reads the document."""


#: One line: its indentation, a ``-`` item mark, a ``key:`` (short: YAML refuses a key
#: of more than 1,024 characters), and the rest. Matched on the whole text at once (one
#: match a line), which is most of the reading's speed.
_LINE = re.compile(r"^( *)(-(?: +|$))?(?:([A-Za-z_][A-Za-z0-9_-]{0,127}):(?: +|$))?(.*)$", re.M)

_MAPPING, _SEQUENCE = 0, 1

_Resolvers = list[tuple[str, re.Pattern[str]]]


class _Values:
    """How a scalar written on one line becomes a :class:`Scalar` (as libyaml's path
    types it), and what its value's ``[…]`` list holds."""

    def __init__(self, file: str, first_line: int) -> None:
        self.file = file
        self.first_line = first_line
        self.constructors = safe_constructors()
        self.resolvers = yaml.SafeLoader.yaml_implicit_resolvers
        self.wildcard = self.resolvers.get(None, [])
        self.constructor = SafeConstructor()
        _check_memos(self.resolvers)

    def plain(self, raw: str, line: int, column: int) -> Scalar:
        """A plain value typed as YAML 1.1 types it (``false``, ``12``, ``2024-05-01``)."""
        resolvers = self.resolvers.get(raw[0])
        if resolvers is None and not self.wildcard:
            return Scalar(self.file, line + self.first_line, column + 1, raw, "", raw)
        tag = _tag_of(raw, resolvers or [], self.wildcard)
        value: ScalarValue = raw
        if tag != STR_TAG:
            construct = self.constructors.get(tag)
            if construct is None:
                raise _GiveUp
            try:
                value = construct(self.constructor, yaml.ScalarNode(tag, raw))
            except (ValueError, LookupError, AttributeError):  # kept as written
                value = raw
            except Exception as exc:
                raise _GiveUp from exc
        return Scalar(self.file, line + self.first_line, column + 1, value, "", raw)

    def inline(self, text: str, line: int, column: int) -> Node:
        """The value written from ``column`` to the end of ``text`` (line ``line``)."""
        first = text[column]
        if first == '"':
            match = _DOUBLE.fullmatch(text, column)
            if match is None:
                raise _GiveUp
            value = match.group(1)
            if "\\" in value:
                value = _ESCAPE.sub(r"\1", value)
            return Scalar(self.file, line + self.first_line, column + 1, value, '"', value)
        if first == "'":
            match = _SINGLE.fullmatch(text, column)
            if match is None:
                raise _GiveUp
            value = match.group(1).replace("''", "'")
            return Scalar(self.file, line + self.first_line, column + 1, value, "'", value)
        if first == "[":
            return self.flow(text, line, column)
        if first in _PLAIN_FIRST:
            raise _GiveUp
        raw = text[column:].rstrip(" ")
        if ": " in raw or " #" in raw or raw[-1] == ":":
            raise _GiveUp
        return self.plain(raw, line, column)

    def flow(self, text: str, line: int, column: int) -> Node:
        items: list[Node] = []
        position = column + 1
        if _FLOW_END.fullmatch(text, position) is None:
            while True:
                match = _FLOW_ITEM.match(text, position)
                if match is None:
                    raise _GiveUp
                quoted, plain = match.group(1), match.group(2)
                if plain is not None:
                    items.append(self.plain(plain, line, match.start(2)))
                else:  # placed at its opening quote, one before its text
                    place = match.start(1)
                    items.append(
                        Scalar(self.file, line + self.first_line, place, quoted, '"', quoted)
                    )
                position = match.end()
                if match.group(3) == "]":
                    if text[position:].strip(" "):
                        raise _GiveUp
                    break
        return Sequence(self.file, line + self.first_line, column + 1, items)


#: The tags of plain values, and the keys known to resolve to text (not ``true``,
#: ``null``), remembered for :data:`_MEMOS_OF`: the resolvers' table they were found
#: with (its identity and size; an added resolver changes one or the other).
_TAGS: dict[str, str] = {}
_TEXT_KEYS: set[str] = set()
_MEMOS_OF: list[tuple[int, int]] = []


def _check_memos(resolvers: dict[Any, _Resolvers]) -> None:
    """Forget what was resolved with other resolvers than ``resolvers``."""
    table = (id(resolvers), sum(len(entries) for entries in resolvers.values()))
    if [table] != _MEMOS_OF:
        _TAGS.clear()
        _TEXT_KEYS.clear()
        _MEMOS_OF[:] = [table]


def _tag_of(raw: str, resolvers: _Resolvers, wildcard: _Resolvers) -> str:
    """The tag PyYAML's resolver gives a plain value (remembered: keys and values repeat)."""
    tag = _TAGS.get(raw)
    if tag is None:
        tag = STR_TAG
        for candidate, pattern in [*resolvers, *wildcard]:
            if pattern.match(raw):
                tag = candidate
                break
        if len(_TAGS) > 4096:
            _TAGS.clear()
        _TAGS[raw] = tag
    return tag


def _literal(
    lines: list[str], at: int, column: int, parent: int, values: _Values
) -> tuple[Scalar, int]:
    """The ``|`` value whose header is at ``column`` of line ``at``, in a collection
    indented ``parent``; and the first line after it."""
    header = _LITERAL.fullmatch(lines[at], column)
    if header is None:
        raise _GiveUp
    j = at + 1
    if j >= len(lines) or not lines[j].strip(" "):
        raise _GiveUp  # empty, or blank lines first: their indentation counts
    indent = len(lines[j]) - len(lines[j].lstrip(" "))
    if indent <= parent:
        raise _GiveUp
    content: list[str] = []
    last = j
    while j < len(lines):
        line = lines[j]
        if not line.strip(" "):
            if len(line) > indent:
                raise _GiveUp  # spaces past the indentation are content
            content.append("")
        elif line[:indent].strip(" "):
            break  # less indented: the value has ended
        else:
            content.append(line[indent:])
            last = j
        j += 1
    if last == len(lines) - 1:
        raise _GiveUp  # the text ends without a line break
    del content[last - at :]
    text = "\n".join(content)
    if not header.group(1):
        text += "\n"
    return Scalar(values.file, at + values.first_line, column + 1, text, "|", text), j


def _read(text: str, file: str, line_offset: int) -> Node:
    """The document's tree, or :class:`_GiveUp`.

    One pass over the lines, with a stack of the open collections: each is
    ``[kind, indentation, node, keys seen]``. A key with nothing after it waits
    (``pending``) for the collection that the next lines hold.
    """
    rows = _LINE.findall(text)
    lines = text.split("\n")
    values = _Values(file, line_offset + 1)
    first_line = line_offset + 1
    stack: list[list[Any]] = []
    pending: tuple[Mapping, Scalar] | None = None
    root: Node | None = None
    k = 0
    count = len(rows)
    while k < count:
        indentation, dash, key, rest = rows[k]
        if not dash and not key and (not rest or rest[0] == "#"):
            k += 1  # blank, or a comment
            continue
        column = len(indentation)
        if pending is not None:  # the mapping that waits is the innermost collection
            mapping, name = pending
            pending = None
            parent = stack[-1][1]
            if not (column > parent or (dash and column == parent)):
                raise _GiveUp  # an empty value, or a plain value on the next lines
            if len(stack) >= _MAX_DEPTH:
                raise _GiveUp  # the other paths say how deep is too deep
            if dash:
                node: Node = Sequence(file, k + first_line, column + 1, [])
                stack.append([_SEQUENCE, column, node, None])
            elif key:
                node = Mapping(file, k + first_line, column + 1, [])
                stack.append([_MAPPING, column, node, set()])
            else:
                raise _GiveUp
            mapping.entries.append((name, node))
        elif not stack:
            if root is not None or column:
                raise _GiveUp  # something after the top collection, or indented
            if dash:
                root = Sequence(file, k + first_line, 1, [])
                stack.append([_SEQUENCE, 0, root, None])
            elif key:
                root = Mapping(file, k + first_line, 1, [])
                stack.append([_MAPPING, 0, root, set()])
            else:
                raise _GiveUp  # a lone value, a document marker
        else:
            while stack and column < stack[-1][1]:
                stack.pop()
        top = stack[-1]
        if top[1] != column:
            raise _GiveUp  # between two indentations, or deeper with no key before
        if top[0] == _SEQUENCE and not dash:
            stack.pop()  # a sequence at its mapping's indentation has ended
            if not stack or stack[-1][1] != column:
                raise _GiveUp
            top = stack[-1]
        line = lines[k]
        if dash:
            if top[0] != _SEQUENCE:
                raise _GiveUp
            if len(stack) >= _MAX_DEPTH:
                raise _GiveUp
            column += len(dash)
            if key:  # an item that is a mapping, its first key on this line
                node = Mapping(file, k + first_line, column + 1, [])
                top[2].items.append(node)
                top = [_MAPPING, column, node, set()]
                stack.append(top)
            elif not rest or rest[0] in "-#":
                raise _GiveUp  # an item on the next lines, a nested "- -", a comment
            else:
                if rest[0] == "|":
                    item, k = _literal(lines, k, column, top[1], values)
                    top[2].items.append(item)
                    continue
                top[2].items.append(values.inline(line, k, column))
                k += 1
                continue
        if not key:
            raise _GiveUp
        if top[0] != _MAPPING:
            raise _GiveUp
        if key in top[3]:
            raise _GiveUp  # a key repeated
        if key in _TEXT_KEYS:
            name = Scalar(file, k + first_line, column + 1, key, "", key)
        else:
            name = values.plain(key, k, column)
            if name.value.__class__ is not str:
                raise _GiveUp  # true, null, 12 as a key
            _TEXT_KEYS.add(key)
        top[3].add(key)
        if not rest:
            pending = (top[2], name)
            k += 1
            continue
        start = len(line) - len(rest)
        value: Node
        if rest[0] == "|":
            value, k = _literal(lines, k, start, top[1], values)
        else:
            value = values.inline(line, k, start)
            k += 1
        top[2].entries.append((name, value))
    if pending is not None or root is None:
        raise _GiveUp  # an empty value at the end; nothing but comments
    return root


def parse_block(text: str, file: str, line_offset: int) -> Node | None:
    """The located tree of ``text`` if it is written in the part of YAML read here;
    ``None`` means only "read it another way".

    The caller has already sent the characters the YAML parsers read differently
    (tabs, line breaks other than ``\\n``, a byte-order mark) another way: see
    ``_SLOW_CHARACTERS`` in :mod:`annotary.yamlsource`.
    """
    if _NOT_PRINTABLE.search(text) is not None or yaml.SafeLoader.yaml_path_resolvers:
        return None
    try:
        return _read(text, file, line_offset)
    except _GiveUp:
        return None
