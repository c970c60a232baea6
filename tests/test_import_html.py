"""``annotary import-html``: a saved web page → an archived article, offline."""

from __future__ import annotations

import datetime
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

from annotary.cli import main
from annotary.import_html import extract_page, import_html
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.visible import extract_visible_text
from conftest import REPO, Repo

FIXTURES = Path(__file__).parent / "fixtures"
NEWS = FIXTURES / "news-article.html"
MINIMAL = FIXTURES / "minimal-page.html"
META_TAGS = FIXTURES / "opinion-meta-tags.html"
CAPTURED = datetime.date(2026, 11, 24)

NEWS_PARAGRAPHS = (
    "Plans to deepen the shipping channel into Port Ellery have been put on hold after a "
    "survey found one of the largest eelgrass meadows recorded on this stretch of coast.",
    "The harbour authority said on Thursday that dredging, due to start in April, would be "
    'delayed "by at least a season" while ecologists map the meadow\'s full extent.',
    "The survey, commissioned by the authority itself, found about 14 hectares of Zostera "
    "marina – a protected habitat – in the path of the proposed channel.",
    "“We were surprised by the size of it,” said Dr Helen Marsh, the marine ecologist who led "
    "the survey. “Meadows like this store carbon, shelter juvenile fish and calm the water. "
    "Once they’re gone, they take decades to come back.”",
    'The port\'s chief executive, Colin Barrow, said the company remained "fully committed" '
    "to the £38m project, which it says is needed so that larger container ships can use the "
    "harbour at low tide.",
    "Local fishing groups, who had opposed the dredging, welcomed the pause. A spokesperson for "
    "the Ellery Inshore Fishermen's Association said its members had reported *more* juvenile "
    "bass in the bay in recent years, and asked for the survey's data to be published in full.",
    'The authority said it would publish the survey and a revised timetable "within weeks".',
)

#: Page furniture of the news fixture, none of which may reach the article.
NEWS_BOILERPLATE = (
    "cookies",
    "Advertisement",
    "Story continues",
    "Share",
    "Copy link",
    "Read more",
    "Port Ellery expansion: what we know",
    "Most read",
    "ferry timetable",
    "Comments",
    "About time someone looked",
    "morning briefing",
    "Photo: Tom Reyes",
    "All rights reserved",
    "Subscribe",
    "gtag",
)


@pytest.fixture(scope="module")
def config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")


def split_article(markdown: str) -> tuple[dict[str, Any], str]:
    assert markdown.startswith("---\n")
    end = markdown.index("\n---\n", 4)
    front = yaml.safe_load(markdown[4 : end + 1])
    assert isinstance(front, dict)
    body = markdown[end + 5 :]
    assert body.startswith("\n")  # a blank line after the front matter
    return front, body[1:]


def visible(config: MarkdownConfig, body: str) -> str:
    return extract_visible_text(config.render(body)).text


def page(text: str) -> bytes:
    return f"<!doctype html><html><head>{text}</body></html>".encode()


ARTICLE_BODY = (
    "<body><article>"
    "<p>The ferry company said on Monday that the winter timetable would start a week later "
    "than planned, because one of its two boats is still in dry dock for repairs.</p>"
    "<p>Passengers with tickets for the cancelled crossings will be offered a refund or a "
    "seat on the next sailing, the company said in a statement on its website.</p>"
    "</article>"
)


# ---------------------------------------------------------------- extraction


def test_news_page_text_is_the_article_without_boilerplate() -> None:
    extracted = extract_page(NEWS.read_bytes(), captured=CAPTURED)
    assert extracted.paragraphs == NEWS_PARAGRAPHS


def test_news_page_metadata_from_json_ld_and_meta_tags() -> None:
    extracted = extract_page(NEWS.read_bytes(), captured=CAPTURED)
    assert extracted.title == "Harbour dredging plan put on hold after survey finds rare seagrass"
    assert extracted.authors == ("Maria Okafor",)
    assert extracted.outlet == "The Coastal Herald"
    assert extracted.published == datetime.date(2025, 3, 14)
    assert extracted.url == (
        "https://www.coastalherald.example/news/environment/2025/03/harbour-dredging-seagrass"
    )


def test_news_page_article_file() -> None:
    imported = import_html(NEWS.read_bytes(), captured=CAPTURED)
    assert imported.slug == "harbour-dredging-plan-put-on-hold-after-survey-finds-rare-seagrass"
    front, body = split_article(imported.markdown)
    assert front == {
        "title": "Harbour dredging plan put on hold after survey finds rare seagrass",
        "author": "Maria Okafor",
        "outlet": "The Coastal Herald",
        "published": datetime.date(2025, 3, 14),
        "url": "https://www.coastalherald.example/news/environment/2025/03/harbour-dredging-seagrass",
        "captured": CAPTURED,
    }
    for furniture in NEWS_BOILERPLATE:
        assert furniture not in imported.markdown, furniture
    # One paragraph a line, Markdown-special characters escaped as import-text does.
    assert "reported \\*more\\* juvenile bass" in body
    assert body.count("\n\n") == len(NEWS_PARAGRAPHS) - 1
    assert imported.dropped_lines == ()
    assert imported.byline == ()


def test_meta_tags_page_authors_url_and_no_table() -> None:
    imported = import_html(META_TAGS.read_bytes(), captured=CAPTURED)
    front, body = split_article(imported.markdown)
    assert front["title"] == "Why the night bus matters"
    assert front["author"] == ["Priya Raman", "Tom Ellis"]
    assert front["outlet"] == "Metro Ledger"
    assert front["published"] == datetime.date(2024, 11, 2)
    # the page's own og:url, as written (not rebuilt from anything)
    assert front["url"] == (
        "https://metroledger.example/analysis/why-the-night-bus-matters?utm_source=rss"
    )
    assert "tags" not in front  # the page's keywords are not the archive's tags
    # The table's cells would be sentences of their own: left out. The heading stays.
    for cell in ("Reason for travel", "Leisure", "56"):
        assert cell not in body
    assert "\nWho rides after midnight\n" in body
    assert "\n1\\. Cost was the first reason" in body  # no ordered list by accident
    for furniture in ("6 min read", "Tweet", "newsletter", "Related stories", "Log in", "£1\n"):
        assert furniture not in imported.markdown, furniture


def test_minimal_page_byline_from_the_text_and_nothing_invented() -> None:
    imported = import_html(MINIMAL.read_bytes(), captured=CAPTURED, outlet="Ellery Gazette")
    front, body = split_article(imported.markdown)
    assert front == {
        "title": "Council votes to keep the old library open",
        "author": "Sam Whitfield",
        "author_role": "Local democracy reporter",
        "outlet": "Ellery Gazette",
        "captured": CAPTURED,
    }  # no url and no published date: the page states neither
    assert imported.byline == ("By Sam Whitfield", "Local democracy reporter")
    assert body.startswith("The town council voted seven to four")
    # windows-1252 page: &#150; is an en dash, as browsers read it
    assert "3,000 residents – nearly a fifth of the town –" in body
    assert "\n\\# of books lent last year" in body
    for furniture in ("Home", "Archive", "Contact"):
        assert furniture not in body


@pytest.mark.parametrize(
    ("fixture", "options", "skipped"),
    [(NEWS, {}, 0), (META_TAGS, {}, 0), (MINIMAL, {"outlet": "Ellery Gazette"}, 2)],
    ids=["news", "meta-tags", "minimal"],
)
def test_body_visible_text_equals_the_extracted_paragraphs(
    config: MarkdownConfig, fixture: Path, options: dict[str, str], skipped: int
) -> None:
    raw = fixture.read_bytes()
    paragraphs = extract_page(raw, captured=CAPTURED).paragraphs[skipped:]
    _, body = split_article(import_html(raw, captured=CAPTURED, **options).markdown)
    assert visible(config, body) == " ".join(paragraphs)


def test_explicit_arguments_override_the_page() -> None:
    imported = import_html(
        NEWS.read_bytes(),
        captured=CAPTURED,
        url="https://example.org/original",
        title="Seagrass halts dredging",
        outlet="Herald",
        authors=("M. Okafor", "T. Reyes"),
        author_role="Environment desk",
        published=datetime.date(2025, 3, 13),
        tags=("port-ellery", "seagrass"),
        slug="seagrass-dredging",
    )
    assert imported.slug == "seagrass-dredging"
    front, _ = split_article(imported.markdown)
    assert front == {
        "title": "Seagrass halts dredging",
        "author": ["M. Okafor", "T. Reyes"],
        "author_role": "Environment desk",
        "outlet": "Herald",
        "published": datetime.date(2025, 3, 13),
        "url": "https://example.org/original",
        "captured": CAPTURED,
        "tags": ["port-ellery", "seagrass"],
    }


def test_a_relative_canonical_link_is_no_url() -> None:
    raw = page(
        '<title>Ferry timetable delayed</title><link rel="canonical" href="/news/ferry">'
        '<meta property="og:site_name" content="Ellery Gazette">'
        '<meta name="author" content="Sam Whitfield">' + ARTICLE_BODY
    )
    extracted = extract_page(raw, captured=CAPTURED)
    assert extracted.url is None
    assert extracted.outlet == "Ellery Gazette"
    front, _ = split_article(import_html(raw, captured=CAPTURED).markdown)
    assert "url" not in front


def test_a_bare_domain_is_not_an_outlet() -> None:
    raw = page(
        '<title>Ferry timetable delayed</title><meta name="author" content="Sam Whitfield">'
        '<link rel="canonical" href="https://www.ellerygazette.example/news/ferry">' + ARTICLE_BODY
    )
    extracted = extract_page(raw, captured=CAPTURED)
    assert extracted.url == "https://www.ellerygazette.example/news/ferry"
    assert extracted.outlet is None
    with pytest.raises(ValueError, match="pass --outlet"):
        import_html(raw, captured=CAPTURED)


def test_no_publication_date_after_the_capture() -> None:
    raw = NEWS.read_bytes()
    assert extract_page(raw, captured=datetime.date(2025, 1, 1)).published is None


def test_missing_title_and_outlet_name_the_option_to_pass() -> None:
    raw = page("<meta name='author' content='Sam Whitfield'>" + ARTICLE_BODY)
    with pytest.raises(ValueError, match=r"no title .*: pass --title"):
        import_html(raw, captured=CAPTURED, outlet="Ellery Gazette")
    with pytest.raises(ValueError, match=r"publisher .*: pass --outlet"):
        import_html(raw, captured=CAPTURED, title="Ferry timetable delayed")
    imported = import_html(
        raw, captured=CAPTURED, title="Ferry timetable delayed", outlet="Ellery Gazette"
    )
    assert imported.slug == "ferry-timetable-delayed"


def test_no_author_anywhere_asks_for_one() -> None:
    raw = page("<title>Ferry timetable delayed</title>" + ARTICLE_BODY)
    with pytest.raises(ValueError, match="give the author"):
        import_html(raw, captured=CAPTURED, outlet="Ellery Gazette")


def test_a_page_without_article_text() -> None:
    raw = page("<title>Loading…</title><body><div id='app'></div><script>render()</script>")
    with pytest.raises(ValueError, match="no article text"):
        import_html(raw, captured=CAPTURED, outlet="X", authors=("Y",))


def test_works_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("import-html tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    imported = import_html(NEWS.read_bytes(), captured=CAPTURED)
    assert imported.slug.startswith("harbour-dredging")


# ----------------------------------------------------------------------- CLI


def run(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(repo.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_article_and_it_lints_clean(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        repo, capsys, "import-html", str(NEWS), "--captured", "2026-11-24", "--tag", "seagrass"
    )
    assert code == 0, err
    slug = "harbour-dredging-plan-put-on-hold-after-survey-finds-rare-seagrass"
    assert out.strip() == f"docs/articles/{slug}.md"
    article = (repo.root / out.strip()).read_text(encoding="utf-8")
    front, _ = split_article(article)
    assert front["tags"] == ["seagrass"]
    assert front["outlet"] == "The Coastal Herald"
    assert (repo.root / f"annotations/{slug}.yml").read_text().startswith("# yaml-language")
    assert repo.lint() == (0, [])


def test_cli_refuses_to_overwrite(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(repo, capsys, "import-html", str(NEWS))[0] == 0
    path = (
        repo.root
        / "docs/articles/harbour-dredging-plan-put-on-hold-after-survey-finds-rare-seagrass.md"
    )
    first = path.read_bytes()
    code, _, err = run(repo, capsys, "import-html", str(NEWS), "--title", "Other words")
    assert code == 0  # another title is another slug: no clash
    code, out, err = run(repo, capsys, "import-html", str(NEWS))
    assert code == 1
    assert "exists already; refusing to overwrite it" in err
    assert out == ""
    assert path.read_bytes() == first


def test_cli_missing_title_exits_1_with_the_option_to_pass(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = repo.write(
        "saved/untitled.html",
        page("<meta name='author' content='Sam Whitfield'>" + ARTICLE_BODY).decode(),
    )
    code, out, err = run(repo, capsys, "import-html", str(saved), "--outlet", "Ellery Gazette")
    assert code == 1
    assert out == ""
    assert "untitled.html: the page has no title" in err
    assert "pass --title" in err
    assert not (repo.root / "docs/articles").joinpath("ferry-timetable-delayed.md").exists()
    code, out, _ = run(
        repo,
        capsys,
        "import-html",
        str(saved),
        "--outlet",
        "Ellery Gazette",
        "--title",
        "Ferry timetable delayed",
    )
    assert code == 0
    assert out.strip() == "docs/articles/ferry-timetable-delayed.md"


def test_cli_missing_outlet_exits_1(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(repo, capsys, "import-html", str(MINIMAL))
    assert code == 1
    assert "pass --outlet" in err
