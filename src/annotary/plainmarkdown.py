"""The Markdown most articles are written in, rendered without Python-Markdown.

``annotary lint`` renders every article to find the text a reader sees, and
Python-Markdown spends about 2 ms on an article of 700 words: a quarter of a
cold lint. Most news articles use a small part of Markdown: paragraphs,
``#`` headings, ``*emphasis*``, ``**strong**`` and ``[links](https://…)``.
:func:`render_plain` renders exactly that part, and gives ``None`` for any
text that steps outside it, which the caller then hands to Python-Markdown.

"Exactly" means the same HTML, byte for byte, as Python-Markdown with the
site's extensions. Three things hold it to that:

- the grammar below is narrow: any character that could start other Markdown
  (``_ ` \\ < > & [ ] { } | # ~``, a line starting like a list, a quote, a
  table, a definition or code) sends the whole article to Python-Markdown;
- headings get their ids from the toc extension's own ``slugify`` and
  ``unique``, with the site's toc settings (other settings: Python-Markdown);
- each configuration is checked once per process: a sample that uses every
  construct is rendered both ways, and if they differ (a new Python-Markdown),
  the fast path is off for that configuration. ``tests/test_plainmarkdown.py``
  compares the two on thousands of generated articles.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import unescape
from typing import Any

from markdown.extensions import toc

#: Extensions that change nothing in the Markdown accepted here: each needs a
#: character or a line start the grammar refuses (``|``, ``~~~``, ``{:``, ``<``,
#: ``!!!``, ``[^``, ``*[``, a line starting with ``:``).
_NEUTRAL_EXTENSIONS = frozenset(
    {"tables", "fenced_code", "attr_list", "md_in_html", "admonition", "footnotes", "abbr",
     "def_list"}
)  # fmt: skip
#: toc settings this module follows; any other toc setting goes to Python-Markdown.
_TOC_SETTINGS = frozenset({"permalink", "permalink_title", "permalink_class", "toc_depth", "title"})

_TEXT = r"[^*_`\\\[\]<>&{}|#~\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]"
_SOLID = r"[^\s*_`\\\[\]<>&{}|#~\x00-\x1f\x7f-\x9f\u2028\u2029]"
#: Text between delimiters: no space just inside them (``* a*`` is not emphasis).
_INNER = rf"{_SOLID}(?:{_TEXT}*{_SOLID})?"
_URL = r"[A-Za-z0-9/:.\-%?=+,;@_!$'#]+"
_INLINE = re.compile(
    rf"(?P<text>{_TEXT}+)"
    rf"|(?<!\*)\*\*(?P<strong>{_INNER})\*\*(?!\*)"
    rf"|(?<!\*)\*(?P<em>{_INNER})\*(?!\*)"
    rf"|(?<!!)\[(?P<label>{_INNER})\]\((?P<url>{_URL})\)"  # ![…](…) is an image
)
_HEADING = re.compile(r"(#{1,6}) +([^\s#](?:[^\n]*[^\s#])?)")
#: Line starts that begin other Markdown (lists, quotes, code, rules, setext
#: underlines, admonitions, definitions, fences, tables, HTML, numbered lists).
_OTHER_LINE = re.compile(r"[ \t>+=:!~`|<-]|\*(?:\s|\*\s|\*\*)|\d+[.)]")


@dataclass(frozen=True)
class PlainSettings:
    """The toc settings that shape a heading."""

    permalink: bool
    permalink_title: str
    permalink_class: str


def settings_for(
    extensions: tuple[str, ...], configs: Mapping[str, Mapping[str, Any]]
) -> PlainSettings | None:
    """What :func:`render_plain` needs of a configuration, or ``None`` when it has an
    extension or a setting the fast path does not follow."""
    names = {name.removeprefix("markdown.extensions.") for name in extensions}
    if "toc" not in names or not names - {"toc"} <= _NEUTRAL_EXTENSIONS:
        return None
    toc_settings: dict[str, Any] = {}
    for name, settings in configs.items():
        short = name.removeprefix("markdown.extensions.")
        if short == "toc":
            toc_settings.update(settings)
        elif settings and short not in _NEUTRAL_EXTENSIONS:
            return None
    if not set(toc_settings) <= _TOC_SETTINGS:
        return None
    permalink = toc_settings.get("permalink", False)
    title = toc_settings.get("permalink_title", "Permanent link")
    css = toc_settings.get("permalink_class", "headerlink")
    if permalink not in (True, False) or not isinstance(title, str) or not isinstance(css, str):
        return None
    if not re.fullmatch(r"[\w -]*", title) or not re.fullmatch(r"[\w -]+", css):
        return None
    return PlainSettings(bool(permalink), title, css)


def render_plain(text: str, settings: PlainSettings) -> str | None:
    """Python-Markdown's HTML for ``text`` if it is plain Markdown (see the module's doc)."""
    parts: list[str] = []
    used: set[str] = set()
    counters: dict[str, int] = {}
    paragraph: list[str] = []

    def close() -> bool:
        if paragraph:
            inline = _inline("\n".join(paragraph))
            if inline is None:
                return False
            parts.append(f"<p>{inline}</p>")
            paragraph.clear()
        return True

    for line in text.split("\n"):
        if not line:
            if not close():
                return None
            continue
        if line != line.strip() or _OTHER_LINE.match(line) or "\r" in line:
            return None
        if line.startswith("#"):
            heading = _HEADING.fullmatch(line)
            if heading is None or not close():
                return None
            inline = _inline(heading.group(2))
            if inline is None:
                return None
            parts.append(_heading(len(heading.group(1)), inline, settings, used, counters))
            continue
        paragraph.append(line)
    if not close():
        return None
    return "\n".join(parts)


def _inline(text: str) -> str | None:
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() != position:
            return None
        position = match.end()
        kind = match.lastgroup
        if kind == "text":
            out.append(match.group())
        elif kind == "strong":
            out.append(f"<strong>{match.group('strong')}</strong>")
        elif kind == "em":
            out.append(f"<em>{match.group('em')}</em>")
        else:
            out.append(f'<a href="{match.group("url")}">{match.group("label")}</a>')
    if position != len(text):
        return None
    return "".join(out)


def _heading(
    level: int, inline: str, settings: PlainSettings, used: set[str], counters: dict[str, int]
) -> str:
    name = toc.strip_tags(inline)
    anchor = _unique(toc.slugify(unescape(name), "-"), used, counters)
    link = ""
    if settings.permalink:
        title = f' title="{settings.permalink_title}"' if settings.permalink_title else ""
        link = f'<a class="{settings.permalink_class}" href="#{anchor}"{title}>&para;</a>'
    return f'<h{level} id="{anchor}">{inline}{link}</h{level}>'


def _unique(anchor: str, used: set[str], counters: dict[str, int]) -> str:
    unique: Callable[..., str] = toc.unique
    try:
        return unique(anchor, used, counters)
    except TypeError:  # Python-Markdown before 3.10: no counters
        return unique(anchor, used)


#: One sample of every construct, rendered both ways once per configuration.
SAMPLE = (
    "# A headline, *with* **emphasis**\n\nFirst line of a paragraph, with a "
    "[link](https://example.org/a_b?c=d) and *emphasis\nacross* a line break.\n"
    "“Quoted,” she said — 40% of **the** budget.\n## A headline, *with* **emphasis**\n"
    "Text right after a heading.\n\n\n### ’’’\n\n###### Six\n"
)


class _Checked(threading.local):
    def __init__(self) -> None:
        self.results: dict[PlainSettings, bool] = {}


_CHECKED = _Checked()


def agrees(settings: PlainSettings, reference: Callable[[str], str]) -> bool:
    """Whether :func:`render_plain` gives ``reference``'s HTML for :data:`SAMPLE`
    (``reference`` renders with Python-Markdown); asked once per process."""
    known = _CHECKED.results.get(settings)
    if known is None:
        known = _CHECKED.results[settings] = render_plain(SAMPLE, settings) == reference(SAMPLE)
    return known
