"""Part of the MkDocs adapter: MkDocs' and Material's work on an article, remembered.

An archive's articles are kept as they were published: their Markdown almost
never changes, yet every build converts each one again with Python-Markdown,
about 4 ms an article (a third of a plain build). The plugin installs
:func:`remember_render` as an article page's ``render``: it gives the page
exactly what ``Page.render`` would (HTML, table of contents, title, anchor
ids, links to other pages' anchors, and the warnings it logged), from the
cache when the same Markdown was rendered with the same configuration, and
the same list of files when the Markdown has links to resolve.

Material's search plugin then parses each page's text into index entries
(the article and every note: 2 ms an article); :func:`remember_search` gives
its index the entries it made last time for the same page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

from .cache import Cache

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

NAMESPACE = "markdown-render"
SEARCH_NAMESPACE = "search-entries"
#: What in Markdown can name another file, whose URL then depends on the files there are.
_LINKING = ("](", "]:", "href", "src", "<")


def render_context(config: MkDocsConfig, files: Files) -> tuple[str, str]:
    """What every article's rendering depends on besides its own Markdown and path.

    The first part is the Markdown configuration and link validation settings;
    the second the list of files, which a link's URL and warning depend on.
    Anything unprintable (a function in an extension's settings) prints with
    its address, so it never matches another build's: a miss, never a wrong hit.
    """
    settings = json.dumps(
        [
            [repr(e) for e in config.markdown_extensions],
            config.mdx_configs,
            repr(config.validation),
            config.use_directory_urls,
            config.site_url,
        ],
        default=repr,
        sort_keys=True,
    )
    listing = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.src_uri):
        listing.update(f"{file.src_uri}\0{file.dest_uri}\0{file.inclusion}\n".encode())
    return settings, listing.hexdigest()


def remember_render(
    page: Page, cache: Cache, context: tuple[str, str], config: MkDocsConfig, files: Files
) -> None:
    """``Page.render``, from the cache when it holds this page's rendering."""
    assert page.markdown is not None
    settings, listing = context
    links = any(mark in page.markdown for mark in _LINKING)
    key = cache.key(NAMESPACE, page.file.src_uri, page.markdown, settings, listing if links else "")
    stored = cache.get(NAMESPACE, key)
    if isinstance(stored, dict) and _restore(page, stored, files):
        return
    with _warnings_logged() as logged:
        Page.render(page, config, files)
    cache.put(NAMESPACE, key, _remembered(page, logged))


def remember_search(plugins: Any, cache: Cache, remembered: Callable[[Page], bool]) -> None:
    """Make the search plugin's index read the entries of each page for which
    ``remembered(page)`` holds from the cache, when that page's text, address,
    title, metadata and table of contents are the same as when they were made.

    Does nothing when the search plugin is not Material's (no ``search_index``).
    """
    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        add = getattr(index, "add_entry_from_context", None)
        entries = getattr(index, "entries", None)
        if add is None or not isinstance(entries, list) or getattr(add, "remembered", False):
            continue

        def add_remembered(page: Page, add: Any = add, entries: list[Any] = entries) -> None:
            if not remembered(page):
                add(page)
                return
            key = cache.key(
                SEARCH_NAMESPACE,
                page.url,
                page.content or "",
                str(page.title),
                json.dumps(page.meta, default=repr, sort_keys=True),
                json.dumps([_link_data(link) for link in page.toc]),
            )
            stored = cache.get(SEARCH_NAMESPACE, key)
            if isinstance(stored, list) and all(isinstance(e, dict) for e in stored):
                entries.extend(stored)
                return
            before = len(entries)
            add(page)
            cache.put(SEARCH_NAMESPACE, key, entries[before:])

        add_remembered.remembered = True  # type: ignore[attr-defined]
        index.add_entry_from_context = add_remembered  # type: ignore[union-attr]


def _remembered(page: Page, logged: list[tuple[str, int, str]]) -> dict[str, Any]:
    links = {file.src_uri: dict(anchors) for file, anchors in (page.links_to_anchors or {}).items()}
    return {
        "content": page.content,
        "toc": [_link_data(link) for link in page.toc],
        "title": page._title_from_render,
        "anchors": sorted(page.present_anchor_ids or ()),
        "links": links if page.links_to_anchors is not None else None,
        "logged": logged,
    }


def _restore(page: Page, stored: dict[str, Any], files: Files) -> bool:
    try:
        toc = TableOfContents([_link(item) for item in stored["toc"]])
        links: dict[Any, dict[str, str]] | None = None
        if stored["links"] is not None:
            links = {}
            for src_uri, anchors in stored["links"].items():
                file = files.get_file_from_path(src_uri)
                if file is None:
                    return False
                links[file] = dict(anchors)
        content, title = stored["content"], stored["title"]
        anchors, logged = set(stored["anchors"]), stored["logged"]
        if not isinstance(content, str) or not (title is None or isinstance(title, str)):
            return False
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    page.content, page.toc, page._title_from_render = content, toc, title
    page.present_anchor_ids = anchors
    if links is not None:
        page.links_to_anchors = links
    for name, level, message in logged:
        logging.getLogger(name).log(level, message)
    return True


def _link_data(link: AnchorLink) -> list[Any]:
    return [link.title, link.id, link.level, [_link_data(c) for c in link.children]]


def _link(data: list[Any]) -> AnchorLink:
    title, id_, level, children = data
    link = AnchorLink(str(title), str(id_), int(level))
    link.children = [_link(c) for c in children]
    return link


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.logged: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO and record.thread == self.thread:
            self.logged.append((record.name, record.levelno, record.getMessage()))


def quiet_loggers() -> None:
    """In a helper process: what a page's rendering logs is recorded for the build to
    log when it reads the page back, not printed twice."""
    for name in ("mkdocs", "MARKDOWN"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = False


@contextmanager
def _warnings_logged() -> Iterator[list[tuple[str, int, str]]]:
    """What MkDocs and Markdown log while a page renders, to log again on a cache hit
    (a broken link must fail a strict build every time, not only the first)."""
    recorder = _Recorder()
    loggers = [logging.getLogger("mkdocs"), logging.getLogger("MARKDOWN")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        yield recorder.logged
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
