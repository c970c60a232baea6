"""The quickest YAML reader (``annotary.yamlblock``) gives libyaml's tree, or gives up.

``parse_yaml`` first reads a document line by line (:func:`parse_block`), and only
when that gives up composes it with libyaml, then, if needed, with PyYAML's
pure-Python parser. Whatever tree the line reader gives must be the one the other
two give: the same types, values, styles, lines and columns. Checked here on
the repo's files and on ``scripts/bench``'s generated archive (every one of which
must be read line by line, or the reader would be silently off), on documents
generated in its own part of YAML and written loosely (indentation, comments,
blank lines, every kind of value, damaged here and there), and on what it must
leave to the others. ``tests/test_yaml_fast_path.py`` compares ``parse_yaml``
(this reader first) with the slow path on its own documents too.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from annotary import yamlsource
from annotary.validate import split_front_matter
from annotary.yamlblock import parse_block
from conftest import REPO
from test_plainmarkdown import generated_archive
from test_yaml_fast_path import SCALARS, assert_same, shape

pytestmark = pytest.mark.skipif(
    getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML was built without libyaml"
)


def line_read(text: str, line_offset: int = 0) -> object:
    """The line reader's tree, or None where it gives up or may not read the text."""
    if not yamlsource._fast_may_read(text):
        return None
    return shape(parse_block(text, "f.yml", line_offset))


def libyaml_read(text: str, line_offset: int = 0) -> object:
    result = yamlsource._parse_libyaml(text, "f.yml", line_offset)
    assert result is not None, text
    assert result[1] == [], text
    return shape(result[0])


def check(text: str, line_offset: int = 0) -> bool:
    """The reader's tree is libyaml's and the slow path's; whether it read the text."""
    read = line_read(text, line_offset)
    if read is not None:
        assert read == libyaml_read(text, line_offset), text
    assert_same(text, "f.yml", line_offset)
    return read is not None


# --- the files it is for ----------------------------------------------------------------


def test_the_repos_files_are_read_line_by_line() -> None:
    """Every annotation file, the sources and every article's front matter of the repo."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "annotations").glob("*.yml"))]
    assert len(texts) >= 2  # an article's annotations and the sources
    for text in texts:
        assert check(text), text[:200]
    for path in sorted((REPO / "docs" / "articles").glob("*.md")):
        front_matter = split_front_matter(path.read_text(encoding="utf-8")).front_matter
        assert front_matter is not None
        assert check(front_matter, line_offset=1), path.name


def test_the_bench_archive_is_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated_archive(tmp_path, monkeypatch, articles=60, seed=11)
    files = sorted((tmp_path / "annotations").glob("*.yml"))
    assert len(files) == 61  # and the sources
    for path in files:
        assert check(path.read_text(encoding="utf-8")), path.name
    for path in sorted((tmp_path / "docs" / "articles").glob("*.md")):
        front_matter = split_front_matter(path.read_text(encoding="utf-8")).front_matter
        assert front_matter is not None
        assert check(front_matter, line_offset=1), path.name


def test_the_tests_yaml_files_agree() -> None:
    """The schema corpus and fixtures: some are read here, none differently."""
    read = 0
    paths = sorted({*(REPO / "tests").rglob("*.yml"), *(REPO / "tests").rglob("*.yaml")})
    for path in paths:
        read += check(path.read_bytes().decode("utf-8", "surrogateescape"))
    assert read > len(paths) // 2


# --- what it leaves to libyaml ----------------------------------------------------------

LEFT = [
    "a: b\n  c\n",  # a plain value over two lines
    "a:\n  b\n",  # a plain value on the next line
    "a: b # comment\n",
    'a: "b" # comment\n',
    "a: 'it''s' # c\n",
    "a: |+\n  kept\n\n",
    "a: >\n  folded\n",
    "a: |2\n   x\n",
    "a: |\n\n  blank first\n",
    "a: |\n  x\n   \n  y\n",  # spaces past the indentation on a blank line
    "a: |\n  no line break at the end",
    'a: "\\n"\n',
    'a: "\\x41"\n',
    'a: "multi\n  line"\n',
    "a: 'multi\n  line'\n",
    "a:\n",
    "a:\nb: c\n",
    "a: b\na: c\n",  # a repeated key: the slow path says so
    "true: x\n",
    "null: x\n",
    "a: &x b\n",
    "a: *x\n",
    "a: -1\n",
    "a: - b\n",
    "- - a\n",
    "-\n  a: b\n",
    "? a\n: b\n",
    "a: {b: c}\n",
    "a: [b: c]\n",
    "a: ['q']\n",
    "a: [b, ]\n",
    "a: [b, [c]]\n",
    "a: [b] c\n",
    "a: b: c\n",
    "a: b:\n",
    "a:b\n",
    "a : b\n",
    "'a': b\n",
    "---\na: b\n",
    "a: b\n...\n",
    "a: b\n---\nc: d\n",
    "plain\n",
    "  a: b\n",
    "a:\n    b: c\n  d: e\n",
    "a: b\n c: d\n",
    "- a\nb: c\n",
    "a: <<\n",
    "<<: x\n",
    "x" * 1100 + ": b\n",
    "a: \u0007\n",
    "# only a comment\n",
    "",
    # nested past the limits: the slow path says how deep is too deep
    "".join(" " * depth + f"k{depth}:\n" for depth in range(80)) + " " * 80 + "x: y\n",
    "".join(" " * (2 * depth) + "- a:\n" for depth in range(70)) + " " * 142 + "b: c\n",
]


@pytest.mark.parametrize("text", LEFT)
def test_what_it_leaves_to_libyaml(text: str) -> None:
    assert line_read(text) is None
    assert_same(text)


READ = [
    "a: b\n",
    "a: b",  # no line break at the end
    "# a comment first\na: b   \n\n\n",
    'a: "b \\" c \\\\ d \\/"\n',
    "a: 'it''s'\n",
    'a: []\nb: [x, "y z", 2024-01-01, 12, yes]\n',
    "a: |\n  x\n\n    y\n  # not a comment\n\nb: |-\n  z\n",
    "a:\n- b\n- c: d\n  e: f\n",
    "a:\n  # a comment before\n  - b\n",
    "- a\n- b: c\n  d:\n    - |\n      e\n",
    "a: false\nb: 2024-05-01\nc: ~\nd: 1.5\ne: 0x1F\nf: 2024-13-45\n",
    "a: http://example.org/a?b=c&d=e#f\nb: a#b\nc: x:y\n",
    "a: b\n   # a comment deeper\nc: d\n",
]


@pytest.mark.parametrize("text", READ)
def test_what_it_reads(text: str) -> None:
    assert check(text)


# --- generated documents ----------------------------------------------------------------

#: Values on one line: most in the reader's part of YAML, some just outside it.
VALUES = [s for s in SCALARS if "\n" not in s and s] + [
    '"told the BBC"',
    '"he said \\"no\\""',
    '"a \\\\ b \\/ c"',
    '"\\t"',
    "'it''s'",
    "''",
    '""',
    "[a, b]",
    "[]",
    '["a b", c]',
    "[a , b ]",
    "[yes, 1, 2024-01-01]",
    "[a#b]",
    "[ a]",
    "a, b [c] {d}",
    "x [y]",
    "“curly” quotes’",
    "trailing spaces   ",
    "a :b",
]
#: Values it reads: most of those drawn, so that a good share of documents is read here.
GOOD = [
    "told the BBC",
    "claim",
    "2024-01-01",
    "false",
    "12",
    "https://example.org/a?b=c",
    "x:y",
    "a#b",
    "“curly” quotes’",
    '"told the BBC"',
    '"he said \\"no\\""',
    "'it''s'",
    "[a, b]",
    "[]",
    '["a b", c]',
]
#: Keys YAML reads as text, and those it reads as something else (left to the others).
TEXT_KEYS = ["id", "type", "quote", "note", "a", "b_c", "x-y", "_", "k1"]
ODD_KEYS = ["on", "Null", "true"]
BLOCK_LINES = ["x", "y z", "", "# not a comment", "- x", "a: b", "  deeper", "é😀"]


def _value(r: random.Random, indent: int, depth: int, lines: list[str], lead: str) -> None:
    """A value after ``lead`` (``key:`` or ``-``, already indented), and its lines."""
    step = r.choice([1, 2, 2, 4])
    kind = r.random()
    if depth > 3 or kind < 0.55:
        value = r.choice(GOOD if r.random() < 0.9 else VALUES)
        lines.append(lead + r.choice([" ", " ", "  "]) + value)
    elif kind < 0.7:
        header = r.choice([" |", " |-", " | "] if r.random() < 0.9 else [" |+", " >", " |1"])
        lines.append(lead + header)
        for _ in range(r.randint(0, 4)):
            extra = r.choice([0, 2, 2, 2, 3])
            content = r.choice(BLOCK_LINES)
            lines.append(" " * (indent + extra) + content if content else "")
    elif kind < 0.85:
        lines.append(lead)
        _mapping(r, indent + step, depth + 1, lines)
    else:
        lines.append(lead)
        same = lead.rstrip().endswith(":") and r.random() < 0.4  # a sequence in line
        _sequence(r, indent if same else indent + step, depth + 1, lines)


def _mapping(
    r: random.Random, indent: int, depth: int, lines: list[str], item: str | None = None
) -> None:
    """A mapping whose keys are at ``indent``; the first after ``item`` (``-`` and
    spaces) when it is a sequence's item."""
    keys = r.sample(TEXT_KEYS if r.random() < 0.9 else TEXT_KEYS + ODD_KEYS, r.randint(1, 4))
    if r.random() < 0.05:
        keys.append(keys[0])  # repeated
    for number, key in enumerate(keys):
        if number == 0 and item is not None:
            lead = item
        else:
            _noise(r, indent, lines)
            lead = " " * indent
        _value(r, indent + 2, depth, lines, lead + key + ":")


def _sequence(r: random.Random, indent: int, depth: int, lines: list[str]) -> None:
    for _ in range(r.randint(1, 3)):
        _noise(r, indent, lines)
        if depth < 4 and r.random() < 0.5:  # an item that is a mapping
            gap = r.choice([1, 1, 2])
            item = " " * indent + "-" + " " * gap
            _mapping(r, indent + 1 + gap, depth + 1, lines, item)
        else:
            _value(r, indent + 2, depth, lines, " " * indent + "-")


def _noise(r: random.Random, indent: int, lines: list[str]) -> None:
    if r.random() < 0.15:
        lines.append(" " * r.choice([0, indent, indent + 2]) + r.choice(["# c", "#", "# x: y"]))
    if r.random() < 0.1:
        lines.append(" " * r.choice([0, 1, indent]))


def block_document(r: random.Random) -> str:
    """A document of the reader's part of YAML, written loosely, maybe damaged."""
    lines: list[str] = []
    if r.random() < 0.2:
        lines.append("# a file")
    if r.random() < 0.8:
        _mapping(r, 0, 0, lines)
    else:
        _sequence(r, 0, 0, lines)
    for _ in range(r.choice([0, 0, 0, 0, 0, 1, 2])):  # damage
        at = r.randrange(len(lines))
        line = lines[at]
        cut = r.randint(0, len(line))
        lines[at] = line[:cut] + r.choice([" ", "", ":", " #", "- ", "'", '"', "  "]) + line[cut:]
    return "\n".join(lines) + r.choice(["\n", "\n", "", "\n\n", "\n  \n"])


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.randoms(use_true_random=False))
@example(random.Random(1))
def test_generated_documents(r: random.Random) -> None:
    check(block_document(r))


def test_generated_documents_are_mostly_read_here() -> None:
    """The generator is not all fallbacks: a good share is read line by line, and agrees."""
    r = random.Random(7)
    read = sum(check(block_document(r)) for _ in range(400))
    assert read > 100


def test_a_resolver_added_later_is_honoured() -> None:
    """What the reader remembers of how values resolve is forgotten when the resolvers
    change (here one added in place to the table SafeLoader and libyaml's loader share)."""
    text = "type: claim\nclaim: x\n"
    assert check(text)
    table = yaml.SafeLoader.yaml_implicit_resolvers
    added = ("tag:yaml.org,2002:null", re.compile(r"^claim$"))
    table.setdefault("c", []).append(added)
    try:
        assert line_read(text) is None  # a key that is not text: left to the others
        assert shape(parse_block("type: claim\n", "f.yml", 0)) == libyaml_read("type: claim\n")
    finally:
        table["c"].remove(added)
        if not table["c"]:
            del table["c"]
    assert check(text)
