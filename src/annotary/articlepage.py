"""Everything the site needs from one article page, computed once and remembered.

A site generator hands over the HTML it rendered from an article's Markdown;
this module returns what the archive makes of it: the highlighted page, the
little that the search index should read, the ``<head>`` additions, the ids
other pages may link to, each annotation's passage (for the listing pages),
the placing problems and the article's W3C Web Annotation items.

All of it is a pure function of the inputs listed in :func:`page_key`, so on a
rebuild where neither the article nor its annotations changed the whole result
comes from the on-disk cache (:mod:`annotary.cache`) in one read: no Markdown,
no anchoring, no highlighting. Editing one annotation misses this entry but
still reuses the anchors of the others (:func:`~annotary.pipeline.place_annotations_cached`).
Nothing here knows MkDocs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import blake3
import lz4.block  # type: ignore[import-untyped]  # no stubs

from . import w3c
from .diagnostics import Diagnostic
from .links import links_for_page_url
from .markup import clean_article_html, element_ids
from .notes import render_note
from .pipeline import place_annotations_cached
from .placement import placement_problems
from .render import anchor_ids, render_article
from .schemaorg import article_jsonld

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from .cache import Cache
    from .model import Annotation, Archive, Article
    from .placement import PlacedArticle

__all__ = [
    "ArticlePage",
    "PageSettings",
    "PassageRecord",
    "build_article_page",
    "inputs_fingerprint",
    "page_key",
]

#: Bump when what an entry holds changes meaning.
ENTRY_VERSION = "article-page-2"

#: One annotation as the listing pages need it: its id, its text as the article
#: shows it (the YAML quote if not placed), and whether it was placed.
PassageRecord = tuple[str, str, bool]


@dataclass(frozen=True)
class PageSettings:
    """What the site says about where the page lives (part of every cache key)."""

    page_url: str
    directory_urls: bool
    canonical_url: str | None
    site_name: str
    site_url: str | None


@dataclass(frozen=True)
class ArticlePage:
    """One article page as the site needs it."""

    #: The page content: header, highlighted text and the list of annotations.
    content: str
    #: What the search index reads: the article's text and the notes, without
    #: the markup of the highlights and the list (searching a note finds the page).
    search_html: str
    #: For ``<head>``: the schema.org JSON-LD ("" without a canonical URL).
    head: str
    #: Every ``id`` the content adds (highlights, list entries), for link checkers.
    anchor_ids: tuple[str, ...]
    #: Each annotation in reading order, then those not placed.
    passages: tuple[PassageRecord, ...]
    #: Quotes that drifted, are ambiguous or are not found.
    problems: tuple[Diagnostic, ...]
    #: The article's annotations as W3C Web Annotations: the JSON list, packed
    #: (:func:`pack_text`), and its length (``None`` without a site URL); see
    #: :func:`annotary.w3c.items_json`.
    w3c_items: tuple[bytes, int] | None

    def w3c_text(self) -> tuple[str, int] | None:
        """The W3C items' JSON list and its length, unpacked."""
        if self.w3c_items is None:
            return None
        packed, total = self.w3c_items
        return unpack_text(packed), total


def pack_text(text: str) -> bytes:
    """``text`` compressed, to be kept until the end of a build (an article's W3C items).

    LZ4: a fifth of the size, at 39 µs for an article's 37 kB where zlib's
    fastest level took 175 µs (and 93 µs to decompress against 26): 0.2 s of a
    build at 1,000 articles. Kept whole they would add 330 MB to a build of
    10,000 articles.
    """
    packed: bytes = lz4.block.compress(text.encode())
    return packed


def unpack_text(packed: bytes) -> str:
    """What :func:`pack_text` packed."""
    data: bytes = lz4.block.decompress(packed)
    return data.decode()


def page_key(
    html: str, inputs: str, sources_fingerprint: str, settings: PageSettings
) -> tuple[str, ...]:
    """Every input of :func:`build_article_page`, as strings for :meth:`Cache.key`.

    ``inputs`` is :func:`inputs_fingerprint` of the article and its annotations.
    The cache adds the code's fingerprint.
    """
    return (ENTRY_VERSION, html, inputs, sources_fingerprint, repr(settings))


def inputs_fingerprint(article: Article, annotations: Sequence[Annotation]) -> str:
    """A digest of the article and its annotations as the model holds them.

    The dataclasses' ``repr`` spells out every field (quotes, notes, statuses,
    locations used in messages), so any edit of the files that could change
    the page changes it. It costs 0.26 ms an article, so the site uses the digest
    of the files' texts made as they are read (15 µs,
    :attr:`~annotary.archive.LoadedFiles.texts_digest`) where it has one, and this
    for a model it has no such digest of (an annotation file a preview read again).
    """
    text = repr(article) + "\0" + repr(tuple(annotations))
    return blake3.blake3(text.encode("utf-8", "surrogatepass")).hexdigest()


def sources_fingerprint(archive: Archive) -> str:
    """A digest of the registry of sources as the pages show it (names, roles, kinds,
    links). A digest, not the text: it is part of every article page's key, and the
    text grows with the registry (56 kB at 1,000 articles), which every key hashed."""
    text = repr(sorted(archive.sources.items()))
    return blake3.blake3(text.encode("utf-8", "surrogatepass")).hexdigest()


#: The cache's namespace of finished article pages.
NAMESPACE = "article-page"


class BuiltPage(NamedTuple):
    """What :func:`build_article_page` gives."""

    page: ArticlePage
    key: str | None
    from_cache: bool


def build_article_page(
    html: str,
    article: Article,
    annotations: Sequence[Annotation],
    archive: Archive,
    settings: PageSettings,
    *,
    cache: Cache | None = None,
    sources_key: str | None = None,
    inputs: str | None = None,
) -> BuiltPage:
    """The article page for ``html``, from the cache when nothing it depends on changed,
    with its cache key (``None`` without a cache) and whether it was read from the
    cache: a caller that needs such a page again later may read it back
    (:func:`cached_page`) instead of holding it. The key names the page's content
    whether it was read or computed (the plugin keys the page's whole output by it).

    ``sources_key`` is :func:`sources_fingerprint` of ``archive``, computed once
    per build by the caller (it is the same for every page); ``inputs``, when the
    caller keeps it, is :func:`inputs_fingerprint` of the article and
    ``annotations``. The key is made of the HTML as given: cleaning it
    (:func:`~annotary.markup.clean_article_html`, whose rules are part of the
    code every key holds) is left to a page that is computed.
    """
    if cache is None:
        page = _compute(clean_article_html(html), article, annotations, archive, settings, None)
        return BuiltPage(page, None, False)
    parts = page_key(
        html,
        inputs or inputs_fingerprint(article, annotations),
        sources_key or sources_fingerprint(archive),
        settings,
    )
    key = cache.key(NAMESPACE, *parts)
    # pickled (signed, like every entry): as JSON the page is 140 kB and 0.5 ms to decode
    stored = cache.get_object(NAMESPACE, key, ArticlePage)
    if stored is not None:
        return BuiltPage(stored, key, True)
    page = _compute(clean_article_html(html), article, annotations, archive, settings, cache)
    cache.put_object(NAMESPACE, key, page)
    return BuiltPage(page, key, False)


def cached_page(cache: Cache, key: str) -> ArticlePage | None:
    """The page :func:`build_article_page` read under ``key``, read again."""
    return cache.get_object(NAMESPACE, key, ArticlePage)


def prepare_pages(
    jobs: Mapping[int, tuple[int, Article, Sequence[Annotation], PageSettings]],
    archive: Archive,
    render: Callable[[Article], str],
    cache: Cache,
    *,
    next_job: Callable[[], int | None],
    inputs: Mapping[str, str] | None = None,
    done: Callable[[Article, ArticlePage], None] | None = None,
) -> None:
    """Put the pages of ``jobs`` (by number) into the cache, in the order ``next_job()``
    gives their numbers, until it gives ``None``.

    Run in a second process ahead of the site generator, it halves the time of a
    cold build on two cores: each page it finishes is a cache hit for the
    generator (the key is the same when its ``render`` gives the generator's HTML;
    when not, the generator misses and computes the page itself, so the result
    never depends on this).
    """
    sources_key = sources_fingerprint(archive)
    while (number := next_job()) is not None:
        _, article, article_annotations, settings = jobs[number]
        page = build_article_page(
            render(article),
            article,
            article_annotations,
            archive,
            settings,
            cache=cache,
            sources_key=sources_key,
            inputs=(inputs or {}).get(article.slug),
        ).page
        if done is not None:
            done(article, page)


def _compute(
    html: str,
    article: Article,
    annotations: Sequence[Annotation],
    archive: Archive,
    settings: PageSettings,
    cache: Cache | None,
) -> ArticlePage:
    placed = place_annotations_cached(html, annotations, cache)
    links = links_for_page_url(settings.page_url, settings.directory_urls)
    content = render_article(placed, article, archive, links)
    head = ""
    if settings.canonical_url:
        head = article_jsonld(
            article,
            placed,
            archive,
            page_url=settings.canonical_url,
            site_name=settings.site_name,
            site_url=settings.site_url,
        )
    items = None
    if settings.site_url:
        root = w3c.site_root(settings.site_url)
        annotations_w3c = w3c.article_annotations(
            placed,
            archive,
            site_url=root,
            article_url=w3c.article_url(root, article.slug, directory_urls=settings.directory_urls),
            directory_urls=settings.directory_urls,
        )
        items = (pack_text(w3c.items_json(annotations_w3c)), len(annotations_w3c))
    return ArticlePage(
        content=content,
        search_html=search_html(html, annotations),
        head=head,
        # the ids the list and highlights add, and the article's own (which highlighting
        # keeps): scanning its 7 kB instead of the page's 63 kB
        anchor_ids=tuple(sorted(anchor_ids(placed) | set(element_ids(html)))),
        passages=passage_records(placed),
        problems=tuple(placement_problems(article.path, placed)),
        w3c_items=items,
    )


def search_html(cleaned_html: str, annotations: Sequence[Annotation]) -> str:
    """The article as it reads plus a section of the notes: what a reader may search for.

    The highlighted page repeats each passage in the list and wraps the text in
    hundreds of elements; an index needs none of that, and parsing it was a
    quarter of a large build.
    """
    notes = [render_note(a.note) for a in annotations if a.note]
    if not notes:
        return cleaned_html
    return cleaned_html + '<h2 id="annotations">Annotations</h2>' + "".join(notes)


def passage_records(placed: PlacedArticle) -> tuple[PassageRecord, ...]:
    """Each annotation's passage in reading order (by start, longer first), then the rest."""
    located: list[tuple[int, int, int, PassageRecord]] = []
    rest: list[PassageRecord] = []
    for order, placement in enumerate(placed.placements):
        annotation = placement.annotation
        span = placement.span
        if span is None:
            rest.append((annotation.id, annotation.quote, False))
        else:
            text = placed.visible.text[span[0] : span[1]]
            located.append((span[0], span[1], order, (annotation.id, text, True)))
    located.sort(key=lambda item: item[:3])
    return (*(item[3] for item in located), *rest)
