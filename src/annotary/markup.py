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
        html: str = md.convert(text)
        return html


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
