"""The archive's own pages: pure functions on small archives, then the real site built.

The pure tests check what each page says and links to, on an archive with
three articles, a contributor's hostile source name and an annotation that
cannot be placed; then, on synthetic archives, that long listings are split into
pages of at most ``PAGE_SIZE`` passages and that no listing grows with the
archive. The build tests check what MkDocs makes of it: links and ``#anchors``
that resolve, a navigation that does not grow with the archive, and a search
index that points at articles rather than at listings.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotary.diagnostics import Location
from annotary.markup import markdown_config_from_mkdocs_yml
from annotary.model import (
    ANNOTATION_TYPES,
    STATUSES,
    Annotation,
    AnnotationFile,
    Archive,
    Article,
    ArticleMeta,
    Source,
)
from annotary.pages import (
    CLAIMS_PAGE,
    HOME_MARKER,
    PAGE_SIZE,
    SOURCES_INDEX,
    STATUS_ORDER,
    TAGS_INDEX,
    ListingPage,
    Passage,
    archive_passages,
    home_list,
    page_url,
    passages_of,
    plan_pages,
    render_page,
    render_pages,
    tag_page_name,
)
from annotary.pipeline import CheckedArchive, check_archive

REPO = Path(__file__).resolve().parents[1]
EVIL_NAME = "</title><script>alert(1)</script> *Bold* [x](y) a_b_c #1 | `c`"
EVIL_QUOTE = "Rates rose *sharply* [1] <b>now</b>"

ARTICLES = {
    "older-report": """\
---
title: Older report
author: [Ann Writer, Bo Writer]
outlet: Daily Test
published: 2024-05-01
captured: 2026-01-01
tags: [Economy, economy]
---
The minister said rates rose 2% this year. Rates rose *sharply* [1] <b>now</b>, he added.

Officials said the cut is over.
""",
    "newer-report": """\
---
title: Newer <report> & *more*
author: Cy Writer
outlet: Evening Test
published: 2025-02-01
captured: 2026-01-01
tags: [economy]
---
The minister said the cut is over. Officials said nothing.
""",
    "captured-only": """\
---
title: Captured only
author: Di Writer
outlet: Weekly Test
captured: 2024-12-01
---
Nothing is annotated here.
""",
}

SOURCES = """\
sources:
  - id: minister
    name: "</title><script>alert(1)</script> *Bold* [x](y) a_b_c #1 | `c`"
    kind: person
    role: "Role with | pipe and _under_ <i>"
    url: https://example.org/minister?a=1&b=2
  - id: officials
    name: Officials
    kind: anonymous
"""

OLDER_ANNOTATIONS = """\
article: older-report
annotations:
  - id: minister-said
    type: source
    quote: The minister said
    source: minister
  - id: rates-rose-2
    type: claim
    quote: rates rose 2% this year
    status: false
    attributed_to: [minister, officials]
    tags: [Economy, "c++ & <b>"]
  - id: rates-sharply
    type: quote
    quote: "Rates rose sharply [1] now"
    speaker: minister
  - id: cut-over-older
    type: claim
    quote: the cut is over
    status: supported
    attributed_to: [officials]
    tags: [index]
  - id: never-there
    type: claim
    quote: a sentence that is nowhere in this article at all, not even close
    status: disputed
    attributed_to: [minister]
"""

NEWER_ANNOTATIONS = """\
article: newer-report
annotations:
  - id: officials-nothing
    type: source
    quote: Officials said
    source: officials
  - id: minister-newer
    type: source
    quote: The minister said
    source: minister
  - id: cut-over-newer
    type: claim
    quote: the cut is over
    status: unverified
    attributed_to: [minister]
    tags: [economy]
"""

#: All that the listing pages may contain: elements and attributes.
ALLOWED_TAGS = {
    "a", "br", "em", "h1", "h2", "h3", "li", "nav", "p", "span", "strong",
    "table", "tbody", "td", "th", "thead", "time", "tr", "ul", "div",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "aria-label", "class", "data-search-exclude", "datetime", "href", "id", "rel", "title",
}  # fmt: skip


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> CheckedArchive:
    root = tmp_path_factory.mktemp("archive")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for slug, text in ARTICLES.items():
        write(root / "docs" / "articles" / f"{slug}.md", text)
    write(root / "annotations" / "sources.yml", SOURCES)
    write(root / "annotations" / "older-report.yml", OLDER_ANNOTATIONS)
    write(root / "annotations" / "newer-report.yml", NEWER_ANNOTATIONS)
    result = check_archive(root)
    # The one problem: the annotation written to be an orphan.
    assert [p.code for p in result.errors] == ["quote-not-found"], result.problems
    return result


@pytest.fixture(scope="module")
def passages(checked: CheckedArchive) -> dict[str, tuple[Passage, ...]]:
    return archive_passages(checked)


@pytest.fixture(scope="module")
def plan(checked: CheckedArchive) -> dict[str, ListingPage]:
    return plan_pages(checked.archive)


@pytest.fixture(scope="module")
def pages(checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]]) -> dict[str, str]:
    return render_pages(checked.archive, passages, directory_urls=True)


@pytest.fixture(scope="module")
def home(checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]]) -> str:
    return home_list(checked.archive, passages, directory_urls=True)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class Html(HTMLParser):
    """A fragment's elements, ids, links (in order) and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.rels: dict[str, list[str]] = {}
        self.h1: list[str] = []
        self._parts: list[str] = []
        self._in_h1 = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
        href = attributes.get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href)
            for rel in (attributes.get("rel") or "").split():
                self.rels.setdefault(rel, []).append(href)
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        self._parts.append(data)
        if self._in_h1:
            self.h1.append(data)

    @property
    def text(self) -> str:
        return "".join(self._parts)


def text_of(html: str) -> str:
    return Html(html).text


def h1_of(html: str) -> str:
    return "".join(Html(html).h1)


def section(html: str, heading_id: str) -> str:
    """The HTML from the heading with ``heading_id`` up to the next heading of its level."""
    match = re.search(rf'<h(\d) id="{re.escape(heading_id)}".*?</h\1>', html)
    assert match, f"no heading #{heading_id}"
    rest = html[match.end() :]
    end = re.search(rf"<h{match.group(1)}[ >]|<nav ", rest)
    return rest[: end.start()] if end else rest


def passage_links(html: str) -> list[str]:
    """Links to a highlight (``…/articles/<slug>/#<id>``), in order."""
    return [h for h in Html(html).hrefs if "articles/" in h and "#" in h]


def series(plan: Mapping[str, ListingPage], base: str) -> list[str]:
    """The paths of a series' pages, in order."""
    paths = [f"{base}.md"]
    while f"{base}/page-{len(paths) + 1}.md" in plan:
        paths.append(f"{base}/page-{len(paths) + 1}.md")
    return paths


# --- Home ---------------------------------------------------------------------------------


def test_home_lists_articles_newest_first(home: str) -> None:
    assert Html(home).hrefs == [
        "articles/newer-report/",
        "articles/captured-only/",
        "articles/older-report/",
    ]


def test_home_links_without_directory_urls(
    checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]]
) -> None:
    home = home_list(checked.archive, passages, directory_urls=False)
    assert Html(home).hrefs[0] == "articles/newer-report.html"


def test_home_shows_byline_and_counts(home: str) -> None:
    text = text_of(home)
    assert "Daily Test · Ann Writer and Bo Writer · 1 May 2024" in text
    assert "Weekly Test · Di Writer · captured 1 December 2024" in text
    assert (
        "3 claims (1 supported, 1 disputed, 1 false) · 1 quote · 1 source mention · 1 not placed"
        in text
    )
    assert "1 claim (1 unverified) · 0 quotes · 2 source mentions" in text
    assert "0 claims · 0 quotes · 0 source mentions" in text


def test_home_list_is_left_out_of_search(home: str) -> None:
    assert home.startswith('<div class="annotary-articles" data-search-exclude>')


def test_home_without_articles() -> None:
    assert "No articles yet." in home_list(Archive(), {}, directory_urls=True)


def test_home_marker_is_in_the_home_page() -> None:
    assert HOME_MARKER in (REPO / "docs" / "index.md").read_text(encoding="utf-8")


def test_home_list_survives_the_home_pages_markdown() -> None:
    """The list replaces the marker in Markdown: no contributor's text may end its HTML block."""
    evil = synthetic_article("evil", 3)
    title = f"{EVIL_NAME}\n\n# Heading\n\n    code *x*\n\n<div>"
    evil = replace(evil, meta=replace(evil.meta, title=title, authors=("A\n\n- B",)))
    archive = synthetic_archive([*hub_articles([3]), (evil, [])], [HUB])
    home = home_list(archive, unplaced(archive), directory_urls=True)
    config = markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")
    page = (REPO / "docs" / "index.md").read_text(encoding="utf-8").replace(HOME_MARKER, home)
    html = markdown.markdown(
        page,
        extensions=list(config.extensions),
        extension_configs={k: dict(v) for k, v in config.configs.items()},
    )
    assert home.strip() in html
    assert " ".join(title.split()) in text_of(home)


# --- Sources ------------------------------------------------------------------------------


def test_source_page_has_every_mention_with_its_link(
    checked: CheckedArchive, pages: dict[str, str]
) -> None:
    for source_id in checked.archive.sources:
        page = pages[f"sources/{source_id}.md"]
        expected = []
        for slug in ("newer-report", "older-report"):  # newest first
            placements = sorted(
                (
                    p
                    for p in checked.placed[slug].placements
                    if source_id in p.annotation.source_ids
                ),
                key=lambda p: (p.span is None, p.span or (0, 0)),  # reading order, orphans last
            )
            for p in placements:
                anchor = p.annotation.id if p.span else f"note-{p.annotation.id}"
                expected.append(f"../../articles/{slug}/#{anchor}")
        assert passage_links(page) == expected, source_id


def test_source_page_shows_placed_text_and_marks_orphans(pages: dict[str, str]) -> None:
    page = pages["sources/minister.md"]
    # The highlighted text as it reads in the article (markup removed), not the YAML quote.
    assert f"“{escape('Rates rose sharply [1] now')}”" in page
    orphan = next(line for line in page.splitlines() if "#note-never-there" in line)
    assert "(not placed)" in orphan
    assert "a sentence that is nowhere in this article" in orphan
    placed = next(line for line in page.splitlines() if "#rates-sharply" in line)
    assert "not placed" not in placed


def test_source_page_details(plan: dict[str, ListingPage], pages: dict[str, str]) -> None:
    page = pages["sources/minister.md"]
    assert page.startswith(f"<h1>{escape(EVIL_NAME)}</h1>\n")
    assert h1_of(page) == EVIL_NAME
    # The title is plain text: the adapter escapes it where the theme wants HTML.
    assert plan["sources/minister.md"].title == EVIL_NAME
    assert "<strong>Person</strong> · Role with | pipe and _under_ &lt;i&gt;" in page
    assert '<a href="https://example.org/minister?a=1&amp;b=2" rel="noopener">' in page
    assert "In 2 articles: 1 quote, 3 claims attributed to it, 2 passages naming it." in page
    # A claim attributed to the minister and to others names only the others here.
    item = next(line for line in page.splitlines() if "#rates-rose-2" in line)
    assert item.endswith(
        '<br>Also attributed to <a href="../../sources/officials/">Officials</a></li>'
    )
    # A claim's chip links to what its status means.
    assert '<a class="md-tag" href="../../claims/#false">Claim: false</a>' in item
    # Single page: no pager.
    assert "annotary-pager" not in page


def test_source_page_links_only_web_addresses() -> None:
    for url in ("javascript:alert(1)", "data:text/html,x", "//example.org", "example.org"):
        archive = synthetic_archive(hub_articles([1]), [replace(HUB, url=url)])
        page = render_page("sources/hub.md", archive, {}, directory_urls=True)
        assert "noopener" not in page, url


def test_source_page_search_sees_only_who_it_is(plan: dict[str, ListingPage]) -> None:
    search = plan["sources/minister.md"].search_html
    assert search == "<p>Person · Role with | pipe and _under_ &lt;i&gt;</p>"


def test_sources_index_by_kind_with_mention_counts(pages: dict[str, str]) -> None:
    index = pages[SOURCES_INDEX]
    assert h1_of(index) == "Sources"
    assert index.index('id="person"') < index.index('id="anonymous"')
    assert f'<tr><td><a href="../sources/minister/">{escape(EVIL_NAME)}</a></td>' in index
    assert (
        '<tr><td><a href="../sources/officials/">Officials</a></td><td>—</td>'
        '<td class="annotary-num">3</td></tr>'
    ) in index
    assert re.search(r'minister/">[^\n]*<td class="annotary-num">6</td></tr>', index)


def test_a_source_named_index_does_not_replace_the_sources_index(
    checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]]
) -> None:
    officials = checked.archive.sources["officials"]
    sources = {**checked.archive.sources, "index": replace(officials, id="index", name="Index")}
    archive = replace(checked.archive, sources=sources)
    plan = plan_pages(archive)
    assert plan[SOURCES_INDEX].title == "Sources"
    assert not [p for p in plan if p.startswith("sources/index/")]
    index = render_page(SOURCES_INDEX, archive, passages, directory_urls=True)
    assert h1_of(index) == "Sources"
    # listed, without a link
    assert '<tr><td>Index</td><td>—</td><td class="annotary-num">0</td></tr>' in index


# --- Claims -------------------------------------------------------------------------------


def test_claims_overview_links_every_status(
    plan: dict[str, ListingPage], pages: dict[str, str]
) -> None:
    claims = pages[CLAIMS_PAGE]
    assert sorted(STATUS_ORDER) == sorted(STATUSES)
    ids = Html(claims).ids
    # Every status has its anchor (article pages link `claims/#<status>`), in order.
    assert [i for i in ids if i in STATUSES] == list(STATUS_ORDER)
    for status in STATUS_ORDER:
        assert f"claims/{status}.md" in plan
        assert f'href="../claims/{status}/"' in claims
    assert "No claims." in section(claims, "misleading")
    assert '<a href="../claims/false/">1 claim</a>' in section(claims, "false")
    assert "<em>Unverified</em> means not checked" in claims
    assert "Every claim annotated" in plan[CLAIMS_PAGE].search_html


def test_claims_grouped_by_status(checked: CheckedArchive, pages: dict[str, str]) -> None:
    for slug, placed in checked.placed.items():
        for p in placed.placements:
            a = p.annotation
            if a.type != "claim":
                continue
            anchor = a.id if p.span else f"note-{a.id}"
            target = f"../../articles/{slug}/#{anchor}"
            assert target in passage_links(pages[f"claims/{a.status}.md"]), a.id
            for status in set(STATUS_ORDER) - {a.status}:
                assert target not in pages[f"claims/{status}.md"]
    assert "No claims." in pages["claims/misleading.md"]
    assert h1_of(pages["claims/false.md"]) == "Claims: false"


def test_claim_shows_article_and_attribution(pages: dict[str, str]) -> None:
    false = pages["claims/false.md"]
    assert '<a href="../../articles/older-report/">Older report</a>' in false
    assert (
        f'Attributed to <a href="../../sources/minister/">{escape(EVIL_NAME)}</a>, '
        '<a href="../../sources/officials/">Officials</a>'
    ) in false
    assert "Daily Test · Ann Writer and Bo Writer" in false


# --- Tags ---------------------------------------------------------------------------------


def test_tags_merge_spellings_and_list_what_carries_them(pages: dict[str, str]) -> None:
    economy = pages["tags/economy.md"]
    assert h1_of(economy) == "Tag: economy"  # the most used spelling
    assert "Carried by 2 articles and 2 annotations." in economy
    assert Html(section(economy, "articles")).hrefs == [
        "../../articles/newer-report/",
        "../../articles/older-report/",
    ]
    annotation_links = passage_links(section(economy, "annotations"))
    assert "../../articles/newer-report/#cut-over-newer" in annotation_links
    assert "../../articles/older-report/#rates-rose-2" in annotation_links


def test_tag_page_names_are_safe(plan: dict[str, ListingPage], pages: dict[str, str]) -> None:
    assert tag_page_name("c++ & <b>") == "c-b"
    assert tag_page_name("???") == "tag"
    assert tag_page_name("index") == "index-tag"
    assert h1_of(pages[TAGS_INDEX]) == "Tags"
    assert plan[TAGS_INDEX].title == "Tags"
    assert '<a href="../tags/index-tag/">index</a>' in pages[TAGS_INDEX]
    assert f'<a href="../tags/c-b/">{escape("c++ & <b>")}</a>' in pages[TAGS_INDEX]
    assert h1_of(pages["tags/index-tag.md"]) == "Tag: index"
    assert plan["tags/c-b.md"].title == "Tag: c++ & <b>"


# --- Every page ---------------------------------------------------------------------------


def test_every_page_has_a_title(plan: dict[str, ListingPage], pages: dict[str, str]) -> None:
    for path, page in pages.items():
        assert page.startswith("<h1>"), path
        assert plan[path].title, path
        assert h1_of(page) == plan[path].title, path
        assert "\n" not in plan[path].title, path


def test_no_page_but_home_lists_every_article(pages: dict[str, str]) -> None:
    for path, page in pages.items():
        slugs = set(re.findall(r"articles/([a-z0-9-]+)/", page))
        assert slugs < set(ARTICLES), path


def test_search_sees_little_of_any_page(plan: dict[str, ListingPage]) -> None:
    for path, page in plan.items():
        assert len(page.search_html) < 400, path
        assert "articles/" not in page.search_html, path
        assert "rates rose" not in page.search_html.lower(), path


def assert_only_known_markup(html: str, where: str) -> Html:
    parsed = Html(html)
    for tag, attributes in parsed.elements:
        assert tag in ALLOWED_TAGS, (where, tag)
        assert set(attributes) <= ALLOWED_ATTRIBUTES, (where, attributes)
        href = attributes.get("href") or ""
        assert not href.lower().startswith(("javascript:", "data:")), where
    return parsed


@pytest.mark.parametrize("path", ["sources/minister.md", SOURCES_INDEX, "claims/false.md", "home"])
def test_contributor_text_is_escaped(path: str, pages: dict[str, str], home: str) -> None:
    html = home if path == "home" else pages[path]
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    text = assert_only_known_markup(html, path).text
    if path != "home":
        assert EVIL_NAME in text
    if path == "sources/minister.md":
        assert "Rates rose sharply [1] now" in text
    if path == "home":
        assert "Newer <report> & *more*" in text


def test_every_page_uses_only_known_markup(pages: dict[str, str], home: str) -> None:
    for path, page in {**pages, "home": home}.items():
        assert_only_known_markup(page, path)


# --- Plan and render agree ----------------------------------------------------------------


def annotation_ids(html: str) -> list[str]:
    """The annotations a page lists (``#id`` or ``#note-id``), in page order."""
    return [h.split("#", 1)[1].removeprefix("note-") for h in passage_links(html)]


def test_plan_and_render_agree(
    checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]], pages: dict[str, str]
) -> None:
    archive = checked.archive
    assert set(plan_pages(archive)) == set(pages)
    # Not placed: every annotation as written. Same pages, same annotations on each.
    as_written = {
        slug: passages_of(None, article, archive.annotation_files[slug].annotations)
        for slug, article in archive.articles.items()
        if slug in archive.annotation_files
    }
    for other in (as_written, {}):  # articles missing from `passages` too
        others = render_pages(archive, other, directory_urls=True)
        assert set(others) == set(pages)
        for path, page in pages.items():
            assert sorted(annotation_ids(others[path])) == sorted(annotation_ids(page)), path
            assert "not placed" in others[path] or not annotation_ids(page), path
    with pytest.raises(KeyError):
        render_page("sources/nobody.md", archive, passages, directory_urls=True)
    with pytest.raises(KeyError):
        render_page("sources/minister/page-2.md", archive, passages, directory_urls=True)


def test_plan_is_fresh_for_each_archive(checked: CheckedArchive) -> None:
    archive = checked.archive
    fewer = replace(archive, sources={"officials": archive.sources["officials"]})
    assert "sources/minister.md" in plan_pages(archive)
    assert "sources/minister.md" not in plan_pages(fewer)
    assert "sources/minister.md" in plan_pages(archive)


def resolves(
    plan: Mapping[str, ListingPage],
    pages: Mapping[str, str],
    archive: Archive,
    directory_urls: bool,
) -> None:
    """Every link of every page leads to a page of the site, every ``#anchor`` to an id."""
    urls = {page_url(path, directory_urls): path for path in plan}
    articles = {page_url(f"articles/{slug}.md", directory_urls) for slug in archive.articles}
    ids = {path: set(Html(page).ids) for path, page in pages.items()}
    for path, page in pages.items():
        base = "http://site/" + page_url(path, directory_urls)
        for href in Html(page).hrefs:
            if href.startswith("https://"):
                continue
            parts = urlsplit(urljoin(base, href))
            target = parts.path.lstrip("/")
            assert target in urls or target in articles, (path, href)
            if parts.fragment and target in urls:
                assert parts.fragment in ids[urls[target]], (path, href)
            if target == page_url(path, directory_urls) and parts.fragment:
                assert parts.fragment in ids[path], (path, href)


@pytest.mark.parametrize("directory_urls", [True, False])
def test_every_link_resolves(
    checked: CheckedArchive, passages: dict[str, tuple[Passage, ...]], directory_urls: bool
) -> None:
    archive = checked.archive
    pages = render_pages(archive, passages, directory_urls=directory_urls)
    resolves(plan_pages(archive), pages, archive, directory_urls)


def test_page_urls() -> None:
    assert page_url("sources/index.md", True) == "sources/"
    assert page_url("sources/index.md", False) == "sources/index.html"
    assert page_url("claims.md", True) == "claims/"
    assert page_url("claims.md", False) == "claims.html"
    assert page_url("sources/x/page-2.md", True) == "sources/x/page-2/"
    assert page_url("sources/x/page-2.md", False) == "sources/x/page-2.html"
    assert page_url("index.md", True) == ""
    assert page_url("index.md", False) == "index.html"


# --- Synthetic archives: pagination and growth --------------------------------------------

LOC = Location("annotations/synthetic.yml", 1, 1)
HUB = Source("hub", "Hub Person", "person", LOC, role="the hub")
OTHER = Source("other", "Other Person", "person", LOC, role="someone else")


def synthetic_article(slug: str, day: int, tags: tuple[str, ...] = ()) -> Article:
    meta = ArticleMeta(
        title=f"Report {slug}",
        authors=("Ann Writer",),
        outlet="Daily Test",
        captured=datetime.date(2026, 1, 1),
        published=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
        tags=tags,
    )
    return Article(slug, f"docs/articles/{slug}.md", meta, "Body.\n")


def mention(number: int, source: str, tag: str) -> Annotation:
    """Annotation ``number``: a claim, a quote or a source naming ``source``, in turn."""
    kind = ANNOTATION_TYPES[number % 3]
    fields: dict[str, Any] = {
        "claim": {"status": "false", "attributed_to": (source,)},
        "quote": {"speaker": source},
        "source": {"source": source},
    }
    fields = fields[kind]
    return Annotation(
        id=f"a-{number}",
        type=kind,
        quote=f"passage {number} of the article",
        loc=LOC,
        quote_loc=LOC,
        tags=(tag,),
        **fields,
    )


def synthetic_archive(
    articles: Sequence[tuple[Article, Sequence[Annotation]]], sources: Sequence[Source]
) -> Archive:
    return Archive(
        articles={a.slug: a for a, _ in articles},
        annotation_files={
            a.slug: AnnotationFile(a.slug, f"annotations/{a.slug}.yml", tuple(annotations))
            for a, annotations in articles
        },
        sources={s.id: s for s in sources},
    )


def hub_articles(sizes: Sequence[int]) -> list[tuple[Article, list[Annotation]]]:
    """Articles mentioning the hub source ``sizes[i]`` times each, the first the newest."""
    return [
        (
            synthetic_article(f"hub-{i:03d}", 5000 - i, ("busy",) if i % 2 else ()),
            [mention(n, "hub", "busy") for n in range(size)],
        )
        for i, size in enumerate(sizes)
    ]


def filler_articles(count: int, first_day: int) -> list[tuple[Article, list[Annotation]]]:
    """Articles that name only the other source and carry only the other tag."""
    return [
        (
            synthetic_article(f"filler-{i:05d}", first_day + i, ("filler",)),
            [mention(n, "other", "filler") for n in range(3)],
        )
        for i in range(count)
    ]


def unplaced(archive: Archive) -> dict[str, tuple[Passage, ...]]:
    return {
        slug: passages_of(None, article, archive.annotation_files[slug].annotations)
        for slug, article in archive.articles.items()
    }


def _hub_sizes(page: int) -> list[int]:
    """Mentions per article of the hub: ten pages' worth in all, some articles longer
    than a page, some just under, at and over one page."""
    sizes = [page * 5 // 2, 1, page - 1, page, page + 1, 7, 30]
    rest = 10 * page - sum(sizes)
    sizes += [20] * (rest // 20)
    return [*sizes, rest % 20] if rest % 20 else sizes


HUB_SIZES = _hub_sizes(PAGE_SIZE)


@pytest.fixture(scope="module")
def busy() -> tuple[Archive, dict[str, ListingPage], dict[str, str]]:
    assert sum(HUB_SIZES) == 10 * PAGE_SIZE
    archive = synthetic_archive(hub_articles(HUB_SIZES) + filler_articles(5, 0), [HUB, OTHER])
    plan = plan_pages(archive)
    return archive, plan, render_pages(archive, unplaced(archive), directory_urls=True)


@pytest.mark.parametrize("base", ["sources/hub", "claims/false", "tags/busy"])
def test_long_listings_are_paginated(
    busy: tuple[Archive, dict[str, ListingPage], dict[str, str]], base: str
) -> None:
    archive, plan, pages = busy
    paths = series(plan, base)
    assert len(paths) > 3
    assert not [p for p in plan if p.startswith(f"{base}/") and p not in paths]
    listed: Counter[str] = Counter()
    for number, path in enumerate(paths, 1):
        page = pages[path]
        assert page.count("<li>") <= PAGE_SIZE, path
        links = passage_links(page)
        listed.update(links)
        title = plan[path].title
        if number == 1:
            assert "page" not in title
            assert plan[path].search_html
        else:
            assert title.endswith(f" (page {number} of {len(paths)})"), title
            assert plan[path].search_html == ""
        assert h1_of(page) == title
    # Every passage exactly once, across the pages of the series.
    assert set(listed.values()) == {1}
    expected = {
        f"articles/{slug}/#note-{a.id}"
        for slug, file in archive.annotation_files.items()
        for a in file.annotations
        if (base == "sources/hub" and "hub" in a.source_ids)
        or (base == "claims/false" and a.type == "claim")
        or (base == "tags/busy" and "busy" in a.tags)
    }
    assert {link.removeprefix("../../../").removeprefix("../../") for link in listed} == expected


@pytest.mark.parametrize("directory_urls", [True, False])
def test_pager_links_chain_across_the_series(
    busy: tuple[Archive, dict[str, ListingPage], dict[str, str]], directory_urls: bool
) -> None:
    archive, plan, _ = busy
    pages = render_pages(archive, unplaced(archive), directory_urls=directory_urls)
    for base in ("sources/hub", "claims/false", "tags/busy", "sources/other"):
        paths = series(plan, base)
        urls = [page_url(p, directory_urls) for p in paths]
        for number, (path, url) in enumerate(zip(paths, urls, strict=True), 1):
            page = pages[path]
            if len(paths) == 1:
                assert "annotary-pager" not in page
                continue
            nav = page[page.index('<nav class="annotary-pager" aria-label="Pages">') :]
            assert f"Page {number} of {len(paths)}" in nav
            parsed = Html(nav)

            def resolve(href: str, here: str = url) -> str:
                return urlsplit(urljoin("http://site/" + here, href)).path.lstrip("/")

            prev, following = parsed.rels.get("prev", []), parsed.rels.get("next", [])
            assert [resolve(h) for h in prev] == ([urls[number - 2]] if number > 1 else [])
            assert [resolve(h) for h in following] == (
                [urls[number]] if number < len(paths) else []
            )
            targets = {resolve(h) for h in parsed.hrefs}
            assert targets <= set(urls)
            if number > 2:
                assert urls[0] in targets  # first
            if number < len(paths) - 1:
                assert urls[-1] in targets  # last
    resolves(plan, pages, archive, directory_urls)


def test_articles_stay_together_when_they_fit(
    busy: tuple[Archive, dict[str, ListingPage], dict[str, str]],
) -> None:
    _, plan, pages = busy
    paths = series(plan, "sources/hub")
    for i, size in enumerate(HUB_SIZES):
        slug = f"hub-{i:03d}"
        on = [p for p in paths if f'id="article-{slug}"' in pages[p]]
        expected = -(-size // PAGE_SIZE) if size > PAGE_SIZE else 1
        assert len(on) == expected, (slug, size, on)
        if len(on) > 1:
            assert "continued from the previous page" in section(pages[on[1]], f"article-{slug}")


def test_a_source_page_does_not_grow_with_unrelated_articles() -> None:
    small = synthetic_archive(hub_articles([3, 5, 2]), [HUB, OTHER])
    large = synthetic_archive(
        filler_articles(400, 0) + hub_articles([3, 5, 2]) + filler_articles(400, 9000),
        [HUB, OTHER],
    )
    for path in ("sources/hub.md", "tags/busy.md"):
        before = render_page(path, small, unplaced(small), directory_urls=True)
        after = render_page(path, large, unplaced(large), directory_urls=True)
        assert after == before, path


def test_no_listing_grows_with_the_archive() -> None:
    """Only the indexes grow (by one entry per source or tag); every other page is bounded."""

    def largest(count: int) -> tuple[int, int]:
        archive = synthetic_archive(
            hub_articles([3, 150]) + filler_articles(count, 0), [HUB, OTHER]
        )
        pages = render_pages(archive, unplaced(archive), directory_urls=True)
        sizes = [len(p) for path, p in pages.items() if path not in {SOURCES_INDEX, TAGS_INDEX}]
        return max(sizes), len(pages)

    small, small_count = largest(2 * PAGE_SIZE)  # every series already fills a page
    large, large_count = largest(15 * PAGE_SIZE)
    assert large_count > small_count + 20  # more pages…
    assert large <= small * 1.05  # …none of them larger (but for longer dates, more digits)


# --- Hostile text -------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1))
def test_any_text_renders_as_text(text: str) -> None:
    source = Source("someone", text, "person", LOC, role=text, url=f"https://example.org/?q={text}")
    article = replace(
        synthetic_article("only", 1, (text,)),
        meta=replace(synthetic_article("only", 1).meta, title=text, authors=(text,), tags=(text,)),
    )
    annotation = replace(mention(0, "someone", text), quote=text)
    archive = synthetic_archive([(article, [annotation])], [source])
    plan = plan_pages(archive)
    pages = render_pages(archive, unplaced(archive), directory_urls=True)
    assert set(pages) == set(plan)
    one_line = " ".join(text.split())
    for path, page in pages.items():
        parsed = assert_only_known_markup(page, path)
        assert "".join(parsed.h1) == plan[path].title, path
        assert_only_known_markup(plan[path].search_html, path)
    assert plan["sources/someone.md"].title == (one_line or "someone")
    assert one_line in text_of(pages["sources/someone.md"])  # the role, on one line
    tag = f"tags/{tag_page_name(text)}.md"
    assert plan[tag].title == f"Tag: {one_line}"
    home = home_list(archive, unplaced(archive), directory_urls=True)
    assert one_line in assert_only_known_markup(home, "home").text


# --- The real site, built -----------------------------------------------------------------
# These build the repository's own archive with MkDocs and the annotary plugin: they
# check the adapter and these pages together.


class _Anchors(HTMLParser):
    """Every ``id`` of a page, every link, and the links inside the primary navigation."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.nav_hrefs: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        in_nav = bool(self._stack and self._stack[-1])
        if "md-nav--primary" in (attributes.get("class") or "").split():
            in_nav = True
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(str(attributes["href"]))
            if in_nav:
                self.nav_hrefs.append(str(attributes["href"]))
        if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "path"}:
            self._stack.append(in_nav)

    def handle_endtag(self, tag: str) -> None:
        if self._stack and tag not in {"br", "img", "input", "meta", "link", "hr", "wbr"}:
            self._stack.pop()


def parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = build(REPO, out)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return out


def site_pages(site: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(site.rglob("index.html")):
        url = path.parent.relative_to(site).as_posix()
        yield ("" if url == "." else url + "/"), path


def test_site_source_page_links_to_the_highlights(site: Path) -> None:
    page = parse(site / "sources" / "hamish-de-bretton-gordon" / "index.html")
    prefix = "../../articles/north-korean-troops-kursk/#"
    for anchor in (
        "de-bretton-gordon-barely-trained",
        "barely-trained-led-by-russian-officers",
        "source-de-bretton-gordon",
        "de-bretton-gordon-cannon-fodder",
    ):
        assert prefix + anchor in page.hrefs


def test_site_every_internal_link_and_anchor_resolves(site: Path) -> None:
    parsed = {url: parse(path) for url, path in site_pages(site)}
    for url, page in parsed.items():
        if not (url == "" or url.split("/")[0] in {"sources", "claims", "tags"}):
            continue
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("mailto:"):
                continue
            target = urlsplit(urljoin("http://site/" + url, href)).path.lstrip("/")
            if target.startswith("assets/") or target.startswith("search/"):
                continue
            if target and not target.endswith("/"):  # a file, e.g. the feed
                assert (site / target).is_file(), f"{url}: {href}"
                continue
            assert target in parsed, f"{url}: {href}"
            if parts.fragment:
                assert parts.fragment in parsed[target].ids, f"{url}: {href}"


def test_site_generated_pages_exist(site: Path) -> None:
    for url in (
        "sources/",
        "claims/",
        "claims/false/",
        "claims/unverified/",
        "tags/",
        "tags/casualties/",
        "sources/western-officials/",
    ):
        assert (site / url / "index.html").is_file(), url
    claims = parse(site / "claims" / "index.html")
    assert set(STATUSES) <= claims.ids


def test_site_navigation_does_not_grow_with_the_archive(site: Path) -> None:
    for url in ("articles/north-korean-troops-kursk/", "sources/western-officials/", ""):
        nav = parse(site / url / "index.html").nav_hrefs
        assert nav, url
        assert not [h for h in nav if "articles/" in h], url
        assert not [h for h in nav if re.search(r"sources/[a-z0-9-]+/", h)], url
        assert len(nav) <= 8, nav


def test_site_search_indexes_articles_not_listings(site: Path) -> None:
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    listing = [d for d in docs if not d["location"].startswith("articles/")]
    passage = "barely trained troops"
    assert any(passage in d["text"] for d in docs if d["location"].startswith("articles/"))
    assert not [d["location"] for d in listing if passage in d["text"]]
    titles = [
        d["title"] for d in listing if d["location"].startswith("sources/hamish-de-bretton-gordon/")
    ]
    assert titles == ["Col Hamish de Bretton-Gordon"]
    role = next(d for d in listing if d["location"] == "sources/hamish-de-bretton-gordon/")
    assert "Former British Army tank commander" in role["text"]
    # No listing repeats an article's title either.
    title = "About 1,000 North Koreans killed"
    assert not [d["location"] for d in listing if title in d["title"] + d["text"]]


def test_site_hostile_names_are_escaped_in_the_built_site(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for extra in ("overrides", "docs/assets"):
        if (REPO / extra).is_dir():
            shutil.copytree(REPO / extra, root / extra)
    shutil.copy(REPO / "docs" / "index.md", root / "docs" / "index.md")
    for slug, text in ARTICLES.items():
        write(root / "docs" / "articles" / f"{slug}.md", text)
    write(root / "annotations" / "sources.yml", SOURCES)
    write(root / "annotations" / "newer-report.yml", NEWER_ANNOTATIONS)
    result = build(root, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    for url in ("sources/minister/", "sources/", "claims/", "claims/unverified/", ""):
        html = (tmp_path / "site" / url / "index.html").read_text(encoding="utf-8")
        assert "<script>alert" not in html, url
    minister = (tmp_path / "site" / "sources" / "minister" / "index.html").read_text()
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", minister, re.S)
    assert len(headings) == 1, headings
    assert unescape(re.sub(r"<[^>]+>", "", headings[0])).removesuffix("¶") == EVIL_NAME
    title = re.search(r"<title>(.*?)</title>", minister, re.S)
    assert title
    assert unescape(title.group(1)) == f"{EVIL_NAME} - Annotary"
