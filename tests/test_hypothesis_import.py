"""Importing a Hypothesis export (and W3C annotations) into an annotation file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotary import w3c
from annotary.hypothesis_import import (
    ANNOTATIONS_HEADER,
    HypothesisImportError,
    append_annotations,
    import_hypothesis,
    import_hypothesis_file,
    read_rows,
    rows_from_w3c,
)
from annotary.model import Annotation
from annotary.pipeline import check_archive
from conftest import SOURCES, Repo

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
EXPORT = FIXTURES / "hypothesis-export.json"
SLUG = "riverton-cycle-lanes"
SITE = "https://archive.example.org/"


@pytest.fixture
def riverton(repo: Repo) -> Repo:
    """The test repo plus the Riverton article, its sources and a hand-written annotation."""
    repo.write(f"docs/articles/{SLUG}.md", (FIXTURES / "hypothesis-article.md").read_text())
    fixture_sources = (FIXTURES / "hypothesis-sources.yml").read_text()
    repo.write("annotations/sources.yml", SOURCES + fixture_sources.split("sources:\n", 1)[1])
    repo.annotations((FIXTURES / "hypothesis-existing.yml").read_text(), slug=SLUG)
    return repo


def _annotations(root: Path, slug: str = SLUG) -> dict[str, Annotation]:
    checked = check_archive(root)
    return {a.id: a for a in checked.archive.annotation_files[slug].annotations}


def _passages(root: Path, slug: str = SLUG) -> dict[str, tuple[str, str]]:
    checked = check_archive(root)
    placed = checked.placed[slug]
    found = {}
    for placement in placed.placements:
        span = placement.span
        text = placed.visible.text[span[0] : span[1]] if span else ""
        found[placement.annotation.id] = (placement.state, text)
    return found


# --- the realistic export ------------------------------------------------------------


def test_import_a_hypothesis_export(riverton: Repo) -> None:
    path = riverton.root / f"annotations/{SLUG}.yml"
    before = path.read_text()
    written, problems = import_hypothesis_file(riverton.root, EXPORT, SLUG)
    assert written == 6
    # every row left out is reported, with its Hypothesis id and why
    assert len(problems) == 4
    orphan, reply, page_note, no_speaker = problems
    assert orphan.startswith("row 6 (s3Tf5z9QEe-Qq3uV2oMhNy): the quote cannot be placed")
    assert "«approved by eight votes to thr»ee" in orphan  # the closest passage, refused
    assert reply.startswith("row 7 (t9Ug6a9QEe-Rr4vW3pNiOz): a reply")
    assert page_note.startswith("row 8 (u4Vh7b9QEe-Ss5wX4qOjPa): no TextQuoteSelector")
    assert no_speaker.startswith("row 9 (v0Wi8c9QEe-Tt6xY5rPkQb): a quote needs exactly one")

    after = path.read_text()
    assert after.startswith(before)  # every byte already there is kept
    assert "# Added by hand before the import: keep me." in after
    assert 'quote: "interrupted twice by protesters"   # quoted on purpose' in after

    assert _passages(riverton.root) == {
        "protesters-interrupted": ("exact", "interrupted twice by protesters"),
        "h-kxzt4f9qee-3jw-2nlq8aa": ("exact", "£4.2m network of protected cycle lanes"),
        "h-m1qa0v9qee-tt3b8pzw4cg": (
            "exact",
            "“This is the day Riverton stopped treating cyclists as an afterthought,”",
        ),
        "h-p7yc2w9qee-0o1clk5v-jw": ("exact", "the council said"),
        "h-q2rd3x9qee-bb8sh0mkflw": ("exact", "the council said"),
        "h-r8se4y9qee-pp2tu1nlgmx": (
            "exact",
            "Road casualties involving cyclists in Riverton rose by 18% last year",
        ),
        "h-w5xj9d9qee-uu7yz6sqlrc": ("exact", "remove 240 parking spaces from the high street"),
    }
    code, diagnostics = riverton.lint()
    assert (code, diagnostics) == (0, [])


def test_imported_fields(riverton: Repo) -> None:
    import_hypothesis_file(riverton.root, EXPORT, SLUG)
    found = _annotations(riverton.root)
    budget = found["h-kxzt4f9qee-3jw-2nlq8aa"]
    assert (budget.type, budget.status, budget.tags) == ("claim", "supported", ("cost",))
    assert (budget.prefix, budget.suffix) == (None, None)  # unique: no context kept
    assert budget.note == (
        "Matches the budget paper for the meeting: **£4.2m** over three years\n"
        "([agenda item 7](https://riverton.example/meetings/2025-03-13#item-7)).\n"
    )
    # straight quotes in the row, the article's curly ones in the file
    okafor = found["h-m1qa0v9qee-tt3b8pzw4cg"]
    assert (okafor.type, okafor.speaker, okafor.note) == ("quote", "jane-okafor", None)
    assert okafor.quote.startswith("“This is the day")
    # the phrase occurs twice: the shortest context that picks each passage
    first, second = found["h-p7yc2w9qee-0o1clk5v-jw"], found["h-q2rd3x9qee-bb8sh0mkflw"]
    assert (first.prefix, first.suffix, first.source) == ("2027, ", None, "riverton-council")
    # its Hypothesis prefix ("…in the summer, ") is stale: the suffix chose it
    assert (second.prefix, second.suffix, second.tags) == ("autumn, ", None, ("timeline",))
    road = found["h-r8se4y9qee-pp2tu1nlgmx"]
    assert road.status == "unverified"  # Status:Unverified, any case
    assert road.attributed_to == ("county-road-safety-partnership",)
    parking = found["h-w5xj9d9qee-uu7yz6sqlrc"]
    assert (parking.type, parking.status) == ("claim", "unverified")  # the defaults
    assert (parking.attributed_to, parking.tags) == (("tom-hale",), ("parking",))


def test_importing_twice_adds_nothing(riverton: Repo) -> None:
    import_hypothesis_file(riverton.root, EXPORT, SLUG)
    path = riverton.root / f"annotations/{SLUG}.yml"
    once = path.read_text()
    written, problems = import_hypothesis_file(riverton.root, EXPORT, SLUG)
    assert written == 0
    assert path.read_text() == once
    assert sum("already in the file as 'h-" in p for p in problems) == 6


def test_a_missing_annotation_file_is_created(riverton: Repo) -> None:
    path = riverton.root / f"annotations/{SLUG}.yml"
    path.unlink()
    written, _ = import_hypothesis_file(riverton.root, EXPORT, SLUG)
    assert written == 6
    text = path.read_text()
    assert text.startswith(f"{ANNOTATIONS_HEADER}article: {SLUG}\nannotations:\n")
    assert riverton.lint() == (0, [])


def test_seed_style_files_keep_their_blank_lines(tmp_path: Path) -> None:
    seed = (REPO / "annotations" / "north-korean-troops-kursk.yml").read_text()
    new = {"id": "h-new", "type": "claim", "quote": "in just", "status": "false"}
    text = append_annotations(seed, "north-korean-troops-kursk", [new], "export.json")
    assert text == seed + (
        "\n  # Imported from export.json\n"
        "  - id: h-new\n    type: claim\n    quote: in just\n    status: 'false'\n"
    )


def test_append_falls_back_to_a_round_trip() -> None:
    new = {"id": "h-a", "type": "claim", "quote": "q", "status": "unverified", "tags": ["t"]}
    flow = "# header comment\narticle: x\nannotations: []  # none yet\n"
    text = append_annotations(flow, "x", [new], "e.json")
    assert text.startswith("# header comment\narticle: x\n")
    assert "  - id: h-a\n    type: claim\n" in text
    assert "tags: [t]" in text
    keys_after = (
        "# c\nannotations:\n- id: a\n  type: claim\n  quote: b\n  status: false\narticle: x\n"
    )
    text = append_annotations(keys_after, "x", [new], "e.json")
    assert text.startswith("# c\nannotations:\n- id: a\n")
    assert "  status: false\n- id: h-a\n" in text  # the file's own indentation
    assert text.endswith("article: x\n")


# --- the pure import: tags ---------------------------------------------------------------

TEXT = (
    "The mayor said the budget was balanced. Critics said the budget was not balanced at all. "
    "A spokesperson for the treasury declined to comment."
)


def _row(exact: str, tags: list[str], **extra: Any) -> dict[str, Any]:
    selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": exact}
    selector.update({k: extra.pop(k) for k in ("prefix", "suffix") if k in extra})
    selectors: list[dict[str, Any]] = [selector]
    if "start" in extra:
        start = extra.pop("start")
        selectors.append({"type": "TextPositionSelector", "start": start, "end": start + 5})
    return {
        "id": extra.pop("id", "Row_1"),
        "tags": tags,
        "target": [{"selector": selectors}],
    } | extra


SOURCE_IDS = {"mayor", "treasury", "critics"}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([], {"type": "claim", "status": "unverified"}),
        (
            ["Claim", "status:Disputed", "budget"],
            {"type": "claim", "status": "disputed", "tags": ["budget"]},
        ),
        (
            ["speaker:mayor", "source:critics", "source:mayor"],
            {"type": "claim", "status": "unverified", "attributed_to": ["mayor", "critics"]},
        ),
        (
            ["quote", "speaker:mayor", "x", "x"],
            {"type": "quote", "speaker": "mayor", "tags": ["x"]},
        ),
        (["source", "source:treasury"], {"type": "source", "source": "treasury"}),
    ],
)
def test_tags_give_type_status_and_sources(tags: list[str], expected: dict[str, Any]) -> None:
    result = import_hypothesis(
        [_row("A spokesperson for the treasury", tags)], visible_text=TEXT, source_ids=SOURCE_IDS
    )
    assert result.problems == []
    assert result.new_annotations == [
        {"id": "h-row-1", "quote": "A spokesperson for the treasury", **expected}
        | {"type": expected["type"]}
    ]


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (["quote"], "a quote needs exactly one 'speaker:<id>' tag"),
        (["quote", "speaker:mayor", "speaker:critics"], "exactly one 'speaker:<id>' tag"),
        (["quote", "source:mayor"], "a quote names who said it with 'speaker:<id>'"),
        (["source"], "a source needs exactly one 'source:<id>' tag"),
        (["source", "speaker:mayor"], "a source names its source with 'source:<id>'"),
        (["claim", "quote"], "several types (claim, quote)"),
        (["status:true"], "'status:true' is not a claim status"),
        (["status:suported"], "did you mean 'status:supported'?"),
        (["status:false", "status:disputed"], "several statuses"),
        (["quote", "speaker:mayor", "status:false"], "'status:' applies to claims only"),
        (["speaker:the-mayr"], "no source 'the-mayr' in annotations/sources.yml"),
        (["source", "source:Treasury"], "'Treasury' is not a source id"),
    ],
)
def test_tag_problems_are_reported(tags: list[str], problem: str) -> None:
    result = import_hypothesis(
        [_row("A spokesperson for the treasury", tags)], visible_text=TEXT, source_ids=SOURCE_IDS
    )
    assert result.new_annotations == []
    assert len(result.problems) == 1
    assert result.problems[0].startswith("row 1 (Row_1): ")
    assert problem in result.problems[0]
    assert result.problems[0].endswith("skipped")


def test_note_from_text() -> None:
    rows = [
        _row("The mayor said", [], id="a", text="  Line one\r\nline *two*  \n"),
        _row("declined to comment", [], id="b", text="   "),
    ]
    new = import_hypothesis(rows, visible_text=TEXT).new_annotations
    assert new[0]["note"] == "Line one\nline *two*"
    assert "note" not in new[1]


# --- the pure import: placing ----------------------------------------------------------


def test_context_chooses_among_occurrences() -> None:
    rows = [
        _row("the budget was", [], id="first", prefix="The mayor said "),
        _row("the budget was", [], id="second", suffix=" not balanced"),
    ]
    result = import_hypothesis(rows, visible_text=TEXT)
    assert result.problems == []
    first, second = result.new_annotations
    # the shortest context that picks each: here a suffix
    assert (first["quote"], first["suffix"], "prefix" in first) == (
        "the budget was",
        " balanced.",
        False,
    )
    assert second["suffix"] == " not"


def test_a_stale_context_chooses_only_clearly() -> None:
    # the page said "The major said" (typo since fixed): the prefix still fits best
    stale = _row(
        "the budget was", [], id="a", prefix="The major said ", suffix=" balanced. Critics"
    )
    assert (
        import_hypothesis([stale], visible_text=TEXT).new_annotations[0]["suffix"] == " balanced."
    )
    # a context that fits both occurrences about as well does not choose
    vague = _row("the budget was", [], id="b", prefix="xyz said ")
    result = import_hypothesis([vague], visible_text=TEXT)
    assert result.new_annotations == []
    assert "occurs 2 times" in result.problems[0]


def test_position_chooses_among_occurrences_once_calibrated() -> None:
    # Hypothesis counted 100 characters of site furniture before the article
    offset = 100
    second = TEXT.index("the budget was", 20)
    calibrating = _row("A spokesperson", [], id="cal", start=TEXT.index("A spokesperson") + offset)
    ambiguous = _row("the budget was", [], id="amb", start=second + offset)
    result = import_hypothesis([ambiguous, calibrating], visible_text=TEXT)
    assert result.problems == []
    assert result.new_annotations[0]["suffix"] == " not"
    # without a row placed for certain, a position in another text says nothing
    alone = import_hypothesis([ambiguous], visible_text=TEXT)
    assert alone.new_annotations == []
    assert "neither its prefix/suffix nor its position" in alone.problems[0]


def test_a_quote_that_is_not_verbatim_is_reported_not_imported() -> None:
    drifted = _row("Critics said the budget was not balanced at all", [], id="d")
    edited = TEXT.replace("not balanced", "not really balanced")
    result = import_hypothesis([drifted], visible_text=edited)
    assert result.new_annotations == []
    assert "not in the article's text as captured" in result.problems[0]
    assert "check it and annotate it by hand" in result.problems[0]
    gone = _row("the treasury welcomed the plan", [], id="g")
    result = import_hypothesis([gone], visible_text=TEXT)
    assert "the quote cannot be placed" in result.problems[0]


def test_quotes_match_typographic_variants_and_keep_the_articles_text() -> None:
    text = "She said: “It’s done” — and left."
    rows = [_row('"It\'s done" - and', [])]
    assert (
        import_hypothesis(rows, visible_text=text).new_annotations[0]["quote"]
        == "“It’s done” — and"
    )


# --- the pure import: rows and ids -------------------------------------------------------


def test_ids_from_hypothesis_ids() -> None:
    rows = [
        _row("The mayor said", [], id="AbC_d-1"),
        _row("Critics said", [], id="abc-D_1"),  # the same slug, another annotation
        _row("declined to comment", [], id="https://archive.example.org/articles/x/#kept-id"),
        _row("A spokesperson", [], id="!!!"),
    ]
    new = import_hypothesis(rows, visible_text=TEXT).new_annotations
    assert [a["id"] for a in new] == ["h-abc-d-1", "h-abc-d-1-2", "kept-id", "h-row-4"]


def test_ids_taken_in_the_file(riverton: Repo) -> None:
    existing = check_archive(riverton.root).archive.annotation_files[SLUG]
    text = check_archive(riverton.root).placed[SLUG].visible.text
    rows = [
        _row("interrupted twice by protesters", [], id="#protesters-interrupted"),
        _row("past midnight", [], id="#protesters-interrupted"),
        _row("past midnight", [], id="#protesters-interrupted"),
    ]
    result = import_hypothesis(rows, visible_text=text, existing=existing)
    assert [a["id"] for a in result.new_annotations] == ["protesters-interrupted-2"]
    assert result.problems == [
        "row 1 (#protesters-interrupted): already in the file as 'protesters-interrupted'; "
        "not imported again",
        "row 3 (#protesters-interrupted): the export holds this annotation twice "
        "(as 'protesters-interrupted-2'); not imported again",
    ]


def test_rows_about_another_page_are_reported() -> None:
    rows = [
        _row("The mayor said", [], id="a", uri="https://www.paper.example/story/?x=1#top"),
        _row("Critics said", [], id="b", uri="http://paper.example/story?x=1"),
        _row("declined to comment", [], id="c", uri="https://other.example/story"),
        _row("A spokesperson", [], id="d", uri="https://archive.example.org/articles/story/"),
    ]
    result = import_hypothesis(
        rows,
        visible_text=TEXT,
        article_uris=["https://paper.example/story?x=1"],
        slug="story",
    )
    assert [a["id"] for a in result.new_annotations] == ["h-a", "h-b", "h-d"]
    assert result.problems == [
        "row 3 (c): it annotates another page (https://other.example/story); skipped"
    ]


def test_rows_that_are_not_annotations() -> None:
    rows: list[Any] = ["text", {"id": "x", "target": [{"source": "s"}]}, _row("  ", [], id="e")]
    result = import_hypothesis(rows, visible_text=TEXT)
    assert result.new_annotations == []
    assert result.problems == [
        "row 1: not an annotation (a JSON object was expected); skipped",
        "row 2 (x): no TextQuoteSelector (a page note, or an annotation without a "
        "highlighted passage); skipped",
        "row 3 (e): its quote is empty; skipped",
    ]


def test_read_rows_accepts_hypothesis_and_w3c() -> None:
    row = _row("The mayor said", [])
    assert read_rows({"total": 1, "rows": [row]}) == [row]
    assert read_rows([row]) == [row]
    annotation = {
        "id": "https://a.example/articles/x/#said",
        "type": "Annotation",
        "motivation": "assessing",
        "body": [{"type": "TextualBody", "purpose": "assessing", "value": "false"}],
        "target": {
            "source": "https://a.example/articles/x/",
            "selector": {"type": "TextQuoteSelector", "exact": "The mayor said"},
        },
    }
    rows = read_rows(annotation)
    assert rows[0]["tags"] == ["claim", "status:false"]
    assert rows[0]["uri"] == "https://a.example/articles/x/"
    assert read_rows([annotation]) == rows
    assert read_rows({"type": "AnnotationPage", "items": [annotation]}) == rows
    with pytest.raises(ValueError, match="not a Hypothesis export"):
        read_rows({"data": []})
    with pytest.raises(ValueError, match="given by address only"):
        rows_from_w3c({"type": "AnnotationCollection", "first": "https://a.example/page1"})


# --- the file function's refusals ----------------------------------------------------------


def test_unusable_input_raises_and_writes_nothing(riverton: Repo, tmp_path: Path) -> None:
    path = riverton.root / f"annotations/{SLUG}.yml"
    before = path.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(HypothesisImportError, match=r"bad\.json"):
        import_hypothesis_file(riverton.root, bad, SLUG)
    with pytest.raises(HypothesisImportError, match="cannot read"):
        import_hypothesis_file(riverton.root, tmp_path / "missing.json", SLUG)
    with pytest.raises(HypothesisImportError, match="no article 'no-such-article'"):
        import_hypothesis_file(riverton.root, EXPORT, "no-such-article")
    with pytest.raises(HypothesisImportError, match="not an article slug"):
        import_hypothesis_file(riverton.root, EXPORT, "../etc")
    path.write_text(before + "  - id: broken\n    type: nonsense\n")
    with pytest.raises(HypothesisImportError, match="has errors; fix them first"):
        import_hypothesis_file(riverton.root, EXPORT, SLUG)


# --- the round trip -----------------------------------------------------------------------

FIELDS = (
    "id", "type", "quote", "prefix", "suffix", "note", "tags",
    "status", "attributed_to", "speaker", "source",
)  # fmt: skip


def _fields(annotation: Annotation) -> dict[str, object]:
    return {name: getattr(annotation, name) for name in FIELDS}


def test_seed_round_trip_through_w3c(tmp_path: Path) -> None:
    """Export the seed as W3C, import that into an empty file: the same annotations."""
    slug = "north-korean-troops-kursk"
    seed = check_archive(REPO)
    collection = w3c.article_collection(
        seed.placed[slug],
        seed.archive.articles[slug],
        seed.archive,
        site_url=SITE,
        article_url=w3c.article_url(SITE, slug),
    )
    export = tmp_path / "export.jsonld"
    export.write_text(w3c.dumps(collection))

    # the pure function, on rows made from the export
    original = seed.archive.annotation_files[slug].annotations
    rows = rows_from_w3c(json.loads(export.read_text()))
    result = import_hypothesis(
        rows, visible_text=seed.placed[slug].visible.text, source_ids=set(seed.archive.sources)
    )
    assert result.problems == []
    assert [a["id"] for a in result.new_annotations] == [a.id for a in original]

    # the file function, on the export itself, into an archive without annotations
    root = tmp_path / "archive"
    for rel in ("mkdocs.yml", f"docs/articles/{slug}.md", "annotations/sources.yml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text((REPO / rel).read_text())
    written, problems = import_hypothesis_file(root, export, slug)
    assert (written, problems) == (len(original), [])
    imported = check_archive(root)
    assert imported.errors == []
    again = imported.archive.annotation_files[slug].annotations
    assert [_fields(a) for a in again] == [_fields(a) for a in original]
