"""orjson writes the archive's JSON: the same text as json.dumps, and entries that come back."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from annotary.jsontext import compact, compact_bytes, parse

#: Every character a note may hold, and those it may not (C0 and C1 controls, line
#: and paragraph separators, a byte order mark, astral characters): json.dumps escapes
#: some of them, and orjson must escape exactly those.
_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\x07", "\x1f", "\x7f", "\x85", "\x9f", "\u2028", "\u2029"]),
        st.sampled_from(["\ufeff", '"', "\\", "/", "<", "\U0001f600", "\U0010ffff"]),
    ),
    max_size=30,
)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1), _TEXT)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=20,
)


def _reference(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS)
def test_compact_is_json_dumps_text(document: Any) -> None:
    assert compact(document) == _reference(document)


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS)
def test_stored_values_come_back(document: Any) -> None:
    assert parse(compact_bytes(document)) == document


def test_a_lone_surrogate_is_stored_and_read_back() -> None:
    # orjson refuses it (not UTF-8); the entry is written by json.dumps and read by json.loads
    value = {"text": "half \ud800 of a pair"}
    data = compact_bytes(value)
    assert data == b'{"text":"half \\ud800 of a pair"}'
    assert parse(data) == value


def test_keys_that_are_not_strings_are_written_as_json_dumps_does() -> None:
    assert parse(compact_bytes({1: "a", None: "b"})) == {"1": "a", "null": "b"}


def test_what_is_not_json_is_a_value_error() -> None:
    for data in (b"{", b"\xff", b"[1,]"):
        try:
            parse(data)
        except ValueError:
            continue
        raise AssertionError(f"{data!r} was read")
