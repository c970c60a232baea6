"""Where the archive's pages are, as relative URLs from the page being rendered.

Rendering must link an article to its sources' pages and back without knowing
the site generator; the adapter gives it a :class:`Links` for each page.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

from .importer import slugify
from .model import RESERVED_NAMES


@dataclass(frozen=True)
class Links:
    #: Relative path from the current page to the site root, e.g. ``"../../"``.
    to_root: str = ""
    #: MkDocs' ``use_directory_urls``: ``sources/x/`` rather than ``sources/x.html``.
    directory_urls: bool = True

    def page(self, path: str) -> str:
        """``path`` without suffix, e.g. ``"sources/bbc-news"`` or ``"claims"``."""
        if self.directory_urls:
            return f"{self.to_root}{path}/"
        return f"{self.to_root}{path}.html"

    def home(self) -> str:
        return self.to_root or "./"

    def article(self, slug: str, annotation_id: str | None = None) -> str:
        url = self.page(f"articles/{slug}")
        return f"{url}#{annotation_id}" if annotation_id else url

    def source(self, source_id: str) -> str:
        return self.page(f"sources/{source_id}")

    def sources(self) -> str:
        return self._index("sources")

    def claims(self, status: str | None = None) -> str:
        url = self.page("claims")
        return f"{url}#{status}" if status else url

    def tags(self) -> str:
        return self._index("tags")

    def _index(self, folder: str) -> str:
        suffix = "" if self.directory_urls else "index.html"
        return f"{self.to_root}{folder}/{suffix}"

    def tag(self, tag: str) -> str:
        return self.page(f"tags/{tag_slug(tag)}")


@functools.lru_cache(maxsize=4096)
def tag_slug(tag: str) -> str:
    """A tag's page name: tags are free text, page names are slugs.

    A tag without a letter or digit still gets a page, and one named like an index
    page must not replace it. Remembered: an archive has a few hundred tags, and
    a page names each of its own again (``slugify`` takes 3 µs; an article's page
    asks 14 times).
    """
    try:
        name = slugify(tag)
    except ValueError:
        name = ""
    name = name or "tag"
    return f"{name}-tag" if name in RESERVED_NAMES else name


def links_for_page_url(page_url: str, directory_urls: bool = True) -> Links:
    """Links as seen from a page whose URL (relative to the site root) is ``page_url``.

    ``"articles/x/"`` → ``"../../"``; ``"articles/x.html"`` → ``"../"``; ``""`` → ``""``.
    """
    depth = page_url.count("/")
    return Links("../" * depth, directory_urls)


def web_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) address, else ``None``: never link anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url.strip()
