"""The archive's own pages: home list, sources, claims by status, tags.

Generator-independent: each page is Markdown (with HTML blocks) for the adapter
to add to the site. Links are Markdown links to ``.md`` files, so the site
generator turns them into its own URL scheme and a strict build checks them.

Three rules hold for every page:

- Contributors' text (names, roles, tags, quotes) goes through :func:`md_text`,
  so it always renders as the text it is, never as markup.
- Passages and lists repeated from articles sit in elements marked
  ``data-search-exclude``: search then finds the article, not each listing of
  it. A source's name and role stay searchable on the source's own page.
- No page but the home page lists every article, so the pages stay small
  however large the archive grows.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

from .links import tag_slug
from .model import SOURCE_KINDS, STATUSES, Annotation, Article, Source
from .pipeline import CheckedArchive

__all__ = [
    "CLAIMS_PAGE",
    "HOME_MARKER",
    "SOURCES_INDEX",
    "STATUS_ORDER",
    "TAGS_INDEX",
    "Passage",
    "archive_pages",
    "home_article_list",
    "md_text",
    "tag_page_name",
]

#: The marker in ``docs/index.md`` replaced by the list of articles.
HOME_MARKER = "<!-- annotary:articles -->"
SOURCES_INDEX = "sources/index.md"
CLAIMS_PAGE = "claims.md"
TAGS_INDEX = "tags/index.md"
#: Page names the indexes take: a source or tag with this name gets no page of its own.
RESERVED_NAMES = frozenset({"index"})

#: Claim statuses as the claims page lists them: the verdicts, then "not checked (yet)".
STATUS_ORDER: tuple[str, ...] = (*(s for s in STATUSES if s != "unverified"), "unverified")

#: Passages longer than this (code points) are cut at a word boundary on listing pages.
PASSAGE_LIMIT = 300
#: Material for MkDocs leaves elements with this attribute (and headings' whole
#: sections) out of its search index.
SEARCH_EXCLUDE = "data-search-exclude"

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

# Characters that Markdown, its extensions or HTML could read as syntax.
_SPECIALS = "\\`*_{}[]()#+-.!|<>&~^=$:\"'"
_REFERENCES = str.maketrans({c: f"&#{ord(c)};" for c in _SPECIALS})


# --- Text and links -----------------------------------------------------------------------


def md_text(text: str) -> str:
    """``text`` as Markdown inline text that renders as exactly ``text``.

    Contributors write names, roles, tags and quotes; none of it may become
    markup. Each special character becomes a numeric character reference, which
    Markdown passes through as text in any context (headings, tables, link
    text), unlike backslash escapes, whose set depends on the extensions. White
    space runs become one space, so a value can never start a new block.
    """
    return " ".join(text.split()).translate(_REFERENCES)


def _up(page: str) -> str:
    """The relative prefix from ``page`` (a docs path) back to the docs root."""
    return "../" * page.count("/")


def _article_link(page: str, slug: str, anchor: str | None = None) -> str:
    target = f"{_up(page)}articles/{slug}.md"
    return f"{target}#{anchor}" if anchor else target


def _page_link(page: str, target: str) -> str:
    return f"{_up(page)}{target}"


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
    escaped = [md_text(n) for n in names]
    if len(escaped) <= 1:
        return "".join(escaped)
    return ", ".join(escaped[:-1]) + " and " + escaped[-1]


def tag_page_name(tag: str) -> str:
    """The page name of a tag: :func:`annotary.links.tag_slug`, made safe for any tag.

    A tag without a letter or digit still needs a page, and a tag named like the
    tags index must not replace it.
    """
    try:
        name = tag_slug(tag)
    except ValueError:
        name = "tag"
    return f"{name}-tag" if name in RESERVED_NAMES else name


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


@dataclass(frozen=True)
class _Index:
    """Articles newest first and each article's passages in reading order, computed once."""

    articles: tuple[Article, ...]
    passages: dict[str, tuple[Passage, ...]]

    def all_passages(self) -> Iterable[Passage]:
        """Every passage: articles newest first, reading order within each."""
        for article in self.articles:
            yield from self.passages[article.slug]


def _article_date(article: Article) -> datetime.date:
    return article.meta.published or article.meta.captured


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Published date, else captured date, newest first; same day: by title."""
    by_title = sorted(articles, key=lambda a: (a.meta.title.casefold(), a.slug))
    return sorted(by_title, key=_article_date, reverse=True)


def article_passages(checked: CheckedArchive, article: Article) -> tuple[Passage, ...]:
    """The article's annotations in reading order; those not placed come last, as written."""
    placed = checked.placed.get(article.slug)
    if placed is None:
        annotation_file = checked.archive.annotation_files.get(article.slug)
        annotations = annotation_file.annotations if annotation_file else ()
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


def _index(checked: CheckedArchive) -> _Index:
    articles = tuple(newest_first(checked.archive.articles.values()))
    return _Index(articles, {a.slug: article_passages(checked, a) for a in articles})


def _by_article(passages: Iterable[Passage]) -> list[tuple[Article, list[Passage]]]:
    """Consecutive passages grouped by article, keeping the order they come in."""
    groups: list[tuple[Article, list[Passage]]] = []
    for passage in passages:
        if groups and groups[-1][0].slug == passage.article.slug:
            groups[-1][1].append(passage)
        else:
            groups.append((passage.article, [passage]))
    return groups


# --- Shared pieces ------------------------------------------------------------------------


def _article_byline(article: Article) -> str:
    """Outlet, author(s) and date: what identifies an article besides its title."""
    meta = article.meta
    parts = [md_text(meta.outlet)]
    if meta.authors:
        parts.append(_join_names(meta.authors))
    if meta.published:
        parts.append(_date(meta.published))
    else:
        parts.append("captured " + _date(meta.captured))
    return " · ".join(parts)


def _badge(page: str, annotation: Annotation) -> str:
    """The annotation's type as a tag chip; a claim's links to its status on the claims page."""
    if annotation.type == "claim" and annotation.status:
        link = _page_link(page, f"{CLAIMS_PAGE}#{annotation.status}")
        return f"[Claim: {md_text(annotation.status)}]({link}){{ .md-tag }}"
    return f'<span class="md-tag">{_TYPE_LABELS.get(annotation.type, annotation.type)}</span>'


def _passage_link(page: str, passage: Passage) -> str:
    """The passage in quotation marks, linking to its highlight in the article."""
    link = _article_link(page, passage.article.slug, passage.anchor)
    text = f"[“{md_text(_shorten(passage.text))}”]({link})"
    return text if passage.placed else text + " *(not placed)*"


def _source_links(page: str, ids: Sequence[str], sources: dict[str, Source]) -> str:
    links = []
    for source_id in ids:
        source = sources.get(source_id)
        name = md_text(source.name) if source else md_text(source_id)
        if source_id in RESERVED_NAMES:
            links.append(name)
        else:
            links.append(f"[{name}]({_page_link(page, f'sources/{source_id}.md')})")
    return ", ".join(links)


def _passage_item(
    page: str, passage: Passage, sources: dict[str, Source], source_id: str | None = None
) -> str:
    """One list item: type chip, linked passage and, for claims, who they are attributed to.

    On the page of ``source_id`` the claim is known to be attributed to it: only
    the other sources are named.
    """
    line = f"- {_badge(page, passage.annotation)} {_passage_link(page, passage)}"
    attributed = [i for i in passage.annotation.attributed_to if i != source_id]
    if attributed:
        label = (
            "Also attributed to"
            if source_id in passage.annotation.attributed_to
            else "Attributed to"
        )
        line += f"  \n  {label} {_source_links(page, attributed, sources)}"
    return line


def _article_heading(page: str, article: Article, level: str = "##") -> str:
    """An article's title as a heading whose whole section search skips."""
    link = _article_link(page, article.slug)
    return (
        f"{level} [{md_text(article.meta.title)}]({link}) "
        f"{{ #article-{article.slug} {SEARCH_EXCLUDE} }}"
    )


def _passages_by_article(
    page: str,
    passages: Iterable[Passage],
    sources: dict[str, Source],
    level: str = "##",
    source_id: str | None = None,
) -> list[str]:
    """Passages under their article's heading, each article's byline first."""
    lines: list[str] = []
    for article, group in _by_article(passages):
        heading = _article_heading(page, article, level)
        lines += ["", heading, "", _article_byline(article), ""]
        lines += [_passage_item(page, p, sources, source_id) for p in group]
    return lines


def _excluded_block(lines: Sequence[str], css_class: str) -> list[str]:
    """Markdown lines in a ``<div>`` that search skips (nothing inside may be a ``<div>``)."""
    return [f'<div class="{css_class}" {SEARCH_EXCLUDE} markdown>', "", *lines, "", "</div>"]


def _page(lines: Iterable[str], title: str | None = None) -> str:
    """The page's Markdown; with ``title``, front matter that sets it safely.

    MkDocs treats a page title as HTML, and Material prints ``page.title``
    through ``striptags`` (which unescapes) into ``<title>``: a name such as
    ``</title><script>`` taken from the ``# heading`` would become markup. A
    ``title`` in front matter is printed as is, so it is given HTML-escaped.
    """
    body = "\n".join(lines).strip("\n") + "\n"
    if title is None:
        return body
    return f"---\ntitle: {json.dumps(escape(' '.join(title.split())))}\n---\n\n{body}"


# --- Home ---------------------------------------------------------------------------------


def article_counts(passages: Sequence[Passage]) -> str:
    """Claims (with their statuses), quotes, source mentions and those not placed."""
    types = Counter(p.annotation.type for p in passages)
    statuses = Counter(p.annotation.status for p in passages if p.annotation.type == "claim")
    claims = _plural(types["claim"], "claim")
    known = [s for s in STATUS_ORDER if statuses[s]]
    others = sorted(s for s in statuses if s and s not in STATUS_ORDER)
    if known or others:
        claims += " (" + ", ".join(f"{statuses[s]} {md_text(s)}" for s in known + others) + ")"
    parts = [
        claims,
        _plural(types["quote"], "quote"),
        _plural(types["source"], "source mention"),
    ]
    orphans = sum(1 for p in passages if not p.placed)
    if orphans:
        parts.append(f"{orphans} not placed")
    return " · ".join(parts)


def home_article_list(checked: CheckedArchive) -> str:
    """The list of articles, newest first, for the home page."""
    index = _index(checked)
    if not index.articles:
        return "No articles yet.\n"
    items: list[str] = []
    for article in index.articles:
        title = f"[{md_text(article.meta.title)}]({_article_link('index.md', article.slug)})"
        items += [
            f"- **{title}**  ",
            f"  {_article_byline(article)}  ",
            f"  {article_counts(index.passages[article.slug])}",
        ]
    return _page(_excluded_block(items, "annotary-articles"))


# --- Sources ------------------------------------------------------------------------------


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


def source_mentions(index: _Index) -> dict[str, list[Passage]]:
    """Every passage naming each source (as speaker, attribution or source), in page order."""
    mentions: dict[str, list[Passage]] = defaultdict(list)
    for passage in index.all_passages():
        for source_id in dict.fromkeys(passage.annotation.source_ids):
            mentions[source_id].append(passage)
    return mentions


def sources_index(checked: CheckedArchive, mentions: dict[str, list[Passage]]) -> str:
    page = SOURCES_INDEX
    lines = [
        "# Sources",
        "",
        "The people, bodies and documents that the archive's articles quote, cite or "
        "attribute claims to. Each source's page lists every passage that names it.",
    ]
    groups = _sources_by_kind(checked.archive.sources.values())
    if not groups:
        lines += ["", "No sources yet."]
    for kind, sources in groups:
        plural = _KIND_LABELS.get(kind, (kind, kind))[1]
        lines += ["", f"## {md_text(plural)} {{ #{kind} {SEARCH_EXCLUDE} }}", ""]
        lines += ["| Source | Role | Mentions |", "| --- | --- | ---: |"]
        for source in sources:
            name = md_text(source.name)
            if source.id not in RESERVED_NAMES:
                name = f"[{name}]({_page_link(page, f'sources/{source.id}.md')})"
            role = md_text(source.role) if source.role else "—"
            lines.append(f"| {name} | {role} | {len(mentions.get(source.id, []))} |")
    return _page(lines, "Sources")


def _mention_summary(passages: Sequence[Passage], source_id: str) -> str:
    """How the archive names the source, counting only the ways it does."""
    counts = [
        (sum(1 for p in passages if p.annotation.speaker == source_id), "quote", "quotes"),
        (
            sum(1 for p in passages if source_id in p.annotation.attributed_to),
            "claim attributed to it",
            "claims attributed to it",
        ),
        (
            sum(1 for p in passages if p.annotation.source == source_id),
            "passage naming it",
            "passages naming it",
        ),
    ]
    parts = [_plural(n, one, many) for n, one, many in counts if n]
    articles = len({p.article.slug for p in passages})
    return f"In {_plural(articles, 'article')}: " + ", ".join(parts) + "."


def source_page(source: Source, passages: Sequence[Passage], sources: dict[str, Source]) -> str:
    """A source: who or what it is (searchable), then every passage naming it (not)."""
    page = f"sources/{source.id}.md"
    kind = _KIND_LABELS.get(source.kind, (source.kind, source.kind))[0]
    details = f"**{md_text(kind)}**"
    if source.role:
        details += f" · {md_text(source.role)}"
    lines = [f"# {md_text(source.name)}", "", details]
    if source.url:
        url = escape(source.url, quote=True)
        lines += ["", f'<a href="{url}" rel="noopener">{md_text(source.url)}</a>']
    if not passages:
        lines += ["", "Not named in any article of the archive yet."]
    else:
        lines += ["", _mention_summary(passages, source.id)]
        lines += _passages_by_article(page, passages, sources, source_id=source.id)
    return _page(lines, source.name)


# --- Claims -------------------------------------------------------------------------------


def claims_page(index: _Index, sources: dict[str, Source]) -> str:
    """Every claim under its status; every status has its heading, so ``#false`` always works.

    Within a status, claims are grouped under their article's title (a line, not
    a heading: the table of contents stays one entry per status).
    """
    page = CLAIMS_PAGE
    claims: dict[str, list[Passage]] = defaultdict(list)
    for passage in index.all_passages():
        if passage.annotation.type == "claim" and passage.annotation.status:
            claims[passage.annotation.status].append(passage)
    statuses = [*STATUS_ORDER, *sorted(s for s in claims if s not in STATUS_ORDER)]
    summary = " ".join(
        f"[{md_text(s.capitalize())}: {len(claims[s])}](#{s}){{ .md-tag }}" for s in statuses
    )
    lines = [
        "# Claims",
        "",
        "Every claim annotated in the archive, grouped by its status: what is known "
        "about it once checked. *Unverified* means not checked, or not checkable yet. "
        "Each passage links to its highlight in the article.",
        "",
        summary,
    ]
    for status in statuses:
        lines += ["", f"## {md_text(status.capitalize())} {{ #{status} {SEARCH_EXCLUDE} }}"]
        if not claims[status]:
            lines += ["", "No claims."]
        for article, group in _by_article(claims[status]):
            link = _article_link(page, article.slug)
            lines += [
                "",
                f"**[{md_text(article.meta.title)}]({link})**  ",
                _article_byline(article),
            ]
            lines += ["", *(_claim_item(page, p, sources) for p in group)]
    return _page(lines, "Claims")


def _claim_item(page: str, passage: Passage, sources: dict[str, Source]) -> str:
    line = f"- {_passage_link(page, passage)}"
    if passage.annotation.attributed_to:
        names = _source_links(page, passage.annotation.attributed_to, sources)
        line += f"  \n  Attributed to {names}"
    return line


# --- Tags ---------------------------------------------------------------------------------


@dataclass
class _Tag:
    """A tag and what carries it; spellings with the same page name are one tag."""

    name: str
    articles: list[Article]
    passages: list[Passage]


def collect_tags(index: _Index) -> dict[str, _Tag]:
    """Tags by page name, from article front matter and annotations, in page order.

    Spellings that share a page name (``Kursk``, ``kursk``) are one tag; a
    carrier listed under two of them is listed once.
    """
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    articles: dict[str, list[Article]] = defaultdict(list)
    passages: dict[str, list[Passage]] = defaultdict(list)
    for article in index.articles:
        for name, used in _tags_by_page_name(article.meta.tags).items():
            spellings[name].update(used)
            articles[name].append(article)
    for passage in index.all_passages():
        for name, used in _tags_by_page_name(passage.annotation.tags).items():
            spellings[name].update(used)
            passages[name].append(passage)
    tags: dict[str, _Tag] = {}
    for name, counts in spellings.items():
        # The most used spelling names the tag; ties go to the first in sort order.
        spelling = min(counts, key=lambda t: (-counts[t], t))
        tags[name] = _Tag(spelling, articles[name], passages[name])
    return dict(sorted(tags.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))


def _tags_by_page_name(tags: Iterable[str]) -> dict[str, list[str]]:
    """One carrier's tags, by page name: the spellings it uses for each."""
    names: dict[str, list[str]] = defaultdict(list)
    for tag in dict.fromkeys(tags):
        names[tag_page_name(tag)].append(tag)
    return names


def tags_index(tags: dict[str, _Tag]) -> str:
    lines = [
        "# Tags",
        "",
        "Topics of the archive: tags given to whole articles and to single annotations.",
        "",
    ]
    if not tags:
        return _page([*lines, "No tags yet."], "Tags")
    rows = ["| Tag | Articles | Annotations |", "| --- | ---: | ---: |"]
    for name, tag in tags.items():
        rows.append(
            f"| [{md_text(tag.name)}]({name}.md) | {len(tag.articles)} | {len(tag.passages)} |"
        )
    return _page(lines + _excluded_block(rows, "annotary-tags"), "Tags")


def tag_page(name: str, tag: _Tag, sources: dict[str, Source]) -> str:
    """A tag: the articles tagged with it, then the annotations, under their articles."""
    page = f"tags/{name}.md"
    counts = [
        _plural(n, what)
        for n, what in ((len(tag.articles), "article"), (len(tag.passages), "annotation"))
        if n
    ]
    lines = [f"# Tag: {md_text(tag.name)}", "", f"Carried by {' and '.join(counts)}."]
    if tag.articles:
        lines += ["", f"## Articles {{ #articles {SEARCH_EXCLUDE} }}", ""]
        for article in tag.articles:
            link = _article_link(page, article.slug)
            lines.append(
                f"- [{md_text(article.meta.title)}]({link})  \n  {_article_byline(article)}"
            )
    if tag.passages:
        lines += ["", f"## Annotations {{ #annotations {SEARCH_EXCLUDE} }}"]
        lines += _passages_by_article(page, tag.passages, sources, level="###")
    return _page(lines, f"Tag: {tag.name}")


# --- All pages ----------------------------------------------------------------------------


def archive_pages(checked: CheckedArchive) -> dict[str, str]:
    """Generated pages, by path under ``docs/`` (e.g. ``"sources/bbc-news.md"``)."""
    index = _index(checked)
    sources = checked.archive.sources
    mentions = source_mentions(index)
    pages = {SOURCES_INDEX: sources_index(checked, mentions)}
    for source_id, source in sorted(sources.items()):
        if source_id not in RESERVED_NAMES:
            pages[f"sources/{source_id}.md"] = source_page(
                source, mentions.get(source_id, []), sources
            )
    pages[CLAIMS_PAGE] = claims_page(index, sources)
    tags = collect_tags(index)
    pages[TAGS_INDEX] = tags_index(tags)
    for name, tag in tags.items():
        pages[f"tags/{name}.md"] = tag_page(name, tag, sources)
    return pages
