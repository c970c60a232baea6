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
its index the entries it made last time for the same page, and makes new ones
with Material's own parser fed by :func:`html_tokens` instead of HTMLParser.

Last, the theme's template turns each page into its HTML file: 1.5 ms a page
with Material, a quarter of a plain build, and the archive adds a listing page
for every two or three articles. :func:`remember_output` makes the template give
the output it gave last time for the same page in the same site (see
:func:`output_settings` and :class:`PageOutputs` for what "the same" takes).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import blake3
from markdown.extensions import toc
from material.plugins.search import plugin as material_search  # type: ignore[import-untyped]
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents, get_toc

from .cache import Cache
from .markup import MarkdownConfig

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

NAMESPACE = "markdown-render"
SEARCH_NAMESPACE = "search-entries"
OUTPUT_NAMESPACE = "page-output"
#: Plugins known to leave every page's template context and output alone.
PLAIN_PLUGINS = frozenset({"search", "material/search", "annotary"})
#: The events in which another plugin (or a ``hooks:`` file) could change a page, its
#: navigation or the theme's environment in ways no key here would see. One that
#: handles none of them (only ``on_config``, ``on_files``, ``on_post_build``…) changes
#: nothing a page's output is made of but settings and files, which are in the key.
PAGE_EVENTS = (
    "pre_page", "page_read_source", "page_markdown", "page_content", "page_context",
    "post_page", "env", "nav",
)  # fmt: skip
#: Template variables whose value changes with every build.
PER_BUILD_VARIABLES = ("build_date_utc", "update_date")
#: Settings that reach no page's HTML: where the site is written, the server's address.
_NOT_IN_PAGES = frozenset({"site_dir", "dev_addr", "watch", "config_file_path"})
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
        if not render_plain_page(page, config):
            Page.render(page, config, files)
    cache.put(NAMESPACE, key, _remembered(page, logged))


def render_plain_page(page: Page, config: MkDocsConfig) -> bool:
    """``Page.render`` for a page in plain Markdown, without Python-Markdown: the same
    HTML, table of contents, title and anchor ids (``tests/test_plainmarkdown.py``
    compares the two). ``False``, having changed nothing, for any other page.

    Plain as :mod:`annotary.plainmarkdown` says, and more: every link is to
    another site (MkDocs rewrites and checks the others), the page does not
    start with its own ``#`` title (MkDocs takes it as the page's title), and
    the table of contents has every level (no ``toc_depth``).
    """
    extensions = config.markdown_extensions
    configs = config.mdx_configs or {}
    if page.markdown is None or not all(isinstance(e, str) for e in extensions):
        return False
    if "toc_depth" in (configs.get("toc") or {}):
        return False
    html = MarkdownConfig(tuple(extensions), configs).plain_html(page.markdown)
    if html is None or html.startswith("<h1") or not _external_links_only(html):
        return False
    tokens: list[Any] = [
        {"level": int(level), "id": anchor, "name": toc.strip_tags(inner), "html": inner,
         "data-toc-label": ""}
        for level, anchor, inner in _HEADING_HTML.findall(html)
    ]  # fmt: skip
    anchors = [token["id"] for token in tokens]
    # MkDocs checks the headings' permalinks as links to the page's own anchors
    permalinks = {href[1:]: href for href in _PERMALINK.findall(html)}
    page.content = html
    page.toc = get_toc(toc.nest_toc_tokens(tokens))  # (which empties ``tokens``)
    page._title_from_render = None
    page.present_anchor_ids = set(anchors)
    if logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {page.file: permalinks} if permalinks else {}
    return True


#: A heading as :mod:`annotary.plainmarkdown` writes it: level, id, inner HTML.
_HEADING_HTML = re.compile(
    r'<h([1-6]) id="([^"]*)">(.*?)(?:<a class="[^"]*" href="#[^"]*"[^>]*>&para;</a>)?</h\1>'
)
_PERMALINK = re.compile(r'<a class="[^"]*" href="(#[^"]*)"')
_HREF = re.compile(r'<a (?:class="[^"]*" )?href="([^"]*)"')


def _external_links_only(html: str) -> bool:
    return all(
        href.startswith(("https://", "http://")) or (href.startswith("#") and 'class="' in tag)
        for tag, href in ((m.group(), m.group(1)) for m in _HREF.finditer(html))
    )


def remember_search(
    plugins: Any,
    cache: Cache,
    remembered: Callable[[Page], bool],
    indexed: Callable[[Page], None] | None = None,
) -> None:
    """Make the search plugin's index read the entries of each page for which
    ``remembered(page)`` holds from the cache, when that page's text, address,
    title, metadata and table of contents are the same as when they were made;
    then call ``indexed(page)``.

    Does nothing when the search plugin is not Material's (no ``search_index``).
    """
    for plugin in plugins.values():
        index = getattr(plugin, "search_index", None)
        add = getattr(index, "add_entry_from_context", None)
        entries = getattr(index, "entries", None)
        if add is None or not isinstance(entries, list) or getattr(add, "remembered", False):
            continue

        def add_remembered(
            page: Page, add: Any = add, entries: list[Any] = entries, index: Any = index
        ) -> None:
            if not remembered(page):
                add(page)
                return
            _index_remembered(cache, page, add, entries, index)
            if indexed is not None:
                indexed(page)

        add_remembered.remembered = True  # type: ignore[attr-defined]
        index.add_entry_from_context = add_remembered  # type: ignore[union-attr]


def _index_remembered(cache: Cache, page: Page, add: Any, entries: list[Any], index: Any) -> None:
    """The page's search entries from the cache, or made (and stored) now."""
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
    if not index_page_quickly(index, page):
        add(page)
    cache.put(SEARCH_NAMESPACE, key, entries[before:])


#: A start or end tag as :class:`html.parser.HTMLParser` reads it, in the plain form
#: the archive's pages are written in: a name of letters and digits, attributes each
#: after white space, each value quoted or a plain word. Anything else (comments,
#: ``<!``, ``<?``, odd names or values) is not matched, and then HTMLParser reads the page.
_TAG = re.compile(
    r"<(?:/([a-zA-Z][a-zA-Z0-9]*)\s*"
    r"|([a-zA-Z][a-zA-Z0-9]*)"
    r"((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(/?))>"
)
_ATTRIBUTE = re.compile(
    r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
#: Elements whose content HTMLParser reads as raw text (Python 3.11: script and style;
#: later versions add more): a page with one is left to HTMLParser.
_RAW_TEXT = re.compile(
    r"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)\b", re.I
)


def html_tokens(html: str) -> list[tuple[str, Any]] | None:
    """The calls :class:`html.parser.HTMLParser` (``convert_charrefs=True``) makes on
    ``html``, as ``("start", (tag, attrs))``, ``("end", tag)`` and ``("data", text)``;
    ``None`` when ``html`` has anything but plain tags and text (every ``<`` must open
    one), which only HTMLParser itself reads as it does.

    HTMLParser is pure Python: reading an article page's text and notes took 0.38 ms
    of the search plugin's 0.7 ms; a regular expression takes a tenth of that.
    """
    if _RAW_TEXT.search(html):
        return None
    tokens: list[tuple[str, Any]] = []
    position = 0
    for match in _TAG.finditer(html):
        start = match.start()
        if start > position:
            text = html[position:start]
            if "<" in text:
                return None
            tokens.append(("data", unescape(text) if "&" in text else text))
        position = match.end()
        closing, tag, attributes, self_closing = match.groups()
        if closing is not None:
            tokens.append(("end", closing.lower()))
            continue
        pairs: list[tuple[str, str | None]] = []
        if attributes:
            for found in _ATTRIBUTE.finditer(attributes):
                name, double, single, bare = found.groups()
                value = double if double is not None else single if single is not None else bare
                if value and "&" in value:
                    value = unescape(value)
                pairs.append((name.lower(), value))
        tag = tag.lower()
        tokens.append(("start", (tag, pairs)))
        if self_closing:
            tokens.append(("end", tag))
    if position < len(html):
        text = html[position:]
        if "<" in text:
            return None
        tokens.append(("data", unescape(text) if "&" in text else text))
    return tokens


def index_page_quickly(index: Any, page: Page) -> bool:
    """What Material's ``SearchIndex.add_entry_from_context(page)`` does, with the
    page's HTML read by :func:`html_tokens` and given to Material's own parser; False,
    having done nothing, when that cannot be done (another search plugin's index, or
    HTML that only HTMLParser reads as HTMLParser does)."""
    if not isinstance(index, material_search.SearchIndex):
        return False
    create = index.create_entry_for_section
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return True
    tokens = html_tokens(page.content or "")
    if tokens is None:
        return False
    parser = material_search.Parser()
    start, end, data = parser.handle_starttag, parser.handle_endtag, parser.handle_data
    for kind, value in tokens:
        if kind == "data":
            data(value)
        elif kind == "start":
            start(*value)
        else:
            end(value)
    parser.close()
    for section in parser.data:
        if not section.is_excluded():
            create(section, page.toc, page.url, page)
    return True


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


# --- the theme's output ----------------------------------------------------------------------


def output_settings(config: MkDocsConfig) -> str | None:
    """What the theme's output of any page depends on besides the page and the site's
    pages: the settings (the plugins' included), and the theme's own templates.

    ``None`` when a page's output cannot be remembered safely:

    - a plugin other than search, or a ``hooks:`` file, handles one of the
      :data:`PAGE_EVENTS` (see :func:`page_changing_plugins`);
    - one of the site's own templates names a variable that changes with every
      build (:data:`PER_BUILD_VARIABLES`).

    The templates of MkDocs and Material are keyed by their versions (part of
    every cache key, see :func:`annotary.cache.code_fingerprint`); any other
    theme folder (``custom_dir``, an unknown theme) by the content of its files.
    """
    if page_changing_plugins(config):
        return None
    templates: list[str] = []
    for folder in config.theme.dirs:
        if _installed_theme(Path(folder)):
            templates.append(folder)
            continue
        for path in sorted(Path(folder).rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            if any(name.encode() in data for name in PER_BUILD_VARIABLES):
                return None
            templates.append(f"{path}\0{hashlib.sha256(data).hexdigest()}")
    settings = {key: _plain(value) for key, value in config.items() if key not in _NOT_IN_PAGES}
    theme = config.theme
    settings["theme"] = {
        "name": theme.name,
        "dirs": theme.dirs,
        "static_templates": sorted(theme.static_templates),
        "settings": _plain(dict(theme.items())),
    }
    settings["plugins"] = {
        name: _plugin_settings(plugin) for name, plugin in config.plugins.items()
    }
    return json.dumps([settings, templates], default=repr, sort_keys=True)


def page_changing_plugins(config: MkDocsConfig) -> list[str]:
    """The plugins and hooks, other than search and annotary, that handle one of the
    :data:`PAGE_EVENTS` (the names ``mkdocs.yml`` gives them)."""
    return [
        name
        for name, plugin in config.plugins.items()
        if name not in PLAIN_PLUGINS
        and any(callable(getattr(plugin, f"on_{event}", None)) for event in PAGE_EVENTS)
    ]


#: Content shorter than this is stored within its page's output (see ``PageOutputs.put``).
SHELL_MIN_CHARS = 1024


class PageOutputs:
    """The theme's output of each page, remembered by everything that reaches it.

    A page's key holds :func:`output_settings`, the site's outline (every
    navigation entry and page, with its title and address: what the navigation,
    the previous and next links and the page list are drawn from), the template's
    name, and the page's own address, title, metadata, table of contents and
    content. The content is named by ``identity``: a digest of the HTML, or, for
    an article, the key of its cached page, so the build need not read it again.
    """

    def __init__(self, cache: Cache, settings: str) -> None:
        self.cache = cache
        self.settings = settings
        self._outline: str | None = None

    def key(self, template: str, page: Page, context: Mapping[str, Any], identity: str) -> str:
        if self._outline is None:  # every page's title is known once the first one is built
            self._outline = _site_outline(context)
        file = page.file
        return self.cache.key(
            OUTPUT_NAMESPACE,
            self.settings,
            self._outline,
            template,
            page.url,
            file.src_uri,
            str(file.inclusion),
            str(page.title),
            str(page.canonical_url),
            str(page.edit_url),
            json.dumps(page.meta, default=repr, sort_keys=True),
            json.dumps([_link_data(link) for link in page.toc]),
            identity,
        )

    def get(self, key: str) -> tuple[str, str | None, str] | None:
        """The output and the text stored with it (see :meth:`put`), or ``None``.

        The output is ``(output, None)``, or ``(before, after)`` for one stored
        without its content: the page is ``before + content + after``.
        """
        stored = self.cache.get_object(OUTPUT_NAMESPACE, key, tuple)
        if stored is None or not all(isinstance(s, str) for s in stored):
            return None
        if len(stored) == 2:
            return stored[0], None, stored[1]
        if len(stored) == 3:
            return stored[0], stored[1], stored[2]
        return None

    def put(self, key: str, output: str, extra: str, content: str | None = None) -> None:
        """Store the output with ``extra``: what the caller adds to it afterwards.

        With ``content`` (which the key's identity names, and the caller can read
        again), the output is stored without it when it holds it: an article's
        page is three quarters its content, which its cached article page holds
        already (74 MB less to write at 1,000 articles, 0.7 GB at 10,000, where
        the kernel's copying into the page cache costs 2 s a GB).
        """
        at = _find_long(output, content) if content and len(content) >= SHELL_MIN_CHARS else -1
        if content is not None and at >= 0:
            shell = (output[:at], output[at + len(content) :], extra)
            self.cache.put_object(OUTPUT_NAMESPACE, key, shell)
        else:
            self.cache.put_object(OUTPUT_NAMESPACE, key, (output, extra))


def _find_long(text: str, part: str) -> int:
    """``text.find(part)``, for a long ``part``: by its start, then comparing the rest.

    ``str.find`` prepares its search by the whole of what it looks for: 0.11 ms
    for an article's 63 kB content in its 90 kB page, against 5 µs this way.
    """
    probe = part[:256]
    at = text.find(probe)
    while at >= 0 and not text.startswith(part, at):
        at = text.find(probe, at + 1)
    return at


def content_identity(content: str | None) -> str:
    """A page's content, for :meth:`PageOutputs.key`."""
    return blake3.blake3((content or "").encode("utf-8", "surrogatepass")).hexdigest()


#: ``output(page, template_name, context, render)``: the page's output, ``render()``'s or not.
OutputHook = Callable[[Page, str, Mapping[str, Any], Callable[[], str]], str]


def remember_output(env: Any, output: OutputHook) -> None:
    """Make every page MkDocs renders with ``env`` go through ``output``.

    Only the template MkDocs asks for by name alone is wrapped: Jinja asks the
    environment for the templates a template extends or includes with the
    asking template's name, and gets them as they are.
    """
    get_template = env.get_template

    def get(name: Any, parent: str | None = None, globals: Any = None) -> Any:
        template = get_template(name, parent, globals)
        if parent is not None or globals is not None or not isinstance(name, str):
            return template
        return _RememberedTemplate(template, name, output)

    env.get_template = get


class _RememberedTemplate:
    """A page template whose ``render`` goes through the output hook."""

    def __init__(self, template: Any, name: str, output: OutputHook) -> None:
        self.template, self.name, self.output = template, name, output

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = args[0] if len(args) == 1 and not kwargs else None
        page = context.get("page") if isinstance(context, Mapping) else None
        if not isinstance(page, Page):  # the sitemap, 404 and other theme templates
            return str(self.template.render(*args, **kwargs))
        assert context is not None
        return self.output(page, self.name, context, lambda: str(self.template.render(context)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.template, name)


def _site_outline(context: Mapping[str, Any]) -> str:
    nav, pages = context.get("nav"), context.get("pages") or ()
    outline = hashlib.sha256()
    if nav is not None:
        outline.update(json.dumps([_nav_item(item) for item in nav.items]).encode())
    for file in pages:
        page = getattr(file, "page", None)
        title = str(page.title) if page is not None else ""
        outline.update(f"{file.src_uri}\0{file.url}\0{title}\n".encode("utf-8", "surrogatepass"))
    return outline.hexdigest()


def _nav_item(item: Any) -> list[Any]:
    file = getattr(item, "file", None)
    children = getattr(item, "children", None) or ()
    return [
        type(item).__name__,
        str(item.title),
        getattr(item, "url", None),
        file.src_uri if file is not None else None,
        [_nav_item(child) for child in children],
    ]


def _plugin_settings(plugin: Any) -> Any:
    """A plugin's settings; a ``hooks:`` file (a module, no settings) by its code."""
    settings = getattr(plugin, "config", None)
    if settings is not None:
        return _plain(settings)
    source = getattr(plugin, "__file__", None)
    if source is None:
        return repr(plugin)  # an address: a miss
    return hashlib.sha256(Path(source).read_bytes()).hexdigest()


def _installed_theme(folder: Path) -> bool:
    """MkDocs' or Material's own templates (their versions are in every cache key)."""
    for package in ("mkdocs", "material"):
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        if origin is not None and folder.resolve().is_relative_to(Path(origin).resolve().parent):
            return True
    return False


def _plain(value: Any) -> Any:
    """Settings as JSON data, the same in every process; anything else as its ``repr``
    (an address: a miss)."""
    if isinstance(value, Mapping) or (hasattr(value, "items") and hasattr(value, "keys")):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):  # in an order that does not vary between runs
        return sorted((_plain(v) for v in value), key=repr)
    return value
