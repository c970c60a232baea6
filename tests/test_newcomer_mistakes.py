"""A first-time contributor's mistakes: each one problem, at its place, saying what to do.

``tests/newcomer_mistakes/`` holds whole files as a newcomer might write them, each
with one mistake, described on its first line: annotation files for the fixture's
``test-article`` and, for names with ``sources``, registries written as
``annotations/sources.yml``. :data:`CASES` says what ``annotary lint`` must answer:
exactly one problem (an error, or the warning a drifted quote gets) at the line and
column to fix, with a hint that says what to do, or nothing at all for the mistakes
that are not mistakes (curly quotes, line breaks in a quote, ``status: false``).

The article is the fixture's, plus a paragraph with typographic quotation marks, an
apostrophe, a dash and a colon, the characters newcomers copy wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ARTICLE, Repo

CORPUS = Path(__file__).parent / "newcomer_mistakes"
FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file())

EXTRA = (
    "\n“They are cannon fodder,” one official said — it’s a war of attrition.\n"
    "\nAnother put it bluntly: the losses cannot go on.\n"
)

ANNOTATIONS = "annotations/test-article.yml"
SOURCES = "annotations/sources.yml"


@dataclass(frozen=True)
class Case:
    """What lint must say of one file of the corpus."""

    file: str
    #: The one problem's code; None when lint must find nothing at all.
    code: str | None
    line: int = 0
    column: int = 0
    #: A phrase the hint must contain: the part that says what to do.
    hint: str = ""
    severity: str = "error"
    #: Where the file is written in the archive (it replaces what the fixture put there).
    target: str = ANNOTATIONS


def ok(file: str) -> Case:
    return Case(file, None)


CASES = [
    # YAML structure: indentation, tabs, the file's own layout
    Case("01-field-less-indented.yml", "yaml-indentation", 6, 4, "indent 'quote:' by 4 spaces"),
    Case("02-field-at-id-level.yml", "yaml-indentation", 8, 3, "indent 'status:' by 4 spaces"),
    Case("03-item-not-aligned.yml", "yaml-indentation", 9, 4, "indent '- id:' by 2 spaces"),
    Case("04-item-at-field-level.yml", "yaml-indentation", 9, 5, "indent '- id:' by 2 spaces"),
    Case("05-field-more-indented.yml", "yaml-indentation", 10, 7, "indent 'type:' by 4 spaces"),
    Case("06-tab.yml", "yaml-tab", 6, 1, "replace the tab with spaces"),
    # copying the passage
    ok("07-straight-apostrophe.yml"),
    ok("08-quote-with-line-break.yml"),
    Case(
        "09-quote-extra-word.yml",
        "quote-drifted",
        6,
        12,
        'quote: "troops suffered nearly 40% casualties in the fighting"',
        severity="warning",
    ),
    Case("10-quote-typo.yml", "quote-not-found", 6, 12, 'write: quote: "one official said"'),
    Case(
        "11-quote-in-quotation-marks.yml",
        "quote-not-found",
        6,
        12,
        "leave the quotation marks out: the article has none around this passage; write:\n"
        'quote: "4,000 were casualties"',
    ),
    Case(
        "12-long-quote-in-quotation-marks.yml",
        "quote-drifted",
        6,
        12,
        "leave the quotation marks out: the article has none around this passage; write:\n"
        'quote: "troops suffered nearly 40% casualties in the fighting"',
        severity="warning",
    ),
    # fields of the wrong type, missing, misspelled, repeated
    Case(
        "13-attributed-to-on-quote.yml",
        "field-not-allowed",
        7,
        5,
        "write speaker: western-officials",
    ),
    Case("14-id-reused.yml", "duplicate-id", 9, 5, "change one of them"),
    Case(
        "15-source-not-registered.yml",
        "unknown-source",
        7,
        14,
        "register it in annotations/sources.yml, under 'sources:':\n"
        "  - id: hamish-de-bretton-gordon",
    ),
    Case("16-misspelled-quote-field.yml", "unknown-field", 6, 5, "did you mean 'quote'?"),
    Case("17-misspelled-attributed-to.yml", "unknown-field", 8, 5, "did you mean 'attributed_to'?"),
    Case("18-misspelled-status.yml", "bad-status", 7, 13, "did you mean 'unverified'?"),
    Case("19-status-on-quote.yml", "field-not-allowed", 8, 5, "delete this line"),
    Case(
        "20-speaker-on-claim.yml",
        "field-not-allowed",
        8,
        5,
        "write attributed_to: [western-officials]",
    ),
    # values YAML reads as something else
    Case(
        "21-unquoted-colon.yml",
        "yaml-syntax",
        6,
        34,
        'must be quoted: quote: "Another put it bluntly: the losses cannot go on"',
    ),
    Case(
        "22-value-starts-with-star.yml",
        "yaml-syntax",
        6,
        12,
        "without the Markdown '*' marks: quote: nearly 40% casualties",
    ),
    Case(
        "23-value-starts-with-ampersand.yml",
        "yaml-syntax",
        9,
        11,
        'Put the whole value in quotes: note: "& the officials gave no source for the figure"',
    ),
    Case(
        "24-value-starts-with-bracket.yml",
        "yaml-syntax",
        9,
        11,
        'note: "[Updated] the officials later gave a lower figure"',
    ),
    Case(
        "25-unclosed-double-quote.yml",
        "yaml-syntax",
        6,
        12,
        'Close the value with a " at its end: quote: "They are cannon fodder"',
    ),
    Case(
        "26-quote-starts-with-quotation-mark.yml",
        "yaml-syntax",
        6,
        12,
        "quote: '\"They are cannon fodder,\" one official said'",
    ),
    Case(
        "27-attributed-to-comma-list.yml",
        "list-without-brackets",
        8,
        20,
        "write attributed_to: [western-officials, bbc-news]",
    ),
    Case(
        "28-tags-comma-list.yml",
        "list-without-brackets",
        9,
        11,
        "write tags: [casualties, arithmetic]",
    ),
    Case(
        "29-evidence-plain-url.yml",
        "wrong-type",
        9,
        15,
        "evidence:\n  - url: https://example.org/report",
    ),
    Case(
        "30-evidence-url-without-scheme.yml",
        "bad-url",
        10,
        14,
        "did you mean 'https://www.example.org/report'?",
    ),
    Case("31-id-with-capitals.yml", "bad-id", 4, 9, "e.g. 'casualties-claim'"),
    Case("32-id-with-spaces.yml", "bad-id", 4, 9, "e.g. 'casualties-claim'"),
    Case("33-article-names-another-file.yml", "article-mismatch", 2, 10, "article: test-article"),
    Case(
        "34-forgot-annotations-key.yml",
        "yaml-indentation",
        3,
        3,
        "Add the line 'annotations:', not indented, just before the first '- '",
    ),
    Case(
        "35-items-above-annotations.yml",
        "yaml-indentation",
        2,
        3,
        "below the line 'annotations:'",
    ),
    Case("36-empty-quote.yml", "empty-quote", 6, 11, "copy the passage"),
    # sources.yml
    Case(
        "37-sources-missing-kind.yml",
        "missing-field",
        3,
        5,
        "add 'kind: …', one of: person, organisation",
        target=SOURCES,
    ),
    Case(
        "38-sources-kind-people.yml",
        "bad-kind",
        5,
        11,
        "did you mean 'person'?",
        target=SOURCES,
    ),
    Case("39-duplicate-note.yml", "duplicate-key", 10, 5, "keep one and delete the other"),
    Case(
        "40-yaml-extension.yaml",
        "bad-file-name",
        1,
        1,
        "rename it to 'test-article.yml'",
        target="annotations/test-article.yaml",
    ),
    # placing the quote
    Case(
        "41-ambiguous-quote.yml",
        "quote-ambiguous",
        6,
        12,
        'to choose this one, set  suffix: " 4,000"',
    ),
    Case(
        "42-quote-from-another-article.yml",
        "quote-not-found",
        6,
        12,
        "is the quote from this article?",
    ),
    Case("43-speaker-as-name.yml", "bad-id", 7, 14, "by its id in annotations/sources.yml"),
    Case("44-missing-type.yml", "missing-field", 4, 5, "add 'type: claim'"),
    Case(
        "45-note-over-lines-without-bar.yml",
        "yaml-syntax",
        10,
        5,
        "note: |\n  The officials gave no source for the figure.\n  It could not be checked.",
    ),
    Case(
        "46-evidence-without-dash.yml",
        "wrong-type",
        10,
        7,
        "put '- ' before the first field of each piece of evidence",
    ),
    Case(
        "47-markdown-in-quote.yml",
        "quote-drifted",
        6,
        12,
        "leave the Markdown marks ('*', '_') out",
        severity="warning",
    ),
    Case("48-ellipsis-in-quote.yml", "quote-not-found", 6, 12, "a quote is one passage"),
    Case("49-type-capitalised.yml", "bad-type", 5, 11, "did you mean 'claim'?"),
    ok("50-single-id-without-brackets.yml"),
    ok("51-items-at-column-one.yml"),
    Case("52-missing-speaker.yml", "missing-field", 4, 5, "add 'speaker: …'"),
    Case("53-missing-id.yml", "missing-field", 4, 5, "start it with '- id: …'"),
    Case(
        "54-sources-field-less-indented.yml",
        "yaml-indentation",
        7,
        4,
        "indent 'name:' by 4 spaces",
        target=SOURCES,
    ),
    Case(
        "55-sources-kind-organization.yml",
        "bad-kind",
        8,
        11,
        "did you mean 'organisation'?",
        target=SOURCES,
    ),
    ok("56-status-false.yml"),
    ok("57-suffix-without-quotes.yml"),
    Case(
        "58-file-name-with-underscore.yml",
        "bad-slug",
        1,
        1,
        "rename it to 'test-article.yml'",
        target="annotations/test_article.yml",
    ),
    Case(
        "59-long-quote-typo.yml",
        "quote-drifted",
        6,
        12,
        'quote: "troops suffered nearly 40% casualties in the fighting"',
        severity="warning",
    ),
    Case("60-dash-without-space.yml", "yaml-syntax", 9, 3, "Write '- id:'"),
    Case(
        "61-colon-without-space.yml",
        "yaml-syntax",
        7,
        5,
        "Put a space after the colon: status: unverified",
    ),
    Case(
        "62-field-without-colon.yml",
        "yaml-syntax",
        7,
        5,
        "Add the ':' after 'status': status: unverified",
    ),
    Case("63-first-item-dash-off.yml", "yaml-indentation", 4, 2, "indent '- id:' by 2 spaces"),
    Case(
        "64-two-fields-on-one-line.yml",
        "yaml-syntax",
        7,
        27,
        "Start a new line before 'attributed_to:'",
    ),
]

#: Words of the YAML parser's own vocabulary that must never reach a contributor.
PARSER_JARGON = re.compile(
    r"<block|<scalar>|<document|<stream|while parsing|while scanning|"
    r"<unicode string>|\^|Traceback|\bNone\b|\bMark\b"
)


def write_case(repo: Repo, case: Case) -> None:
    repo.write("docs/articles/test-article.md", ARTICLE + EXTRA)
    text = (CORPUS / case.file).read_text(encoding="utf-8")
    if case.target.startswith("annotations/") and case.target != SOURCES:
        (repo.root / ANNOTATIONS).unlink()
    repo.write(case.target, text)


def test_corpus_and_table_agree() -> None:
    assert sorted(c.file for c in CASES) == FILES
    numbers = [c.file.split("-")[0] for c in CASES]
    assert len(set(numbers)) == len(numbers)
    mistakes = [c for c in CASES if c.code is not None]
    assert len(mistakes) >= 25
    assert len({c.code for c in mistakes}) >= 15
    for case in CASES:
        first = (CORPUS / case.file).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# "), f"{case.file}: line 1 describes the mistake"
        assert first.startswith("# No error") == (case.code is None), case.file


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_one_problem_at_its_place_with_what_to_do(repo: Repo, case: Case) -> None:
    write_case(repo, case)
    exit_code, diagnostics = repo.lint()
    if case.code is None:
        assert (exit_code, diagnostics) == (0, [])
        return
    assert len(diagnostics) == 1, diagnostics
    (found,) = diagnostics
    assert (found["file"], found["line"], found["column"]) == (
        case.target,
        case.line,
        case.column,
    ), found
    assert (found["code"], found["severity"]) == (case.code, case.severity), found
    assert exit_code == (1 if case.severity == "error" else 0)
    assert case.hint in str(found["hint"]), found["hint"]


@pytest.mark.parametrize("case", [c for c in CASES if c.code is not None], ids=lambda c: c.file)
def test_text_output_reads_well(repo: Repo, case: Case) -> None:
    """The line a contributor sees: place, severity, a sentence, the code; then the hint."""
    write_case(repo, case)
    _, out = repo.run("lint")
    head, *hint = out.rstrip("\n").split("\n")
    place = f"{case.target}:{case.line}:{case.column}: {case.severity}: "
    assert head.startswith(place), out
    assert head.endswith(f" [{case.code}]"), out
    message = head[len(place) : -len(f" [{case.code}]")]
    assert not message[:1].isupper(), message  # a clause after "error: "
    assert not message.endswith((".", ":")), message
    assert hint, f"{case.file}: no hint says what to do"
    assert all(line.startswith("    ") or not line for line in hint), out
    assert not PARSER_JARGON.search(out), out
    assert len(message) <= 250, message
