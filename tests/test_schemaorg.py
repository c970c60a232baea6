"""schema.org JSON-LD of article pages: NewsArticle and ClaimReviews, safe inside HTML.

Pure: the seed archive for the whole, small hand-made archives for the details
(every status, several authors, no published date, no original URL, every
source kind, passages not placed) and hostile strings for the escaping.
"""

from __future__ import annotations

import datetime
import json
from functools import cache
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from annotary.diagnostics import Location
from annotary.model import (
    STATUSES,
    Annotation,
    AnnotationType,
    Archive,
    Article,
    ArticleMeta,
    Source,
)
from annotary.pipeline import CheckedArchive, check_archive
from annotary.placement import place_annotations
from annotary.schemaorg import RATINGS, article_graph, article_jsonld

REPO = Path(__file__).resolve().parents[1]
SEED = "north-korean-troops-kursk"
PAGE = "https://archive.example/articles/test/"
SITE = "https://archive.example/"
LOC = Location("annotations/test.yml", 3, 5)
OPEN = '<script type="application/ld+json">'
CLOSE = "</script>"

HTML = (
    "<p>Western officials have told the BBC that troops suffered <em>nearly 40%</em> "
    "casualties.</p>\n<p>The officials said 4,000 were casualties. The report said 11,000 "
    "were sent. The ministry said none were lost. The colonel said they are cannon fodder. "
    "The paper said the war is over.</p>"
)
ALL_STATUSES = (
    ("c-supported", "troops suffered nearly 40% casualties", "supported"),
    ("c-unverified", "4,000 were casualties", "unverified"),
    ("c-disputed", "11,000 were sent", "disputed"),
    ("c-misleading", "none were lost", "misleading"),
    ("c-false", "the war is over", "false"),
)


# --- Building blocks -------------------------------------------------------------------


def note(
    id: str, type: AnnotationType, quote: str, *, status: str | None = None, **fields: Any
) -> Annotation:
    if type == "claim" and status is None:
        status = "unverified"
    return Annotation(id, type, quote, LOC, LOC, status=status, **fields)


def article(**meta: Any) -> Article:
    values: dict[str, Any] = {
        "title": "Test article",
        "authors": ("A Writer",),
        "outlet": "Test News",
        "captured": datetime.date(2026, 11, 24),
    }
    values.update(meta)
    return Article("test", "docs/articles/test.md", ArticleMeta(**values), "")


def archive(*sources: Source) -> Archive:
    registry = {
        "western-officials": Source(
            "western-officials", "Western officials", "anonymous", LOC, role="Unnamed officials"
        ),
        "bbc-news": Source(
            "bbc-news", "BBC News", "media", LOC, role="News service", url="https://bbc.co.uk/"
        ),
        "colonel": Source("colonel", "Col Someone", "person", LOC, role="Former officer"),
        "ministry": Source("ministry", "The Ministry", "organisation", LOC),
        "report": Source("report", "A report", "document", LOC, url="https://example.org/r"),
    }
    registry.update({s.id: s for s in sources})
    return Archive(sources=registry)


def all_status_notes(**fields: Any) -> tuple[Annotation, ...]:
    return tuple(note(i, "claim", q, status=s, **fields) for i, q, s in ALL_STATUSES)


def graph(
    annotations: tuple[Annotation, ...] = (),
    *,
    html: str = HTML,
    the_article: Article | None = None,
    the_archive: Archive | None = None,
    **kwargs: Any,
) -> tuple[str, dict[str, Any]]:
    """The script element and its parsed JSON."""
    placed = place_annotations(html, annotations)
    script = article_jsonld(
        the_article or article(),
        placed,
        the_archive or archive(),
        page_url=PAGE,
        site_name="Annotary",
        **kwargs,
    )
    return script, parse(script)


def parse(script: str) -> dict[str, Any]:
    assert script.startswith(OPEN)
    assert script.endswith(CLOSE)
    data = json.loads(script[len(OPEN) : -len(CLOSE)])
    assert isinstance(data, dict)
    return data


def nodes(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in data["@graph"] if n["@type"] == kind]


def news_article(data: dict[str, Any]) -> dict[str, Any]:
    (found,) = nodes(data, "NewsArticle")
    return found


def reviews(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ClaimReviews by the annotation id their URL points at."""
    return {r["url"].rpartition("#")[2]: r for r in nodes(data, "ClaimReview")}


class ScriptReader(HTMLParser):
    """How a browser's tokenizer splits the page: every element, and script contents."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[str] = []
        self.scripts: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append(tag)
        if tag == "script":
            self.scripts.append("")

    def handle_data(self, data: str) -> None:
        if self.starts and self.starts[-1] == "script":
            self.scripts[-1] += data

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def tokenize(html: str) -> ScriptReader:
    reader = ScriptReader()
    reader.feed(html)
    reader.close()
    return reader


@cache
def seed() -> CheckedArchive:
    return check_archive(REPO)


# --- The seed article ----------------------------------------------------------------------


def seed_script() -> str:
    checked = seed()
    return article_jsonld(
        checked.archive.articles[SEED],
        checked.placed[SEED],
        checked.archive,
        page_url=f"https://archive.example/articles/{SEED}/",
        site_name="Annotary",
        site_url=SITE,
    )


def test_seed_news_article() -> None:
    data = parse(seed_script())
    assert data["@context"] == "https://schema.org"
    node = news_article(data)
    page = f"https://archive.example/articles/{SEED}/"
    assert node["@id"] == page + "#_article"
    assert node["headline"].startswith("About 1,000 North Koreans killed")
    assert node["author"] == [
        {"@type": "Person", "name": "Frank Gardner", "jobTitle": "BBC security correspondent"}
    ]
    assert node["publisher"] == {"@type": "Organization", "name": "BBC News"}
    assert node["datePublished"] == "2025-01-22"
    assert node["sdDatePublished"] == "2026-11-24"
    assert node["archivedAt"] == page
    assert node["mainEntityOfPage"] == page
    assert node["keywords"] == ["north-korea", "kursk", "russia-ukraine-war"]
    assert "isBasedOn" not in node  # the seed has no original URL
    assert node["sdPublisher"] == {
        "@type": "Organization",
        "@id": SITE + "#_archive",
        "name": "Annotary",
        "url": SITE,
    }


def test_seed_reviews_only_the_verdicts() -> None:
    checked = seed()
    data = parse(seed_script())
    annotations = checked.archive.annotation_files[SEED].annotations
    verdicts = {a.id: a for a in annotations if a.type == "claim" and a.status != "unverified"}
    unverified = {a.id for a in annotations if a.type == "claim" and a.status == "unverified"}
    assert verdicts
    assert unverified
    found = reviews(data)
    assert set(found) == set(verdicts)
    text = json.dumps(data)
    for annotation_id in unverified:
        assert f"#{annotation_id}" not in text
    placed = checked.placed[SEED]
    spans = {p.annotation.id: p.span for p in placed.placements}
    page = f"https://archive.example/articles/{SEED}/"
    for annotation_id, review in found.items():
        assert review["url"] == f"{page}#{annotation_id}"
        start, end = spans[annotation_id]  # type: ignore[misc]
        assert review["claimReviewed"] == " ".join(placed.visible.text[start:end].split())
        assert review["reviewRating"]["alternateName"] == "Supported"
        assert review["reviewRating"]["ratingValue"] == 5
        assert review["author"]["name"] == "Annotary"
        claim = review["itemReviewed"]
        assert claim["@type"] == "Claim"
        assert claim["appearance"] == [{"@id": page + "#_article"}]
        assert claim["author"]  # attributed sources, else the article's author


def test_seed_reviews_come_in_reading_order() -> None:
    checked = seed()
    found = list(reviews(parse(seed_script())))
    starts = {p.annotation.id: p.span[0] for p in checked.placed[SEED].placements if p.span}
    assert found == sorted(found, key=lambda i: starts[i])


def test_seed_is_deterministic() -> None:
    first = seed_script()
    again = check_archive(REPO)
    second = article_jsonld(
        again.archive.articles[SEED],
        again.placed[SEED],
        again.archive,
        page_url=f"https://archive.example/articles/{SEED}/",
        site_name="Annotary",
        site_url=SITE,
    )
    assert first == second


# --- Claims and ratings --------------------------------------------------------------------


def test_rating_mapping_covers_every_verdict_and_never_unverified() -> None:
    assert set(RATINGS) == set(STATUSES) - {"unverified"}
    values = [RATINGS[s][0] for s in ("supported", "disputed", "misleading", "false")]
    assert values == sorted(values, reverse=True)
    assert values[0] == 5
    assert values[-1] == 1
    assert all(name == status.capitalize() for status, (_, name) in RATINGS.items())


def test_every_status_synthetic() -> None:
    _, data = graph(all_status_notes())
    found = reviews(data)
    assert set(found) == {"c-supported", "c-disputed", "c-misleading", "c-false"}
    for status in ("supported", "disputed", "misleading", "false"):
        rating = found[f"c-{status}"]["reviewRating"]
        assert rating == {
            "@type": "Rating",
            "ratingValue": RATINGS[status][0],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": RATINGS[status][1],
        }
    assert "4,000 were casualties" not in json.dumps(data)
    assert found["c-supported"]["claimReviewed"] == "troops suffered nearly 40% casualties"


def test_review_required_keys() -> None:
    _, data = graph(all_status_notes())
    for review in nodes(data, "ClaimReview"):
        assert {"url", "claimReviewed", "itemReviewed", "author", "reviewRating"} <= set(review)
        assert review["@id"] == review["url"]
        assert review["url"].startswith(PAGE + "#")
        assert review["author"] == {"@type": "Organization", "name": "Annotary"}
        assert "datePublished" not in review  # not known unless the caller says


def test_review_date_when_known() -> None:
    when = datetime.datetime(2026, 11, 25, 20, 11, 34, tzinfo=datetime.UTC)
    _, data = graph(all_status_notes(), reviewed=when)
    assert {r["datePublished"] for r in nodes(data, "ClaimReview")} == {when.isoformat()}
    _, data = graph(all_status_notes(), reviewed=datetime.date(2026, 11, 25))
    assert {r["datePublished"] for r in nodes(data, "ClaimReview")} == {"2026-11-25"}


def test_quotes_and_sources_are_not_reviewed() -> None:
    annotations = (
        note("told", "source", "told the BBC", source="bbc-news"),
        note("fodder", "quote", "they are cannon fodder", speaker="colonel"),
    )
    _, data = graph(annotations)
    assert nodes(data, "ClaimReview") == []
    assert len(data["@graph"]) == 1


def test_claim_not_placed_links_to_its_entry_and_quotes_the_annotation() -> None:
    gone = note("gone", "claim", "a passage that is not in the text at all", status="false")
    _, data = graph((gone,))
    (review,) = nodes(data, "ClaimReview")
    assert review["url"] == PAGE + "#note-gone"
    assert review["claimReviewed"] == "a passage that is not in the text at all"


def test_claim_authors_by_source_kind() -> None:
    cases = {
        "western-officials": {
            "@type": "Person",
            "name": "Western officials",
            "description": "Unnamed officials",
        },
        "colonel": {"@type": "Person", "name": "Col Someone", "jobTitle": "Former officer"},
        "ministry": {"@type": "Organization", "name": "The Ministry"},
        "bbc-news": {
            "@type": "Organization",
            "name": "BBC News",
            "description": "News service",
            "url": "https://bbc.co.uk/",
        },
    }
    for source_id, expected in cases.items():
        claim = note("c", "claim", "none were lost", status="false", attributed_to=(source_id,))
        _, data = graph((claim,))
        assert reviews(data)["c"]["itemReviewed"]["author"] == [expected], source_id


def test_claim_attributed_to_several_sources() -> None:
    claim = note(
        "c", "claim", "none were lost", status="false", attributed_to=("colonel", "ministry")
    )
    _, data = graph((claim,))
    authors = reviews(data)["c"]["itemReviewed"]["author"]
    assert [a["name"] for a in authors] == ["Col Someone", "The Ministry"]


def test_document_source_is_no_author() -> None:
    only_document = note("c", "claim", "none were lost", status="false", attributed_to=("report",))
    _, data = graph((only_document,))
    assert "author" not in reviews(data)["c"]["itemReviewed"]
    with_person = note(
        "c", "claim", "none were lost", status="false", attributed_to=("report", "colonel")
    )
    _, data = graph((with_person,))
    assert [a["name"] for a in reviews(data)["c"]["itemReviewed"]["author"]] == ["Col Someone"]


def test_unattributed_claim_is_the_article_authors() -> None:
    the_article = article(authors=("Ann One", "Bob Two"), author_role="Reporters")
    _, data = graph(all_status_notes(), the_article=the_article)
    for review in nodes(data, "ClaimReview"):
        assert review["itemReviewed"]["author"] == [
            {"@type": "Person", "name": "Ann One"},
            {"@type": "Person", "name": "Bob Two"},
        ]


# --- The article ---------------------------------------------------------------------------


def test_multiple_authors_take_no_single_role() -> None:
    _, data = graph(the_article=article(authors=("Ann One", "Bob Two"), author_role="Editor"))
    assert news_article(data)["author"] == [
        {"@type": "Person", "name": "Ann One"},
        {"@type": "Person", "name": "Bob Two"},
    ]
    _, data = graph(the_article=article(authors=("Ann One",), author_role="Editor"))
    assert news_article(data)["author"] == [
        {"@type": "Person", "name": "Ann One", "jobTitle": "Editor"}
    ]


def test_no_author_falls_back_to_outlet() -> None:
    _, data = graph(the_article=article(authors=()))
    assert news_article(data)["author"] == [{"@type": "Organization", "name": "Test News"}]


def test_no_published_date_no_url() -> None:
    _, data = graph(all_status_notes())
    node = news_article(data)
    assert "datePublished" not in node
    assert "isBasedOn" not in node
    assert "keywords" not in node
    assert node["sdDatePublished"] == "2026-11-24"
    for review in nodes(data, "ClaimReview"):
        assert "datePublished" not in review["itemReviewed"]
        assert review["itemReviewed"]["appearance"] == [{"@id": PAGE + "#_article"}]


def test_published_date_and_original_url() -> None:
    the_article = article(
        published=datetime.date(2025, 1, 22), url="https://news.example/story", tags=("a", "b")
    )
    _, data = graph(all_status_notes(), the_article=the_article)
    node = news_article(data)
    assert node["datePublished"] == "2025-01-22"
    assert node["isBasedOn"] == "https://news.example/story"
    assert node["keywords"] == ["a", "b"]
    for review in nodes(data, "ClaimReview"):
        claim = review["itemReviewed"]
        assert claim["datePublished"] == "2025-01-22"
        assert claim["appearance"] == [
            {"@id": PAGE + "#_article"},
            {"@type": "CreativeWork", "url": "https://news.example/story"},
        ]


def test_non_web_url_is_never_given() -> None:
    the_article = article(url="javascript:alert(1)")
    script, data = graph(all_status_notes(), the_article=the_article)
    assert "isBasedOn" not in news_article(data)
    assert "javascript" not in script


def test_page_url_fragment_is_dropped() -> None:
    placed = place_annotations(HTML, all_status_notes())
    data = article_graph(article(), placed, archive(), page_url=PAGE + "#top", site_name="A")
    assert news_article(data)["archivedAt"] == PAGE
    assert all("#top" not in r["url"] for r in nodes(data, "ClaimReview"))


def test_synthetic_is_deterministic() -> None:
    first, _ = graph(all_status_notes(), the_article=article(tags=("x", "y")), site_url=SITE)
    second, _ = graph(all_status_notes(), the_article=article(tags=("x", "y")), site_url=SITE)
    assert first == second


# --- Hostile strings -----------------------------------------------------------------------

HOSTILE = '</script><script>alert(1)</script><!-- <SCRIPT> </ScRiPt > & "quotes" \\ \u2028'


def test_hostile_strings_stay_inside_the_script() -> None:
    body = f"<p>It said {escape(HOSTILE)} and more.</p>"
    hostile_claim = note(
        "hostile",
        "claim",
        HOSTILE,
        status="false",
        attributed_to=("evil",),
        note=HOSTILE,
    )
    the_article = article(
        title=HOSTILE,
        authors=(HOSTILE,),
        author_role=HOSTILE,
        outlet=HOSTILE,
        tags=(HOSTILE,),
        url="https://news.example/?q=</script>",
    )
    evil = Source("evil", HOSTILE, "person", LOC, role=HOSTILE)
    script, data = graph(
        (hostile_claim,), html=body, the_article=the_article, the_archive=archive(evil)
    )
    inner = script[len(OPEN) : -len(CLOSE)]
    for forbidden in ("<", ">", "&", "<!--", "</"):
        assert forbidden not in inner
    # the page's tokenizer sees one script element whose text is the whole JSON
    reader = tokenize(f"<body>{script}<p>after</p></body>")
    assert reader.starts == ["body", "script", "p"]
    assert reader.scripts == [inner]
    assert reader.comments == []
    # and the JSON says exactly what the contributor wrote
    node = news_article(data)
    assert node["headline"] == " ".join(HOSTILE.split())
    assert node["author"] == [{"@type": "Person", "name": HOSTILE, "jobTitle": HOSTILE}]
    assert node["publisher"]["name"] == HOSTILE
    assert node["keywords"] == [HOSTILE]
    assert node["isBasedOn"] == "https://news.example/?q=</script>"
    (review,) = nodes(data, "ClaimReview")
    assert review["url"] == PAGE + "#hostile"  # placed: the passage is the article's text
    assert review["claimReviewed"] == " ".join(HOSTILE.split())
    assert review["itemReviewed"]["author"][0]["name"] == HOSTILE


@given(st.text())
def test_any_title_is_escaped(title: str) -> None:
    placed = place_annotations("<p>Text.</p>", ())
    script = article_jsonld(
        article(title=title, authors=(title,)),
        placed,
        archive(),
        page_url=PAGE,
        site_name=title,
    )
    inner = script[len(OPEN) : -len(CLOSE)]
    assert "<" not in inner
    assert ">" not in inner
    assert "&" not in inner
    assert "\n" not in inner  # compact: one line, whatever the strings hold
    data = json.loads(inner)
    assert news_article(data)["author"][0]["name"] == title
    assert news_article(data)["sdPublisher"]["name"] == title
