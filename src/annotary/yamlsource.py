"""YAML parsing that remembers where every value came from.

PyYAML's ``safe_load`` returns plain data with no positions and silently keeps
the last of two equal keys. Contributors need both fixed: each value here
carries the line and column it was written at, and a repeated key is a
problem, not a choice. Only the safe constructors are used, so no tag can build
an arbitrary Python object.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import BaseResolver

from .diagnostics import Diagnostic, Location, error
from .yamlblock import STR_TAG, parse_block, safe_constructors
from .yamlnodes import Mapping, Node, Scalar, ScalarValue, Sequence

__all__ = ["Mapping", "Node", "Scalar", "ScalarValue", "Sequence", "parse_yaml", "shown"]

#: Upper bound on nodes produced from one document; stops alias "billion laughs".
MAX_NODES = 200_000
#: Upper bound on nesting; nothing in the format is deeper than 6.
MAX_DEPTH = 64

#: Characters no annotation needs, that YAML lets in through escapes ("\x07", "\0",
#: "\ud800") and that would corrupt what is built from them: C0 controls but tab and
#: line feed, DEL, C1 controls and lone surrogates (which cannot even be written out
#: as UTF-8). :mod:`annotary.archive` refuses the same characters in a file's bytes.
BAD_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

#: What :func:`shown` escapes: line breaks and tabs too, so a message stays one line.
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
#: Longest value a message quotes: a hostile file must not be echoed whole.
SHOWN_MAX = 100


def shown(value: object) -> str:
    """A contributor's value as a message quotes it: on one line, cut short.

    Every diagnostic is one line ``FILE:LINE:COLUMN: …``: a value with a line
    break (``status: "a\\nb"``), a control character or a lone surrogate would
    break it, or the terminal. Those are written as escapes (``\\n``, ``\\x07``).
    """
    text = _UNSHOWABLE.sub(lambda m: repr(m.group())[1:-1], str(value))
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


#: The parser of the limits pre-pass: libyaml's, in C, when PyYAML was built with it.
_EVENT_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    if "\t" not in text:  # nearly always: skip the walk over the lines
        return []
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

    The result is the one :func:`parse_yaml_slow` gives (tests/test_yaml_fast_path.py
    holds the two side by side). Composing with PyYAML's pure-Python parser is most
    of the time of loading a large archive (25 times libyaml's), so a document is
    first composed by libyaml, and only what that cannot vouch for (an error, an
    alias, an empty value, a limit approached, syntax the two parsers read
    differently) is parsed again the slow way, whose messages are the reference.
    """
    tabs = find_tabs(text, file, line_offset)
    if tabs:
        return None, tabs
    fast = _parse_fast(text, file, line_offset)
    if fast is not None:
        return fast
    return _parse_slow(text, file, line_offset)


def parse_yaml_slow(
    text: str, file: str, line_offset: int = 0
) -> tuple[Node | None, list[Diagnostic]]:
    """:func:`parse_yaml` by the pure-Python parser alone: the reference the fast path matches.

    Kept callable so that tests can hold the two paths side by side.
    """
    tabs = find_tabs(text, file, line_offset)
    if tabs:
        return None, tabs
    return _parse_slow(text, file, line_offset)


def _parse_slow(text: str, file: str, line_offset: int) -> tuple[Node | None, list[Diagnostic]]:
    beyond = _beyond_limits(text, file, line_offset)
    if beyond is not None:
        return None, [beyond]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        explained = _explain_syntax(text, exc, file, line_offset)
        return None, [explained or _syntax_problem(exc, file, line_offset)]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        return None, [_reader_problem(exc, text, file, line_offset)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [
            error(
                _location(file, mark, line_offset), "yaml-syntax", f"not valid YAML: {shown(exc)}"
            )
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
        return None, [error(exc.loc, exc.code, str(exc), exc.hint)]
    return node, builder.problems


def _beyond_limits(text: str, file: str, line_offset: int) -> Diagnostic | None:
    """The first place where the document passes a limit, found from its parse events.

    Composing is where a hostile file costs: PyYAML's composer recurses once per
    level (a ``[[[[…`` file overflows the stack), its pure-Python scanner takes
    time quadratic in the nesting of ``[`` and ``{``, and aliases let a few lines
    stand for millions of nodes ("billion laughs"). The events are a flat
    stream, here read with libyaml's C parser when PyYAML has it, so this pass
    stops at the first node past :data:`MAX_DEPTH` or :data:`MAX_NODES` (counting
    each alias as the size of what it repeats), or at an alias inside its own
    anchor, in milliseconds and in memory bounded by the file. A syntax error is
    left to the composer, whose messages come with hints.
    """
    depth = 0
    total = 0
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, total before it) per open node
    sizes: dict[str, int] = {}
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            if isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_nodes):
                    return error(
                        _event_location(file, event.start_mark, line_offset),
                        "yaml-recursive-alias",
                        f"the alias '*{event.anchor}' is inside its own anchor "
                        f"'&{event.anchor}': it would repeat itself forever",
                    )
                total += sizes.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return error(
                        _event_location(file, event.start_mark, line_offset),
                        "yaml-too-deep",
                        f"YAML nested more than {MAX_DEPTH} levels deep",
                    )
                open_nodes.append((event.anchor, total))
                total += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, before = open_nodes.pop()
                if anchor is not None:
                    sizes[anchor] = total - before
            else:
                continue
            if total > MAX_NODES:
                return error(
                    _event_location(file, event.start_mark, line_offset),
                    "yaml-too-large",
                    f"YAML expands to more than {MAX_NODES:,} values (anchors and aliases?)",
                    "write the values out; an annotation file has no use for '&' and '*'",
                )
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1,000)
            return error(
                _event_location(file, exc.problem_mark, line_offset),
                "yaml-too-deep",
                f"YAML nested more than {MAX_DEPTH} levels deep",
            )
    except yaml.YAMLError:
        pass
    return None


def _event_location(file: str, mark: object, line_offset: int) -> Location:
    """:func:`_location` of a mark from either parser (libyaml's has its own class)."""
    line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
    return Location(file, int(line) + 1 + line_offset, int(column) + 1)


def _reader_problem(
    exc: yaml.reader.ReaderError, text: str, file: str, line_offset: int
) -> Diagnostic:
    """A character the YAML reader refuses, at its line and column (PyYAML gives an offset)."""
    position = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character
    code = ord(character) if isinstance(character, str) else int(character)
    return error(
        Location(file, line + line_offset, column),
        "yaml-syntax",
        f"not valid YAML: the character U+{code:04X} is not allowed in a YAML file",
        "delete it: it is a control character, invisible in most editors",
    )


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
    """Stops building: the document is past a limit, or holds what no value may hold."""

    def __init__(
        self, loc: Location, message: str, code: str = "yaml-too-large", hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.code = code
        self.hint = hint


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

    def at(self, node: yaml.Node) -> tuple[str, int, int]:
        """A node's place, as the tree's nodes keep it."""
        loc = self.loc(node)
        return loc.file, loc.line, loc.column

    def build(self, node: yaml.Node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(
                self.loc(node),
                f"YAML expands to more than {MAX_NODES:,} values (anchors and aliases?)",
            )
        if depth > MAX_DEPTH:
            raise _TooLarge(
                self.loc(node), f"YAML nested more than {MAX_DEPTH} levels deep", "yaml-too-deep"
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return Sequence(*self.at(node), [self.build(item, depth + 1) for item in node.value])
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: yaml.ScalarNode) -> Scalar:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (ValueError, LookupError, AttributeError):
            # e.g. a date like 2026-13-45, or a value its explicit tag does not fit
            # ('!!int', '!!bool x', which PyYAML's constructors fail on with IndexError,
            # KeyError): let the field's check say so
            value = node.value
        except yaml.YAMLError as exc:
            self.problems.append(_unreadable_value(self.loc(node), node, exc))
            value = node.value
        bad = BAD_CHARACTERS.search(node.value) if isinstance(node.value, str) else None
        if bad is not None:
            # only an escape gets here ("\x07", "\ud800"): the reader refuses the raw bytes
            raise _TooLarge(
                self.loc(node),
                f"a value holds the character U+{ord(bad.group()):04X}, a control character "
                "or half of a surrogate pair, which no text of the archive may contain",
                "bad-character",
                "delete the escape sequence ('\\x..', '\\u....', '\\0') from the quoted text",
            )
        return Scalar(*self.at(node), value, node.style or "", str(node.value))

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
            key = Scalar(key.file, key.line, key.column, key_text, key.style, key.raw)
            if key_text in seen:
                first = seen[key_text]
                self.problems.append(
                    error(
                        key.loc,
                        "duplicate-key",
                        f"duplicate key '{shown(key_text)}' (first at line {first.line})",
                        "YAML keeps only the last of two equal keys, so one of them would be "
                        "lost silently: keep one and delete the other.",
                    )
                )
                continue
            seen[key_text] = key.loc
            entries.append((key, self.build(value_node, depth + 1)))
        return Mapping(*self.at(node), entries)


# --- the fast path: libyaml composes, and vouches only for the plain case -------------
#
# Composing with PyYAML's pure-Python parser took most of the time of loading an
# archive: 27 s for 1,000 files, where libyaml's composer takes 1 s. libyaml and the
# Python parser compose the same nodes, at the same lines and columns, for the YAML an
# annotation file is written in; they differ in their error messages (the slow path's
# are explained in a contributor's terms), in their limits, and in a few details of
# syntax that libyaml accepts and PyYAML refuses or reads otherwise (found by
# tests/test_yaml_fast_path.py, and kept away below). So libyaml composes first, and
# whatever is not plainly fine goes the slow way, which gives today's diagnostics.

#: libyaml's composer, when PyYAML was built with it; without it every document goes
#: the slow way.
_FAST_LOADER: type[yaml.CSafeLoader] | None = getattr(yaml, "CSafeLoader", None)

#: Characters the two parsers read differently, so that a document with one goes the
#: slow way: a tab (libyaml takes one as a separator where PyYAML refuses it), line
#: breaks other than line feed (counted or folded differently), and a byte-order mark
#: (libyaml skips one at the start of any line, PyYAML only at the start of the text,
#: without counting a column). The other characters of :data:`BAD_CHARACTERS` need no
#: search: libyaml's reader refuses them as PyYAML's does, and a refusal goes the slow
#: way (tests/test_yaml_fast_path.py tries every one). None is in a file that
#: :func:`annotary.archive.decode_text` accepts but the tab.
_SLOW_CHARACTERS = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")

#: A block scalar's header with a comment right after it (``note: |#``): libyaml takes
#: it, PyYAML wants a space before the '#'. May match elsewhere, in a value: no harm.
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")

#: What may come just before a node, and so before a tag ('!'), or just before a tag
#: misplaced (after a quoted value, a list): tags are scanned differently (libyaml takes
#: ``!*!`` for one, PyYAML refuses it).
_BEFORE_TAG = frozenset(" \n[]{},:'\"")

#: Longest text composed by libyaml without first running :func:`_beyond_limits`. Up to
#: this size, nothing libyaml accepts costs it more than a fraction of a second: its own
#: limit stops nesting at 1,000 levels, an alias costs one node whatever it repeats, and
#: the worst case (a thousand '[' then many values, as libyaml's scanner is slower the
#: deeper the flow nesting) takes 0.2 s; the slow path follows and stops at the limit.
#: Past this size, the event pass (a third of the fast path's time) finds the limits
#: first, so that a hostile file is never composed whole. A real annotation file is
#: about 10 kB.
_FAST_UNCHECKED_CHARS = 50_000


class _Unusual(Exception):
    """Something the fast path leaves to the slow one, whose diagnostics are the reference."""


def _parse_fast(
    text: str, file: str, line_offset: int
) -> tuple[Node | None, list[Diagnostic]] | None:
    """:func:`parse_yaml` of a plain document, line by line or by libyaml; None to go
    the slow way.

    A tree is returned only when it is known to be the slow path's: the text has
    none of the syntax the parsers read differently (see :func:`_fast_may_read`),
    and either :func:`~annotary.yamlblock.parse_block` read it (the usual case) or
    :func:`_parse_libyaml` did. The cyclic garbage collector is paused meanwhile:
    the document's nodes and the tree built from them make no cycle, yet each of
    the thousands of objects counts towards a collection, which then walks every
    object the process holds (on a large archive, as much time as the parsing).
    """
    if not _fast_may_read(text):
        return None
    collecting = gc.isenabled()
    gc.disable()
    try:
        if len(text) <= _FAST_UNCHECKED_CHARS:
            quickest = parse_block(text, file, line_offset)
            if quickest is not None:
                return quickest, []
        return _parse_libyaml(text, file, line_offset)
    finally:
        if collecting:
            gc.enable()


def _fast_may_read(text: str) -> bool:
    """Whether ``text`` has none of the syntax that libyaml and PyYAML's parser read
    differently (some characters, a tag, a directive, ``|#``): only then may a faster
    reader than the slow path's read it."""
    if _FAST_LOADER is None or not _same_resolution(_FAST_LOADER):
        return False
    if any(character in text for character in _SLOW_CHARACTERS):
        return False
    if "#" in text and _BLOCK_HEADER_COMMENT.search(text) is not None:
        return False
    if _may_have_tag(text):
        return False
    # a directive: %YAML versions are checked differently, %TAG makes tags
    return not (text.startswith("%") or "\n%" in text)


def _parse_libyaml(
    text: str, file: str, line_offset: int
) -> tuple[Node | None, list[Diagnostic]] | None:
    """The tree libyaml composes, if it is the slow path's: composed without an error,
    with no alias, within the limits, and built with no problem at all (see
    :class:`_FastBuilder`). For a text that :func:`_fast_may_read`."""
    assert _FAST_LOADER is not None
    if len(text) > _FAST_UNCHECKED_CHARS:
        beyond = _beyond_limits(text, file, line_offset)
        if beyond is not None:
            return None, [beyond]
    try:
        root = yaml.compose(text, Loader=_FAST_LOADER)
    except Exception:  # whatever it was, the slow path tells it
        return None
    if root is None:  # nothing but comments: rare, and quick either way
        return None
    try:
        return _FastBuilder(file, line_offset, may_alias="&" in text).build(root, 0), []
    except _Unusual:
        return None


def _may_have_tag(text: str) -> bool:
    """Whether a '!' of ``text`` could start a tag.

    That is one at the start, or after a space, a quote or one of ``[]{},:``. A '!'
    in prose ("Wow!") follows a letter; one in ``a !b`` is a false alarm, that only
    costs the slow path.
    """
    at = text.find("!")
    while at >= 0:
        if at == 0 or text[at - 1] in _BEFORE_TAG:
            return True
        at = text.find("!", at + 1)
    return False


def _same_resolution(loader: type[BaseResolver]) -> bool:
    """Whether ``loader`` tags every scalar as SafeLoader does.

    Both use PyYAML's resolver tables; adding a resolver to one of them (as
    ``yaml.add_implicit_resolver(..., Loader=...)`` does) gives it tables of its own.
    """
    return (
        loader.yaml_implicit_resolvers is yaml.SafeLoader.yaml_implicit_resolvers
        and loader.yaml_path_resolvers is yaml.SafeLoader.yaml_path_resolvers
    )


class _FastBuilder:
    """:class:`_Builder` for the fast path: the same tree, or :class:`_Unusual`.

    Where :class:`_Builder` would report a problem or stop, this one gives up and
    the slow path runs instead. A node reached twice is an alias (the composer
    shares the node): given up too, for the slow path's limits to count it.
    Values are built by calling SafeConstructor's functions directly: its
    ``construct_object`` (a cache, a guard against recursion) is nearly half the
    time of building, and does nothing for a tree without aliases.
    """

    def __init__(self, file: str, line_offset: int, *, may_alias: bool) -> None:
        self.file = file
        self.line_offset = line_offset + 1  # and lines count from 1
        self.count = 0
        #: Nodes reached, by identity; only kept when the text has an '&': an alias
        #: needs an anchor.
        self.reached: set[int] | None = set() if may_alias else None
        self.constructors = safe_constructors()
        self.plain_str = STR_TAG in self.constructors
        self.constructor = SafeConstructor()

    def build(self, node: yaml.Node, depth: int, flow: bool = False) -> Node:
        """``node`` at ``depth``, ``flow`` when it is inside a flow collection ([…], {…})."""
        # the slow path's event pass (counting from 1) refuses a collection at this
        # depth, even an empty one, which its builder would accept
        if depth >= MAX_DEPTH:
            raise _Unusual
        self.count += 1
        if self.count > MAX_NODES:
            raise _Unusual
        if self.reached is not None:
            if id(node) in self.reached:
                raise _Unusual
            self.reached.add(id(node))
        mark = node.start_mark
        line, column = mark.line + self.line_offset, mark.column + 1
        if type(node) is yaml.ScalarNode:
            return self._scalar(node, line, column, flow)
        if type(node) is yaml.SequenceNode:
            inner = flow or bool(node.flow_style)
            items = [self.build(item, depth + 1, inner) for item in node.value]
            return Sequence(self.file, line, column, items)
        if type(node) is yaml.MappingNode:
            return self._mapping(node, line, column, depth + 1, flow or bool(node.flow_style))
        raise _Unusual  # the composer makes no other node; should one appear, go slow

    def _scalar(self, node: yaml.ScalarNode, line: int, column: int, flow: bool) -> Scalar:
        raw: str = node.value
        if not node.style and (not raw or (flow and "?" in raw)):
            # an empty value, in the text or implied (``{a: }``, ``? a``, ``---``): the
            # parsers place some of these differently; a '?' in a plain value inside
            # [...] or {...}: libyaml keeps it, PyYAML ends the value before it
            raise _Unusual
        value: ScalarValue
        if node.tag == STR_TAG and self.plain_str:
            value = raw
        else:
            construct = self.constructors.get(node.tag)
            if construct is None:
                raise _Unusual
            try:
                value = construct(self.constructor, node)
            except (ValueError, LookupError, AttributeError):  # kept as written (as _Builder)
                value = raw
            except Exception as exc:  # the slow path reports it
                raise _Unusual from exc
        style = node.style or ""  # libyaml: '' for a plain value, PyYAML: None
        # only a double-quoted value holds escapes; libyaml refused the raw characters
        if style == '"' and BAD_CHARACTERS.search(raw) is not None:
            raise _Unusual
        return Scalar(self.file, line, column, value, style, raw)

    def _mapping(
        self, node: yaml.MappingNode, line: int, column: int, depth: int, flow: bool
    ) -> Mapping:
        entries: list[tuple[Scalar, Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _Unusual
            self.count += 1  # checked by the value's build, next
            if self.reached is not None:
                if id(key_node) in self.reached:
                    raise _Unusual
                self.reached.add(id(key_node))
            mark = key_node.start_mark
            key = self._scalar(key_node, mark.line + self.line_offset, mark.column + 1, flow)
            if isinstance(key.value, str):
                key_text = key.value
            elif isinstance(key.value, bool | type(None)):
                raise _Unusual
            else:  # a number or a date, as text (as _Builder)
                key_text = str(key.value)
                key = Scalar(key.file, key.line, key.column, key_text, key.style, key.raw)
            if key_text in seen:
                raise _Unusual
            seen.add(key_text)
            entries.append((key, self.build(value_node, depth, flow)))
        return Mapping(self.file, line, column, entries)


def to_plain(node: Node) -> object:
    """Drop positions: the plain Python data the node stands for."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_plain(item) for item in node.items]
    return {str(k.value): to_plain(v) for k, v in node.entries}


# --- syntax errors told in a contributor's terms --------------------------------------
#
# PyYAML and libyaml describe a syntax error by the parser's state ("expected <block
# end>, but found '?'", "did not find expected key"), often at the line after the
# mistake. The usual mistakes of a first-time contributor (a field indented one space
# off, an item out of line, a value that needed quotes, a quote never closed) are
# recognised here from the error's marks and the shape of the lines, and told as
# what to do. What is not recognised keeps the parser's own words.

#: What YAML makes of a plain value that starts with this character.
_SPECIAL_STARTS: dict[str, str] = {
    "*": "a reference to an anchor (an alias)",
    "&": "the name of an anchor",
    "!": "a type tag",
    "[": "a list",
    "{": "a group of fields",
    '"': "a quoted value that ends at the next '\"'",
    "'": 'a quoted value that ends at the next "\'"',
    "|": "the start of a block of lines",
    ">": "the start of a block of lines",
    "%": "a directive",
    "@": "a reserved character",
    "`": "a reserved character",
    "-": "a list item",
    "?": "a complex key",
}
_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?=[ \t]|$)")
_DASH = re.compile(r"-(?: +|$)")
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*[ \t]*(?:#.*)?")


@dataclass(frozen=True)
class _Line:
    """The shape of one line: how it is indented and what it starts."""

    number: int  #: counting from 1
    indent: int  #: spaces before its first character
    dash: int | None  #: column of a leading '- ' (from 0), if any
    col: int  #: column of what follows the '- ' (or of the first character)
    key: str | None  #: the field name, when the line (after any '- ') is 'name: …'
    colon: int  #: column of that field's ':'; -1 without a field
    value: str  #: what follows 'name: ' (or the '- '), stripped
    value_col: int  #: column where the value starts

    @property
    def opens(self) -> bool:
        """'name:' alone on its line: what follows, further in, is its value."""
        return self.key is not None and (not self.value or self.value.startswith("#"))

    @property
    def label(self) -> str:
        field = f"{self.key}:" if self.key else ""
        return f"'- {field}'" if self.dash is not None else f"'{field}'"


def _shape(number: int, line: str) -> _Line | None:
    stripped = line.lstrip(" ")
    if not stripped.strip() or stripped.startswith("#"):
        return None
    indent = len(line) - len(stripped)
    dash = None
    col = indent
    dash_match = _DASH.match(stripped)
    if dash_match:
        dash = indent
        col = indent + dash_match.end()
    rest = line[col:]
    key_match = _KEY.match(rest)
    key = key_match.group(1) if key_match else None
    colon = col + key_match.end() - 1 if key_match else -1
    after = line[colon + 1 :] if key_match else rest
    value = after.strip()
    value_col = len(line) - len(after.lstrip()) if value else len(line)
    return _Line(number, indent, dash, col, key, colon, value, value_col)


def _structure(lines: list[str], before: int) -> list[_Line]:
    """The lines before line ``before`` that start a field or an item (not a value's text)."""
    found: list[_Line] = []
    block_col: int | None = None
    for index, raw in enumerate(lines[: before - 1]):
        if block_col is not None:
            if not raw.strip() or len(raw) - len(raw.lstrip(" ")) > block_col:
                continue  # a line of a 'note: |' block
            block_col = None
        line = _shape(index + 1, raw)
        if line is None or (line.key is None and line.dash is None):
            continue
        found.append(line)
        if line.key is not None and _BLOCK_HEADER.fullmatch(line.value):
            block_col = line.col
    return found


def _open_lines(structure: list[_Line]) -> list[_Line]:
    """The last line, then each less indented one before it: what a new line may join."""
    chain: list[_Line] = []
    for line in reversed(structure):
        if not chain or line.indent < chain[-1].indent:
            chain.append(line)
            if line.indent == 0:
                break
    return chain


def _spaces(n: int) -> str:
    return "1 space" if n == 1 else f"{n} spaces"


def _quoted(value: str) -> str:
    """``value`` as a quoted YAML value that a contributor can paste."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return _single_quoted(value)


def _unreadable_value(loc: Location, node: yaml.ScalarNode, exc: yaml.YAMLError) -> Diagnostic:
    """A value YAML cannot build: in practice, one that starts with '!' (a type tag)."""
    tag = str(node.tag)
    if tag.startswith("!") and not tag.startswith("!!") and not node.style:
        written = f"{tag} {node.value}".strip()
        return error(
            loc,
            "yaml-syntax",
            "this value starts with '!', which YAML reads as a type tag",
            f"Put the whole value in quotes: {_quoted(written)}",
        )
    problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else exc
    return error(loc, "yaml-syntax", f"value cannot be read: {shown(problem)}")  # one line


def _single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _explain_syntax(
    text: str, exc: yaml.MarkedYAMLError, file: str, line_offset: int
) -> Diagnostic | None:
    """The contributor's mistake behind a syntax error, and what to do; None if not known."""
    lines = text.splitlines()
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    mark, context_mark = exc.problem_mark, exc.context_mark
    if mark is None:
        return None

    def at(line: _Line, column: int) -> Location:
        return Location(file, line.number + line_offset, column + 1)

    def line_at(number: int) -> _Line | None:
        return _shape(number, lines[number - 1]) if 0 < number <= len(lines) else None

    typo = _punctuation_typo(lines, mark.line + 1, file, line_offset)
    if typo is not None:
        return typo
    if context_mark is not None and ("quoted scalar" in context or "flow" in context):
        opened = line_at(context_mark.line + 1)
        if opened is not None and opened.key is not None:
            start = opened.value[:1]
            if start in ("'", '"') and "end of stream" in problem:
                return error(
                    at(opened, opened.value_col),
                    "yaml-syntax",
                    f"the {start} that opens the value of '{opened.key}' is never closed",
                    f"Close the value with a {start} at its end: {opened.key}: "
                    + _quoted(opened.value[1:].rstrip(start + " ")),
                )
            if start in ("[", "{") and "flow" in context:
                close, what = ("]", "list") if start == "[" else ("}", "group of fields")
                return error(
                    at(opened, opened.value_col),
                    "yaml-syntax",
                    f"the {what} that '{opened.key}' opens with '{start}' is not closed",
                    f"Close it with '{close}' on the same line: {opened.key}: "
                    f"{opened.value.rstrip(', ')}{close}",
                )
        if "quoted scalar" in context and "end of stream" in problem:
            return error(
                Location(file, context_mark.line + 1 + line_offset, context_mark.column + 1),
                "yaml-syntax",
                "the quotation mark here opens a quoted text that is never closed",
                "Close it with the same mark. If the mark belongs to the text, put the whole "
                "value in quotes of the other kind, e.g. '\"They are cannon fodder,\" he said'.",
            )

    line = line_at(mark.line + 1)
    if line is None:
        return None
    in_value = line.key is not None and mark.column > line.colon
    start = line.value[:1]
    if in_value and start == '"' and "escape" in problem:
        return error(
            at(line, mark.column),
            "yaml-syntax",
            f"the value of '{line.key}' has a backslash, which starts an escape inside \"…\"",
            f"Use single quotes, where a backslash is only a backslash: {line.key}: "
            + _single_quoted(line.value[1:].rstrip('"')),
        )
    joined = _joined_field(line, lines[mark.line]) if in_value else None
    if joined is not None:
        return error(
            at(line, joined[1]),
            "yaml-syntax",
            f"'{joined[0]}' is on the same line as '{line.key}:'",
            f"Start a new line before '{joined[0]}': each field has a line of its own.",
        )
    if in_value and start in _SPECIAL_STARTS and (start not in "-?" or line.value[1:2] in " "):
        hint = f"Put the whole value in quotes: {line.key}: {_quoted(line.value)}"
        if line.key in ("quote", "prefix", "suffix") and "*" in line.value:
            plain = re.sub(r"\*+", "", line.value).strip()
            if plain[:1] in _SPECIAL_STARTS:
                plain = _quoted(plain)
            hint += (
                "\nBetter, copy the text as the page shows it, without the Markdown '*' "
                f"marks: {line.key}: {plain}"
            )
        return error(
            at(line, line.value_col),
            "yaml-syntax",
            f"the value of '{line.key}' starts with '{start}', which YAML reads as "
            + _SPECIAL_STARTS[start],
            hint,
        )
    if in_value and "mapping values are not allowed" in problem:
        return error(
            at(line, mark.column),
            "yaml-syntax",
            f"the value of '{line.key}' contains ': ', which YAML reads as the start of "
            "another field",
            f"A value that contains ': ' must be quoted: {line.key}: {_quoted(line.value)}",
        )
    if context_mark is not None and "simple key" in context and "':'" in problem:
        stray = line_at(context_mark.line + 1)
        if stray is not None and stray.key is None and stray.dash is None:
            return _explain_stray_line(lines, stray, file, line_offset)
    if not in_value and mark.column in (line.indent, line.colon):
        return _explain_indentation(lines, line, file, line_offset)
    return None


_JOINED = re.compile(r"(?:[ \t]{2,}|(?<=:)[ \t]+(?=- ))((?:- +)?([A-Za-z_][\w-]*))[ \t]*:(?=\s|$)")
_SQUEEZED_COLON = re.compile(r"( *)(?:- +)?([A-Za-z_][\w-]*):([^\s/].*)")
_SQUEEZED_DASH = re.compile(r"( *)-([A-Za-z_][\w-]*)[ \t]*:")


def _punctuation_typo(
    lines: list[str], number: int, file: str, line_offset: int
) -> Diagnostic | None:
    """'name:value' or '-id:' on the line of an error or the line before it."""
    before = (
        n
        for n in range(min(number, len(lines) + 1) - 1, 0, -1)
        if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
    )
    for n in (number, next(before, 0)):
        raw = lines[n - 1] if 0 < n <= len(lines) else ""
        squeezed = _SQUEEZED_COLON.fullmatch(raw.rstrip())
        if squeezed is not None:
            key, value = squeezed.group(2), squeezed.group(3)
            return error(
                Location(file, n + line_offset, squeezed.start(2) + 1),
                "yaml-syntax",
                f"'{key}:{value}' has no space after the ':'",
                f"Put a space after the colon: {key}: {value}",
            )
        shape = _shape(n, raw) if raw else None
        missing = _missing_colon(shape, file, line_offset) if shape is not None else None
        if missing is not None:
            return missing
        dash = _SQUEEZED_DASH.match(raw)
        if dash is not None:
            return error(
                Location(file, n + line_offset, len(dash.group(1)) + 1),
                "yaml-syntax",
                f"'-{dash.group(2)}:' has no space after the '-'",
                f"Write '- {dash.group(2)}:': an item of a list starts with a dash and a space.",
            )
    return None


def _field_names() -> set[str]:
    """Every field name of the format, for telling a field from a value's words."""
    from .validate import (  # the names are the validator's; imported late, no cycle
        ALL_ANNOTATION_FIELDS,
        EVIDENCE_FIELDS,
        FRONT_MATTER_FIELDS,
        SOURCE_FIELDS,
    )

    names = {"article", "annotations", "sources"}
    names.update(ALL_ANNOTATION_FIELDS, EVIDENCE_FIELDS, FRONT_MATTER_FIELDS, SOURCE_FIELDS)
    return names


def _joined_field(line: _Line, raw: str) -> tuple[str, int] | None:
    """A second field on a line (a line break lost): its label and column, or None.

    A field name after two spaces or more, or a '- name:' item right after the colon.
    """
    names = _field_names()
    for found in _JOINED.finditer(raw, line.colon + 1):
        if found.group(2) in names:
            return found.group(1) + ":", found.start(1)
    return None


def _missing_colon(line: _Line, file: str, line_offset: int) -> Diagnostic | None:
    """A line that starts with a field name but has no ':' after it."""
    word, _, rest = line.value.partition(" ")
    if line.key is not None or word not in _field_names():
        return None
    fixed = f"{word}: {rest.strip()}".rstrip()
    return error(
        Location(file, line.number + line_offset, line.value_col + 1),
        "yaml-syntax",
        f"'{word}' has no ':' after it",
        f"Add the ':' after '{word}': {'- ' if line.dash is not None else ''}{fixed}",
    )


def _explain_stray_line(
    lines: list[str], stray: _Line, file: str, line_offset: int
) -> Diagnostic | None:
    """A line that is not 'name: value': a field without its colon, or a value run on."""
    structure = _structure(lines, stray.number)
    where = Location(file, stray.number + line_offset, stray.indent + 1)
    missing = _missing_colon(stray, file, line_offset)
    if missing is not None:
        return missing
    before = structure[-1] if structure else None
    if before is None or before.key is None or before.opens or stray.indent > before.col:
        return error(
            where,
            "yaml-syntax",
            "this line is not a field: a field is written 'name: value'",
            "Add the ':' after the field's name, or delete the line if it is left over.",
        )
    return error(
        where,
        "yaml-syntax",
        f"this line is not a field ('name: value'), nor indented to continue the value "
        f"of '{before.key}' (line {before.number + line_offset})",
        "If it is a field, add the ':' after its name. If it continues the value of "
        f"'{before.key}:', indent it further than '{before.key}:', or write the value "
        f"as a block of lines:\n{before.key}: |\n  {before.value}\n  {stray.value}",
    )


def _explain_indentation(
    lines: list[str], line: _Line, file: str, line_offset: int
) -> Diagnostic | None:
    """A field or an item that does not line up with the ones it belongs with."""
    structure = _structure(lines, line.number)
    chain = _open_lines(structure)
    list_name = "sources" if file.endswith("sources.yml") else "annotations"
    if not chain or (line.key is None and line.dash is None):
        return None
    missing = _missing_colon(chain[0], file, line_offset) if chain[0].key is None else None
    if missing is not None:
        return missing
    first = structure[0]
    if line.indent == 0 and line.dash is None and first.indent > 0 and first.dash is None:
        return error(
            Location(file, first.number + line_offset, first.indent + 1),
            "yaml-indentation",
            f"{first.label} is indented {_spaces(first.indent)}, but the file's own fields "
            "start at the beginning of the line",
            f"Remove the spaces before {first.label}.",
        )
    if first.dash is not None and line.dash is None and line.indent <= first.indent:
        return error(
            Location(file, first.number + line_offset, first.indent + 1),
            "yaml-indentation",
            f"the file starts with a list item, so '{line.key}:' on line "
            f"{line.number + line_offset} cannot follow it",
            f"Move the item that starts here below the line '{list_name}:', with the "
            "other items; the file itself starts with its fields, not with an item.",
        )
    before = chain[0]
    if line.dash is None:
        fields = [c for c in chain if c.key is not None]
        if (before.opens and line.indent > before.col) or not fields:
            return None
        if any(c.col == line.indent for c in fields):
            return None
        target = min(fields, key=lambda c: (abs(c.col - line.indent), -c.col))
        message = (
            f"{line.label} is indented {_spaces(line.indent)}, but '{target.key}:' above "
            f"it (line {target.number + line_offset}) is indented {target.col}"
        )
        hint = (
            "Fields of the same item start at the same column: indent "
            f"{line.label} by {_spaces(target.col)}, like '{target.key}:'."
            if target.col
            else f"Start {line.label} at the beginning of the line, like '{target.key}:'."
        )
        if line.indent > target.col:
            hint += " Indented further, it reads as part of the value above it."
        after = next(
            (n for n, raw in enumerate(lines[line.number :], line.number + 1) if raw.strip()), 0
        )
        following = _shape(after, lines[after - 1]) if after else None
        if (
            target is before
            and before.dash is not None
            and line.indent >= 2
            and following is not None
            and following.indent == line.indent
            and not any(c.dash == before.dash for c in structure[:-1])
        ):
            # the fields after the '- ' line agree with each other, not with it
            dash = line.indent - (before.col - before.indent)
            sibling = next(
                (
                    other
                    for n, raw in enumerate(lines[line.number :], line.number + 1)
                    if (other := _shape(n, raw)) is not None
                    and other.dash == dash
                    and other.indent < line.indent
                ),
                None,
            )
            if sibling is not None:  # and so does the next item: the '- ' line is off
                return error(
                    Location(file, before.number + line_offset, before.indent + 1),
                    "yaml-indentation",
                    f"{before.label} is indented {_spaces(before.indent)}, but the next "
                    f"item's '- ' (line {sibling.number + line_offset}) is indented "
                    f"{_spaces(dash)}",
                    "The items of a list start at the same column: indent "
                    f"{before.label} by {_spaces(dash)}, like line "
                    f"{sibling.number + line_offset}; the fields under it are in place already.",
                )
            hint = (
                "Fields of the same item start at the same column: either move "
                f"{before.label} to {_spaces(dash)}, so that '{before.key}:' lines up with "
                f"{line.label}, or indent {line.label} and the fields after it by "
                f"{_spaces(target.col)}."
            )
    else:
        if before.opens and line.indent >= before.col:
            return None
        items = [c for c in chain if c.dash is not None]
        if any(c.indent == line.indent for c in items):
            return None
        if items:
            target = min(items, key=lambda c: (abs(c.indent - line.indent), -c.indent))
            message = (
                f"{line.label} is indented {_spaces(line.indent)}, but the '- ' of the item "
                f"above it (line {target.number + line_offset}) is indented {target.indent}"
            )
            hint = (
                "The items of a list start at the same column: indent "
                f"{line.label} by {_spaces(target.indent)}, like line "
                f"{target.number + line_offset}"
            )
            if line.key is not None and target.key is not None:
                hint += f", and the fields under it by {target.col}"
            hint += "."
        elif not any(c.key == list_name for c in structure):
            message = f"{line.label} starts an item, but there is no '{list_name}:' line above it"
            hint = f"Add the line '{list_name}:', not indented, just before the first '- '."
        elif before.key is not None:
            message = (
                f"{line.label} is not under a field: '{before.key}:' "
                f"(line {before.number + line_offset}) has a value already"
            )
            hint = (
                "A list goes under a field name alone on its line (e.g. 'evidence:'), "
                "indented further than that name."
            )
        else:
            return None
    return error(
        Location(file, line.number + line_offset, line.indent + 1),
        "yaml-indentation",
        message,
        hint,
    )
