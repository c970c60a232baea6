"""The MkDocs adapter: the only module that knows MkDocs.

It runs the core once per build (validate and place everything), aborts the
build on a contributor's error with the same messages as ``annotary lint``,
and hands each article page's HTML to the generator-independent renderer.
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from .markup import MarkdownConfig
from .pipeline import CheckedArchive, check_archive
from .placement import place_annotations
from .render import render_article

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.annotary")

#: Where article pages live under ``docs/``; their file name is the slug.
ARTICLES_URI = PurePosixPath("articles")


class AnnotaryConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off (``ANNOTARY_ENABLED=false``) for a plain build to compare with."""


class AnnotaryPlugin(BasePlugin[AnnotaryConfig]):
    def __init__(self) -> None:
        self.checked: CheckedArchive | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        root = Path(config.config_file_path).parent
        markdown_config = MarkdownConfig(
            tuple(str(e) for e in config.markdown_extensions if isinstance(e, str)),
            dict(config.mdx_configs),
        )
        checked = check_archive(root, markdown_config)
        for problem in checked.problems:
            if problem.code in ("quote-drifted", "quote-not-found", "quote-ambiguous"):
                # placing problems: the page is built, the annotation listed apart
                log.warning(problem.format_text())
            elif problem.is_error:
                log.error(problem.format_text())
            else:
                log.warning(problem.format_text())
        fatal = [p for p in checked.errors if p.code not in ("quote-not-found", "quote-ambiguous")]
        if fatal:
            raise PluginError(
                f"annotary: {len(fatal)} error(s) in the archive's files (listed above); "
                "nothing was built. Run 'annotary lint' for details."
            )
        self.checked = checked
        return config

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self.checked is None:
            return None
        slug = article_slug(page.file.src_uri)
        if slug is None or slug not in self.checked.archive.articles:
            return None
        annotation_file = self.checked.archive.annotation_files.get(slug)
        annotations = annotation_file.annotations if annotation_file else ()
        placed = place_annotations(html, annotations)
        return render_article(placed, self.checked.archive)


def article_slug(src_uri: str) -> str | None:
    path = PurePosixPath(src_uri)
    if path.parent != ARTICLES_URI or path.suffix != ".md":
        return None
    return path.stem
