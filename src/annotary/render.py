"""Article HTML with its annotations: highlights in the text and the list after it.

Generator-independent: takes the article's HTML as the site generator produced
it and the placed annotations, returns HTML. Nothing here knows MkDocs.
"""

from __future__ import annotations

from html import escape

from .highlight import Span, highlight_html
from .links import Links
from .model import Archive, Article
from .placement import PlacedArticle


def render_article(placed: PlacedArticle, article: Article, archive: Archive, links: Links) -> str:
    spans = [
        Span(p.span[0], p.span[1], p.annotation.id) for p in placed.placements if p.span is not None
    ]
    body = highlight_html(placed.html, placed.visible, spans)
    return body + render_annotation_list(placed, archive)


def render_annotation_list(placed: PlacedArticle, archive: Archive) -> str:
    placed_items = sorted(
        (p for p in placed.placements if p.span is not None),
        key=lambda p: (p.span or (0, 0), p.annotation.id),
    )
    orphans = [p for p in placed.placements if p.span is None]
    if not placed_items and not orphans:
        return ""
    parts = ['<section class="annotary-list" aria-labelledby="annotations">']
    parts.append('<h2 id="annotations">Annotations</h2><ol>')
    for p in placed_items:
        a = p.annotation
        parts.append(
            f'<li id="note-{escape(a.id)}" data-annotation="{escape(a.id)}">'
            f'<a href="#{escape(a.id)}">{escape(a.type)}</a> '
            f"<q>{escape(placed.visible.text[p.span[0] : p.span[1]])}</q>"  # type: ignore[index]
            "</li>"
        )
    parts.append("</ol>")
    if orphans:
        parts.append(
            '<h3 id="annotations-not-placed">Could not be placed in the current text</h3><ul>'
        )
        for p in orphans:
            a = p.annotation
            parts.append(
                f'<li id="note-{escape(a.id)}">{escape(a.type)}: <q>{escape(a.quote)}</q></li>'
            )
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)
