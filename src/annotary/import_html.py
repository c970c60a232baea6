"""A saved web page → an archived article: ``annotary import-html``.

The page's article text and metadata are extracted with trafilatura (the
optional ``annotary[import]`` extra; importing this module without it raises
``ImportError``, which the CLI turns into an install hint). Nothing is fetched:
trafilatura reads the bytes given, and its date search (htmldate) works on the
same tree.

What is taken from the page:

* The text: trafilatura's main-content extraction, tuned for precision
  (navigation, ads, share buttons, related links, comments left out; tables and
  images too, since a table's cells would become sentences of their own).
  Each paragraph, heading or list item becomes one line.
* The title: ``og:title``, JSON-LD ``headline``, ``<title>`` or the one ``<h1>``.
* The author(s): author meta tags, JSON-LD ``author``, a byline element.
* The outlet: ``og:site_name``, JSON-LD ``publisher`` or the site named in the
  ``<title>``; a bare domain name (trafilatura's last resort) is not an outlet.
* The publication date: from the URL, meta tags, JSON-LD or date markup, never
  after the capture date; a date written in the text itself can be taken as
  well (htmldate's fallback), so check it against the page.
* The URL: the page's canonical link or ``og:url``, if absolute http(s).
  No URL is ever made up: a page that names none gets none.

Explicit arguments override what the page says. The lines then go through
:func:`annotary.importer.import_text`, exactly as a scraped text would: the same
boilerplate rules, byline detection (used only if the page names no author),
Markdown escaping and front matter.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from trafilatura import bare_extraction
from trafilatura.settings import Document

from .importer import ArticleMetadata, ImportedArticle, import_text

__all__ = ["ExtractedPage", "extract_page", "import_html"]

#: trafilatura's sitename when the page names none: the URL's domain.
_DOMAIN = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")


@dataclass(frozen=True)
class ExtractedPage:
    """What a saved page says about itself; ``None`` or empty where it says nothing."""

    #: The article's text, one paragraph (or heading, or list item) each.
    paragraphs: tuple[str, ...]
    title: str | None
    authors: tuple[str, ...]
    outlet: str | None
    published: datetime.date | None
    url: str | None


def extract_page(raw: bytes, *, captured: datetime.date) -> ExtractedPage:
    """The article text and metadata of a saved page, offline.

    Args:
        raw: The page as saved (any encoding the page declares or that can be
            detected).
        captured: When the page was saved: no publication date after it is taken.
    """
    document = bare_extraction(
        raw,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        with_metadata=True,
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "max_date": captured.isoformat(),
        },
    )
    if not isinstance(document, Document):
        return ExtractedPage((), None, (), None, None, None)
    text = document.text or ""
    paragraphs = tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())
    url = _absolute_url(document.url)
    outlet = _text(document.sitename)
    if outlet is not None and url is not None:
        domain = _DOMAIN.match(url)
        if domain is not None and outlet == domain.group(1):
            outlet = None
    authors = tuple(name for name in (_text(a) for a in (document.author or "").split(";")) if name)
    return ExtractedPage(
        paragraphs=paragraphs,
        title=_text(document.title),
        authors=authors,
        outlet=outlet,
        published=_date(document.date),
        url=url,
    )


def import_html(
    raw: bytes,
    *,
    captured: datetime.date,
    url: str | None = None,
    title: str | None = None,
    outlet: str | None = None,
    authors: tuple[str, ...] = (),
    author_role: str | None = None,
    published: datetime.date | None = None,
    tags: tuple[str, ...] = (),
    slug: str | None = None,
) -> ImportedArticle:
    """The archived article for a saved web page.

    Every argument but ``raw`` and ``captured`` overrides what the page says;
    left out, the page's own metadata is used (see the module docstring).

    Raises:
        ValueError: no article text in the page; no title or outlet in the page
            and none given; no author anywhere; a bad slug.
    """
    page = extract_page(raw, captured=captured)
    if not page.paragraphs:
        raise ValueError(
            "no article text found in the page (was it saved after the article loaded? "
            "a page that builds its text with JavaScript holds none)"
        )
    title = title or page.title
    if not title:
        raise ValueError("the page has no title (no <title>, og:title or headline): pass --title")
    outlet = outlet or page.outlet
    if not outlet:
        raise ValueError(
            "the page does not name its publisher (no og:site_name, JSON-LD publisher "
            "or site name in its <title>): pass --outlet"
        )
    meta = ArticleMetadata(
        title=title,
        outlet=outlet,
        captured=captured,
        authors=authors or page.authors,
        author_role=author_role,
        published=published or page.published,
        url=url or page.url,
        tags=tags,
    )
    return import_text("\n".join(page.paragraphs), meta, slug)


def _text(value: str | None) -> str | None:
    """A metadata string with its white space collapsed; ``None`` if empty."""
    if value is None:
        return None
    return " ".join(value.split()) or None


def _absolute_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None
