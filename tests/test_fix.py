"""``annotary lint --fix``: safe fixes only, written without touching anything else."""

from __future__ import annotations

import difflib
import shutil

import pytest
import yaml

from annotary.fix import fix_archive
from annotary.pipeline import check_archive
from conftest import ANNOTATIONS, ARTICLE, REPO, Repo

FILE = "annotations/test-article.yml"
#: The fixture article with "troops suffered" edited: the claim's quote drifts.
EDITED = ARTICLE.replace("troops suffered", "the troops had suffered")


def fix(repo: Repo) -> list[str]:
    return fix_archive(repo.root, check_archive(repo.root))


def fix_twice(repo: Repo) -> list[str]:
    """Fix, then check that a second run changes nothing and reports no change."""
    path = repo.root / FILE
    report = fix(repo)
    fixed = path.read_bytes()
    again = fix(repo)
    assert path.read_bytes() == fixed
    assert again == [line for line in report if "needs a person" in line]
    return report


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed and added, from a line diff."""
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += before.splitlines()[i1:i2]
            added += after.splitlines()[j1:j2]
    return removed, added


def lint_codes(repo: Repo) -> list[tuple[int, str]]:
    _, diagnostics = repo.lint()
    return [(int(str(d["line"])), str(d["code"])) for d in diagnostics]


# ------------------------------------------------------------------- drifted


def test_drifted_quote_is_rewritten_and_lint_is_clean(repo: Repo) -> None:
    repo.write("docs/articles/test-article.md", EDITED)
    assert lint_codes(repo) == [(5, "quote-drifted")]
    assert fix_twice(repo) == [
        f"{FILE}:5: quote of 'casualties' rewritten to the article's current text"
    ]
    assert (repo.root / FILE).read_text() == ANNOTATIONS.replace(
        "quote: troops suffered nearly 40% casualties",
        "quote: troops had suffered nearly 40% casualties",
    )
    assert repo.lint() == (0, [])


def test_context_drift_gets_the_new_shortest_context(repo: Repo) -> None:
    repo.write("docs/articles/test-article.md", ARTICLE.replace("were casualties", "were hurt"))
    annotations = ANNOTATIONS + (
        "  - id: officials\n"
        "    type: source\n"
        "    quote: The officials said\n"
        '    prefix: "4,000 were casualties. "\n'
        "    source: western-officials\n"
    )
    repo.annotations(annotations)
    assert lint_codes(repo) == [(14, "quote-drifted")]
    assert fix_twice(repo) == [
        f"{FILE}:14: prefix/suffix of 'officials' replaced with the text now around the "
        'quote (suffix " more")'
    ]
    after = (repo.root / FILE).read_text()
    assert changed_lines(annotations, after) == (
        ['    prefix: "4,000 were casualties. "'],
        ['    suffix: " more"'],
    )
    assert repo.lint() == (0, [])


def test_context_drift_of_a_now_unique_quote_removes_the_context(repo: Repo) -> None:
    repo.write(
        "docs/articles/test-article.md",
        ARTICLE.replace("The officials said more were missing.", "Others disagreed."),
    )
    annotations = (
        "article: test-article\n"
        "annotations:\n"
        "  - id: officials\n"
        "    type: source\n"
        "    source: western-officials\n"
        "    quote: The officials said\n"
        '    prefix: "casualties. "\n'
        "    suffix: more were\n"
        "\n"
        "  # the BBC, as a source\n"
        "  - id: told-the-bbc\n"
        "    type: source\n"
        "    quote: told the BBC\n"
        "    source: bbc-news\n"
    )
    repo.annotations(annotations)
    assert lint_codes(repo) == [(6, "quote-drifted")]
    assert fix_twice(repo) == [
        f"{FILE}:6: prefix/suffix of 'officials' removed: the quote is unique now"
    ]
    # The blank line and the comment after the removed suffix stay where they were.
    assert (repo.root / FILE).read_text() == annotations.replace(
        '    prefix: "casualties. "\n    suffix: more were\n', ""
    )
    assert repo.lint() == (0, [])


def test_a_drifted_quote_keeps_a_context_that_still_chooses_it(repo: Repo) -> None:
    repo.write(
        "docs/articles/test-article.md",
        ARTICLE.replace(
            "The officials said 4,000 were casualties. The officials said more were missing.",
            "A: the officials said the troops were hurt badly. "
            "B: the officials said the troops were hurt badly.",
        ),
    )
    annotations = ANNOTATIONS + (
        "  - id: officials\n"
        "    type: source\n"
        "    quote: the officials said the troops were injured badly\n"
        '    prefix: "B: "\n'
        "    source: western-officials\n"
    )
    repo.annotations(annotations)
    assert fix_twice(repo) == [
        f"{FILE}:14: quote of 'officials' rewritten to the article's current text"
    ]
    assert changed_lines(annotations, (repo.root / FILE).read_text()) == (
        ["    quote: the officials said the troops were injured badly"],
        ["    quote: the officials said the troops were hurt badly"],
    )
    assert repo.lint() == (0, [])


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        ("troops suffered nearly 40% casualties", "troops had suffered nearly 40% casualties"),
        ("'troops suffered nearly 40% casualties'", "'troops had suffered nearly 40% casualties'"),
        ('"troops suffered nearly 40% casualties"', '"troops had suffered nearly 40% casualties"'),
        (
            "|-\n      troops suffered\n      nearly 40% casualties",
            "|-\n      troops had suffered nearly 40% casualties",
        ),
        (
            "|\n      troops suffered\n      nearly 40% casualties",
            "|\n      troops had suffered nearly 40% casualties",
        ),
        (
            ">-\n      troops suffered\n      nearly 40% casualties",
            ">-\n      troops had suffered nearly 40% casualties",
        ),
    ],
    ids=["plain", "single", "double", "literal-strip", "literal-clip", "folded"],
)
def test_the_quote_keeps_its_quoting_style(repo: Repo, written: str, rewritten: str) -> None:
    repo.write("docs/articles/test-article.md", EDITED)
    old = "quote: troops suffered nearly 40% casualties"
    repo.annotations(ANNOTATIONS.replace(old, f"quote: {written}"))
    assert len(fix_twice(repo)) == 1
    assert (repo.root / FILE).read_text() == ANNOTATIONS.replace(old, f"quote: {rewritten}")
    assert repo.lint() == (0, [])


def test_a_plain_quote_that_would_not_read_back_is_double_quoted(repo: Repo) -> None:
    repo.write(
        "docs/articles/test-article.md", ARTICLE.replace("troops suffered", "troops: suffered")
    )
    fix_twice(repo)
    assert changed_lines(ANNOTATIONS, (repo.root / FILE).read_text()) == (
        ["    quote: troops suffered nearly 40% casualties"],
        ['    quote: "troops: suffered nearly 40% casualties"'],
    )
    assert repo.lint() == (0, [])


# ----------------------------------------------------------------- ambiguous

NEIGHBOURS = """\
article: test-article
annotations:
  - id: were-casualties
    type: source
    quote: were casualties
    source: western-officials

  - id: officials
    type: source
    quote: The officials said
    source: western-officials

    # a comment about the next one
  - id: more
    type: source
    quote: more were missing
    source: bbc-news
"""


def test_ambiguous_quote_between_placed_neighbours_gets_its_context(repo: Repo) -> None:
    repo.annotations(NEIGHBOURS)
    assert lint_codes(repo) == [(10, "quote-ambiguous")]
    assert fix_twice(repo) == [
        f"{FILE}:10: suffix \" more\" added to 'officials': of the 2 occurrences of its "
        "quote, only the one at offset 138 lies between its neighbours in the file"
    ]
    after = (repo.root / FILE).read_text()
    assert after == NEIGHBOURS.replace(
        "quote: The officials said\n", 'quote: The officials said\n    suffix: " more"\n'
    )
    assert repo.lint() == (0, [])


def test_one_neighbour_bounds_one_side(repo: Repo) -> None:
    # Only a following annotation, "were casualties", which lies between the two
    # occurrences: the one meant comes before it.
    annotations = (
        "article: test-article\n"
        "annotations:\n"
        "  - id: officials\n"
        "    type: source\n"
        "    quote: The officials said\n"
        "    source: western-officials\n"
        "  - id: were-casualties\n"
        "    type: source\n"
        "    quote: were casualties\n"
        "    source: bbc-news\n"
    )
    repo.annotations(annotations)
    (line,) = fix_twice(repo)
    assert line == (
        f"{FILE}:5: suffix \" 4,000\" added to 'officials': of the 2 occurrences of its "
        "quote, only the one at offset 96 lies before the annotation after it in the file"
    )
    assert changed_lines(annotations, (repo.root / FILE).read_text()) == (
        [],
        ['    suffix: " 4,000"'],
    )
    assert repo.lint() == (0, [])


def test_ambiguous_quotes_resolve_in_a_chain(repo: Repo) -> None:
    # "The officials said" twice, then "The officials" of the second: the first
    # resolved one becomes the neighbour that resolves the second.
    annotations = (
        "article: test-article\n"
        "annotations:\n"
        "  - id: were-casualties\n"
        "    type: source\n"
        "    quote: were casualties\n"
        "    source: western-officials\n"
        "  - id: said\n"
        "    type: source\n"
        "    quote: The officials said\n"
        "    source: western-officials\n"
        "  - id: officials\n"
        "    type: source\n"
        "    quote: officials\n"
        "    source: bbc-news\n"
    )
    repo.annotations(annotations)
    report = fix_twice(repo)
    assert [line.split(": ", 1)[0] for line in report] == [f"{FILE}:9", f"{FILE}:13"]
    assert all("added to" in line for line in report)
    assert repo.lint() == (0, [])
    placed = check_archive(repo.root).placed["test-article"]
    assert [p.span for p in placed.placements] == [(121, 136), (138, 156), (142, 151)]


@pytest.mark.parametrize(
    ("annotations", "why"),
    [
        (
            "  - id: officials\n    type: source\n    quote: The officials said\n"
            "    source: western-officials\n",
            "the quote occurs 2 times, and no placed annotation before or after it in the "
            "file shows which occurrence is meant",
        ),
        (
            "  - id: bbc\n    type: source\n    quote: told the BBC\n    source: bbc-news\n"
            "  - id: officials\n    type: source\n    quote: The officials said\n"
            "    source: western-officials\n"
            "  - id: missing\n    type: source\n    quote: were missing\n"
            "    source: western-officials\n",
            "2 of the 2 occurrences of its quote lie between its neighbours in the file",
        ),
        (
            "  - id: missing\n    type: source\n    quote: were missing\n"
            "    source: western-officials\n"
            "  - id: officials\n    type: source\n    quote: The officials said\n"
            "    source: western-officials\n"
            "  - id: bbc\n    type: source\n    quote: told the BBC\n    source: bbc-news\n",
            "none of the 2 occurrences of its quote lies between its neighbours in the file "
            "(are the annotations of the file in reading order?)",
        ),
        (
            "  - id: bbc\n    type: source\n    quote: told the BBC\n    source: bbc-news\n"
            "  - id: officials\n    type: source\n    quote: The officials said\n"
            '    prefix: "Reuters reported that "\n    source: western-officials\n'
            "  - id: missing\n    type: source\n    quote: were missing\n"
            "    source: western-officials\n",
            "its prefix/suffix fits none of the 2 occurrences of the quote, so the passage it "
            "was written for may have been edited",
        ),
    ],
    ids=["no-neighbours", "two-between", "out-of-order", "stale-context"],
)
def test_ambiguous_quote_without_a_sure_occurrence_is_left(
    repo: Repo, annotations: str, why: str
) -> None:
    text = "article: test-article\nannotations:\n" + annotations
    path = repo.annotations(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "The officials said" in row)
    assert fix_twice(repo) == [f"{FILE}:{line}: 'officials' needs a person: {why}" + _hint(why)]
    assert path.read_text() == text
    assert (line, "quote-ambiguous") in lint_codes(repo)


def _hint(why: str) -> str:
    return (
        ""
        if "prefix/suffix fits none" in why
        else ("; add a prefix or suffix (annotary lint lists the choices)")
    )


# -------------------------------------------------------------------- orphan


def test_an_orphan_is_never_fixed(repo: Repo) -> None:
    text = ANNOTATIONS + (
        "  - id: weather\n    type: claim\n    status: false\n"
        "    quote: Nobody in this article talks about the weather at all\n"
    )
    path = repo.annotations(text)
    assert lint_codes(repo) == [(15, "quote-not-found")]
    assert fix_twice(repo) == []
    assert path.read_text() == text


# ------------------------------------------------------------ faithful edits

RICH = """\
---
# yaml-language-server: $schema=../schema/annotations.schema.json
article: test-article   # the slug

annotations:
  # --- Paragraph 1 ---------------------------------------------------------

  - id: casualties
    type:   claim
    quote: troops suffered nearly 40% casualties  # the headline figure
    status: unverified
    attributed_to: [ western-officials ]
    tags: [ casualties ,arithmetic ]
    evidence:
    - url: https://example.org/a
      stance:   context
    note: >
      Folded, and
      kept as it is.

  - id: were-casualties
    type: source
    quote: 'were casualties'
    source: bbc-news
    note: |
        Indented more than usual.


  # --- Paragraph 2 ---------------------------------------------------------
  - id: officials
    type: source
    quote: "The officials said"
    source: western-officials
  - {id: more, type: source, quote: more were missing, source: bbc-news}
"""


def test_everything_but_the_fixed_lines_stays_byte_for_byte(repo: Repo) -> None:
    repo.write("docs/articles/test-article.md", EDITED)
    repo.annotations(RICH)
    assert sorted(lint_codes(repo)) == [(10, "quote-drifted"), (32, "quote-ambiguous")]
    report = fix_twice(repo)
    assert [line.split(": ", 1)[0] for line in report] == [f"{FILE}:10", f"{FILE}:32"]
    after = (repo.root / FILE).read_text()
    assert changed_lines(RICH, after) == (
        ["    quote: troops suffered nearly 40% casualties  # the headline figure"],
        [
            "    quote: troops had suffered nearly 40% casualties  # the headline figure",
            '    suffix: " more"',
        ],
    )
    assert after == RICH.replace(
        "troops suffered nearly 40% casualties  #", "troops had suffered nearly 40% casualties  #"
    ).replace('"The officials said"\n', '"The officials said"\n    suffix: " more"\n')
    assert repo.lint() == (0, [])


INDENTED = """\
article: test-article
annotations:
{item}id: were-casualties
{field}type: source
{field}quote: were casualties
{field}source: western-officials
{field}tags:
{field}{item}a
{item}id: officials
{field}type: source
{field}quote: The officials said
{field}source: western-officials
{item}id: more
{field}type: source
{field}quote: more were missing
{field}source: bbc-news
"""


@pytest.mark.parametrize(
    ("item", "field"),
    [("- ", "  "), ("  - ", "    "), ("    - ", "      "), ("  -   ", "      ")],
    ids=["offset-0", "offset-2", "offset-4", "wide-dash"],
)
def test_the_file_keeps_its_indentation(repo: Repo, item: str, field: str) -> None:
    text = INDENTED.format(item=item, field=field)
    repo.annotations(text)
    assert len(fix_twice(repo)) == 1
    assert changed_lines(text, (repo.root / FILE).read_text()) == ([], [f'{field}suffix: " more"'])
    assert repo.lint() == (0, [])


def test_a_context_line_with_its_own_comment_is_not_removed(repo: Repo) -> None:
    repo.write(
        "docs/articles/test-article.md",
        ARTICLE.replace("The officials said more were missing.", "Others disagreed."),
    )
    text = (
        "article: test-article\n"
        "annotations:\n"
        "  - id: officials\n"
        "    type: source\n"
        "    source: western-officials\n"
        "    quote: The officials said\n"
        '    prefix: "casualties. "  # the second one, not the first\n'
        "    suffix: more were\n"
    )
    path = repo.annotations(text)
    assert fix_twice(repo) == [
        f"{FILE}:6: 'officials' needs a person: not fixed, because its prefix line has a "
        "comment; the fix would have been: prefix/suffix of 'officials' removed: the quote is "
        "unique now"
    ]
    assert path.read_text() == text


def test_other_files_and_clean_files_are_not_written(repo: Repo) -> None:
    path = repo.root / FILE
    before = path.stat().st_mtime_ns
    assert fix(repo) == []
    assert path.stat().st_mtime_ns == before


def test_every_written_file_reads_back_as_yaml(repo: Repo) -> None:
    repo.write("docs/articles/test-article.md", EDITED)
    repo.annotations(RICH)
    fix(repo)
    data = yaml.safe_load((repo.root / FILE).read_text())
    assert data["annotations"][0]["quote"] == "troops had suffered nearly 40% casualties"
    assert data["annotations"][2]["suffix"] == " more"
    assert data["annotations"][0]["note"] == "Folded, and kept as it is.\n"


# ------------------------------------------------------------------ the seed


@pytest.fixture
def seed(repo: Repo) -> Repo:
    (repo.root / "docs/articles/test-article.md").unlink()
    (repo.root / FILE).unlink()
    for rel in (
        "docs/articles/north-korean-troops-kursk.md",
        "annotations/north-korean-troops-kursk.yml",
        "annotations/sources.yml",
    ):
        shutil.copyfile(REPO / rel, repo.root / rel)
    return repo


def test_the_seed_file_changes_in_one_line_only(seed: Repo) -> None:
    article = seed.root / "docs/articles/north-korean-troops-kursk.md"
    article.write_text(
        article.read_text().replace("have already suffered", "have already sustained")
    )
    path = seed.root / "annotations/north-korean-troops-kursk.yml"
    before = path.read_text()
    assert seed.lint()[0] == 0  # a drift is a warning
    report = fix(seed)
    assert report == [
        "annotations/north-korean-troops-kursk.yml:21: quote of "
        "'casualties-nearly-40-percent' rewritten to the article's current text"
    ]
    assert changed_lines(before, path.read_text()) == (
        ["    quote: North Korean troops have already suffered nearly 40% casualties"],
        ["    quote: North Korean troops have already sustained nearly 40% casualties"],
    )
    assert fix(seed) == []
    assert seed.lint() == (0, [])


# ----------------------------------------------------------------------- CLI


def test_cli_lint_fix_end_to_end(repo: Repo) -> None:
    repo.write("docs/articles/test-article.md", EDITED)
    assert repo.run("lint", "--strict")[0] == 1  # the drift warning fails --strict
    code, out = repo.run("lint", "--fix", "--strict")
    assert code == 0
    assert out == ""
    assert "quote: troops had suffered nearly 40% casualties\n" in (repo.root / FILE).read_text()
    assert repo.run("lint", "--fix", "--strict") == (0, "")


def test_cli_lint_fix_reports_what_is_left(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from annotary.cli import main

    repo.annotations(
        ANNOTATIONS + "  - id: officials\n    type: source\n    quote: The officials said\n"
        "    source: western-officials\n"
    )
    repo.write("docs/articles/test-article.md", EDITED)
    code = main(["--root", str(repo.root), "lint", "--fix"])
    out, err = capsys.readouterr()
    assert code == 1  # the ambiguous quote is still an error
    assert f"{FILE}:5: quote of 'casualties' rewritten to the article's current text" in err
    assert f"{FILE}:14: 'officials' needs a person: 2 of the 2 occurrences" in err
    assert f"{FILE}:14:12: error:" in out
    assert "quote-drifted" not in out


def test_the_splice_refuses_to_move_layout_lines() -> None:
    from annotary.fix import _Refused, _splice

    original = "a: 1\nb:   2\n\nc: 3\n"
    baseline = "a: 1\nb: 2\n\nc: 3\n"  # ruamel.yaml's re-spacing: not applied
    assert _splice(original, baseline, "a: 9\nb: 2\n\nc: 3\n") == "a: 9\nb:   2\n\nc: 3\n"
    assert _splice(original, baseline, "a: 1\nb: 2\n\nc: 3\nd: 4\n") == original + "d: 4\n"
    with pytest.raises(_Refused, match="blank or comment lines"):
        _splice(original, baseline, "a: 1\nb: 2\nc: 3\n")
