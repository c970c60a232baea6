"""The MkDocs adapter: the only module that knows MkDocs.

It runs the core once per build (validate and place everything), aborts the
build on a contributor's error with the same messages as ``annotary lint``,
adds the generated pages and the plugin's assets, and hands each article page's
HTML to the generator-independent renderer.
"""

from __future__ import annotations

import datetime
import logging
import re
from html import escape
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, InclusionLevel

from . import w3c
from .feed import FEED_PATH, annotation_dates, atom_feed, feed_link_html
from .links import links_for_page_url
from .markup import MarkdownConfig, clean_article_html
from .pages import HOME_MARKER, archive_pages, home_article_list
from .pipeline import CheckedArchive, check_archive
from .placement import place_annotations
from .render import render_article
from .schemaorg import article_jsonld

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.annotary")
NOT_IN_NAV = InclusionLevel.NOT_IN_NAV
_ID_ATTRIBUTE = re.compile(r'\sid="([^"]+)"')

#: Where article pages live under ``docs/``; their file name is the slug.
ARTICLES_URI = PurePosixPath("articles")
#: Where the plugin's CSS and JavaScript are published in the site.
ASSETS_URI = "assets/annotary"
ASSET_FILES = ("annotary.css", "annotary.js")
#: Placing problems: the page is still built, the annotation listed apart.
PLACING_CODES = frozenset({"quote-drifted", "quote-not-found", "quote-ambiguous"})


class AnnotaryConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off (``ANNOTARY_ENABLED=false``) for a plain build to compare with."""


class AnnotaryPlugin(BasePlugin[AnnotaryConfig]):
    def __init__(self) -> None:
        self.checked: CheckedArchive | None = None
        self.updated_of: dict[str, datetime.datetime] = {}
        self.head: dict[str, str] = {}

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
            if problem.is_error and problem.code not in PLACING_CODES:
                log.error(problem.format_text())
            else:
                log.warning(problem.format_text())
        fatal = [p for p in checked.errors if p.code not in PLACING_CODES]
        if fatal:
            raise PluginError(
                f"annotary: {len(fatal)} error(s) in the archive's files (listed above); "
                "nothing was built. Run 'annotary lint' for details."
            )
        self.checked = checked
        self.updated_of = annotation_dates(root)
        self.head = {}
        for name in ASSET_FILES:
            uri = f"{ASSETS_URI}/{name}"
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if uri not in [str(t) for t in target]:
                target.append(uri)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.checked is None:
            return None
        assets = resources.files("annotary") / "assets"
        for name in ASSET_FILES:
            content = (assets / name).read_text(encoding="utf-8")
            files.append(File.generated(config, f"{ASSETS_URI}/{name}", content=content))
        for path, content in archive_pages(self.checked).items():
            if files.get_file_from_path(path) is None:
                files.append(File.generated(config, path, content=content, inclusion=NOT_IN_NAV))
        if config.site_url:
            feed = atom_feed(
                self.checked,
                site_url=config.site_url,
                site_name=config.site_name,
                updated_of=self.updated_of,
                directory_urls=config.use_directory_urls,
            )
            files.append(File.generated(config, FEED_PATH, content=feed))
        for file in files:
            if article_slug(file.src_uri) is not None:
                file.inclusion = NOT_IN_NAV  # reached from the home list, not the nav
        return files

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self.checked is None:
            return None
        slug = article_slug(page.file.src_uri)
        if slug is not None and slug in self.checked.archive.articles:
            # Material prints the title into <title> and the header unescaped
            meta = self.checked.archive.articles[slug].meta
            page.meta["title"] = escape(meta.title)
            # Material's search indexes the tags and shows them as HTML
            page.meta["tags"] = [escape(tag) for tag in meta.tags]
        if HOME_MARKER in markdown:
            home = home_article_list(self.checked)
            if config.site_url:
                home += "\n" + feed_link_html(FEED_PATH)
            return markdown.replace(HOME_MARKER, home)
        return None

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
        placed = place_annotations(clean_article_html(html), annotations)
        links = links_for_page_url(page.url, config.use_directory_urls)
        rendered = render_article(
            placed, self.checked.archive.articles[slug], self.checked.archive, links
        )
        # MkDocs collected the page's ids before this event: add the highlights' own,
        # so links to `#<annotation-id>` from other pages validate.
        page.present_anchor_ids = (page.present_anchor_ids or set()) | set(
            _ID_ATTRIBUTE.findall(rendered)
        )
        if page.canonical_url:
            self.head[page.file.src_uri] = article_jsonld(
                self.checked.archive.articles[slug],
                placed,
                self.checked.archive,
                page_url=page.canonical_url,
                site_name=config.site_name,
                site_url=config.site_url,
            )
        return rendered

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The W3C Web Annotation exports: one collection per article, one for the archive."""
        if not self.config.enabled or self.checked is None:
            return
        if not config.site_url:
            log.warning("annotary: no site_url in mkdocs.yml; the W3C exports need one")
            return
        write_w3c_exports(
            self.checked,
            root=Path(config.config_file_path).parent,
            site_dir=Path(config.site_dir),
            site_url=config.site_url,
            directory_urls=config.use_directory_urls,
        )

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        head = self.head.get(page.file.src_uri)
        if not head:
            return None
        return output.replace("</head>", head + "</head>", 1)


def write_w3c_exports(
    checked: CheckedArchive, *, root: Path, site_dir: Path, site_url: str, directory_urls: bool
) -> None:
    provenance = {
        slug: found
        for slug in checked.archive.annotation_files
        if (found := w3c.git_provenance(root, f"annotations/{slug}.yml")) is not None
    }
    for slug, placed in sorted(checked.placed.items()):
        document = w3c.article_collection(
            placed,
            checked.archive.articles[slug],
            checked.archive,
            site_url=site_url,
            article_url=w3c.article_url(site_url, slug, directory_urls=directory_urls),
            provenance=provenance.get(slug),
            directory_urls=directory_urls,
        )
        path = site_dir / w3c.article_collection_path(slug, directory_urls=directory_urls)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(w3c.dumps(document), encoding="utf-8")
    archive = w3c.archive_collection(
        checked, site_url=site_url, directory_urls=directory_urls, provenance=provenance
    )
    (site_dir / w3c.archive_collection_path()).write_text(w3c.dumps(archive), encoding="utf-8")


def article_slug(src_uri: str) -> str | None:
    path = PurePosixPath(src_uri)
    if path.parent != ARTICLES_URI or path.suffix != ".md":
        return None
    return path.stem
