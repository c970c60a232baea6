"""The search index's quick reading of a page (mkdocs_render.html_tokens) against
HTMLParser's: the same calls, or none at all."""

from __future__ import annotations

from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from material.plugins.search.plugin import SearchIndex  # type: ignore[import-untyped]
from mkdocs.contrib.search.search_index import SearchIndex as MkDocsSearchIndex

from annotary.mkdocs_render import html_tokens, index_page_quickly


class Recorder(HTMLParser):
    """Every call HTMLParser makes, in html_tokens' terms (and any other kind)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.calls: list[tuple[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.calls.append(("start", (tag, attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.calls.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.calls.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.calls.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.calls.append(("decl", decl))

    def handle_pi(self, data: str) -> None:
        self.calls.append(("pi", data))

    def unknown_decl(self, data: str) -> None:
        self.calls.append(("unknown", data))


def recorded(html: str) -> list[tuple[str, Any]]:
    parser = Recorder()
    parser.feed(html)
    parser.close()
    return parser.calls


# What the archive's pages are made of, and what they never hold but a note could try.
# fmt: off
PIECES = [
    "<p>", "</p>", "<P>", "</P >", '<h2 id="annotations">', "</h2>", "<h1>", "</h1>",
    '<a class="headerlink" href="#x" title="Permanent link">', "</a>", "&para;", "<br>",
    "<br/>", "<br />", "<span/>", "<li data-search-exclude>", "</li>", "<ol>", "</ol>", "<ul>",
    "<code>", "</code>", "<pre>", "</pre>", "<q>", "</q>", "<div title='a&amp;b'>", "</div>",
    "<a href=x>", "<a href=x/>", "<a href=x/y>", "<a b=c=d>", '<a\nclass="y"\n>', "</a x>",
    '<a  b  =  "c"  >', "<a b='c'd>", '<a b="c"d="e">', "</>", "<a/b>", '<a title="<b>">',
    '<img src="a.png" alt="">', '<A HREF="X&lt;">', "<x-y>", "<a:b>", "<1>", "< p>",
    "<!-- c -->", "<!DOCTYPE html>", "<?pi?>", "<![CDATA[x]]>", "<script>x<y</script>",
    "<style>a{}</style>", "<textarea>", "<", ">", "&", "&amp;", "&lt;", "&#39;", "&#x27;",
    "&nbsp", "&amp", "&bogus;", "&#", "text", " ", "\n", "\t", "é", '"', "'", "=", "/", "word ",
    "two words", '<a href="https://example.org/?a=1&amp;b=2" rel="noopener nofollow">',
    '<span class="annotary-badge annotary--claim">', "</span>",
]
# fmt: on


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(PIECES),
            st.text(alphabet="<>&;#x/=\"' abAB1\n-", max_size=6),
        ),
        max_size=14,
    )
)
def test_the_quick_reading_makes_htmlparsers_calls_or_declines(pieces: list[str]) -> None:
    html = "".join(pieces)
    tokens = html_tokens(html)
    if tokens is not None:
        assert tokens == recorded(html)


def test_the_pages_of_the_archive_are_read_quickly() -> None:
    # the shapes an article's text and notes take (annotary.plainmarkdown, cmark + nh3)
    html = (
        '<p>“The plan was <em>halved</em>,” said <a href="../x/">A &amp; B</a>.</p>\n'
        '<h2 id="annotations">Annotations<a class="headerlink" href="#annotations" '
        'title="Permanent link">&para;</a></h2><ol><li><p>A note with <code>x &lt; y</code>'
        "<br />and a line.</p></li></ol><ul><li data-search-exclude><q>quoted</q></li></ul>"
    )
    tokens = html_tokens(html)
    assert tokens is not None
    assert tokens == recorded(html)


def test_what_only_htmlparser_reads_is_left_to_it() -> None:
    for html in ["<p>a < b</p>", "<!-- note -->", "<script>if (a<b) {}</script>", "<p>x<"]:
        assert html_tokens(html) is None, html


def page(content: str, **meta: Any) -> SimpleNamespace:
    return SimpleNamespace(content=content, meta=meta, toc=[], url="articles/a/", title="A")


def entries(content: str, **meta: Any) -> tuple[list[Any], list[Any]]:
    material, quick = SearchIndex(), SearchIndex()
    material.add_entry_from_context(page(content, **meta))
    assert index_page_quickly(quick, page(content, **meta))
    return material.entries, quick.entries


def test_the_index_gets_the_entries_materials_own_reading_gives() -> None:
    content = (
        "<p>Intro &amp; more</p><h2 id='one'>One</h2><p>First <strong>part</strong></p>"
        '<h2 id="annotations">Annotations</h2><ol><li>Note <code>a</code></li>'
        "<li data-search-exclude>hidden</li></ol><pre>  kept\n  as is</pre>"
    )
    material, quick = entries(content, tags=["t"], search={"boost": 2})
    assert quick == material
    assert len(quick) == 3
    assert quick[0]["tags"] == ["t"]
    assert quick[0]["boost"] == 2
    assert entries(content, search={"exclude": True}) == ([], [])


def test_a_page_only_htmlparser_reads_is_not_indexed_quickly() -> None:
    index = SearchIndex()
    assert not index_page_quickly(index, page("<p>a < b</p>"))
    assert index.entries == []
    # not Material's index: MkDocs' own search plugin's, or anything else
    assert not index_page_quickly(MkDocsSearchIndex(), page("<p>a</p>"))
    assert not index_page_quickly(SimpleNamespace(), page("<p>a</p>"))
