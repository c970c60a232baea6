"""Placing an article's annotations in its rendered text.

Joins the two pure halves: the HTML's visible text (:mod:`annotary.visible`)
and quote matching on plain text (:mod:`annotary.anchoring`). The result keeps,
for each annotation, where it landed and how sure we are, and turns doubts into
diagnostics that point at the annotation's ``quote:`` line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .anchoring import (
    MIN_SIMILARITY,
    AnchorResult,
    Occurrence,
    anchor_quote,
    normalize_quote,
    shortest_unique_context,
)
from .diagnostics import Diagnostic, error, warning
from .model import Annotation
from .visible import VisibleText, extract_visible_text

#: Code points of context shown either side of a passage (the export format's limit too).
CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Placement:
    """Where one annotation landed in the visible text, or why it did not."""

    annotation: Annotation
    result: AnchorResult
    #: Whether the annotation is placed, and where: set once, as an article's page asks
    #: each placement for its span about 20 times (sorting into reading order, three
    #: times a page, asks twice an item).
    placed: bool = field(init=False, repr=False, compare=False)
    span: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        result = self.result
        placed = result.state in ("exact", "drifted")
        object.__setattr__(self, "placed", placed)
        span = None
        if placed and result.start is not None and result.end is not None:
            span = (result.start, result.end)
        object.__setattr__(self, "span", span)

    @property
    def state(self) -> str:
        """``exact``, ``drifted`` or ``orphan`` (an ambiguous quote is not placed)."""
        return self.result.state if self.placed else "orphan"


@dataclass(frozen=True)
class PlacedArticle:
    html: str
    visible: VisibleText
    placements: tuple[Placement, ...]


#: Places one annotation in a visible text: :func:`anchor_annotation`, or a memo of it.
Anchor = Callable[[str, Annotation], AnchorResult]


def anchor_annotation(text: str, annotation: Annotation) -> AnchorResult:
    """:func:`~annotary.anchoring.anchor_quote` with the annotation's quote and context."""
    return anchor_quote(text, annotation.quote, annotation.prefix, annotation.suffix)


def place_annotations(
    html: str, annotations: Sequence[Annotation], anchor: Anchor = anchor_annotation
) -> PlacedArticle:
    """Place each annotation in the visible text of ``html``.

    ``anchor`` may be a memo of :func:`anchor_annotation` (see
    :mod:`annotary.pipeline`): the result depends only on the text and the
    annotation's quote, prefix and suffix.
    """
    visible = extract_visible_text(html)
    placements = tuple(Placement(a, anchor(visible.text, a)) for a in annotations)
    return PlacedArticle(html, visible, placements)


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """Up to ``width`` code points before ``start`` and after ``end``."""
    return text[max(0, start - width) : start], text[end : end + width]


def show_passage(text: str, start: int, end: int, width: int = 24, limit: int = 160) -> str:
    """A passage with a little context, for messages: ``…before «passage» after…``."""
    before, after = context(text, start, end, width)
    passage = text[start:end]
    if len(passage) > limit:
        passage = passage[: limit // 2 - 1] + " … " + passage[-(limit // 2 - 1) :]
    lead = "…" if start - len(before) > 0 else ""
    tail = "…" if end + len(after) < len(text) else ""
    return f"{lead}{before}«{passage}»{after}{tail}"


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def placement_problems(article_path: str, placed: PlacedArticle) -> list[Diagnostic]:
    """Warnings for drifted annotations, errors for orphans and ambiguous quotes."""
    text = placed.visible.text
    problems: list[Diagnostic] = []
    for placement in placed.placements:
        annotation, result = placement.annotation, placement.result
        loc = annotation.quote_loc
        if result.state == "drifted" and result.start is not None and result.end is not None:
            problems.append(_drift_warning(annotation, text, result, article_path))
        elif result.state == "ambiguous":
            lines = []
            for number, occ in enumerate(result.occurrences, start=1):
                where = show_passage(text, occ.start, occ.end)
                lines.append(f"{number}. {where}\n   to choose this one, set  {_context_fix(occ)}")
            has_context = annotation.prefix is not None or annotation.suffix is not None
            problems.append(
                error(
                    loc,
                    "quote-ambiguous",
                    f"annotation '{annotation.id}': the quote occurs {len(result.occurrences)} "
                    f"times in {article_path}"
                    + (" and its prefix/suffix do not choose one" if has_context else ""),
                    "\n".join(lines),
                )
            )
        elif result.state == "orphan":
            hint = _orphan_hint(annotation, text, result, article_path)
            problems.append(
                error(
                    loc,
                    "quote-not-found",
                    f"annotation '{annotation.id}': the quote cannot be placed in {article_path}"
                    + (f": {result.reason}" if result.reason else ""),
                    hint,
                )
            )
    return problems


#: Quotation marks a contributor may type around a quote that the article has not there.
QUOTATION_MARKS = "\"'“”‘’«»„‚‹›"
#: Below this similarity, the closest passage is shown as what it is: nothing alike.
UNRELATED_SIMILARITY = 0.5


def _copy_mistake(text: str, annotation: Annotation) -> tuple[str, str | None] | None:
    """A mistake of copying that explains why a quote is not in the text, and the fix.

    Returns the advice and the quote to write instead (None when no single quote
    fixes it): quotation marks typed around the passage, Markdown emphasis
    copied from the article's file, or several passages joined with an ellipsis.
    """
    quote = annotation.quote.strip()
    unquoted = quote.strip(QUOTATION_MARKS).strip()
    unmarked = re.sub(r"\*+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])", "", quote)
    candidates = [
        (unquoted, "leave the quotation marks out: the article has none around this passage"),
        (unmarked, "leave the Markdown marks ('*', '_') out: quote the text as the page shows it"),
        (
            unmarked.strip(QUOTATION_MARKS).strip(),
            "leave the quotation marks and the Markdown marks ('*', '_') out",
        ),
    ]
    for variant, advice in candidates:
        if variant and variant != quote:
            found = anchor_quote(text, variant, annotation.prefix, annotation.suffix)
            if found.state == "exact":
                return advice, variant
    parts = [part for part in re.split(r"\s*(?:\.\.\.|…)\s*", quote) if part]
    if len(parts) > 1 and all(
        anchor_quote(text, part).state in ("exact", "ambiguous") for part in parts
    ):
        return (
            "a quote is one passage, copied without gaps: the '...' joins parts that are not "
            "side by side in the article. Quote one part, or give each part an annotation "
            "of its own",
            None,
        )
    return None


def _orphan_hint(annotation: Annotation, text: str, result: AnchorResult, article_path: str) -> str:
    """What to do about a quote that cannot be placed: the likely mistake first."""
    retry = "copy the passage again from the article, exactly as it reads there"
    mistake = _copy_mistake(text, annotation)
    if mistake is not None:
        advice, fixed = mistake
        return advice + (f"; write:\nquote: {_yaml_string(fixed)}" if fixed else "")
    if result.candidate is None:
        return retry
    start, end = result.candidate
    if result.similarity < UNRELATED_SIMILARITY:
        return (
            f"nothing in {article_path} is close to it: is the quote from this article? "
            "Open the article and copy the passage from there"
        )
    hint = (
        f"closest passage (similarity {result.similarity:.2f}): {show_passage(text, start, end)}\n"
    )
    if result.similarity >= MIN_SIMILARITY:
        passage = text[start:end].strip()
        return hint + f"if that is the passage you mean, write: quote: {_yaml_string(passage)}"
    return hint + retry


def _context_fix(occ: Occurrence) -> str:
    parts = []
    if occ.prefix is not None:
        parts.append(f"prefix: {_yaml_string(occ.prefix)}")
    if occ.suffix is not None:
        parts.append(f"suffix: {_yaml_string(occ.suffix)}")
    return " and ".join(parts) if parts else "(cannot be told apart by context)"


def _drift_warning(
    annotation: Annotation, text: str, result: AnchorResult, article_path: str
) -> Diagnostic:
    """Say what the article reads now, and the exact line that fixes the annotation."""
    assert result.start is not None
    assert result.end is not None
    current = text[result.start : result.end]
    advice, fixed = _copy_mistake(text, annotation) or ("", None)
    if fixed is not None:
        return warning(
            annotation.quote_loc,
            "quote-drifted",
            f"annotation '{annotation.id}': the quote is not in the article as written "
            f"({article_path}); placed at the closest passage (similarity "
            f"{result.similarity:.2f})",
            f"{advice}; write:\nquote: {_yaml_string(fixed)}",
        )
    if current == annotation.quote or normalize_quote(current) == normalize_quote(annotation.quote):
        # only the prefix/suffix changed: the fix is a new context, not a new quote
        prefix, suffix = shortest_unique_context(text, result.start, result.end)
        fix = _context_fix(Occurrence(result.start, result.end, prefix, suffix))
        if prefix is None and suffix is None:
            fix = "remove prefix and suffix (the quote is unique now)"
        else:
            fix = f"replace the old prefix/suffix with: {fix}"
        what = "its prefix/suffix no longer match the text around it"
    else:
        fix = f"replace the quote with the current text: quote: {_yaml_string(current)}"
        what = "the quote is not in the article as written"
    return warning(
        annotation.quote_loc,
        "quote-drifted",
        f"annotation '{annotation.id}': {what} ({article_path}); placed at the closest "
        f"passage (similarity {result.similarity:.2f})",
        f"the article now reads: {show_passage(text, result.start, result.end)}\n"
        f"{fix}\n(annotary lint --fix will do this for you)",
    )
