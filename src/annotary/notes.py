"""Contributors' notes: Markdown in, HTML that is safe to put on a page out.

Notes are CommonMark (https://commonmark.org), rendered by cmark, the C
reference implementation (through ``cmarkgfm``, without the GitHub extensions):
about 5 µs a note against 160 µs for Python-Markdown, which matters with tens
of thousands of notes in an archive.

Notes come from pull requests, so they are untrusted input published on every
reader's screen. Two layers keep them harmless:

1. Raw HTML is never seen as HTML: a ``<script>`` or ``<iframe>`` typed in a
   note is escaped and shown as text, not passed on (and not silently dropped,
   as cmark's own safe mode would do). Before cmark runs, every ``<`` that could
   start HTML becomes the noncharacter U+FDD0 (a U+FDD0 of the note becomes
   U+FFFD first), an ordinary character to cmark, and U+FDD0 becomes ``&lt;``
   again in the HTML it writes (``%3C`` in a link address). Only three kinds of
   ``<`` are kept: a backslash-escaped one, one before ``http:``, ``https:`` or
   ``mailto:`` (autolinks), and that of an e-mail autolink
   ``<name@example.org>``; none can open a tag, a comment or an HTML block.
   Inside code spans and code blocks the result is what CommonMark gives for
   ``<`` (``&lt;``). cmark still runs in its safe mode (raw HTML and
   ``javascript:``-like link addresses removed) as a second guard.
2. The result is cleaned by ``nh3`` (the Rust ammonia sanitizer) against a
   short allow-list of tags, with links restricted to ``http``, ``https`` and
   ``mailto`` and given ``rel="noopener nofollow"``. This catches what Markdown
   itself produces from hostile input, e.g. ``[x](javascript:alert(1))``. A plain
   note (paragraphs, emphasis, code, lists, quotations, ordinary web and mail
   links) skips the sanitizer: :func:`_clean_plainly` checks that cmark wrote
   only those, and writes what the sanitizer would (tests compare the two).

Rendering is cached by content: a page has dozens of notes and the same note
text is rendered again for every build of ``mkdocs serve``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import cmarkgfm  # type: ignore[import-untyped]  # no stubs, no py.typed
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

#: Built once: a Cleaner reuses its allow-lists (``nh3.clean`` builds them on every call).
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_CLEAN_CONTENT_TAGS),
    attributes=_ATTRIBUTES,
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
    link_rel="noopener nofollow",
    strip_comments=True,
)

#: Stands for a ``<`` that must stay text: a noncharacter, never in a note as such.
_LT = "\ufdd0"
#: How cmark writes ``_LT`` in a link address (percent-encoded UTF-8).
_LT_IN_URL = "%EF%B7%90"
#: Left to right, what a ``<`` is (CommonMark 0.31: "Backslash escapes", "Autolinks",
#: "Raw HTML", "HTML blocks"):
#:
#: 1. a backslash and the character it escapes: a ``\\<`` stays as it is (cmark reads
#:    it as a literal ``<`` outside code, and as two characters inside code: text
#:    either way);
#: 2. ``<`` before ``http:``, ``https:`` or ``mailto:``: no HTML tag, comment or
#:    block can start so (a tag name is followed by a space, ``/`` or ``>``, never
#:    ``:``), so it is left for cmark: an autolink, a link address in ``<…>``
#:    (``[x](<https://a b>)``), or else a literal ``<``;
#: 3. an e-mail autolink (``<name@example.org>``), likewise never HTML. Its first
#:    character may not be ``!`` or ``?``: at the start of a line ``<!--``, ``<!X``
#:    and ``<?`` open an HTML block, which cmark parses before any autolink;
#: 4. any other ``<``: hidden.
_LESS_THAN = re.compile(
    r"(\\[\s\S])"
    r"|(<(?=(?i:https?|mailto):)"
    r"|<[a-zA-Z0-9.#$%&'*+/=^_`{|}~-][a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]*"
    r"@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*>)"
    r"|<"
)


def _hide(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2) or _LT


def _raw_html_as_text(markdown_text: str) -> str:
    """The note with every ``<`` that could start raw HTML replaced by :data:`_LT`."""
    if _LT in markdown_text:
        markdown_text = markdown_text.replace(_LT, "\ufffd")
    if "<" not in markdown_text:
        return markdown_text
    return _LESS_THAN.sub(_hide, markdown_text)


@lru_cache(maxsize=4096)
def render_note(markdown_text: str) -> str:
    """Render a note's Markdown (CommonMark) to sanitised HTML (empty string for an empty note).

    The output only holds the tags of :data:`ALLOWED_TAGS`; ``<a>`` keeps only
    ``href`` (absolute ``http``/``https``/``mailto``) and ``title``, and gets
    ``rel="noopener nofollow"``. Raw HTML in the note is shown as text; anything
    else not allowed is removed.
    """
    if not markdown_text.strip():
        return ""
    html = _unsanitised_html(markdown_text)
    cleaned = _clean_plainly(html)
    if cleaned is None:
        cleaned = _CLEANER.clean(html)
    return cleaned.strip()


def _unsanitised_html(markdown_text: str) -> str:
    """cmark's HTML for the note, its hidden ``<`` (:data:`_LT`) shown again as text."""
    html: str = cmarkgfm.markdown_to_html(_raw_html_as_text(markdown_text))
    if _LT in html:
        html = html.replace(_LT, "&lt;")
    if _LT_IN_URL in html:
        html = html.replace(_LT_IN_URL, "%3C")
    return html


#: cmark's HTML for a plain note, piece by piece: a tag of a few block and inline
#: elements without attributes, a hard line break, a link to an ``http``, ``https``
#: or ``mailto`` address of ordinary characters (``&`` as cmark writes it, no ``'``,
#: no entity), or text (cmark escapes ``<`` and ``>`` in text; ``"`` as ``&quot;``).
_PLAIN_NOTE_HTML = re.compile(
    r"(?:</?(?:p|em|strong|code|ul|ol|li|blockquote)>"
    r"|<br />"
    r"|<a href=\"(?:https?://{host}(?:/(?:[a-zA-Z0-9\-._~:/?#@!$()*+,;=%]|&amp;)*+)?"
    r"|mailto:[a-zA-Z0-9._%+-]++@{host})\">"
    r"|</a>"
    r"|[^<>]++)*+".replace(
        "{host}", r"[a-zA-Z](?:-?[a-zA-Z0-9])*+(?:\.[a-zA-Z](?:-?[a-zA-Z0-9])*+)*+"
    )
)
_LINK_TAGS = re.compile(r"<a |</a>")


def _clean_plainly(html: str) -> str | None:
    """What the sanitizer makes of cmark's HTML for a plain note, or ``None``.

    Most notes are sentences with emphasis, code and links: cmark writes them
    with nothing the allow-list removes, and the sanitizer only writes them
    again its own way (a ``<br>``, a ``"`` and a no-break space in text as
    HTML5 serializers do) and gives each link its ``rel``. That takes it 6 µs a
    note alone and 10 to 15 µs amid a build's other work; this takes about 2.
    Anything else, e.g. an attribute, a
    ``<pre>``, an address with an odd character or host, a link in a link,
    goes to the sanitizer (``tests/test_notes.py`` compares the two). What it
    lets through holds only those tags and such links, so it is safe whatever
    the sanitizer would have written.
    """
    if _PLAIN_NOTE_HTML.fullmatch(html) is None:
        return None
    if "<a " in html:
        links = _LINK_TAGS.findall(html)
        if links != ["<a ", "</a>"] * (len(links) // 2):
            return None  # a link in a link: the sanitizer's parser closes the outer one
        html = html.replace('">', '" rel="noopener nofollow">')
    return html.replace("<br />", "<br>").replace("&quot;", '"').replace("\xa0", "&nbsp;")
