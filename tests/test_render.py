"""The article page's content HTML: header, highlights, annotation list, colours.

Pure: no browser. Small hand-made articles for the details, the seed archive
for the whole. The HTML/JS contract tested here is documented in render.py;
tests/browser exercise the same hooks in Chromium.
"""

from __future__ import annotations

import colorsys
import datetime
import re
from collections.abc import Sequence
from functools import cache
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from annotary.diagnostics import Location
from annotary.highlight import pieces_for
from annotary.links import Links, links_for_page_url
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.model import (
    Annotation,
    AnnotationType,
    Archive,
    Article,
    ArticleMeta,
    Evidence,
    Source,
)
from annotary.pipeline import check_archive
from annotary.placement import PlacedArticle, place_annotations
from annotary.render import anchor_ids, reading_order, render_article
from annotary.visible import extract_visible_text

REPO = Path(__file__).resolve().parents[1]
SEED = "north-korean-troops-kursk"
CSS = REPO / "src" / "annotary" / "assets" / "annotary.css"
JS = REPO / "src" / "annotary" / "assets" / "annotary.js"
LOC = Location("annotations/test.yml", 3, 5)
ARTICLE_LINKS = links_for_page_url("articles/test/")

TEXT = """\
Western officials have told the BBC that troops suffered *nearly 40%* casualties.

The officials said 4,000 were casualties. "They are cannon fodder," he said.
"""


# --- Building blocks -------------------------------------------------------------------


def note(
    id: str, type: AnnotationType, quote: str, *, status: str | None = None, **fields: Any
) -> Annotation:
    if type == "claim" and status is None:
        status = "unverified"
    return Annotation(id, type, quote, LOC, LOC, status=status, **fields)


def article(body: str = TEXT, **meta: Any) -> Article:
    values: dict[str, Any] = {
        "title": "Test article",
        "authors": ("A Writer",),
        "outlet": "Test News",
        "captured": datetime.date(2026, 11, 24),
    }
    values.update(meta)
    return Article("test", "docs/articles/test.md", ArticleMeta(**values), body)


def archive(*sources: Source) -> Archive:
    registry = {
        "western-officials": Source("western-officials", "Western officials", "anonymous", LOC),
        "bbc-news": Source("bbc-news", "BBC News", "media", LOC, role="The BBC's news service"),
        "colonel": Source("colonel", "Col Someone", "person", LOC, role="Former officer"),
    }
    registry.update({s.id: s for s in sources})
    return Archive(sources=registry)


@cache
def markdown_config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")


def place(annotations: Sequence[Annotation], body: str = TEXT) -> PlacedArticle:
    return place_annotations(markdown_config().render(body), annotations)


def render(
    annotations: Sequence[Annotation],
    body: str = TEXT,
    *,
    the_article: Article | None = None,
    the_archive: Archive | None = None,
    links: Links = ARTICLE_LINKS,
) -> tuple[PlacedArticle, str]:
    placed = place(annotations, body)
    html = render_article(placed, the_article or article(body), the_archive or archive(), links)
    return placed, html


SIMPLE = (
    note("casualties", "claim", "troops suffered nearly 40% casualties", status="disputed",
         attributed_to=("western-officials",), tags=("casualties", "arithmetic")),
    note("told-the-bbc", "source", "told the BBC", source="bbc-news"),
    note("cannon-fodder", "quote", "They are cannon fodder", speaker="colonel"),
    note("four-thousand", "claim", "4,000 were casualties", status="false"),
)  # fmt: skip


# --- Reading the output ----------------------------------------------------------------


class Element:
    """A parsed element: tag, attributes, and its text (children included)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], index: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.index = index  # document order
        self.text = ""

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def get(self, name: str) -> str:
        value = self.attrs.get(name)
        assert value is not None, f"<{self.tag}> has no {name}: {self.attrs}"
        return value


class Tree(HTMLParser):
    """Every element of a fragment, in document order, with its text content."""

    VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), len(self.elements))
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.open) - 1, -1, -1):
            if self.open[k].tag == tag:
                del self.open[k:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data

    def select(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        found = self.select(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} × {tag}.{cls} {attrs}"
        return found[0]


def parts(html: str) -> tuple[str, str, str]:
    """Header, text (inside div.annotary-text) and list of a rendered page."""
    start = html.index('<div class="annotary-text">')
    list_start = html.find('<section class="annotary-list"')
    end = len(html) if list_start < 0 else list_start
    text = html[start + len('<div class="annotary-text">') : end]
    assert text.endswith("</div>")
    return html[:start], text[: -len("</div>")], html[end:]


INSERTED = re.compile(
    r'<span class="annotary-target" id="[^"]*"></span>'
    r'|<span class="annotary-end"[^>]*></span>|<mark [^>]*>|</mark>'
)


def squash(text: str) -> str:
    return " ".join(text.split())


# --- Header ------------------------------------------------------------------------------


def test_header_has_every_field() -> None:
    meta: dict[str, Any] = {
        "title": "About 1,000 killed, officials say",
        "authors": ("Frank Gardner", "Jane Doe", "Ann Other"),
        "author_role": "BBC security correspondent",
        "outlet": "BBC News",
        "published": datetime.date(2025, 1, 22),
        "url": "https://www.bbc.co.uk/news/articles/x",
        "tags": ("north-korea", "Kursk region"),
    }
    _, html = render(SIMPLE, the_article=article(**meta))
    header, _, _ = parts(html)
    tree = Tree(header)
    assert header.startswith('<header class="annotary-header"><h1>')
    assert tree.one("h1").text == "About 1,000 killed, officials say"
    assert len(tree.select("h1")) == 1  # Material adds none of its own
    byline = squash(tree.one("p", "annotary-byline").text)
    assert byline == (
        "BBC News · By Frank Gardner, Jane Doe and Ann Other, BBC security correspondent"
    )
    times = {t.get("datetime"): squash(t.text) for t in tree.select("time")}
    assert times == {"2025-01-22": "22 January 2025", "2026-11-24": "24 November 2026"}
    dates = squash(tree.one("p", "annotary-dates").text)
    assert dates.startswith("Published 22 January 2025 · Captured 24 November 2026")
    original = tree.one("a", "annotary-original")
    assert original.get("href") == "https://www.bbc.co.uk/news/articles/x"
    assert "noopener" in original.get("rel").split()
    tag_links = [(a.get("href"), a.text) for a in tree.select("a", "annotary-tag")]
    assert tag_links == [
        ("../../tags/north-korea/", "north-korea"),
        ("../../tags/kursk-region/", "Kursk region"),
    ]


def test_header_leaves_out_what_is_unknown() -> None:
    _, html = render(SIMPLE)
    header, _, _ = parts(html)
    tree = Tree(header)
    assert squash(tree.one("p", "annotary-byline").text) == "Test News · By A Writer"
    assert [t.get("datetime") for t in tree.select("time")] == ["2026-11-24"]
    assert not tree.select("a", "annotary-original")
    assert "Published" not in header


def test_original_link_only_for_web_addresses() -> None:
    _, html = render(SIMPLE, the_article=article(url="javascript:alert(1)"))
    assert "annotary-original" not in html
    assert "javascript:" not in html


def test_counts_per_type_and_status() -> None:
    annotations = (
        *SIMPLE,
        note("lost", "claim", "a quote that is nowhere", status="supported"),
    )
    _, html = render(annotations)
    tree = Tree(parts(html)[0])
    by_type = {e.get("data-count-type"): int(e.text) for e in tree.select(cls="annotary-count")
               if "data-count-type" in e.attrs}  # fmt: skip
    assert by_type == {"claim": 3, "quote": 1, "source": 1}
    by_status = {e.get("data-count-status"): int(e.text) for e in tree.select(cls="annotary-count")
                 if "data-count-status" in e.attrs}  # fmt: skip
    assert by_status == {"supported": 1, "disputed": 1, "false": 1}
    # Statuses in the vocabulary's order, each linking to the claims page at it.
    status_links = [a.get("href") for a in tree.select("a", "annotary-status-count")]
    assert status_links == [
        "../../claims/#supported",
        "../../claims/#disputed",
        "../../claims/#false",
    ]
    total = squash(tree.one("p", "annotary-counts").text)
    assert total == "5 annotations (1 could not be placed in the current text)"


def test_legend_is_a_set_of_toggles() -> None:
    _, html = render(SIMPLE)
    tree = Tree(parts(html)[0])
    toggles = tree.select("button", "annotary-toggle")
    assert [t.get("data-annotary-type") for t in toggles] == ["claim", "quote", "source"]
    for toggle in toggles:
        assert toggle.get("type") == "button"
        assert toggle.get("aria-pressed") == "true"
        assert "disabled" in toggle.attrs  # a plain legend until the script enables it
    samples = [e for e in tree.select(cls="annotary-sample") if e.tag == "span"]
    assert {f"annotary--{t}" for t in ("claim", "quote", "source")} <= set().union(
        *(s.classes for s in samples)
    )


def test_no_annotations() -> None:
    _, html = render(())
    assert "No annotations yet." in html
    assert "annotary-toggle" not in html
    assert "annotary-list" not in html
    assert "<mark" not in html


# --- Highlights --------------------------------------------------------------------------


def test_every_annotation_is_highlighted_with_exactly_its_text() -> None:
    placed, html = render(SIMPLE)
    _, text, _ = parts(html)
    visible = placed.visible.text
    expected = {
        p.annotation.id: visible[p.span[0] : p.span[1]] for p in placed.placements if p.span
    }
    assert pieces_for(text, block_separator=" ") == expected
    assert set(expected) == {"casualties", "told-the-bbc", "cannon-fodder", "four-thousand"}


def test_text_is_unchanged_but_for_the_highlights() -> None:
    placed, html = render(SIMPLE)
    _, text, _ = parts(html)
    assert INSERTED.sub("", text) == placed.html
    assert extract_visible_text(text).text == placed.visible.text


def test_pieces_carry_their_types_and_statuses() -> None:
    overlapping = (
        note("outer", "claim", "The officials said 4,000 were casualties.", status="supported"),
        note("inner", "claim", "4,000 were casualties", status="false"),
        note("officials", "source", "The officials", source="western-officials"),
    )
    _, html = render(overlapping)
    _, text, _ = parts(html)
    types = {a.id: a.type for a in overlapping}
    statuses = {a.id: a.status for a in overlapping}
    marks = Tree(text).select("mark")
    assert marks
    for mark in marks:
        ids = mark.get("data-annotations").split()
        assert "annotary" in mark.classes
        assert {c for c in mark.classes if c.startswith("annotary--status-")} == {
            f"annotary--status-{statuses[i]}" for i in ids if statuses[i]
        }
        assert {c for c in mark.classes if c in {f"annotary--{t}" for t in types.values()}} == {
            f"annotary--{types[i]}" for i in ids
        }
    # The piece under both claims shows both statuses (CSS shows the worst).
    both = [m for m in marks if set(m.get("data-annotations").split()) >= {"outer", "inner"}]
    assert both
    assert {"annotary--status-supported", "annotary--status-false"} <= both[0].classes


def test_each_annotation_has_one_focusable_head_described_by_its_notes() -> None:
    _, html = render(SIMPLE)
    _, text, listing = parts(html)
    marks = Tree(text).select("mark")
    heads = [m for m in marks if "tabindex" in m.attrs]
    first_piece: dict[str, Element] = {}
    for mark in marks:
        for key in mark.get("data-annotations").split():
            first_piece.setdefault(key, mark)
    assert {id(m) for m in heads} == {id(m) for m in first_piece.values()}
    labels = {e.get("id") for e in Tree(listing).select(cls="annotary-note-label")}
    for head in heads:
        assert head.get("tabindex") == "0"
        assert head.get("role") == "button"
        assert head.get("aria-haspopup") == "dialog"
        described = head.get("aria-describedby").split()
        assert described == [f"note-label-{k}" for k in head.get("data-annotations").split()]
        assert set(described) <= labels


def test_a_head_inside_a_link_leaves_the_link_the_only_control() -> None:
    body = "Western officials have [told the BBC](https://example.org/) that troops suffered.\n"
    annotations = (
        note("told", "source", "told the BBC", source="bbc-news"),
        note("suffered", "claim", "troops suffered"),
    )
    _, html = render(annotations, body)
    tree = Tree(parts(html)[1])
    linked = tree.one("mark", data_annotations="told")
    assert "annotary-head" in linked.classes
    assert not {"tabindex", "role", "aria-haspopup"} & set(linked.attrs)
    assert linked.get("aria-describedby") == "note-label-told"
    plain = tree.one("mark", data_annotations="suffered")
    assert plain.get("tabindex") == "0"
    assert plain.get("role") == "button"


def test_deep_link_target_before_and_number_after_each_annotation() -> None:
    placed, html = render(SIMPLE)
    _, text, _ = parts(html)
    tree = Tree(text)
    order = [p.annotation.id for p in reading_order(placed)]
    targets = [e.get("id") for e in tree.select("span", "annotary-target")]
    assert sorted(targets) == sorted(order)
    ends = tree.select("span", "annotary-end")
    assert {e.get("data-annotation"): int(e.get("data-n")) for e in ends} == {
        i: n for n, i in enumerate(order, start=1)
    }
    for end in ends:
        key = end.get("data-annotation")
        pieces = [m for m in tree.select("mark") if key in m.get("data-annotations").split()]
        assert pieces[-1].index < end.index  # after the last piece
        assert end.get("aria-hidden") == "true"
        assert not end.text


def test_no_script_no_style_attribute_no_popover_in_the_html() -> None:
    # A Content-Security-Policy comes later; the popover is built by the script.
    _, html = render(SIMPLE)
    assert "<script" not in html.lower()
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "annotary-popover" not in html


# --- The list ------------------------------------------------------------------------------


def test_list_is_in_reading_order_and_numbered() -> None:
    annotations = (
        note("four-thousand", "claim", "4,000 were casualties", status="false"),
        note("cannon-fodder", "quote", "They are cannon fodder", speaker="colonel"),
        note("told-the-bbc", "source", "told the BBC", source="bbc-news"),
        note("outer", "claim", "The officials said 4,000 were casualties.", status="supported"),
        note("the-officials", "source", "The officials", source="western-officials"),
    )
    placed, html = render(annotations)
    _, _, listing = parts(html)
    tree = Tree(listing)
    assert tree.one("h2").get("id") == "annotations"
    assert squash(tree.one("h2").text) == "Annotations"
    items = tree.select("li", "annotary-note")
    # By start; on a tie the longer first (it contains the shorter).
    assert [i.get("data-annotation") for i in items] == [
        "told-the-bbc", "outer", "the-officials", "four-thousand", "cannon-fodder",
    ]  # fmt: skip
    for n, item in enumerate(items, start=1):
        key = item.get("data-annotation")
        assert item.get("id") == f"note-{key}"
        assert item.get("data-n") == str(n)
        assert item.get("value") == str(n)
        span = next(p.span for p in placed.placements if p.annotation.id == key)
        assert span is not None
        excerpt = next(e for e in tree.select("p", "annotary-note-quote") if e.index > item.index)
        assert "data-search-exclude" in excerpt.attrs  # the article's words: indexed once
        assert squash(excerpt.text) == squash(placed.visible.text[span[0] : span[1]])
        back = next(a for a in tree.select("a", "annotary-note-back") if a.index > item.index)
        assert back.get("href") == f"#{key}"
    types = {i.get("data-annotation"): i.get("data-type") for i in items}
    assert types["outer"] == "claim"
    assert types["cannon-fodder"] == "quote"
    statuses = {i.get("data-annotation"): i.attrs.get("data-status") for i in items}
    assert statuses["four-thousand"] == "false"
    assert statuses["told-the-bbc"] is None


def test_list_entry_content() -> None:
    evidence = (
        Evidence("https://example.org/report", "A report", "contradicts", LOC),
        Evidence("https://example.org/bare", None, "context", LOC),
        Evidence("javascript:alert(1)", "Bad link", None, LOC),
    )
    annotations = (
        note(
            "casualties", "claim", "troops suffered nearly 40% casualties", status="disputed",
            attributed_to=("western-officials", "bbc-news"), tags=("casualties", "Big Numbers"),
            note="4,000 of 11,000 is **36%**; see [the data](https://example.org/d).",
            evidence=evidence,
        ),
        note("cannon-fodder", "quote", "They are cannon fodder", speaker="colonel"),
        note("told-the-bbc", "source", "told the BBC", source="bbc-news"),
    )  # fmt: skip
    _, html = render(annotations)
    tree = Tree(parts(html)[2])
    claim = tree.one("li", id="note-casualties")
    entry = html[html.index('id="note-casualties"') : html.index('id="note-cannon-fodder"')]
    assert claim.get("data-type") == "claim"
    assert claim.get("data-status") == "disputed"
    label = tree.one(id="note-label-casualties")
    assert squash(label.text) == "Claim, disputed"
    assert '<div class="annotary-note-body"><p>4,000 of 11,000 is <strong>36%</strong>' in entry
    assert 'href="https://example.org/d" rel="noopener nofollow"' in entry
    assert "<dt>Attributed to</dt>" in entry
    sources = [(a.get("href"), a.text) for a in Tree(entry).select("a", "annotary-source")]
    assert sources == [
        ("../../sources/western-officials/", "Western officials"),
        ("../../sources/bbc-news/", "BBC News"),
    ]
    assert "(The BBC's news service)" in unescape(entry)
    evidence_links = [
        (a.get("href"), a.text, a.get("rel"))
        for a in Tree(entry).select("a", "annotary-evidence-link")
    ]
    assert evidence_links == [
        ("https://example.org/report", "A report", "noopener nofollow"),
        ("https://example.org/bare", "https://example.org/bare", "noopener nofollow"),
    ]
    assert "Bad link" in entry  # shown, not linked
    assert "javascript:" not in entry
    stances = [e.text for e in Tree(entry).select("span", "annotary-stance")]
    assert stances == ["contradicts", "context"]
    tag_links = [(a.get("href"), a.text) for a in Tree(entry).select("a", "annotary-tag")]
    assert tag_links == [
        ("../../tags/casualties/", "casualties"),
        ("../../tags/big-numbers/", "Big Numbers"),
    ]

    quote = html[html.index('id="note-cannon-fodder"') :]
    assert "<dt>Speaker</dt>" in quote
    assert 'href="../../sources/colonel/">Col Someone</a>' in quote
    told = html[html.index('id="note-told-the-bbc"') :]
    assert "<dt>Source</dt>" in told
    assert 'href="../../sources/bbc-news/">BBC News</a>' in told


def test_links_follow_the_site_layout() -> None:
    annotations = (
        note("c", "claim", "troops suffered", attributed_to=("western-officials",),
             tags=("casualties",)),
    )  # fmt: skip
    _, html = render(annotations, links=links_for_page_url("articles/test.html", False))
    assert 'href="../sources/western-officials.html"' in html
    assert 'href="../tags/casualties.html"' in html
    assert 'href="../claims.html#unverified"' in html


def test_orphans_are_listed_apart_and_never_highlighted() -> None:
    annotations = (
        note("told-the-bbc", "source", "told the BBC", source="bbc-news"),
        note("gone", "claim", "a sentence that the article no longer has", status="false"),
        note("twice", "source", "The officials said", source="western-officials"),
    )
    body = TEXT + "\nThe officials said more.\n"
    placed, html = render(annotations, body)
    assert {p.annotation.id: p.state for p in placed.placements} == {
        "told-the-bbc": "exact",
        "gone": "orphan",
        "twice": "orphan",
    }
    listing = parts(html)[2]
    for key in ("gone", "twice"):
        assert f'id="{key}"' not in html
        assert not re.search(rf'data-annotations="[^"]*\b{key}\b', html)
    tree = Tree(listing)
    numbered = tree.select("ol", "annotary-notes")[0]
    orphans = tree.one("section", "annotary-orphans")
    assert orphans.index > numbered.index
    assert tree.one("h3").get("id") == "annotations-not-placed"
    assert squash(tree.one("h3").text) == "Could not be placed in the current text"
    entries = [e for e in tree.select("li", "annotary-note") if e.index > orphans.index]
    assert [e.get("data-annotation") for e in entries] == ["gone", "twice"]
    for entry in entries:
        assert entry.get("id") == f"note-{entry.get('data-annotation')}"
        assert entry.get("data-state") == "orphan"
        assert "data-n" not in entry.attrs
    assert "The quote occurs 2 times in the text" in listing
    assert "no longer in the article" in listing
    # Numbered entries: only the placed one.
    assert [e.get("data-n") for e in tree.select("li") if "data-n" in e.attrs] == ["1"]


def test_drifted_annotation_says_so() -> None:
    body = "Of the 4,000, the officials said around 1,000 are believed to have been killed.\n"
    annotations = (note("d", "claim", "around 1,000 are thought to have been killed"),)
    placed, html = render(annotations, body)
    assert placed.placements[0].state == "drifted"
    _, text, listing = parts(html)
    assert pieces_for(text) == {"d": "around 1,000 are believed to have been killed"}
    assert "The article text has changed" in listing
    assert "around 1,000 are thought to have been killed" in listing


def test_everything_contributed_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    annotations = (
        note(
            "c", "claim", "troops suffered", attributed_to=("evil",), tags=(evil,),
            evidence=(Evidence("https://example.org/?a=1&b=<x>", evil, "supports", LOC),),
            note=evil,
        ),
        note("q", "quote", "They are cannon fodder", speaker="evil"),
    )  # fmt: skip
    the_article = article(
        title=f"Title {evil}", authors=(evil,), author_role=evil, outlet=evil, tags=(evil,),
        url='https://example.org/"><script>alert(1)</script>',
    )  # fmt: skip
    source = Source("evil", f"Name {evil}", "person", LOC, role=evil)
    _, html = render(annotations, the_article=the_article, the_archive=archive(source))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tree = Tree(html)
    assert tree.one("h1").text == f"Title {evil}"
    assert tree.one("a", "annotary-original").get("href") == (
        'https://example.org/"><script>alert(1)</script>'
    )
    tags = {a.text for a in tree.select("a", "annotary-tag")}
    assert tags == {evil}
    assert all(a.get("href").endswith("/tags/script-alert-1-script/") for a in
               tree.select("a", "annotary-tag"))  # fmt: skip


def test_annotation_ids_with_odd_but_valid_shapes_stay_in_their_attributes() -> None:
    # Ids are slugs (validated), but the HTML must not depend on it.
    annotations = (note('a"b', "claim", "troops suffered"),)
    _, html = render(annotations)
    tree = Tree(html)
    assert tree.one("li", "annotary-note").get("id") == 'note-a"b'
    assert tree.one("mark").get("data-annotations") == 'a"b'


def test_anchor_ids_are_the_ids_of_the_page() -> None:
    annotations = (*SIMPLE, note("lost", "claim", "nowhere to be found in it"))
    placed, html = render(annotations)
    ids = {e.get("id") for e in Tree(html).elements if "id" in e.attrs}
    assert anchor_ids(placed) == ids


# --- The seed -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> tuple[PlacedArticle, str, Archive]:
    checked = check_archive(REPO)
    placed = checked.placed[SEED]
    html = render_article(
        placed,
        checked.archive.articles[SEED],
        checked.archive,
        links_for_page_url(f"articles/{SEED}/"),
    )
    return placed, html, checked.archive


def test_seed_every_annotation_spells_its_passage(
    seed: tuple[PlacedArticle, str, Archive],
) -> None:
    placed, html, _ = seed
    _, text, _ = parts(html)
    assert all(p.span is not None for p in placed.placements), "the seed places everything"
    expected = {
        p.annotation.id: placed.visible.text[p.span[0] : p.span[1]]
        for p in placed.placements
        if p.span is not None
    }
    assert pieces_for(text, block_separator=" ") == expected
    assert INSERTED.sub("", text) == placed.html
    assert extract_visible_text(text).text == placed.visible.text


def test_seed_counts_and_list(seed: tuple[PlacedArticle, str, Archive]) -> None:
    placed, html, archive_ = seed
    annotations = [p.annotation for p in placed.placements]
    header, _, listing = parts(html)
    tree = Tree(header)
    for kind in ("claim", "quote", "source"):
        count = tree.one(data_count_type=kind)
        assert int(count.text) == sum(1 for a in annotations if a.type == kind)
    items = Tree(listing).select("li", "annotary-note")
    assert len(items) == len(annotations)
    starts = [next(p.span for p in placed.placements if p.annotation.id == i.get("data-annotation"))
              for i in items]  # fmt: skip
    assert starts == sorted(starts, key=lambda s: (s[0], -s[1]))  # type: ignore[index]
    assert [i.get("data-n") for i in items] == [str(n) for n in range(1, len(items) + 1)]
    sources = {a.get("href") for a in Tree(listing).select("a", "annotary-source")}
    assert sources == {
        f"../../sources/{s}/" for a in annotations for s in a.source_ids if s in archive_.sources
    }
    assert "annotary-orphans" not in listing


def test_seed_notes_are_in_the_html_once(seed: tuple[PlacedArticle, str, Archive]) -> None:
    placed, html, _ = seed
    for p in placed.placements:
        if p.annotation.note:
            phrase = max(re.findall(r"[A-Za-z][A-Za-z ]+", p.annotation.note), key=len).strip()
            assert html.count(phrase) == 1, phrase


# --- Colours: WCAG contrast of the stylesheet's custom properties --------------------------

RGBA = tuple[float, float, float, float]
STATUSES = ("supported", "unverified", "disputed", "misleading", "false")


def parse_colour(value: str, variables: dict[str, str]) -> RGBA:
    """``#rgb[a]``, ``#rrggbb[aa]`` or ``hsla(h, s%, l%, a)`` (with ``var()`` resolved)."""
    value = re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value.strip())
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits)
        channels = [int(digits[k : k + 2], 16) / 255 for k in range(0, len(digits), 2)]
        return (channels[0], channels[1], channels[2], channels[3] if len(channels) == 4 else 1.0)
    match = re.fullmatch(
        r"hsla?\(\s*([\d.]+)(?:deg)?\s*,\s*([\d.]+)%\s*,\s*([\d.]+)%\s*(?:,\s*([\d.]+))?\s*\)",
        value,
    )
    assert match, f"cannot parse colour {value!r}"
    hue, saturation, lightness = (float(match.group(k)) for k in (1, 2, 3))
    r, g, b = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
    return (r, g, b, float(match.group(4) or 1))


def over(top: RGBA, bottom: RGBA) -> RGBA:
    alpha = top[3]
    return (
        top[0] * alpha + bottom[0] * (1 - alpha),
        top[1] * alpha + bottom[1] * (1 - alpha),
        top[2] * alpha + bottom[2] * (1 - alpha),
        1.0,
    )


def luminance(colour: RGBA) -> float:
    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGBA, b: RGBA) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def declarations(css: str, *selectors: str) -> dict[str, str]:
    """The custom properties set by rules for any of ``selectors``, later ones winning."""
    found: dict[str, str] = {}
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        if {s.strip() for s in match.group(1).split(",")} & set(selectors):
            found.update(re.findall(r"(--[\w-]+)\s*:\s*([^;}]+)", match.group(2)))
    assert found, f"no custom properties for {selectors} in the stylesheet"
    return found


@cache
def material_palettes() -> dict[str, dict[str, str]]:
    """Material's own text and background colours, from its installed stylesheets."""
    import material  # type: ignore[import-untyped]

    folder = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    main = next(folder.glob("main.*.min.css")).read_text(encoding="utf-8")
    palette = next(folder.glob("palette.*.min.css")).read_text(encoding="utf-8")
    default = declarations(main, ":root", "[data-md-color-scheme=default]")
    slate = {**default, **declarations(palette, "[data-md-color-scheme=slate]")}
    return {"default": default, "slate": slate}


@cache
def our_palettes() -> dict[str, dict[str, str]]:
    css = CSS.read_text(encoding="utf-8")
    return {
        "default": declarations(css, '[data-md-color-scheme="default"]'),
        "slate": declarations(css, '[data-md-color-scheme="slate"]'),
    }


def measured(scheme: str) -> dict[str, float]:
    """Contrast ratios of one palette: text on each tint, lines against the page."""
    theme = material_palettes()[scheme]
    ours = our_palettes()[scheme]
    page = parse_colour(theme["--md-default-bg-color"], theme)
    text = parse_colour(theme["--md-default-fg-color"], theme)
    ratios: dict[str, float] = {}
    for status in STATUSES:
        tint = over(parse_colour(ours[f"--annotary-{status}-bg"], ours), page)
        ratios[f"text on {status}"] = contrast(over(text, tint), tint)
        line = over(parse_colour(ours[f"--annotary-{status}-line"], ours), page)
        ratios[f"{status} line on page"] = contrast(line, page)
        ratios[f"{status} line on its tint"] = contrast(line, tint)
    for kind in ("quote", "source", "target"):
        line = over(parse_colour(ours[f"--annotary-{kind}-line"], ours), page)
        ratios[f"{kind} line on page"] = contrast(line, page)
    return ratios


def test_material_colours_are_what_we_expect() -> None:
    # If Material changes its palette, the ratios below are measured against the new one.
    themes = material_palettes()
    page = parse_colour(themes["default"]["--md-default-bg-color"], themes["default"])
    assert page[:3] == (1.0, 1.0, 1.0)
    text = parse_colour(themes["slate"]["--md-default-fg-color"], themes["slate"])
    assert text[3] == pytest.approx(0.82)


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_highlighted_text_meets_wcag_aa(scheme: str) -> None:
    ratios = measured(scheme)
    low = {k: round(v, 2) for k, v in ratios.items() if k.startswith("text") and v < 4.5}
    assert not low, f"text under 4.5:1 on highlights ({scheme}): {low}"


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_highlight_lines_meet_non_text_contrast(scheme: str) -> None:
    ratios = measured(scheme)
    low = {k: round(v, 2) for k, v in ratios.items() if "line" in k and v < 3}
    assert not low, f"lines under 3:1 ({scheme}): {low}"


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_every_colour_is_defined_for_both_palettes(scheme: str) -> None:
    names = {f"--annotary-{s}-{p}" for s in STATUSES for p in ("bg", "line")}
    names |= {"--annotary-quote-line", "--annotary-source-line", "--annotary-target-line"}
    assert names <= set(our_palettes()[scheme])


# --- Assets: the script's side of the contract ----------------------------------------------


def test_script_is_self_contained() -> None:
    script = JS.read_text(encoding="utf-8")
    assert not re.search(r"https?://", script), "no requests, no external resources"
    assert "eval(" not in script
    assert "innerHTML" not in script  # notes are cloned as nodes, never re-parsed
    for hook in (
        "mark[data-annotations]",
        "annotary-popover",
        'role", "dialog"',
        ".annotary-toggle[data-annotary-type]",
        "aria-pressed",
        "annotary-js",
        "annotary-targeted",
        "document$",
        "localStorage",
    ):
        assert hook in script, hook


def test_stylesheet_has_print_rules_and_no_external_resources() -> None:
    css = CSS.read_text(encoding="utf-8")
    assert "@media print" in css
    assert "url(" not in css
    assert 'content: "[" attr(data-n) "]"' in css


def test_an_article_pages_anchor_ids_are_the_ids_of_its_content() -> None:
    """The ids a page adds for link checkers (its list's and highlights', and the
    article's own, which highlighting keeps) are every id of its content."""
    from annotary.articlepage import PageSettings, build_article_page
    from annotary.markup import element_ids, markdown_config_from_mkdocs_yml

    checked = check_archive(REPO)
    config = markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")
    settings = PageSettings("articles/x/", True, "https://example.org/articles/x/", "A", None)
    for slug, article in checked.archive.articles.items():
        body = config.render(article.body) + '<h2 id="more-reading">More</h2><p id="p-9">Text</p>'
        built = build_article_page(
            body, article, checked.archive.annotations_of(slug), checked.archive, settings
        )
        ids = element_ids(built.page.content)
        assert list(built.page.anchor_ids) == sorted(set(ids))
        assert {"more-reading", "p-9", "annotations"} <= set(ids)
