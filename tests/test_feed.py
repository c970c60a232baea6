"""The Atom feed: well-formed, newest first, dated from the files (never the clock), escaped.

Pure tests on the seed and on small hand-made archives; :func:`annotation_dates`
against real git repositories made in a temporary folder.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotary.diagnostics import Location
from annotary.feed import (
    EPOCH,
    FEED_LIMIT,
    annotation_dates,
    atom_feed,
    feed_head_link,
    feed_link_html,
)
from annotary.model import Annotation, AnnotationFile, Archive, Article, ArticleMeta
from annotary.pipeline import CheckedArchive, check_archive

REPO = Path(__file__).resolve().parents[1]
SEED = "north-korean-troops-kursk"
SITE = "https://archive.example/"
A = "{http://www.w3.org/2005/Atom}"
LOC = Location("annotations/test.yml", 3, 5)
UTC = datetime.UTC


# --- Building blocks -------------------------------------------------------------------


def make_article(slug: str, captured: datetime.date, **meta: Any) -> Article:
    values: dict[str, Any] = {
        "title": f"Article {slug}",
        "authors": ("A Writer",),
        "outlet": "Test News",
        "captured": captured,
    }
    values.update(meta)
    return Article(slug, f"docs/articles/{slug}.md", ArticleMeta(**values), "")


def claim(id: str, status: str) -> Annotation:
    return Annotation(id, "claim", "q", LOC, LOC, status=status)


def checked_of(
    *articles: Article, annotations: dict[str, tuple[Annotation, ...]] | None = None
) -> CheckedArchive:
    files = {
        slug: AnnotationFile(slug, f"annotations/{slug}.yml", notes)
        for slug, notes in (annotations or {}).items()
    }
    return CheckedArchive(Archive(articles={a.slug: a for a in articles}, annotation_files=files))


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{A}feed"
    return root


def text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{A}{tag}")
    assert found is not None, tag
    return found.text or ""


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{A}entry")


def entry_ids(root: ET.Element) -> list[str]:
    return [text(e, "id") for e in entries(root)]


@cache
def seed() -> CheckedArchive:
    return check_archive(REPO)


# --- The seed --------------------------------------------------------------------------------


def test_seed_feed_required_elements() -> None:
    xml = atom_feed(seed(), site_url=SITE, site_name="Annotary")
    root = parse(xml)
    assert text(root, "id") == SITE
    assert text(root, "title") == "Annotary"
    assert text(root, "updated") == "2026-11-24T00:00:00Z"  # the captured date, not "now"
    assert root.find(f"{A}author/{A}name") is not None
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{A}link")}
    assert links == {"alternate": SITE, "self": SITE + "feed.xml"}
    (entry,) = entries(root)
    page = f"{SITE}articles/{SEED}/"
    assert text(entry, "id") == page
    assert text(entry, "title").startswith("About 1,000 North Koreans killed")
    assert text(entry, "published") == "2026-11-24T00:00:00Z"
    assert text(entry, "updated") == "2026-11-24T00:00:00Z"
    link = entry.find(f"{A}link")
    assert link is not None
    assert link.attrib == {"rel": "alternate", "type": "text/html", "href": page}
    assert [n.text for n in entry.findall(f"{A}author/{A}name")] == ["Frank Gardner"]
    assert [c.get("term") for c in entry.findall(f"{A}category")] == [
        "north-korea",
        "kursk",
        "russia-ukraine-war",
    ]


def test_seed_summary_counts() -> None:
    checked = seed()
    annotations = checked.archive.annotation_files[SEED].annotations
    claims = [a for a in annotations if a.type == "claim"]
    supported = sum(1 for a in claims if a.status == "supported")
    unverified = sum(1 for a in claims if a.status == "unverified")
    quotes = sum(1 for a in annotations if a.type == "quote")
    sources = sum(1 for a in annotations if a.type == "source")
    root = parse(atom_feed(checked, site_url=SITE, site_name="Annotary"))
    summary = entries(root)[0].find(f"{A}summary")
    assert summary is not None
    assert summary.get("type") == "text"
    assert summary.text == (
        "BBC News · By Frank Gardner · published 2025-01-22 · captured 2026-11-24 · "
        f"{len(claims)} claims ({supported} supported, {unverified} unverified) · "
        f"{quotes} quotes · {sources} source mentions"
    )


def test_seed_updated_from_annotation_dates() -> None:
    changed = datetime.datetime(
        2026, 12, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    root = parse(atom_feed(seed(), site_url=SITE, site_name="A", updated_of={SEED: changed}))
    (entry,) = entries(root)
    assert text(entry, "updated") == "2026-12-01T07:30:00Z"
    assert text(entry, "published") == "2026-11-24T00:00:00Z"
    assert text(root, "updated") == "2026-12-01T07:30:00Z"


def test_seed_is_deterministic() -> None:
    first = atom_feed(seed(), site_url=SITE, site_name="Annotary")
    second = atom_feed(check_archive(REPO), site_url=SITE, site_name="Annotary")
    assert first == second


# --- Order, dates, limit -------------------------------------------------------------------


def day(n: int) -> datetime.date:
    return datetime.date(2026, 1, 1) + datetime.timedelta(days=n)


def test_newest_first_by_latest_of_captured_and_annotated() -> None:
    checked = checked_of(
        make_article("old-but-annotated", day(1)),
        make_article("newest-captured", day(10)),
        make_article("middle", day(5)),
    )
    updated_of = {
        "old-but-annotated": datetime.datetime(2026, 1, 20, 12, 0, tzinfo=UTC),
        # a change older than the capture does not move the entry back
        "middle": datetime.date(2026, 1, 2),
    }
    root = parse(atom_feed(checked, site_url=SITE, site_name="A", updated_of=updated_of))
    assert entry_ids(root) == [
        f"{SITE}articles/old-but-annotated/",
        f"{SITE}articles/newest-captured/",
        f"{SITE}articles/middle/",
    ]
    updated = [text(e, "updated") for e in entries(root)]
    assert updated == ["2026-01-20T12:00:00Z", "2026-01-11T00:00:00Z", "2026-01-06T00:00:00Z"]
    assert text(root, "updated") == max(updated)


def test_ties_are_ordered_deterministically() -> None:
    articles = [make_article(f"same-day-{n}", day(3)) for n in range(5)]
    forward = atom_feed(checked_of(*articles), site_url=SITE, site_name="A")
    backward = atom_feed(checked_of(*reversed(articles)), site_url=SITE, site_name="A")
    assert forward == backward


def test_naive_datetime_is_utc() -> None:
    checked = checked_of(make_article("a", day(0)))
    naive = datetime.datetime(2026, 3, 4, 5, 6, 7, 891)
    root = parse(atom_feed(checked, site_url=SITE, site_name="A", updated_of={"a": naive}))
    assert text(entries(root)[0], "updated") == "2026-03-04T05:06:07Z"


def test_limit() -> None:
    articles = [make_article(f"a-{n}", day(n)) for n in range(FEED_LIMIT + 7)]
    root = parse(atom_feed(checked_of(*articles), site_url=SITE, site_name="A"))
    ids = entry_ids(root)
    assert len(ids) == FEED_LIMIT
    assert ids[0] == f"{SITE}articles/a-{FEED_LIMIT + 6}/"
    assert ids[-1] == f"{SITE}articles/a-7/"
    root = parse(atom_feed(checked_of(*articles), site_url=SITE, site_name="A", limit=3))
    assert len(entries(root)) == 3


def test_empty_archive_is_dated_the_epoch() -> None:
    root = parse(atom_feed(checked_of(), site_url=SITE, site_name="A"))
    assert entries(root) == []
    assert text(root, "updated") == EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert text(root, "id") == SITE


def test_site_url_without_slash_and_html_urls() -> None:
    checked = checked_of(make_article("a", day(0)))
    root = parse(
        atom_feed(
            checked, site_url="https://x.example/archive", site_name="A", directory_urls=False
        )
    )
    assert text(root, "id") == "https://x.example/archive/"
    assert entry_ids(root) == ["https://x.example/archive/articles/a.html"]
    self_link = root.find(f"{A}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == "https://x.example/archive/feed.xml"


# --- Entry details -------------------------------------------------------------------------


def test_every_status_multiple_authors_no_published_no_url() -> None:
    article = make_article("a", day(0), authors=("Ann One", "Bob Two", "Cy Three"))
    statuses = ["false", "unverified", "supported", "supported", "disputed", "misleading"]
    notes = (
        *(claim(f"c-{s}-{n}", s) for n, s in enumerate(statuses)),
        Annotation("q", "quote", "q", LOC, LOC, speaker="x"),
    )
    root = parse(
        atom_feed(checked_of(article, annotations={"a": notes}), site_url=SITE, site_name="A")
    )
    (entry,) = entries(root)
    assert [n.text for n in entry.findall(f"{A}author/{A}name")] == [
        "Ann One",
        "Bob Two",
        "Cy Three",
    ]
    assert text(entry, "summary") == (
        "Test News · By Ann One, Bob Two and Cy Three · captured 2026-01-01 · "
        "6 claims (2 supported, 1 disputed, 1 misleading, 1 false, 1 unverified) · "
        "1 quote · 0 source mentions"
    )
    assert [link.get("rel") for link in entry.findall(f"{A}link")] == ["alternate"]


def test_original_url_is_a_related_link() -> None:
    article = make_article("a", day(0), url="https://news.example/story?a=1&b=2")
    root = parse(atom_feed(checked_of(article), site_url=SITE, site_name="A"))
    related = entries(root)[0].find(f"{A}link[@rel='related']")
    assert related is not None
    assert related.get("href") == "https://news.example/story?a=1&b=2"
    not_web = make_article("a", day(0), url="javascript:alert(1)")
    xml = atom_feed(checked_of(not_web), site_url=SITE, site_name="A")
    assert "javascript" not in xml


def test_no_authors_falls_back_to_outlet() -> None:
    root = parse(
        atom_feed(checked_of(make_article("a", day(0), authors=())), site_url=SITE, site_name="A")
    )
    assert [n.text for n in entries(root)[0].findall(f"{A}author/{A}name")] == ["Test News"]
    assert "By" not in text(entries(root)[0], "summary")


def test_no_annotations() -> None:
    root = parse(atom_feed(checked_of(make_article("a", day(0))), site_url=SITE, site_name="A"))
    assert text(entries(root)[0], "summary").endswith("0 claims · 0 quotes · 0 source mentions")


# --- Hostile strings -----------------------------------------------------------------------

HOSTILE = "</title><entry><id>x</id></entry>]]><!-- & &amp; \"' <![CDATA[ x"


def test_hostile_strings_are_text() -> None:
    article = make_article(
        "a",
        day(0),
        title=HOSTILE + "\x00\x01\x0b\ufffe",
        authors=(HOSTILE,),
        outlet=HOSTILE,
        tags=(HOSTILE,),
        url='https://news.example/?q="><x>',
    )
    xml = atom_feed(checked_of(article), site_url=SITE, site_name=HOSTILE)
    root = parse(xml)
    (entry,) = entries(root)  # no injected entry
    assert text(entry, "title") == " ".join(HOSTILE.split())  # control characters dropped
    assert text(root, "title") == HOSTILE
    assert [n.text for n in entry.findall(f"{A}author/{A}name")] == [HOSTILE]
    assert [c.get("term") for c in entry.findall(f"{A}category")] == [HOSTILE]
    assert text(entry, "summary").startswith(" ".join(HOSTILE.split()) + " · By ")
    related = entry.find(f"{A}link[@rel='related']")
    assert related is not None
    assert related.get("href") == 'https://news.example/?q="><x>'
    assert related.get("title") == f"Original article ({HOSTILE})"


@given(st.text(), st.text())
def test_any_title_gives_well_formed_xml(title: str, author: str) -> None:
    article = make_article("a", day(0), title=title, authors=(author,))
    root = parse(atom_feed(checked_of(article), site_url=SITE, site_name=title))
    assert len(entries(root)) == 1


# --- Links to the feed -----------------------------------------------------------------------


def test_feed_link_html() -> None:
    html = feed_link_html('feed.xml?"<x>')
    element = ET.fromstring(html)
    assert element.tag == "p"
    link = element.find("a")
    assert link is not None
    assert link.get("href") == 'feed.xml?"<x>'
    assert link.get("type") == "application/atom+xml"
    assert "Atom feed" in "".join(link.itertext())
    assert html.endswith("\n")


def test_feed_head_link() -> None:
    html = feed_head_link("../feed.xml", 'Annotary "<archive>"')
    element = ET.fromstring(html[:-1] + "/>")  # HTML's void element, read as XML
    assert element.attrib == {
        "rel": "alternate",
        "type": "application/atom+xml",
        "title": 'Annotary "<archive>"',
        "href": "../feed.xml",
    }


# --- Dates from git --------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str, when: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def commit(repo: Path, files: dict[str, str], when: str) -> None:
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change", when=when)


def history(repo: Path, archive: Path) -> None:
    """Three commits: both annotation files, then one of them, then files around them."""
    prefix = "" if archive == repo else f"{archive.relative_to(repo).as_posix()}/"
    git(repo, "init", "-q", "-b", "main")
    first = {f"annotations/{name}.yml": "a" for name in ("first", "second", "sources")}
    commit(repo, {prefix + path: text for path, text in first.items()}, "2026-01-01T10:00:00Z")
    commit(repo, {f"{prefix}annotations/second.yml": "b"}, "2026-02-03T04:05:06+02:00")
    around = {
        f"{prefix}docs/articles/first.md": "x",
        f"{prefix}annotations/notes.txt": "x",
        "elsewhere/annotations/first.yml": "x",
    }
    commit(repo, around, "2026-03-01T00:00:00Z")


@needs_git
def test_annotation_dates_from_git(tmp_path: Path) -> None:
    history(tmp_path, tmp_path)
    dates = annotation_dates(tmp_path)
    assert dates == {
        "first": datetime.datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
        "second": datetime.datetime(
            2026, 2, 3, 4, 5, 6, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
    }
    # the same as asking git about each file
    for slug, when in dates.items():
        out = git(tmp_path, "log", "-1", "--format=%cI", "--", f"annotations/{slug}.yml")
        assert datetime.datetime.fromisoformat(out.strip()) == when


@needs_git
def test_annotation_dates_archive_in_a_subfolder(tmp_path: Path) -> None:
    archive = tmp_path / "site" / "archive"
    archive.mkdir(parents=True)
    history(tmp_path, archive)
    dates = annotation_dates(archive)
    assert set(dates) == {"first", "second"}
    assert dates["first"] == datetime.datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


@needs_git
def test_annotation_dates_shallow_clone_is_empty(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    history(origin, origin)
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "clone")
    assert annotation_dates(tmp_path / "clone") == {}
    git(tmp_path, "clone", "-q", f"file://{origin}", "full")
    assert set(annotation_dates(tmp_path / "full")) == {"first", "second"}


def test_annotation_dates_without_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "a.yml").write_text("x")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert annotation_dates(tmp_path) == {}
    assert annotation_dates(tmp_path / "does-not-exist") == {}


@needs_git
def test_feed_from_git_dates(tmp_path: Path) -> None:
    history(tmp_path, tmp_path)
    checked = checked_of(make_article("first", day(0)), make_article("second", day(0)))
    root = parse(
        atom_feed(checked, site_url=SITE, site_name="A", updated_of=annotation_dates(tmp_path))
    )
    assert entry_ids(root) == [f"{SITE}articles/second/", f"{SITE}articles/first/"]
    assert text(root, "updated") == "2026-02-03T02:05:06Z"
