"""Placing quotes in an article's visible text: exact, drifted, ambiguous, orphan."""

from __future__ import annotations

import random
import sys

import pytest

from annotary.anchoring import (
    MIN_FUZZY_LENGTH,
    MIN_SIMILARITY,
    AnchorResult,
    anchor_quote,
    normalize_for_matching,
    normalize_quote,
    shortest_unique_context,
)

ARTICLE = (
    "Officials told the BBC that North Korean troops have already suffered nearly 40% "
    "casualties in the fighting. “They are cannon fodder,” said Col Hamish de Bretton-Gordon, "
    "a former tank commander. The officials, who spoke on grounds of anonymity, said the "
    "troops – about 11,000 – arrived in the Kursk region in autumn."
)


def placed(text: str, result: AnchorResult) -> str:
    assert result.start is not None
    assert result.end is not None
    return text[result.start : result.end]


# --- normalization -------------------------------------------------------------


def test_normalize_for_matching_maps_typographic_variants_one_to_one() -> None:
    text = "‘a’ ʼb′ “c” „d″ e–f—g‒h−i j\u00a0k\u202fl\u2009m\nn"
    normalized = normalize_for_matching(text)
    assert len(normalized) == len(text)
    assert normalized == "'a' 'b' \"c\" \"d\" e-f-g-h-i j k l m n"


def test_normalize_for_matching_maps_every_unicode_space() -> None:
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert normalize_for_matching(spaces) == " " * len(spaces)


def test_normalize_for_matching_leaves_other_text_alone() -> None:
    text = "Plain ASCII, accents (é, ß), «guillemets» and emoji 🙂 stay."
    assert normalize_for_matching(text) == text


def test_normalize_quote_collapses_white_space_and_strips() -> None:
    assert (
        normalize_quote("  They\u00a0are\n\n  “cannon   fodder” \t") == 'They are "cannon fodder"'
    )
    assert normalize_quote(" \n ") == ""


# --- exact ---------------------------------------------------------------------


def test_exact_quote_is_placed() -> None:
    quote = "North Korean troops have already suffered nearly 40% casualties"
    result = anchor_quote(ARTICLE, quote)
    assert result.state == "exact"
    assert result.similarity == 1.0
    assert result.reason == ""
    assert placed(ARTICLE, result) == quote


def test_straight_quote_matches_curly_text_and_covers_the_articles_characters() -> None:
    result = anchor_quote(ARTICLE, '"They are cannon fodder," said')
    assert result.state == "exact"
    assert placed(ARTICLE, result) == "“They are cannon fodder,” said"


def test_curly_quote_matches_straight_text() -> None:
    text = 'He said: "it\'s over" and left.'
    result = anchor_quote(text, "“it’s over”")
    assert result.state == "exact"
    assert placed(text, result) == '"it\'s over"'


@pytest.mark.parametrize("dash", ["-", "–", "—", "‒", "−"])
def test_dashes_match_each_other(dash: str) -> None:
    result = anchor_quote(ARTICLE, f"the troops {dash} about 11,000 {dash} arrived")
    assert result.state == "exact"
    assert placed(ARTICLE, result) == "the troops – about 11,000 – arrived"


def test_non_breaking_spaces_match_ordinary_ones_both_ways() -> None:
    text = "about 11,000\u00a0troops arrived in\u202fautumn"
    result = anchor_quote(text, "11,000 troops arrived in autumn")
    assert result.state == "exact"
    assert placed(text, result) == "11,000\u00a0troops arrived in\u202fautumn"
    result = anchor_quote("about 11,000 troops arrived", "11,000\u00a0troops")
    assert result.state == "exact"


def test_quote_may_cross_a_paragraph_boundary() -> None:
    # The visible text has one space where the paragraphs were; the YAML quote
    # may keep the line breaks, or fold them.
    text = "The first paragraph ends here. The second begins there."
    for quote in ("ends here.\n\nThe second", "ends here.  The\n second"):
        result = anchor_quote(text, quote)
        assert result.state == "exact"
        assert placed(text, result) == "ends here. The second"


def test_quote_at_the_very_start_and_end() -> None:
    assert anchor_quote(ARTICLE, "Officials told").start == 0
    assert anchor_quote(ARTICLE, "in autumn.").end == len(ARTICLE)


def test_text_with_uncollapsed_white_space_still_matches() -> None:
    # Not the contract, but a double space must not lose an annotation.
    text = "troops  have already\n suffered"
    result = anchor_quote(text, "troops have already suffered")
    assert result.state == "exact"
    assert (result.start, result.end) == (0, len(text))


def test_empty_quote_is_an_orphan() -> None:
    result = anchor_quote(ARTICLE, " \n ")
    assert result.state == "orphan"
    assert result.start is None
    assert "empty" in result.reason


def test_empty_text_gives_orphans() -> None:
    assert anchor_quote("", "anything at all, long enough to look for").state == "orphan"
    assert anchor_quote("", "x").state == "orphan"


# --- several occurrences ---------------------------------------------------------


def test_prefix_chooses_the_occurrence() -> None:
    result = anchor_quote(ARTICLE, "the", prefix="anonymity, said ")
    assert result.state == "exact"
    assert result.start == ARTICLE.index("the troops")


def test_suffix_chooses_the_occurrence() -> None:
    result = anchor_quote(ARTICLE, "the", suffix=" Kursk region")
    assert result.state == "exact"
    assert result.start == ARTICLE.index("the Kursk")


def test_context_is_compared_normalized_and_tolerant_at_the_joint() -> None:
    text = "He said “no” – twice. She said “no” – once."
    # No space at the joint, typographic variants, a line break inside.
    result = anchor_quote(text, '"no"', prefix="She\nsaid", suffix="- once")
    assert result.state == "exact"
    assert result.start == text.rindex("“no”")


def test_prefix_longer_than_the_text_before_does_not_fit() -> None:
    text = "cat sat. The cat sat."
    result = anchor_quote(text, "cat sat", prefix="A long prefix before the first cat ")
    # Fits none: the one whose text before is too short must not count.
    assert result.state != "exact"
    result = anchor_quote(text, "cat sat", prefix="The ")
    assert result.state == "exact"
    assert result.start == text.rindex("cat sat")


def test_prefix_and_suffix_must_both_fit() -> None:
    text = "A x B. A y B. C x B."
    result = anchor_quote(text, "x B", prefix="C ", suffix=".")
    assert result.state == "exact"
    assert result.start == text.rindex("x B")


def test_ambiguous_lists_every_occurrence_with_its_shortest_context() -> None:
    result = anchor_quote(ARTICLE, "the")
    assert result.state == "ambiguous"
    assert result.start is None
    assert "4 times" in result.reason
    starts = [o.start for o in result.occurrences]
    assert starts == sorted(starts)
    # "in " would fit both "in the fighting" and "in the Kursk region": the
    # shortest unique contexts are the suffixes there.
    assert [(o.prefix, o.suffix) for o in result.occurrences] == [
        (None, " BBC"),
        (None, " fighting."),
        ("said ", None),
        (None, " Kursk"),
    ]
    for occurrence in result.occurrences:
        assert ARTICLE[occurrence.start : occurrence.end] == "the"


def test_suggested_context_makes_each_occurrence_exact() -> None:
    text = (
        "The minister said the talks failed. Officials said the talks failed. "
        "Later, officials said the talks failed again, and the minister said the talks failed."
    )
    result = anchor_quote(text, "said the talks failed")
    assert result.state == "ambiguous"
    assert len(result.occurrences) == 4
    for occurrence in result.occurrences:
        again = anchor_quote(
            text, "said the talks failed", prefix=occurrence.prefix, suffix=occurrence.suffix
        )
        assert again.state == "exact", occurrence
        assert (again.start, again.end) == (occurrence.start, occurrence.end)


def test_shorter_of_prefix_and_suffix_is_suggested() -> None:
    text = "Alpha quote endings. Beta quote x."
    # First: prefix "Alpha " (6) vs suffix " endings." (9); second: suffix " x." (3).
    prefix, suffix = shortest_unique_context(text, 6, 11)
    assert (prefix, suffix) == ("Alpha ", None)
    prefix, suffix = shortest_unique_context(text, 26, 31)
    assert (prefix, suffix) == (None, " x.")


def test_context_grows_word_by_word_from_the_original_text() -> None:
    text = "It’s said the cat sat. It’s not said the cat sat."
    start = text.rindex("the cat")
    # "said " fits both; " sat." fits both and cannot grow at the end of the text.
    assert shortest_unique_context(text, start, start + 7) == ("not said ", None)
    start = text.index("the cat")
    # "It’s said " and " sat. It’s" are equally long: the prefix wins, with the
    # text's own apostrophe.
    prefix, suffix = shortest_unique_context(text, start, start + 7)
    assert (prefix, suffix) == ("It’s said ", None)
    result = anchor_quote(text, "the cat", prefix=prefix)
    assert (result.state, result.start) == ("exact", start)


def test_overlapping_occurrences_are_all_found_and_told_apart() -> None:
    text = "ha ha ha"
    result = anchor_quote(text, "ha ha")
    assert result.state == "ambiguous"
    assert [(o.start, o.end, o.prefix, o.suffix) for o in result.occurrences] == [
        (0, 5, None, " ha"),
        (3, 8, "ha ", None),
    ]
    assert anchor_quote(text, "ha ha", prefix="ha").start == 3
    assert anchor_quote(text, "ha ha", suffix="ha").start == 0


def test_context_needing_both_sides_is_suggested_with_both() -> None:
    text = "a a a"
    prefix, suffix = shortest_unique_context(text, 2, 3)
    assert (prefix, suffix) == ("a ", " a")
    result = anchor_quote(text, "a", prefix=prefix, suffix=suffix)
    assert (result.state, result.start) == ("exact", 2)


def test_unique_quote_needs_no_context() -> None:
    start = ARTICLE.index("cannon fodder")
    assert shortest_unique_context(ARTICLE, start, start + 13) == (None, None)


def test_shortest_unique_context_takes_the_annotations_quote() -> None:
    text = "He said “no”. She said “no”."
    start = text.rindex("“no”")
    assert shortest_unique_context(text, start, start + 4, quote='"no"') == ("She said ", None)


def test_context_that_fits_several_occurrences_is_ambiguous() -> None:
    text = "He said no. She said no. They said no."
    result = anchor_quote(text, "no", prefix="said")
    assert result.state == "ambiguous"
    assert "fits 3 of them" in result.reason


# --- the quote survives, its context changed ------------------------------------------

WITHDRAWN = (
    "The officials told journalists that the troops had withdrawn. "
    "Later, a spokesman said the troops had withdrawn."
)


def test_unique_quote_whose_context_changed_drifts() -> None:
    text = "The officials told journalists that the troops had withdrawn from the region."
    result = anchor_quote(
        text, "the troops had withdrawn", prefix="The officials told reporters that "
    )
    assert result.state == "drifted"
    assert placed(text, result) == "the troops had withdrawn"
    assert 0.5 < result.similarity < 1.0
    assert "prefix no longer fits" in result.reason


def test_context_that_clearly_resembles_one_occurrence_picks_it() -> None:
    result = anchor_quote(
        WITHDRAWN, "the troops had withdrawn", prefix="The officials told reporters that "
    )
    assert result.state == "drifted"
    assert result.start == WITHDRAWN.index("the troops")


def test_context_that_resembles_no_occurrence_is_ambiguous() -> None:
    result = anchor_quote(WITHDRAWN, "the troops had withdrawn", prefix="Nobody ever mentions ")
    assert result.state == "ambiguous"
    assert len(result.occurrences) == 2


def test_surviving_occurrence_that_the_context_excluded_is_refused() -> None:
    # "a spokesman said " told the third occurrence apart; it was edited since.
    text = (
        "He said the troops had withdrawn from Kursk. She said the troops had withdrawn "
        "from Kursk. Later a spokesman said the troops had left Kursk."
    )
    for prefix in ("a spokesman said ", "spokesman said "):
        result = anchor_quote(text, "the troops had withdrawn from Kursk", prefix=prefix)
        assert result.state in ("orphan", "ambiguous"), prefix
        assert result.start is None


def test_single_survivor_of_an_edited_duplicate_is_refused() -> None:
    # Originally "... said the cat sat. ... told the cat sat." with prefix "told ".
    text = "She said the cat sat. He told the cot sat down."
    result = anchor_quote(text, "the cat sat", prefix="told ")
    assert result.state == "orphan"
    assert result.candidate is not None


# --- the quote itself changed ---------------------------------------------------------


def test_word_changed_drifts_to_the_new_passage() -> None:
    quote = "North Korean troops have already suffered almost 40% casualties"
    result = anchor_quote(ARTICLE, quote)
    assert result.state == "drifted"
    assert placed(ARTICLE, result) == (
        "North Korean troops have already suffered nearly 40% casualties"
    )
    assert MIN_SIMILARITY <= result.similarity < 1.0
    assert "not in the text verbatim" in result.reason


def test_fixed_typo_drifts() -> None:
    result = anchor_quote(ARTICLE, "spoke on grounds of anonimity, said")
    assert result.state == "drifted"
    assert placed(ARTICLE, result) == "spoke on grounds of anonymity, said"


def test_inserted_words_drift_and_the_span_covers_them() -> None:
    result = anchor_quote(ARTICLE, "said Col Hamish de Bretton-Gordon, a tank commander")
    assert result.state == "drifted"
    assert placed(ARTICLE, result) == "said Col Hamish de Bretton-Gordon, a former tank commander"


def test_removed_passage_is_an_orphan_with_the_closest_candidate() -> None:
    result = anchor_quote(ARTICLE, "Pyongyang has denied sending any soldiers to Russia")
    assert result.state == "orphan"
    assert result.start is None
    assert result.similarity < MIN_SIMILARITY
    assert result.candidate is not None
    assert "only" in result.reason


def test_rewritten_passage_is_an_orphan() -> None:
    result = anchor_quote(ARTICLE, "North Korean soldiers are said to have taken heavy losses")
    assert result.state == "orphan"
    assert result.start is None


def test_two_resembling_passages_are_refused() -> None:
    text = (
        "North Korean troops have suffered heavy losses in Kursk. "
        "Russian troops have suffered heavy losses in Donetsk."
    )
    result = anchor_quote(text, "troops have suffered heavy losses in Kharkiv")
    assert result.state == "orphan"
    assert result.start is None
    assert "several passages resemble" in result.reason


def test_context_clearly_picks_one_of_two_resembling_passages() -> None:
    text = (
        "North Korean troops have suffered heavy losses in Kursk. "
        "Russian troops have suffered heavy losses in Donetsk."
    )
    quote = "troops have suffered heavy losses in Kharkiv"
    for context in ({"prefix": "North Korean "}, {"suffix": ". Russian"}):
        result = anchor_quote(text, quote, **context)
        assert result.state == "drifted"
        assert placed(text, result) == "troops have suffered heavy losses in Kursk"
    result = anchor_quote(text, quote, prefix="Russian ")
    assert placed(text, result) == "troops have suffered heavy losses in Donetsk"


def test_drifted_passage_whose_context_does_not_fit_is_refused() -> None:
    result = anchor_quote(
        ARTICLE,
        "North Korean troops have already suffered almost 40% casualties",
        prefix="Ukrainian commanders estimate that ",
    )
    assert result.state == "orphan"
    assert "surroundings do not fit" in result.reason


def test_short_quotes_are_never_matched_approximately() -> None:
    quote = "They are canon fodder"
    assert len(normalize_quote(quote)) < MIN_FUZZY_LENGTH
    result = anchor_quote(ARTICLE, quote)
    assert result.state == "orphan"
    assert "too short" in result.reason
    # The closest passage is still named, for the error message.
    assert result.candidate is not None
    start, end = result.candidate
    assert ARTICLE[start:end] == "They are cannon fodder"


def test_quote_longer_than_the_text() -> None:
    result = anchor_quote(
        "Officials said so.", "Officials said so, and they said it loudly, twice."
    )
    assert result.state == "orphan"


def test_drifted_span_starts_and_ends_at_word_boundaries() -> None:
    text = "Before this, the commander confirmed that reinforcements arrived overnight. After."
    result = anchor_quote(text, "the commander has confirmed that reinforcements arrived")
    assert result.state == "drifted"
    assert placed(text, result) == "the commander confirmed that reinforcements arrived"


# --- long articles (speed is measured in scripts/bench, never asserted here) -------------


def _article(words: int, seed: int) -> str:
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        for _ in range(2000)
    ]
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def test_forty_quotes_in_an_article() -> None:
    text = _article(700, seed=1)
    rng = random.Random(2)
    quotes = []
    for _ in range(40):
        start = text.index(" ", rng.randrange(len(text) - 200)) + 1
        quotes.append(text[start : text.index(" ", start + rng.randint(15, 120))])
    results = [anchor_quote(text, quote) for quote in quotes]
    assert all(r.state == "exact" for r in results)


def test_drifted_quote_in_a_long_article() -> None:
    text = _article(10_000, seed=3)
    start = text.index(" ", len(text) // 2) + 1
    end = text.index(" ", start + 80)
    quote = text[start:end]
    edited = text[: start + 10] + "xyz" + text[start + 13 :]
    result = anchor_quote(edited, quote)
    assert result.state == "drifted"
    assert (result.start, result.end) == (start, end)


def _passage(text: str, start: int, length: int) -> tuple[int, int]:
    """A passage of about *length* characters from word boundary *start*."""
    end = text.find(" ", start + length)
    return start, len(text) if end == -1 else end


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_long_drifted_quote_in_a_long_article(where: str) -> None:
    # Long quotes take another road (seeds, and a proof that no rival is left).
    text = _article(10_000, seed=4)
    at = {"start": 0, "middle": text.index(" ", len(text) // 2) + 1}.get(where)
    if at is None:
        at = text.index(" ", len(text) - 1100) + 1
    start, end = _passage(text, at, 1000)
    quote = text[start:end]
    middle = text.index(" ", start + 500) + 1
    word_end = text.index(" ", middle)
    edited = text[:middle] + "drifted" + text[word_end:]
    result = anchor_quote(edited, quote)
    assert result.state == "drifted"
    assert (result.start, result.end) == (start, end + len(edited) - len(text))
    assert MIN_SIMILARITY <= result.similarity < 1.0


def test_long_quote_with_a_near_duplicate_is_refused() -> None:
    text = _article(10_000, seed=5)
    start, end = _passage(text, text.index(" ", len(text) // 2) + 1, 1000)
    quote = text[start:end]
    edited = text[:start] + quote.replace(" ", " and ", 1) + text[end:]
    copy = quote.replace(" ", " or ", 2)
    at = text.index(" ", len(text) // 5) + 1
    edited = edited[:at] + copy + " " + edited[at:]
    result = anchor_quote(edited, quote)
    assert result.state == "orphan"
    assert "several passages resemble" in result.reason
