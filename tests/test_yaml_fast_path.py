"""The fast path of ``parse_yaml`` (libyaml composes) gives exactly the slow path's result.

``parse_yaml`` composes a document with libyaml, and parses it again with PyYAML's
pure-Python parser (:func:`annotary.yamlsource.parse_yaml_slow`, whose diagnostics
are explained in a contributor's terms) whenever libyaml's tree cannot be vouched
for. Nothing may tell the two apart: the same tree, with the same types and the
same line and column for every value and key, and the same diagnostics. Checked
here on every YAML file of the tests and of the seed archive, on YAML written in
the tests' own code, on generated documents (well-formed ones and line soup), on
every character the two parsers might read differently, and on hostile files,
which must also stay quick.
"""

from __future__ import annotations

import ast
import gc
import re
import string
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotary import yamlsource
from annotary.diagnostics import Diagnostic
from annotary.validate import split_front_matter
from annotary.yamlsource import (
    BAD_CHARACTERS,
    MAX_DEPTH,
    Mapping,
    Node,
    Scalar,
    parse_yaml,
    parse_yaml_slow,
)
from conftest import REPO

TESTS = REPO / "tests"

pytestmark = pytest.mark.skipif(
    getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML was built without libyaml"
)

Shape = object


def shape(node: Node | None) -> Shape:
    """Everything a tree holds, with the type of each value (``1 == 1.0 == True``)."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return ("scalar", node.loc, type(node.value), node.value, node.style, node.raw)
    if isinstance(node, Mapping):
        return ("mapping", node.loc, [(shape(k), shape(v)) for k, v in node.entries])
    return ("sequence", node.loc, [shape(item) for item in node.items])


Parse = Callable[[str, str, int], tuple[Node | None, list[Diagnostic]]]


def outcome(parse: Parse, text: str, file: str, line_offset: int) -> object:
    """What one path gives: its tree and diagnostics, or the exception it raises.

    An input may crash the slow path (a lone surrogate, which no file read by
    :mod:`annotary.archive` holds); the fast path must then crash alike, not answer.
    """
    try:
        node, problems = parse(text, file, line_offset)
    except Exception as exc:  # compared, not hidden
        return ("raised", type(exc), str(exc))
    return shape(node), problems


def assert_same(text: str, file: str = "f.yml", line_offset: int = 0) -> object:
    fast = outcome(parse_yaml, text, file, line_offset)
    slow = outcome(parse_yaml_slow, text, file, line_offset)
    assert fast == slow, text
    return fast


def fast_only(text: str) -> tuple[Node | None, list[Diagnostic]] | None:
    """The fast path's own answer, None when it leaves the document to the slow path."""
    return yamlsource._parse_fast(text, "f.yml", 0)


# --- the YAML of the tests and of the seed archive ------------------------------------


def yaml_files() -> list[Path]:
    found = {p for suffix in ("*.yml", "*.yaml") for p in TESTS.rglob(suffix)}
    found |= set((REPO / "annotations").glob("*.yml"))
    return sorted(p for p in found if "__pycache__" not in p.parts)


def front_matters() -> list[Path]:
    found = set(TESTS.rglob("*.md")) | set((REPO / "docs" / "articles").glob("*.md"))
    return sorted(found)


def embedded_yaml() -> list[str]:
    """String constants of the tests' code that look like YAML: a key or an item per line."""
    texts: set[str] = set()
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
                value = node.value
                if isinstance(value, bytes):
                    try:
                        value = value.decode("utf-8")
                    except UnicodeDecodeError:
                        continue
                if "\n" in value and (": " in value or ":\n" in value or "- " in value):
                    texts.add(value)
    return sorted(texts)


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_yaml_files(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    assert_same(text, path.name)


@pytest.mark.parametrize("path", front_matters(), ids=lambda p: str(p.relative_to(REPO)))
def test_front_matter(path: Path) -> None:
    split = split_front_matter(path.read_text(encoding="utf-8", errors="surrogateescape"))
    if split.front_matter is not None:
        assert_same(split.front_matter, path.name, line_offset=1)


def test_yaml_in_the_tests_code() -> None:
    texts = embedded_yaml()
    assert len(texts) > 50  # the collection itself works
    for text in texts:
        assert_same(text)


def empty_values(node: Node | None) -> int:
    if isinstance(node, Scalar):
        return int(node.raw == "" and not node.style)
    if isinstance(node, Mapping):
        return sum(empty_values(k) + empty_values(v) for k, v in node.entries)
    return sum(empty_values(item) for item in node.items) if node is not None else 0


def test_ordinary_files_take_the_fast_path() -> None:
    """A file without a problem never falls back: the fast path is not silently off.

    Except for an empty value (``annotations:`` and nothing), which goes the slow way
    on purpose (see ``_FastBuilder._scalar``).
    """
    paths = [
        *(REPO / "annotations").glob("*.yml"),
        *(TESTS / "schema_corpus" / "valid").glob("*.yml"),
    ]
    fast_paths = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        node, problems = parse_yaml_slow(text, path.name)
        assert node is not None
        assert problems == []
        fast = fast_only(text)
        if empty_values(node):
            assert fast is None
            continue
        assert fast is not None, path
        fast_paths += 1
    assert fast_paths > 10


# --- generated documents --------------------------------------------------------------

#: Values written as a contributor might, and as YAML might surprise them.
SCALARS = [
    "",
    "x",
    "told the BBC",
    "yes",
    "No",
    "on",
    "~",
    "null",
    "Null",
    "true",
    "FALSE",
    "1",
    "-1",
    "+1",
    "0x1F",
    "0o17",
    "017",
    "0b101",
    "1_000",
    "1:30",
    "190:20:30",
    "1.5",
    "1e5",
    "6.8523015e+5",
    ".inf",
    "-.Inf",
    ".NaN",
    "2024-01-01",
    "2024-13-45",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2002-12-14T00:00:00Z",
    "12345678901234567890123456789",
    "http://example.org/a?b=c&d=e#f",
    "a # comment",
    "a#b",
    "a: b",
    "a:b",
    "x:",
    "- x",
    "-x",
    "* x",
    "*x",
    "&a x",
    "&a",
    "! x",
    "!foo x",
    "!!str 1",
    "!!int 7",
    "!!float 1",
    "!!binary aGk=",
    "!!null x",
    "!!map {a: b}",
    "!!set {a, b}",
    "!!omap [a: b]",
    "<<",
    "=",
    "? x",
    "?x",
    "%x",
    "@x",
    "`x",
    "[a, b]",
    "[]",
    "{}",
    "{a: b}",
    "{a, b: }",
    "[a, [b, {c: d}]]",
    "{a: [1, 2], b: {c}}",
    "[a: b, c]",
    '{"a":b}',
    "[a:b]",
    "[http://x]",
    "[a,b,]",
    "[a,,b]",
    "'single ''quoted'''",
    "'it''s'",
    "'unclosed",
    '"double \\" quoted"',
    '"escapes \\n \\t \\x41 \\u00e9 \\U0001F600 \\/ \\_ \\N \\L \\P \\e"',
    '"bad \\q escape"',
    '"\\x07 bell"',
    '"\\0"',
    '"\\ud800"',
    '"unclosed',
    '"a" b',
    "'a' b",
    "ü😀",
    "é: ü",
    "\u00a0x",
    "x\u00a0",
    "a  b",
    "trailing ",
    "Ωμέγα",
    "日本語",
    "|",
    "|-",
    ">+",
    "|2",
    ">\n  folded\n  lines\n\n  more",
    "|\n  literal\n   indented\n\n",
    "|-\n  a\n  b",
    "|+\n  a\n\n",
    "'multi\n  line'",
    '"multi\n  line\\\n  joined"',
    "plain\n  continued",
    "plain\n\n  paragraph",
    "---",
    "...",
    "--- x",
    "#",
    "# only a comment",
]

KEYS = [
    "id",
    "type",
    "quote",
    "note",
    "a",
    "é",
    "key with space",
    "1",
    "1.5",
    "true",
    "null",
    "~",
    "2024-01-01",
    "'q'",
    '"d"',
    '"\\x07"',
    "<<",
    "=",
    "? x",
    "-x",
    "x:y",
    "[a]",
    "{a: b}",
    "&k a",
    "*k",
    "!t a",
    "!!str 1",
    "",
]

scalars = st.one_of(
    st.sampled_from(SCALARS),
    st.text(alphabet=st.sampled_from(list("ab :-#'\"[]{},&*!|>?%@`\\é😀\n")), max_size=12),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(alphabet="abz_-1", min_size=1, max_size=4))


@st.composite
def line_soup(draw: st.DrawFn) -> str:
    """Lines of keys, items, values, comments and markers at any indentation."""
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        line = " " * draw(st.sampled_from([0, 0, 1, 2, 2, 3, 4, 4, 6]))
        line += draw(st.sampled_from(["", "", "- ", "-  ", "- - ", "? ", ": "]))
        key = draw(st.one_of(st.none(), keys))
        if key is not None:
            line += key + draw(st.sampled_from([": ", ":", ":  ", " : "]))
        line += draw(st.sampled_from(["", "", "", "&a ", "&b ", "*a", "!!str ", "! "]))
        line += draw(st.one_of(st.just(""), scalars))
        line += draw(st.sampled_from(["", "", " # c", "  #", "#x"]))
        lines.append(line)
    start = draw(st.sampled_from(["", "", "---\n", "--- ", "%YAML 1.1\n---\n", "# c\n"]))
    end = draw(st.sampled_from(["\n", "", "\n\n", "\n...\n", "\n---\n"]))
    return start + "\n".join(lines) + end


def flow_collection(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A flow collection ([…], {…}) of ``inner``, written loosely, over lines too."""
    sequence = st.tuples(
        st.lists(inner, max_size=4),
        st.sampled_from([", ", ",", " , ", ",\n ", ",\n", "\n, "]),
        st.sampled_from(["]", "]", ",]", " ]", "\n]"]),
    ).map(lambda t: "[" + t[1].join(t[0]) + t[2])
    pair = st.tuples(inner, st.sampled_from([": ", ":", " : ", "", ":\n "]), inner).map("".join)
    mapping = st.tuples(
        st.lists(pair, max_size=3),
        st.sampled_from([", ", ",", ",\n  "]),
        st.sampled_from(["}", " }", ",}"]),
    ).map(lambda t: "{" + t[1].join(t[0]) + t[2])
    return st.one_of(sequence, mapping)


flow_node = st.recursive(
    st.one_of(
        st.sampled_from([s.replace("\n", " ") for s in SCALARS]),
        st.text(alphabet=st.sampled_from(list("ab :,?-#'\"[]{}&*!é\n")), max_size=6),
    ),
    flow_collection,
    max_leaves=10,
)


@st.composite
def flow_documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.sampled_from(["", "  "])) + draw(
            st.sampled_from(["", "- ", "a: ", "? ", "b: "])
        )
        lines.append(start + draw(flow_node))
    return "\n".join(lines) + "\n"


@st.composite
def block_scalars(draw: st.DrawFn) -> str:
    """``|`` and ``>`` values, with every header, and lines in and out of their indentation."""
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        indent = draw(st.sampled_from([0, 0, 2, 4]))
        header = draw(
            st.sampled_from(["|", ">", "|-", ">+", "|2", ">1-", "|+", "| # c", ">  ", "|-2", "|0"])
        )
        lead = draw(st.sampled_from(["a: ", "- ", "- a: ", "? ", ""]))
        lines.append(" " * indent + lead + header)
        for _ in range(draw(st.integers(0, 5))):
            spaces = draw(st.sampled_from([0, 1, 2, 2, 3, 4]))
            content = draw(
                st.sampled_from(
                    ["x", "y z", "", "  ", "# c", "- x", "a: b", "---", "...", "'q'", '"', "é😀"]
                )
            )
            lines.append(" " * (indent + spaces) + content)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "\n  \n"]))


def corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="surrogateescape") for p in yaml_files()]
    return [t for t in texts if t.count("\n") < 400]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A file of the tests, a character or an indentation changed here and there."""
    text = draw(st.sampled_from(corpus()))
    lines = text.split("\n")
    start = draw(st.integers(0, max(0, len(lines) - 30)))
    text = "\n".join(lines[start : start + 30])
    marks = [*" \n-:#'\"[]{},&*!|>?%@`\\é", "  ", "- ", ": ", "\n  ", "? "]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["insert", "delete", "indent", "end"]))
        if change == "insert":
            text = text[:at] + draw(st.sampled_from(marks)) + text[at:]
        elif change == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        else:
            lines = text.split("\n")
            n = draw(st.integers(0, len(lines) - 1))
            if change == "indent":
                lines[n] = draw(st.sampled_from(["", " ", "  ", "   "])) + lines[n].lstrip(" ")
            else:
                lines[n] += draw(st.sampled_from([" ", ":", " #", "|", ">"]))
            text = "\n".join(lines)
    return text


@st.composite
def dumped(draw: st.DrawFn) -> str:
    """Well-formed YAML of random data, in every style PyYAML writes, maybe then damaged."""
    leaves = st.one_of(
        st.sampled_from([s for s in SCALARS if "\n" not in s]),
        st.text(max_size=20),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.dates(),
    )
    data = draw(
        st.recursive(
            leaves,
            lambda inner: st.one_of(
                st.lists(inner, max_size=4),
                st.dictionaries(
                    st.one_of(st.text(max_size=8), st.sampled_from(KEYS)), inner, max_size=4
                ),
            ),
            max_leaves=12,
        )
    )
    text = yaml.safe_dump(
        data,
        default_flow_style=draw(st.sampled_from([False, True, None])),
        allow_unicode=draw(st.booleans()),
        width=draw(st.sampled_from([20, 80, 1000])),
        indent=draw(st.sampled_from([2, 4])),
        default_style=draw(st.sampled_from([None, None, "'", '"', "|", ">"])),
        explicit_start=draw(st.booleans()),
        sort_keys=False,
    )
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(list(" \n-:#'\"[]{},&*!|>?é"))) + text[at:]
    return text


GENERATED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@GENERATED
@given(line_soup())
# what the fast path once got wrong, or might
@example("!")  # an empty value with a tag: libyaml says str, PyYAML null
@example("a: !\n")
@example("? l\n")  # the implied empty value: placed differently
@example("---\n")
@example("e: {b: }\n")
@example("a: |#\n")  # libyaml takes a comment right after the header
@example("a: &b >#\n")
@example("a: &x 1\nb: *x\n")
@example("a: &x [1, 2]\nb: *x\n")
@example("- &a x\n- *a\n")
@example("&a a: *a\n")
@example("a: [b, c]\n  d: e\n")
@example("? a\n: b\n")
@example("a: !!timestamp 2024-13-45\n")
@example("a: !!bool x\n")  # PyYAML's constructor fails (KeyError): kept as written
@example("!!int\n")  # IndexError, likewise
@example("!*!\na: 5\n")  # a tag libyaml takes and PyYAML refuses
@example("%YAML 1.3\n---\na: b\n")  # a version PyYAML takes and libyaml refuses
def test_line_soup(text: str) -> None:
    assert_same(text)
    assert_same(text, "front.md", line_offset=1)


@GENERATED
@given(flow_documents())
@example("[a?b]\n")  # in [...] PyYAML ends a plain value at a '?', libyaml does not
@example("{a?b: c}\n")
@example("[a ?b]\n")
@example("[?x]\n")
@example("[a:b, {c:d}]\n")
@example('{"a":b}\n')
def test_flow_collections(text: str) -> None:
    assert_same(text)


@GENERATED
@given(block_scalars())
def test_block_scalars(text: str) -> None:
    assert_same(text)


@GENERATED
@given(mutated())
def test_mutated_files(text: str) -> None:
    assert_same(text)


@GENERATED
@given(dumped())
def test_dumped(text: str) -> None:
    assert_same(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.printable + "éü😀\u00a0\u2028\ufeff", max_size=60))
def test_any_text(text: str) -> None:
    assert_same(text)


def test_prose_with_exclamation_marks_stays_fast() -> None:
    """A '!' that cannot be a tag does not send a file the slow way."""
    text = 'quote: "Wow! It works!"\nnote: |\n  Great! [link](https://x.org/#a!b)\n'
    assert fast_only(text) is not None
    assert_same(text)


def test_long_keys() -> None:
    """Both parsers refuse a key of more than 1,024 characters, counted alike."""
    for character in ("a", "é", "😀"):
        for length in (1023, 1024, 1025, 1026):
            key = character * length
            for text in (f"{key}: b\n", f"- '{key}': b\n", f"[{key}: b]\n", f"x:\n  {key}: b\n"):
                assert_same(text)


# --- characters the parsers read differently ------------------------------------------

PLACES = [
    "a: x{c}y\n",
    "a: 'x{c}y'\n",
    'a: "x{c}y"\n',
    "a: |\n  x{c}y\n",
    "# {c}\na: b\n",
    "{c}a: b\n",
    "a: b\n{c}",
    "a: b{c}\n",
    "- x\n-{c}y\n",
]


def suspicious_characters() -> list[str]:
    found = [chr(c) for c in range(0x110000) if BAD_CHARACTERS.match(chr(c))]
    return [*found, *yamlsource._SLOW_CHARACTERS, "\ufffe", "\uffff"]


def test_every_suspicious_character_goes_the_slow_way() -> None:
    """libyaml refuses every character the slow path treats apart, or the fast path skips it.

    A raw control character, a lone surrogate, a tab, a carriage return, a byte-order
    mark, NEL and the Unicode line separators: none reaches a tree from libyaml.
    """
    characters = suspicious_characters()
    assert len(characters) > 2000
    for character in characters:
        for place in PLACES:
            assert fast_only(place.format(c=character)) is None, (character, place)


@pytest.mark.parametrize(
    "character",
    [
        "\x00",
        "\x07",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\ud800",
        chr(0xDFFF),
        "\t",
        "\r",
        "\u2028",
        "\u2029",
        "\ufeff",
    ],
    ids=repr,
)
def test_suspicious_characters_give_the_slow_diagnostics(character: str) -> None:
    for place in PLACES:
        assert_same(place.format(c=character))


def test_escapes_of_bad_characters() -> None:
    for escape in ["\\x07", "\\0", "\\ud800", "\\udc80", "\\x85", "\\x9f", "\\e"]:
        text = f'a: "x {escape} y"\n"{escape}": b\n'
        assert_same(text)


# --- hostile files --------------------------------------------------------------------


def laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['l0: &l0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*l{level - 1}" for _ in range(width))
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def hostile() -> Iterator[object]:
    yield pytest.param(laughs(), "yaml-too-large", id="billion laughs")
    yield pytest.param(laughs(3, 3), None, id="small laughs")
    yield pytest.param("a: &a [1, *a]\n", "yaml-recursive-alias", id="recursive alias")
    yield pytest.param("a: &a {b: *a}\n", "yaml-recursive-alias", id="recursive alias in {}")
    yield pytest.param("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "yaml-too-deep", id="[ 10,000")
    yield pytest.param("a: " + "[" * 10_000 + "\n", "yaml-too-deep", id="[ 10,000 unclosed")
    yield pytest.param("a: " + "[" * 100_000 + "\n", "yaml-too-deep", id="[ 100,000 unclosed")
    yield pytest.param(
        "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", "yaml-too-deep", id="{a: 10,000"
    )
    yield pytest.param(
        "".join("  " * i + "a:\n" for i in range(100)), "yaml-too-deep", id="block 100 deep"
    )
    yield pytest.param(
        "".join(" " * i + "- \n" for i in range(2000)), "yaml-too-deep", id="items 2,000 deep"
    )
    yield pytest.param("- " * 100_000 + "x\n", "yaml-too-deep", id="- - - 100,000")
    for depth in (MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1):
        yield pytest.param("[" * depth + "]" * depth, "?", id=f"[] {depth} deep")
        yield pytest.param("[" * depth + "x" + "]" * depth, "?", id=f"[x] {depth} deep")
        yield pytest.param(
            "".join("  " * i + "a:\n" for i in range(depth)) + "  " * depth + "x\n",
            "?",
            id=f"block {depth} deep",
        )
    deep = 990
    yield pytest.param(
        "[" * deep + "a, " * 15_000 + "]" * deep, "yaml-too-deep", id="deep then wide"
    )
    yield pytest.param(
        "a: [" + "x, " * 300_000 + "]\n", "yaml-too-large", id="300,000 values in 900 kB"
    )
    yield pytest.param(
        "".join(f"k{i}: v\n" for i in range(120_000)), "yaml-too-large", id="120,000 keys"
    )
    yield pytest.param(
        "a: &a x\nb: [" + "*a, " * 5_000 + "]\n", None, id="5,000 aliases of a scalar"
    )


@pytest.mark.parametrize(("text", "code"), list(hostile()))
def test_hostile(text: str, code: str | None) -> None:
    """The slow path's diagnostic, and what the fast path costs first is small.

    The fast path's own time is what is bounded: the slow path's is the one
    tests/test_hostile_loading.py measures. The bound is loose (a timing assertion
    fails on a busy machine): it is there to catch a document composed whole before
    its limit is noticed, or a hang.
    """
    start = time.perf_counter()
    fast_only(text)
    took = time.perf_counter() - start
    result = assert_same(text)
    if code != "?":
        assert isinstance(result, tuple)
        assert [p.code for p in result[1]] == ([code] if code else [])
    assert took < 5, f"{took:.1f} s"


def test_deep_flow_nesting_is_cheap_for_libyaml() -> None:
    """The worst a small file can cost the fast path before falling back, measured.

    libyaml's scanner is slower the deeper the flow nesting, and a file under
    ``_FAST_UNCHECKED_CHARS`` is composed without the event pass first.
    """
    size = yamlsource._FAST_UNCHECKED_CHARS
    text = "[" * 990 + "a," * ((size - 2000) // 2) + "]" * 990
    assert len(text) <= size
    start = time.perf_counter()
    assert fast_only(text) is None
    assert time.perf_counter() - start < 5


# --- the conditions the fast path depends on ------------------------------------------


def test_without_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsource, "_FAST_LOADER", None)
    text = (REPO / "annotations" / "north-korean-troops-kursk.yml").read_text(encoding="utf-8")
    assert fast_only(text) is None
    assert_same(text)


def test_a_resolver_added_to_one_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver added to SafeLoader only: libyaml's loader would tag differently."""
    table = yaml.SafeLoader.yaml_implicit_resolvers
    resolvers = {first: list(pairs) for first, pairs in table.items()}
    monkeypatch.setattr(yaml.SafeLoader, "yaml_implicit_resolvers", resolvers)
    yaml.SafeLoader.add_implicit_resolver("!shout", re.compile(r"^[A-Z]+$"), list("ABCDLOU"))
    assert fast_only("a: LOUD\n") is None
    assert_same("a: LOUD\n")


def test_a_constructor_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path builds values with SafeLoader's constructors, or not at all."""
    table = dict(yaml.SafeLoader.yaml_constructors)
    table["tag:yaml.org,2002:str"] = lambda loader, node: node.value.upper()
    table["tag:yaml.org,2002:int"] = lambda loader, node: -1
    monkeypatch.setattr(yaml.SafeLoader, "yaml_constructors", table)
    text = "a: b\nc: 1\nd: 1.5\n"
    fast, problems = parse_yaml(text, "f.yml")
    assert (shape(fast), problems) == (shape(parse_yaml_slow(text, "f.yml")[0]), [])
    assert isinstance(fast, Mapping)
    assert [(k.value, v.value) for k, v in fast.entries] == [  # type: ignore[union-attr]
        ("A", "B"),
        ("C", -1),
        ("D", 1.5),
    ]


def test_garbage_collector_left_as_it_was() -> None:
    text = "a: [1, 2]\n"
    assert gc.isenabled()
    parse_yaml(text, "f.yml")
    assert gc.isenabled()
    parse_yaml("a: [1\n", "f.yml")
    assert gc.isenabled()
    gc.disable()
    try:
        parse_yaml(text, "f.yml")
        assert not gc.isenabled()
    finally:
        gc.enable()
