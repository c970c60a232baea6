"""The MkDocs adapter: the only module that knows MkDocs.

How a build goes, and why in this order:

1. ``on_config``: every file is loaded and validated (the same messages as
   ``annotary lint``); a contributor's error stops the build before anything
   is written.
2. ``on_files``: the plugin's assets and the listing pages (sources, claims,
   tags) are added. Their paths come from the annotation files alone; their
   content waits until every article has been placed.
3. ``on_page_content``, per article: the HTML MkDocs rendered is placed,
   highlighted and rendered by :mod:`annotary.articlepage` (or read back from
   the cache when nothing it depends on changed). MkDocs renders each article's
   Markdown once, for the page; the plugin never renders it again. The page
   content handed on is the short version meant for the search index.
4. ``on_page_context``, after Material's search plugin has indexed that short
   version: the highlighted page goes in, and the listing pages and the home
   list are written from every article's passages.
5. ``on_post_build``: the W3C Web Annotation exports.

``mkdocs serve --dirty`` (``./scripts/serve``): an edit of annotation files
alone rewrites the pages it changes in place, without MkDocs (see
:meth:`AnnotaryPlugin.on_serve`); any other edit gets MkDocs' dirty rebuild of
the pages it touches (see :meth:`AnnotaryPlugin._mark_unchanged`).

What a warm build reads back from the cache instead of computing again is in
:mod:`annotary.mkdocs_render` (MkDocs' Markdown rendering, Material's search
entries) and :mod:`annotary.articlepage` (finished article pages).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import hashlib
import json
import logging
import multiprocessing
import multiprocessing.process
import os
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from html import escape
from importlib import resources
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from mkdocs.commands.build import get_context
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, InclusionLevel, get_files
from mkdocs.structure.pages import Page

from . import w3c
from .archive import (
    ANNOTATIONS_DIR,
    ArchivePlan,
    LoadMemo,
    LoadResult,
    archive_fingerprint,
    load_archive,
    plan_archive,
    reload_annotation_files,
)
from .articlepage import NAMESPACE as ARTICLE_PAGES
from .articlepage import (
    ArticlePage,
    PageSettings,
    PassageRecord,
    build_article_page,
    cached_page,
    inputs_fingerprint,
    prepare_pages,
    sources_fingerprint,
    unpack_text,
)
from .cache import Cache, paused_gc
from .feed import FEED_PATH, annotation_dates, atom_feed, feed_link_html
from .markup import element_ids
from .mkdocs_render import (
    PageOutputs,
    content_identity,
    output_settings,
    page_changing_plugins,
    quiet_loggers,
    remember_output,
    remember_render,
    remember_search,
    render_context,
)
from .pages import (
    CLAIMS_PAGE,
    HOME_MARKER,
    SOURCES_INDEX,
    TAGS_INDEX,
    ListingPage,
    Passage,
    home_list,
    plan_pages,
    render_page,
    tag_page_name,
)
from .pipeline import (
    CheckedArchive,
    Fingerprinted,
    load_archive_fingerprinted,
    load_archive_in_workers,
)
from .preview import PageShell, Stamp, file_stamps
from .schedule import AheadOrder

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.livereload import LiveReloadServer
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation
    from mkdocs.utils.templates import TemplateContext

    from .model import Annotation, Archive, Article

log = logging.getLogger("mkdocs.plugins.annotary")
NOT_IN_NAV = InclusionLevel.NOT_IN_NAV

#: Where article pages live under ``docs/``, as MkDocs names pages (``src_uri``);
#: their file name is the slug.
ARTICLES_URI = "articles"
#: Where the plugin's CSS and JavaScript are published in the site.
ASSETS_URI = "assets/annotary"
ASSET_FILES = ("annotary.css", "annotary.js")
#: Placing problems: the page is still built, the annotation listed apart.
PLACING_CODES = frozenset({"quote-drifted", "quote-not-found", "quote-ambiguous"})
#: Fewer articles than this are rendered by the build alone (forking costs more).
HELPER_MIN_ARTICLES = 50
#: The cache's record of builds that went to the end (see ``_start_helper``).
COMPLETE = "complete-build"
#: The listing pages' plan, and each one's content (see ``_plan_pages``, ``_listing``).
LISTING_PLAN = "listing-plan"
LISTING_PAGE = "listing-page"
#: The home page's article list (see ``_home_content``).
HOME_LIST = "home-list"
#: The archive-wide W3C collection, as written last (see ``_write_archive_export``).
ARCHIVE_EXPORT = "archive-export"
#: Where the home page's article list goes in the rendered page.
_HOME_SLOT = HOME_MARKER
#: The listing pages every listed change shows in (their counts).
_INDEXES = frozenset({SOURCES_INDEX, CLAIMS_PAGE, TAGS_INDEX})


class AnnotaryConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the plugin off (``ANNOTARY_ENABLED=false``) for a plain build to compare with."""
    cache = c.Type(bool, default=True)
    """Remember finished article pages under ``.cache/annotary`` (``ANNOTARY_CACHE=false``: off)."""


class AnnotaryPlugin(BasePlugin[AnnotaryConfig]):
    """One instance lives through all the rebuilds of ``mkdocs serve``: what it keeps
    between builds (the last archive and every article's page) is what lets a
    dirty rebuild redo only what an edit touches."""

    def __init__(self) -> None:
        self.loaded: LoadResult | None = None
        self.cache: Cache | None = None
        self.updated_of: dict[str, datetime.datetime] = {}
        self.provenance: dict[str, w3c.Provenance] = {}
        self.sources_key = ""
        #: Every article's finished page, by slug (kept across dirty rebuilds).
        self.results: dict[str, _Kept] = {}
        #: Full page content waiting for ``on_page_context``, by page source path.
        #: Each article page's content until ``on_page_context``: UTF-8, or its cache key.
        self.content: dict[str, bytes | str] = {}
        #: The cache keys of the article pages whose content waits for the theme's
        #: output (see ``_page_output``), by page source path.
        self.deferred: dict[str, str] = {}
        #: Each article page's cache key, which names its content in the key of the
        #: page's theme output (see :class:`PageOutputs`), by page source path.
        self.output_ids: dict[str, str] = {}
        self.outputs: PageOutputs | None = None
        #: Articles whose W3C collection waits for the end of the build.
        self.exports_due: list[str] = []
        #: The short version of the pages being written (what the search index read).
        self.short: dict[str, str] = {}
        self.head: dict[str, str] = {}
        self.plan: dict[str, ListingPage] = {}
        self.passages: dict[str, tuple[Passage, ...]] | None = None
        self.dirty = False
        self.serving = False
        self.helper: _Ahead | None = None  # articles ahead, while MkDocs populates pages
        #: Whether on_pre_build started the article helper (see there).
        self.helper_early = False
        self.template_helper: _Ahead | None = None  # pages' theme output, while it builds them
        #: What starts the template helper, once the build has rendered its first page.
        self.template_helper_due: Callable[[], None] | None = None
        self.nav: Navigation | None = None
        self.exported: Any = None  # the template helper's "W3C files written" (shared)
        #: What every article's Markdown rendering depends on (see :mod:`.mkdocs_render`).
        self.render_context: tuple[str, str] | None = None
        self.changed: set[str] | None = None
        self.previous: Archive | None = None
        self.root: Path | None = None
        self.load_memo: LoadMemo = {}
        #: Each article's fingerprint (see :meth:`_inputs`), with the model objects it is of.
        self.inputs: dict[str, Fingerprinted] = {}
        #: Digests of the model and of every article's passages, once per build.
        self.archive_digest: str | None = None
        self.listings_key: str | None = None
        #: The cache key of the archive's files, and of this build's being complete.
        self.archive_key = ""
        self.complete_key: str | None = None
        self.pending_archive: tuple[str, _StoredArchive] | None = None
        # What ``./scripts/serve`` keeps to update pages in place (see ``on_serve``):
        #: each article's HTML as MkDocs rendered it, compressed, and its page settings;
        self.bases: dict[str, tuple[bytes, PageSettings]] = {}
        #: each written article, listing and home page without its content;
        self.shells: dict[str, PageShell] = {}
        #: the home page's content before the list goes in;
        self.home_base: str | None = None
        #: the files other than annotations that the last full build started from, the
        #: annotation files as last shown, and the list of files they were read with.
        self.stamps: dict[str, Stamp] | None = None
        self.annotation_stamps: dict[str, Stamp] | None = None
        self.archive_plan: ArchivePlan | None = None
        self.last_config: MkDocsConfig | None = None
        #: Listings that edits shown in place changed, not yet rewritten.
        self.pending: _Pending | None = None

    # --- start of a build -----------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.dirty = self.serving and dirty

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        root = Path(config.config_file_path).parent
        if self.root != root:
            self.load_memo = {}
            self.bases, self.shells, self.home_base = {}, {}, None
        if self.dirty:  # before anything is read: an edit made during the build shows
            self.stamps = file_stamps(_watched_paths(config), skip=[root / ANNOTATIONS_DIR])
            self.annotation_stamps = file_stamps([root / ANNOTATIONS_DIR])
        self.last_config = config
        cache = Cache.for_root(root) if self.config.cache else None
        if self.serving:  # what the last build froze may be garbage now
            gc.unfreeze()
            gc.collect()
        # The model lives as long as the build (the server): the garbage collector need
        # not scan its million objects again and again; at 10,000 articles a full
        # collection takes 2 s, and would land in the middle of a preview's update.
        # Frozen before the collector runs again: its first pass after loading would
        # scan every object loading made (80 ms at 1,000 articles).
        # A build unfreezes at its end (on_post_build, on_build_error).
        with paused_gc():
            loaded = self._load(root, cache)
            gc.freeze()
        for problem in loaded.problems:
            (log.error if problem.is_error else log.warning)(problem.format_text())
        if loaded.has_errors:
            errors = sum(1 for p in loaded.problems if p.is_error)
            raise PluginError(
                f"annotary: {errors} error(s) in the archive's files (listed above); "
                "nothing was built. Run 'annotary lint' for details."
            )
        same_repo = self.root == root
        self.previous = self.loaded.archive if self.loaded is not None and same_repo else None
        if self.pending is not None and same_repo:  # listings not yet shown: this build does
            self.previous = self.pending.base
        self.pending = None
        if not same_repo:
            self.results = {}
        self.root = root
        self.loaded = loaded
        self.cache = cache
        self.sources_key = sources_fingerprint(loaded.archive)
        self.updated_of = annotation_dates(root)
        self.provenance = {}
        if config.site_url:
            slugs = sorted(loaded.archive.annotation_files)
            found = w3c.git_provenance_all(root, [f"annotations/{s}.yml" for s in slugs])
            self.provenance = {s: p for s in slugs if (p := found.get(f"annotations/{s}.yml"))}
        self.content, self.head, self.passages, self.short = {}, {}, None, {}
        self.deferred, self.output_ids, self.outputs = {}, {}, None
        self.exports_due = []
        self.archive_digest = self.listings_key = None
        self.render_context = None
        for name in ASSET_FILES:
            uri = f"{ASSETS_URI}/{name}"
            target = config.extra_css if name.endswith(".css") else config.extra_javascript
            if uri not in [str(t) for t in target]:
                target.append(uri)
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self.loaded is None:
            return None
        self._leave_out_unpublished(files)
        archive = self.loaded.archive
        assets = resources.files("annotary") / "assets"
        for name in ASSET_FILES:
            content = (assets / name).read_text(encoding="utf-8")
            files.append(File.generated(config, f"{ASSETS_URI}/{name}", content=content))
        if not (self.dirty and self.plan and self._listings_unchanged()):
            self.plan = self._plan_pages()  # else the same pages as the last rebuild
        for path, planned in self.plan.items():
            if files.get_file_from_path(path) is None:
                files.append(
                    File.generated(
                        config,
                        path,
                        content=_front_matter(planned.title),
                        inclusion=NOT_IN_NAV,
                    )
                )
        if config.site_url:
            feed = atom_feed(
                CheckedArchive(archive),  # the feed reads only the validated files
                site_url=config.site_url,
                site_name=config.site_name,
                updated_of=self.updated_of,
                directory_urls=config.use_directory_urls,
            )
            files.append(File.generated(config, FEED_PATH, content=feed))
        for file in files:
            if article_slug(file.src_uri) is not None and file.inclusion.is_included():
                file.inclusion = NOT_IN_NAV  # reached from the home list, not the nav
        if self.dirty:
            self._mark_unchanged(files)
        else:
            self._start_helper(files, config)
        if self.cache is not None and self.cache.enabled:
            remember_search(config.plugins, self.cache, self._is_article, self._indexed)
        return files

    def _leave_out_unpublished(self, files: Files) -> None:
        """Take out of the model the articles whose pages this build leaves out.

        That is those ``exclude_docs`` names, and those ``draft_docs`` names except
        under ``mkdocs serve``, which shows drafts (as MkDocs does with their pages).
        The home list, the listings, the feed and the W3C collections then never
        name a page the site does not have. ``annotary lint`` still checks their
        files, and the stored model keeps them (it is keyed by the files alone).
        """
        assert self.loaded is not None
        shown = InclusionLevel.is_in_serve if self.serving else InclusionLevel.is_included
        archive = self.loaded.archive
        hidden = {
            slug
            for file in files
            if (slug := article_slug(file.src_uri)) in archive.articles
            and not shown(file.inclusion)
        }
        if not hidden:
            return
        published = replace(
            archive,
            articles={s: a for s, a in archive.articles.items() if s not in hidden},
            annotation_files={s: f for s, f in archive.annotation_files.items() if s not in hidden},
        )
        self.loaded = replace(self.loaded, archive=published)
        self.provenance = {s: p for s, p in self.provenance.items() if s not in hidden}

    # --- each page ------------------------------------------------------------------------

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self.loaded is None:
            return None
        slug = article_slug(page.file.src_uri)
        if slug is not None and slug in self.loaded.archive.articles:
            # Material prints the title into <title> and the header unescaped
            meta = self.loaded.archive.articles[slug].meta
            page.meta["title"] = escape(meta.title)
            # Material's search indexes the tags and shows them as HTML
            page.meta["tags"] = [escape(tag) for tag in meta.tags]
            if self.cache is not None and self.cache.enabled:
                if self.render_context is None:
                    self.render_context = render_context(config, files)
                page.render = functools.partial(  # type: ignore[method-assign]
                    remember_render, page, self.cache, self.render_context
                )
        return None

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled or self.loaded is None:
            return None
        src = page.file.src_uri
        archive = self.loaded.archive
        planned = self.plan.get(src) if page.file.generated_by else None
        if planned is not None:
            return planned.search_html  # the listing itself comes in on_page_context
        slug = article_slug(src)
        if slug is None or slug not in archive.articles:
            return None
        article = archive.articles[slug]
        if self.helper is not None:
            self.helper.reached(src)
        built = build_article_page(
            html,
            article,
            archive.annotations_of(slug),
            archive,
            _page_settings(page.url, page.canonical_url, config),
            cache=self.cache,
            sources_key=self.sources_key,
            inputs=self._inputs(slug),
        )
        result = built.page
        for problem in result.problems:
            log.warning(problem.format_text())
        self.results[slug] = _Kept(result.passages, result.w3c_items)
        # MkDocs collected the page's ids before this event: add the highlights' own,
        # so links to `#<annotation-id>` from other pages validate.
        page.present_anchor_ids = (page.present_anchor_ids or set()) | set(result.anchor_ids)
        # Wait for on_page_context: a page read from the cache is read again then (0.1 ms;
        # held, 10,000 pages weigh 0.7 GB); one computed now waits as UTF-8 (half a str).
        if built.from_cache and built.key is not None:
            self.content[src] = built.key
        else:
            self.content[src] = result.content.encode()
            if result.head:
                self.head[src] = result.head
        if built.key is not None:
            self.output_ids[src] = f"{ARTICLE_PAGES}:{built.key}"
        if config.site_url and result.w3c_items is not None:
            self.exports_due.append(slug)  # once MkDocs made the page's folder
        if self.dirty:
            settings = _page_settings(page.url, page.canonical_url, config)
            self.bases[slug] = (zlib.compress(html.encode(), 1), settings)
        return result.search_html

    def _indexed(self, page: Page) -> None:
        """An article is in the search index: the text it was given (10 kB, see
        ``on_page_content``) is of no more use. Material's search plugin strips
        ``data-search-*`` attributes from every page's content next, with a regular
        expression tried at every character (0.18 s of a cold build at 1,000
        articles); this plugin gives the page its content after that (below)."""
        if page.file.src_uri in self.content and self.outputs is not None and not self.serving:
            page.content = ""

    @event_priority(-100)  # after Material's search plugin has indexed the short version
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if not self.config.enabled or self.loaded is None:
            return None
        src = page.file.src_uri
        if src in self.content:
            self.short[src] = page.content or ""
            waiting = self.content[src]
            if self.outputs is not None and isinstance(waiting, str):
                self.deferred[src] = waiting  # see _page_output
                del self.content[src]
            else:
                page.content = self._full_content(src)
        elif page.file.generated_by and src in self.plan:
            self.short[src] = page.content or ""
            page.content = self._listing(src, config)
            # links to `claims/#false` etc. are checked after this event
            page.present_anchor_ids = (page.present_anchor_ids or set()) | set(
                element_ids(page.content)
            )
        elif page.content and _HOME_SLOT in page.content:
            if self.dirty:
                self.home_base = page.content
            page.content = self._home_content(page.content, config)
        return None

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """Remember the theme's output of every page (see :func:`remember_output`).

        Not under ``mkdocs serve --dirty``: a preview keeps its pages in memory
        and updates them in place.
        """
        self.outputs = None
        self._stop_template_helper()
        self.exported = None  # set again only by this build's template helper
        if self.config.enabled and not self.serving:
            # every page is populated: what lives now lives to the end of the build (the
            # collector need not scan it again; on_post_build unfreezes), and the template
            # helper forked later does not copy the memory that scanning would write to
            gc.freeze()
        cache = self.cache
        if not self.config.enabled or cache is None or not cache.enabled or self.dirty:
            return None
        settings = output_settings(config)
        if settings is None:
            changing = ", ".join(page_changing_plugins(config)) or "none"
            log.info(
                "annotary: pages' theme output is not remembered between builds "
                f"(plugins that may change pages: {changing}; or a template of the site's "
                "own names a per-build variable)"
            )
            return None
        self.outputs = PageOutputs(cache, settings)
        remember_output(env, self._page_output)
        # Started once the build has rendered a page: Jinja compiles each template the
        # first time it is used, and the helper would compile them all again for itself
        # (0.17 s at 1,000 articles), while the build compiles them anyway.
        self.template_helper_due = functools.partial(
            self._start_template_helper, env, config, files
        )
        return env

    def on_nav(
        self, nav: Navigation, /, *, config: MkDocsConfig, files: Files
    ) -> Navigation | None:
        self.nav = nav  # for the template helper (see _start_template_helper)
        return None

    def _start_template_helper(self, env: Any, config: MkDocsConfig, files: Files) -> None:
        """Make pages' theme output ahead in a second process (see :class:`_Ahead`).

        Once every page is populated, MkDocs renders each one through the theme
        in one process, and the article helper's core sits idle. This one renders
        pages ahead of the build (:class:`_Ahead`), as ``_build_page`` would up to the
        template (the page active, its context, this plugin's ``on_page_context``:
        search's only indexes, and any other plugin handling page events turns the
        page outputs off), and the outputs go into the cache, where the build
        finds them by their keys. Only for a build whose pages are not all
        remembered already (no record of a complete build of the same files).

        Before the pages it writes the W3C collections, which the build would
        otherwise write in ``on_post_build`` with the second core idle (every
        article's items are known once the pages are populated); ``on_post_build``
        writes them itself unless the helper says it wrote them all.
        """
        nav = self.nav
        if nav is None or self.complete_key is None or self.serving or self.dirty:
            return
        pages = files.documentation_pages(inclusion=InclusionLevel.is_included)
        order = {file.src_uri: number for number, file in enumerate(pages)}
        try:
            exported = multiprocessing.get_context("fork").Value("b", 0, lock=False)
        except ValueError:
            return

        def work(next_job: Callable[[], int | None]) -> None:
            # first what the build would write at its very end, when no core helps
            if self._write_exports(config):
                exported.value = 1
            while (number := next_job()) is not None:
                page = pages[number].page
                if page is not None:
                    self._render_ahead(page, config, nav, pages, env)

        self.template_helper = _Ahead.start(order, work, "made {} page(s)' theme output ahead")
        if self.template_helper is not None:
            self.exported = exported

    def _render_ahead(
        self, page: Page, config: MkDocsConfig, nav: Navigation, pages: Any, env: Any
    ) -> None:
        config._current_page = page
        page.active = True
        try:
            context = get_context(nav, pages, config, page)
            template = env.get_template(page.meta.get("template", "main.html"))
            context = self.on_page_context(context, page=page, config=config, nav=nav) or context
            template.render(context)  # through _page_output, which stores it
        finally:
            page.active = False

    def _stop_template_helper(self) -> None:
        self.template_helper_due = None
        if self.template_helper is not None:
            self.template_helper.stop()
            self.template_helper = None

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        src = page.file.src_uri
        if src in self.deferred:  # cannot happen while the theme renders through us
            raise PluginError(f"annotary: {src} was written without its content")
        if self.dirty and page.content and self._kept_in_place(src):
            shell = PageShell.cut(Path(page.file.abs_dest_path), output, page.content)
            if shell is None:
                self.shells.pop(src, None)
            else:
                self.shells[src] = shell
        short = self.short.pop(src, None)
        if short is not None:  # MkDocs keeps every page until the end: the short version
            page.content = short
        head = self.head.pop(src, None)
        if not head:
            return None
        return output.replace("</head>", head + "</head>", 1)

    # --- end of a build -------------------------------------------------------------------

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """The whole archive's W3C collection; the cache forgets what this build did not use."""
        self._stop_helper()
        if not self.serving:
            gc.unfreeze()
        if not self.config.enabled or self.loaded is None:
            return
        exported, self.exported = self.exported, None
        if not config.site_url:
            log.warning("annotary: no site_url in mkdocs.yml; the W3C exports need one")
        elif exported is not None and exported.value:  # by the template helper
            self.exports_due = []
            if self.cache is not None:  # kept by the sweep, though this process never read it
                key = self._archive_export_key(config, *self._archive_items())
                self.cache.keep(ARCHIVE_EXPORT, key)
        else:
            self._write_exports(config)
        if self.cache is not None and not self.dirty:
            if self.pending_archive is not None:  # no helper took it
                self.cache.put_object("archive", *self.pending_archive)
                self.pending_archive = None
            if self.complete_key is not None:
                self.cache.put(COMPLETE, self.complete_key, True)
            self.cache.sweep()
            self.cache.close()

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_helper()
        self._stop_template_helper()
        self.pending_archive = None
        self.exported = None
        if self.cache is not None:  # what it wrote stays, and its pack is let go
            self.cache.close()
        gc.unfreeze()

    def on_shutdown(self) -> None:
        """The end of an ``mkdocs`` command, before the process exits.

        On its way out Python collects garbage once more, over every object the
        build made: 0.6 s at 1,000 articles, as long as MkDocs takes for a hundred
        pages. Frozen, they are left to the exit. Not under ``mkdocs serve``,
        whose server goes on (this event ends it too, but nothing is gained).
        """
        self._stop_helper()
        if self.config.enabled and not self.serving:
            gc.freeze()

    # --- preview ----------------------------------------------------------------------------

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer | None:
        """Under ``mkdocs serve --dirty``, an edit that only changes annotation files
        updates the written pages in place; anything else gets MkDocs' rebuild.

        Even a dirty rebuild walks every page of the site (navigation, URLs, the
        sitemap, the whole search index): 5 s at 10,000 articles. An annotation
        edit changes only the pages :meth:`_update_in_place` rewrites: the
        edited articles first (the browser reloads), then, on a second round
        the plugin asks the server for, the listings that show them
        (:meth:`_update_listings`, seconds at 10,000 articles).
        """
        if not self.config.enabled or not self.dirty:
            return None
        rebuild = server.builder

        def build() -> None:
            try:
                shown = self._update_in_place()
                if shown is not None and self.pending is None:
                    return
                if shown and _request_build(server):
                    return  # the articles show now; their listings on the next round
                if shown is not None and self._update_listings():
                    return
            except Exception as error:  # the full rebuild is always right
                log.warning(f"annotary: updating in place failed ({error!r}); rebuilding")
            rebuild()

        server.builder = build
        return server

    # --- helpers ---------------------------------------------------------------------------

    def _load(self, root: Path, cache: Cache | None) -> LoadResult:
        """The validated archive: under ``mkdocs serve`` re-reading only the files that
        changed; otherwise from the cache when no file changed since a build that had
        no error."""
        self.archive_key = ""
        self.pending_archive = None
        if self.serving:
            self.archive_plan = plan_archive(root)
            loaded = load_archive(root, self.load_memo, self.archive_plan)
            for _, files in self.load_memo.values():  # the same digests as a build's
                found = Fingerprinted.of(files)
                if found is not None:
                    self.inputs[found.article.slug] = found
            return loaded
        if cache is None:
            return load_archive_in_workers(root)
        key = self.archive_key = cache.key("archive", archive_fingerprint(root))
        stored = cache.get_object("archive", key, _StoredArchive)
        if stored is not None:
            self.inputs = stored.inputs
            return stored.loaded
        loaded, fingerprinted = load_archive_fingerprinted(root)
        if not loaded.has_errors:
            archive = loaded.archive
            for slug in archive.articles:
                found = fingerprinted.get(slug)
                if found is not None:  # used by _inputs if the archive holds its objects
                    self.inputs[slug] = found
                self._inputs(slug, archive)
            # pickled by the helper once its articles are done (a second of the main
            # process's time at 1,000 articles), else by on_post_build
            self.pending_archive = (key, _StoredArchive(loaded, self.inputs))
        return loaded

    def _inputs(self, slug: str, archive: Archive | None = None) -> str:
        """A digest of the article and its annotations, part of its page's cache key.

        It is the digest of its files' texts made when they were read (see
        :class:`Fingerprinted`), when the archive holds the very objects read then;
        else :func:`inputs_fingerprint` of the model, computed once per model (an
        annotation file read again by a preview). Either is faithful: different
        articles or annotations never share one.
        """
        if archive is None:
            assert self.loaded is not None
            archive = self.loaded.archive
        article, file = archive.articles[slug], archive.annotation_files.get(slug)
        kept = self.inputs.get(slug)
        if kept is not None and kept.article is article and kept.annotation_file is file:
            return kept.fingerprint
        fingerprint = inputs_fingerprint(article, archive.annotations_of(slug))
        self.inputs[slug] = Fingerprinted(article, file, fingerprint)
        return fingerprint

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """A build whose archive was read from its files starts the article helper here,
        once every plugin's ``on_config`` ran: it would otherwise wait while MkDocs
        lists the docs and this plugin plans the listing pages, on one core (0.25 s at
        1,000 articles, 1.8 s at 10,000). A build whose archive came from the cache
        waits for ``on_files``, which knows whether every page is in the cache too."""
        if self.config.enabled and not self.dirty and self.pending_archive is not None:
            self._stop_helper()
            self._fork_article_helper(None, config)

    def _start_helper(self, files: Files, config: MkDocsConfig) -> None:
        """Render articles ahead in a second process, into the cache (see :class:`_Ahead`),
        unless ``on_pre_build`` did."""
        early = self.helper is not None and self.helper_early
        if not early:
            self._stop_helper()
        self.complete_key = None
        cache = self.cache
        if cache is None or not cache.enabled or self.serving or self.loaded is None:
            return
        # the helper's renderings are found when the build's files are the same (the
        # usual case); the build computes its own context once every plugin added its files
        context = render_context(config, files)
        if self.archive_key:
            # a build of the same files with the same settings went to the end: every
            # page is in the cache, and a helper would only read them a second time
            complete_key = cache.key(COMPLETE, self.archive_key, *context)
            if cache.get(COMPLETE, complete_key) is True:
                return  # and nothing to record again
            self.complete_key = complete_key
        if not early:
            self.render_context = context
            self._fork_article_helper(files, config)
            self.render_context = None

    def _fork_article_helper(self, files: Files | None, config: MkDocsConfig) -> None:
        """The article helper, for the pages of ``files``; ``None``: before MkDocs
        listed them, for the archive's articles, and the helper lists the docs itself
        (its renderings are the build's for every article that links to no other page
        of the site, whose rendering is keyed without the list of files)."""
        cache = self.cache
        if cache is None or not cache.enabled or self.serving or self.loaded is None:
            return
        archive = self.loaded.archive
        if files is None:
            srcs = sorted(
                PurePosixPath(a.path).relative_to("docs").as_posix()
                for a in archive.articles.values()
            )
            pages = [
                File(src, config.docs_dir, config.site_dir, config.use_directory_urls)
                for src in srcs
            ]
        else:
            pages = list(files.documentation_pages())
        jobs: list[tuple[int, Article, tuple[Annotation, ...], PageSettings]] = []
        for number, file in enumerate(pages):
            slug = article_slug(file.src_uri)
            if slug is None or slug not in archive.articles:
                continue
            settings = _page_settings(file.url, _canonical_url(config.site_url, file.url), config)
            annotations = archive.annotations_of(slug)
            jobs.append((number, archive.articles[slug], annotations, settings))
        inputs = {slug: self._inputs(slug) for slug in archive.articles}
        pending, after = self.pending_archive, None
        if pending is not None:
            key, stored = pending

            def after() -> None:
                cache.put_object("archive", key, stored)

        def helper_pages() -> _HelperPages:  # in the helper
            return _HelperPages(get_files(config) if files is None else files, config, cache)

        self.helper = _start_article_helper(jobs, archive, helper_pages, cache, inputs, after=after)
        self.helper_early = files is None
        if self.helper is not None:
            self.pending_archive = None

    def _stop_helper(self) -> None:
        if self.helper is not None:
            self.helper.stop()
            self.helper = None
        self._stop_template_helper()

    def _passages(self) -> dict[str, tuple[Passage, ...]]:
        """Every article's passages, as the listing pages need them (once per build)."""
        assert self.loaded is not None
        if self.passages is not None:
            return self.passages
        archive = self.loaded.archive
        by_slug: dict[str, tuple[Passage, ...]] = {}
        with paused_gc():  # 400,000 records at 10,000 articles: collections were half the time
            for slug, article in archive.articles.items():
                annotations = {a.id: a for a in archive.annotations_of(slug)}
                result = self.results.get(slug)
                if result is None:
                    by_slug[slug] = tuple(
                        Passage(article, a, a.quote, False) for a in annotations.values()
                    )
                else:
                    by_slug[slug] = tuple(
                        Passage(article, annotations[i], text, placed)
                        for i, text, placed in result.passages
                        if i in annotations
                    )
        self.passages = by_slug
        return by_slug

    def _write_exports(self, config: MkDocsConfig) -> bool:
        """The W3C collections: each article's and (not in a preview) the archive's.
        Nothing without a ``site_url`` (returns False)."""
        if not config.site_url:
            return False
        self._write_article_exports(config)
        if not self.dirty:  # a preview does not need the archive-wide collection
            self._write_archive_export(config)
        return True

    def _write_article_exports(self, config: MkDocsConfig) -> None:
        """The W3C collection of each article this build rendered, into the page's folder.

        Written once every article is known: by the template helper of a cold
        build, else at the end, when MkDocs has made every folder (making 1,000
        of them took a quarter of a second). Not by a thread: it cost more in
        handing the GIL back and forth (28,000 futex calls) than it saved.
        """
        assert self.loaded is not None
        due, self.exports_due = self.exports_due, []
        articles = self.loaded.archive.articles
        for slug in due:
            kept = self.results.get(slug)
            if kept is not None and kept.w3c is not None and slug in articles:
                text = unpack_text(kept.w3c[0])
                self._write_article_export(articles[slug], (text, kept.w3c[1]), config)

    def _write_article_export(
        self, article: Article, w3c_items: tuple[str, int], config: MkDocsConfig
    ) -> None:
        assert config.site_url
        items, total = w3c_items
        text = w3c.article_collection_text(
            items,
            total,
            article,
            site_url=config.site_url,
            provenance=self.provenance.get(article.slug),
            directory_urls=config.use_directory_urls,
        )
        path = Path(config.site_dir) / w3c.article_collection_path(
            article.slug, directory_urls=config.use_directory_urls
        )
        _write_text(path, text)

    def _write_archive_export(self, config: MkDocsConfig) -> None:
        assert self.loaded is not None
        assert config.site_url
        packed, slugs = self._archive_items()
        path = Path(config.site_dir) / w3c.archive_collection_path()
        cache, key = self.cache, ""
        if cache is not None:
            key = self._archive_export_key(config, packed, slugs)
            stored = cache.get_bytes(ARCHIVE_EXPORT, key)
            if stored is not None:
                path.write_bytes(stored)
                return
        parts = w3c.archive_collection_text(
            _Unpacked({slug: text for slug, (text, _) in packed.items()}),
            {slug: count for slug, (_, count) in packed.items()},
            site_url=config.site_url,
            slugs=slugs,
            provenance=self.provenance,
        )
        written: list[bytes] = []
        with path.open("wb") as out:  # 37 MB at 1,000 articles: in parts
            for part in parts:
                data = part.encode()
                out.write(data)
                written.append(data)
        if cache is not None:
            cache.put_bytes(ARCHIVE_EXPORT, key, b"".join(written))

    def _archive_items(self) -> tuple[dict[str, tuple[bytes, int]], list[str]]:
        """Each article's W3C items (compressed, and how many), and every slug in order."""
        assert self.loaded is not None
        archive = self.loaded.archive
        packed = {
            slug: kept.w3c
            for slug, kept in self.results.items()
            if slug in archive.articles and kept.w3c is not None
        }
        return packed, sorted(archive.annotation_files)

    def _archive_export_key(
        self, config: MkDocsConfig, packed: dict[str, tuple[bytes, int]], slugs: list[str]
    ) -> str:
        """The archive's collection is the same file for the same items in the same order."""
        assert self.cache is not None
        return self.cache.key(
            ARCHIVE_EXPORT,
            str(config.site_url),
            repr(sorted(self.provenance.items())),
            repr(slugs),
            *(f"{slug}:{hashlib.sha256(packed[slug][0]).hexdigest()}" for slug in sorted(packed)),
        )

    def _edited(self) -> tuple[set[str], set[str]] | None:
        """Since the last build of this server: see :func:`_edits`."""
        assert self.loaded is not None
        if self.previous is None:
            return None
        return _edits(self.previous, self.loaded.archive)

    def _page_output(
        self, page: Page, template: str, context: Mapping[str, Any], render: Callable[[], str]
    ) -> str:
        """The theme's output of ``page``: remembered, or rendered now and remembered.

        An article read from the cache waits until here for its content
        (``on_page_context``): when its output is remembered, it is never read.
        """
        src = page.file.src_uri
        outputs = self.outputs
        if outputs is None:  # (then no page's content was deferred: on_page_context)
            return render()
        if self.template_helper is not None:
            self.template_helper.reached(src)
        article = self.output_ids.get(src)  # the key of the article page it shows
        key = outputs.key(template, page, context, article or content_identity(page.content))
        stored = outputs.get(key)
        output = None
        if stored is not None:
            before, after, head = stored
            if after is None:
                output = before
            else:  # stored without the content: the article page holds it, or this page
                content = self._content_again(src, page)
                if content is not None:
                    output = before + content + after
        if output is not None:
            self.deferred.pop(src, None)
            if head:
                self.head[src] = head
        else:
            if src in self.deferred:
                page.content = self._full_content(src)
            output = render()
            content = page.content  # the key names it: by its article page, or its digest
            outputs.put(key, output, self.head.get(src, ""), content)
        due, self.template_helper_due = self.template_helper_due, None
        if due is not None:  # this was the build's first page (see on_env)
            page.active = False  # MkDocs is building it: not so in the helper's copy
            try:
                due()
            finally:
                page.active = True
            if self.template_helper is not None:
                self.template_helper.reached(src)
        return output

    def _content_again(self, src: str, page: Page) -> str | None:
        """A page's content for its remembered output: an article's read again from its
        cached page if it waits there (``None`` if the entry is gone, and then the page
        is rendered again), else as the page holds it (the output's key holds its
        digest)."""
        waiting = self.deferred.get(src)
        if waiting is None:
            return page.content
        result = cached_page(self.cache, waiting) if self.cache is not None else None
        return None if result is None else result.content

    def _full_content(self, src: str) -> str:
        """The article page's content, as ``on_page_content`` left it (see there)."""
        waiting = self.deferred.pop(src, None) or self.content.pop(src)
        if isinstance(waiting, bytes):
            return waiting.decode()
        result = cached_page(self.cache, waiting) if self.cache is not None else None
        if result is None:
            raise PluginError(
                f"annotary: the cache entry of {src} went missing during the build "
                "(is another build of this repo running?); build again"
            )
        if result.head:
            self.head[src] = result.head
        return result.content

    def _digest(self) -> str:
        """The sources and every article with its annotations (their fingerprints)."""
        if self.archive_digest is None:
            assert self.loaded is not None
            digest = hashlib.sha256(self.sources_key.encode("utf-8", "surrogatepass"))
            for slug in sorted(self.loaded.archive.articles):
                digest.update(f"{slug}\0{self._inputs(slug)}\n".encode())
            self.archive_digest = digest.hexdigest()
        return self.archive_digest

    def _plan_pages(self) -> dict[str, ListingPage]:
        """:func:`plan_pages`, from the cache when the model is the same."""
        assert self.loaded is not None
        cache = self.cache
        if cache is None:
            return plan_pages(self.loaded.archive)
        key = cache.key(LISTING_PLAN, self._digest())
        stored = cache.get_object(LISTING_PLAN, key, dict)
        if stored is not None and all(isinstance(p, ListingPage) for p in stored.values()):
            return stored
        plan = plan_pages(self.loaded.archive)
        cache.put_object(LISTING_PLAN, key, plan)
        return plan

    def _listing(self, src: str, config: MkDocsConfig) -> str:
        """:func:`render_page`, from the cache when the model and every article's
        passages are the same (a listing shows where each passage was placed)."""
        assert self.loaded is not None
        cache = self.cache
        key = ""
        if cache is not None:
            key = cache.key(LISTING_PAGE, self._listings_key(config), src)
            stored = cache.get_bytes(LISTING_PAGE, key)
            if stored is not None:
                return stored.decode()
        content = render_page(
            src, self.loaded.archive, self._passages(), directory_urls=config.use_directory_urls
        )
        if cache is not None:
            cache.put_bytes(LISTING_PAGE, key, content.encode())
        return content

    def _listings_key(self, config: MkDocsConfig) -> str:
        """What every listing and the home list show: the model and each article's
        passages as placed (once per build)."""
        assert self.loaded is not None
        if self.listings_key is None:
            digest = hashlib.sha256(self._digest().encode())
            digest.update(repr(config.use_directory_urls).encode())
            for slug in sorted(self.loaded.archive.articles):
                kept = self.results.get(slug)
                passages = repr(kept.passages) if kept is not None else "-"
                digest.update(f"{slug}\0{passages}\n".encode("utf-8", "surrogatepass"))
            self.listings_key = digest.hexdigest()
        return self.listings_key

    def _home_content(self, base: str, config: MkDocsConfig) -> str:
        """The home page with the article list in its slot; the list from the cache
        when the listings' inputs are the same (at 10,000 articles it takes 2 s)."""
        assert self.loaded is not None
        cache, key = self.cache, ""
        home: str | None = None
        if cache is not None:
            key = cache.key(HOME_LIST, self._listings_key(config), str(config.site_url))
            stored = cache.get_bytes(HOME_LIST, key)
            home = stored.decode() if stored is not None else None
        if home is None:
            home = home_list(
                self.loaded.archive, self._passages(), directory_urls=config.use_directory_urls
            )
            if config.site_url:
                home += "\n" + feed_link_html(FEED_PATH)
            if cache is not None:
                cache.put_bytes(HOME_LIST, key, home.encode())
        return base.replace(_HOME_SLOT, home, 1)

    def _is_article(self, page: Page) -> bool:
        slug = article_slug(page.file.src_uri)
        return self.loaded is not None and slug is not None and slug in self.loaded.archive.articles

    def _kept_in_place(self, src: str) -> bool:
        """The pages an annotation edit can change: articles, listings and home."""
        return src == "index.md" or src in self.plan or article_slug(src) in self.bases

    def _update_in_place(self) -> bool | None:
        """Show an edit of annotation files by rewriting the edited articles' pages.

        Returns ``None``, having changed nothing, when the edit needs MkDocs: a
        changed article, page, theme or config file, a source registry edit, an
        article or annotation file added or removed, an error in the files, or
        a page this server has not written yet; ``True`` when it rewrote pages,
        ``False`` when no annotation file changed. The listings the edit
        changes are left to :meth:`_update_listings` (``self.pending``). The
        pages are those a dirty rebuild would redo (see
        :meth:`_mark_unchanged`); the search index is left as the last full
        build made it.
        """
        started = time.perf_counter()
        config, root, current = self.last_config, self.root, self.loaded
        if config is None or root is None or current is None or self.stamps is None:
            return None
        if file_stamps(_watched_paths(config), skip=[root / ANNOTATIONS_DIR]) != self.stamps:
            return None
        annotations = file_stamps([root / ANNOTATIONS_DIR])
        stems = _edited_annotation_files(root, annotations, self.annotation_stamps)
        if stems is None or self.archive_plan is None:
            return None
        if not stems:
            return False
        loaded = reload_annotation_files(self.archive_plan, current.archive, stems)
        previous, archive = current.archive, loaded.archive
        if (
            loaded.has_errors
            or set(archive.articles) != set(previous.articles)
            or set(archive.annotation_files) != set(previous.annotation_files)
        ):
            return None
        edited = _edits(previous, archive)
        if edited is None:
            return None
        changed, listed = edited
        if any(
            slug not in self.bases or f"articles/{slug}.md" not in self.shells for slug in changed
        ):
            return None

        # From here on the edit is shown; state changes only once every page is written.
        pages: list[tuple[str, ArticlePage]] = []
        for slug in sorted(changed):
            base, settings = self.bases[slug]
            page = build_article_page(
                zlib.decompress(base).decode(),
                archive.articles[slug],
                archive.annotations_of(slug),
                archive,
                settings,
                cache=self.cache,
                sources_key=self.sources_key,
                inputs=self._inputs(slug, archive),
            ).page
            pages.append((slug, page))
        results = dict(self.results)
        for slug, result in pages:
            results[slug] = _Kept(result.passages, result.w3c_items)
        self.results, self.passages, self.loaded = results, None, loaded
        self.archive_digest = self.listings_key = None  # of the model before the edit
        try:
            changed_files = {f"annotations/{slug}.yml" for slug in changed}
            for problem in loaded.problems:
                if problem.location.file in changed_files:
                    log.warning(problem.format_text())
            for slug, result in pages:
                for problem in result.problems:
                    log.warning(problem.format_text())
                self.shells[f"articles/{slug}.md"].write(result.content, result.head or "")
                items = result.w3c_text()
                if config.site_url and items is not None:
                    self._write_article_export(archive.articles[slug], items, config)
        except BaseException:
            self.stamps = None  # the next change rebuilds everything it touches
            self.loaded = current
            raise
        self.previous, self.annotation_stamps = previous, annotations
        if listed:
            pending = self.pending or _Pending(previous, frozenset())
            series = _series_of(previous, listed) | _series_of(archive, listed)
            self.pending = _Pending(pending.base, pending.series | series)
        log.info(
            f"annotary: updated {len(pages)} article page(s) in place "
            f"in {time.perf_counter() - started:.2f} s"
        )
        return True

    def _update_listings(self) -> bool:
        """The listing pages and home list the edits shown in place changed, rewritten.

        ``False``, having written nothing, when a listing page would be added or
        removed (or was never written): MkDocs' rebuild does it then.
        """
        started = time.perf_counter()
        pending, config, loaded = self.pending, self.last_config, self.loaded
        if pending is None:
            return True
        if config is None or loaded is None:
            return False
        archive = loaded.archive
        plan = plan_pages(archive)
        if {p: t.title for p, t in plan.items()} != {p: t.title for p, t in self.plan.items()}:
            return False
        listings = [src for src in plan if src in _INDEXES or _in_series(src, pending.series)]
        if any(src not in self.shells for src in listings):
            return False
        if self.home_base is None or "index.md" not in self.shells:
            return False
        passages = self._passages()
        for src in listings:
            content = render_page(src, archive, passages, directory_urls=config.use_directory_urls)
            self.shells[src].write(content)
        self.shells["index.md"].write(self._home_content(self.home_base, config))
        self.plan, self.pending = plan, None
        log.info(
            f"annotary: updated {len(listings) + 1} listing page(s) in place "
            f"in {time.perf_counter() - started:.2f} s"
        )
        return True

    def _listings_unchanged(self) -> bool:
        edited = self._edited()
        return edited is not None and not edited[1]

    def _mark_unchanged(self, files: Files) -> None:
        """In a dirty rebuild, tell MkDocs which pages the last edit leaves as they were.

        MkDocs rebuilds an article page only when its Markdown is newer than the
        page, and every generated page always. An annotation edit changes
        neither the article's Markdown nor the number of generated pages, so the
        plugin says what changed: the articles whose annotations differ from the
        last build, the listing pages that show them, and the home list.
        """
        assert self.loaded is not None
        if self.previous is None:
            return
        archive, previous = self.loaded.archive, self.previous
        edited = self._edited()
        if edited is None:  # the sources changed: every page may name one
            for file in files:
                _set_modified(file, True)
            return
        changed, listed = edited
        series = _series_of(previous, listed) | _series_of(archive, listed)
        indexes = {"index.md", *_INDEXES}
        for file in files:
            src = file.src_uri
            slug = article_slug(src)
            if slug is not None:
                if slug in changed:
                    _set_modified(file, True)
            elif src in indexes:
                _set_modified(file, bool(listed))
            elif file.generated_by is not None and src.endswith(".md"):
                _set_modified(file, _in_series(src, series))


class _Ahead:
    """A second process that works through the build's pages ahead of the build.

    MkDocs handles pages one after the other in one process; on a machine with
    two or more cores, this process takes pages ahead of the build, which says
    where it is (:meth:`reached`), in the order that
    :class:`~annotary.schedule.AheadOrder` gives. What it makes goes into the
    cache, where the build looks each page up by its own inputs and computes any
    it misses: whatever the process does or fails to do, each page is the same. It
    is forked (everything is already in memory) only by ``mkdocs build`` with the
    cache on and at least :data:`HELPER_MIN_ARTICLES` pages: never under
    ``mkdocs serve``, which runs threads, where a fork is not safe.
    """

    def __init__(
        self,
        process: multiprocessing.process.BaseProcess,
        shared: tuple[Any, Any, Any],
        order: dict[str, int],
        report: str,
    ) -> None:
        self.process = process
        self.progress, self.done, self.halt = shared
        self.order = order
        self.report = report
        self.parent = os.getpid()

    @classmethod
    def start(
        cls, order: dict[str, int], work: Callable[[Callable[[], int | None]], None], report: str
    ) -> _Ahead | None:
        """Fork a process that runs ``work(next_job)``; ``next_job()`` is the number of
        the job to do next, ``None`` when there is none (``order`` maps each job's name
        to its number, in the order the build takes them)."""
        if len(order) < HELPER_MIN_ARTICLES or _cpus() < 2:
            return None
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:
            return None
        progress = context.Value("q", -1, lock=False)
        done = context.Value("q", 0, lock=False)
        halt = context.Event()
        jobs = AheadOrder(list(order.values()))

        def next_job() -> int | None:
            number = None if halt.is_set() else jobs.next(progress.value)
            if number is not None:
                done.value += 1  # the process is about to do this one
            return number

        def run() -> None:
            quiet_loggers()
            # a failure here is the build's to find and report: it computes what is missing
            with contextlib.suppress(KeyboardInterrupt, Exception):
                work(next_job)

        process = context.Process(target=run, name="annotary-helper", daemon=True)
        process.start()
        return cls(process, (progress, done, halt), order, report)

    def reached(self, name: str) -> None:
        """The build is at this job: the process takes only jobs after it."""
        if os.getpid() != self.parent:
            return  # a copy in another forked process, which must not move the mark
        number = self.order.get(name)
        if number is not None:
            self.progress.value = number

    def stop(self) -> None:
        self.halt.set()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        log.info(f"annotary: a second process {self.report.format(self.done.value)}")


def _start_article_helper(
    jobs: list[tuple[int, Article, tuple[Annotation, ...], PageSettings]],
    archive: Archive,
    make_pages: Callable[[], _HelperPages],
    cache: Cache,
    inputs: dict[str, str],
    *,
    after: Callable[[], None] | None = None,
) -> _Ahead | None:
    """Render articles ahead into the cache while MkDocs populates its pages; then run
    ``after`` (the build has the rest of the articles and every template to go)."""

    def work(next_job: Callable[[], int | None]) -> None:
        pages = make_pages()
        prepare_pages(
            {job[0]: job for job in jobs},
            archive,
            pages.render,
            cache,
            next_job=next_job,
            inputs=inputs,
            done=pages.indexed,
        )
        if after is not None:
            after()

    order = {job[1].path.removeprefix("docs/"): job[0] for job in jobs}
    return _Ahead.start(order, work, "rendered {} article page(s) ahead")


class _HelperPages:
    """What the helper process does with MkDocs for each article it takes: render the
    page as the build will (the plugin's ``on_page_markdown`` makes the rendering go
    into the cache), then give the search index the short version, whose entries go
    into the cache too. The build finds both by their own inputs."""

    def __init__(self, files: Files, config: MkDocsConfig, cache: Cache) -> None:
        self.files, self.config = files, config
        self.page: Page | None = None
        self.index: Any = None
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if index is not None and isinstance(getattr(index, "config", None), dict):
                holder = SimpleNamespace(search_index=type(index)(**index.config))
                remember_search({"search": holder}, cache, lambda page: True)
                self.index = holder.search_index
                break

    def render(self, article: Article) -> str:
        files, config = self.files, self.config
        path = PurePosixPath(article.path).relative_to("docs").as_posix()
        file = files.get_file_from_path(path)
        self.page = None
        if file is None:
            return ""
        page = Page(None, file, config)
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.read_source(config)
        assert page.markdown is not None
        page.markdown = config.plugins.on_page_markdown(
            page.markdown, page=page, config=config, files=files
        )
        page.render(config, files)
        self.page = page
        return page.content or ""

    def indexed(self, article: Article, result: ArticlePage) -> None:
        if self.index is None or self.page is None:
            return
        self.page.content = result.search_html  # what on_page_content hands on
        self.index.add_entry_from_context(self.page)
        self.index.entries.clear()


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except FileNotFoundError:  # the folder is made only when missing (a system call less)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _page_settings(url: str, canonical_url: str | None, config: MkDocsConfig) -> PageSettings:
    return PageSettings(
        page_url=url,
        directory_urls=config.use_directory_urls,
        canonical_url=canonical_url,
        site_name=config.site_name,
        site_url=config.site_url,
    )


def _canonical_url(site_url: str | None, url: str) -> str | None:
    """What MkDocs makes ``page.canonical_url`` (``Page._set_canonical_url``)."""
    if not site_url:
        return None
    base = site_url if site_url.endswith("/") else site_url + "/"
    return urljoin(base, url)


@dataclass(frozen=True)
class _Pending:
    """Listing pages to rewrite in place: the archive before the first edit they show,
    and the listing series (see :func:`_series_of`) the edits touched."""

    base: Archive
    series: frozenset[str]


def _request_build(server: Any) -> bool:
    """Ask MkDocs' live-reload server for another round of its build loop, as a changed
    file does (it reloads the browsers after each round). ``False`` if this MkDocs
    has no such loop (then the caller does the work now)."""
    condition = getattr(server, "_rebuild_cond", None)
    if condition is None or not hasattr(server, "_want_rebuild"):
        return False
    with condition:
        server._want_rebuild = True
        condition.notify_all()
    return True


@dataclass(frozen=True)
class _StoredArchive:
    """The validated archive as a warm build reads it back, fingerprints included
    (pickled together, the fingerprints keep pointing at the same objects)."""

    loaded: LoadResult
    inputs: dict[str, Fingerprinted]


@dataclass(frozen=True)
class _Kept:
    """What the rest of the build needs of an article page once it is rendered.

    The page itself is dropped once MkDocs has written it (MkDocs renders
    every page's Markdown before it writes any, so until then each waits as
    UTF-8); the W3C items wait for the archive-wide collection, compressed to
    about a tenth.
    """

    passages: tuple[PassageRecord, ...]
    w3c: tuple[bytes, int] | None


def _edits(previous: Archive, archive: Archive) -> tuple[set[str], set[str]] | None:
    """The slugs whose files changed from ``previous`` to ``archive``, and those of
    them whose listings changed; ``None`` if the sources changed."""
    if archive.sources != previous.sources:
        return None
    changed = {
        slug
        for slug in set(archive.annotation_files) | set(previous.annotation_files)
        if _differs(archive.annotation_files.get(slug), previous.annotation_files.get(slug))
        or _differs(archive.articles.get(slug), previous.articles.get(slug))
    }
    # Listings show each annotation's passage, kind, verdict, tags and sources, not
    # its note or evidence: an edit of those leaves every listing as it was.
    listed = {
        slug
        for slug in changed
        if _differs(archive.articles.get(slug), previous.articles.get(slug))
        or _listing_view(archive, slug) != _listing_view(previous, slug)
    }
    return changed, listed


def _edited_annotation_files(
    root: Path, now: dict[str, Stamp], before: dict[str, Stamp] | None
) -> list[str] | None:
    """The stems of the annotation files edited since ``before``; ``None`` if a file was
    added or removed, or anything but an annotation file changed (``sources.yml``)."""
    if before is None or now.keys() != before.keys():
        return None
    folder = root / ANNOTATIONS_DIR
    stems = []
    for name in sorted(p for p, stamp in now.items() if stamp != before[p]):
        path = Path(name)
        if path.parent != folder or path.suffix != ".yml" or path.stem == "sources":
            return None
        stems.append(path.stem)
    return stems


def _watched_paths(config: MkDocsConfig) -> list[Path]:
    """What MkDocs watches under serve, besides the annotation files: the docs,
    the config file, the theme's custom folder and ``watch:``."""
    paths = [Path(config.docs_dir)]
    if config.config_file_path:
        paths.append(Path(config.config_file_path))
    custom_dir = config.theme.custom_dir
    if custom_dir:
        paths.append(Path(custom_dir))
    paths.extend(Path(p) for p in config.watch)
    return paths


class _Unpacked(Mapping[str, str]):
    """Texts kept packed (:func:`~annotary.articlepage.pack_text`), each unpacked when read."""

    def __init__(self, packed: dict[str, bytes]) -> None:
        self.packed = packed

    def __getitem__(self, key: str) -> str:
        return unpack_text(self.packed[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.packed)

    def __len__(self) -> int:
        return len(self.packed)


def _differs(new: object, old: object) -> bool:
    """Whether a file's model changed (unchanged files are the very same objects)."""
    return new is not old and new != old


def _listing_view(archive: Archive, slug: str) -> tuple[tuple[object, ...], ...]:
    """What the listing pages and the home list show of an article's annotations."""
    return tuple(
        (a.id, a.type, a.quote, a.prefix, a.suffix, a.status, a.tags, a.source_ids)
        for a in archive.annotations_of(slug)
    )


def _series_of(archive: Archive, slugs: set[str]) -> set[str]:
    """The listing series that show any annotation of ``slugs`` (``sources/<id>``,
    ``tags/<name>``, ``claims/<status>``): a page of a series is ``<series>.md`` or
    ``<series>/…``; an added or removed entry shifts every later page of it."""
    series: set[str] = set()
    for slug in slugs:
        for annotation in archive.annotations_of(slug):
            series.update(f"sources/{i}" for i in annotation.source_ids)
            series.update(f"tags/{tag_page_name(t)}" for t in annotation.tags)
            if annotation.status:
                series.add(f"claims/{annotation.status}")
    return series


def _in_series(path: str, series: AbstractSet[str]) -> bool:
    stem = path.removesuffix(".md")
    return stem in series or stem.rsplit("/", 1)[0] in series


def _set_modified(file: File, value: bool) -> None:
    """Override MkDocs' guess for ``file``; a page missing from the site is always built."""
    file.is_modified = lambda: value or not os.path.isfile(file.abs_dest_path)  # type: ignore[method-assign]


def _front_matter(title: str) -> str:
    """A generated page's Markdown: front matter with its title, and no body.

    MkDocs treats a page title as HTML and Material prints it through
    ``striptags`` (which unescapes) into ``<title>``: the title is given
    HTML-escaped so a source named ``</title><script>`` stays text.
    """
    return f"---\ntitle: {json.dumps(escape(' '.join(title.split())))}\n---\n"


def article_slug(src_uri: str) -> str | None:
    """The slug of an article page's ``articles/SLUG.md`` (MkDocs' normalised URI), else
    ``None``: what ``PurePosixPath`` gives as parent, suffix and stem, without making
    a path (a build asks about each page a dozen times)."""
    folder, _, name = src_uri.rpartition("/")
    if folder != ARTICLES_URI or not name.endswith(".md") or name == ".md":
        return None
    return name[:-3]
