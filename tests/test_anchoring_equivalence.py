"""The fast fuzzy search gives exactly the answers of the straightforward one.

``anchoring._fuzzy_candidates`` avoids most of rapidfuzz's work on long quotes:
exact seeds (or pruned stretches of text) instead of a scan of every window, an
emulation of ``fuzz.partial_ratio_alignment`` that skips its loops over the
text's ends, a cheap proof that no rival passage is left to find, and a
refinement that stops computing a distance once it cannot win. Each step is
meant to change nothing.
Here the whole search is compared with the algorithm it replaced (kept below as
the reference), on random texts with repeated passages and random edits, and the
steps are compared with what they stand for.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from annotary import anchoring
from annotary.anchoring import (
    AMBIGUITY_MARGIN,
    MIN_SIMILARITY,
    AnchorResult,
    anchor_quote,
    normalize_for_matching,
    normalize_quote,
)

# --- the reference: one rapidfuzz call per round, the refinement as it was -------------


def reference_fuzzy_candidates(
    nt: str,
    nq: str,
    *,
    masked: Sequence[tuple[int, int]],
    floor: float | None,
    rounds: int = anchoring._MAX_FUZZY_ROUNDS,
) -> list[anchoring._Candidate]:
    """``_fuzzy_candidates`` before the optimisation, verbatim."""
    search = anchoring._mask(nt, masked)
    found: list[anchoring._Candidate] = []
    for _ in range(rounds):
        if floor is None and found:
            floor = min(MIN_SIMILARITY, found[0].score - AMBIGUITY_MARGIN)
        cutoff = 0.0 if floor is None else max(0.0, floor * 100 - anchoring._COARSE_SLACK)
        if len(nq) >= len(search):
            window: tuple[int, int] | None = (0, len(search)) if not found else None
        else:
            alignment = fuzz.partial_ratio_alignment(nq, search, score_cutoff=cutoff)
            window = None
            if alignment is not None and alignment.score > 0:
                window = (alignment.dest_start, alignment.dest_end)
        if window is None:
            break
        candidate = reference_refine(search, nq, *window)
        if candidate.end <= candidate.start:
            break
        found.append(candidate)
        search = anchoring._mask(search, [(candidate.start, candidate.end)])
        if floor is None and candidate.score < MIN_SIMILARITY:
            break  # an orphan whatever else there is
    found.sort(key=lambda c: (-c.score, c.start))
    return found


def reference_refine(nt: str, nq: str, start: int, end: int) -> anchoring._Candidate:
    """``_refine`` before the optimisation, verbatim."""
    size = len(nq)
    pad = size // 4 + 8
    low = max(0, start - pad)
    high = min(len(nt), end + pad)

    def key(s: int, e: int) -> tuple[float, int, int]:
        if e <= s:
            return (0.0, 0, -size)
        score = Levenshtein.normalized_similarity(nq, nt[s:e])
        tidy = anchoring._clean_start(nt, s) + anchoring._clean_end(nt, e)
        tidy += (nt[s].isalnum() == nq[0].isalnum()) + (nt[e - 1].isalnum() == nq[-1].isalnum())
        return (round(score, 9), tidy, -abs((e - s) - size))

    seeds = {(start, end)}
    seeds.update((low + s, low + e) for s, e in anchoring._alignment_guesses(nq, nt[low:high]))
    seeds = {(s, e) for s, e in seeds if low <= s < e <= high}
    best_key, start, end = (
        max((key(s, e), s, e) for s, e in seeds) if seeds else (key(start, end), start, end)
    )
    radius = anchoring._REFINE_RADIUS
    for _ in range(3):
        moved = False
        for s in range(max(low, start - radius), min(end, start + radius + 1)):
            k = key(s, end)
            if k > best_key:
                best_key, start, moved = k, s, True
        for e in range(max(start + 1, end - radius), min(high, end + radius) + 1):
            k = key(start, e)
            if k > best_key:
                best_key, end, moved = k, e, True
        if not moved:
            break
    return anchoring._Candidate(best_key[0], start, end)


def rapidfuzz_window(nq: str, text: str, cutoff: float) -> tuple[int, int] | None:
    """The window the reference takes from rapidfuzz (``None``: no window, or score 0)."""
    alignment = fuzz.partial_ratio_alignment(nq, text, score_cutoff=cutoff)
    if alignment is None or alignment.score <= 0:
        return None
    return alignment.dest_start, alignment.dest_end


# --- running both ------------------------------------------------------------------------

#: Thresholds low enough for the short texts below to take every fast path
#: (seeds, the emulated rapidfuzz call, the no-rival proof) whenever it applies.
EAGER = {
    "_SEEDED_MIN_LENGTH": 8,
    "_EMULATED_MIN_LENGTH": 8,
    "_MIN_SEED_LENGTH": 3,
    "_CERTIFIED_MIN_LENGTH": 8,
}


@contextlib.contextmanager
def eager(enabled: bool = True) -> Iterator[None]:
    with mock.patch.multiple(anchoring, **EAGER) if enabled else contextlib.nullcontext():
        yield


def both(
    text: str, quote: str, prefix: str | None = None, suffix: str | None = None
) -> tuple[AnchorResult, AnchorResult]:
    new = anchor_quote(text, quote, prefix, suffix)
    with mock.patch.object(anchoring, "_fuzzy_candidates", reference_fuzzy_candidates):
        old = anchor_quote(text, quote, prefix, suffix)
    return new, old


def assert_same(new: AnchorResult, old: AnchorResult) -> None:
    assert (new.state, new.start, new.end) == (old.state, old.start, old.end), (new, old)
    assert abs(new.similarity - old.similarity) <= 1e-9, (new, old)
    assert new.candidate == old.candidate, (new, old)
    assert new.occurrences == old.occurrences
    assert new.reason == old.reason


# --- random texts with repeated passages and random edits -----------------------------

VOCABULARY = [
    "the", "troops", "North", "Korean", "have", "already", "suffered", "nearly",
    "casualties", "in", "fighting", "Kursk", "region", "officials", "said", "that",
    "a", "of", "and", "it’s", "“cannon", "fodder,”", "–", "40%", "were", "had", "been",
]  # fmt: skip
LETTERS = "aeiou tnrsl,.’"


@dataclass(frozen=True)
class Case:
    text: str
    quote: str
    prefix: str | None
    suffix: str | None


def edited(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        position = rng.randrange(len(chars) + 1)
        kind = rng.randrange(3)
        if kind == 0 or position == len(chars):
            chars.insert(position, rng.choice(LETTERS))
        elif kind == 1:
            del chars[position]
        else:
            chars[position] = rng.choice(LETTERS)
    return "".join(chars)


@st.composite
def cases(draw: st.DrawFn, max_words: int = 220, max_quote_words: int = 60) -> Case:
    rng = draw(st.randoms(use_true_random=False))
    vocabulary = VOCABULARY[: rng.randint(6, len(VOCABULARY))]
    words = [rng.choice(vocabulary) for _ in range(rng.randint(8, max_words))]
    count = rng.randint(3, min(max_quote_words, len(words)))
    first = rng.choice([0, len(words) - count, rng.randint(0, len(words) - count)])
    before, passage, after = (
        " ".join(words[:first]),
        " ".join(words[first : first + count]),
        " ".join(words[first + count :]),
    )
    quote = passage
    # The text changes: the passage is edited a little or a lot, or goes.
    fate = rng.random()
    if fate < 0.75:
        rate = rng.choice([0.0, 0.02, 0.05, 0.1, 0.2, 0.35])
        passage = edited(rng, passage, max(1, round(len(passage) * rate)))
    elif fate < 0.85:
        passage = ""
    parts = [p for p in (before, passage, after) if p]
    # Look-alike passages elsewhere: copies of the quote, edited or not.
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        rate = rng.choice([0.0, 0.01, 0.05, 0.1, 0.2])
        copy = edited(rng, quote, round(len(quote) * rate))
        parts.insert(rng.randint(0, len(parts)), copy)
    text = " ".join(parts)
    prefix = suffix = None
    if before and rng.random() < 0.25:
        prefix = " ".join(before.split(" ")[-rng.randint(1, 4) :])
    if after and rng.random() < 0.15:
        suffix = " ".join(after.split(" ")[: rng.randint(1, 4)])
    return Case(text, quote, prefix, suffix)


@settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases(), st.booleans())
def test_anchoring_is_unchanged(case: Case, fast_paths: bool) -> None:
    with eager(fast_paths):
        new, old = both(case.text, case.quote, case.prefix, case.suffix)
    assert_same(new, old)


# --- each step against what it stands for -------------------------------------------------


@st.composite
def windows_cases(draw: st.DrawFn) -> tuple[str, str, float]:
    """A quote, a longer text (small alphabets make ties common) and a cutoff."""
    rng = draw(st.randoms(use_true_random=False))
    alphabet = rng.choice(["ab", "abc", "ab c", "abcdefgh ", "the cat sat on a mat"])
    size = rng.randint(1, 60)
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(size + 1, 400)))
    start = rng.choice([0, len(text) - size, rng.randint(0, len(text) - size)])
    quote = edited(rng, text[start : start + size], rng.choice([0, 1, 2, size // 5]))
    if not quote or len(quote) >= len(text):
        quote = text[start : start + size]
    if rng.random() < 0.2:  # the passage cut by the start or the end of the text
        cut = rng.randint(1, max(1, size // 2))
        text = text[start + cut :] if rng.random() < 0.5 else text[: start + size - cut]
        text += "".join(rng.choice(alphabet) for _ in range(len(quote) + 1 - len(text)))
    if rng.random() < 0.3:  # a masked (already examined) passage
        at = rng.randrange(len(text))
        text = anchoring._mask(text, [(at, min(len(text), at + rng.randint(1, 40)))])
    cutoff = rng.choice([0.0, 0.0, 50.0, 55.0, 65.0, 80.0, 95.0])
    return quote, text, cutoff


@settings(max_examples=1500, deadline=None)
@given(windows_cases())
def test_emulated_alignment_is_rapidfuzz(case: tuple[str, str, float]) -> None:
    quote, text, cutoff = case
    assert anchoring._emulated_alignment(quote, text, cutoff) == rapidfuzz_window(
        quote, text, cutoff
    )


@st.composite
def spread_edits_cases(draw: st.DrawFn) -> tuple[str, str, float]:
    """A quote whose passage has an edit in every stretch: as few pieces intact as can be."""
    rng = draw(st.randoms(use_true_random=False))
    letters = "abcdefghijklmnopqrstuvwxyz"
    quote = "".join(rng.choice(letters) for _ in range(rng.randint(20, 150)))
    edits = rng.randint(1, len(quote) // 6)
    passage = list(quote)
    # Insertions and deletions in turn keep the length: each edit then breaks a piece.
    alternate = rng.random() < 0.5
    for k in reversed(range(edits)):
        at = (2 * k + 1) * len(quote) // (2 * edits)
        if k % 2 == 0 if alternate else rng.random() < 0.5:
            passage.insert(at, rng.choice(letters))
        else:
            del passage[at]
    noise = ["".join(rng.choice(letters) for _ in range(rng.randint(0, 300))) for _ in range(3)]
    # Another passage like it: as close (a tie), or edited otherwise, or none.
    copy = rng.choice(["".join(passage), edited(rng, quote, rng.randint(0, edits + 2)), ""])
    text = noise[0] + "".join(passage) + noise[1] + copy + noise[2]
    text += "".join(rng.choice(letters) for _ in range(len(quote) + 1 - len(text)))
    return quote, text, rng.choice([0.0, 0.0, 50.0, 65.0, 90.0])


@settings(max_examples=800, deadline=None)
@given(st.one_of(windows_cases(), spread_edits_cases()))
def test_seeded_window_is_rapidfuzz_window(case: tuple[str, str, float]) -> None:
    quote, text, cutoff = case
    with eager():
        found = anchoring._seeded_window(text, quote, cutoff)
    assume(found != anchoring._UNDECIDED)
    assert found == rapidfuzz_window(quote, text, cutoff)


def test_ties_go_to_the_window_the_bisection_meets_first() -> None:
    # Every window at the lowest distance, against rapidfuzz's choice among them.
    rng = random.Random(3)
    for _ in range(3000):
        alphabet = rng.choice(["ab", "abc", "ab c", "xyz"])
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20)))
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(len(pattern) + 1, 200)))
        for _ in range(rng.randint(0, 3)):  # copies: ties far apart
            at = rng.randint(0, len(text) - len(pattern))
            text = text[:at] + pattern + text[at + len(pattern) :]
        quote = edited(rng, pattern, rng.randint(0, 2)) or pattern
        if len(quote) >= len(text):
            continue
        last = len(text) - len(quote) - 1
        distances = [Indel.distance(quote, text[x : x + len(quote)]) for x in range(last + 1)]
        ties = [x for x, value in enumerate(distances) if value == min(distances)]
        alignment = fuzz.partial_ratio_alignment(quote, text)
        if alignment.dest_end - alignment.dest_start == len(quote) and alignment.dest_start <= last:
            assert anchoring._first_met(ties, last) == alignment.dest_start


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_refine_is_unchanged(case: Case, data: st.DataObject) -> None:
    nt, nq = normalize_for_matching(case.text), normalize_quote(case.quote)
    assume(nq and len(nq) < len(nt))
    start = data.draw(st.integers(0, len(nt) - len(nq)))
    assert anchoring._refine(nt, nq, start, start + len(nq)) == reference_refine(
        nt, nq, start, start + len(nq)
    )


@settings(max_examples=200, deadline=None)
@given(
    cases(max_words=70, max_quote_words=14),
    st.sampled_from([0.7, 0.75, 0.8, 0.9]),
    st.booleans(),
)
def test_doubtful_stretches_hold_every_passage_reaching_the_floor(
    case: Case, floor: float, resumed: bool
) -> None:
    nt, nq = normalize_for_matching(case.text), normalize_quote(case.quote)
    assume(len(nq) >= 8)
    with eager():
        stretches = anchoring._doubtful_stretches(nt, nq, floor)
        if resumed and stretches:
            # Masking a passage only removes matches: resuming stays sound.
            at = len(nt) // 3
            nt = anchoring._mask(nt, [(at, at + len(nq))])
            stretches = anchoring._doubtful_stretches(nt, nq, floor, stretches)
    assume(stretches is not None)
    assert stretches is not None
    longest = int(len(nq) / floor) + 1
    for start in range(len(nt)):
        if any(begin <= start < end for begin, end, _ in stretches):
            continue
        for end in range(start + 1, min(len(nt), start + longest) + 1):
            score = round(Levenshtein.normalized_similarity(nq, nt[start:end]), 9)
            assert score < floor, (start, end, score, stretches)


def test_refine_scores_are_rapidfuzz_similarities() -> None:
    # _refine computes 1 - distance / max(len) itself, from a distance under a cutoff.
    rng = random.Random(5)
    for _ in range(3000):
        alphabet = rng.choice(["ab", "abc d", "the cat sat"])
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90)))
        distance = Levenshtein.distance(a, b)
        assert 1.0 - distance / max(len(a), len(b)) == Levenshtein.normalized_similarity(a, b)
        bound = rng.randint(0, distance + 2)
        capped = Levenshtein.distance(a, b, score_cutoff=bound)
        assert capped == (distance if distance <= bound else bound + 1)


# --- long quotes in a long, repetitive article, at the real thresholds ------------------------


def repetitive_article(words: int, seed: int) -> list[str]:
    """News-like sentences from few templates: phrases recur with small variations."""
    rng = random.Random(seed)
    places = ["Kursk", "Kharkiv", "Odesa", "Lviv", "Riga", "Tbilisi", "Accra", "Lagos"]
    nouns = ["troops", "refugees", "workers", "families", "soldiers", "farmers", "voters"]
    verbs = ["killed", "wounded", "evacuated", "displaced", "detained", "trained"]
    said = ["said", "warned", "argued", "claimed", "told reporters", "confirmed"]
    out: list[str] = []
    while len(out) < words:
        sentence = (
            f"{rng.choice(['Officials', 'The ministry', 'A spokesperson'])} {rng.choice(said)} "
            f"that {rng.randint(2, 90) * 10:,} {rng.choice(nouns)} had been {rng.choice(verbs)} "
            f"in {rng.choice(places)} {rng.choice(['last week', 'this month', 'in the autumn'])}."
        )
        out += sentence.split()
    return out


LONG_CASES = [
    # (quote length, where, what happens)
    (300, "middle", "word"),
    (1000, "middle", "word"),
    (1000, "middle", "three words"),
    (1000, "middle", "typos"),
    (1000, "start", "word"),
    (1000, "end", "word"),
    (1000, "middle", "copy"),
    (1000, "middle", "gone"),
    (2000, "middle", "word"),
]


@pytest.mark.parametrize(("length", "where", "change"), LONG_CASES)
def test_long_quotes_in_a_long_article(length: int, where: str, change: str) -> None:
    words = repetitive_article(10_000, seed=length)
    start = {"start": 0, "middle": len(words) // 2, "end": len(words) - length // 5}[where]
    count = 1
    while len(" ".join(words[start : start + count])) < length and start + count < len(words):
        count += 1
    quote = " ".join(words[start : start + count])
    edited_words = list(words)
    if change in ("word", "copy"):
        edited_words[start + count // 2] = "drifted"
    elif change == "three words":
        for k in (1, 2, 3):
            edited_words[start + k * count // 4] = "drifted"
    elif change == "typos":
        # One character in twenty changed: too many edits for pieces of the quote.
        rng = random.Random(length)
        for k in range(start, start + count):
            if rng.random() < 0.3:
                word = edited_words[k]
                at = rng.randrange(len(word))
                edited_words[k] = word[:at] + rng.choice("aeiostn") + word[at + 1 :]
    elif change == "gone":
        del edited_words[start : start + count]
    if change == "copy":
        # A near-duplicate elsewhere: the quote is then doubtful.
        copy = quote.replace(words[start + 1], "changed", 1)
        edited_words[len(words) // 5 : len(words) // 5] = copy.split()
    text = " ".join(edited_words)
    new, old = both(text, quote)
    assert_same(new, old)
    expected = {"gone": "orphan", "copy": "orphan"}.get(change, "drifted")
    assert new.state == expected
