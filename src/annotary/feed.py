"""The archive's Atom 1.0 feed (``feed.xml``): articles newly archived or newly annotated.

:func:`atom_feed` is pure: the same archive and dates give the same bytes. It
never reads the clock: an entry's ``updated`` is the later of the article's
captured date and its annotation file's last change, which the caller passes
in (:func:`annotation_dates` reads them from git); the feed's ``updated`` is
the latest entry's. Entries are newest first, at most :data:`FEED_LIMIT`.

Each entry's ``id`` is the article page's URL, so it stays the same while the
article is re-annotated: a feed reader shows the entry again as updated, not as
a new one.

The XML is built with :mod:`xml.etree.ElementTree`, which escapes markup; text
that XML 1.0 cannot carry at all (control characters, lone surrogates) is
dropped, so a hostile title can neither inject elements nor break the feed.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from .links import Links, web_url
from .model import STATUSES, is_slug

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .model import Article
    from .pipeline import CheckedArchive

__all__ = [
    "FEED_LIMIT",
    "FEED_PATH",
    "FEED_TYPE",
    "annotation_dates",
    "atom_feed",
    "feed_head_link",
    "feed_link_html",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: The feed's path in the site, from its root.
FEED_PATH = "feed.xml"
FEED_TYPE = "application/atom+xml"
#: Entries in the feed: the newest articles only, so the file stays small.
FEED_LIMIT = 50
#: The feed's ``updated`` when the archive is empty (never the build time).
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

_UTC = datetime.UTC
#: What XML 1.0 allows in text and attribute values; everything else is dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Claim verdicts first, then "not checked (yet)", as the claims page orders them.
_STATUS_ORDER = (*(s for s in STATUSES if s != "unverified"), "unverified")


def atom_feed(
    checked: CheckedArchive,
    *,
    site_url: str,
    site_name: str,
    updated_of: Mapping[str, datetime.date | datetime.datetime] | None = None,
    directory_urls: bool = True,
    limit: int = FEED_LIMIT,
) -> str:
    """The Atom feed of the archive's articles, newest (by ``updated``) first.

    Args:
        checked: The checked archive (only its validated files are read).
        site_url: The site's absolute address (MkDocs' ``site_url``).
        site_name: The feed's title.
        updated_of: Last change of each article's annotations, by slug (see
            :func:`annotation_dates`); missing slugs use the captured date.
        directory_urls: MkDocs' ``use_directory_urls``, for the article URLs.
        limit: How many entries at most.
    """
    root_url = site_url if site_url.endswith("/") else site_url + "/"
    links = Links(to_root=root_url, directory_urls=directory_urls)
    dates = updated_of or {}
    articles = checked.archive.articles.values()
    entries = sorted(
        ((_updated(a, dates.get(a.slug)), a) for a in articles),
        key=lambda item: (item[0], item[1].meta.captured, item[1].slug),
        reverse=True,
    )[: max(limit, 0)]

    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "id", root_url)
    _text(feed, "title", site_name)
    _text(feed, "subtitle", f"Articles newly archived or annotated in {site_name}")
    _text(feed, "updated", _rfc3339(entries[0][0] if entries else EPOCH))
    _link(feed, root_url, "alternate", "text/html")
    _link(feed, root_url + FEED_PATH, "self", FEED_TYPE)
    author = ET.SubElement(feed, "author")
    _text(author, "name", site_name)
    _text(author, "uri", root_url)
    _text(feed, "generator", "Annotary")
    for updated, article in entries:
        feed.append(_entry(checked, article, updated, links.article(article.slug)))

    ET.indent(feed, space="  ")
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _entry(
    checked: CheckedArchive, article: Article, updated: datetime.datetime, url: str
) -> ET.Element:
    meta = article.meta
    entry = ET.Element("entry")
    _text(entry, "id", url)
    _text(entry, "title", _one_line(meta.title))
    _link(entry, url, "alternate", "text/html")
    original = web_url(meta.url)
    if original:
        _link(entry, original, "related", "text/html", title=f"Original article ({meta.outlet})")
    _text(entry, "published", _rfc3339(_as_datetime(meta.captured)))
    _text(entry, "updated", _rfc3339(updated))
    for name in meta.authors or (meta.outlet,):
        author = ET.SubElement(entry, "author")
        _text(author, "name", name)
    for tag in dict.fromkeys(meta.tags):
        ET.SubElement(entry, "category", {"term": _xml_safe(tag)})
    _text(entry, "summary", article_summary(checked, article)).set("type", "text")
    return entry


def article_summary(checked: CheckedArchive, article: Article) -> str:
    """One line of plain text: outlet, author(s), dates, and what the archive says about it.

    E.g. ``BBC News · By Frank Gardner · published 2025-01-22 · 25 claims (5
    supported, 20 unverified) · 3 quotes · 10 source mentions``.
    """
    meta = article.meta
    parts = [meta.outlet]
    if meta.authors:
        parts.append("By " + _join(meta.authors))
    if meta.published is not None:
        parts.append(f"published {meta.published.isoformat()}")
    parts.append(f"captured {meta.captured.isoformat()}")
    annotations = checked.archive.annotations_of(article.slug)
    types = Counter(a.type for a in annotations)
    statuses = Counter(a.status for a in annotations if a.type == "claim" and a.status)
    claims = _plural(types["claim"], "claim")
    known = [s for s in _STATUS_ORDER if statuses[s]]
    known += sorted(s for s in statuses if s not in _STATUS_ORDER)
    if known:
        claims += " (" + ", ".join(f"{statuses[s]} {s}" for s in known) + ")"
    parts += [
        claims,
        _plural(types["quote"], "quote"),
        _plural(types["source"], "source mention"),
    ]
    return " · ".join(_one_line(p) for p in parts)


def feed_link_html(url: str, text: str = "Subscribe to new and updated articles") -> str:
    """A paragraph linking to the feed, for the home page (an HTML block in Markdown).

    ``url`` as seen from the page it goes in, e.g. ``"feed.xml"`` on the home page.
    """
    return (
        f'<p class="annotary-feed"><a href="{escape(url, quote=True)}" '
        f'type="{FEED_TYPE}">{escape(text)} (Atom feed)</a></p>\n'
    )


def feed_head_link(url: str, title: str) -> str:
    """``<link rel="alternate">`` for a page's ``<head>``: lets browsers find the feed."""
    return (
        f'<link rel="alternate" type="{FEED_TYPE}" '
        f'title="{escape(title, quote=True)}" href="{escape(url, quote=True)}">'
    )


def annotation_dates(root: Path) -> dict[str, datetime.datetime]:
    """When each ``annotations/<slug>.yml`` last changed, by slug, from git (I/O).

    The committer date of the last commit that changed the file (what
    ``git log -1 --format=%cI -- annotations/<slug>.yml`` says, read in one
    ``git log`` for all files; merge commits are not counted as changing a
    file, the commits they merge are). Empty when git or the repository is
    missing, or when the clone is shallow: a shallow clone's oldest commit
    seems to add every file, which would date every article to it (the publish
    workflow must check out with ``fetch-depth: 0``).
    """
    shallow = _git(root, "rev-parse", "--is-shallow-repository")
    if shallow is None or shallow.strip() != "false":
        return {}
    log = _git(root, "log", "--format=%x00%cI", "--name-only", "--relative", "--", "annotations")
    if log is None:
        return {}
    dates: dict[str, datetime.datetime] = {}
    for record in log.split("\0")[1:]:
        lines = record.strip("\n").split("\n")
        try:
            when = datetime.datetime.fromisoformat(lines[0].strip())
        except ValueError:
            continue
        for name in lines[1:]:
            slug = _annotation_slug(name.strip())
            if slug is not None and slug not in dates:
                dates[slug] = when
    return dates


def _annotation_slug(path: str) -> str | None:
    folder, _, name = path.partition("/")
    if folder != "annotations" or not name.endswith(".yml"):
        return None
    slug = name.removesuffix(".yml")
    return slug if is_slug(slug) and slug != "sources" else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# --- Helpers ------------------------------------------------------------------------------


def _updated(
    article: Article, changed: datetime.date | datetime.datetime | None
) -> datetime.datetime:
    captured = _as_datetime(article.meta.captured)
    return captured if changed is None else max(captured, _as_datetime(changed))


def _as_datetime(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A date as midnight UTC; a naive date-time as UTC; every result in UTC."""
    if not isinstance(value, datetime.datetime):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=_UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC)


def _rfc3339(value: datetime.datetime) -> str:
    return value.astimezone(_UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _one_line(text: str) -> str:
    """XML-safe, white space runs as one space: for titles and the summary."""
    return " ".join(_xml_safe(text).split())


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _xml_safe(text)
    return element


def _link(
    parent: ET.Element, href: str, rel: str, media_type: str, title: str | None = None
) -> None:
    attributes = {"rel": rel, "type": media_type, "href": _xml_safe(href)}
    if title is not None:
        attributes["title"] = _xml_safe(title)
    ET.SubElement(parent, "link", attributes)


def _plural(count: int, singular: str) -> str:
    return f"{count} {singular if count == 1 else singular + 's'}"


def _join(names: tuple[str, ...]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
