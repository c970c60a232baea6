"""Property tests of anchoring: exact placement with suggested contexts, and
no placement at a wrong passage, whatever happens to the text."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotary.anchoring import (
    anchor_quote,
    normalize_for_matching,
    normalize_quote,
    shortest_unique_context,
)

# Few words, so that repeats (and repeated phrases) are common; with
# typographic variants so that normalization is exercised too.
SMALL_VOCABULARY = [
    "the",
    "cat",
    "cats",
    "sat",
    "on",
    "a",
    "mat",
    "it’s",
    "don't",
    "said",
    "North",
    "troops",
]
PUNCTUATION = ["", "", "", ",", ".", "”", "’", ";", " –", "\u00a0—", ":"]
OPENERS = ["", "", "", "", "“", "‘", "("]

# A larger vocabulary of words far apart from each other for the drift
# property: otherwise the corrupted passage may honestly be farther from the
# quote than some other passage of the text, and no method could tell.
WIDE_VOCABULARY = [
    "Officials",
    "told",
    "BBC",
    "North",
    "Korean",
    "troops",
    "have",
    "already",
    "suffered",
    "nearly",
    "casualties",
    "fighting",
    "cannon",
    "fodder",
    "anonymity",
    "arrived",
    "autumn",
    "Kursk",
    "region",
    "Ukraine",
    "Pyongyang",
    "estimate",
    "reports",
    "minister",
    "intelligence",
    "according",
    "thousand",
    "weapons",
    "drones",
    "winter",
    "village",
    "frontline",
    "soldiers",
    "commander",
    "statement",
    "denied",
    "confirmed",
    "evidence",
    "western",
    "sources",
]


@st.composite
def tokens(draw: st.DrawFn, vocabulary: list[str], min_size: int, max_size: int) -> list[str]:
    """Words, some with punctuation or an opening quote attached.

    One byte per word, decoded here: far faster to generate than a list of
    strategies per word, which matters for texts of hundreds of words.
    """
    data = draw(st.binary(min_size=min_size, max_size=max_size))
    words = []
    for byte in data:
        word = vocabulary[byte % len(vocabulary)]
        decoration = byte // len(vocabulary)
        opener = OPENERS[decoration % len(OPENERS)]
        closer = PUNCTUATION[(decoration // len(OPENERS) + byte) % len(PUNCTUATION)]
        words.append(opener + word + closer)
    return words


@dataclass(frozen=True)
class Cut:
    text: str
    start: int
    end: int

    @property
    def quote(self) -> str:
        return self.text[self.start : self.end]


@st.composite
def cuts(
    draw: st.DrawFn, vocabulary: list[str], min_size: int, max_size: int, min_words: int = 1
) -> Cut:
    """A text and a passage of it (1-15 words) that starts and ends at word boundaries."""
    toks = draw(tokens(vocabulary, min_size, max_size))
    first = draw(st.integers(0, len(toks) - min_words))
    last = draw(st.integers(first + min_words - 1, min(len(toks) - 1, first + 14)))
    start = sum(len(t) + 1 for t in toks[:first])
    end = start + len(" ".join(toks[first : last + 1]))
    return Cut(" ".join(toks), start, end)


def occurrence_count(text: str, quote: str) -> int:
    nt, nq = normalize_for_matching(text), normalize_quote(quote)
    return sum(nt.startswith(nq, i) for i in range(len(nt)))


def plain(quote: str) -> str:
    """The quote as typed on a keyboard, with a line break thrown in."""
    typed = quote.replace("’", "'").replace("“", '"').replace("”", '"').replace("–", "-")
    typed = typed.replace("—", "-").replace("\u00a0", " ")
    return typed.replace(" ", "\n", 1)


@settings(max_examples=1000, deadline=None)
@given(cuts(SMALL_VOCABULARY, 1, 40), st.booleans())
def test_cut_passage_anchors_where_it_was_cut(cut: Cut, retype: bool) -> None:
    prefix, suffix = shortest_unique_context(cut.text, cut.start, cut.end)
    quote = plain(cut.quote) if retype else cut.quote
    result = anchor_quote(cut.text, quote, prefix, suffix)
    count = occurrence_count(cut.text, cut.quote)
    if count == 1:
        assert (prefix, suffix) == (None, None)
    if result.state == "exact":
        assert (result.start, result.end) == (cut.start, cut.end)
    else:
        # Only when no context can single it out (the suggestion is empty).
        assert result.state == "ambiguous", result
        assert count > 1
        assert (prefix, suffix) == (None, None)
        listed = [o for o in result.occurrences if o.start == cut.start]
        assert listed
        assert (listed[0].prefix, listed[0].suffix) == (None, None)


@st.composite
def corruptions(draw: st.DrawFn) -> tuple[str, str, str | None, str | None, int, int, int]:
    """A text, a quote cut from it with its context, and the text after a few
    edits in and around the quote; with where the quote's passage went."""
    # Half the quotes long enough to be re-anchored approximately.
    cut = draw(cuts(WIDE_VOCABULARY, 50, 300, min_words=draw(st.sampled_from([1, 4]))))
    prefix, suffix = shortest_unique_context(cut.text, cut.start, cut.end)
    if draw(st.booleans()):
        prefix = suffix = None  # as contributors often write it, context or not
    text, start, end = cut.text, cut.start, cut.end
    edits = draw(st.integers(1, 3))
    for _ in range(edits):
        position = draw(st.integers(max(0, start - 5), min(len(text), end + 5)))
        kind = draw(st.sampled_from(["delete", "insert", "substitute"]))
        char = draw(st.sampled_from("aeiouxyz ,.’"))
        if kind == "insert":
            text = text[:position] + char + text[position:]
            if position <= start:
                start += 1
                end += 1
            elif position < end:
                end += 1
        elif position < len(text):
            if kind == "delete":
                text = text[:position] + text[position + 1 :]
                if position < start:
                    start -= 1
                    end -= 1
                elif position < end:
                    end -= 1
            else:
                text = text[:position] + char + text[position + 1 :]
    return text, cut.quote, prefix, suffix, start, end, edits


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(corruptions())
def test_corrupted_text_never_places_the_quote_elsewhere(
    case: tuple[str, str, str | None, str | None, int, int, int],
) -> None:
    text, quote, prefix, suffix, start, end, edits = case
    result = anchor_quote(text, quote, prefix, suffix)
    if result.state in ("orphan", "ambiguous"):
        assert result.start is None
        return
    assert result.start is not None
    assert result.end is not None
    tolerance = edits + 3
    near = (
        result.start < end
        and result.end > start
        and abs(result.start - start) <= tolerance
        and abs(result.end - end) <= tolerance
    )
    if not near:
        # Elsewhere is right only where the quote is really there, verbatim.
        assert result.state == "exact", (result, text[result.start : result.end], (start, end))
        nt = normalize_for_matching(text)
        assert nt[result.start : result.end] == normalize_quote(quote)
