"""Fuzzing: lint never breaks on any file, and highlighting never changes any text.

1. ``annotary lint`` (in process, ``annotary.cli.main``) on annotation files and
   ``sources.yml`` taken from the seed archive and mutated: fields deleted,
   duplicated, retyped, renamed; bytes truncated, inserted, overwritten; lines
   duplicated, re-indented; and on random bytes and YAML-ish noise. It must never
   raise, must exit 0 or 1, and every line it prints must be a diagnostic
   ``FILE:LINE:COLUMN: error|warning: message [code]`` or an indented hint, in
   text that can be written out as UTF-8.
2. Highlighting any set of ranges over articles of random Unicode, arbitrary
   named and numeric character references and nested inline markup (Markdown
   and raw HTML) leaves the visible text and every byte outside the marks
   unchanged and the markup well-formed, with and without decorations
   (``tests/test_highlight_properties.py`` covers a fixed vocabulary).

The runtime is bounded (about 20 s): a fixed number of examples per property,
no deadline per example (a lint takes ~40 ms, more on a busy machine).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import html.entities
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from annotary.cli import main
from annotary.highlight import Decoration, Piece, Span, highlight_html, pieces_for
from annotary.visible import extract_visible_text
from conftest import REPO
from test_highlight_properties import _config, collapse, tree_errors

SLUG = "north-korean-troops-kursk"
SEED_FILE = f"annotations/{SLUG}.yml"
SOURCES_FILE = "annotations/sources.yml"
DIAGNOSTIC = re.compile(r"^[^:]+:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$")

LINT_SETTINGS = settings(
    max_examples=70,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- Lint ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed archive, whose files each example overwrites."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs")
    shutil.copytree(REPO / "annotations", root / "annotations")
    return root


def seed(rel: str) -> str:
    return (REPO / rel).read_text(encoding="utf-8")


def lint(root: Path, rel: str, content: bytes) -> None:
    """Lint with ``content`` in place of ``rel``, check the output, put the seed back."""
    path = root / rel
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--root", str(root), "lint"])
    finally:
        path.write_text(seed(rel), encoding="utf-8")
    assert code in (0, 1)
    text = out.getvalue()
    text.encode("utf-8")  # what a terminal would get: no lone surrogate, say
    err.getvalue().encode("utf-8")
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("    ") or (not line and number and number + 1 < len(lines)):
            continue  # a hint line (or a blank line inside a hint)
        assert DIAGNOSTIC.match(line), f"not a diagnostic line: {line!r}"
    if code == 1:
        assert any(": error: " in line for line in lines)


FIELDS = [
    "id", "type", "quote", "prefix", "suffix", "note", "tags", "status", "attributed_to",
    "evidence", "speaker", "source", "url", "title", "stance", "article", "annotations",
    "qoute", "Status", "", "<script>", "id ", "\u00e9",
]  # fmt: skip
ODD_TEXT = st.sampled_from(
    [
        "", " ", "claim", "quote", "source", "supported", "false", "no", "yes", "~", "null",
        "2026-13-45", "2025-01-22", "http://", "https://[", "javascript:alert(1)", "../../x",
        "a\nb", "\u202e", "\ud800", "\x07", "\x00", "\ufeff", "\u2028", "&amp;", "<b>x</b>",
        "x" * 300, "9" * 5000, "north-korean-troops-kursk", "western-officials",
    ]
)  # fmt: skip
VALUES = st.one_of(
    ODD_TEXT,
    ODD_TEXT,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    ODD_TEXT,
    st.text(max_size=20),
    st.lists(st.one_of(ODD_TEXT, st.integers()), max_size=3),
    st.dictionaries(st.sampled_from(FIELDS), ODD_TEXT, max_size=3),
)


def _dump(data: object, draw: st.DrawFn) -> bytes:
    try:
        text = yaml.safe_dump(
            data,
            allow_unicode=draw(st.booleans()),
            sort_keys=False,
            default_flow_style=draw(st.sampled_from([False, None])),
            width=draw(st.sampled_from([80, 4096])),
        )
    except yaml.YAMLError:  # e.g. a key PyYAML cannot write
        assume(False)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_data(draw: st.DrawFn, rel: str) -> bytes:
    """The seed file parsed, changed field by field, written out again."""
    data: Any = copy.deepcopy(yaml.safe_load(seed(rel)))
    items_key = "sources" if rel == SOURCES_FILE else "annotations"
    for _ in range(draw(st.integers(1, 4))):
        items = data.get(items_key) if isinstance(data, dict) else None
        operation = draw(st.sampled_from(["delete", "retype", "add", "duplicate", "top", "swap"]))
        if not isinstance(items, list) or not items or operation == "top":
            key = draw(st.sampled_from([items_key, "article", "extra"]))
            if isinstance(data, dict) and draw(st.booleans()):
                data.pop(key, None)
            elif isinstance(data, dict):
                data[key] = draw(VALUES)
            else:
                data = draw(VALUES)
            continue
        index = draw(st.integers(0, len(items) - 1))
        item = items[index]
        if operation == "duplicate":
            items.insert(index, copy.deepcopy(item))
        elif operation == "swap":
            other = draw(st.integers(0, len(items) - 1))
            items[index], items[other] = items[other], items[index]
        elif not isinstance(item, dict) or not item:
            items[index] = draw(VALUES)
        elif operation == "delete":
            item.pop(draw(st.sampled_from(sorted(item))), None)
        elif operation == "retype":
            item[draw(st.sampled_from(sorted(item)))] = draw(VALUES)
        else:
            item[draw(st.sampled_from(FIELDS))] = draw(VALUES)
    return _dump(data, draw)


@st.composite
def mutated_bytes(draw: st.DrawFn, rel: str) -> bytes:
    """The seed file's bytes, cut, spliced and re-indented."""
    data = bytearray(seed(rel).encode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(
            st.sampled_from(["truncate", "insert", "delete", "overwrite", "line", "indent"])
        )
        at = draw(st.integers(0, len(data)))
        if operation == "truncate":
            del data[at:]
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif operation == "overwrite" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            if operation == "line":
                lines.insert(k, lines[k])  # a duplicate key, or a duplicate item line
            else:
                lines[k] = draw(st.sampled_from([b"", b" ", b"  ", b"\t", b"- "])) + lines[k]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


YAMLISH = st.lists(
    st.sampled_from(
        [
            *":-[]{}&*!|>'\"#%@`,? \n\t\\",
            *["id", "a", "quote", "é", "1", "  ", "!!python/name:x", "!!binary ", "!!int "],
            *["!ENV ", "&a ", "*a", "<<: "],
        ]
    ),
    max_size=200,
).map("".join)


def edited(rel: str, old: str, new: str) -> tuple[str, bytes]:
    text = seed(rel)
    assert old in text
    return rel, text.replace(old, new, 1).encode("utf-8")


@LINT_SETTINGS
@given(
    st.sampled_from([SEED_FILE, SOURCES_FILE]).flatmap(
        lambda rel: st.tuples(st.just(rel), mutated_data(rel))
    )
)
# Found by fuzzing once, kept: values and keys that a message quotes.
@example(edited(SEED_FILE, "status: supported", 'status: "a\\nb"'))
@example(edited(SEED_FILE, "type: claim", 'type: "\\ud800"'))
@example(edited(SEED_FILE, "    status: supported", '    status: supported\n    "x\\ny": 1'))
@example(edited(SEED_FILE, "article: north-korean-troops-kursk", "article: " + "x" * 50_000))
@example(edited(SOURCES_FILE, "kind: person", 'kind: "per\\x07son"'))
@example(edited(SEED_FILE, "type: claim", "type: !!python/name:os.system claim"))
def test_lint_survives_mutated_fields(archive: Path, case: tuple[str, bytes]) -> None:
    lint(archive, *case)


@LINT_SETTINGS
@given(
    st.sampled_from([SEED_FILE, SOURCES_FILE]).flatmap(
        lambda rel: st.tuples(st.just(rel), mutated_bytes(rel))
    )
)
def test_lint_survives_mutated_bytes(archive: Path, case: tuple[str, bytes]) -> None:
    lint(archive, *case)


@settings(LINT_SETTINGS, max_examples=60)
@given(st.one_of(st.binary(max_size=400), YAMLISH.map(lambda t: t.encode("utf-8"))))
def test_lint_survives_random_files(archive: Path, content: bytes) -> None:
    lint(archive, SEED_FILE, content)


# --- Highlighting ----------------------------------------------------------------------

#: Characters that are text in Markdown wherever they stand (no syntax, no markup).
PLAIN = st.characters(
    blacklist_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp"),
    blacklist_characters="\\`*_{}[]()<>#+-.!|&~^=$:\"'%",
)
#: References to one code point: one to two (``&nges;``) goes whole to the first piece
#: when a range boundary falls inside it (tests/test_highlight.py pins that rule).
NAMED = sorted(n for n, c in html.entities.html5.items() if n.endswith(";") and len(c) == 1)
CODE_POINTS = st.integers(0x20, 0x10FFFF).filter(
    lambda c: not (0x7F <= c <= 0x9F or 0xD800 <= c <= 0xDFFF or c & 0xFFFE == 0xFFFE)
)


@st.composite
def token(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "text", "text", "named", "decimal", "hex", "escaped"]))
    if kind == "named":
        return "&" + draw(st.sampled_from(NAMED))
    if kind == "decimal":
        return f"&#{draw(CODE_POINTS)};"
    if kind == "hex":
        return f"&#x{draw(CODE_POINTS):X};"
    if kind == "escaped":
        return draw(st.sampled_from(["\\*", "\\_", "\\[", "&lt;", "&gt;", "&amp;", "\\`"]))
    return draw(st.text(PLAIN, min_size=1, max_size=8))


@st.composite
def inline(draw: st.DrawFn, depth: int = 0) -> str:
    """Words, character references and inline markup nested up to three deep."""
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        words = " ".join(draw(st.lists(token(), min_size=1, max_size=3)))
        wrap = draw(st.sampled_from(["", "", "em", "strong", "code", "link", "html"]))
        if depth >= 3 or not wrap:
            parts.append(words)
        elif wrap == "code":
            parts.append(f"`{words}`")
        else:
            inner = draw(inline(depth + 1)) if draw(st.booleans()) else words
            if wrap == "em":
                parts.append(f"*{inner}*")
            elif wrap == "strong":
                parts.append(f"**{inner}**")
            elif wrap == "link":
                parts.append(f"[{inner}](https://example.org/x)")
            else:
                tag = draw(st.sampled_from(["span", "sup", "sub", "b", "i", "q", "small", "abbr"]))
                attr = ' title="a &amp; b"' if tag == "abbr" else ""
                parts.append(f"<{tag}{attr}>{inner}</{tag}>")
        parts.append(draw(st.sampled_from([" ", " ", "<br>", ' <img alt="x" src="x.png"> '])))
    return "".join(parts).strip()


@st.composite
def article(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["p", "p", "h", "ul", "quote"]))
        text = draw(inline())
        blocks.append(
            {"p": text, "h": f"## {text}", "ul": f"- {text}\n- {text}", "quote": f"> {text}"}[kind]
        )
    return "\n\n".join(blocks) + "\n"


@st.composite
def spans_over(draw: st.DrawFn, size: int) -> list[Span]:
    spans = []
    for number in range(draw(st.integers(1, 10))):
        start = draw(st.integers(0, size - 1))
        end = draw(st.integers(start + 1, min(size, start + draw(st.sampled_from([3, 20, size])))))
        spans.append(Span(start, end, f"k{number}"))
    return spans


ADDED = re.compile(
    r'<span class="annotary-target" id="[^"]*"></span>|<mark [^>]*>|</mark>'
    r'|<span class="after"[^>]*></span>'
)


def decorate(piece: Piece) -> Decoration:
    after = "".join(f'<span class="after" data-k="{k}"></span>' for k in piece.last)
    return Decoration(("x",), (("data-first", " ".join(piece.first)),), after)


@st.composite
def html_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    html_in = _config().render(draw(article()))
    assume(tree_errors(html_in) == [])  # the renderer's input is well-formed
    size = len(extract_visible_text(html_in).text)
    assume(size > 0)
    return html_in, draw(spans_over(size))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_and_spans())
def test_highlighting_keeps_any_text(case: tuple[str, list[Span]]) -> None:
    html_in, spans = case
    visible = extract_visible_text(html_in)
    for decorator in (None, decorate):
        out = highlight_html(html_in, visible, spans, decorate=decorator)
        assert extract_visible_text(out).text == visible.text
        assert ADDED.sub("", out) == html_in
        assert tree_errors(out) == []
        assert "></mark>" not in out
        texts = pieces_for(out, block_separator=" ")  # each key gets exactly its text
        for key in dict.fromkeys(span.key for span in spans):
            expected = " ".join(
                collapse(visible.text[s.start : s.end]) for s in spans if s.key == key
            )
            assert collapse(texts.get(key, "")) == collapse(expected), key


def test_a_range_inside_a_two_code_point_reference_keeps_its_mark() -> None:
    """Found by fuzzing: ``y`` lies wholly in ``&nges;`` (two code points), after ``x``
    which ends in it. The reference goes whole to ``x``'s piece, and carries ``y`` too."""
    html_in = "<p>a &nges; b</p>"
    visible = extract_visible_text(html_in)
    out = highlight_html(html_in, visible, [Span(0, 3, "x"), Span(3, 4, "y")])
    assert ADDED.sub("", out) == html_in
    assert tree_errors(out) == []
    assert out.count('id="y"') == 1
    nges = html.unescape("&nges;")
    assert len(nges) == 2
    assert pieces_for(out) == {"x": "a " + nges, "y": nges}


def test_the_strategies_reach_what_they_should() -> None:
    """Guards the guards: the generators produce the inputs the docstring promises."""
    assert datetime.date  # dates are among the retyped values (st.dates)
    sample = _config().render("&#x1F600; &eacute; *a **b `c`** d* <sup>e</sup>\n")
    assert "😀" in extract_visible_text(sample).text
    assert "<em>a <strong>b <code>c</code></strong> d</em>" in sample
