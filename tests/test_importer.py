"""The importer: scraped text → archived article, verbatim to the reader's eye."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from annotary.importer import (
    ArticleMetadata,
    escape_markdown_line,
    import_text,
    match_boilerplate,
    slugify,
)
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.visible import extract_visible_text

ROOT = Path(__file__).resolve().parents[1]
SEED = Path("/work/shared/seeds/000_09f361ae893ebf73.txt")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CAPTURED = datetime.date(2026, 11, 24)


@pytest.fixture(scope="module")
def config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(ROOT / "mkdocs.yml")


# ----------------------------------------------------------------------- helpers


def collapse(text: str) -> str:
    """White space as the visible text counts it: ASCII runs are one space."""
    return re.sub(r"[ \t\n\r\f]+", " ", text).strip(" ")


def visible_text(html: str) -> str:
    return extract_visible_text(html).text


def split_article(markdown: str) -> tuple[dict[str, Any], str]:
    assert markdown.startswith("---\n")
    end = markdown.index("\n---\n", 4)
    front = yaml.safe_load(markdown[4 : end + 1])
    assert isinstance(front, dict)
    body = markdown[end + 5 :]
    assert body.startswith("\n")  # a blank line after the front matter
    return front, body[1:]


def meta(**overrides: Any) -> ArticleMetadata:
    fields: dict[str, Any] = {"title": "A title", "outlet": "An Outlet", "captured": CAPTURED}
    fields.update(overrides)
    return ArticleMetadata(**fields)


LONG = "This opening paragraph is long enough and ends like a sentence does."


# -------------------------------------------------------------------------- seed


def test_seed_imports_to_the_expected_article(config: MarkdownConfig) -> None:
    raw = SEED.read_text(encoding="utf-8")
    result = import_text(
        raw,
        meta(
            title="About 1,000 North Koreans killed fighting Ukraine in Kursk, officials say",
            outlet="BBC News",
            published=datetime.date(2025, 1, 22),
            tags=("north-korea", "kursk", "russia-ukraine-war"),
        ),
        slug="north-korean-troops-kursk",
    )
    assert result.slug == "north-korean-troops-kursk"
    assert result.dropped_lines == ("ARTICLE AD", "468x60 AD AFTER 4 POSTS")
    assert result.byline == ("Frank Gardner", "BBC security correspondent")
    assert result.markdown.startswith(
        "---\n"
        "title: About 1,000 North Koreans killed fighting Ukraine in Kursk, officials say\n"
        "author: Frank Gardner\n"
        "author_role: BBC security correspondent\n"
        "outlet: BBC News\n"
        "published: 2025-01-22\n"
        "captured: 2026-11-24\n"
        "tags: [north-korea, kursk, russia-ukraine-war]\n"
        "---\n\n"
        "Western officials have told the BBC that North Korean troops"
    )
    front, body = split_article(result.markdown)
    assert front == {
        "title": "About 1,000 North Koreans killed fighting Ukraine in Kursk, officials say",
        "author": "Frank Gardner",
        "author_role": "BBC security correspondent",
        "outlet": "BBC News",
        "published": datetime.date(2025, 1, 22),
        "captured": CAPTURED,
        "tags": ["north-korea", "kursk", "russia-ukraine-war"],
    }
    lines = [line for line in raw.splitlines() if line.strip()][4:]
    assert body.split("\n\n") == [*lines[:-1], lines[-1] + "\n"]  # nothing in it needs escaping
    assert visible_text(config.render(body)) == collapse(" ".join(lines))


# ---------------------------------------------------------------------- escaping

#: Constructs of every extension the site loads, to be kept as plain text.
FRAGMENTS = [
    "1. ", "2025.", "- ", "* ", "+ ", "# ", "### ", "> ", "!!! note", '!!! warning "T"',
    "```", "```python", "~~~", "~~~~", "    ", "\t", "[^1]", "[^1]: ", "{: .x}", "{#id}",
    "{: #a .b }", "<div markdown>", "</div>", "<b>", "<!--", "-->", "<?php", "&amp;", "&#126;",
    "&", "&lt;", "[TOC]", "---", "***", "___", "===", "- - -", "| a | b |", "|---|---|",
    "*[HTML]: x", "[a](http://x)", "![i](x)", "[a][b]", "[b]: http://x", "<http://x.y>",
    "<a@b.c>", "**b**", "__u__", "*e*", "_e_", "`c`", "``", "\\", "\\\\", "\\*", "  ",
    "a_b_c", ":", "wzxhzdk:0", "\u00a0", "\u2028", "é", "’", "“", "—", "|", "\\|",
]  # fmt: skip
SPECIALS = "\\`*_{}[]()#+-.!|<>&~=:^\"'%$@/ \t"
text_piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(alphabet=SPECIALS, max_size=6),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6),
)
line_strategy = st.lists(text_piece, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_strategy, min_size=1, max_size=6))
def test_escaped_lines_render_to_their_own_text(config: MarkdownConfig, lines: list[str]) -> None:
    kept = [line for line in lines if line.strip()]
    markdown = "\n\n".join(escape_markdown_line(line) for line in kept)
    assert visible_text(config.render(markdown)) == collapse(" ".join(kept))


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# Not a heading", r"\# Not a heading"),
        ("1. Not a list", r"1\. Not a list"),
        ("- Not a list", r"\- Not a list"),
        ("> Not a quote", r"\> Not a quote"),
        ("!!! note", r"\!!! note"),
        ("~~~", "&#126;~~"),
        ("    indented", "indented"),
        ("\u00a0 # no-break space", "&#160; # no-break space"),
        ("a <b> & c", "a &lt;b> &amp; c"),
        ("{: .x} [^1] *a* _b_ `c`", r"\{: .x\} \[^1\] \*a\* \_b\_ \`c\`"),
        ("Plain text, with a full stop.", "Plain text, with a full stop."),
    ],
)
def test_escape_markdown_line(line: str, escaped: str) -> None:
    assert escape_markdown_line(line) == escaped


@pytest.mark.parametrize(
    "line",
    [
        "# Heading",
        "1. item",
        "* item",
        "> quote",
        "!!! note",
        "---",
        "***",
        "[TOC]",
        "<div>x</div>",
    ],
)
def test_no_block_element_but_a_paragraph(config: MarkdownConfig, line: str) -> None:
    html = config.render(escape_markdown_line(line))
    assert re.fullmatch(r"<p>[^<]*</p>", html), html


# ------------------------------------------------------------------------ import


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(line_strategy, max_size=6))
def test_import_keeps_every_line_of_the_article(config: MarkdownConfig, lines: list[str]) -> None:
    raw = "\n".join([LONG, *lines])
    assume(all(match_boilerplate(line) is None for line in lines))
    result = import_text(raw, meta(authors=("Jane Doe",)), slug="x")
    assert result.dropped_lines == ()
    assert result.byline == ()
    _, body = split_article(result.markdown)
    kept = [line for line in lines if line.strip()]  # white-space-only lines are no paragraph
    assert visible_text(config.render(body)) == collapse(" ".join([LONG, *kept]))


def test_line_ends_bom_and_blank_lines() -> None:
    raw = "\ufeffBy Jane Doe\r\n\r\n\r\n" + LONG + "\r\rSecond line.\n\n\n\nThird.\r\n"
    result = import_text(raw, meta(), slug="x")
    _, body = split_article(result.markdown)
    assert body == LONG + "\n\nSecond line.\n\nThird.\n"
    assert result.byline == ("By Jane Doe",)


def test_control_characters() -> None:
    result = import_text(LONG + "\nA\x00B\x0cC\x85D", meta(authors=("J",)), slug="x")
    assert split_article(result.markdown)[1].endswith("\n\nAB C D\n")


# ------------------------------------------------------------------- boilerplate

BOILERPLATE_LINES = [
    "ARTICLE AD", "468x60 AD AFTER 4 POSTS", "300x250", "728 x 90", "ADVERTISEMENT",
    "Advertisement", "AD", "Ads", "Skip advertisement", "Story continues below advertisement",
    "Article continues after this ad", "Advertisement - Scroll to continue", "Sponsored content",
    "Sponsored", "Promoted stories", "Share this article", "Share", "Save", "Follow us on X",
    "Follow BBC News on Instagram", "Sign up for our newsletter", "Subscribe to our daily alerts",
    "We use cookies to give you the best experience on our website.", "Accept all cookies",
    "Cookie settings", "Image source, Getty Images", "Image caption,",
    "Image caption, Troops of the Storm Corps were first seen in Kursk in October.",
    "Getty Images", "AFP via Getty Images", "Reuters", "© EPA-EFE", "Photo: Jane Doe/Reuters",
]  # fmt: skip


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_is_dropped_anywhere(line: str) -> None:
    raw = f"{line}\nBy Jane Doe\n{LONG}\n{line}\nMore text follows here, as in any article.\n{line}"
    result = import_text(raw, meta(), slug="x")
    assert result.dropped_lines == (line, line, line)
    assert result.byline == ("By Jane Doe",)
    body = split_article(result.markdown)[1]
    assert body == LONG + "\n\nMore text follows here, as in any article.\n"


@pytest.mark.parametrize(
    "line",
    ["Published 22 January 2025", "22 January 2025", "3 hours ago", "Related Topics", "Read more"],
)
def test_edge_only_boilerplate(line: str) -> None:
    raw = f"{line}\nJane Doe\n{line}\nA role\n{LONG}\n{line}\nMore text here.\n{line}"
    result = import_text(raw, meta(), slug="x")
    assert result.dropped_lines == (line, line, line)
    assert result.byline == ("Jane Doe", "A role")
    assert split_article(result.markdown)[1] == f"{LONG}\n\n{line}\n\nMore text here.\n"


ARTICLE_LINES = [
    "Advertising revenue fell sharply last year.",
    "Share prices fell on Monday.",
    "Follow the money, he said.",
    "Sign up for our newsletter, the campaign urged its readers.",
    "AD 79 was the year Vesuvius erupted.",
    "Reuters reported the figures on Tuesday.",
    "Getty Images later withdrew the photograph.",
    "The 1920x1080 screens were sold out.",
    "Save the children, they shouted.",
    "Sponsored content is labelled as such on the site.",
    "Photo: a crowd gathers in the square outside the parliament in Kyiv, as protests grow.",
]


@pytest.mark.parametrize("line", ARTICLE_LINES)
def test_article_lines_are_kept(line: str) -> None:
    assert match_boilerplate(line, at_edge=True) is None


WORDS = [
    "ad", "ads", "advertisement", "article", "share", "save", "follow", "us", "on", "x",
    "sign", "up", "for", "our", "newsletter", "sponsored", "content", "cookies", "getty",
    "images", "reuters", "source", "caption", "credit", "published", "updated", "read", "more",
    "related", "topics", "skip", "story", "continues", "below", "468x60", "300x250", "the",
    "troops", "said", "in", "Kursk", "were", "by", "comments", "photo:", "image", "a",
]  # fmt: skip
#: A sentence may be dropped only behind a page label or as a cookie notice.
LABEL_STARTS = {"image", "media", "video", "photo", "photo:", "picture", "we", "this", "our"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=4, max_size=12).filter(
        lambda w: w[0] not in LABEL_STARTS
    ),
    st.sampled_from([".", "!", "?", '."', ".”"]),
)
def test_a_sentence_is_never_dropped(words: list[str], end: str) -> None:
    sentence = " ".join(words).capitalize() + end
    assert match_boilerplate(sentence, at_edge=True) is None
    assert match_boilerplate(sentence, at_edge=False) is None


def test_a_long_line_is_never_dropped() -> None:
    line = "Sponsored content " + "x" * 100
    assert match_boilerplate(line) is None


# ------------------------------------------------------------------------ byline


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("Frank Gardner", "Frank Gardner"),
        ("By Frank Gardner", "Frank Gardner"),
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Ann Lee, Bob Ray and Cy Twombly", ["Ann Lee", "Bob Ray", "Cy Twombly"]),
        ("By Ann Lee, Bob Ray, and Cy Twombly", ["Ann Lee", "Bob Ray", "Cy Twombly"]),
        ("Ursula von der Leyen & Jürgen Müller", ["Ursula von der Leyen", "Jürgen Müller"]),
        ("By BBC Verify team", "BBC Verify team"),
    ],
)
def test_byline_authors(line: str, authors: str | list[str]) -> None:
    result = import_text(f"{line}\nA role\n{LONG}", meta(), slug="x")
    front, body = split_article(result.markdown)
    assert front["author"] == authors
    assert front["author_role"] == "A role"
    assert result.byline == (line, "A role")
    assert body == LONG + "\n"


def test_byline_without_role() -> None:
    result = import_text(f"By Jane Doe\n{LONG}", meta(), slug="x")
    front, _ = split_article(result.markdown)
    assert front["author"] == "Jane Doe"
    assert "author_role" not in front


def test_metadata_overrides_the_byline() -> None:
    m = meta(authors=("A B", "C D"), author_role="Editors")
    result = import_text(f"Jane Doe\nA role\n{LONG}", m, slug="x")
    front, body = split_article(result.markdown)
    assert front["author"] == ["A B", "C D"]
    assert front["author_role"] == "Editors"
    assert result.byline == ("Jane Doe", "A role")
    assert body == LONG + "\n"


def test_no_byline_no_authors_is_an_error() -> None:
    with pytest.raises(ValueError, match="no byline"):
        import_text(LONG, meta(), slug="x")
    with pytest.raises(ValueError, match="no byline"):
        import_text(f"the lowercase start\n{LONG}", meta(), slug="x")
    with pytest.raises(ValueError, match="no byline"):
        import_text(f"By the numbers\n{LONG}", meta(), slug="x")


def test_no_byline_with_authors() -> None:
    result = import_text(f"ADVERTISEMENT\n{LONG}", meta(authors=("Jane Doe",)), slug="x")
    assert result.byline == ()
    assert split_article(result.markdown)[0]["author"] == "Jane Doe"


def test_nothing_left_is_an_error() -> None:
    with pytest.raises(ValueError, match="no article text"):
        import_text("ARTICLE AD\nJane Doe\n", meta(), slug="x")


def test_invalid_slug() -> None:
    with pytest.raises(ValueError, match="invalid slug"):
        import_text(f"Jane Doe\n{LONG}", meta(), slug="../etc")


# ------------------------------------------------------------------ front matter


TRICKY = [
    "Title: with a colon",
    "'Quoted' and \"double\"",
    "# not a comment",
    "- not a list",
    "? not a key",
    "yes",
    "null",
    "2025-01-22",
    "1,000",
    "0x1F",
    "@handle and `backticks`",
    "a # b",
    "[flow] {map}",
    "&anchor *alias !tag",
    "% directive",
    "trailing space ",
    " leading",
    "multi\nline",
    "---",
    "...",
    "Élysée “smart” quotes — dash",
]


@pytest.mark.parametrize("title", TRICKY)
def test_front_matter_quoting(title: str) -> None:
    m = meta(
        title=title,
        outlet=title,
        authors=(title,),
        author_role=title,
        url="https://example.org/a?b=c#d",
        tags=(title, "plain"),
        published=datetime.date(2025, 1, 22),
    )
    result = import_text(LONG, m, slug="x")
    front, _ = split_article(result.markdown)
    assert front == {
        "title": title,
        "author": title,
        "author_role": title,
        "outlet": title,
        "published": datetime.date(2025, 1, 22),
        "url": "https://example.org/a?b=c#d",
        "captured": CAPTURED,
        "tags": [title, "plain"],
    }
    assert "\npublished: 2025-01-22\n" in result.markdown
    assert "\ncaptured: 2026-11-24\n" in result.markdown


@settings(max_examples=100, deadline=None)
@given(
    st.text(st.characters(codec="utf-8"), min_size=1),
    st.lists(st.text(st.characters(codec="utf-8"))),
)
def test_front_matter_round_trips(title: str, names: list[str]) -> None:
    m = meta(title=title, outlet=title, authors=(title, *names), tags=tuple(names))
    markdown = import_text(LONG, m, slug="x").markdown
    assert markdown.startswith("---\ntitle: ")  # a block mapping, one key a line
    front, _ = split_article(markdown)
    assert front["title"] == title
    assert front["outlet"] == title
    assert front["author"] == ([title, *names] if names else title)
    assert front.get("tags", []) == names
    assert list(front) == ["title", "author", "outlet", "captured", *(["tags"] if names else [])]


def test_slug_from_title() -> None:
    result = import_text(f"Jane Doe\n{LONG}", meta(title="Kim’s troops: 1,000 killed"))
    assert result.slug == "kims-troops-1000-killed"


# ------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("About 1,000 North Koreans killed", "about-1000-north-koreans-killed"),
        ("Élysée: Macron’s “día” -- à Zürich!", "elysee-macrons-dia-a-zurich"),
        ("Straße, Ørsted, Łódź, Œuvre", "strasse-orsted-lodz-oeuvre"),
        ("  --Hello--World--  ", "hello-world"),
        ("2.5 million", "2-5-million"),
        ("Putin's ally", "putins-ally"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_slugify_cuts_at_a_word_boundary() -> None:
    assert slugify("alpha beta gamma", max_length=12) == "alpha-beta"
    assert slugify("alpha beta gamma", max_length=10) == "alpha-beta"
    assert slugify("alphabetagamma delta", max_length=5) == "alpha"
    assert len(slugify("word " * 40)) <= 80


def test_slugify_nothing_left() -> None:
    with pytest.raises(ValueError, match="cannot make a slug"):
        slugify("北朝鮮")


@given(st.text(), st.integers(min_value=1, max_value=100))
def test_slugify_always_a_slug(title: str, max_length: int) -> None:
    try:
        slug = slugify(title, max_length=max_length)
    except ValueError:
        assume(False)
        return
    assert SLUG_RE.fullmatch(slug)
    assert len(slug) <= max_length
