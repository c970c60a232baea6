"""Article Markdown → HTML, with the same extensions as the site.

Anchoring works on the text a reader sees, so ``annotary lint`` must render an
article exactly as the site does. The extension list lives in ``mkdocs.yml``;
this module reads it (without MkDocs) and renders with Python-Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import nh3
import yaml

#: What the site uses when ``mkdocs.yml`` names no extensions. MkDocs always adds
#: toc, tables and fenced_code itself, so they are always on.
MKDOCS_BUILTIN_EXTENSIONS: tuple[str, ...] = ("toc", "tables", "fenced_code")


@dataclass(frozen=True)
class MarkdownConfig:
    """Extension names and their settings, as MkDocs would pass them."""

    extensions: tuple[str, ...] = MKDOCS_BUILTIN_EXTENSIONS
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def render(self, text: str) -> str:
        md = markdown.Markdown(
            extensions=list(self.extensions),
            extension_configs={k: dict(v) for k, v in self.configs.items()},
        )
        return clean_article_html(md.convert(text))


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


def clean_article_html(html: str) -> str:
    """The rendered article with only inert markup left (nh3 allow-list).

    Both the lint (through :meth:`MarkdownConfig.render`) and the site adapter (on
    MkDocs' HTML) clean before placing annotations, so both place them in the same
    text. Links keep http, https, mailto and relative addresses only.
    """
    cleaned: str = nh3.clean(
        html,
        tags=set(ARTICLE_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes=_ARTICLE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        strip_comments=True,
    )
    return cleaned


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
