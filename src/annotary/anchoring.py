"""Placing an annotation's quote in an article's visible text.

An annotation names its passage by *quote* (plus an optional ``prefix`` and
``suffix``), never by offsets, so that contributors can write it by hand and so
that one annotation never shifts another. This module turns that description
back into a span of the article's visible text, and says how sure it is:

``exact``
    The quote (typographic variants aside) is in the text, and the context
    picks one occurrence.
``drifted``
    The article changed around or inside the quote, but one passage is
    clearly the one meant: it is placed, with a warning, and a fix can rewrite
    the quote (or its context) to match the text again.
``ambiguous``
    The quote occurs several times and nothing chooses between them: an error
    that lists every occurrence with the shortest context that would pick it.
``orphan``
    No passage is close enough, or several are equally close: an error. The
    annotation is listed apart, never highlighted at a guessed place.

The fuzzy policy (why these numbers)
------------------------------------

The similarity of a quote ``q`` and a passage ``p`` is the normalized
Levenshtein similarity ``1 - edits(q, p) / max(len(q), len(p))``. The numbers
below were chosen on two self-repetitive English texts of 60,000 characters
(licence texts, and the Python reference manual), the hard case: phrases recur
with small variations, as "North Korean troops" does in a news article.

* :data:`MIN_SIMILARITY` is **0.8**: at most one edited character in five, what
  honest drift looks like (a typo fixed, a word changed, a few words inserted).
  Hypothesis' client accepts up to 50% errors, and users report highlights on
  the wrong sentence: the best chance passage that an *unrelated* quote finds
  in such a text scores about 0.5 for 40 characters (median; 0.7 at the 90th
  percentile) and 0.58 for 24 characters (0.75). At 0.8 chance passages are
  refused; a refused quote is an orphan whose error names the closest passage,
  a cheap fix, whereas a wrong highlight silently misinforms readers.
* :data:`MIN_FUZZY_LENGTH` is **24** characters (four or five words). Below it
  chance passages reach 0.8 too often: with the passage deleted from the text,
  a 16-character quote was still placed somewhere in 11-12% of trials, a
  24-character one in 6-9%, a 48-character one in 4-5% (and those are real
  near-duplicates of the deleted sentence). Shorter quotes are placed verbatim
  only; when not found, the error still names the closest passage.
* :data:`AMBIGUITY_MARGIN` is **0.1**: a second, non-overlapping passage within
  0.1 of the best one (two or three words of a sentence) makes the match
  doubtful, and nothing is placed unless the prefix/suffix clearly prefer one.
  Against 0.05 it halves the edited quotes placed on a look-alike passage
  (to 1-2% for 24-character quotes, under 0.5% from 48 characters) for a few
  percent fewer edited quotes found.
* The prefix/suffix decide only *clearly*: the preferred passage's context must
  be at least :data:`MIN_CONTEXT_SIMILARITY` (0.5) similar to the stored one and
  beat every rival by :data:`CONTEXT_MARGIN` (0.2). A stored context is also a
  warning sign: it usually exists because the quote occurred several times, so
  when it fits no occurrence any more, the surviving occurrences are the ones
  it was written to *exclude*; a survivor is refused when the context still
  points at an edited passage, or differs from the survivor's surroundings
  only in its farthest word (the signature of a shortest disambiguating context).

No position is stored in the annotation format, so position is never used to
break ties: a tie is reported, not guessed.

Offsets are code points (Python ``str`` indices) into the visible text. The
matching text is :func:`normalize_for_matching` of it, a one-to-one character
map, so offsets found in the normalized text are offsets in the article's own
text and a highlight covers the article's own characters (curly quotes and all).

Performance: exact anchoring is a few ``str.find`` calls per quote, about
5-10 microseconds (the normalized text is cached per article). Fuzzy search
examines at most four distinct passages, each the window that rapidfuzz's
``partial_ratio_alignment`` returns for the text (its earlier passages masked),
refined locally. For quotes of 256 characters or more that window is found
from exact seeds, pieces of the quote one of which must occur verbatim in it,
or (more edited quotes) by ruling out stretches of text whose longest common
subsequence with the quote is too short (:func:`_seeded_window`); where that
cannot decide, rapidfuzz is called, or
for quotes of 700 characters or more its computation is emulated without its
cubic loops over the text's ends (:func:`_emulated_alignment`). From 64
characters, the search for further passages stops once a bound on longest
common subsequences shows that none left can reach the floor that matters
(:func:`_doubtful_stretches`). The results are exactly those of calling
rapidfuzz every round (``tests/test_anchoring_equivalence.py`` compares them).
In a 10,000-word article, re-anchoring a drifted quote takes about 1 ms at
100 characters, 2-3 ms at 500, 3-4 ms at 1,000 (5 ms with 10% of its
characters changed) and 5-10 ms at 2,000; it took 2, 5, 30 and 180 ms. A long
quote whose passage is gone still costs a search of every window for the
closest one: about 30 ms at 1,000 characters (45 ms before).
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, LCSseq, Levenshtein

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "AMBIGUITY_MARGIN",
    "CONTEXT_MARGIN",
    "MAX_CONTEXT_WORDS",
    "MAX_DESCRIBED_OCCURRENCES",
    "MIN_CONTEXT_SIMILARITY",
    "MIN_FUZZY_LENGTH",
    "MIN_SIMILARITY",
    "AnchorResult",
    "AnchorState",
    "Occurrence",
    "anchor_quote",
    "normalize_for_matching",
    "normalize_quote",
    "shortest_unique_context",
]

AnchorState = Literal["exact", "drifted", "orphan", "ambiguous"]

#: Lowest normalized Levenshtein similarity at which a changed passage is still
#: taken for the quote (see the module docstring for why 0.8).
MIN_SIMILARITY: Final = 0.8
#: Quotes shorter than this (in characters, after normalization) are placed
#: only verbatim: short phrases have too many near look-alikes.
MIN_FUZZY_LENGTH: Final = 24
#: A second passage scoring within this of the best makes a fuzzy match doubtful.
AMBIGUITY_MARGIN: Final = 0.1
#: Lowest similarity of a passage's surroundings to the stored prefix/suffix for
#: the context to vouch for that passage.
MIN_CONTEXT_SIMILARITY: Final = 0.5
#: How much better one passage's context must fit than every rival's to decide.
CONTEXT_MARGIN: Final = 0.2
#: Suggested contexts grow at most this many words; beyond that, a suggestion
#: would not help a contributor anyway.
MAX_CONTEXT_WORDS: Final = 12
#: Above this many occurrences, no context is suggested (the quote is a common
#: phrase and should be made longer instead); keeps the work bounded.
MAX_DESCRIBED_OCCURRENCES: Final = 50

# How many distinct passages the fuzzy search examines, at most.
_MAX_FUZZY_ROUNDS: Final = 4
# Coarse (Indel, length-of-quote window) scores run below the refined
# Levenshtein ones when the passage grew or shrank; this slack keeps such
# passages in the running.
_COARSE_SLACK: Final = 15.0
# Boundary refinement tries this many characters either side of its guess.
_REFINE_RADIUS: Final = 6
# How much a passage next to an exactly fitting stored context must resemble the
# quote to be taken for its edited version (and so veto placing it elsewhere).
_RIVAL_SIMILARITY: Final = 0.5
# Replaces passages already examined, so the next search finds another one.
_MASK_CHAR: Final = "\x00"
# Quotes at least this long are searched from exact seeds (_seeded_window);
# shorter ones call rapidfuzz, which is faster for them.
_SEEDED_MIN_LENGTH: Final = 256
# From this length, rapidfuzz's partial_ratio_alignment is computed here rather
# than called: its loops over the text's first and last windows grow as the
# cube of the quote's length. Those loops take their distances from one pass
# over the text when more than _EDGE_PASS_MIN windows are left.
_EMULATED_MIN_LENGTH: Final = 700
_EDGE_PASS_MIN: Final = 8
# Seeds: pieces shorter than this occur too often to narrow the search (the
# search is then left to rapidfuzz), and beyond this many occurrences seeding
# gives up.
_MIN_SEED_LENGTH: Final = 12
_MAX_SEED_HITS: Final = 4000
# The best distance is first bounded from _SEED_GUESSES pieces of the quote of at
# most _SEED_PIECE_LENGTH characters, each ignored where it occurs more than
# _SEED_GUESS_PLACES times; of the windows they point to, the _SEED_TRIES most
# pointed to are tried. That bound says how many pieces the seeds need.
_SEED_GUESSES: Final = 16
_SEED_PIECE_LENGTH: Final = 16
_SEED_GUESS_PLACES: Final = 64
_SEED_TRIES: Final = 3
# Pieces beyond the bound + 1 needed (when long enough), so that only places
# where several pieces agree are examined.
_SEED_SPARES: Final = 3
# When pieces would be too short, stretches of text are pruned instead, down to
# stretches of _PRUNED_LEAF window starts; beyond _PRUNED_MAX_WINDOWS windows
# left, or if windows need to share less than _PRUNED_MIN_SHARE of the quote
# (which any stretch does by chance), the search is left to rapidfuzz's way.
_PRUNED_LEAF: Final = 32
_PRUNED_MAX_WINDOWS: Final = 2000
_PRUNED_MIN_SHARE: Final = 0.75
# Quotes at least this long end the search once no passage left can reach the
# floor (_doubtful_stretches), which halves doubtful stretches of text until
# they are _CERTIFIED_SPLITS times shorter than the quote.
_CERTIFIED_MIN_LENGTH: Final = 64
_CERTIFIED_SPLITS: Final = 8

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u02bc\u2032"  # ‘ ’ ‚ ‛ ʼ ′
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"  # “ ” „ ‟ ″
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # ‐ ‑ ‒ – — ― −
# Every character for which str.isspace() is true, except the ASCII space.
_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_REPLACEMENTS: Final = (
    *((char, "'") for char in _SINGLE_QUOTES),
    *((char, '"') for char in _DOUBLE_QUOTES),
    *((char, "-") for char in _DASHES),
    *((char, " ") for char in _SPACES),
)
# What an ASCII-only text can contain of the above: its control white space.
_ASCII_REPLACEMENTS: Final = tuple(pair for pair in _REPLACEMENTS if pair[0].isascii())


@dataclass(frozen=True)
class Occurrence:
    """One place where an ambiguous quote occurs, and how to single it out.

    ``prefix``/``suffix`` is the shortest context, in whole words of the
    article's own text, that makes this occurrence the only match: written into
    the annotation *instead of* its current prefix/suffix, it anchors exactly
    here. Normally one of the two is set (the shorter one) and the other is
    ``None``. In the rare case that neither alone suffices (a quote repeated
    with identical surroundings on one side), both are set and both are needed.
    Both ``None``: no context of at most :data:`MAX_CONTEXT_WORDS` words makes it
    unique (or there are more than :data:`MAX_DESCRIBED_OCCURRENCES` occurrences).
    """

    start: int
    end: int
    prefix: str | None
    suffix: str | None


@dataclass(frozen=True)
class AnchorResult:
    """Where a quote was placed, and how sure that placement is.

    Attributes:
        state: ``exact``, ``drifted``, ``orphan`` or ``ambiguous``.
        start: Start offset in the visible text; ``None`` unless exact or drifted.
        end: End offset (exclusive); ``None`` unless exact or drifted.
        similarity: 1.0 for exact; for drifted, the similarity of the quote to
            the passage (or, when the quote itself is unchanged, of the stored
            context to the current one); for an orphan, the best rejected score
            (0.0 when there was no candidate at all).
        occurrences: For ambiguous: every occurrence in text order, each with
            the context that would pick it.
        candidate: For an orphan: the closest (rejected) passage, to show in the
            error message.
        reason: One sentence for the warning or error: why drifted, orphan or
            ambiguous. Empty for exact.
    """

    state: AnchorState
    start: int | None
    end: int | None
    similarity: float
    occurrences: tuple[Occurrence, ...] = ()
    candidate: tuple[int, int] | None = None
    reason: str = ""


def normalize_for_matching(text: str) -> str:
    """Map typographic variants to one plain character each, keeping the length.

    Curly and prime apostrophes become ``'``, curly and prime double quotes
    ``"``, dashes and the minus sign ``-``, and every Unicode space (including
    non-breaking ones and line breaks) an ASCII space. Because the map is one
    character to one character, an offset found in the result is the same
    offset in *text*: a match is reported on the article's own characters.

    Args:
        text: Any text.

    Returns:
        A string of the same length as *text*.
    """
    # One str.replace per variant actually present: about fifty times faster
    # than str.translate with a mapping, which goes through Python per character.
    for char, plain in _ASCII_REPLACEMENTS if text.isascii() else _REPLACEMENTS:
        if char in text:
            text = text.replace(char, plain)
    return text


def normalize_quote(text: str) -> str:
    """Normalize a quote (or prefix, suffix) as written by a contributor.

    On top of :func:`normalize_for_matching`, runs of white space become one
    space and the ends are stripped, because YAML line folding and paragraph
    breaks must not matter: the visible text has single spaces only.

    Args:
        text: A quote, prefix or suffix as found in an annotation file.

    Returns:
        The form compared against the normalized visible text.
    """
    return " ".join(normalize_for_matching(text).split())


def anchor_quote(
    text: str, quote: str, prefix: str | None = None, suffix: str | None = None
) -> AnchorResult:
    """Place *quote* in the visible *text* of an article.

    Exact occurrences come first; the prefix/suffix only choose among them.
    When the quote is gone, the closest passage is taken if it is clearly the
    one meant, and refused (orphan) otherwise: a missing highlight is a visible
    error that a contributor fixes, a wrong one silently misinforms readers.

    Args:
        text: The article's visible text (markup removed, white space collapsed).
        quote: The annotation's quote.
        prefix: Optional text expected just before the quote.
        suffix: Optional text expected just after the quote.

    Returns:
        The placement and its state; see :class:`AnchorResult`.
    """
    nt = _matching_text(text)
    nq = normalize_quote(quote)
    if not nq:
        return AnchorResult("orphan", None, None, 0.0, reason="the quote is empty")
    npre = _normalize_context(prefix)
    nsuf = _normalize_context(suffix)
    occurrences = _find_all(nt, nq)
    if not occurrences:
        return _anchor_fuzzy(nt, nq, npre, nsuf)
    if npre is None and nsuf is None:
        if len(occurrences) == 1:
            start, end = occurrences[0]
            return AnchorResult("exact", start, end, 1.0)
        return _ambiguous(
            text,
            nt,
            occurrences,
            f"the quote occurs {len(occurrences)} times; "
            "add a prefix or suffix to say which one is meant",
        )
    kept = [o for o in occurrences if _context_fits(nt, o[0], o[1], npre, nsuf)]
    if len(kept) == 1:
        start, end = kept[0]
        return AnchorResult("exact", start, end, 1.0)
    if kept:
        return _ambiguous(
            text,
            nt,
            occurrences,
            f"the quote occurs {len(occurrences)} times and its {_context_words(npre, nsuf)} "
            f"fits {len(kept)} of them; make the context longer",
        )
    return _anchor_by_context(text, nt, nq, occurrences, npre, nsuf)


def shortest_unique_context(
    text: str, start: int, end: int, quote: str | None = None
) -> tuple[str | None, str | None]:
    """The shortest prefix or suffix that makes the passage at start:end unique.

    Like Apache Annotator's ``describeTextQuote``, the context grows one whole
    word at a time and stops as soon as no other occurrence of the quote fits
    it, using the very test :func:`anchor_quote` applies; so the suggestion,
    written into the annotation, anchors exactly here. The shorter of the
    shortest prefix and the shortest suffix is returned (the prefix on a tie);
    only if neither suffices alone are both returned.

    Args:
        text: The article's visible text.
        start: Start of the passage.
        end: End of the passage.
        quote: The annotation's quote, if it differs from ``text[start:end]``
            (e.g. by typographic variants); occurrences are those of this quote.

    Returns:
        ``(prefix, None)``, ``(None, suffix)`` or, rarely, both: strings taken
        from *text* itself. ``(None, None)`` when the quote is already unique,
        or when no context of at most :data:`MAX_CONTEXT_WORDS` words makes it so.
    """
    nt = _matching_text(text)
    nq = normalize_quote(quote if quote is not None else text[start:end])
    if not nq:
        return None, None
    others = [o for o in _find_all(nt, nq) if o[0] != start]
    return _describe(text, nt, start, end, others)


# --- exact matching ----------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _matching_text(text: str) -> str:
    """:func:`normalize_for_matching`, cached: one article is anchored many times."""
    return normalize_for_matching(text)


@functools.lru_cache(maxsize=32)
def _has_space_runs(nt: str) -> bool:
    return "  " in nt


def _normalize_context(context: str | None) -> str | None:
    if context is None:
        return None
    return normalize_quote(context) or None


def _find_all(nt: str, nq: str) -> list[tuple[int, int]]:
    """Every occurrence of *nq* in *nt*, overlapping ones included, in text order."""
    if _has_space_runs(nt):
        # The contract says white space is collapsed; stay correct if it is not.
        pattern = " +".join(re.escape(word) for word in nq.split(" "))
        return [(m.start(1), m.end(1)) for m in re.finditer(f"(?=({pattern}))", nt)]
    found = []
    size = len(nq)
    index = nt.find(nq)
    while index != -1:
        found.append((index, index + size))
        index = nt.find(nq, index + 1)
    return found


def _prefix_fits(nt: str, start: int, npre: str) -> bool:
    """Does the text before *start* end with *npre*, ignoring spaces at the joint?"""
    while start > 0 and nt[start - 1] == " ":
        start -= 1
    return nt.endswith(npre, 0, start)


def _suffix_fits(nt: str, end: int, nsuf: str) -> bool:
    """Does the text after *end* start with *nsuf*, ignoring spaces at the joint?"""
    size = len(nt)
    while end < size and nt[end] == " ":
        end += 1
    return nt.startswith(nsuf, end)


def _context_fits(nt: str, start: int, end: int, npre: str | None, nsuf: str | None) -> bool:
    return (npre is None or _prefix_fits(nt, start, npre)) and (
        nsuf is None or _suffix_fits(nt, end, nsuf)
    )


def _context_words(npre: str | None, nsuf: str | None) -> str:
    if npre is not None and nsuf is not None:
        return "prefix and suffix"
    return "prefix" if npre is not None else "suffix"


# --- describing occurrences --------------------------------------------------


def _ambiguous(text: str, nt: str, occurrences: list[tuple[int, int]], reason: str) -> AnchorResult:
    described = len(occurrences) <= MAX_DESCRIBED_OCCURRENCES
    result = []
    for start, end in occurrences:
        prefix: str | None = None
        suffix: str | None = None
        if described:
            others = [o for o in occurrences if o[0] != start]
            prefix, suffix = _describe(text, nt, start, end, others)
        result.append(Occurrence(start, end, prefix, suffix))
    return AnchorResult("ambiguous", None, None, 1.0, occurrences=tuple(result), reason=reason)


def _prefix_starts(nt: str, start: int) -> list[int]:
    """Word starts before *start*, nearest first: where a whole-word prefix begins."""
    starts: list[int] = []
    position = start
    while position > 0 and len(starts) < MAX_CONTEXT_WORDS:
        while position > 0 and nt[position - 1] == " ":
            position -= 1
        if position == 0:
            break
        position = nt.rfind(" ", 0, position) + 1
        starts.append(position)
    return starts


def _suffix_ends(nt: str, end: int) -> list[int]:
    """Word ends after *end*, nearest first: where a whole-word suffix ends."""
    ends: list[int] = []
    size = len(nt)
    position = end
    while position < size and len(ends) < MAX_CONTEXT_WORDS:
        while position < size and nt[position] == " ":
            position += 1
        if position == size:
            break
        found = nt.find(" ", position)
        position = size if found == -1 else found
        ends.append(position)
    return ends


def _describe(
    text: str, nt: str, start: int, end: int, others: list[tuple[int, int]]
) -> tuple[str | None, str | None]:
    """Shortest whole-word context that no occurrence in *others* fits."""
    if not others:
        return None, None
    prefixes = [text[p:start] for p in _prefix_starts(nt, start)]
    suffixes = [text[end:q] for q in _suffix_ends(nt, end)]
    prefix = _first_unique(nt, start, end, others, prefixes, before=True)
    suffix = _first_unique(nt, start, end, others, suffixes, before=False)
    if prefix is not None and (suffix is None or len(prefix) <= len(suffix)):
        return prefix, None
    if suffix is not None:
        return None, suffix
    # Neither side alone: grow both together, as describeTextQuote does.
    for step in range(max(len(prefixes), len(suffixes))):
        pre = prefixes[min(step, len(prefixes) - 1)] if prefixes else None
        suf = suffixes[min(step, len(suffixes) - 1)] if suffixes else None
        npre, nsuf = _normalize_context(pre), _normalize_context(suf)
        if not _context_fits(nt, start, end, npre, nsuf):
            break
        if not any(_context_fits(nt, s, e, npre, nsuf) for s, e in others):
            return pre, suf
    return None, None


def _first_unique(
    nt: str,
    start: int,
    end: int,
    others: list[tuple[int, int]],
    candidates: list[str],
    *,
    before: bool,
) -> str | None:
    """The first (shortest) candidate context that fits here and nowhere else.

    A longer context fits only where a shorter one does, so the occurrences
    still fitting are filtered step by step instead of re-tested from scratch.
    """
    remaining = others
    for candidate in candidates:
        normalized = normalize_quote(candidate)
        if before:
            if not _prefix_fits(nt, start, normalized):
                return None
            remaining = [o for o in remaining if _prefix_fits(nt, o[0], normalized)]
        else:
            if not _suffix_fits(nt, end, normalized):
                return None
            remaining = [o for o in remaining if _suffix_fits(nt, o[1], normalized)]
        if not remaining:
            return candidate
    return None


# --- context similarity ------------------------------------------------------


def _side_similarity(nt: str, position: int, context: str, *, before: bool) -> float:
    """How well the text on one side of *position* resembles *context*.

    Windows a little shorter and longer than the context are tried, all
    adjacent to the passage, so that a word inserted or dropped near the joint
    costs what it should and not a shift of the whole window.
    """
    size = len(context)
    slack = size // 4 + 1
    best = 0.0
    if before:
        while position > 0 and nt[position - 1] == " ":
            position -= 1
        for length in range(max(1, size - slack), size + slack + 1):
            window = nt[max(0, position - length) : position]
            best = max(best, Levenshtein.normalized_similarity(context, window))
            if length > position:
                break
    else:
        total = len(nt)
        while position < total and nt[position] == " ":
            position += 1
        for length in range(max(1, size - slack), size + slack + 1):
            window = nt[position : position + length]
            best = max(best, Levenshtein.normalized_similarity(context, window))
            if position + length > total:
                break
    return best


def _context_similarity(
    nt: str, start: int, end: int, npre: str | None, nsuf: str | None
) -> float | None:
    """Mean similarity of the stored prefix/suffix to a passage's surroundings."""
    scores = []
    if npre is not None:
        scores.append(_side_similarity(nt, start, npre, before=True))
    if nsuf is not None:
        scores.append(_side_similarity(nt, end, nsuf, before=False))
    return sum(scores) / len(scores) if scores else None


def _clear_winner(scores: list[float]) -> int | None:
    """Index of the context score that decides clearly, if one does."""
    if not scores:
        return None
    best = max(range(len(scores)), key=scores.__getitem__)
    if scores[best] < MIN_CONTEXT_SIMILARITY:
        return None
    if any(i != best and scores[best] - s < CONTEXT_MARGIN for i, s in enumerate(scores)):
        return None
    return best


def _anchor_by_context(
    text: str,
    nt: str,
    nq: str,
    occurrences: list[tuple[int, int]],
    npre: str | None,
    nsuf: str | None,
) -> AnchorResult:
    """The quote is in the text, but its stored context fits none of its occurrences."""
    words = _context_words(npre, nsuf)
    scores = [_context_similarity(nt, s, e, npre, nsuf) or 0.0 for s, e in occurrences]
    if len(occurrences) == 1:
        chosen = 0
    else:
        winner = _clear_winner(scores)
        if winner is None:
            return _ambiguous(
                text,
                nt,
                occurrences,
                f"the quote occurs {len(occurrences)} times and its {words} fits none of "
                "them, nor resembles one clearly more than the others",
            )
        chosen = winner
    start, end = occurrences[chosen]
    if _excluded_by_design(nt, start, end, npre, nsuf):
        # This is how a shortest context looks next to an occurrence it was
        # written to exclude: the meant one was probably edited away.
        excluded = (
            f"only in its farthest word, as a {words} written to exclude that occurrence "
            "would (the passage meant was probably edited)"
        )
        if len(occurrences) > 1:
            return _ambiguous(
                text,
                nt,
                occurrences,
                f"the quote occurs {len(occurrences)} times and its {words} fits none of "
                f"them; it differs at offset {start} {excluded}",
            )
        return _orphan(
            _Candidate(scores[chosen], start, end),
            f"the quote occurs once, at offset {start}, but its {words} differs there "
            f"{excluded}; if that is the passage meant, update the {words}",
        )
    rival = _rival(nt, nq, occurrences, npre, nsuf, (start, end))
    if rival is not None:
        return _orphan(
            rival,
            f"the quote occurs unchanged at offset {start}, but its {words} points to an "
            f"edited passage ({_percent(rival.score)} similar) at offset {rival.start}; "
            "check which one is meant",
        )
    return AnchorResult(
        "drifted",
        start,
        end,
        scores[chosen],
        reason=(
            f"the quote is unchanged but the text around it changed: its {words} no longer "
            f"fits ({_percent(scores[chosen])} similar)"
        ),
    )


def _excluded_by_design(nt: str, start: int, end: int, npre: str | None, nsuf: str | None) -> bool:
    """Does the stored context fit here once its farthest word is dropped?

    :func:`shortest_unique_context` grows a context until the last other
    occurrence fails it, so that occurrence fits everything but the farthest
    word. A one-word context trivially qualifies: it tells one word apart.
    """
    if npre is not None:
        nearer = npre.split(" ", 1)[1] if " " in npre else ""
        if nearer and not _prefix_fits(nt, start, nearer):
            return False
    if nsuf is not None:
        nearer = nsuf.rsplit(" ", 1)[0] if " " in nsuf else ""
        if nearer and not _suffix_fits(nt, end, nearer):
            return False
    return True


def _rival(
    nt: str,
    nq: str,
    occurrences: list[tuple[int, int]],
    npre: str | None,
    nsuf: str | None,
    chosen: tuple[int, int],
) -> _Candidate | None:
    """An edited passage that the stored context designates as well as the chosen one.

    A context is usually stored because the quote occurred several times. If
    the occurrence it picked was then edited, the quote survives only at the
    places the context was written to exclude, and a *shortest* context fits
    those nearly as well as the right place: context similarity alone cannot
    tell them apart. Two signs give the edited passage away: the stored context
    still fits exactly next to a passage that resembles the quote, or the
    whole description (prefix, quote and suffix together) matches some other
    passage about as well as it matches the chosen one.
    """
    anchored = _context_anchored(nt, nq, npre, nsuf, occurrences)
    if anchored is not None:
        return anchored
    before = f"{npre} " if npre is not None else ""
    after = f" {nsuf}" if nsuf is not None else ""
    described = before + nq + after
    start, end = chosen
    here = _refine(nt, described, max(0, start - len(before)), min(len(nt), end + len(after)))
    floor = here.score - AMBIGUITY_MARGIN
    for candidate in _fuzzy_candidates(nt, described, masked=(), floor=floor):
        if candidate.score < floor or (candidate.start < end and start < candidate.end):
            continue
        quote_start = min(candidate.start + len(before), candidate.end)
        quote_end = max(candidate.end - len(after), quote_start)
        return _Candidate(candidate.score, quote_start, quote_end)
    return None


def _context_anchored(
    nt: str,
    nq: str,
    npre: str | None,
    nsuf: str | None,
    occupied: list[tuple[int, int]],
) -> _Candidate | None:
    """The passage most like the quote among those the stored context fits exactly.

    Windows a little shorter and longer than the quote are compared on the far
    side of each place the prefix (suffix) occurs: enough to recognize a quote
    that lost or gained a few characters.
    """
    size = len(nq)
    total = len(nt)
    slack = size // 4 + 2
    lengths = range(max(1, size - slack), size + slack + 1)
    spans: list[tuple[int, int]] = []
    if npre is not None:
        for index in _find_limited(nt, npre):
            start = index + len(npre)
            while start < total and nt[start] == " ":
                start += 1
            spans.extend((start, min(total, start + length)) for length in lengths)
    if nsuf is not None:
        for index in _find_limited(nt, nsuf):
            end = index
            while end > 0 and nt[end - 1] == " ":
                end -= 1
            spans.extend((max(0, end - length), end) for length in lengths)
    best: _Candidate | None = None
    for start, end in spans:
        # A window on an exact occurrence is that occurrence, already judged;
        # one merely overlapping it may well be the edited passage.
        if end <= start or any(s == start or e == end for s, e in occupied):
            continue
        score = Levenshtein.normalized_similarity(nq, nt[start:end])
        if score >= _RIVAL_SIMILARITY and (best is None or score > best.score):
            best = _Candidate(score, start, end)
    return best


def _find_limited(nt: str, needle: str) -> list[int]:
    """Where *needle* occurs (at most :data:`MAX_DESCRIBED_OCCURRENCES` places)."""
    found: list[int] = []
    index = nt.find(needle)
    while index != -1 and len(found) < MAX_DESCRIBED_OCCURRENCES:
        found.append(index)
        index = nt.find(needle, index + 1)
    return found


# --- fuzzy matching ----------------------------------------------------------


class _Candidate(NamedTuple):
    score: float
    start: int
    end: int


def _percent(score: float) -> str:
    return f"{int(score * 100)}%"


def _anchor_fuzzy(nt: str, nq: str, npre: str | None, nsuf: str | None) -> AnchorResult:
    """The quote is not in the text verbatim: find the passage it became, if clear."""
    # A short quote is searched for only to name the closest passage: one round.
    rounds = _MAX_FUZZY_ROUNDS if len(nq) >= MIN_FUZZY_LENGTH else 1
    candidates = _fuzzy_candidates(nt, nq, masked=(), floor=None, rounds=rounds)
    if not candidates:
        return AnchorResult(
            "orphan", None, None, 0.0, reason="the quote is not in the text, nor anything like it"
        )
    best = candidates[0]
    if len(nq) < MIN_FUZZY_LENGTH:
        return _orphan(
            best,
            f"the quote is not in the text, and at {len(nq)} characters it is too short to "
            f"be matched approximately (at least {MIN_FUZZY_LENGTH} needed); the closest "
            f"passage is {_percent(best.score)} similar",
        )
    if best.score < MIN_SIMILARITY:
        return _orphan(
            best,
            f"the quote is not in the text; the closest passage is only "
            f"{_percent(best.score)} similar ({_percent(MIN_SIMILARITY)} needed)",
        )
    contexts = [_context_similarity(nt, c.start, c.end, npre, nsuf) for c in candidates]
    contenders = [0]
    for index, candidate in enumerate(candidates[1:], start=1):
        close = candidate.score >= best.score - AMBIGUITY_MARGIN
        # A plausible passage whose surroundings fit the stored context clearly
        # better than the best one's is a rival too, however the quotes compare.
        context = contexts[index]
        favoured = (
            context is not None
            and candidate.score >= MIN_SIMILARITY
            and context >= MIN_CONTEXT_SIMILARITY
            and context - (contexts[0] or 0.0) >= CONTEXT_MARGIN
        )
        if close or favoured:
            contenders.append(index)
    chosen = 0
    if len(contenders) > 1:
        scores = [contexts[i] for i in contenders]
        winner = None if None in scores else _clear_winner([s or 0.0 for s in scores])
        if winner is None or candidates[contenders[winner]].score < MIN_SIMILARITY:
            rival = candidates[contenders[1]]
            return _orphan(
                best,
                "the quote is not in the text, and several passages resemble it "
                f"({_percent(best.score)} at offset {best.start}, "
                f"{_percent(rival.score)} at offset {rival.start})"
                + (
                    ""
                    if None in scores
                    else f"; its {_context_words(npre, nsuf)} does not tell them apart"
                ),
            )
        chosen = contenders[winner]
    found = candidates[chosen]
    context = contexts[chosen]
    if context is not None and context < MIN_CONTEXT_SIMILARITY:
        # A stored context exists because the quote once occurred several times:
        # exactly when a look-alike may survive the passage that was meant.
        return _orphan(
            found,
            f"the quote is not in the text; the passage at offset {found.start} is "
            f"{_percent(found.score)} similar, but its surroundings do not fit the "
            f"{_context_words(npre, nsuf)} ({_percent(context)} similar)",
        )
    return AnchorResult(
        "drifted",
        found.start,
        found.end,
        found.score,
        reason=(
            f"the quote is not in the text verbatim; the passage at offset {found.start} "
            f"is {_percent(found.score)} similar"
        ),
    )


def _orphan(candidate: _Candidate, reason: str) -> AnchorResult:
    return AnchorResult(
        "orphan",
        None,
        None,
        candidate.score,
        candidate=(candidate.start, candidate.end),
        reason=reason,
    )


def _fuzzy_candidates(
    nt: str,
    nq: str,
    *,
    masked: Sequence[tuple[int, int]],
    floor: float | None,
    rounds: int = _MAX_FUZZY_ROUNDS,
) -> list[_Candidate]:
    """The passages most like *nq*, non-overlapping, best first.

    Each round finds the best window the length of the quote anywhere in the
    text (what rapidfuzz's ``partial_ratio_alignment`` returns, see
    :func:`_search_round`), refines its boundaries locally, then masks it so
    the next round finds a different passage. After the first round, only
    passages that could matter (near the best score, or plausible at all) are
    sought, and the search stops as soon as no passage left could reach the
    floor (:func:`_doubtful_stretches`): a passage below it changes no decision.

    Args:
        nt: Normalized visible text.
        nq: Normalized quote.
        masked: Spans to leave out (exact occurrences already considered).
        floor: Lowest refined score of interest; ``None`` to derive it from
            the best passage found.
        rounds: How many passages to examine at most.
    """
    search = _mask(nt, masked)
    found: list[_Candidate] = []
    doubtful: _Stretches | None = None
    # What a first round pruning stretches of text learnt about them, per floor.
    learnt: dict[float, _Stretches] = {}
    for _ in range(rounds):
        if floor is None and found:
            floor = min(MIN_SIMILARITY, found[0].score - AMBIGUITY_MARGIN)
        if floor is not None:
            doubtful = _doubtful_stretches(search, nq, floor, doubtful or learnt.get(floor))
            if doubtful == []:
                # Any later round would only find passages scoring below the
                # floor, which no caller looks at (and which hide nothing).
                break
        cutoff = 0.0 if floor is None else max(0.0, floor * 100 - _COARSE_SLACK)
        if len(nq) >= len(search):
            candidate = None if found else _refine(search, nq, 0, len(search))
        else:
            candidate = _search_round(search, nq, cutoff, None if found else learnt)
        if candidate is None or candidate.end <= candidate.start:
            break
        found.append(candidate)
        search = _mask(search, [(candidate.start, candidate.end)])
        if floor is None and candidate.score < MIN_SIMILARITY:
            break  # an orphan whatever else there is
    found.sort(key=lambda c: (-c.score, c.start))
    return found


def _mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + _MASK_CHAR * (end - start) + text[end:]
    return text


# --- one round of the fuzzy search ------------------------------------------------
#
# A round is defined as: take the window that rapidfuzz's
# ``fuzz.partial_ratio_alignment(nq, search, score_cutoff=cutoff)`` returns, and
# refine it (:func:`_refine`). rapidfuzz (3.x) finds that window by bisecting the
# window starts (keeping the first window met with the lowest Indel distance), then
# compares every prefix and suffix of the text shorter than the quote. For a long
# quote those last two loops cost O(len(quote)^3 / 64): under a cutoff, 25 ms for
# 1,000 characters and 170 ms for 2,000, in a 10,000-word article; the bisection
# computes a few hundred full-length distances more (5 ms for 1,000 characters).
# The functions below return exactly the same candidate while computing far less.


def _search_round(
    search: str, nq: str, cutoff: float, learnt: dict[float, _Stretches] | None = None
) -> _Candidate | None:
    """The refined passage of one round, or ``None`` where the search ends.

    Exactly ``_refine(search, nq, *window)`` for the window rapidfuzz's
    ``partial_ratio_alignment`` returns (``None`` when it returns nothing, or a
    zero score). Long quotes are searched from exact seeds (:func:`_seeded_window`);
    when the seeds cannot bound the search, the window is computed as rapidfuzz
    does (:func:`_exact_alignment`). *learnt* receives what the search learns
    about stretches of text (see :func:`_pruned_lowest`).
    """
    window: tuple[int, int] | None
    if len(nq) >= _SEEDED_MIN_LENGTH and _MASK_CHAR not in nq:
        seeded = _seeded_window(search, nq, cutoff, learnt)
        window = _exact_alignment(nq, search, cutoff) if seeded == _UNDECIDED else seeded
    else:
        window = _exact_alignment(nq, search, cutoff)
    return None if window is None else _refine(search, nq, *window)


def _exact_alignment(nq: str, search: str, cutoff: float) -> tuple[int, int] | None:
    """The window of ``fuzz.partial_ratio_alignment`` (``None``: none, or a zero score)."""
    if len(nq) >= _EMULATED_MIN_LENGTH:
        return _emulated_alignment(nq, search, cutoff)
    alignment = fuzz.partial_ratio_alignment(nq, search, score_cutoff=cutoff)
    if alignment is None or alignment.score <= 0:
        return None
    return alignment.dest_start, alignment.dest_end


def _cutoff_distance(size: int, cutoff: float) -> int:
    """rapidfuzz's first distance bound: windows at or above it are never recorded."""
    return math.ceil(2 * size * min(1.0, 1.0 - cutoff / 100 + 0.00001))


def _edge_ratio(distance: int, lensum: int, cutoff: float) -> float:
    """``fuzz.ratio`` of a prefix or suffix window as rapidfuzz computes it under a cutoff."""
    norm_cutoff = min(1.0, 1.0 - cutoff / 100 + 0.00001)
    norm_distance = distance / lensum
    if norm_distance > norm_cutoff:
        norm_distance = 1.0
    similarity = 1.0 - norm_distance
    return similarity * 100 if similarity >= cutoff / 100 else 0.0


def _edge_loops(
    nq: str,
    search: str,
    best: tuple[float, float, tuple[int, int]],
    prefixes: range,
    suffixes: range,
) -> tuple[float, float, tuple[int, int]]:
    """rapidfuzz's loops over the prefixes ``search[:i]`` and suffixes ``search[i:]``.

    *best* is ``(score, cutoff, window)`` after the bisection; so is the result.
    Only the prefix ends in *prefixes* and suffix starts in *suffixes* are
    tried: the caller has shown that no other one can replace the best window.
    A window too short to reach the score is skipped (its ratio would not be
    higher, so rapidfuzz would not take it either); when many are left, the
    distances of all of them come from one pass (:func:`_prefix_lcs`).
    """
    size = len(nq)
    total = len(search)
    score, cutoff, window = best
    chars = set(nq)

    def reachable(length: int, common: int) -> bool:
        """Could a window this long, sharing at most *common* characters, win?"""
        need = score if score > 0 else cutoff
        return 200.0 * min(length, common) >= need * (size + length) - 1e-6

    for suffix in (False, True):
        # Windows shorter than this cannot reach the score whatever they hold.
        need = score if score > 0 else cutoff
        shortest = max(1, math.floor(need * size / (200.0 - need)) - 1) if need < 200 else size
        if suffix:
            candidates = range(suffixes.start, min(suffixes.stop, total - shortest + 1))
        else:
            candidates = range(max(prefixes.start, shortest), prefixes.stop)
        indices = [
            index
            for index in candidates
            if (search[index] if suffix else search[index - 1]) in chars
            and reachable(total - index if suffix else index, size)
        ]
        # Suffixes are read backwards, as prefixes of the reversed text.
        quote = nq[::-1] if suffix else nq
        zone = search[total - size :][::-1] if suffix else search[: size - 1]
        lcs: list[int] | None = None
        if len(indices) > _EDGE_PASS_MIN:
            # The whole zone's LCS bounds each window's; if many windows are
            # left even so, one pass gives the LCS of every one of them.
            common = LCSseq.similarity(quote, zone)
            indices = [i for i in indices if reachable(total - i if suffix else i, common)]
            if len(indices) > _EDGE_PASS_MIN:
                lcs = _prefix_lcs(quote, zone)
        for index in indices:
            length = total - index if suffix else index
            if not reachable(length, size):
                continue
            if lcs is not None:
                distance = size + length - 2 * lcs[length]
            else:
                distance = Indel.distance(nq, search[index:] if suffix else search[:index])
            ratio = _edge_ratio(distance, size + length, cutoff)
            if ratio > score:
                score = cutoff = ratio
                window = (index, total) if suffix else (0, index)
                if score == 100.0:
                    return score, cutoff, window
    return score, cutoff, window


def _prefix_lcs(nq: str, text: str) -> list[int]:
    """The longest common subsequence of *nq* with ``text[:i]``, for every i.

    Bit-parallel (Allison and Dix; Hyyrö), as rapidfuzz computes one, with a
    Python integer as the bit vector: one pass over *text* gives them all.
    """
    full = (1 << len(nq)) - 1
    matches: dict[str, int] = {}
    for index, char in enumerate(nq):
        matches[char] = matches.get(char, 0) | 1 << index
    vector = full
    lengths = [0]
    for char in text:
        match = matches.get(char)
        if match:
            common = vector & match
            vector = ((vector + common) | (vector - common)) & full
        lengths.append(len(nq) - vector.bit_count())
    return lengths


def _emulated_alignment(nq: str, search: str, cutoff: float) -> tuple[int, int] | None:
    """``fuzz.partial_ratio_alignment``'s window, computed as rapidfuzz 3 computes it.

    The same bisection of window starts, visiting the same windows in the same
    order (so keeping the same one among equally distant windows), with each
    level's distances computed in one go; then the prefix and suffix loops,
    skipping the windows that cannot win (:func:`_edge_loops`).
    """
    size = len(nq)
    total = len(search)
    cutoff_distance = _cutoff_distance(size, cutoff)
    best: int | None = None
    window = (0, size)
    scores: dict[int, int] = {}
    visited: set[int] = set()
    windows = [(0, total - size - 1)]
    while windows:
        todo = list(dict.fromkeys(x for pair in windows for x in pair if x not in scores))
        views = [search[start : start + size] for start in todo]
        for _, value, index in process.extract(nq, views, scorer=Indel.distance, limit=None):
            scores[todo[index]] = int(value)
        deeper = []
        for first, second in windows:
            for start in (first, second):
                if start in visited:
                    continue
                visited.add(start)
                if scores[start] < cutoff_distance:
                    cutoff_distance = best = scores[start]
                    window = (start, start + size)
                    if best == 0:
                        return window
            width = second - first
            if width == 1:
                continue
            low, high = sorted((scores[first], scores[second]))
            if low - (width + (high - low) // 2) < cutoff_distance:
                center = width // 2
                deeper += [(first, first + center), (first + center, second)]
        windows = deeper
    score = 0.0
    if best is not None:
        bisected = (1.0 - best / (2 * size)) * 100
        if bisected >= cutoff:
            score = cutoff = bisected
    score, cutoff, window = _edge_loops(
        nq, search, (score, cutoff, window), range(1, size), range(total - size, total)
    )
    return window if score > 0 and score >= cutoff else None


#: What :func:`_seeded_window` returns when the seeds cannot decide.
_UNDECIDED: Final = (-1, -1)


def _seeded_window(
    search: str, nq: str, cutoff: float, learnt: dict[float, _Stretches] | None = None
) -> tuple[int, int] | None:
    """The window ``fuzz.partial_ratio_alignment`` returns, found from exact seeds.

    ``None`` when rapidfuzz returns no window (or a zero score), and
    :data:`_UNDECIDED` when the seeds cannot decide.

    Why it is exact. rapidfuzz bisects the window starts, pruning only ranges
    whose bound shows no window below the best met so far: it ends with the
    lowest distance, and of the windows at that distance keeps the first it
    meets (:func:`_first_met`). So it is enough to know every window at the
    lowest distance. A few windows where pieces of the quote point
    (:func:`_seeded_bound`) bound that distance; then every window within the
    bound is found, from pieces of the quote that must occur in it verbatim
    (:func:`_seeded_lowest`) or, when those pieces would be too short, by
    ruling out stretches of text (:func:`_pruned_lowest`). Last, rapidfuzz
    compares the prefixes and suffixes of the text shorter than the quote:
    those that could win are compared the same way (:func:`_edge_loops`).
    """
    size = len(nq)
    total = len(search)
    last = total - size - 1  # the bisection's window starts are 0..last
    exact: dict[int, int] = {}
    above: dict[int, int] = {}  # start -> a value its distance exceeds

    def distance(start: int, bound: int) -> int:
        """The window's Indel distance if at most *bound*, else ``bound + 1``."""
        known = exact.get(start)
        if known is not None:
            return min(known, bound + 1)
        if above.get(start, -1) >= bound:
            return bound + 1
        value = Indel.distance(nq, search[start : start + size], score_cutoff=bound)
        if value <= bound:
            exact[start] = value
        else:
            above[start] = bound
        return value

    upper = _seeded_bound(search, nq, last, distance)
    if upper is None:
        return _UNDECIDED
    if size // (upper + 1) >= _MIN_SEED_LENGTH:
        found = _seeded_lowest(search, nq, last, upper, distance)
    else:
        found = _pruned_lowest(search, nq, last, upper, distance, learnt)
    if found is None:
        return _UNDECIDED
    best, prefixes, suffixes = found
    ties = sorted(start for start, value in exact.items() if value == best)
    first = _first_met(ties, last) if len(ties) > 1 else ties[0]
    if best == 0:
        return first, first + size  # rapidfuzz stops there
    score, zone_cutoff = 0.0, cutoff
    if best < _cutoff_distance(size, cutoff):
        bisected = (1.0 - best / (2 * size)) * 100
        if bisected >= cutoff:
            score = zone_cutoff = bisected
    if score == 0.0 and _cutoff_distance(size, cutoff) > upper and prefixes != range(1, size):
        return _UNDECIDED  # a prefix or suffix farther than the pieces reach could win
    edge_window = (-1, -1)
    score, zone_cutoff, edge_window = _edge_loops(
        nq, search, (score, zone_cutoff, edge_window), prefixes, suffixes
    )
    if score <= 0 or score < cutoff:
        return None
    return edge_window if edge_window != (-1, -1) else (first, first + size)


def _seeded_lowest(
    search: str, nq: str, last: int, upper: int, distance: Callable[[int, int], int]
) -> tuple[int, range, range] | None:
    """The lowest distance of a window (at most *upper*), from pieces of the quote.

    Cut the quote into more than *upper* disjoint pieces: an alignment of the
    quote with a window at distance ``d <= upper`` leaves ``d`` characters
    unmatched, and each unmatched character (of either string) breaks at most
    one piece, so at least ``pieces - d`` pieces occur verbatim in the window,
    and their matched characters are shifted by at most ``d / 2`` between two
    strings of the same length: each puts the quote's start within ``d / 2`` of
    the window's. Those starts are evaluated (through *distance*), skipping
    those that a neighbour's distance rules out (moving a window by one
    character changes its distance by at most 2), so every window at the
    lowest distance is. Also returns the prefix ends and suffix starts whose
    windows may still win: those that hold a piece, since a winning one is
    closer than the best window. ``None`` when the pieces occur too often.
    """
    size = len(nq)
    total = len(search)
    pieces = upper + 1
    if size // (pieces + _SEED_SPARES) >= _MIN_SEED_LENGTH:
        pieces += _SEED_SPARES  # then a window needs several pieces: chance ones are skipped
    seeds = _piece_hits(search, nq, pieces)
    if seeds is None:
        return None
    length, hits = seeds
    best = upper
    centers = sorted(start for start, _ in hits)
    for center in dict.fromkeys(centers):
        reach = best // 2
        # A window at most *best* away keeps at least pieces - best pieces intact,
        # each putting the quote's start within reach of the window's.
        if pieces - best > 1:
            around = bisect.bisect_right(centers, center + 2 * reach)
            if around - bisect.bisect_left(centers, center - 2 * reach) < pieces - best:
                continue
        low, high = max(0, center - reach), min(last, center + reach)
        if low > high:
            continue
        middle = min(max(center, low), high)
        radius = max(middle - low, high - middle)
        near = distance(middle, best + 2 * radius)
        if near > best + 2 * radius:
            continue
        for start in range(low, high + 1):
            if near - 2 * abs(start - middle) > best:
                continue
            best = min(best, distance(start, best))
    # A prefix/suffix window that wins is at most as far as the bisection's best,
    # so it holds a piece: only those windows need trying.
    ends = [found + length for _, found in hits if found + length <= size - 1]
    starts = [found for _, found in hits if found >= total - size]
    prefixes = range(min(ends), size) if ends else range(0)
    suffixes = range(total - size, max(starts) + 1) if starts else range(0)
    return best, prefixes, suffixes


def _pruned_lowest(
    search: str,
    nq: str,
    last: int,
    upper: int,
    distance: Callable[[int, int], int],
    learnt: dict[float, _Stretches] | None = None,
) -> tuple[int, range, range] | None:
    """The lowest distance of a window (at most *upper*), by pruning stretches of text.

    A window at distance at most *upper* shares at least ``len(q) - upper / 2``
    characters in order with the quote, and so does any stretch of text holding
    it: stretches that fall short are dropped, the others split, down to windows
    that are evaluated (through *distance*). ``None`` when too many are left.
    Every prefix and suffix window is left to try.

    The first stretches are those :func:`_doubtful_stretches` starts from for a
    floor of :data:`MIN_SIMILARITY`, and hold every window too; if *learnt* is
    given, the ones that may hold a passage reaching that floor are left in it,
    so that the next round need not measure the others again.
    """
    size = len(nq)
    need = size - upper // 2
    if need < _PRUNED_MIN_SHARE * size:
        return None
    first = _first_stretches(search, size, MIN_SIMILARITY)
    longest, floor_need, stride = (size, need, 2 * size) if first is None else first
    pending: list[tuple[int, int, int]] = []
    starts = range(0, len(search), stride)
    views = [search[s : min(s + stride, len(search)) - 1 + longest] for s in starts]
    doubtful: _Stretches = []
    for _, common, index in process.extract(
        nq, views, scorer=LCSseq.similarity, score_cutoff=min(need, floor_need), limit=None
    ):
        start = starts[index]
        doubtful.append((start, min(start + stride, len(search)), stride))
        if common >= need and start <= last:
            pending.append((start, min(start + stride, last + 1), stride // 4))
    if learnt is not None and first is not None:
        learnt[MIN_SIMILARITY] = doubtful
    windows: list[int] = []
    while pending:
        begin, end, stride = pending.pop()
        if stride <= _PRUNED_LEAF:
            windows += range(begin, end)
            if len(windows) > _PRUNED_MAX_WINDOWS:
                return None
            continue
        starts = range(begin, end, stride)
        views = [search[s : min(s + stride, end) - 1 + size] for s in starts]
        for _, _, index in process.extract(
            nq, views, scorer=LCSseq.similarity, score_cutoff=need, limit=None
        ):
            start = starts[index]
            pending.append((start, min(start + stride, end), stride // 4))
    best = upper
    for start in sorted(windows):
        best = min(best, distance(start, best))
    return best, range(1, size), range(len(search) - size, len(search))


def _seeded_bound(
    search: str, nq: str, last: int, distance: Callable[[int, int], int]
) -> int | None:
    """An upper bound on the lowest distance of a window starting at 0..*last*.

    A few pieces of the quote, where they occur (not too often), say where the
    quote would start; the best of those windows, improved by moving it one
    character at a time while that helps, bounds the best of all. ``None``
    when no piece occurs at all.
    """
    size = len(nq)
    length = max(_MIN_SEED_LENGTH, min(_SEED_PIECE_LENGTH, size // _SEED_GUESSES))
    votes: dict[int, int] = {}
    for index in range(_SEED_GUESSES):
        offset = index * (size - length) // (_SEED_GUESSES - 1)
        piece = nq[offset : offset + length]
        places: list[int] = []
        found = search.find(piece)
        while found != -1 and len(places) <= _SEED_GUESS_PLACES:
            places.append(found)
            found = search.find(piece, found + 1)
        if len(places) <= _SEED_GUESS_PLACES:
            for found in places:
                start = min(max(found - offset, 0), last)
                votes[start] = votes.get(start, 0) + 1
    if not votes:
        return None
    upper = 2 * size
    where = 0
    for start in sorted(votes, key=lambda s: (-votes[s], s))[:_SEED_TRIES]:
        value = distance(start, upper)
        if value < upper:
            upper, where = value, start
    for step in (-1, 1):
        start = where + step
        while 0 <= start <= last and (value := distance(start, upper - 1)) < upper:
            upper, where = value, start
            start += step
    return upper


def _first_met(ties: list[int], last: int) -> int:
    """Which of the window starts *ties* rapidfuzz's bisection meets first.

    *ties* are all the windows at the lowest distance ``d``. The bisection
    splits 0..*last* in halves, level by level, left to right, and meets a
    start when it becomes the end of a range: when it is the middle of the
    range being split (or an end of the whole). So each start has a fixed
    place in that order, and the first in it is met first, provided the ranges
    around it are split. They are: a range is split when its bound falls below
    the best distance met so far; that best is above ``d`` until a tie is met,
    hence until this one is, and the bound is at most ``d`` for a range holding
    a window at distance ``d`` (moving a window by one character changes its
    distance by at most 2), below ``d`` unless the window is its exact middle.
    """
    order = []
    for start in ties:
        low, high, level = 0, last, 0
        while start not in (low, high):
            center = low + (high - low) // 2
            if start <= center:
                high = center
            else:
                low = center
            level += 1
        order.append((level, low, start == high, start))
    return min(order)[3]


def _piece_hits(search: str, nq: str, pieces: int) -> tuple[int, list[tuple[int, int]]] | None:
    """Every occurrence of *pieces* disjoint pieces of the quote, from its start.

    Returns the pieces' length and, for each occurrence, where the quote would
    start if the piece were in place, and where the piece is; ``None`` when they
    occur too often to narrow anything down.
    """
    length = len(nq) // pieces
    hits: list[tuple[int, int]] = []
    for index in range(pieces):
        offset = index * length
        piece = nq[offset : offset + length]
        found = search.find(piece)
        while found != -1:
            hits.append((found - offset, found))
            if len(hits) > _MAX_SEED_HITS:
                return None
            found = search.find(piece, found + 1)
    return length, hits


#: Stretches of text (begin, end, stride) where a passage may start.
_Stretches = list[tuple[int, int, int]]


def _doubtful_stretches(
    search: str, nq: str, floor: float, stretches: _Stretches | None = None
) -> _Stretches | None:
    """Where a passage of *search* may start that reaches *floor* (``[]``: nowhere).

    ``None`` when this cannot be told (short quotes, low floors). A passage
    ``p`` with ``1 - edits / m >= floor``, where ``m = max(len(q), len(p))``,
    keeps at least ``m - edits >= floor * m >= floor * len(q)`` characters of
    the quote in order (every edit removes one match at most), and is at most
    ``len(q) / floor`` long (each extra character is an edit). So a stretch of
    text holding every such passage that starts in a range of positions has a
    longest common subsequence with the quote of at least ``floor * len(q)``
    too: ranges whose stretch falls short hold no such passage. Doubtful ranges
    are halved a few times before they are given up as doubtful.

    *stretches* resumes an earlier answer for the same quote and floor: since
    masking passages only removes matches, ranges cleared then stay clear.
    """
    size = len(nq)
    first = _first_stretches(search, size, floor)
    if first is None or _MASK_CHAR in nq:
        return None
    longest, need, stride = first
    pending = [(0, len(search), stride)] if stretches is None else list(stretches)
    while pending:
        begin, finish, stride = pending.pop()
        starts = range(begin, finish, stride)
        views = [search[s : min(s + stride, finish) - 1 + longest] for s in starts]
        doubtful = process.extract(
            nq, views, scorer=LCSseq.similarity, score_cutoff=need, limit=None
        )
        failing = [(starts[i], min(starts[i] + stride, finish)) for _, _, i in doubtful]
        if failing and stride * _CERTIFIED_SPLITS <= size:
            # Give up; what is left is checked again next time.
            return pending + [(start, end, stride) for start, end in failing]
        pending += [(start, end, stride // 2) for start, end in failing]
    return []


def _first_stretches(search: str, size: int, floor: float) -> tuple[int, int, int] | None:
    """How :func:`_doubtful_stretches` measures: the longest passage reaching *floor*,
    the longest common subsequence it needs, and the first stretches' stride."""
    if size < _CERTIFIED_MIN_LENGTH:
        return None
    least = floor - 1e-6  # candidates' scores are rounded to 9 digits
    if least <= 0.5:
        return None
    return math.floor(size / least), math.ceil(least * size), size * 2


def _refine(nt: str, nq: str, start: int, end: int) -> _Candidate:
    """Best passage around a coarse window: exact boundaries, then word boundaries.

    The coarse window has the quote's length; the passage may have grown or
    shrunk by up to a quarter of it (beyond, it could not reach
    :data:`MIN_SIMILARITY`). The coarse window and an alignment of the quote
    with the surrounding region give first guesses for both ends; a local
    search from the best guess then maximizes the similarity, preferring (on
    equal scores) ends that do not cut a word and a length close to the quote's.

    While searching, a passage's edit distance is computed only up to what
    could still beat the best passage so far (rapidfuzz then stops early), and
    remembered.
    """
    size = len(nq)
    pad = size // 4 + 8
    low = max(0, start - pad)
    high = min(len(nt), end + pad)
    distances: dict[tuple[int, int], int] = {}  # exact distance, or -(n + 1): above n

    def key(s: int, e: int, beat: tuple[float, int, int] | None = None) -> tuple[float, int, int]:
        """The passage's key; when *beat* is given, any key below it if the passage's is."""
        if e <= s:
            return (0.0, 0, -size)
        longest = max(size, e - s)
        known = distances.get((s, e))
        if beat is None:
            if known is None or known < 0:
                known = distances[(s, e)] = Levenshtein.distance(nq, nt[s:e])
        else:
            # Beating *beat* takes a rounded score of at least beat[0], hence at most
            # this many edits (one more for safety).
            bound = math.floor((1.0 - beat[0] + 2e-9) * longest) + 1
            if known is None or 0 < -known <= bound:
                value = Levenshtein.distance(nq, nt[s:e], score_cutoff=bound)
                known = distances[(s, e)] = value if value <= bound else -bound - 1
            if known < 0 or known > bound:
                return (0.0, 0, -size)  # below beat: score < beat[0] - 2e-9
        # What Levenshtein.normalized_similarity returns, to the last bit.
        score = 1.0 - known / longest
        tidy = _clean_start(nt, s) + _clean_end(nt, e)
        # ... and that begin and end like the quote (a word, or punctuation).
        tidy += (nt[s].isalnum() == nq[0].isalnum()) + (nt[e - 1].isalnum() == nq[-1].isalnum())
        return (round(score, 9), tidy, -abs((e - s) - size))

    seeds = {(start, end)}
    seeds.update((low + s, low + e) for s, e in _alignment_guesses(nq, nt[low:high]))
    seeds = {(s, e) for s, e in seeds if low <= s < e <= high}
    best_key, start, end = (
        max((key(s, e), s, e) for s, e in seeds) if seeds else (key(start, end), start, end)
    )
    for _ in range(3):
        moved = False
        for s in range(max(low, start - _REFINE_RADIUS), min(end, start + _REFINE_RADIUS + 1)):
            k = key(s, end, best_key)
            if k > best_key:
                best_key, start, moved = k, s, True
        for e in range(max(start + 1, end - _REFINE_RADIUS), min(high, end + _REFINE_RADIUS) + 1):
            k = key(start, e, best_key)
            if k > best_key:
                best_key, end, moved = k, e, True
        if not moved:
            break
    return _Candidate(best_key[0], start, end)


def _alignment_guesses(nq: str, region: str) -> list[tuple[int, int]]:
    """Where the quote may start and end in *region*, from an edit-operation alignment.

    A global alignment happily matches stray characters in the padding around
    the passage, and in repetitive text it may slide by a whole word. So two
    guesses are made: one from the first and last matching blocks of some
    length, one from the longest matching block alone, each extended by the
    quote characters before/after the blocks.
    """
    blocks = [op for op in Levenshtein.opcodes(nq, region) if op.tag == "equal"]
    if not blocks:
        return []
    size = len(nq)
    solid = [b for b in blocks if b.src_end - b.src_start >= 3] or blocks
    longest = max(blocks, key=lambda b: b.src_end - b.src_start)
    return [
        (first.dest_start - first.src_start, last.dest_end + (size - last.src_end))
        for first, last in ((solid[0], solid[-1]), (longest, longest))
    ]


def _clean_start(nt: str, position: int) -> int:
    """1 if a passage starting here cuts no word and starts with no space."""
    if position >= len(nt) or nt[position] == " ":
        return 0
    return int(position == 0 or not (nt[position - 1].isalnum() and nt[position].isalnum()))


def _clean_end(nt: str, position: int) -> int:
    """1 if a passage ending here cuts no word and ends with no space."""
    if position <= 0 or nt[position - 1] == " ":
        return 0
    return int(position == len(nt) or not (nt[position - 1].isalnum() and nt[position].isalnum()))
