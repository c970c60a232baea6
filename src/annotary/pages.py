"""The archive's own pages: home list, sources, claims by status, tags.

Generator-independent: each page is an HTML fragment, the page's *content* (what
goes inside the theme's article body), so no Markdown processor ever reads a
listing. Links are relative URLs from the page's own URL (:mod:`annotary.links`).

Rules that hold for every page:

- Contributors' text (titles, names, roles, tags, quotes) goes through
  :func:`html.escape`, attribute values too, always quoted: it renders as the
  text it is, never as markup.
- Which pages exist, and which passages each lists, is planned from the
  annotation files alone (:func:`plan_pages`): placing an annotation changes its
  text and whether it is placed, never the page it is on. The adapter can so add
  every page before any article is rendered.
- No page lists more than :data:`PAGE_SIZE` passages: a long listing is split
  into numbered pages (``sources/x.md``, ``sources/x/page-2.md``, ...), each
  with a pager. Only the home list and the indexes (sources, tags) grow with
  the archive, by one small entry per article, source or tag.
- Search sees a page's :attr:`ListingPage.search_html`, never its listing: it
  then finds the article, not each page that lists a passage of it.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from .links import Links, links_for_page_url, tag_slug, web_url
from .model import (
    RESERVED_NAMES,
    SOURCE_KINDS,
    STATUSES,
    Annotation,
    Archive,
    Article,
    Source,
    is_slug,
)
from .pipeline import CheckedArchive
from .placement import PlacedArticle

__all__ = [
    "CLAIMS_PAGE",
    "HOME_MARKER",
    "PAGE_SIZE",
    "RESERVED_NAMES",
    "SOURCES_INDEX",
    "STATUS_ORDER",
    "TAGS_INDEX",
    "ListingPage",
    "PagePlan",
    "Passage",
    "archive_passages",
    "article_counts",
    "article_passages",
    "home_list",
    "newest_first",
    "page_url",
    "passages_of",
    "plan_pages",
    "render_page",
    "render_pages",
    "tag_page_name",
]

#: The marker in ``docs/index.md`` replaced by the list of articles.
HOME_MARKER = "<!-- annotary:articles -->"
SOURCES_INDEX = "sources/index.md"
CLAIMS_PAGE = "claims.md"
TAGS_INDEX = "tags/index.md"

#: Claim statuses as the claims pages list them: the verdicts, then "not checked (yet)".
STATUS_ORDER: tuple[str, ...] = (*(s for s in STATUSES if s != "unverified"), "unverified")
#: What each status says about a claim (the claims overview and each status's pages).
STATUS_MEANINGS = {
    "supported": "The evidence backs the claim.",
    "disputed": "Credible sources or evidence disagree about the claim.",
    "misleading": "Accurate in part, but the claim leaves a false impression.",
    "false": "The evidence contradicts the claim.",
    "unverified": "Not checked, or not checkable yet.",
}

#: Most passages one page lists; a longer listing goes on over numbered pages.
#: Each page costs MkDocs a full template render (~3 ms): at 100, a 1,000-article
#: archive of 40 annotations each had 931 listing pages; at 300 it has 424, of
#: about 100 kB each.
PAGE_SIZE = 300
#: Passages longer than this (code points) are cut at a word boundary on listing pages.
PASSAGE_LIMIT = 300

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_KIND_LABELS = {
    "person": ("Person", "People"),
    "organisation": ("Organisation", "Organisations"),
    "anonymous": ("Anonymous source", "Anonymous sources"),
    "document": ("Document", "Documents"),
    "media": ("Media outlet", "Media"),
}
_TYPE_LABELS = {"claim": "Claim", "quote": "Quote", "source": "Named as source"}
_SOURCES_INTRO = (
    "The people, bodies and documents that the archive's articles quote, cite or "
    "attribute claims to. Each source's page lists every passage that names it."
)
_CLAIMS_INTRO = (
    "Every claim annotated in the archive, grouped by its status: what is known "
    "about it once checked. <em>Unverified</em> means not checked, or not checkable "
    "yet. Each status's list links every claim to its highlight in the article."
)
_TAGS_INTRO = "Topics of the archive: tags given to whole articles and to single annotations."


# --- Text ---------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Contributor's text as HTML element text (not for attributes), on one line.

    Escaped, and white space runs become one space, so that the text stays inside
    its element even where Markdown reads the HTML (the home list goes into
    ``docs/index.md``): a blank line would end an HTML block there.
    """
    return escape(" ".join(value.split()), quote=False)


def _shorten(text: str, limit: int = PASSAGE_LIMIT) -> str:
    """Long passages are cut on listing pages; the full text is one click away."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + " …"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _date(day: datetime.date) -> str:
    """A date as readers write it, independent of the build machine's locale."""
    return (
        f'<time datetime="{day.isoformat()}">{day.day} {_MONTHS[day.month - 1]} {day.year}</time>'
    )


def _join_names(names: Sequence[str]) -> str:
    escaped = [_text(n) for n in names]
    if len(escaped) <= 1:
        return "".join(escaped)
    return ", ".join(escaped[:-1]) + " and " + escaped[-1]


def _byline(article: Article) -> str:
    """Outlet, author(s) and date (HTML): what identifies an article besides its title."""
    meta = article.meta
    parts = [_text(meta.outlet)]
    if meta.authors:
        parts.append(_join_names(meta.authors))
    if meta.published:
        parts.append(_date(meta.published))
    else:
        parts.append("captured " + _date(meta.captured))
    return " · ".join(parts)


def _heading(level: int, anchor: str, inner: str) -> str:
    """A heading with an id and a permalink, as the Markdown pages' headings have."""
    anchor = escape(anchor)
    return (
        f'<h{level} id="{anchor}">{inner}'
        f'<a class="headerlink" href="#{anchor}" title="Permanent link">¶</a></h{level}>'
    )


def tag_page_name(tag: str) -> str:
    """The page name of a tag (:func:`annotary.links.tag_slug`): a slug, never ``index``."""
    return tag_slug(tag)


def page_url(path: str, directory_urls: bool) -> str:
    """The URL (from the site root) MkDocs gives the page at ``path`` under ``docs/``.

    ``"sources/x.md"`` → ``"sources/x/"`` or ``"sources/x.html"``;
    ``"sources/index.md"`` → ``"sources/"`` or ``"sources/index.html"``.
    """
    stem = path.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def _series_path(base: str, number: int) -> str:
    """The path of page ``number`` of the series whose first page is ``base + ".md"``."""
    return f"{base}.md" if number == 1 else f"{base}/page-{number}.md"


def _series_url(links: Links, base: str, number: int) -> str:
    """The link to page ``number`` of a series (``Links`` knows only first pages)."""
    return links.page(base if number == 1 else f"{base}/page-{number}")


# --- The archive as the pages see it ------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """One annotation as the listing pages show it: its article, text and link target."""

    article: Article
    annotation: Annotation
    #: The highlighted text as it reads in the article, or the YAML quote if not placed.
    text: str
    placed: bool

    @property
    def anchor(self) -> str:
        """The highlight's id; for an annotation not placed, its entry in the article's list."""
        return self.annotation.id if self.placed else f"note-{self.annotation.id}"


def _article_date(article: Article) -> datetime.date:
    return article.meta.published or article.meta.captured


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Published date, else captured date, newest first; same day: by title."""
    by_title = sorted(articles, key=lambda a: (a.meta.title.casefold(), a.slug))
    return sorted(by_title, key=_article_date, reverse=True)


def passages_of(
    placed: PlacedArticle | None, article: Article, annotations: Sequence[Annotation]
) -> tuple[Passage, ...]:
    """The article's passages in reading order; those not placed come last, as written.

    Without ``placed`` (the article not placed yet), every annotation is a
    passage not placed, with its YAML quote, in file order.
    """
    if placed is None:
        return tuple(Passage(article, a, a.quote, False) for a in annotations)
    located: list[tuple[int, int, int, Passage]] = []
    orphans: list[Passage] = []
    for order, placement in enumerate(placed.placements):
        span = placement.span
        if span is None:
            orphans.append(
                Passage(article, placement.annotation, placement.annotation.quote, False)
            )
        else:
            text = placed.visible.text[span[0] : span[1]]
            passage = Passage(article, placement.annotation, text, True)
            located.append((span[0], span[1], order, passage))
    located.sort(key=lambda item: item[:3])
    return (*(item[3] for item in located), *orphans)


def _annotations(archive: Archive, slug: str) -> tuple[Annotation, ...]:
    return archive.annotations_of(slug)


def article_passages(checked: CheckedArchive, article: Article) -> tuple[Passage, ...]:
    """:func:`passages_of` the article as the checked archive placed it."""
    return passages_of(
        checked.placed.get(article.slug), article, _annotations(checked.archive, article.slug)
    )


def archive_passages(checked: CheckedArchive) -> dict[str, tuple[Passage, ...]]:
    """Every article's passages, by slug: the ``passages`` argument of the renderers."""
    return {slug: article_passages(checked, a) for slug, a in checked.archive.articles.items()}


def article_counts(passages: Sequence[Passage]) -> str:
    """Claims (with their statuses), quotes, source mentions and those not placed (HTML)."""
    types = Counter(p.annotation.type for p in passages)
    statuses = Counter(p.annotation.status for p in passages if p.annotation.type == "claim")
    claims = _plural(types["claim"], "claim")
    known = [s for s in STATUS_ORDER if statuses[s]]
    others = sorted(s for s in statuses if s and s not in STATUS_ORDER)
    if known or others:
        claims += " (" + ", ".join(f"{statuses[s]} {escape(s)}" for s in known + others) + ")"
    parts = [
        claims,
        _plural(types["quote"], "quote"),
        _plural(types["source"], "source mention"),
    ]
    orphans = sum(1 for p in passages if not p.placed)
    if orphans:
        parts.append(f"{orphans} not placed")
    return " · ".join(parts)


# --- The plan: every page, from the annotation files alone --------------------------------


@dataclass(frozen=True)
class ListingPage:
    """A generated page as the adapter adds it."""

    #: Plain text on one line, never empty, not escaped: the adapter escapes it where
    #: the theme needs HTML (page.title). The page's ``<h1>`` says the same.
    title: str
    #: All that search should index of the page (a few words of HTML); "" to skip the page.
    search_html: str


@dataclass(frozen=True)
class _Slice:
    """The part of one article a page lists.

    The passages of article ``slug`` whose annotation id is in ``ids``, in
    reading order, from ``start`` to ``stop``. ``ids`` ``None``: the article
    itself (a tag page's list of tagged articles).
    """

    slug: str
    ids: tuple[str, ...] | None
    start: int
    stop: int


#: A listing before pagination: per article (newest first), the annotation ids it lists.
_Groups = list[tuple[str, tuple[str, ...] | None]]


@dataclass(frozen=True)
class _Spec:
    """What a planned page shows: its kind, key and, for a series, its share of it."""

    kind: str  # sources | source | claims | status | tags | tag
    key: str  # source id, status or tag page name; "" for the overview pages
    base: str  # the series' first path, without ".md"
    number: int = 1
    count: int = 1
    slices: tuple[_Slice, ...] = ()


def _paginate(groups: _Groups) -> list[tuple[_Slice, ...]]:
    """Groups cut into pages of at most :data:`PAGE_SIZE` passages; at least one page.

    An article's passages stay on one page when they fit on a page; an article
    with more than that fills pages of its own.
    """
    pages: list[list[_Slice]] = [[]]
    fill = 0
    for slug, ids in groups:
        size = 1 if ids is None else len(ids)
        if fill and fill + size > PAGE_SIZE:
            pages.append([])
            fill = 0
        start = 0
        while size - start > PAGE_SIZE:
            pages[-1].append(_Slice(slug, ids, start, start + PAGE_SIZE))
            pages.append([])
            start += PAGE_SIZE
        pages[-1].append(_Slice(slug, ids, start, size))
        fill += size - start
    return [tuple(page) for page in pages]


def _kind_order(kind: str) -> tuple[int, str]:
    return (SOURCE_KINDS.index(kind) if kind in SOURCE_KINDS else len(SOURCE_KINDS), kind)


def _sources_by_kind(sources: Iterable[Source]) -> list[tuple[str, list[Source]]]:
    groups: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        groups[source.kind].append(source)
    return [
        (kind, sorted(groups[kind], key=lambda s: (s.name.casefold(), s.id)))
        for kind in sorted(groups, key=_kind_order)
    ]


def _has_page(name: str) -> bool:
    """A source or status gets a page of its own: a slug, not an index's name."""
    return is_slug(name) and name not in RESERVED_NAMES


@dataclass
class _Tag:
    """A tag: its most used spelling, its articles and its annotations by article."""

    name: str
    articles: list[str]
    groups: _Groups
    annotations: int


@dataclass
class _LinkMemo:
    """Pieces of HTML that depend only on a page's depth (its links), made once."""

    source_links: dict[str, str] = field(default_factory=dict)
    badges: dict[str, str] = field(default_factory=dict)
    #: By (slug, heading level): the article's URL and its heading.
    heads: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)


class _ArticleView:
    """An article's passages with what every page showing one of them needs, made once."""

    __slots__ = ("attributed", "chips", "passages", "positions", "tails")

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        #: Position in reading order, by annotation id.
        self.positions = {p.annotation.id: k for k, p in enumerate(passages)}
        #: The end of each passage's link, from the ``#``: anchor, text, if not placed.
        self.tails: list[str] = []
        #: Each passage's chip: its type, or ``claim:<status>``.
        self.chips: list[str] = []
        self.attributed: list[tuple[str, ...]] = []
        for passage in passages:
            annotation = passage.annotation
            anchor = escape(annotation.id)
            text = escape(_shorten(passage.text), quote=False)  # element text: quotes are text
            if passage.placed:
                self.tails.append(f'#{anchor}">“{text}”</a>')
            else:
                self.tails.append(f'#note-{anchor}">“{text}”</a> <em>(not placed)</em>')
            status = annotation.status if annotation.type == "claim" else None
            self.chips.append(f"claim:{status}" if status else annotation.type)
            self.attributed.append(annotation.attributed_to)


class PagePlan:
    """Every generated page of an archive, planned once; renders any of them on demand.

    The plan reads the annotation files only. Rendering a page takes the
    articles' :class:`Passage`, placed or not: placing reorders an article's
    passages and changes their text, so each page selects its passages by
    annotation id and position, never by what placing found.
    """

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.articles = tuple(newest_first(archive.articles.values()))
        mentions: dict[str, _Groups] = defaultdict(list)
        claims: dict[str, _Groups] = defaultdict(list)
        self.mention_counts: Counter[str] = Counter()
        self.claim_counts: Counter[str] = Counter()
        #: Per source: quotes, claims attributed to it, passages naming it.
        self.ways: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.mentioning_articles: Counter[str] = Counter()
        for article in self.articles:
            by_source: dict[str, list[str]] = defaultdict(list)
            by_status: dict[str, list[str]] = defaultdict(list)
            for annotation in _annotations(archive, article.slug):
                named = set(annotation.attributed_to)
                for source_id in named:
                    self.ways[source_id][1] += 1
                if annotation.speaker:
                    self.ways[annotation.speaker][0] += 1
                    named.add(annotation.speaker)
                if annotation.source:
                    self.ways[annotation.source][2] += 1
                    named.add(annotation.source)
                for source_id in named:
                    by_source[source_id].append(annotation.id)
                if annotation.type == "claim" and annotation.status:
                    by_status[annotation.status].append(annotation.id)
            for source_id, ids in by_source.items():
                mentions[source_id].append((article.slug, tuple(ids)))
                self.mention_counts[source_id] += len(ids)
                self.mentioning_articles[source_id] += 1
            for status, ids in by_status.items():
                claims[status].append((article.slug, tuple(ids)))
                self.claim_counts[status] += len(ids)
        self.tags = self._collect_tags()
        self.statuses = [
            *STATUS_ORDER,
            *sorted(s for s in claims if s not in STATUS_ORDER and _has_page(s)),
        ]

        self.specs: dict[str, _Spec] = {SOURCES_INDEX: _Spec("sources", "", "sources/index")}
        self.pages: dict[str, ListingPage] = {
            SOURCES_INDEX: ListingPage("Sources", f"<p>{_SOURCES_INTRO}</p>")
        }
        for source_id, source in sorted(archive.sources.items()):
            if _has_page(source_id):
                title = " ".join(source.name.split()) or source_id
                self._series("source", source_id, title, mentions.get(source_id, []))
        self.specs[CLAIMS_PAGE] = _Spec("claims", "", "claims")
        self.pages[CLAIMS_PAGE] = ListingPage("Claims", f"<p>{_CLAIMS_INTRO}</p>")
        for status in self.statuses:
            self._series("status", status, f"Claims: {status}", claims.get(status, []))
        self.specs[TAGS_INDEX] = _Spec("tags", "", "tags/index")
        self.pages[TAGS_INDEX] = ListingPage("Tags", f"<p>{_TAGS_INTRO}</p>")
        for name, tag in self.tags.items():
            groups: _Groups = [(slug, None) for slug in tag.articles]
            self._series("tag", name, f"Tag: {' '.join(tag.name.split())}", groups + tag.groups)
        self._titles: dict[str, str] = {}
        self._bylines: dict[str, str] = {}
        # Memos by object identity, for the passages a build renders page after page.
        self._unplaced: dict[str, tuple[Passage, ...]] = {}
        self._views: dict[int, _ArticleView] = {}
        self.memos: dict[tuple[str, bool], _LinkMemo] = {}

    def _collect_tags(self) -> dict[str, _Tag]:
        """Tags by page name, from article front matter and annotations.

        Spellings that share a page name (``Kursk``, ``kursk``) are one tag; a
        carrier listed under two of them is listed once.
        """
        page_names: dict[str, str] = {}

        def by_page_name(tags: Iterable[str]) -> dict[str, list[str]]:
            names: dict[str, list[str]] = defaultdict(list)
            for tag in dict.fromkeys(tags):
                name = page_names.get(tag)
                if name is None:
                    name = page_names[tag] = tag_page_name(tag)
                names[name].append(tag)
            return names

        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        articles: dict[str, list[str]] = defaultdict(list)
        groups: dict[str, _Groups] = defaultdict(list)
        counts: Counter[str] = Counter()
        for article in self.articles:
            for name, used in by_page_name(article.meta.tags).items():
                spellings[name].update(used)
                articles[name].append(article.slug)
            tagged: dict[str, list[str]] = defaultdict(list)
            for annotation in _annotations(self.archive, article.slug):
                for name, used in by_page_name(annotation.tags).items():
                    spellings[name].update(used)
                    tagged[name].append(annotation.id)
            for name, ids in tagged.items():
                groups[name].append((article.slug, tuple(ids)))
                counts[name] += len(ids)
        tags: dict[str, _Tag] = {}
        for name, uses in spellings.items():
            # The most used spelling names the tag; ties go to the first in sort order.
            spelling = min(uses, key=lambda t: (-uses[t], t))
            tags[name] = _Tag(spelling, articles[name], groups[name], counts[name])
        return dict(sorted(tags.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))

    def _series(self, kind: str, key: str, title: str, groups: _Groups) -> None:
        base = {"source": "sources", "status": "claims", "tag": "tags"}[kind] + f"/{key}"
        pages = _paginate(groups)
        for number, slices in enumerate(pages, 1):
            path = _series_path(base, number)
            self.specs[path] = _Spec(kind, key, base, number, len(pages), slices)
            if number == 1:
                self.pages[path] = ListingPage(title, self._search_html(kind, key))
            else:
                self.pages[path] = ListingPage(f"{title} (page {number} of {len(pages)})", "")

    def _search_html(self, kind: str, key: str) -> str:
        """A few words about the page's subject: never a passage, never an article's title."""
        if kind == "source":
            source = self.archive.sources[key]
            details = _text(_KIND_LABELS.get(source.kind, (source.kind, ""))[0])
            if source.role:
                details += f" · {_text(source.role)}"
            return f"<p>{details}</p>"
        if kind == "status":
            meaning = STATUS_MEANINGS.get(key, "")
            return f"<p>{_plural(self.claim_counts[key], 'claim')}. {meaning}</p>"
        return f"<p>{self._carried_by(self.tags[key])}</p>"

    @staticmethod
    def _carried_by(tag: _Tag) -> str:
        counts = [
            _plural(n, what)
            for n, what in ((len(tag.articles), "article"), (tag.annotations, "annotation"))
            if n
        ]
        return f"Carried by {' and '.join(counts)}."

    # --- Rendering ------------------------------------------------------------------------

    def render(
        self, path: str, passages: Mapping[str, Sequence[Passage]], *, directory_urls: bool
    ) -> str:
        """The HTML content of the planned page at ``path`` (``KeyError`` if not planned)."""
        spec = self.specs[path]
        links = links_for_page_url(page_url(path, directory_urls), directory_urls)
        page = _Page(self, spec, links, passages)
        if spec.kind == "sources":
            return page.sources_index()
        if spec.kind == "source":
            return page.source()
        if spec.kind == "claims":
            return page.claims_overview()
        if spec.kind == "status":
            return page.status()
        if spec.kind == "tags":
            return page.tags_index()
        return page.tag()

    def view(self, slug: str, passages: Mapping[str, Sequence[Passage]]) -> _ArticleView:
        """The article's passages as the pages show them, made once per build.

        An article missing from ``passages`` is listed as written, not placed.
        """
        found = passages.get(slug)
        if found is None:
            found = self._unplaced.get(slug)
            if found is None:
                article = self.archive.articles[slug]
                found = passages_of(None, article, _annotations(self.archive, slug))
                self._unplaced[slug] = found
        view = self._views.get(id(found))
        if view is None or view.passages is not found:
            view = self._views[id(found)] = _ArticleView(found)
        return view

    def title_html(self, slug: str) -> str:
        found = self._titles.get(slug)
        if found is None:
            found = self._titles[slug] = _text(self.archive.articles[slug].meta.title)
        return found

    def byline(self, slug: str) -> str:
        found = self._bylines.get(slug)
        if found is None:
            found = self._bylines[slug] = _byline(self.archive.articles[slug])
        return found


class _Page:
    """One page being rendered: its plan entry, links and the passages to show."""

    def __init__(
        self,
        plan: PagePlan,
        spec: _Spec,
        links: Links,
        passages: Mapping[str, Sequence[Passage]],
    ) -> None:
        self.plan = plan
        self.spec = spec
        self.links = links
        self.passages = passages
        self.title = plan.pages[_series_path(spec.base, spec.number)].title
        self._claims_url = escape(links.claims())
        # What depends only on where the page is: shared by the pages at the same depth.
        memo = plan.memos.get((links.to_root, links.directory_urls))
        if memo is None:
            memo = plan.memos[(links.to_root, links.directory_urls)] = _LinkMemo()
        self._source_links = memo.source_links
        self._badges = memo.badges
        self._heads = memo.heads

    # --- Pieces ---------------------------------------------------------------------------

    def h1(self) -> str:
        return f"<h1>{escape(self.title)}</h1>"

    def selected(self, piece: _Slice) -> tuple[_ArticleView, list[int]]:
        """The article's passages and, in reading order, the positions of ``piece``'s."""
        view = self.plan.view(piece.slug, self.passages)
        positions = view.positions
        order = sorted({positions[i] for i in piece.ids or () if i in positions})
        return view, order[piece.start : piece.stop]

    def source_link(self, source_id: str) -> str:
        found = self._source_links.get(source_id)
        if found is None:
            source = self.plan.archive.sources.get(source_id)
            found = _text(source.name if source else source_id)
            if source and _has_page(source_id):
                found = f'<a href="{escape(self.links.source(source_id))}">{found}</a>'
            self._source_links[source_id] = found
        return found

    def badge(self, key: str) -> str:
        """A chip for an annotation's type (:attr:`_ArticleView.chips`).

        A claim's links to its status on the claims page.
        """
        found = self._badges.get(key)
        if found is None:
            kind, _, status = key.partition(":")
            if status:
                status = escape(status)
                found = f'<a class="md-tag" href="{self._claims_url}#{status}">Claim: {status}</a> '
            else:
                found = f'<span class="md-tag">{escape(_TYPE_LABELS.get(kind, kind))}</span> '
            self._badges[key] = found
        return found

    def article_link(self, slug: str) -> str:
        return f'<a href="{escape(self.links.article(slug))}">{self.plan.title_html(slug)}</a>'

    def group(
        self, out: list[str], piece: _Slice, level: int, source_id: str | None, badge: bool
    ) -> None:
        """An article's passages under its linked title and byline.

        Each passage: its type chip (with ``badge``), its text linked to its
        highlight and, for claims, who they are attributed to. On the page of
        ``source_id`` a claim is known to be attributed to it: only the other
        sources are named.
        """
        slug = piece.slug
        head = self._heads.get((slug, level))
        if head is None:
            url = escape(self.links.article(slug))
            title = f'<a href="{url}">{self.plan.title_html(slug)}</a>'
            heading = _heading(level, f"article-{slug}", title)
            head = self._heads[(slug, level)] = (url, heading)
        url = head[0]
        out.append(head[1])
        byline = self.plan.byline(slug)
        if piece.start:
            byline += " · continued from the previous page"
        out.append(f'<p class="annotary-byline">{byline}</p>')
        out.append('<ul class="annotary-passages">')
        view, order = self.selected(piece)
        badges = self._badges
        for k in order:
            chip = ""
            if badge:
                key = view.chips[k]
                chip = badges.get(key) or self.badge(key)
            html = f'<li>{chip}<a href="{url}{view.tails[k]}'
            attributed = view.attributed[k]
            if attributed:
                names = [self.source_link(i) for i in attributed if i != source_id]
                if names:
                    also = "Also attributed to" if source_id in attributed else "Attributed to"
                    html += f"<br>{also} {', '.join(names)}"
            out.append(html + "</li>")
        out.append("</ul>")

    def pager(self, out: list[str]) -> None:
        """Previous and next (first and last) pages of the series, and where this one is."""
        number, count = self.spec.number, self.spec.count
        if count == 1:
            return

        def link(n: int, css: str, text: str, rel: str = "") -> str:
            url = escape(_series_url(self.links, self.spec.base, n))
            rel_attr = f' rel="{rel}"' if rel else ""
            return f'<a class="annotary-pager-{css}" href="{url}"{rel_attr}>{text}</a>'

        out.append('<nav class="annotary-pager" aria-label="Pages">')
        if number > 2:
            out.append(link(1, "first", "« First"))
        if number > 1:
            out.append(link(number - 1, "prev", "‹ Previous", "prev"))
        out.append(f'<span class="annotary-pager-position">Page {number} of {count}</span>')
        if number < count:
            out.append(link(number + 1, "next", "Next ›", "next"))
        if number < count - 1:
            out.append(link(count, "last", "Last »"))
        out.append("</nav>")

    # --- Pages ----------------------------------------------------------------------------

    def sources_index(self) -> str:
        out = [self.h1(), f"<p>{_SOURCES_INTRO}</p>"]
        groups = _sources_by_kind(self.plan.archive.sources.values())
        if not groups:
            out.append("<p>No sources yet.</p>")
        counts = self.plan.mention_counts
        for kind, sources in groups:
            plural = _KIND_LABELS.get(kind, (kind, kind))[1]
            out.append(_heading(2, kind, escape(plural)))
            out.append(
                "<table><thead><tr><th>Source</th><th>Role</th>"
                '<th class="annotary-num">Mentions</th></tr></thead><tbody>'
            )
            for source in sources:
                role = _text(source.role) if source.role else "—"
                out.append(
                    f"<tr><td>{self.source_link(source.id)}</td><td>{role}</td>"
                    f'<td class="annotary-num">{counts[source.id]}</td></tr>'
                )
            out.append("</tbody></table>")
        return "\n".join(out) + "\n"

    def source(self) -> str:
        """A source: who or what it is, then every passage naming it, page by page."""
        source_id = self.spec.key
        source = self.plan.archive.sources[source_id]
        kind = _KIND_LABELS.get(source.kind, (source.kind, source.kind))[0]
        details = f"<strong>{_text(kind)}</strong>"
        if source.role:
            details += f" · {_text(source.role)}"
        out = [self.h1(), f'<p class="annotary-source-details">{details}</p>']
        url = web_url(source.url)
        if url:
            out.append(f'<p><a href="{escape(url)}" rel="noopener">{_text(url)}</a></p>')
        if not self.spec.slices:
            out.append("<p>Not named in any article of the archive yet.</p>")
        else:
            out.append(f"<p>{self._mention_summary(source_id)}</p>")
            for piece in self.spec.slices:
                self.group(out, piece, 2, source_id, True)
        self.pager(out)
        return "\n".join(out) + "\n"

    def _mention_summary(self, source_id: str) -> str:
        """How the archive names the source, counting only the ways it does."""
        quotes, claims, naming = self.plan.ways[source_id]
        articles = self.plan.mentioning_articles[source_id]
        counts = [
            (quotes, "quote", "quotes"),
            (claims, "claim attributed to it", "claims attributed to it"),
            (naming, "passage naming it", "passages naming it"),
        ]
        parts = [_plural(n, one, many) for n, one, many in counts if n]
        return f"In {_plural(articles, 'article')}: " + ", ".join(parts) + "."

    def claims_overview(self) -> str:
        """The statuses: what each means, how many claims have it, a link to their list."""
        counts = self.plan.claim_counts
        out = [self.h1(), f"<p>{_CLAIMS_INTRO}</p>", '<p class="annotary-status-summary">']
        chips = []
        for status in self.plan.statuses:
            url = escape(self.links.page(f"claims/{status}"))
            label = escape(status.capitalize())
            chips.append(f'<a class="md-tag" href="{url}">{label}: {counts[status]}</a>')
        out += [" ".join(chips), "</p>"]
        for status in self.plan.statuses:
            out.append(_heading(2, status, escape(status.capitalize())))
            meaning = STATUS_MEANINGS.get(status, "")
            if counts[status]:
                url = escape(self.links.page(f"claims/{status}"))
                listed = f'<a href="{url}">{_plural(counts[status], "claim")}</a>'
            else:
                listed = "No claims."
            out.append(f"<p>{meaning} {listed}</p>")
        return "\n".join(out) + "\n"

    def status(self) -> str:
        """The claims of one status under their articles, newest first, page by page."""
        status = self.spec.key
        meaning = STATUS_MEANINGS.get(status, "")
        count = _plural(self.plan.claim_counts[status], "claim")
        overview = escape(self.links.claims(status))
        out = [
            self.h1(),
            f"<p>{count} with the status <strong>{escape(status)}</strong>. {meaning} "
            f'See <a href="{overview}">all statuses</a>.</p>',
        ]
        if not self.spec.slices:
            out.append("<p>No claims.</p>")
        for piece in self.spec.slices:
            self.group(out, piece, 2, None, False)
        self.pager(out)
        return "\n".join(out) + "\n"

    def tags_index(self) -> str:
        out = [self.h1(), f"<p>{_TAGS_INTRO}</p>"]
        if not self.plan.tags:
            out.append("<p>No tags yet.</p>")
            return "\n".join(out) + "\n"
        out.append(
            "<table><thead><tr><th>Tag</th>"
            '<th class="annotary-num">Articles</th><th class="annotary-num">Annotations</th>'
            "</tr></thead><tbody>"
        )
        for name, tag in self.plan.tags.items():
            url = escape(self.links.page(f"tags/{name}"))
            out.append(
                f'<tr><td><a href="{url}">{_text(tag.name)}</a></td>'
                f'<td class="annotary-num">{len(tag.articles)}</td>'
                f'<td class="annotary-num">{tag.annotations}</td></tr>'
            )
        out.append("</tbody></table>")
        return "\n".join(out) + "\n"

    def tag(self) -> str:
        """A tag: the articles tagged with it, then the annotations, under their articles."""
        tag = self.plan.tags[self.spec.key]
        out = [self.h1(), f"<p>{self.plan._carried_by(tag)}</p>"]
        articles = [p for p in self.spec.slices if p.ids is None]
        if articles:
            out.append(_heading(2, "articles", "Articles"))
            out.append('<ul class="annotary-tagged-articles">')
            for piece in articles:
                out.append(
                    f"<li>{self.article_link(piece.slug)}<br>{self.plan.byline(piece.slug)}</li>"
                )
            out.append("</ul>")
        annotated = [p for p in self.spec.slices if p.ids is not None]
        if annotated:
            out.append(_heading(2, "annotations", "Annotations"))
            for piece in annotated:
                self.group(out, piece, 3, None, True)
        self.pager(out)
        return "\n".join(out) + "\n"


# --- What the adapter calls ---------------------------------------------------------------

_last_plan: PagePlan | None = None


def _plan(archive: Archive) -> PagePlan:
    """The plan of ``archive``, kept for the last archive asked (one build's)."""
    global _last_plan
    if _last_plan is None or _last_plan.archive is not archive:
        _last_plan = PagePlan(archive)
    return _last_plan


def plan_pages(archive: Archive) -> dict[str, ListingPage]:
    """Every generated page by its path under ``docs/``, from the annotation files alone.

    Paths: ``sources/index.md``; ``sources/<id>.md`` and ``sources/<id>/page-<n>.md``;
    ``claims.md`` and ``claims/<status>.md`` (+ pages); ``tags/index.md`` and
    ``tags/<name>.md`` (+ pages).
    """
    return dict(_plan(archive).pages)


def render_page(
    path: str,
    archive: Archive,
    passages: Mapping[str, Sequence[Passage]],
    *,
    directory_urls: bool,
) -> str:
    """The HTML content of the planned page at ``path``, links relative to its own URL.

    ``passages[slug]`` is the article's passages in reading order
    (:func:`passages_of`); an article missing from it is listed as written, not
    placed. Raises ``KeyError`` for a path :func:`plan_pages` does not list.
    """
    return _plan(archive).render(path, passages, directory_urls=directory_urls)


def render_pages(
    archive: Archive, passages: Mapping[str, Sequence[Passage]], *, directory_urls: bool
) -> dict[str, str]:
    """Every planned page's HTML content, by path."""
    plan = _plan(archive)
    return {path: plan.render(path, passages, directory_urls=directory_urls) for path in plan.pages}


def home_list(
    archive: Archive, passages: Mapping[str, Sequence[Passage]], *, directory_urls: bool
) -> str:
    """The home page's list of articles (HTML), newest first, with byline and counts.

    It replaces :data:`HOME_MARKER` in ``docs/index.md``, a page search indexes:
    the list is marked ``data-search-exclude`` so search finds the articles
    themselves, not the home page for each title.
    """
    articles = newest_first(archive.articles.values())
    if not articles:
        return "<p>No articles yet.</p>\n"
    links = links_for_page_url("", directory_urls)
    out = ['<div class="annotary-articles" data-search-exclude>', "<ul>"]
    for article in articles:
        found = passages.get(article.slug)
        if found is None:
            found = passages_of(None, article, _annotations(archive, article.slug))
        url = escape(links.article(article.slug))
        out.append(
            f'<li><strong><a href="{url}">{_text(article.meta.title)}</a></strong><br>'
            f"{_byline(article)}<br>{article_counts(found)}</li>"
        )
    out += ["</ul>", "</div>"]
    return "\n".join(out) + "\n"
