"""``element_ids``: the ids of a page, for MkDocs' checks of links to ``page#id``."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from annotary.markup import element_ids

#: What the function stands in for (the pattern both the plugin and the pages used).
REFERENCE = re.compile(r'\sid="([^"]+)"')


def test_ids_after_whitespace_in_order() -> None:
    html = '<p id="a">x</p>\n<span\tid="b"></span><h2 class="c" id="c-1">'
    assert element_ids(html) == ["a", "b", "c-1"]


def test_attributes_that_end_in_id_are_not_ids() -> None:
    html = '<mark data-id="not-this" id="this"><a href="#x" aria-describedby="no">'
    assert element_ids(html) == ["this"]


def test_an_id_inside_a_refused_value_is_found_as_the_pattern_finds_it() -> None:
    # unbalanced quotes: the reference pattern goes on inside "data-id"'s value
    html = '<x data-id="a id="b">'
    assert element_ids(html) == REFERENCE.findall(html) == ["b"]


def test_empty_values_and_the_start_of_the_text() -> None:
    assert element_ids('id="first" id="" id="x"') == REFERENCE.findall('id="first" id="" id="x"')
    assert element_ids("") == []


@given(st.text(alphabet=' \n\t\u00a0-="idxa<>', max_size=60))
def test_same_as_the_pattern_on_any_text(html: str) -> None:
    assert element_ids(html) == REFERENCE.findall(html)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", " ", "\n", "-", "data-", "x"]),
            st.text(alphabet='ab "-', max_size=6),
        ),
        max_size=8,
    )
)
def test_same_as_the_pattern_on_attribute_soup(parts: list[tuple[str, str]]) -> None:
    html = "".join(f'{before}id="{value}"' for before, value in parts)
    assert element_ids(html) == REFERENCE.findall(html)
