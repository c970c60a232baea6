"""Article Markdown → HTML, with the same extensions as the site.

Anchoring works on the text a reader sees, so ``annotary lint`` must render an
article exactly as the site does. The extension list lives in ``mkdocs.yml``;
this module reads it (without MkDocs) and renders with Python-Markdown.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import nh3
import yaml

from .plainmarkdown import PlainSettings, agrees, render_plain, settings_for

#: What the site uses when ``mkdocs.yml`` names no extensions. MkDocs always adds
#: toc, tables and fenced_code itself, so they are always on.
MKDOCS_BUILTIN_EXTENSIONS: tuple[str, ...] = ("toc", "tables", "fenced_code")


@dataclass(frozen=True)
class MarkdownConfig:
    """Extension names and their settings, as MkDocs would pass them."""

    extensions: tuple[str, ...] = MKDOCS_BUILTIN_EXTENSIONS
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def render(self, text: str) -> str:
        html = self.render_plain(text)
        return html if html is not None else clean_article_html(self._render_markdown(text))

    def render_plain(self, text: str) -> str | None:
        """:meth:`render`'s HTML when ``text`` is plain Markdown (see
        :mod:`annotary.plainmarkdown`: a tenth of a millisecond for an article, less
        than reading it from a cache), else ``None``."""
        html = self.plain_html(text)
        return clean_article_html(html) if html is not None else None

    def plain_html(self, text: str) -> str | None:
        """Python-Markdown's HTML for ``text`` (not cleaned) when it is plain Markdown."""
        plain = self._plain_settings
        if plain is None or not agrees(plain, self._render_markdown):
            return None
        return render_plain(text, plain)

    @functools.cached_property
    def _plain_settings(self) -> PlainSettings | None:
        return settings_for(self.extensions, self.configs)

    def _render_markdown(self, text: str) -> str:
        """Python-Markdown's HTML for ``text``, not yet cleaned."""
        held: _Held | None = getattr(_RENDERERS, "held", None)
        if held is not None and held.config is self and not held.busy:
            held.markdown.reset()  # as new: each extension forgets the last document
        elif _reusable(self) and (held is None or not held.busy):
            held = _RENDERERS.held = _Held(self, self._markdown())
        else:  # not safe to reuse, or a render within a render
            return self._markdown().convert(text)
        held.busy = True
        try:
            return held.markdown.convert(text)
        finally:
            held.busy = False

    def _markdown(self) -> markdown.Markdown:
        return markdown.Markdown(
            extensions=list(self.extensions),
            extension_configs={k: dict(v) for k, v in self.configs.items()},
        )


#: Built-in extensions whose state :meth:`markdown.Markdown.reset` clears entirely, so that
#: an instance that converted a document and was reset converts the next exactly as a new
#: one would. (Footnotes number their ids per instance when ``UNIQUE_IDS`` is set: see
#: :func:`_reusable`.) Making a new instance costs about a tenth of converting an article.
_RESETTABLE_EXTENSIONS = frozenset(
    {
        "abbr", "admonition", "attr_list", "def_list", "fenced_code", "footnotes",
        "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
    }
)  # fmt: skip


@dataclass
class _Held:
    """The Markdown instance a thread reuses for one configuration."""

    config: MarkdownConfig
    markdown: markdown.Markdown
    busy: bool = False


_RENDERERS = threading.local()


def _reusable(config: MarkdownConfig) -> bool:
    """Whether one Markdown instance, reset between documents, renders as new ones would."""
    for name in config.extensions:
        short = name.removeprefix("markdown.extensions.")
        if short not in _RESETTABLE_EXTENSIONS:
            return False
    for name, settings in config.configs.items():
        if name.removeprefix("markdown.extensions.") == "footnotes" and settings.get("UNIQUE_IDS"):
            return False
    return True


#: What an article body may contain once rendered: text structure, links, tables,
#: footnotes, admonitions. No script, style, form, frame, media or event handler:
#: an article comes from a contributor's pull request.
ARTICLE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
        "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "u", "ul",
    }
)  # fmt: skip
_ARTICLE_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title"},
    "a": {"href"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript"}
)


#: An ``id`` attribute's name and value. It starts with a literal, which the regular
#: expression engine finds with a fast substring search; ``\sid="…"`` starts with a
#: class of characters, which it tries at every position (4 times slower on a page).
_ID_VALUE = re.compile(r'id="([^"]+)"')


def element_ids(html: str) -> list[str]:
    r"""The value of each ``id="…"`` after a whitespace character, in order.

    Exactly what ``re.findall(r'\sid="([^"]+)"', html)`` finds, faster: MkDocs
    checks links to ``page#id`` against a page's ids, and a built article page
    (60 kB) was scanned once for them.
    """
    found: list[str] = []
    search = _ID_VALUE.search
    position = 0
    while (match := search(html, position)) is not None:
        start = match.start()
        if start > 0 and html[start - 1].isspace():
            found.append(match.group(1))
            position = match.end()
        else:  # "data-id=…": go on from the next character, as a search for \sid=" would
            position = start + 1
    return found


def clean_article_html(html: str) -> str:
    """The rendered article with only inert markup left (nh3 allow-list).

    Both the lint (through :meth:`MarkdownConfig.render`) and the site adapter (on
    MkDocs' HTML) clean before placing annotations, so both place them in the same
    text. Links keep http, https, mailto and relative addresses only.
    """
    if _CLEANER is not None:
        cleaned: str = _CLEANER.clean(html)
    else:
        cleaned = nh3.clean(html, **_CLEAN_OPTIONS)
    return cleaned


_CLEAN_OPTIONS: dict[str, Any] = {
    "tags": set(ARTICLE_TAGS),
    "clean_content_tags": set(_DROPPED_WITH_CONTENT),
    "attributes": _ARTICLE_ATTRIBUTES,
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener nofollow",
    "strip_comments": True,
}
#: The allow-list made once (nh3 >= 0.2.18), not converted again for every article.
_CLEANER: Any = nh3.Cleaner(**_CLEAN_OPTIONS) if hasattr(nh3, "Cleaner") else None


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose ``!ENV`` and ``!!python/name:`` tags are MkDocs' business."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return None


_TolerantLoader.add_multi_constructor("!", _ignore_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def markdown_config_from_mkdocs_yml(path: Path) -> MarkdownConfig:
    """The ``markdown_extensions`` of a ``mkdocs.yml``, plus the ones MkDocs adds."""
    if not path.is_file():
        return MarkdownConfig()
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    entries = data.get("markdown_extensions") if isinstance(data, dict) else None
    names: list[str] = list(MKDOCS_BUILTIN_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    for entry in entries or []:
        if isinstance(entry, str):
            name, config = entry, None
        elif isinstance(entry, dict) and len(entry) == 1:
            name, config = next(iter(entry.items()))
        else:
            continue
        if name not in names:
            names.append(name)
        if isinstance(config, dict):
            configs[name] = config
    return MarkdownConfig(tuple(names), configs)
