"""Notes: contributors' Markdown rendered, and nothing else let through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from annotary.notes import ALLOWED_TAGS, render_note


class _Tags(HTMLParser):
    """Every start tag of a fragment with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def assert_safe(html: str) -> None:
    """Only allowed tags; only href/title on links, with a web or mail scheme."""
    for tag, attrs in tags(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> in {html!r}"
        allowed = {"href", "title", "rel"} if tag == "a" else set()
        assert set(attrs) <= allowed, f"<{tag} {attrs}> in {html!r}"
        href = attrs.get("href")
        if href is not None:
            assert re.match(r"(https?|mailto):", href), f"href {href!r} in {html!r}"
    # Escaped text may mention anything; no real tag may open one of these.
    assert not re.search(r"<\s*(script|iframe|svg|math|object|embed|style)", html, re.I)


def test_markdown_is_rendered() -> None:
    html = render_note("**4,000** of *11,000* is `36%`:\n\n- one\n- two\n\n1. first\n2. second")
    assert "<strong>4,000</strong>" in html
    assert "<em>11,000</em>" in html
    assert "<code>36%</code>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<ol>\n<li>first</li>" in html
    assert_safe(html)


def test_code_blocks_quotes_and_line_breaks() -> None:
    html = render_note("> quoted\n\n    x = 1 < 2\n\nline  \nbreak")
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<pre><code>x = 1 &lt; 2\n</code></pre>" in html
    assert "line<br>" in html
    assert_safe(html)


def test_links_get_rel_noopener_nofollow() -> None:
    html = render_note('[report](https://example.org/r "The report") and <mailto:a@example.org>')
    assert (
        '<a href="https://example.org/r" title="The report" rel="noopener nofollow">report</a>'
        in html
    )
    assert 'href="mailto:a@example.org"' in html
    assert_safe(html)


def test_autolinks_work() -> None:
    html = render_note("See <https://example.org/x>.")
    assert '<a href="https://example.org/x" rel="noopener nofollow">https://example.org/x</a>' in (
        html
    )


def test_empty_note() -> None:
    assert render_note("") == ""
    assert render_note("  \n ") == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "before <script>alert(1)</script> after",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        '<p onmouseover="alert(1)">hover</p>',
        "<iframe src=https://evil.example></iframe>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
        "<style>body{display:none}</style>",
        "<object data=x></object><embed src=x>",
        "<div>\n<script>alert(1)</script>\n</div>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html,<script>alert(1)</script>)",
        "[click](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        '[x](https://example.org "a" onclick="alert(1)")',
        '<https://example.org/" onclick="alert(1)>',
        "*<b onclick=alert(1)>bold</b>*",
        "<!-- <script>alert(1)</script> -->",
    ],
)
def test_hostile_input_is_neutralised(hostile: str) -> None:
    html = render_note(hostile)
    assert_safe(html)  # parsed: no event handler attribute, no script URL, no foreign tag


def test_raw_html_is_shown_as_text_not_dropped() -> None:
    # A contributor who types HTML sees it escaped: nothing is silently lost.
    escaped = "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert render_note("<script>alert(1)</script>") == escaped
    assert render_note("x < y & z") == "<p>x &lt; y &amp; z</p>"


def test_relative_and_other_scheme_links_lose_their_href() -> None:
    for text in ("[x](../sources/a/)", "[x](/abs)", "[x](ftp://example.org)", "[x](#frag)"):
        html = render_note(text)
        assert "href" not in html, html
        assert ">x</a>" in html


def test_results_are_cached() -> None:
    render_note.cache_clear()
    render_note("*cached*")
    render_note("*cached*")
    info = render_note.cache_info()
    assert info.hits == 1
    assert info.misses == 1
