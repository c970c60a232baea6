"""The archive's own pages: home list, sources, claims by status, tags.

Generator-independent: each page is returned as Markdown (with HTML blocks) for
the adapter to add to the site. Placeholder until the archive pages land.
"""

from __future__ import annotations

from .pipeline import CheckedArchive

#: The marker in ``docs/index.md`` replaced by the list of articles.
HOME_MARKER = "<!-- annotary:articles -->"


def archive_pages(checked: CheckedArchive) -> dict[str, str]:
    """Generated pages, by path under ``docs/`` (e.g. ``"sources/bbc-news.md"``)."""
    return {}


def home_article_list(checked: CheckedArchive) -> str:
    """The list of articles, newest first, for the home page."""
    items = []
    for slug, article in sorted(
        checked.archive.articles.items(),
        key=lambda kv: (kv[1].meta.published or kv[1].meta.captured, kv[0]),
        reverse=True,
    ):
        items.append(f"- [{article.meta.title}](articles/{slug}.md) — {article.meta.outlet}")
    return "\n".join(items) + "\n"
