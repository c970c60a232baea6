"""Wrap ranges of an article's visible text in ``<mark>`` elements.

Anchoring gives each annotation a range of the visible text
(:mod:`annotary.visible`); this module turns those ranges into markup while
leaving what a reader sees, and every byte outside the highlights, unchanged.

Highlights may nest and overlap freely, but elements may not, so the text is
cut at every range boundary and at every tag: each *piece* is one run of text
between two tags, covered by one set of annotations, and becomes one
``<mark data-annotations="id1 id2">``. An empty ``<span id="id">`` before an
annotation's first piece makes ``#id`` a deep link. The same approach as the
Hypothesis client and Apache Annotator, done once at build time instead of in
every reader's browser.

What a piece means (its type classes, whether it can take focus, a marker
after an annotation's end) is the renderer's business, not this module's: an
optional ``decorate`` callback is told about each :class:`Piece` and returns a
:class:`Decoration` (extra classes and attributes, HTML to put after it).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from .visible import BLOCK_ELEMENTS, TextRun, text_runs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .visible import VisibleText

__all__ = [
    "NO_INLINE_PARENTS",
    "Decoration",
    "Piece",
    "Span",
    "highlight_html",
    "pieces_for",
]

#: Elements that cannot hold inline content: white space directly inside them is
#: layout, and a ``<mark>`` there would be invalid markup (a stray box in a table).
NO_INLINE_PARENTS: frozenset[str] = frozenset(
    {
        "colgroup", "datalist", "dl", "head", "html", "ol", "optgroup", "select", "table",
        "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip

_ASCII_WS_ONLY = re.compile(r"[ \t\n\r\f]*")
_ASCII_WS = frozenset(" \t\n\r\f")
# Keys are listed space-separated and used as ids, so they cannot contain white space.
_HAS_WS = re.compile(r"\s")
# Names a decoration may add: lowercase letters, digits and hyphens, as data-* and aria-* are.
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9-]*")

# A stretch of the HTML and the keys of the spans covering it.
_Range = tuple[int, int, tuple[str, ...]]


@dataclass(frozen=True)
class Span:
    """A range of visible text to highlight for one annotation."""

    start: int
    """Offset of the first character in the visible text (code points)."""
    end: int
    """Offset just past the last character; ``start < end``."""
    key: str
    """The annotation id: the ``id`` of the deep-link target and a ``data-annotations`` entry."""


@dataclass(frozen=True)
class Piece:
    """One ``<mark>`` about to be written, as the ``decorate`` callback sees it."""

    keys: tuple[str, ...]
    """The keys covering the piece, in the order their spans were given."""
    first: tuple[str, ...] = ()
    """Keys whose first piece this is (their deep-link target is just before it)."""
    last: tuple[str, ...] = ()
    """Keys whose last piece this is."""
    start: int = 0
    """Offset of the piece's first character in the input HTML."""
    end: int = 0
    """Offset just past its last character in the input HTML."""


@dataclass(frozen=True)
class Decoration:
    """What a caller adds to one piece; the defaults add nothing."""

    classes: tuple[str, ...] = ()
    """Extra classes, after ``css_class``."""
    attributes: tuple[tuple[str, str], ...] = ()
    """Extra attributes (name, value); values are escaped here. Not ``class`` nor
    ``data-annotations``, which this module owns."""
    after: str = ""
    """Markup put right after the piece's ``</mark>``, as is: it must add no visible text."""


def highlight_html(
    html: str,
    visible: VisibleText,
    spans: Sequence[Span],
    *,
    css_class: str = "annotary",
    decorate: Callable[[Piece], Decoration] | None = None,
) -> str:
    """Return ``html`` with every span's text wrapped in ``<mark class="{css_class}">``.

    Args:
        html: The HTML that ``visible`` was extracted from.
        visible: ``extract_visible_text(html)``; its offsets say where each
            visible character sits, so no text is searched for again.
        spans: The ranges to highlight. Several spans may share a key (one
            annotation in several places): the key is listed once per piece and
            gets one deep-link target, before its first piece.
        css_class: Class of the ``<mark>`` elements; targets get ``{css_class}-target``.
        decorate: Called once per piece, in document order, with the keys
            covering it and those it starts or ends; what it returns is added
            to that piece. Without it the marks carry only the class and
            ``data-annotations``.

    Returns:
        The HTML with highlights. The visible text is unchanged and everything
        outside the highlights is byte-identical: no tag or entity is split.

    Raises:
        ValueError: A span is empty or out of range, or its key is empty or has
            white space (it could be neither an id nor one entry of a
            space-separated list). Callers only pass anchored spans of
            annotation ids, so this is a bug, not a user's mistake.
    """
    size = len(visible.text)
    for span in spans:
        if not 0 <= span.start < span.end <= size:
            raise ValueError(f"span {span.start}..{span.end} of {span.key!r} is not in 0..{size}")
        if not span.key or _HAS_WS.search(span.key):
            raise ValueError(f"span {span.start}..{span.end} has an empty key or one with spaces")
    if not spans:
        return html
    runs = visible.runs or text_runs(html)
    pieces = _pieces(html, runs, _html_ranges(visible, spans))
    return _render(html, pieces, css_class, decorate)


def _html_ranges(visible: VisibleText, spans: Sequence[Span]) -> list[_Range]:
    """Cut the spans at each other's boundaries; map each cut to an HTML range and its keys.

    A range runs from the first source character of its first visible character
    to the last of its last, so collapsed white space between covered
    characters goes with them; white space between ranges of different keys
    belongs to neither. Keys are listed in the order their spans were given.
    """
    points = sorted({span.start for span in spans} | {span.end for span in spans})
    index = {point: k for k, point in enumerate(points)}
    opening: list[list[int]] = [[] for _ in points]
    closing: list[list[int]] = [[] for _ in points]
    for number, span in enumerate(spans):
        opening[index[span.start]].append(number)
        closing[index[span.end]].append(number)
    starts, ends = visible.starts, visible.ends
    rank: dict[str, int] = {}
    for number, span in enumerate(spans):
        rank.setdefault(span.key, number)
    active: set[int] = set()
    ranges: list[_Range] = []
    reached = 0  # HTML offset covered so far: a multi-character entity is not split
    previous_end = -1  # visible offset where the last range ended
    for k in range(len(points) - 1):
        active.difference_update(closing[k])
        active.update(opening[k])
        if not active:
            continue
        keys = tuple(dict.fromkeys(spans[number].key for number in sorted(active)))
        first, last = points[k], points[k + 1] - 1
        start, end = max(starts[first], reached), max(ends[last], reached)
        if ranges and previous_end == first and end == reached and starts[first] < reached:
            # All of this range is in a character reference the last one ends in
            # (``&nges;`` is two code points; a reference goes whole to the first
            # piece): empty, its keys would get no mark at all. The reference carries them.
            before_start, before_end, before_keys = ranges.pop()
            shared = max(starts[first], before_start)
            if before_start < shared:
                ranges.append((before_start, shared, before_keys))
            both = tuple(sorted({*before_keys, *keys}, key=rank.__getitem__))
            ranges.append((shared, before_end, both))
            previous_end = points[k + 1]
            continue
        if ranges and previous_end == first and ranges[-1][2] == keys:
            start = ranges.pop()[0]
        ranges.append((start, end, keys))
        reached = end
        previous_end = points[k + 1]
    return ranges


def _pieces(html: str, runs: Sequence[TextRun], ranges: list[_Range]) -> list[_Range]:
    """Intersect the ranges with the text runs, dropping white space that is only layout."""
    run_starts = [run.start for run in runs]
    pieces: list[_Range] = []
    for start, end, keys in ranges:
        if start >= end:
            continue
        k = max(bisect_right(run_starts, start) - 1, 0)
        while k < len(runs) and runs[k].start < end:
            run = runs[k]
            k += 1
            piece_start, piece_end = max(start, run.start), min(end, run.end)
            if piece_start >= piece_end:
                continue
            if (
                html[piece_start] in _ASCII_WS
                and _ASCII_WS_ONLY.fullmatch(html, piece_start, piece_end)
            ) and (
                run.parent is None
                or run.parent in NO_INLINE_PARENTS
                or (piece_start == run.start and run.after_block)
                or (piece_end == run.end and run.before_block)
            ):
                continue
            pieces.append((piece_start, piece_end, keys))
    return pieces


def _render(
    html: str,
    pieces: list[_Range],
    css_class: str,
    decorate: Callable[[Piece], Decoration] | None = None,
) -> str:
    """Copy the HTML, opening and closing a mark around each piece: one pass, no re-parse."""
    out: list[str] = []
    open_tags: dict[tuple[str, ...], str] = {}
    targeted: set[str] = set()
    mark_class = escape(css_class, quote=True)
    target_class = escape(f"{css_class}-target", quote=True)
    last_piece: dict[str, int] = {}
    if decorate is not None:
        for number, (_, _, keys) in enumerate(pieces):
            for key in keys:
                last_piece[key] = number
    done = 0
    for number, (start, end, keys) in enumerate(pieces):
        out.append(html[done:start])
        first: list[str] = []
        for key in keys:
            if key not in targeted:
                targeted.add(key)
                first.append(key)
                out.append(f'<span class="{target_class}" id="{escape(key, quote=True)}"></span>')
        after = ""
        if decorate is None:
            tag = open_tags.get(keys)
            if tag is None:
                listed = escape(" ".join(keys), quote=True)
                tag = open_tags[keys] = f'<mark class="{mark_class}" data-annotations="{listed}">'
        else:
            last = tuple(key for key in keys if last_piece[key] == number)
            decoration = decorate(Piece(keys, tuple(first), last, start, end))
            tag = _decorated_tag(css_class, keys, decoration)
            after = decoration.after
        out.append(tag)
        out.append(html[start:end])
        out.append("</mark>")
        out.append(after)
        done = end
    out.append(html[done:])
    return "".join(out)


def _decorated_tag(css_class: str, keys: tuple[str, ...], decoration: Decoration) -> str:
    classes = " ".join(dict.fromkeys((css_class, *decoration.classes)))
    parts = [
        f'<mark class="{escape(classes, quote=True)}"',
        f' data-annotations="{escape(" ".join(keys), quote=True)}"',
    ]
    for name, value in decoration.attributes:
        if name in {"class", "data-annotations"} or not _ATTRIBUTE_NAME.fullmatch(name):
            raise ValueError(f"decoration attribute {name!r} is not allowed")
        parts.append(f' {name}="{escape(value, quote=True)}"')
    parts.append(">")
    return "".join(parts)


def pieces_for(
    html_out: str, *, css_class: str = "annotary", block_separator: str = ""
) -> dict[str, str]:
    """The highlighted text of each key in ``html_out``: its pieces' text, in order.

    A check for tests and debugging, independent of :func:`highlight_html`'s
    own bookkeeping: it reads the marks back with :mod:`html.parser`.

    Args:
        html_out: HTML produced by :func:`highlight_html`.
        css_class: The class the marks were given.
        block_separator: Put between two pieces of a key that lie in different
            blocks (a block-level tag or ``<br>`` between them), where the
            visible text has a space that no piece carries.
    """
    reader = _MarkReader(css_class, block_separator)
    reader.feed(html_out)
    reader.close()
    return {key: "".join(parts) for key, parts in reader.texts.items()}


class _MarkReader(HTMLParser):
    def __init__(self, css_class: str, block_separator: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.block_separator = block_separator
        self.texts: dict[str, list[str]] = {}
        self.last_block: dict[str, int] = {}
        self.block = 0  # counts block-level tags: pieces in different blocks differ
        self.keys: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "mark" and self.css_class in (values.get("class") or "").split():
            self.keys = (values.get("data-annotations") or "").split()
            for key in self.keys:
                parts = self.texts.setdefault(key, [])
                if parts and self.last_block[key] != self.block:
                    parts.append(self.block_separator)
                self.last_block[key] = self.block
        elif tag in BLOCK_ELEMENTS:
            self.block += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.keys = None
        elif tag in BLOCK_ELEMENTS:
            self.block += 1

    def handle_data(self, data: str) -> None:
        for key in self.keys or ():
            self.texts[key].append(data)
