"""Contributors' notes: Markdown in, HTML that is safe to put on a page out.

Notes come from pull requests, so they are untrusted input published on every
reader's screen. Two layers keep them harmless:

1. Python-Markdown is run *without* its raw-HTML handling, so a ``<script>`` or
   ``<iframe>`` typed in a note is escaped and shown as text, never passed on.
2. The result is cleaned by ``nh3`` (the Rust ammonia sanitizer) against a
   short allow-list of tags, with links restricted to ``http``, ``https`` and
   ``mailto`` and given ``rel="noopener nofollow"``. This catches what Markdown
   itself produces from hostile input, e.g. ``[x](javascript:alert(1))``.

Rendering is cached by content: a page has dozens of notes and the same note
text is rendered again for every build of ``mkdocs serve``.
"""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3

__all__ = ["ALLOWED_TAGS", "URL_SCHEMES", "render_note"]

#: What a note may contain: emphasis, links, lists, code, quotations, line breaks.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "br"}
)
#: Link schemes a note may use; relative links are dropped, since a note is shown
#: on pages at different depths and would point somewhere else on each.
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
#: Tags removed *with* their content if they ever reach the sanitizer.
_CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript"}
)
_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}


def _markdown() -> markdown.Markdown:
    """A Markdown converter that treats raw HTML as text.

    Deregistering the raw-HTML block preprocessor and inline pattern makes
    Python-Markdown escape ``<tag>`` like any other text; autolinks
    (``<https://…>``) are a separate pattern and keep working.
    """
    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


_MD = _markdown()


@lru_cache(maxsize=4096)
def render_note(markdown_text: str) -> str:
    """Render a note's Markdown to sanitised HTML (empty string for an empty note).

    The output only holds the tags of :data:`ALLOWED_TAGS`; ``<a>`` keeps only
    ``href`` (absolute ``http``/``https``/``mailto``) and ``title``, and gets
    ``rel="noopener nofollow"``. Anything else is escaped or removed.
    """
    if not markdown_text.strip():
        return ""
    html = _MD.reset().convert(markdown_text)
    cleaned: str = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes=_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener nofollow",
        strip_comments=True,
    )
    return cleaned.strip()
