"""An article page's content: header, highlighted text, and the list of annotations.

Generator-independent: takes the article's HTML as the site generator produced
it (already placed, see :mod:`annotary.placement`) and returns the page's
content HTML. Nothing here knows MkDocs; links come from :class:`~annotary.links.Links`.

The page works without JavaScript: every annotation is written out once, in
the list after the text, and each highlight's first piece points at its entry.
``annotary.js`` builds the notes popover by *cloning* those list entries, so a
note is in the HTML (and in the search index) only once.

The HTML/JS contract (relied on by ``annotary.css``, ``annotary.js`` and the
browser tests; keep it stable):

- ``header.annotary-header``: ``<h1>``, byline, dates, counts, and the legend of
  ``button.annotary-toggle[data-annotary-type][aria-pressed]`` (rendered
  ``disabled``; the script enables them);
- ``div.annotary-text``: the article, each highlight piece a
  ``mark.annotary[data-annotations="id …"]`` with classes ``annotary--<type>``
  and ``annotary--status-<status>``; an annotation's first piece has class
  ``annotary-head``, ``aria-describedby`` naming the ``note-label-<id>`` of
  every annotation on it and, unless it sits in a link (the link stays the
  control), ``tabindex="0"``, ``role="button"``, ``aria-haspopup="dialog"``; an empty
  ``span.annotary-target#<id>`` before it is the deep link, an empty
  ``span.annotary-end[data-n]`` after its last piece carries its number;
- ``section.annotary-list``: ``h2#annotations``, then ``ol > li#note-<id>.annotary-note``
  in reading order (``data-annotation``, ``data-type``, ``data-status``,
  ``data-n``), then ``section.annotary-orphans`` for what could not be placed.
"""

from __future__ import annotations

import datetime
import re
from bisect import bisect_right
from collections import Counter
from html import escape
from typing import TYPE_CHECKING

from .highlight import Decoration, Piece, Span, highlight_html
from .links import web_url
from .model import ANNOTATION_TYPES, STATUSES
from .notes import render_note

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .links import Links
    from .model import Annotation, Archive, Article, Evidence
    from .placement import PlacedArticle, Placement

__all__ = [
    "TYPE_LABELS",
    "anchor_ids",
    "reading_order",
    "render_annotation_list",
    "render_article",
    "render_header",
]

#: Singular and plural display names of each annotation type.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "claim": ("Claim", "Claims"),
    "quote": ("Quote", "Quotes"),
    "source": ("Source", "Sources"),
}
_STANCE_LABELS = {"supports": "supports", "contradicts": "contradicts", "context": "context"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
#: The status whose colour stands for "a claim" in the legend: the neutral one.
_LEGEND_STATUS = "unverified"


def _e(text: str) -> str:
    """Escape text for element content and double-quoted attribute values alike."""
    return escape(text, quote=True)


def _date(value: datetime.date) -> str:
    """``<time>`` with an ISO ``datetime`` and an English date (no locale dependence)."""
    text = f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f'<time datetime="{value.isoformat()}">{text}</time>'


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: for author lists."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def reading_order(placed: PlacedArticle) -> list[Placement]:
    """The placed annotations as a reader meets them: by start, the longer first on a tie.

    The position in this list (from 1) is the annotation's number, in the list
    after the text, in the popover and in print.
    """
    indexed = [(k, p) for k, p in enumerate(placed.placements) if p.span is not None]
    indexed.sort(key=lambda kp: (kp[1].span[0], -kp[1].span[1], kp[0]))  # type: ignore[index]
    return [p for _, p in indexed]


def anchor_ids(placed: PlacedArticle) -> set[str]:
    """Every ``id`` :func:`render_article` adds to the page, for link checkers.

    A site generator that validates ``page#fragment`` links (MkDocs 1.6 does,
    from the Markdown alone) can add these to the page's known anchors: other
    pages link to ``article/#<annotation id>``.
    """
    ids = {"annotations"}
    for p in placed.placements:
        ids.add(f"note-{p.annotation.id}")
        ids.add(f"note-label-{p.annotation.id}")
        if p.span is not None:
            ids.add(p.annotation.id)
        else:
            ids.add("annotations-not-placed")
    return ids


def render_article(placed: PlacedArticle, article: Article, archive: Archive, links: Links) -> str:
    """The content of an article page: header, highlighted text, annotation list.

    Args:
        placed: The page's HTML as the site generator rendered it, with every
            annotation placed in it (``place_annotations(html, annotations)``).
        article: The article, for the header (title, byline, dates, tags).
        archive: For source names.
        links: Relative URLs from this page to the archive's other pages.
    """
    ordered = reading_order(placed)
    numbers = {p.annotation.id: n for n, p in enumerate(ordered, start=1)}
    spans = [Span(p.span[0], p.span[1], p.annotation.id) for p in ordered if p.span is not None]
    annotations = {p.annotation.id: p.annotation for p in placed.placements}
    decorator = _PieceDecorator(annotations, numbers, _link_ranges(placed.html))
    body = highlight_html(placed.html, placed.visible, spans, decorate=decorator)
    return (
        render_header(article, placed, links)
        + f'<div class="annotary-text">{body}</div>'
        + render_annotation_list(placed, archive, links)
    )


# Highlights ------------------------------------------------------------------


#: What a piece's decoration depends on: its keys, those it starts and ends, in a link.
_PieceShape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]
_LINK = re.compile(r"<a\b[^>]*>.*?</a\s*>", re.IGNORECASE | re.DOTALL)


def _link_ranges(html: str) -> list[tuple[int, int]]:
    """Where the article's links are (Python-Markdown's ``<a>`` never nest)."""
    return [match.span() for match in _LINK.finditer(html)]


class _PieceDecorator:
    """Classes and accessibility attributes for each highlight piece (see the module doc).

    Results are cached by piece shape: most pieces of a page repeat a few
    (keys, first, last) combinations.
    """

    def __init__(
        self,
        annotations: dict[str, Annotation],
        numbers: dict[str, int],
        links: list[tuple[int, int]],
    ) -> None:
        self.annotations = annotations
        self.numbers = numbers
        self.link_starts = [start for start, _ in links]
        self.links = links
        self.cache: dict[_PieceShape, Decoration] = {}

    def __call__(self, piece: Piece) -> Decoration:
        key = (piece.keys, piece.first, piece.last, self._in_link(piece.start))
        decoration = self.cache.get(key)
        if decoration is None:
            decoration = self.cache[key] = self._decorate(piece, in_link=key[3])
        return decoration

    def _in_link(self, offset: int) -> bool:
        k = bisect_right(self.link_starts, offset) - 1
        return k >= 0 and offset < self.links[k][1]

    def _decorate(self, piece: Piece, *, in_link: bool) -> Decoration:
        found = [self.annotations[k] for k in piece.keys if k in self.annotations]
        types = {a.type for a in found}
        statuses = {a.status for a in found if a.type == "claim" and a.status}
        classes = [f"annotary--{t}" for t in ANNOTATION_TYPES if t in types]
        classes += [f"annotary--status-{s}" for s in STATUSES if s in statuses]
        attributes: list[tuple[str, str]] = []
        if piece.first:
            # The head of an annotation: one tab stop per annotation, not per piece.
            # Inside a link the link stays the control (no button in a link).
            by_number = sorted(piece.keys, key=lambda k: self.numbers.get(k, 0))
            if not in_link:
                attributes += [("tabindex", "0"), ("role", "button"), ("aria-haspopup", "dialog")]
            attributes.append(("aria-describedby", " ".join(f"note-label-{k}" for k in by_number)))
            classes.append("annotary-head")
        after = "".join(
            f'<span class="annotary-end" data-annotation="{_e(k)}" data-n="{self.numbers[k]}"'
            ' aria-hidden="true"></span>'
            for k in sorted(piece.last, key=lambda k: self.numbers.get(k, 0))
            if k in self.numbers
        )
        return Decoration(tuple(classes), tuple(attributes), after)


# Header ----------------------------------------------------------------------


def render_header(article: Article, placed: PlacedArticle, links: Links) -> str:
    """``<header class="annotary-header">``: title, byline, dates, counts, legend.

    The ``<h1>`` is ours, so the theme does not add one. Counts cover every
    annotation of the article, placed or not.
    """
    meta = article.meta
    parts = ['<header class="annotary-header">', f"<h1>{_e(meta.title)}</h1>"]

    byline = [f'<span class="annotary-outlet">{_e(meta.outlet)}</span>']
    if meta.authors:
        authors = [f'<span class="annotary-author">{_e(a)}</span>' for a in meta.authors]
        by = "By " + _join(authors)
        if meta.author_role:
            by += f', <span class="annotary-author-role">{_e(meta.author_role)}</span>'
        byline.append(by)
    parts.append(f'<p class="annotary-byline">{" · ".join(byline)}</p>')

    dates = []
    if meta.published:
        dates.append(f'<span class="annotary-published">Published {_date(meta.published)}</span>')
    dates.append(f'<span class="annotary-captured">Captured {_date(meta.captured)}</span>')
    original = web_url(meta.url)
    if original:
        dates.append(
            f'<a class="annotary-original" href="{_e(original)}" rel="noopener">'
            "Original article</a>"
        )
    parts.append(f'<p class="annotary-dates">{" · ".join(dates)}</p>')

    if meta.tags:
        parts.append(_tag_list(meta.tags, links, "annotary-tags annotary-article-tags"))

    parts.append(_counts(placed, links))
    parts.append("</header>")
    return "".join(parts)


def _counts(placed: PlacedArticle, links: Links) -> str:
    """Counts per type (the legend and filter toggles) and per claim status."""
    annotations = [p.annotation for p in placed.placements]
    if not annotations:
        return '<p class="annotary-counts">No annotations yet.</p>'
    by_type = Counter(a.type for a in annotations)
    by_status = Counter(a.status for a in annotations if a.type == "claim" and a.status)
    orphans = sum(1 for p in placed.placements if p.span is None)

    summary = f'<span class="annotary-count-total">{_plural(len(annotations), "annotation")}</span>'
    if orphans:
        summary += (
            f' (<a href="#annotations-not-placed">{orphans} could not be placed</a>'
            " in the current text)"
        )
    parts = [f'<p class="annotary-counts">{summary}</p>']

    # The legend: each type's highlight style, its count, and (with the script) a toggle.
    parts.append('<div class="annotary-legend" role="group" aria-label="Highlights shown">')
    for kind in ANNOTATION_TYPES:
        plural = TYPE_LABELS[kind][1]
        sample_classes = f"annotary-sample annotary--{kind}"
        if kind == "claim":
            sample_classes += f" annotary--status-{_LEGEND_STATUS}"
        parts.append(
            f'<button type="button" class="annotary-toggle" data-annotary-type="{kind}"'
            f' aria-pressed="true" disabled title="Show or hide {plural.lower()}">'
            f'<span class="{sample_classes}">{plural}</span> '
            f'<span class="annotary-count" data-count-type="{kind}">{by_type.get(kind, 0)}</span>'
            "</button>"
        )
    parts.append("</div>")

    if by_status:
        # Claims by status: also the legend of the status colours, each linked to
        # the claims page at that status.
        parts.append('<ul class="annotary-status-counts" aria-label="Claims by status">')
        for status in STATUSES:
            count = by_status.get(status, 0)
            if not count:
                continue
            parts.append(
                f'<li><a class="annotary-status-count" href="{_e(links.claims(status))}">'
                f'<span class="annotary-sample annotary--claim annotary--status-{status}">'
                f"{status}</span> "
                f'<span class="annotary-count" data-count-status="{status}">{count}</span>'
                "</a></li>"
            )
        parts.append("</ul>")
    return "".join(parts)


def _tag_list(tags: Iterable[str], links: Links, css_class: str = "annotary-tags") -> str:
    items = "".join(
        f'<li><a class="annotary-tag" href="{_e(links.tag(t))}" rel="tag">{_e(t)}</a></li>'
        for t in tags
    )
    return f'<ul class="{css_class}" aria-label="Tags">{items}</ul>'


# The list of annotations -----------------------------------------------------


def render_annotation_list(placed: PlacedArticle, archive: Archive, links: Links) -> str:
    """``<section class="annotary-list">``: every annotation once, in reading order.

    This is the page's one copy of each note: the popover clones it. Orphans
    (not placed, ambiguous) come last, apart, unnumbered and never highlighted.
    """
    ordered = reading_order(placed)
    orphans = [p for p in placed.placements if p.span is None]
    if not ordered and not orphans:
        return ""
    text = placed.visible.text
    parts = ['<section class="annotary-list" aria-labelledby="annotations">']
    parts.append('<h2 id="annotations">Annotations</h2>')
    if ordered:
        parts.append('<ol class="annotary-notes">')
        for number, p in enumerate(ordered, start=1):
            start, end = p.span or (0, 0)
            parts.append(_note_item(p.annotation, archive, links, number, text[start:end], p))
        parts.append("</ol>")
    if orphans:
        parts.append(
            '<section class="annotary-orphans" aria-labelledby="annotations-not-placed">'
            '<h3 id="annotations-not-placed">Could not be placed in the current text</h3>'
            '<ul class="annotary-notes">'
        )
        for p in orphans:
            parts.append(_note_item(p.annotation, archive, links, None, None, p))
        parts.append("</ul></section>")
    parts.append("</section>")
    return "".join(parts)


def _note_item(
    a: Annotation,
    archive: Archive,
    links: Links,
    number: int | None,
    excerpt: str | None,
    placement: Placement,
) -> str:
    """One ``<li class="annotary-note">``: label, excerpt, note, sources, evidence, tags."""
    attrs = [
        f'id="note-{_e(a.id)}"',
        f'class="annotary-note annotary-note--{a.type}"',
        f'data-annotation="{_e(a.id)}"',
        f'data-type="{a.type}"',
        f'data-state="{placement.state}"',
    ]
    if a.status:
        attrs.append(f'data-status="{_e(a.status)}"')
    if number is not None:
        attrs.append(f'data-n="{number}" value="{number}"')
    parts = [f"<li {' '.join(attrs)}>", '<div class="annotary-note-head">']
    status_class = f" annotary--status-{_e(a.status)}" if a.status else ""
    label = [
        f'<span class="annotary-badge annotary--{a.type}{status_class}">'
        f"{TYPE_LABELS[a.type][0]}</span>"
    ]
    if a.status:
        label.append(
            '<span class="annotary-sr">, </span>'
            f'<span class="annotary-badge annotary-badge--status annotary--status-{_e(a.status)}">'
            f"{_e(a.status)}</span>"
        )
    parts.append(f'<span class="annotary-note-label" id="note-label-{_e(a.id)}">{"".join(label)}')
    parts.append("</span>")
    if number is not None:
        parts.append(f'<a class="annotary-note-back" href="#{_e(a.id)}">↑ to the text</a>')
    parts.append("</div>")

    if excerpt is not None:
        # The article's own words, repeated: kept out of the search index.
        parts.append(f'<p class="annotary-note-quote" data-search-exclude><q>{_e(excerpt)}</q></p>')
        if placement.state == "drifted":
            parts.append(
                '<p class="annotary-note-drift">The article text has changed since this was '
                f"annotated; the annotation quoted: <q>{_e(a.quote)}</q></p>"
            )
    else:
        parts.append(f'<p class="annotary-note-quote"><q>{_e(a.quote)}</q></p>')
        parts.append(f'<p class="annotary-note-drift">{_e(_orphan_reason(placement))}</p>')

    note = render_note(a.note) if a.note else ""
    if note:
        parts.append(f'<div class="annotary-note-body">{note}</div>')

    meta = []
    if a.speaker:
        meta.append(("Speaker", _source_links([a.speaker], archive, links)))
    if a.source:
        meta.append(("Source", _source_links([a.source], archive, links)))
    if a.attributed_to:
        meta.append(("Attributed to", _source_links(a.attributed_to, archive, links)))
    if a.evidence:
        meta.append(("Evidence", _evidence(a.evidence)))
    if a.tags:
        meta.append(("Tags", _tag_list(a.tags, links)))
    if meta:
        parts.append('<dl class="annotary-note-meta">')
        parts.extend(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in meta)
        parts.append("</dl>")
    parts.append("</li>")
    return "".join(parts)


def _orphan_reason(placement: Placement) -> str:
    result = placement.result
    if result.state == "ambiguous":
        count = len(result.occurrences)
        return f"The quote occurs {count} times in the text; the annotation does not say which."
    return "The quote is no longer in the article as captured."


def _source_links(ids: Iterable[str], archive: Archive, links: Links) -> str:
    """Each source's name, linked to its page, with its role when it has one."""
    items = []
    for source_id in ids:
        source = archive.sources.get(source_id)
        name = source.name if source else source_id
        item = f'<a class="annotary-source" href="{_e(links.source(source_id))}">{_e(name)}</a>'
        if source and source.role:
            item += f' <span class="annotary-source-role">({_e(source.role)})</span>'
        items.append(item)
    return "; ".join(items)


def _evidence(evidence: Iterable[Evidence]) -> str:
    items = []
    for item in evidence:
        label = _e(item.title or item.url)
        url = web_url(item.url)
        text = (
            f'<a class="annotary-evidence-link" href="{_e(url)}" rel="noopener nofollow">'
            f"{label}</a>"
            if url
            else label
        )
        if item.stance:
            stance = _STANCE_LABELS.get(item.stance, item.stance)
            text += (
                f' <span class="annotary-stance annotary-stance--{_e(item.stance)}">'
                f"{_e(stance)}</span>"
            )
        items.append(f"<li>{text}</li>")
    return f'<ul class="annotary-evidence">{"".join(items)}</ul>'
