"""The archive's own pages: pure functions on a small archive, then the real site built.

The pure tests check what each page says and links to, on an archive with
three articles, a contributor's hostile source name and an annotation that
cannot be placed. The build tests check what MkDocs makes of it: links and
``#anchors`` that resolve, a navigation that does not grow with the archive,
and a search index that points at articles rather than at listings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.model import STATUSES
from annotary.pages import (
    CLAIMS_PAGE,
    HOME_MARKER,
    SOURCES_INDEX,
    STATUS_ORDER,
    TAGS_INDEX,
    archive_pages,
    home_article_list,
    md_text,
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
def pages(checked: CheckedArchive) -> dict[str, str]:
    return archive_pages(checked)


@pytest.fixture(scope="module")
def render() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def body(page: str) -> str:
    """A page without its front matter."""
    return page.split("\n---\n\n", 1)[1] if page.startswith("---\n") else page


def front_title(page: str) -> str:
    """The ``title`` of a page's front matter, as MkDocs reads it."""
    match = re.match(r"---\ntitle: (.*)\n---\n", page)
    assert match, page[:200]
    value = yaml.safe_load(match.group(1))
    assert isinstance(value, str)
    return value


def links(markdown: str) -> list[str]:
    """Targets of the Markdown links of a page, in order."""
    return re.findall(r"\]\(([^)\s]+)\)", markdown)


def section(markdown: str, heading_id: str) -> str:
    """The Markdown from the heading with ``heading_id`` up to the next heading of its level."""
    match = re.search(rf"^(#+) .*\{{ #{heading_id}\b.*$", markdown, re.M)
    assert match, f"no heading #{heading_id}"
    level = match.group(1)
    rest = markdown[match.end() :]
    end = re.search(rf"^{level} ", rest, re.M)
    return rest[: end.start()] if end else rest


# --- Home ---------------------------------------------------------------------------------


def test_home_lists_articles_newest_first(checked: CheckedArchive) -> None:
    home = home_article_list(checked)
    assert [t.split("/")[-1] for t in links(home)] == [
        "newer-report.md",
        "captured-only.md",
        "older-report.md",
    ]


def test_home_shows_byline_and_counts(checked: CheckedArchive, render: MarkdownConfig) -> None:
    html = render.render(home_article_list(checked))
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "Daily Test · Ann Writer and Bo Writer · 1 May 2024" in text
    assert "Weekly Test · Di Writer · captured 1 December 2024" in text
    assert (
        "3 claims (1 supported, 1 disputed, 1 false) · 1 quote · 1 source mention · 1 not placed"
        in text
    )
    assert "1 claim (1 unverified) · 0 quotes · 2 source mentions" in text
    assert "0 claims · 0 quotes · 0 source mentions" in text


def test_home_marker_is_in_the_home_page() -> None:
    assert HOME_MARKER in (REPO / "docs" / "index.md").read_text(encoding="utf-8")


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
                expected.append(f"../articles/{slug}.md#{anchor}")
        found = [t for t in links(page) if "#" in t and t.startswith("../articles/")]
        assert found == expected, source_id


def test_source_page_shows_placed_text_and_marks_orphans(pages: dict[str, str]) -> None:
    page = pages["sources/minister.md"]
    # The highlighted text as it reads in the article (markup removed), not the YAML quote.
    assert f"“{md_text('Rates rose sharply [1] now')}”" in page
    orphan = next(line for line in page.splitlines() if "#note-never-there" in line)
    assert "not placed" in orphan
    assert md_text("a sentence that is nowhere in this article") in orphan


def test_source_page_details(pages: dict[str, str]) -> None:
    page = pages["sources/minister.md"]
    assert body(page).startswith(f"# {md_text(EVIL_NAME)}\n")
    # MkDocs titles are HTML: the front matter one is escaped (see pages._page).
    assert front_title(page) == escape(EVIL_NAME)
    assert '<a href="https://example.org/minister?a=1&amp;b=2" rel="noopener">' in page
    assert "In 2 articles: 1 quote, 3 claims attributed to it, 2 passages naming it." in page
    # A claim attributed to the minister and to others names only the others here.
    item = next(line for line in page.splitlines() if "#rates-rose-2" in line)
    following = page[page.index(item) + len(item) :].splitlines()[1]
    assert "Also attributed to [Officials](../sources/officials.md)" in following


def test_sources_index_by_kind_with_mention_counts(pages: dict[str, str]) -> None:
    index = pages[SOURCES_INDEX]
    assert index.index("{ #person") < index.index("{ #anonymous")
    assert f"| [{md_text(EVIL_NAME)}](../sources/minister.md) |" in index
    assert re.search(r"\[Officials\]\(\.\./sources/officials\.md\) \| — \| 3 \|", index)
    assert re.search(r"minister\.md\) \| .* \| 6 \|", index)


# --- Claims -------------------------------------------------------------------------------


def test_claims_grouped_by_status(checked: CheckedArchive, pages: dict[str, str]) -> None:
    claims = pages[CLAIMS_PAGE]
    assert sorted(STATUS_ORDER) == sorted(STATUSES)
    positions = [claims.index(f"{{ #{status} ") for status in STATUS_ORDER]
    assert positions == sorted(positions)
    for slug, placed in checked.placed.items():
        for p in placed.placements:
            a = p.annotation
            if a.type != "claim":
                continue
            anchor = a.id if p.span else f"note-{a.id}"
            target = f"articles/{slug}.md#{anchor}"
            assert target in links(section(claims, str(a.status))), a.id
            for status in set(STATUS_ORDER) - {a.status}:
                assert target not in section(claims, status)
    assert "No claims." in section(claims, "misleading")


def test_claim_shows_article_and_attribution(pages: dict[str, str]) -> None:
    false = section(pages[CLAIMS_PAGE], "false")
    assert "[Older report](articles/older-report.md)" in false
    assert f"[{md_text(EVIL_NAME)}](sources/minister.md), [Officials]" in false


# --- Tags ---------------------------------------------------------------------------------


def test_tags_merge_spellings_and_list_what_carries_them(pages: dict[str, str]) -> None:
    economy = pages["tags/economy.md"]
    assert body(economy).startswith("# Tag: economy\n")  # the most used spelling
    assert "Carried by 2 articles and 2 annotations." in economy
    article_links = links(section(economy, "articles"))
    assert article_links == ["../articles/newer-report.md", "../articles/older-report.md"]
    annotation_links = [t for t in links(section(economy, "annotations")) if "#" in t]
    assert "../articles/newer-report.md#cut-over-newer" in annotation_links
    assert "../articles/older-report.md#rates-rose-2" in annotation_links


def test_tag_page_names_are_safe(pages: dict[str, str]) -> None:
    assert tag_page_name("c++ & <b>") == "c-b"
    assert tag_page_name("???") == "tag"
    assert tag_page_name("index") == "index-tag"
    assert body(pages[TAGS_INDEX]).startswith("# Tags\n")
    assert "[index](index-tag.md)" in pages[TAGS_INDEX]
    assert f"[{md_text('c++ & <b>')}](c-b.md)" in pages[TAGS_INDEX]
    assert body(pages["tags/index-tag.md"]).startswith("# Tag: index\n")


# --- Every page ---------------------------------------------------------------------------


def test_every_page_has_a_title(pages: dict[str, str]) -> None:
    for path, page in pages.items():
        heading = body(page).split("\n", 1)[0]
        assert heading.startswith("# "), path
        assert unescape(front_title(page)) == unescape(heading[2:]), path


def test_no_page_but_home_lists_every_article(pages: dict[str, str]) -> None:
    for path, page in pages.items():
        slugs = set(re.findall(r"articles/([a-z0-9-]+)\.md", page))
        assert slugs < set(ARTICLES), path


@pytest.mark.parametrize("path", ["sources/minister.md", SOURCES_INDEX, CLAIMS_PAGE, "home"])
def test_contributor_text_is_escaped(
    path: str, checked: CheckedArchive, pages: dict[str, str], render: MarkdownConfig
) -> None:
    markdown = home_article_list(checked) if path == "home" else pages[path]
    html = render.render(body(markdown))
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<em>Bold</em>" not in html
    assert "<em>sharply</em>" not in html
    assert 'href="y"' not in html
    text = unescape(html)
    if path != "home":
        assert EVIL_NAME in text
    if path == "sources/minister.md":
        assert "<script>alert(1)</script> *Bold*" in text.split("</h1>")[0]
        assert "Rates rose sharply [1] now" in text
    if path == "home":
        assert "Newer <report> & *more*" in text


@settings(deadline=None)  # the first Markdown instance is slow to set up
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))))
def test_md_text_renders_as_the_text(text: str) -> None:
    html = MarkdownConfig(("attr_list", "md_in_html", "tables", "footnotes")).render(
        f"A {md_text(text)} Z"
    )
    assert html.startswith("<p>")
    assert html.endswith("</p>")
    inner = html[3:-4]
    assert "<" not in inner  # no element: every "<" of the text is a reference
    assert unescape(inner) == f"A {' '.join(text.split())} Z"


# --- The real site, built -----------------------------------------------------------------


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


def test_source_page_links_to_the_highlights(site: Path) -> None:
    page = parse(site / "sources" / "hamish-de-bretton-gordon" / "index.html")
    prefix = "../../articles/north-korean-troops-kursk/#"
    for anchor in (
        "de-bretton-gordon-barely-trained",
        "barely-trained-led-by-russian-officers",
        "source-de-bretton-gordon",
        "de-bretton-gordon-cannon-fodder",
    ):
        assert prefix + anchor in page.hrefs


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
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


def test_generated_pages_exist(site: Path) -> None:
    for url in ("sources/", "claims/", "tags/", "tags/casualties/", "sources/western-officials/"):
        assert (site / url / "index.html").is_file(), url
    claims = parse(site / "claims" / "index.html")
    assert set(STATUSES) <= claims.ids


def test_navigation_does_not_grow_with_the_archive(site: Path) -> None:
    for url in ("articles/north-korean-troops-kursk/", "sources/western-officials/", ""):
        nav = parse(site / url / "index.html").nav_hrefs
        assert nav, url
        assert not [h for h in nav if "articles/" in h], url
        assert not [h for h in nav if re.search(r"sources/[a-z0-9-]+/", h)], url
        assert len(nav) <= 8, nav


def test_search_indexes_articles_not_listings(site: Path) -> None:
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


def test_hostile_names_are_escaped_in_the_built_site(
    tmp_path: Path, checked: CheckedArchive
) -> None:
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
    for url in ("sources/minister/", "sources/", "claims/", ""):
        html = (tmp_path / "site" / url / "index.html").read_text(encoding="utf-8")
        assert "<script>alert" not in html, url
    minister = (tmp_path / "site" / "sources" / "minister" / "index.html").read_text()
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", minister, re.S)
    assert heading
    assert unescape(re.sub(r"<[^>]+>", "", heading.group(1))) == EVIL_NAME + "¶"
    title = re.search(r"<title>(.*?)</title>", minister, re.S)
    assert title
    assert unescape(title.group(1)) == f"{EVIL_NAME} - Annotary"


def test_a_source_named_index_does_not_replace_the_sources_index(checked: CheckedArchive) -> None:
    officials = checked.archive.sources["officials"]
    sources = {**checked.archive.sources, "index": replace(officials, id="index", name="Index")}
    archive = replace(checked.archive, sources=sources)
    pages = archive_pages(CheckedArchive(archive, checked.placed, checked.problems))
    assert body(pages[SOURCES_INDEX]).startswith("# Sources\n")
    assert "| Index | — | 0 |" in pages[SOURCES_INDEX]  # listed, without a link
