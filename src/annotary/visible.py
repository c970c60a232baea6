"""The text a reader sees in an article's HTML, and where each character sits in it.

Quotes are anchored against *visible text* (see "How a quote is placed in the
text" in the annotation format): the rendered article with markup removed and
white space collapsed. Highlighting then has to go back from a range of that
text to the exact bytes of the HTML, so every visible character keeps the
offsets of the source characters it came from.

A small regular-expression tokenizer is used rather than :mod:`html.parser`:
it hands out absolute offsets directly (``HTMLParser`` only reports line and
column), it never rewrites entity references, and it is several times faster,
which matters because every page of the site is scanned on every build. The
HTML it reads is Python-Markdown's output, which is regular; for odd input it
degrades like a browser would (a stray ``<`` or ``&`` is text).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from html import unescape
from html.entities import html5
from itertools import repeat
from typing import Any, NamedTuple

__all__ = [
    "BLOCK_ELEMENTS",
    "SKIPPED_ELEMENTS",
    "SKIP_CLASSES",
    "VOID_ELEMENTS",
    "TextRun",
    "VisibleText",
    "extract_visible_text",
    "text_runs",
]

#: Elements whose start and end separate words, as a line break would in the browser.
BLOCK_ELEMENTS: frozenset[str] = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip

#: Elements that never have an end tag, so they are never pushed on the open-element stack.
VOID_ELEMENTS: frozenset[str] = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "param", "source", "track", "wbr",
    }
)  # fmt: skip

#: Elements whose content a reader never sees as article text.
SKIPPED_ELEMENTS: frozenset[str] = frozenset({"script", "style", "template"})

#: Classes that hide an element's text from anchoring: the toc permalink (``¶``) is
#: page furniture, and ``annotary-skip`` lets the site exclude its own additions.
SKIP_CLASSES: frozenset[str] = frozenset({"headerlink", "annotary-skip"})

# Elements whose content is not markup: a ``<`` in a script is not a tag.
_RAW_TEXT_ELEMENTS = frozenset({"script", "style"})

# Block tags next to which white space is layout, not text (``<br>`` is inline layout).
_BLOCK_EDGE_ELEMENTS = BLOCK_ELEMENTS - {"br"}

# ASCII white space only: NBSP and the Unicode spaces are characters a reader sees.
_ASCII_WS = frozenset(" \t\n\r\f")
# A white space run that is not a single space, matched whole from its start: two or more
# characters, or one that is not a space. (Written to start with a character class, which
# lets the regular expression engine skip to the next white space character quickly.)
_COLLAPSED_WS = re.compile(r"[ \t\n\r\f](?:[ \t\n\r\f]+|(?<=[\t\n\r\f]))")

# Each alternative starts with a literal "<" or "&" outside its group, so that the regular
# expression engine skips ahead to those two characters instead of trying every position.
_MARKUP = re.compile(
    r"""
      <(?:
          (?P<comment>!--.*?(?:-->|\Z))
        | (?P<decl>[!?][^>]*(?:>|\Z))
        | (?P<end>/[a-zA-Z][^>]*(?:>|\Z))
        | (?P<start>[a-zA-Z](?:[^>"']|"[^"]*"|'[^']*')*>|[a-zA-Z][^>]*>)
      )
    | &(?P<entity>\#[0-9]+;?|\#[xX][0-9a-fA-F]+;?|[a-zA-Z][a-zA-Z0-9]*;?)
    """,
    re.DOTALL | re.VERBOSE,
)
_TAG_NAME = re.compile(r"</?([^\t\n\f\r />]+)")
_ATTRIBUTE = re.compile(
    r"""[\t\n\f\r\x20/]+ ([^\t\n\f\r\x20/=>]+)
        (?: [\t\n\f\r\x20]*=[\t\n\f\r\x20]* ("[^"]*"|'[^']*'|[^\t\n\f\r\x20>]*) )?""",
    re.VERBOSE,
)
_RAW_TEXT_END: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT_ELEMENTS
}


#: ``_new_tuple(TextRun, values)`` makes a run from a list at C speed (no ``__new__`` call).
_new_tuple = tuple.__new__


class TextRun(NamedTuple):
    """One stretch of character data between two tags, as the highlighter needs it.

    Highlights are ``<mark>`` elements, so they can only wrap text that sits
    between the same two tags; and where a run is white space in a place that
    cannot hold inline content, wrapping it would put a stray element in a list
    or a table. A run records enough of its surroundings to decide. (A named
    tuple, not a dataclass: a page has hundreds of runs and they are built on
    every scan.)
    """

    start: int
    """Offset of the run's first character in the HTML."""
    end: int
    """Offset just past its last character (entity references included whole)."""
    parent: str | None
    """Name of the innermost open element, ``None`` at the top level."""
    after_block: bool
    """Preceded directly by a block-level tag (not ``<br>``; comments are transparent)."""
    before_block: bool
    """Followed directly by a block-level tag (not ``<br>``; comments are transparent)."""


@dataclass(frozen=True)
class VisibleText:
    """The visible text of an HTML fragment, with each character's place in the source.

    ``html[starts[i]:ends[i]]`` is the source of ``text[i]``: one character, a
    whole entity reference, or, for a space that stands for a block boundary or
    ``<br>`` with no white space in the source, nothing (``starts[i] == ends[i]``,
    both at the tag that made the boundary). Where a boundary and source white
    space meet, the space maps to the first white-space character, so that it
    has something to highlight. Offsets never decrease; characters decoded from
    one reference (a few named ones give two code points) share its span.
    """

    text: str
    """White space runs collapsed to one space, leading and trailing ones stripped."""
    starts: tuple[int, ...]
    """For each character of ``text``, the offset in the HTML where it begins."""
    ends: tuple[int, ...]
    """For each character of ``text``, the offset in the HTML where it ends (exclusive)."""
    runs: tuple[TextRun, ...] = field(default=(), repr=False, compare=False)
    """The HTML's visible text runs, kept so that highlighting need not scan again."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (to or from a worker process) with the offsets as arrays of machine
        # integers: a tuple of ints pickles int by int, several times slower and larger.
        return (
            _unpickle_visible,
            (self.text, _pack(self.starts), _pack(self.ends), self.runs),
        )


def _pack(offsets: tuple[int, ...]) -> array[int]:
    typecode = "I" if not offsets or max(offsets) < 2**32 else "Q"
    return array(typecode, offsets)


def _unpickle_visible(
    text: str, starts: array[int], ends: array[int], runs: tuple[TextRun, ...]
) -> VisibleText:
    return VisibleText(text, tuple(starts), tuple(ends), runs)


def extract_visible_text(html: str) -> VisibleText:
    """The text a reader sees in ``html``, and where each of its characters comes from.

    Entity and character references are decoded; block-level boundaries and
    ``<br>`` separate words; runs of ASCII white space become one space (a
    non-breaking space is kept: it is a character, and matching treats it as a
    space later). Scripts, styles, templates and elements with a class in
    :data:`SKIP_CLASSES` are left out.
    """
    return _Scanner(html).scan()


def text_runs(html: str) -> tuple[TextRun, ...]:
    """The runs of visible character data in ``html``, in document order."""
    return _Scanner(html).scan().runs


def _decode_entity(ref: str) -> tuple[str, int]:
    """Decode a reference the way a browser does in text; return it and the length used.

    A named reference without its ``;`` may be a legacy one (``&ampx`` reads as
    ``&x``), so only the longest known prefix is consumed and the rest is text.
    An unknown name is no reference at all: nothing is consumed.
    """
    if ref[1] == "#":
        return unescape(ref), len(ref)
    name = ref[1:]
    if name.endswith(";") and name in html5:
        return html5[name], len(ref)
    name = name.rstrip(";")
    for k in range(len(name), 1, -1):
        decoded = html5.get(name[:k])
        if decoded is not None:
            return decoded, k + 1
    return "", 0


def _classes(tag: str) -> set[str]:
    """The class list of a start tag (empty when it has none)."""
    if "class" not in tag.lower():
        return set()
    name_end = _TAG_NAME.match(tag)
    pos = name_end.end() if name_end else 1
    for match in _ATTRIBUTE.finditer(tag, pos, len(tag) - 1):
        if match.group(1).lower() == "class":
            value = match.group(2) or ""
            if value[:1] in {'"', "'"}:
                value = value[1:-1]
            return set(unescape(value).split())
    return set()


class _Scanner:
    """One pass over the HTML that builds the visible text and the text runs together."""

    def __init__(self, html: str) -> None:
        self.html = html
        self.parts: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        # The space owed before the next visible character, as its source span.
        self.pending: tuple[int, int] | None = None
        # Runs as [start, end, parent, after_block, before_block], the last known one tag
        # later: made TextRun tuples at the end.
        self.runs: list[list[Any]] = []
        self.first_awaiting = 0
        self.run_start = -1
        self.run_end = -1
        self.run_parent: str | None = None
        self.after_block = False
        self.stack: list[str] = []

    def scan(self) -> VisibleText:
        """Walk the tokens once, tracking open elements to know what is skipped."""
        html = self.html
        n = len(html)
        stack = self.stack
        skip_below: int | None = None  # stack depth of the element whose content is skipped
        pos = 0
        while pos < n:
            match = _MARKUP.search(html, pos)
            token_start = match.start() if match else n
            if token_start > pos and skip_below is None:
                self._text(pos, token_start)
            if match is None:
                break
            pos = match.end()
            kind = match.lastgroup
            if kind == "entity":
                if skip_below is None:
                    pos = self._entity(match.start(), match.group())
                continue
            if kind in {"comment", "decl"}:
                self._end_run(None)
                continue
            token = match.group()
            name_match = _TAG_NAME.match(token)
            name = name_match.group(1).lower() if name_match else ""
            if kind == "end":
                if name in stack:
                    while stack.pop() != name:
                        pass
                if skip_below is not None and len(stack) <= skip_below:
                    skip_below = None
                if skip_below is None:
                    self._tag(name, match.start())
                continue
            # A start tag.
            if skip_below is None:
                self._tag(name, match.start())
                if name in SKIPPED_ELEMENTS or not SKIP_CLASSES.isdisjoint(_classes(token)):
                    skip_below = len(stack)
            # "/>" closes foreign elements (SVG) but never a script: HTML ignores it there.
            closed = token.endswith("/>") and name not in _RAW_TEXT_ELEMENTS
            if name not in VOID_ELEMENTS and not closed:
                stack.append(name)
                if name in _RAW_TEXT_ELEMENTS:  # always skipped: jump to its end tag
                    end = _RAW_TEXT_END[name].search(html, pos)
                    pos = end.start() if end else n
            if skip_below is not None and skip_below >= len(stack):
                skip_below = None  # a skipped element that closed itself
        self._end_run(None)
        return VisibleText(
            "".join(self.parts),
            tuple(self.starts),
            tuple(self.ends),
            tuple(map(_new_tuple, repeat(TextRun), self.runs)),
        )

    # Visible characters -------------------------------------------------------

    def _flush_space(self) -> None:
        if self.pending is not None:
            if self.starts:  # leading white space is dropped
                self.parts.append(" ")
                self.starts.append(self.pending[0])
                self.ends.append(self.pending[1])
            self.pending = None

    def _space(self, start: int, end: int) -> None:
        """White space from the source: the first one of a run stands for the run.

        A real white-space character is preferred to a block boundary already
        pending, so that the space has a source to highlight where one exists.
        """
        if self.pending is None or self.pending[0] == self.pending[1]:
            self.pending = (start, end)

    def _boundary(self, offset: int) -> None:
        if self.pending is None:
            self.pending = (offset, offset)

    # Tokens -------------------------------------------------------------------

    def _text(self, start: int, end: int) -> None:
        """Character data ``html[start:end]``: its words as they are, white space collapsed.

        The hot loop of the scanner. A single space between words is its own
        visible text, so only the other white space runs (line breaks, tabs,
        several spaces) are looked for; the stretches between them are copied
        whole, not word by word. (What :meth:`_space`, :meth:`_flush_space` and
        :meth:`_extend_run` do is written out here: this runs for every line.)
        """
        if self.run_start < 0:
            self.run_start = start
            self.run_parent = self.stack[-1] if self.stack else None
        self.run_end = end
        html = self.html
        parts, starts, ends = self.parts, self.starts, self.ends
        pending = self.pending
        # Each white space run to collapse, then a stop at the end that stands for none.
        stops = [match.span() for match in _COLLAPSED_WS.finditer(html, start, end)]
        stops.append((end, end))
        pos = start
        for space, after in stops:
            if space > pos:
                # Text whose only white space is single spaces: as it is, bar a space
                # at either end, which is owed to the next visible character instead.
                last = space
                if html[pos] == " ":
                    if pending is None or pending[0] == pending[1]:
                        pending = (pos, pos + 1)
                    pos += 1
                trailing = pos < last and html[last - 1] == " "
                if trailing:
                    last -= 1
                if pos < last:
                    if pending is not None:
                        if starts:  # leading white space is dropped
                            parts.append(" ")
                            starts.append(pending[0])
                            ends.append(pending[1])
                        pending = None
                    size = last - pos
                    parts.append(html[pos:last])
                    starts.extend(range(pos, last))
                    # Each character ends where the next begins: share those int objects
                    # instead of making new ones (an int is 28 bytes; an archive has millions).
                    ends.extend(starts[len(starts) - size + 1 :])
                    ends.append(last)
                if trailing and (pending is None or pending[0] == pending[1]):
                    pending = (last, last + 1)
            if space < after and (pending is None or pending[0] == pending[1]):
                pending = (space, space + 1)
            pos = after
        self.pending = pending

    def _entity(self, start: int, ref: str) -> int:
        """Handle a reference at ``start``; return where scanning resumes."""
        decoded, used = _decode_entity(ref)
        if used == 0:
            self._text(start, start + len(ref))
            return start + len(ref)
        end = start + used
        self._extend_run(start, end)
        for char in decoded:
            if char in _ASCII_WS:
                self._space(start, end)
            else:
                self._flush_space()
                self.parts.append(char)
                self.starts.append(start)
                self.ends.append(end)
        return end

    def _tag(self, name: str, offset: int) -> None:
        """A visible tag ends the current text run; a block-level one separates words."""
        self._end_run(name in _BLOCK_EDGE_ELEMENTS)
        if name in BLOCK_ELEMENTS:
            self._boundary(offset)
        self.after_block = name in _BLOCK_EDGE_ELEMENTS

    # Text runs ----------------------------------------------------------------

    def _extend_run(self, start: int, end: int) -> None:
        if self.run_start < 0:
            self.run_start = start
            self.run_parent = self.stack[-1] if self.stack else None
        self.run_end = end

    def _end_run(self, before_block: bool | None) -> None:
        """Close the current run at a tag (``before_block`` known) or a comment (not yet)."""
        if self.run_start >= 0:
            self.runs.append(
                [self.run_start, self.run_end, self.run_parent, self.after_block, False]
            )
            self.run_start = -1
        if before_block is not None:
            runs = self.runs
            for index in range(self.first_awaiting, len(runs)):
                runs[index][4] = before_block
            self.first_awaiting = len(self.runs)
