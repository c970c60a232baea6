"""The JSON Schema and the validator agree, file by file.

``tests/schema_corpus/`` holds annotation and source files (``sources-*.yml`` are
source registries):

- ``valid/``: both the schema and ``annotary.validate`` accept them;
- ``invalid/``: both refuse them. Line 1 says why, as the validator's error code and
  the JSON Schema keyword that fails: ``# expect: unknown-field; schema:
  additionalProperties``. Each file breaks one rule;
- ``validator-only/``: the lint refuses them, the schema cannot (``# why:`` on line
  2): rules that need the file's name or more than one item (duplicate ids, the
  article's name), YAML keys written twice, and YAML 1.1 spellings that editors,
  reading YAML 1.2, take as text.

Each file is checked as lint reads it (PyYAML, YAML 1.1 types) and as an editor reads
it (YAML 1.2 core types), against draft 2020-12 and against draft-07: the YAML
language server behind most editors validates with draft-07 semantics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator, ValidationError
from jsonschema.protocols import Validator

from annotary import model, validate
from annotary.cli import main
from annotary.diagnostics import Diagnostic
from annotary.schema import SCHEMA_KINDS, SchemaKind, json_schema, schema_text
from annotary.yamlsource import Mapping, Node, Sequence, parse_yaml, to_plain
from conftest import REPO, Repo

CORPUS = Path(__file__).parent / "schema_corpus"
VALID = sorted((CORPUS / "valid").glob("*.yml"))
INVALID = sorted((CORPUS / "invalid").glob("*.yml"))
VALIDATOR_ONLY = sorted((CORPUS / "validator-only").glob("*.yml"))
SEED = [
    REPO / "annotations" / "north-korean-troops-kursk.yml",
    REPO / "annotations" / "sources.yml",
]

EXPECT = re.compile(r"# expect: (?P<code>[a-z-]+)(?:; schema: (?P<keyword>\w+))?$")
MODELINE = re.compile(r"# yaml-language-server: \$schema=(?P<path>\S+)$")


def kind_of(path: Path) -> SchemaKind:
    return "sources" if path.stem.startswith("sources") else "annotations"


def expectation(path: Path) -> tuple[str, str | None]:
    match = EXPECT.fullmatch(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name}: line 1 must be '# expect: CODE[; schema: KEYWORD]'"
    return match["code"], match["keyword"]


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# -- the validator's verdict -------------------------------------------------------


def lint_problems(path: Path) -> list[Diagnostic]:
    """What ``annotary lint`` says of this one file, alone (no cross-file checks)."""
    node, problems = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    if node is None and problems:
        return problems
    if kind_of(path) == "sources":
        _, more = validate.validate_sources(node, path.name)
    else:
        _, more = validate.validate_annotation_file(node, path.name, path.stem)
    return problems + more


def lint_codes(path: Path) -> set[str]:
    return {p.code for p in lint_problems(path) if p.is_error}


# -- the schema's verdict, as lint and as an editor read the file -------------------

_CORE_NULL = re.compile(r"~|null|Null|NULL|")
_CORE_BOOL = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_CORE_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def _yaml_1_2(node: Node) -> Any:
    """Plain data as a YAML 1.2 reader (the YAML language server) types it: core schema,
    where ``yes``/``no``/``on``/``off`` and dates are text."""
    if isinstance(node, Mapping):
        return {str(k.value): _yaml_1_2(v) for k, v in node.entries}
    if isinstance(node, Sequence):
        return [_yaml_1_2(item) for item in node.items]
    raw = node.raw
    if node.style:  # quoted or block: always text
        return raw
    if _CORE_NULL.fullmatch(raw):
        return None
    if raw in _CORE_BOOL:
        return _CORE_BOOL[raw]
    if _CORE_INT.fullmatch(raw):
        return int(raw, 0) if raw.startswith(("0o", "0x")) else int(raw)
    if _CORE_FLOAT.fullmatch(raw):
        return float(raw)
    if _CORE_SPECIAL_FLOAT.fullmatch(raw):
        return float(raw.replace(".", "", 1))  # .inf, -.inf, .nan
    return raw


def lint_view(path: Path) -> Any:
    """The file's data as lint reads it (PyYAML, YAML 1.1 types)."""
    node, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    return None if node is None else to_plain(node)


def editor_view(path: Path) -> Any:
    node, _ = parse_yaml(path.read_text(encoding="utf-8"), path.name)
    return None if node is None else _yaml_1_2(node)


VIEWS: dict[str, Callable[[Path], Any]] = {"lint": lint_view, "editor": editor_view}
DRAFTS: dict[str, type[Validator]] = {"2020-12": Draft202012Validator, "draft-07": Draft7Validator}


def schema_errors(path: Path, view: str, draft: str) -> list[ValidationError]:
    cls = DRAFTS[draft]
    checker = cls(json_schema(kind_of(path)), format_checker=cls.FORMAT_CHECKER)
    return list(checker.iter_errors(VIEWS[view](path)))


def keywords(errors: list[ValidationError]) -> set[str]:
    """Every keyword that failed, inside ``anyOf`` too; a ``false`` schema is "false"."""

    def walk(error: ValidationError) -> Iterator[str]:
        yield "false" if error.validator is None else str(error.validator)
        for sub in error.context or ():
            yield from walk(sub)

    return {k for e in errors for k in walk(e)}


ALL_WAYS = [pytest.param(v, d, id=f"{v}-{d}") for v in VIEWS for d in DRAFTS]


# -- agreement ------------------------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(VALID) >= 10
    assert len(INVALID) >= 40
    assert VALIDATOR_ONLY


@pytest.mark.parametrize("path", VALID, ids=ids(VALID))
def test_valid_file_passes_the_validator(path: Path) -> None:
    assert lint_problems(path) == []


@pytest.mark.parametrize(("view", "draft"), ALL_WAYS)
@pytest.mark.parametrize("path", VALID, ids=ids(VALID))
def test_valid_file_passes_the_schema(path: Path, view: str, draft: str) -> None:
    assert [e.message for e in schema_errors(path, view, draft)] == []


@pytest.mark.parametrize("path", INVALID, ids=ids(INVALID))
def test_invalid_file_fails_the_validator_with_its_code(path: Path) -> None:
    code, _ = expectation(path)
    assert lint_codes(path) == {code}, lint_problems(path)


@pytest.mark.parametrize(("view", "draft"), ALL_WAYS)
@pytest.mark.parametrize("path", INVALID, ids=ids(INVALID))
def test_invalid_file_fails_the_schema_on_its_keyword(path: Path, view: str, draft: str) -> None:
    _, keyword = expectation(path)
    assert keyword, f"{path.name}: line 1 must name the failing schema keyword"
    errors = schema_errors(path, view, draft)
    assert errors
    assert keyword in keywords(errors), [e.message for e in errors]


@pytest.mark.parametrize("path", VALIDATOR_ONLY, ids=ids(VALIDATOR_ONLY))
def test_validator_only_rules(path: Path) -> None:
    """Lint refuses these; the schema, as an editor applies it, cannot tell."""
    code, keyword = expectation(path)
    assert keyword is None
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith("# why: ")
    assert lint_codes(path) == {code}, lint_problems(path)
    for draft in DRAFTS:
        assert schema_errors(path, "editor", draft) == []


def test_cross_file_rules_are_the_linters(repo: Repo) -> None:
    """An unknown source id is a lint error; the schema, seeing one file, accepts it."""
    path = repo.annotations(
        "article: test-article\nannotations:\n"
        "  - id: a\n    type: quote\n    quote: told the BBC\n    speaker: nobody-known\n"
    )
    code, diagnostics = repo.lint()
    assert code == 1
    assert {d["code"] for d in diagnostics} == {"unknown-source"}
    assert schema_errors(path, "editor", "2020-12") == []


# -- the seed, in an editor ------------------------------------------------------------


@pytest.mark.parametrize(("view", "draft"), ALL_WAYS)
@pytest.mark.parametrize("path", SEED, ids=ids(SEED))
def test_seed_files_pass_the_schema(path: Path, view: str, draft: str) -> None:
    assert [e.message for e in schema_errors(path, view, draft)] == []


@pytest.mark.parametrize(
    "path",
    SEED + VALID + INVALID + VALIDATOR_ONLY,
    ids=lambda p: p.relative_to(REPO).as_posix(),
)
def test_files_name_their_schema_for_the_editor(path: Path) -> None:
    """The ``# yaml-language-server`` line is a path relative to the file, to the right schema."""
    lines = path.read_text(encoding="utf-8").splitlines()
    match = next(filter(None, (MODELINE.fullmatch(line) for line in lines[:3])), None)
    assert match, f"{path.name}: no '# yaml-language-server: $schema=…' line"
    target = (path.parent / match["path"]).resolve()
    assert target == REPO / "schema" / f"{kind_of(path)}.schema.json"
    assert target.is_file()


# -- the committed copies and the CLI ---------------------------------------------------


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_committed_schema_is_the_printed_one(
    kind: SchemaKind, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", kind]) == 0
    printed = capsys.readouterr().out
    assert printed == schema_text(kind)
    committed = (REPO / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == printed, f"run: annotary schema {kind} > schema/{kind}.schema.json"


def test_schema_defaults_to_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"].endswith("/annotations.schema.json")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no schema"):
        json_schema("articles")  # type: ignore[arg-type]


# -- the schema's shape: built from the validator's constants ---------------------------


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_schema_is_valid_in_both_drafts(kind: SchemaKind) -> None:
    schema = json_schema(kind)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    Draft7Validator.check_schema(schema)
    text = schema_text(kind)
    for keyword in ("$ref", "$defs", "prefixItems", "unevaluated", "dependentRequired"):
        assert keyword not in text, f"{keyword} means something else (or nothing) in draft-07"


def objects(schema: Any) -> Iterator[dict[str, Any]]:
    """Every object schema (one with ``properties``) inside ``schema``."""
    if isinstance(schema, dict):
        if "properties" in schema and schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from objects(value)


@pytest.mark.parametrize("kind", SCHEMA_KINDS)
def test_every_object_refuses_unknown_fields_and_documents_its_own(kind: SchemaKind) -> None:
    found = list(objects(json_schema(kind)))
    assert found
    for obj in found:
        assert obj["additionalProperties"] is False
        for name, prop in obj["properties"].items():
            assert prop["title"], name
            assert len(prop["description"]) > 20, name


def annotation_schema() -> dict[str, Any]:
    items: dict[str, Any] = json_schema("annotations")["properties"]["annotations"]["items"]
    return items


def test_fields_and_vocabularies_come_from_the_validator() -> None:
    annotation = annotation_schema()
    props = annotation["properties"]
    assert tuple(props) == validate.ALL_ANNOTATION_FIELDS
    assert tuple(props["evidence"]["items"]["properties"]) == validate.EVIDENCE_FIELDS
    assert props["type"]["enum"] == list(model.ANNOTATION_TYPES)
    assert props["status"]["enum"] == [*model.STATUSES, False]
    assert props["evidence"]["items"]["properties"]["stance"]["enum"] == list(model.STANCES)
    assert props["id"]["pattern"] == model.SLUG_PATTERN.pattern
    assert props["id"]["maxLength"] == model.SLUG_MAX_LENGTH
    source = json_schema("sources")["properties"]["sources"]["items"]
    assert tuple(source["properties"]) == validate.SOURCE_FIELDS
    assert source["properties"]["kind"]["enum"] == list(model.SOURCE_KINDS)


def test_type_rules_come_from_the_validator() -> None:
    rules = {
        rule["if"]["properties"]["type"]["const"]: rule["then"]
        for rule in annotation_schema()["allOf"]
    }
    assert set(rules) == set(model.ANNOTATION_TYPES)
    for kind, then in rules.items():
        assert then["required"] == [validate.REQUIRED_BY_TYPE[kind]]
        own = set(validate.FIELDS_BY_TYPE[kind])
        others = {f for fields in validate.FIELDS_BY_TYPE.values() for f in fields} - own
        assert set(then["properties"]) == others
        assert all(value is False for value in then["properties"].values())


def test_editor_snippets_are_well_formed_annotations() -> None:
    for snippet in annotation_schema()["defaultSnippets"]:
        body = snippet["body"]
        assert snippet["label"] == body["type"]
        assert set(body) <= set(validate.ALL_ANNOTATION_FIELDS)
        assert {"id", "type", "quote", validate.REQUIRED_BY_TYPE[body["type"]]} <= set(body)
