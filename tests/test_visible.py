"""The visible text of rendered articles, and the source offsets of its characters."""

from __future__ import annotations

import html as htmllib
import pickle
import random
from functools import cache
from pathlib import Path

import pytest

from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.visible import VisibleText, extract_visible_text, text_runs

MKDOCS_YML = Path(__file__).resolve().parents[1] / "mkdocs.yml"


@cache
def _config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(MKDOCS_YML)


def render(markdown: str) -> str:
    """Render as the site does (toc permalinks, attr_list, footnotes, tables...)."""
    return _config().render(markdown)


def check_offsets(html: str, visible: VisibleText) -> None:
    """Each visible character comes from the HTML characters its offsets point at."""
    assert len(visible.starts) == len(visible.ends) == len(visible.text)
    previous_end = 0
    for char, start, end in zip(visible.text, visible.starts, visible.ends, strict=True):
        assert previous_end <= start <= end <= len(html)
        previous_end = start  # several characters may share one entity reference
        source = html[start:end]
        if start == end:
            assert char == " ", "only a block-boundary space has no source"
        elif char == " ":
            assert htmllib.unescape(source).isspace()
        else:
            assert char in htmllib.unescape(source)
            assert source == char or source.startswith("&")


def visible(markdown: str) -> str:
    html = render(markdown)
    result = extract_visible_text(html)
    check_offsets(html, result)
    return result.text


def test_paragraphs_are_separated_by_one_space() -> None:
    assert (
        visible("First  paragraph.\n\nSecond\nparagraph.\n") == "First paragraph. Second paragraph."
    )


def test_emphasis_inside_a_word_does_not_separate_it() -> None:
    assert visible("un*believ*able **bold** and *it\n  alic*") == "unbelievable bold and it alic"


def test_links_keep_their_text_only() -> None:
    assert visible('See [the report](https://example.org "Title") now.') == "See the report now."


def test_entities_are_decoded_and_map_to_the_whole_reference() -> None:
    html = "<p>A &amp; B &#8217;s &#x2019; &para; &lt;tag&gt; caf&eacute;</p>"
    result = extract_visible_text(html)
    assert result.text == "A & B ’s ’ ¶ <tag> café"
    check_offsets(html, result)
    amp = result.text.index("&")
    assert html[result.starts[amp] : result.ends[amp]] == "&amp;"
    assert html[result.starts[-1] : result.ends[-1]] == "&eacute;"


def test_legacy_references_without_semicolon_decode_like_a_browser() -> None:
    result = extract_visible_text("<p>&copy 2025 &notit; &unknown; &#169</p>")
    assert result.text == "© 2025 ¬it; &unknown; ©"


def test_markdown_entities_and_curly_quotes() -> None:
    assert visible("Tom &amp; Jerry’s “show” &mdash; it's &#8220;fine&#8221;") == (
        "Tom & Jerry’s “show” — it's “fine”"
    )


def test_heading_permalink_is_not_visible() -> None:
    html = render("## Kursk &amp; beyond\n\nText.")
    assert 'class="headerlink"' in html
    assert extract_visible_text(html).text == "Kursk & beyond Text."


def test_annotary_skip_class_hides_an_element() -> None:
    html = '<p>Kept <span class="x annotary-skip">hidden <b>too</b></span>kept.</p>'
    assert extract_visible_text(html).text == "Kept kept."


def test_attr_list_can_mark_a_paragraph_to_skip() -> None:
    assert visible("Kept.\n\nEditor's note.\n{: .annotary-skip }\n\nKept too.") == "Kept. Kept too."


def test_a_reference_to_two_code_points_gives_both_the_same_span() -> None:
    html = "<p>a &NotEqualTilde; b</p>"
    result = extract_visible_text(html)
    assert result.text == "a \u2242\u0338 b"
    assert result.starts[2:4] == (5, 5)
    assert result.ends[2:4] == (20, 20)


def test_lists_separate_items() -> None:
    assert visible("Intro:\n\n- one\n- *two*\n    - nested\n\n1. first\n2. second") == (
        "Intro: one two nested first second"
    )


def test_blockquote() -> None:
    assert visible("Before\n\n> Quoted\n> text.\n\nAfter") == "Before Quoted text. After"


def test_table_cells_are_separated() -> None:
    assert visible("| a | b |\n|---|---|\n| 1 | *2* |\n") == "a b 1 2"


def test_cells_without_white_space_still_separate() -> None:
    result = extract_visible_text("<table><tr><td>1</td><td>2</td></tr></table>")
    assert result.text == "1 2"
    assert result.starts[1] == result.ends[1], "a block boundary has no source character"


def test_code_is_visible_and_its_white_space_collapsed() -> None:
    assert visible("Use `x  =  1` here.\n\n```\ndef f():\n    return 1\n```\n") == (
        "Use x = 1 here. def f(): return 1"
    )


def test_line_break_separates_words() -> None:
    html = "<p>one<br>two<br />three</p>"
    result = extract_visible_text(html)
    assert result.text == "one two three"
    assert result.starts[3] == result.ends[3]
    check_offsets(html, result)
    assert visible("one  \ntwo") == "one two"


def test_non_breaking_space_is_kept() -> None:
    result = extract_visible_text("<p>10&nbsp;km and 5\u00a0m</p>")
    assert result.text == "10\u00a0km and 5\u00a0m"


def test_unicode_spaces_are_characters_not_white_space() -> None:
    assert extract_visible_text("<p>a\u2009 b\u3000\tc</p>").text == "a\u2009 b\u3000 c"


def test_script_style_and_template_are_skipped() -> None:
    html = (
        "<p>a</p><script>if (a < b) { x = '<p>no</p>'; }</script>"
        "<style>p > b { }</style><template><p>no</p></template><p>b</p>"
    )
    assert extract_visible_text(html).text == "a b"


def test_a_self_closed_script_still_hides_its_content() -> None:
    assert extract_visible_text("<p>a</p><script />x = 1;</script><p>b</p>").text == "a b"


def test_self_closed_foreign_elements_do_not_stay_open() -> None:
    html = '<p>a <svg><path d="M0"/></svg><span class="annotary-skip"/>b</p>'
    assert extract_visible_text(html).text == "a b"
    assert text_runs(html)[-1].parent == "p"


def test_comments_are_invisible() -> None:
    assert extract_visible_text("<p>a<!-- <b>x</b> -->b</p>").text == "ab"


def test_collapsed_white_space_maps_to_its_first_character() -> None:
    html = "<p>a \n\t b</p>"
    result = extract_visible_text(html)
    assert result.text == "a b"
    assert (result.starts[1], result.ends[1]) == (4, 5)


def test_space_between_blocks_prefers_a_real_white_space_character() -> None:
    html = "<p>a</p>\n<p>b</p>"
    result = extract_visible_text(html)
    assert result.text == "a b"
    assert html[result.starts[1] : result.ends[1]] == "\n"


def test_leading_and_trailing_white_space_is_stripped() -> None:
    assert extract_visible_text("\n <div>\n <p> a </p> </div>\n").text == "a"
    assert extract_visible_text("").text == ""
    assert extract_visible_text("<p> </p>") == VisibleText("", (), ())


def test_stray_markup_characters_are_text() -> None:
    assert extract_visible_text("<p>a < b & c <3 &#x; </p>").text == "a < b & c <3 &#x;"


def test_attribute_values_with_angle_brackets_do_not_end_a_tag() -> None:
    html = "<p title=\"a > b\">x</p><p data-x='<'>y</p>"
    assert extract_visible_text(html).text == "x y"


def test_footnotes_are_visible() -> None:
    assert visible("Claim.[^1]\n\n[^1]: Source.") == "Claim.1 Source.\u00a0↩"


def test_text_runs_know_their_parent_and_block_neighbours() -> None:
    html = "<ul>\n<li>a <em>b</em></li>\n</ul>"
    runs = text_runs(html)
    assert [(html[r.start : r.end], r.parent) for r in runs] == [
        ("\n", "ul"),
        ("a ", "li"),
        ("b", "em"),
        ("\n", "ul"),
    ]
    assert (runs[0].after_block, runs[0].before_block) == (True, True)
    assert (runs[1].after_block, runs[1].before_block) == (True, False)
    assert (runs[2].after_block, runs[2].before_block) == (False, False)


@pytest.mark.parametrize(
    "markdown",
    [
        "# Title\n\nBody *with* [links](http://x) &amp; more.\n\n- a\n- b\n",
        "> quote\n\n| x | y |\n|---|---|\n| 1 | 2 |\n",
        "!!! note\n    An admonition.\n\n<div markdown>Inside *div*</div>\n",
    ],
)
def test_offsets_point_at_the_source(markdown: str) -> None:
    html = render(markdown)
    check_offsets(html, extract_visible_text(html))


def _reference(text: str) -> tuple[str, list[int], list[int]]:
    """Visible text of tag-free, reference-free text, the slow obvious way.

    Every run of ASCII white space is one space that maps to the run's first
    character; the runs at either end are dropped.
    """
    chars: list[str] = []
    starts: list[int] = []
    run_start: int | None = None
    for offset, char in enumerate(text):
        if char in " \t\n\r\f":
            if run_start is None:
                run_start = offset
            continue
        if run_start is not None and chars:
            chars.append(" ")
            starts.append(run_start)
        run_start = None
        chars.append(char)
        starts.append(offset)
    return "".join(chars), starts, [s + 1 for s in starts]


@pytest.mark.parametrize("seed", range(40))
def test_white_space_is_collapsed_like_the_obvious_way(seed: int) -> None:
    rng = random.Random(seed)
    pieces = [" ", "  ", "\n", "\t", " \n ", "\r\n", "\f", "a", "word", "é", "\xa0", ".", "ok "]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
    result = extract_visible_text(text)
    assert (result.text, list(result.starts), list(result.ends)) == _reference(text)
    wrapped = extract_visible_text(f"<p>{text}</p>")
    assert wrapped.text == result.text
    assert list(wrapped.starts) == [s + 3 for s in result.starts]


def test_pickled_visible_text_is_the_same() -> None:
    """Worker processes send visible texts back pickled (compactly: offsets as arrays)."""
    html = render("A *b* &amp; c.\n\nSecond\tparagraph, [link](https://example.org).\n")
    visible_text = extract_visible_text(html)
    again = pickle.loads(pickle.dumps(visible_text))
    assert again == visible_text
    assert again.runs == visible_text.runs
    assert type(again.starts) is tuple
    assert all(type(run).__name__ == "TextRun" for run in again.runs)
    empty = extract_visible_text("")
    assert pickle.loads(pickle.dumps(empty)) == empty
