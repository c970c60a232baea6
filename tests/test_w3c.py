"""The W3C Web Annotation export, checked against the W3C's own conformance suite.

The suite (JSON Schemas and ``.test`` manifests of w3c/web-annotation-tests)
lives outside the repository, in ``shared/`` beside the clone. Every MUST
assertion of ``annotationMusts.test`` runs on every exported annotation, and
every one of ``collectionMusts.test`` on every exported collection. The suite's
own incorrect samples must fail, so that a suite that checks nothing (a
missing format checker, a broken ``$ref``) fails these tests too.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from annotary import w3c
from annotary.articlepage import pack_text, unpack_text
from annotary.pipeline import CheckedArchive, check_archive
from conftest import Repo

REPO = Path(__file__).resolve().parents[1]
#: The suite is not part of the repository: CI checks ``shared/`` out beside the clone.
SUITE = REPO.parent / "shared" / "w3c-web-annotation-tests"
SITE = "https://archive.example.org/"
SEED_SLUG = "north-korean-troops-kursk"

#: Correct samples that fail a MUST assertion under the ``jsonschema`` package
#: (see the suite's ORIGIN.md): their targets are Composite/List/Independents
#: resources, which ``3.2-targetObjectsRecognized`` does not recognize.
KNOWN_CORRECT_FAILURES = {
    "anno11.json": ["3.2-targetObjectsRecognized.json"],
    "anno12.json": ["3.2-targetObjectsRecognized.json"],
    "anno13.json": ["3.2-targetObjectsRecognized.json"],
}
#: Incorrect samples whose flaw only SHOULD-level assertions check: once their
#: incidental flaws are repaired (see ``_repaired``), they pass every MUST.
#: anno14: a body ``format`` of 6; anno15: ``langauage`` (sic) 3; anno23: two
#: processingLanguage values; anno26: ``creator`` 6; anno27: ``generator`` 42.
SHOULD_ONLY_FLAWS = {"anno14.json", "anno15.json", "anno23.json", "anno26.json", "anno27.json"}


# --- the suite -------------------------------------------------------------------


@dataclass(frozen=True)
class Suite:
    annotation_musts: list[tuple[str, Draft4Validator]]
    collection_musts: list[tuple[str, Draft4Validator]]
    format_checker: FormatChecker

    def failures(self, document: Any, kind: str = "annotation") -> list[str]:
        """The MUST assertions ``document`` fails (file names)."""
        musts = self.annotation_musts if kind == "annotation" else self.collection_musts
        return [name for name, validator in musts if not validator.is_valid(document)]


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    """RFC 3339 ``date-time``, which ``jsonschema`` only checks with an extra package."""
    if not isinstance(value, str):
        return True  # format applies to strings only
    if not _RFC3339.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


def _load_suite() -> Suite:
    if not SUITE.is_dir():
        pytest.fail(
            f"the W3C Web Annotation test suite is missing: expected it at {SUITE} "
            "(shared/w3c-web-annotation-tests beside the repository's clone). "
            "These conformance tests never skip: check the suite out there.",
            pytrace=False,
        )
    resources = []
    for path in sorted((SUITE / "definitions").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT4)
        resources += [(contents.get("id", path.name), resource), (path.name, resource)]
    registry: Registry[Any] = Registry().with_resources(resources)
    checker = FormatChecker()
    # rfc3987 provides "uri"; without it jsonschema silently passes every URI.
    assert "uri" in checker.checkers, "install rfc3987: without it no 'uri' format is checked"
    checker.checks("date-time")(_is_date_time)

    def musts(manifest: str) -> list[tuple[str, Draft4Validator]]:
        data = json.loads((SUITE / manifest).read_text(encoding="utf-8"))
        loaded = []
        for name in data["assertions"]:
            path = SUITE / name
            assert path.is_file(), f"{manifest} names {name}, which the suite lacks"
            schema = json.loads(path.read_text(encoding="utf-8"))
            assert schema["assertionType"] == "must", name
            Draft4Validator.check_schema(schema)
            validator = Draft4Validator(schema, registry=registry, format_checker=checker)
            loaded.append((path.name, validator))
        return loaded

    return Suite(
        musts("annotations/annotationMusts.test"),
        musts("collections/collectionMusts.test"),
        checker,
    )


@pytest.fixture(scope="module")
def suite() -> Suite:
    return _load_suite()


def _lenient_json(text: str) -> Any:
    """JSON as the samples write it: many have a trailing comma (not their flaw)."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))


def _samples(kind: str) -> Iterator[tuple[str, str]]:
    folder = SUITE / "tools" / "samples" / kind
    for path in sorted(folder.glob("*.json")):
        yield path.name, path.read_text(encoding="utf-8")


# --- the suite itself ----------------------------------------------------------------


def test_suite_has_every_must_assertion_and_checks_uris(suite: Suite) -> None:
    assert len(suite.annotation_musts) == 54
    assert len(suite.collection_musts) == 10
    assert "uri" in suite.format_checker.checkers
    assert not suite.format_checker.conforms("not a uri", "uri")
    assert not suite.format_checker.conforms("yesterday", "date-time")
    assert suite.format_checker.conforms("2025-01-22T10:00:00+01:00", "date-time")


def test_every_incorrect_sample_fails_a_must_assertion(suite: Suite) -> None:
    failed: dict[str, list[str]] = {}
    for name, text in _samples("incorrect"):
        try:
            document = _lenient_json(text)
        except json.JSONDecodeError:
            failed[name] = ["(not JSON at all)"]
            continue
        failed[name] = suite.failures(document)
    assert len(failed) == 39
    assert [n for n, f in failed.items() if f == ["(not JSON at all)"]] == ["anno1.json"]
    assert [n for n, f in failed.items() if not f] == []


def _repaired(document: dict[str, Any]) -> dict[str, Any]:
    """Without the flaw most samples share by copy and paste: two ids.

    Sample anno7 ("multiple identifiers") keeps them: they are its point.
    """
    if isinstance(document.get("id"), list) and document.get("label") != "multiple identifiers":
        document = {**document, "id": document["id"][0]}
    return document


def test_incorrect_samples_fail_for_their_own_flaw(suite: Suite) -> None:
    passing = set()
    for name, text in _samples("incorrect"):
        try:
            document = _lenient_json(text)
        except json.JSONDecodeError:
            continue
        if isinstance(document, dict) and not suite.failures(_repaired(document)):
            passing.add(name)
    assert passing == SHOULD_ONLY_FLAWS


def test_correct_samples_pass_every_must_but_the_known_composites(suite: Suite) -> None:
    failures = {}
    for name, text in _samples("correct"):
        document = json.loads(text)
        kind = document.get("type")
        if kind == "AnnotationCollection":
            assert suite.failures(document, "collection") == [], name
        elif kind == "Annotation":
            found = suite.failures(document)
            if found:
                failures[name] = found
    assert failures == KNOWN_CORRECT_FAILURES


# --- building exports ------------------------------------------------------------------


def _export(
    checked: CheckedArchive,
    slug: str,
    provenance: w3c.Provenance | None = None,
    directory_urls: bool = True,
) -> dict[str, Any]:
    url = w3c.article_url(SITE, slug, directory_urls=directory_urls)
    collection = w3c.article_collection(
        checked.placed[slug],
        checked.archive.articles[slug],
        checked.archive,
        site_url=SITE,
        article_url=url,
        provenance=provenance,
        directory_urls=directory_urls,
    )
    # what a consumer reads: the file's JSON, not our dicts
    loaded: dict[str, Any] = json.loads(w3c.dumps(collection))
    return loaded


def _items(collection: Mapping[str, Any]) -> list[dict[str, Any]]:
    first = collection.get("first")
    return list(first["items"]) if first else []


def _conformance_failures(
    suite: Suite, collections: list[dict[str, Any]]
) -> tuple[list[tuple[str, str]], int]:
    failures = []
    checked = 0
    for collection in collections:
        for name in suite.failures(collection, "collection"):
            failures.append((collection["id"], name))
        checked += len(suite.collection_musts)
        for item in _items(collection):
            for name in suite.failures(w3c.standalone(item)):
                failures.append((item["id"], name))
            checked += len(suite.annotation_musts)
    return failures, checked


@pytest.fixture(scope="module")
def seed() -> CheckedArchive:
    return check_archive(REPO)


def test_seed_export_passes_every_must_assertion(suite: Suite, seed: CheckedArchive) -> None:
    provenance = w3c.git_provenance(REPO, f"annotations/{SEED_SLUG}.yml")
    collections = [_export(seed, slug, provenance) for slug in sorted(seed.placed)]
    collections.append(json.loads(w3c.dumps(w3c.archive_collection(seed, site_url=SITE))))
    failures, checked = _conformance_failures(suite, collections)
    annotations = sum(len(f.annotations) for f in seed.archive.annotation_files.values())
    assert annotations >= 30
    # every annotation twice (its article's collection, the archive's), each collection once
    assert checked == 2 * annotations * 54 + len(collections) * 10
    assert failures == []


SMALL_ANNOTATIONS = """\
article: test-article
annotations:
  - id: casualties
    type: claim
    quote: troops suffered nearly 40% casualties
    status: disputed
    attributed_to: [western-officials]
    tags: [casualties, "two words"]
    note: |
      4,000 of 11,000 is *36%*: see [the report](https://example.org/r).
    evidence:
      - url: https://fr.wikipedia.org/wiki/Région_de_Koursk
        title: Région de Koursk
        stance: context
      - url: https://example.org/report?a=1&b=2
  - id: nearly-40
    type: claim
    quote: nearly 40%
    status: misleading
  - id: told-the-bbc
    type: source
    quote: the BBC that troops suffered
    source: bbc-news
  - id: officials-said-more
    type: quote
    quote: The officials said
    suffix: more
    speaker: western-officials
  - id: officials-said-which
    type: source
    quote: The officials said
    source: western-officials
  - id: withdrawn
    type: claim
    quote: troops were withdrawn from the front line entirely
    prefix: "Later,  the "
    status: false
  - id: drifted-casualties
    type: claim
    quote: The officials said 4,000 were casualtes.
    status: unverified
"""


@pytest.fixture
def small(repo: Repo) -> CheckedArchive:
    repo.annotations(SMALL_ANNOTATIONS)
    return check_archive(repo.root)


def _by_id(collection: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"].rsplit("#", 1)[1]: item for item in _items(collection)}


def _selector(item: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    found = [s for s in item["target"]["selector"] if s["type"] == kind]
    return found[0] if found else None


def test_small_archive_export_passes_every_must_assertion(
    suite: Suite, small: CheckedArchive
) -> None:
    states = {p.annotation.id: p.result.state for p in small.placed["test-article"].placements}
    assert states == {
        "casualties": "exact",
        "nearly-40": "exact",
        "told-the-bbc": "exact",
        "officials-said-more": "exact",
        "officials-said-which": "ambiguous",
        "withdrawn": "orphan",
        "drifted-casualties": "drifted",
    }
    provenance = w3c.Provenance(
        "2025-01-22T10:00:00+01:00", "2025-02-01T08:30:00Z", ("A Writer", "Ed Itor")
    )
    collections = [
        _export(small, "test-article", provenance),
        _export(small, "test-article", directory_urls=False),
        json.loads(w3c.dumps(w3c.archive_collection(small, site_url=SITE))),
    ]
    failures, checked = _conformance_failures(suite, collections)
    assert checked == 3 * (10 + 7 * 54)
    assert failures == []


def test_the_suite_catches_a_broken_export(suite: Suite, small: CheckedArchive) -> None:
    """The same checks fail on our own shape when it breaks the model."""
    item = _by_id(_export(small, "test-article"))["casualties"]
    evidence = next(b for b in item["body"] if b.get("purpose") == "linking")
    broken = {**item, "body": [{**evidence["source"], "purpose": "linking"}]}
    assert "3.3.5-bodyEWRNoPurpose.json" in suite.failures(w3c.standalone(broken))
    assert "3.1-annotationContextValidated.json" in suite.failures(item)  # no @context
    not_a_uri = {**item, "id": "casualties"}
    assert suite.failures(w3c.standalone(not_a_uri)) == ["3.1-annotationIdValidated.json"]


# --- what the export says ------------------------------------------------------------------


def test_annotation_ids_are_highlight_permalinks_and_motivations(small: CheckedArchive) -> None:
    collection = _export(small, "test-article")
    page = f"{SITE}articles/test-article/"
    assert collection["id"] == f"{page}annotations.jsonld"
    assert collection["@context"] == [
        "http://www.w3.org/ns/anno.jsonld",
        {"annotary": "https://annotary.invalid/ns#"},
    ]
    assert collection["type"] == "AnnotationCollection"
    assert collection["total"] == 7
    first = collection["first"]
    assert first["type"] == "AnnotationPage"
    assert first["partOf"] == collection["id"]
    assert first["startIndex"] == 0
    assert collection["last"] == first["id"]
    items = _by_id(collection)
    assert list(items) == [a.id for a in small.archive.annotation_files["test-article"].annotations]
    for annotation_id, item in items.items():
        assert item["id"] == f"{page}#{annotation_id}"
        assert item["type"] == "Annotation"
        assert item["target"]["source"] == page
        assert "@context" not in item  # the collection's applies
    assert items["casualties"]["motivation"] == "assessing"
    assert items["officials-said-more"]["motivation"] == "identifying"
    assert items["told-the-bbc"]["motivation"] == "identifying"
    assert items["told-the-bbc"]["annotary:annotationType"] == "source"
    assert items["officials-said-more"]["annotary:annotationType"] == "quote"


def test_claim_bodies(small: CheckedArchive) -> None:
    item = _by_id(_export(small, "test-article"))["casualties"]
    assert item["body"] == [
        {"type": "TextualBody", "purpose": "assessing", "value": "disputed"},
        {
            "type": "TextualBody",
            "purpose": "commenting",
            "value": "4,000 of 11,000 is *36%*: see [the report](https://example.org/r).",
            "format": "text/markdown",
        },
        {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": {
                "id": f"{SITE}sources/western-officials/",
                "type": "Text",
                "format": "text/html",
                "label": "Western officials",
            },
        },
        {"type": "TextualBody", "purpose": "tagging", "value": "casualties"},
        {"type": "TextualBody", "purpose": "tagging", "value": "two words"},
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": {
                # an IRI becomes a URI: the W3C schemas check 'uri' (RFC 3986)
                "id": "https://fr.wikipedia.org/wiki/R%C3%A9gion_de_Koursk",
                "label": "Région de Koursk",
            },
            "annotary:stance": "context",
        },
        {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": {"id": "https://example.org/report?a=1&b=2"},
        },
    ]


def test_quote_and_source_bodies_link_to_source_pages(small: CheckedArchive) -> None:
    items = _by_id(_export(small, "test-article", directory_urls=False))
    speaker = items["officials-said-more"]["body"]
    assert speaker == [
        {
            "type": "SpecificResource",
            "purpose": "identifying",
            "source": {
                "id": f"{SITE}sources/western-officials.html",
                "type": "Text",
                "format": "text/html",
                "label": "Western officials",
            },
        }
    ]
    assert items["told-the-bbc"]["body"][0]["source"]["label"] == "BBC News"
    assert items["told-the-bbc"]["id"] == f"{SITE}articles/test-article.html#told-the-bbc"


def test_selectors_describe_the_visible_text(small: CheckedArchive) -> None:
    text = small.placed["test-article"].visible.text
    items = _by_id(_export(small, "test-article"))
    for annotation_id in ("casualties", "nearly-40", "told-the-bbc", "officials-said-more"):
        item = items[annotation_id]
        assert item["annotary:anchorState"] == "exact"
        quote = _selector(item, "TextQuoteSelector")
        position = _selector(item, "TextPositionSelector")
        assert quote is not None
        assert position is not None
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        prefix, suffix = quote.get("prefix", ""), quote.get("suffix", "")
        assert len(prefix) <= 32
        assert len(suffix) <= 32
        assert text[start - len(prefix) : start] == prefix
        assert text[end : end + len(suffix)] == suffix
    # markup is gone: the claim crosses the emphasis of "nearly 40%"
    assert _selector(items["casualties"], "TextQuoteSelector") == {
        "type": "TextQuoteSelector",
        "exact": "troops suffered nearly 40% casualties",
        "prefix": "fficials have told the BBC that ",
        "suffix": " in the fighting. The officials ",
    }
    # overlapping and nested highlights keep their own spans
    spans: dict[str, tuple[int, int]] = {}
    for name in ("told-the-bbc", "casualties", "nearly-40"):
        position = _selector(items[name], "TextPositionSelector")
        assert position is not None
        spans[name] = (position["start"], position["end"])
    bbc, casualties, nearly = spans["told-the-bbc"], spans["casualties"], spans["nearly-40"]
    assert bbc[0] < casualties[0] < bbc[1] < casualties[1]  # overlapping
    assert casualties[0] < nearly[0] < nearly[1] < casualties[1]  # nested
    # the quote at the start of a paragraph: its prefix crosses the paragraph break
    said = _selector(items["officials-said-more"], "TextQuoteSelector")
    assert said is not None
    assert said["exact"] == "The officials said"
    assert said["suffix"].startswith(" more")


def test_unplaced_annotations_have_only_a_quote_selector(small: CheckedArchive) -> None:
    items = _by_id(_export(small, "test-article"))
    orphan = items["withdrawn"]
    assert orphan["annotary:anchorState"] == "orphan"
    assert orphan["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "troops were withdrawn from the front line entirely",
            "prefix": "Later, the ",
        }
    ]
    assert orphan["body"][0] == {"type": "TextualBody", "purpose": "assessing", "value": "false"}
    ambiguous = items["officials-said-which"]
    assert ambiguous["annotary:anchorState"] == "ambiguous"
    assert _selector(ambiguous, "TextPositionSelector") is None


def test_a_drifted_annotation_is_exported_at_its_current_passage(small: CheckedArchive) -> None:
    item = _by_id(_export(small, "test-article"))["drifted-casualties"]
    assert item["annotary:anchorState"] == "drifted"
    quote = _selector(item, "TextQuoteSelector")
    assert quote is not None
    assert quote["exact"] == "The officials said 4,000 were casualties."


def test_two_builds_give_byte_identical_files(repo: Repo) -> None:
    repo.annotations(SMALL_ANNOTATIONS)
    texts = []
    for _ in range(2):
        checked = check_archive(repo.root)
        url = w3c.article_url(SITE, "test-article")
        collection = w3c.article_collection(
            checked.placed["test-article"],
            checked.archive.articles["test-article"],
            checked.archive,
            site_url=SITE,
            article_url=url,
        )
        archive = w3c.archive_collection(checked, site_url=SITE)
        texts.append(w3c.dumps(collection) + w3c.dumps(archive))
    assert texts[0] == texts[1]
    assert texts[0].endswith("}\n")
    assert "Région de Koursk" in texts[0]  # UTF-8, not \u escapes


def test_dumps_is_compact_utf8_with_a_final_newline() -> None:
    document = {"id": "https://a.example/#x", "label": "“Région” </script>", "items": [1, 2]}
    text = w3c.dumps(document)
    assert text == ('{"id":"https://a.example/#x","label":"“Région” </script>","items":[1,2]}\n')
    assert json.loads(text) == document


def test_an_article_without_annotations_has_an_empty_collection(suite: Suite, repo: Repo) -> None:
    repo.annotations("article: test-article\nannotations:\n")
    collection = _export(check_archive(repo.root), "test-article")
    assert collection["total"] == 0
    assert "first" not in collection  # a page MUST hold an annotation
    assert "last" not in collection
    assert suite.failures(collection, "collection") == []


def test_collection_paths_and_site_url() -> None:
    assert w3c.article_collection_path("x") == "articles/x/annotations.jsonld"
    assert w3c.article_collection_path("x", directory_urls=False) == "articles/x.annotations.jsonld"
    assert w3c.archive_collection_path() == "annotations.jsonld"
    assert w3c.article_url("https://a.example/site", "x") == "https://a.example/site/articles/x/"
    with pytest.raises(ValueError, match="site_url"):
        w3c.article_url("/relative/", "x")


def test_archive_collection_holds_every_article_in_slug_order(repo: Repo) -> None:
    repo.write(
        "docs/articles/another.md",
        "---\ntitle: Another\nauthor: B\noutlet: O\ncaptured: 2026-01-01\n---\nWestern words.\n",
    )
    repo.annotations(
        "article: another\nannotations:\n  - id: words\n    type: claim\n"
        "    quote: Western words\n    status: unverified\n",
        slug="another",
    )
    checked = check_archive(repo.root)
    collection = w3c.archive_collection(checked, site_url=SITE)
    ids = [item["id"] for item in _items(collection)]
    assert ids == [
        f"{SITE}articles/another/#words",
        f"{SITE}articles/test-article/#casualties",
        f"{SITE}articles/test-article/#told-the-bbc",
    ]
    assert collection["id"] == f"{SITE}annotations.jsonld"
    assert collection["total"] == 3
    both = {
        "another": w3c.Provenance("2025-01-02T00:00:00+00:00", "2025-03-01T00:00:00+00:00", ("B",)),
        "test-article": w3c.Provenance("2025-01-01T12:00:00+02:00", "2025-02-01T00:00:00Z", ("A",)),
    }
    merged = w3c.archive_collection(checked, site_url=SITE, provenance=both)
    assert merged["created"] == "2025-01-01T12:00:00+02:00"
    assert merged["modified"] == "2025-03-01T00:00:00+00:00"
    assert merged["creator"] == [{"name": "B"}, {"name": "A"}]
    # one file without history: when the archive last changed is unknown
    partial = w3c.archive_collection(
        checked, site_url=SITE, provenance={"another": both["another"]}
    )
    assert "modified" not in partial
    assert partial["created"] == "2025-01-02T00:00:00+00:00"


# --- provenance from git ---------------------------------------------------------------------


def _git(root: Path, *args: str, author: str = "Ann Author", date: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "author@example.org",
    }
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    result = subprocess.run(
        ["git", "-C", str(root), *args], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.fixture
def history(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    (root / "annotations").mkdir(parents=True)
    _git(root, "init", "-q")
    path = root / "annotations" / "a.yml"
    path.write_text("article: a\nannotations:\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "one", date="2025-01-22T10:00:00+01:00", author="Ann Author")
    path.write_text("article: a\nannotations: []\n")
    _git(root, "commit", "-qam", "two", date="2025-02-03T09:30:00+00:00", author="Bo Editor")
    return root


def test_git_provenance_of_a_committed_file(history: Path) -> None:
    assert w3c.git_provenance(history, "annotations/a.yml") == w3c.Provenance(
        "2025-01-22T10:00:00+01:00", "2025-02-03T09:30:00+00:00", ("Ann Author", "Bo Editor")
    )


def test_git_provenance_never_guesses(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # changed since the last commit: when it was modified is unknown
    (history / "annotations" / "a.yml").write_text("article: a\nannotations:\n")
    dirty = w3c.git_provenance(history, "annotations/a.yml")
    assert dirty is not None
    assert dirty.modified is None
    assert dirty.created == "2025-01-22T10:00:00+01:00"
    # never committed
    (history / "annotations" / "b.yml").write_text("article: b\n")
    assert w3c.git_provenance(history, "annotations/b.yml") is None
    # a shallow clone's oldest commit would pass for the file's creation
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", history.as_uri(), str(clone))
    assert w3c.git_provenance(clone, "annotations/a.yml") is None
    # not a repository
    plain = tmp_path / "plain"
    plain.mkdir()
    assert w3c.git_provenance(plain, "annotations/a.yml") is None
    # no git at all
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert w3c.git_provenance(history, "annotations/a.yml") is None


def _follow_oracle(root: Path, path: str) -> w3c.Provenance | None:
    """What one ``git log --follow`` and one ``git status`` say: the per-file way, as reference."""
    log = subprocess.run(
        ["git", "-C", str(root), "log", "--follow", "--format=%aI,%an", "--", path],
        capture_output=True,
        text=True,
        check=False,
    )
    commits = [tuple(line.split(",", 1)) for line in log.stdout.splitlines() if line]
    if log.returncode != 0 or not commits:
        return None
    commits.reverse()  # oldest first
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--", path],
        capture_output=True,
        text=True,
        check=True,
    )
    modified = commits[-1][0] if not status.stdout.strip() else None
    creators = tuple(dict.fromkeys(name.strip() for _, name in commits if name.strip()))
    return w3c.Provenance(commits[0][0], modified, creators)


@pytest.fixture
def renames(tmp_path: Path) -> Path:
    """A repository whose archive is in ``site/``: edits, renames in and into it, a merge.

    Returns the archive's folder. Annotation files today: ``a`` (edited on main
    while a branch was open), ``c`` (``b`` renamed, then edited, also on the
    branch), ``d`` (moved in from ``data/old.yml`` outside the archive, and
    edited on the way), ``e`` (added late), ``f`` (committed, then changed and
    not committed), ``new`` (never committed).
    """
    repo = tmp_path / "repo"
    site = repo / "site"
    (site / "annotations").mkdir(parents=True)
    (repo / "data").mkdir()
    _git(repo, "init", "-q", "-b", "main")
    lines = "".join(f"  - line {i}: some words of the annotation file\n" for i in range(20))

    def write(rel: str, text: str) -> None:
        (repo / rel).write_text(text)

    def commit(message: str, author: str, day: int) -> None:
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", message, author=author, date=f"2025-03-{day:02}T12:00:00+01:00")

    write("site/annotations/a.yml", "article: a\n" + lines)
    write("site/annotations/b.yml", "article: b\n" + lines)
    write("data/old.yml", "article: d\n" + lines)
    write("site/annotations/f.yml", "article: f\n")
    commit("one", "Ann Author", 1)
    write("site/annotations/a.yml", "article: a\n" + lines + "  - more\n")
    commit("two", "Bo Editor", 2)
    _git(repo, "mv", "site/annotations/b.yml", "site/annotations/c.yml")
    commit("b is c", "Cy Mover", 3)
    _git(repo, "mv", "data/old.yml", "site/annotations/d.yml")
    write("site/annotations/d.yml", "article: d\n" + lines + "  - moved\n")
    commit("d moves in", "Di Mover", 4)
    write("site/annotations/c.yml", "article: c\n" + lines)
    write("site/annotations/e.yml", "article: e\n")
    commit("c edited, e added", "Ed Editor", 5)
    # A side branch merged back: its commits count, the merge does not.
    _git(repo, "checkout", "-q", "-b", "side")
    write("site/annotations/c.yml", "article: c\n" + lines + "  - side\n")
    commit("side", "Fay Brancher", 6)
    _git(repo, "checkout", "-q", "main")
    write("site/annotations/a.yml", "article: a\n" + lines + "  - main\n")
    commit("main", "Gus Editor", 7)
    _git(repo, "merge", "-q", "--no-edit", "side", author="Mo Merger", date="2025-03-08T12:00:00Z")
    # Not committed: a change to f, a new file.
    write("site/annotations/f.yml", "article: f\nannotations: []\n")
    write("site/annotations/new.yml", "article: new\n")
    return site


RENAMED_PATHS = [f"annotations/{name}.yml" for name in ("a", "c", "d", "e", "f", "new", "none")]


def test_git_provenance_all_follows_renames_and_skips_merges(renames: Path) -> None:
    found = w3c.git_provenance_all(renames, RENAMED_PATHS)
    assert found == {
        "annotations/a.yml": w3c.Provenance(
            "2025-03-01T12:00:00+01:00",
            "2025-03-07T12:00:00+01:00",
            ("Ann Author", "Bo Editor", "Gus Editor"),
        ),
        "annotations/c.yml": w3c.Provenance(
            "2025-03-01T12:00:00+01:00",
            "2025-03-06T12:00:00+01:00",
            ("Ann Author", "Cy Mover", "Ed Editor", "Fay Brancher"),
        ),
        "annotations/d.yml": w3c.Provenance(
            "2025-03-01T12:00:00+01:00", "2025-03-04T12:00:00+01:00", ("Ann Author", "Di Mover")
        ),
        "annotations/e.yml": w3c.Provenance(
            "2025-03-05T12:00:00+01:00", "2025-03-05T12:00:00+01:00", ("Ed Editor",)
        ),
        "annotations/f.yml": w3c.Provenance("2025-03-01T12:00:00+01:00", None, ("Ann Author",)),
    }


def test_git_provenance_all_agrees_with_git_log_follow(renames: Path) -> None:
    expected = {path: _follow_oracle(renames, path) for path in RENAMED_PATHS}
    assert expected["annotations/c.yml"] is not None  # the oracle works
    found = w3c.git_provenance_all(renames, RENAMED_PATHS)
    assert found == {path: p for path, p in expected.items() if p is not None}
    for path in RENAMED_PATHS:
        assert w3c.git_provenance(renames, path) == expected[path], path
    # From the top of the repository, the same files by longer paths.
    top = renames.parent
    assert w3c.git_provenance_all(top, [f"site/{p}" for p in RENAMED_PATHS]) == {
        f"site/{path}": p for path, p in found.items()
    }
    # A file renamed in the working copy and not committed yet: no history under its new name.
    _git(top, "mv", "site/annotations/e.yml", "site/annotations/g.yml")
    paths = [*RENAMED_PATHS, "annotations/g.yml"]
    expected = {path: _follow_oracle(renames, path) for path in paths}
    assert expected["annotations/e.yml"] is not None
    assert expected["annotations/e.yml"].modified is None
    assert w3c.git_provenance_all(renames, paths) == {
        path: p for path, p in expected.items() if p is not None
    }


def test_a_file_copied_as_a_template_has_its_own_history(history: Path) -> None:
    # `git log --follow` would also follow copies (it finds copies harder) and credit
    # the new file with the history of the one it was copied from: renames only here.
    template = (history / "annotations" / "a.yml").read_text()
    (history / "annotations" / "copy.yml").write_text(template + "  - id: x\n")
    _git(history, "add", ".")
    _git(history, "commit", "-qm", "copy", date="2025-03-01T00:00:00+00:00", author="Cat Copier")
    assert w3c.git_provenance(history, "annotations/copy.yml") == w3c.Provenance(
        "2025-03-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00", ("Cat Copier",)
    )


def test_git_provenance_all_runs_git_a_constant_number_of_times(
    renames: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    run = subprocess.run

    def counting_run(args: list[str], **kwargs: Any) -> Any:
        calls.append(args)
        return run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting_run)
    paths = RENAMED_PATHS * 50
    assert len(w3c.git_provenance_all(renames, paths)) == 5
    assert len(calls) == 3  # rev-parse, log, status


def test_git_provenance_all_never_guesses(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = ["annotations/a.yml", "annotations/b.yml"]
    assert w3c.git_provenance_all(history, []) == {}
    (history / "annotations" / "b.yml").write_text("article: b\n")  # never committed
    assert w3c.git_provenance_all(history, paths) == {
        "annotations/a.yml": w3c.git_provenance(history, "annotations/a.yml")
    }
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", "--depth", "1", history.as_uri(), str(clone))
    assert w3c.git_provenance_all(clone, paths) == {}
    plain = tmp_path / "plain"
    plain.mkdir()
    assert w3c.git_provenance_all(plain, paths) == {}
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert w3c.git_provenance_all(history, paths) == {}


def test_git_log_output_is_parsed_by_position() -> None:
    # Commas and spaces in names and paths, a \x01 in a path, a commit without changes.
    log = (
        "\x012025-01-02T00:00:00+00:00\0Doe, Jane\0\nR087\0annotations/x.yml\0"
        "annotations/\x01y.yml\0M\0annotations/a b.yml\0"
        "\x012025-01-01T00:00:00+00:00\0\0"
        "\x012024-12-31T00:00:00+00:00\0Bo\0\nA\0annotations/x.yml\0"
    )
    commits = w3c._commits(log)
    assert [(c.stamp, c.author) for c in commits] == [
        ("2025-01-02T00:00:00+00:00", "Doe, Jane"),
        ("2025-01-01T00:00:00+00:00", ""),
        ("2024-12-31T00:00:00+00:00", "Bo"),
    ]
    assert commits[0].changes == (
        ("R", "annotations/x.yml", "annotations/\x01y.yml"),
        ("M", None, "annotations/a b.yml"),
    )
    histories = w3c._follow(commits, {"annotations/\x01y.yml", "annotations/a b.yml"})
    assert histories == {
        "annotations/\x01y.yml": [
            ("2025-01-02T00:00:00+00:00", "Doe, Jane"),
            ("2024-12-31T00:00:00+00:00", "Bo"),
        ],
        "annotations/a b.yml": [("2025-01-02T00:00:00+00:00", "Doe, Jane")],
    }


def test_provenance_goes_on_the_collection(suite: Suite, small: CheckedArchive) -> None:
    provenance = w3c.Provenance("2025-01-22T10:00:00+01:00", None, ("Ann Author",))
    collection = _export(small, "test-article", provenance)
    assert collection["creator"] == [{"name": "Ann Author"}]
    assert collection["created"] == "2025-01-22T10:00:00+01:00"
    assert "modified" not in collection
    for item in _items(collection):
        assert not {"creator", "created", "modified"} & set(item)
    assert suite.failures(collection, "collection") == []


def test_built_site_exports_pass_every_must_assertion(
    suite: Suite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The files the site build writes (plugin on_post_build), not only the functions."""
    import os
    import subprocess
    import sys

    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "-d", str(site)],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
    )
    files = sorted(site.rglob("*.jsonld"))
    assert site / "annotations.jsonld" in files
    assert site / "articles" / SEED_SLUG / "annotations.jsonld" in files
    collections = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    failures, checked = _conformance_failures(suite, collections)
    assert failures == []
    assert checked > 2 * 37 * 54


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_items_kept_packed_come_back_the_same(text: str) -> None:
    """A build keeps each article's W3C items packed until it writes them."""
    assert unpack_text(pack_text(text)) == text


def test_items_are_packed_small() -> None:
    items = json.dumps(
        [{"type": "Annotation", "id": f"claim-{n}", "bodyValue": "…"} for n in range(400)]
    )
    assert len(pack_text(items)) < len(items.encode()) / 3
