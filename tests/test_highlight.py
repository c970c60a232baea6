"""Highlighting ranges of visible text in HTML: exact output on small cases."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from annotary.highlight import Span, highlight_html, pieces_for
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.visible import VisibleText, extract_visible_text

MKDOCS_YML = Path(__file__).resolve().parents[1] / "mkdocs.yml"
INSERTED = re.compile(r'<span class="annotary-target" id="[^"]*"></span>|<mark [^>]*>|</mark>')


@cache
def _config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(MKDOCS_YML)


def span(visible: VisibleText, quote: str, key: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = visible.text.index(quote, start + 1)
    return Span(start, start + len(quote), key)


def highlight(html: str, *quotes: tuple[str, str]) -> str:
    """Highlight each (quote, key) at its first occurrence, checking the invariants."""
    visible = extract_visible_text(html)
    out = highlight_html(html, visible, [span(visible, q, k) for q, k in quotes])
    assert INSERTED.sub("", out) == html, "only marks and targets are added"
    assert extract_visible_text(out).text == visible.text
    return out


def mark(keys: str, text: str) -> str:
    return f'<mark class="annotary" data-annotations="{keys}">{text}</mark>'


def target(key: str) -> str:
    return f'<span class="annotary-target" id="{key}"></span>'


def test_single_span() -> None:
    out = highlight("<p>They are cannon fodder, he said.</p>", ("cannon fodder", "q"))
    assert out == f"<p>They are {target('q')}{mark('q', 'cannon fodder')}, he said.</p>"


def test_span_across_emphasis_is_cut_at_the_tags() -> None:
    out = highlight("<p>a very <em>big</em> claim</p>", ("very big cl", "c"))
    assert out == (
        f"<p>a {target('c')}{mark('c', 'very ')}<em>{mark('c', 'big')}</em>"
        f"{mark('c', ' cl')}aim</p>"
    )


def test_span_across_a_link_inside_a_word() -> None:
    out = highlight('<p>un<a href="#x">believ</a>able</p>', ("nbelieva", "w"))
    assert pieces_for(out) == {"w": "nbelieva"}
    assert f'<a href="#x">{mark("w", "believ")}</a>' in out


def test_span_across_paragraphs_skips_the_white_space_between_blocks() -> None:
    out = highlight("<p>end of one.</p>\n<p>Start of two</p>", ("one. Start", "x"))
    assert out == (
        f"<p>end of {target('x')}{mark('x', 'one.')}</p>\n<p>{mark('x', 'Start')} of two</p>"
    )
    assert pieces_for(out, block_separator=" ") == {"x": "one. Start"}


def test_span_across_a_heading_leaves_its_permalink_alone() -> None:
    html = _config().render("## Title\n\nBody text")
    out = highlight(html, ("Title Body", "h"))
    permalink = html[html.index('<a class="headerlink"') : html.index("</a>") + 4]
    assert permalink in out
    assert "<mark" not in permalink
    assert pieces_for(out, block_separator=" ") == {"h": "Title Body"}


def test_nested_spans() -> None:
    out = highlight("<p>one two three four</p>", ("one two three four", "outer"), ("two", "in"))
    assert out == (
        f"<p>{target('outer')}{mark('outer', 'one ')}{target('in')}{mark('outer in', 'two')}"
        f"{mark('outer', ' three four')}</p>"
    )


def test_keys_are_listed_in_the_order_the_spans_were_given() -> None:
    out = highlight("<p>one two three</p>", ("two", "inner"), ("one two three", "outer"))
    assert mark("inner outer", "two") in out
    assert out.index(target("outer")) < out.index(target("inner"))


def test_crossing_spans() -> None:
    out = highlight("<p>alpha beta gamma</p>", ("alpha beta", "a"), ("beta gamma", "b"))
    assert out == (
        f"<p>{target('a')}{mark('a', 'alpha ')}{target('b')}{mark('a b', 'beta')}"
        f"{mark('b', ' gamma')}</p>"
    )
    assert pieces_for(out) == {"a": "alpha beta", "b": "beta gamma"}


def test_identical_spans_share_one_mark() -> None:
    out = highlight("<p>same words</p>", ("same", "x"), ("same", "y"))
    assert out == f"<p>{target('x')}{target('y')}{mark('x y', 'same')} words</p>"


def test_adjacent_spans() -> None:
    out = highlight("<p>leftright</p>", ("left", "l"), ("right", "r"))
    assert out == f"<p>{target('l')}{mark('l', 'left')}{target('r')}{mark('r', 'right')}</p>"


def test_spans_at_the_start_and_end_of_the_text() -> None:
    out = highlight("\n<p>First word and last</p>\n", ("First", "s"), ("last", "e"))
    assert out == (
        f"\n<p>{target('s')}{mark('s', 'First')} word and {target('e')}{mark('e', 'last')}</p>\n"
    )


def test_whole_text() -> None:
    html = "<h1>T</h1>\n<p>a <em>b</em></p>\n"
    out = highlight(html, ("T a b", "all"))
    assert pieces_for(out, block_separator=" ") == {"all": "T a b"}


def test_entities_are_never_split() -> None:
    out = highlight("<p>Tom &amp; Jerry&#8217;s</p>", ("& Jerry’", "e"))
    assert out == f"<p>Tom {target('e')}{mark('e', '&amp; Jerry&#8217;')}s</p>"
    assert pieces_for(out) == {"e": "& Jerry’"}


def test_a_reference_to_two_code_points_goes_whole_to_the_first_piece() -> None:
    html = "<p>a &NotEqualTilde; b</p>"
    visible = extract_visible_text(html)
    out = highlight_html(html, visible, [Span(2, 3, "x"), Span(3, 6, "y")])
    assert (
        out == f"<p>a {target('x')}{mark('x', '&NotEqualTilde;')}{target('y')}{mark('y', ' b')}</p>"
    )


def test_collapsed_white_space_goes_with_the_piece_it_is_inside() -> None:
    out = highlight("<p>a  \n  b c</p>", ("a b", "x"))
    assert out == "<p>" + target("x") + mark("x", "a  \n  b") + " c</p>"


def test_collapsed_white_space_between_different_pieces_is_left_out() -> None:
    out = highlight("<p>a   b</p>", ("a ", "x"), ("b", "y"))
    assert out == f"<p>{target('x')}{mark('x', 'a ')}  {target('y')}{mark('y', 'b')}</p>"


def test_lists_do_not_get_marks_between_items() -> None:
    html = _config().render("- one\n- two\n- three\n")
    out = highlight(html, ("one two thr", "l"))
    assert out == (
        f"<ul>\n<li>{target('l')}{mark('l', 'one')}</li>\n<li>{mark('l', 'two')}</li>\n"
        f"<li>{mark('l', 'thr')}ee</li>\n</ul>"
    )


def test_white_space_between_inline_elements_is_marked() -> None:
    out = highlight("<p><em>a</em> <b>b</b></p>", ("a b", "x"))
    assert (
        out
        == f"<p><em>{target('x')}{mark('x', 'a')}</em>{mark('x', ' ')}<b>{mark('x', 'b')}</b></p>"
    )


def test_white_space_next_to_a_nested_block_is_not_marked() -> None:
    out = highlight("<li>\n<p>a</p>\n<p>b</p>\n</li>", ("a b", "x"))
    assert out == f"<li>\n<p>{target('x')}{mark('x', 'a')}</p>\n<p>{mark('x', 'b')}</p>\n</li>"


def test_line_breaks_keep_the_highlight_continuous() -> None:
    out = highlight("<p>one<br />\ntwo</p>", ("one two", "x"))
    assert out == "<p>" + target("x") + mark("x", "one") + "<br />" + mark("x", "\ntwo") + "</p>"
    assert pieces_for(out, block_separator=" ") == {"x": "one \ntwo"}


def test_table_cells() -> None:
    html = _config().render("| a | b |\n|---|---|\n| 1 | 2 |\n")
    out = highlight(html, ("b 1", "t"))
    assert out.count("<mark") == 2
    assert pieces_for(out, block_separator=" ") == {"t": "b 1"}


def test_keys_and_class_are_escaped() -> None:
    html = "<p>text</p>"
    visible = extract_visible_text(html)
    out = highlight_html(html, visible, [Span(0, 4, 'a"<b>')], css_class="hl")
    assert out == (
        '<p><span class="hl-target" id="a&quot;&lt;b&gt;"></span>'
        '<mark class="hl" data-annotations="a&quot;&lt;b&gt;">text</mark></p>'
    )
    assert pieces_for(out, css_class="hl") == {'a"<b>': "text"}


def test_one_key_in_two_places_gets_one_target() -> None:
    html = "<p>x y x</p>"
    visible = extract_visible_text(html)
    out = highlight_html(html, visible, [Span(0, 1, "k"), Span(4, 5, "k")])
    assert out == f"<p>{target('k')}{mark('k', 'x')} y {mark('k', 'x')}</p>"


def test_no_spans_returns_the_html_unchanged() -> None:
    html = "<p>a</p>"
    assert highlight_html(html, extract_visible_text(html), []) is html


def test_visible_text_without_runs_is_accepted() -> None:
    html = "<p>a <em>b</em></p>"
    full = extract_visible_text(html)
    bare = VisibleText(full.text, full.starts, full.ends)
    spans = [Span(0, 3, "x")]
    assert highlight_html(html, bare, spans) == highlight_html(html, full, spans)


@pytest.mark.parametrize(("start", "end"), [(2, 2), (3, 1), (-1, 2), (0, 4), (5, 6)])
def test_invalid_spans_are_rejected(start: int, end: int) -> None:
    html = "<p>abc</p>"
    with pytest.raises(ValueError, match=r"not in 0\.\.3"):
        highlight_html(html, extract_visible_text(html), [Span(start, end, "k")])


@pytest.mark.parametrize("key", ["", "two words", "tab\there"])
def test_keys_that_cannot_be_ids_are_rejected(key: str) -> None:
    html = "<p>abc</p>"
    with pytest.raises(ValueError, match="empty key or one with spaces"):
        highlight_html(html, extract_visible_text(html), [Span(0, 1, key)])
