"""Notes: contributors' Markdown (CommonMark) rendered, and nothing else let through."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotary import notes
from annotary.notes import ALLOWED_TAGS, _raw_html_as_text, render_note
from conftest import REPO


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


def test_html_comments_and_entities_are_text() -> None:
    assert render_note("<!-- hidden? -->") == "<p>&lt;!-- hidden? --&gt;</p>"
    assert render_note("a <!-- b --> c") == "<p>a &lt;!-- b --&gt; c</p>"
    # Entities typed as text stay the characters they stand for, escaped again.
    assert render_note("&lt;b&gt; &amp; &#60;i&#62;") == "<p>&lt;b&gt; &amp; &lt;i&gt;</p>"


def test_less_than_in_code_spans_and_blocks() -> None:
    # What CommonMark itself gives for `<` in code: `&lt;`, nothing dropped or doubled.
    assert render_note("`a < b` and `<script>`") == (
        "<p><code>a &lt; b</code> and <code>&lt;script&gt;</code></p>"
    )
    assert (
        render_note("``<https://example.org>``")
        == "<p><code>&lt;https://example.org&gt;</code></p>"
    )
    assert render_note("```\n<b>x</b>\n```") == "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"
    assert (
        render_note("    <div>\n    </div>")
        == "<pre><code>&lt;div&gt;\n&lt;/div&gt;\n</code></pre>"
    )
    # A backslash is text inside code, an escape outside it.
    assert render_note("`\\<b>`") == "<p><code>\\&lt;b&gt;</code></p>"
    assert render_note("\\<b>") == "<p>&lt;b&gt;</p>"
    assert render_note("\\\\<b>") == "<p>\\&lt;b&gt;</p>"


def test_autolinks_of_every_kind_survive_the_escaping() -> None:
    html = render_note(
        "<http://example.org/a> <HTTPS://EXAMPLE.ORG> <mailto:a@example.org> <b@example.org>"
    )
    assert '<a href="http://example.org/a" rel="noopener nofollow">http://example.org/a</a>' in html
    assert '<a href="HTTPS://EXAMPLE.ORG" rel="noopener nofollow">HTTPS://EXAMPLE.ORG</a>' in html
    assert '<a href="mailto:a@example.org" rel="noopener nofollow">mailto:a@example.org</a>' in html
    assert '<a href="mailto:b@example.org" rel="noopener nofollow">b@example.org</a>' in html
    # A link address in angle brackets (CommonMark allows spaces there).
    assert render_note("[x](<https://example.org/a b>)") == (
        '<p><a href="https://example.org/a%20b" rel="noopener nofollow">x</a></p>'
    )
    # Other schemes are not links in a note: shown as typed.
    assert render_note("<ftp://example.org>") == "<p>&lt;ftp://example.org&gt;</p>"
    assert render_note("<javascript:alert(1)>") == "<p>&lt;javascript:alert(1)&gt;</p>"
    # An address that is not an autolink (a space) is text, brackets included.
    assert render_note("<https://example.org/a b>") == "<p>&lt;https://example.org/a b&gt;</p>"
    # `<!…@…>` and `<?…@…>` would open an HTML block at the start of a line: text.
    assert render_note("<!--@example.org> x -->") == "<p>&lt;!--@example.org&gt; x --&gt;</p>"
    assert render_note("<?x@example.org>") == "<p>&lt;?x@example.org&gt;</p>"


def test_less_than_in_link_addresses_and_titles() -> None:
    html = render_note('[x](https://example.org/a<b "a <i>title</i>")')
    assert html == (
        '<p><a href="https://example.org/a%3Cb" title="a &lt;i&gt;title&lt;/i&gt;"'
        ' rel="noopener nofollow">x</a></p>'
    )


def test_the_placeholder_typed_in_a_note_is_not_a_less_than() -> None:
    # U+FDD0 stands for a hidden `<`; typed in a note it becomes U+FFFD, never `<`.
    assert render_note("a \ufdd0b> c") == "<p>a \ufffdb&gt; c</p>"
    assert render_note("`\ufdd0`") == "<p><code>\ufffd</code></p>"
    assert _raw_html_as_text("x \ufdd0 < y") == "x \ufffd \ufdd0 y"


def test_commonmark_details() -> None:
    # A list may interrupt a paragraph; an ordered list's start number is not kept.
    assert render_note("Two points:\n- one\n- two") == (
        "<p>Two points:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )
    assert render_note("3. three\n4. four") == "<ol>\n<li>three</li>\n<li>four</li>\n</ol>"
    # A hard line break is `<br>` (cmark writes `<br />`, the sanitizer `<br>`).
    assert render_note("a\\\nb") == "<p>a<br>\nb</p>"
    # GitHub extensions are off: no tables, no strikethrough, no bare-URL links.
    html = render_note("~~x~~ https://example.org\n\n| a |\n|---|\n| b |")
    assert "<a" not in html
    assert "<del>" not in html
    assert "<table>" not in html


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


# Markdown's own characters, HTML's, and words that matter to either.
_NOTE_PIECES = st.sampled_from(
    [
        *"<>/\\`!-?@.:*_[]()\n\"'&;# ",
        "<!--", "-->", "<script>", "</script>", "<div>", "<?", "<![CDATA[", "<a href=",
        "http:", "https://", "mailto:", "javascript:", "a@b.co", "    ", "```", "\ufdd0",
        "onclick=", "]: ", "](", "&lt;", "%EF%B7%90",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.lists(_NOTE_PIECES | st.text(max_size=3)).map("".join)))
def test_any_text_renders_safely(text: str) -> None:
    html = render_note(text)
    assert_safe(html)
    assert "\ufdd0" not in html
    # cmark never sees raw HTML: every `<` that could start some was hidden from it.
    assert "<!-- raw HTML omitted -->" not in cmarkgfm.markdown_to_html(_raw_html_as_text(text))


# The sanitizer's shortcut for plain notes (notes._clean_plainly) ---------------------

_WORDS = st.sampled_from(
    [
        "data", "the", "officials'", '"quoted"', "a&b", "x<y", "5 > 3", "café", "\u00a0",
        "it's", "“curly”", "&amp;", "&copy;", "&#39;", "\\*", "\\<", "emoji😀", "tab\tx",
        "`code`", "`a<b & c`", "**bold**", "*em*", "_em_", "__b__", "~~s~~", "&nbsp;",
        "<https://x.org/a>", "<mailto:a@b.org>", "<a@b.org>", "http://bare.org", "\ufdd0",
        "<b>raw</b>", "<!-- c -->", "  \n", "\\\n", "\n",
    ]
)  # fmt: skip
_HOSTS = st.sampled_from(
    ["example.org", "a.b", "x-y.org", "1.2.3.4", "x.0", "xn--bcher-kva.example", "a--b.org",
     "exa_mple.org", "X.ORG", "x.org:8080", "a-.org", "localhost"]
)  # fmt: skip
_PATHS = st.sampled_from(
    ["", "/", "/notes/1", "/a?b=1&c=2", "/a_b-c~d.e", "/p#frag", "/(paren)", "/a'b",
     '/a"b', "/%20sp", "/a b", "/<y>", "/é", "?q=1", "/x/..//y", "/a:b@c!$*+,;="]
)  # fmt: skip
_URLS = st.one_of(
    st.builds(lambda scheme, host, path: f"{scheme}{host}{path}",
              st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "//", ""]),
              _HOSTS, _PATHS),
    st.sampled_from(["mailto:a@b.org", "mailto:a.b+c@x-y.org", "mailto:@b.org",
                     "javascript:alert(1)", "/relative", "#frag", "https://", ""]),
)  # fmt: skip
_LINKS = st.builds(
    lambda text, url, title: f"[{text}]({url}{title})",
    st.sampled_from(["a", "link text", "**b**", "`c`", "*e* x", "[inner](https://i.org/)"]),
    _URLS,
    st.sampled_from(["", "", "", ' "title"', ' "a<b & c"']),
)
_INLINE = st.lists(_WORDS | _LINKS, min_size=1, max_size=10).map(" ".join)
_BLOCK = st.one_of(
    _INLINE,
    st.lists(_INLINE, min_size=1, max_size=3).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(_INLINE, min_size=1, max_size=3).map(
        lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items, start=1))
    ),
    _INLINE.map(lambda text: f"3. {text}"),
    _INLINE.map(lambda text: f"> {text}"),
    st.just("```\ncode <x> & y\n```"),
    st.just("    indented code"),
)
_ODD_NOTES = st.lists(_BLOCK, min_size=1, max_size=3).map("\n\n".join)
# Notes as most are written: words, emphasis, code and web links (the shortcut's share).
_PLAIN_INLINE = st.lists(
    st.sampled_from(["data", "the", '"quoted"', "a&b", "it's", "“curly”", "\u00a0", "5 > 3",
                     "*em*", "**strong**", "`code & <x>`", "  \n", "\n", "café", "x<y"])
    | st.builds(lambda text, path: f"[{text}](https://example.org{path})",
                st.sampled_from(["a", "*e*", "`c`"]),
                st.sampled_from(["", "/", "/n/1", "/a?b=1&c=2", "/p#f", "/(x)", "/%20"])),
    min_size=1,
    max_size=12,
).map(" ".join)  # fmt: skip
_PLAIN_NOTES = st.lists(
    st.one_of(_PLAIN_INLINE, _PLAIN_INLINE.map(lambda text: f"- {text}")), min_size=1, max_size=3
).map("\n\n".join)
_NOTES = st.one_of(_ODD_NOTES, _PLAIN_NOTES)


@settings(max_examples=1500, deadline=None)
@given(_NOTES)
def test_the_shortcut_writes_what_the_sanitizer_writes(text: str) -> None:
    html = notes._unsanitised_html(text)
    plain = notes._clean_plainly(html)
    if plain is not None:
        assert plain == notes._CLEANER.clean(html)
        assert_safe(plain)


def test_plain_notes_take_the_shortcut() -> None:
    """Sentences with emphasis, code, breaks, lists, quotes and web or mail links:
    the notes of this repo and of the bench's archives."""
    for text in (
        "An estimate, as the article says; the figures give **4,000 of 11,000 = 36.4%**.",
        'Fits the "official" timeline: see [the report](https://example.org/r?a=1&b=2).',
        "Line one  \nline two\n\n- *a*\n- `b & c`\n\n> quoted\n\n1. one\n2. two",
        "Write to <mailto:desk@example.org> or <https://example.org/tips>\u00a0today.",
        "Raw <b>tags</b> and <!-- comments --> are text.",
    ):
        html = notes._unsanitised_html(text)
        plain = notes._clean_plainly(html)
        assert plain is not None, html
        assert plain == notes._CLEANER.clean(html)
    for path in sorted((REPO / "annotations").glob("*.yml")):
        for note in re.findall(r"note: \|\n((?:      .*\n|\n)+)", path.read_text()):
            text = "\n".join(line[6:] for line in note.splitlines())
            assert notes._clean_plainly(notes._unsanitised_html(text)) is not None, (
                path.name,
                text,
            )


@pytest.mark.parametrize(
    "text",
    [
        "```\ncode\n```",  # <pre>: the sanitizer's parser drops a newline after it
        "3. starts at three",  # <ol start="3">
        '[x](https://example.org "a title")',  # titles: escaped their own way
        "[x](/relative)",  # relative: the sanitizer removes the address
        "[x](javascript:alert(1))",  # cmark's safe mode leaves href=""
        "[x](HTTPS://EXAMPLE.ORG/)",
        "[x](https://1.2.3.4/)",  # hosts that are addresses, or odd
        "[x](https://example.org/it's)",  # cmark writes &#x27;
        "[x](https://example.org:8080/)",
        "![image](https://example.org/i.png)",  # not allowed: the sanitizer removes it
        "# a heading",
    ],
)
def test_anything_else_goes_to_the_sanitizer(text: str) -> None:
    html = notes._unsanitised_html(text)
    assert notes._clean_plainly(html) is None
    assert render_note(text) == notes._CLEANER.clean(html).strip()


def test_a_link_in_a_link_goes_to_the_sanitizer() -> None:
    html = '<p><a href="https://a.org/">x <a href="https://b.org/">y</a></a></p>'
    assert notes._PLAIN_NOTE_HTML.fullmatch(html) is not None  # every piece is plain
    assert notes._clean_plainly(html) is None
