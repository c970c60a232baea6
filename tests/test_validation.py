"""Every error code of the format, at its exact file, line and column."""

from __future__ import annotations

import pytest

from conftest import Repo

HEAD = "article: test-article\nannotations:\n"


def only(diagnostics: list[dict[str, object]], code: str) -> dict[str, object]:
    found = [d for d in diagnostics if d["code"] == code]
    assert len(found) == 1, diagnostics
    return found[0]


def where(d: dict[str, object]) -> tuple[object, object, object]:
    return d["file"], d["line"], d["column"]


def test_clean_archive_passes(repo: Repo) -> None:
    code, diagnostics = repo.lint()
    assert (code, diagnostics) == (0, [])


CASES = [
    # (name, annotation YAML after the two header lines, code, line, column, hint contains)
    (
        "unknown field with did-you-mean",
        "  - id: a\n    type: claim\n    qoute: troops suffered\n    status: unverified\n",
        "unknown-field",
        5,
        5,
        "did you mean 'quote'?",
    ),
    (
        "duplicate YAML key",
        "  - id: a\n    type: claim\n    quote: told the BBC\n    quote: troops\n"
        "    status: unverified\n",
        "duplicate-key",
        6,
        5,
        "keep one",
    ),
    (
        "bad annotation id",
        "  - id: Bad_Id\n    type: claim\n    quote: told the BBC\n    status: unverified\n",
        "bad-id",
        3,
        9,
        "bad-id",
    ),
    (
        "unknown status",
        "  - id: a\n    type: claim\n    quote: told the BBC\n    status: unverifed\n",
        "bad-status",
        6,
        13,
        "did you mean 'unverified'?",
    ),
    (
        "unknown type",
        "  - id: a\n    type: claimm\n    quote: told the BBC\n",
        "bad-type",
        4,
        11,
        "did you mean 'claim'?",
    ),
    (
        "quote without speaker",
        "  - id: a\n    type: quote\n    quote: told the BBC\n",
        "missing-field",
        3,
        5,
        "speaker",
    ),
    (
        "field of another type",
        "  - id: a\n    type: quote\n    quote: told the BBC\n    speaker: bbc-news\n"
        "    status: supported\n",
        "field-not-allowed",
        7,
        5,
        "a quote has 'speaker'",
    ),
    (
        "empty quote",
        '  - id: a\n    type: source\n    quote: ""\n    source: bbc-news\n',
        "empty-quote",
        5,
        12,
        "copy the passage",
    ),
    (
        "evidence url not http",
        "  - id: a\n    type: claim\n    quote: told the BBC\n    status: disputed\n"
        "    evidence:\n      - url: ftp://example.org/x\n        stance: supports\n",
        "bad-url",
        8,
        14,
        "https://",
    ),
    (
        "unknown stance",
        "  - id: a\n    type: claim\n    quote: told the BBC\n    status: disputed\n"
        "    evidence:\n      - url: https://example.org/x\n        stance: support\n",
        "bad-stance",
        9,
        17,
        "did you mean 'supports'?",
    ),
    (
        "unknown source with did-you-mean",
        "  - id: a\n    type: source\n    quote: told the BBC\n    source: bbc-new\n",
        "unknown-source",
        6,
        13,
        "did you mean 'bbc-news'?",
    ),
    (
        "unknown source in attributed_to",
        "  - id: a\n    type: claim\n    quote: told the BBC\n    status: unverified\n"
        "    attributed_to: [bbc-news, western-oficials]\n",
        "unknown-source",
        7,
        31,
        "did you mean 'western-officials'?",
    ),
    (
        "wrong type for note",
        "  - id: a\n    type: source\n    quote: told the BBC\n    source: bbc-news\n"
        "    note: 42\n",
        "wrong-type",
        7,
        11,
        'note: "42"',
    ),
    (
        "tab in indentation",
        "  - id: a\n\ttype: source\n",
        "yaml-tab",
        4,
        1,
        "spaces",
    ),
    (
        "colon in an unquoted value",
        "  - id: a\n    type: source\n    quote: Officials said: no\n    source: bbc-news\n",
        "yaml-syntax",
        5,
        26,
        "must be quoted",
    ),
]


@pytest.mark.parametrize(("name", "body", "code", "line", "column", "hint"), CASES)
def test_error_at_its_line(
    repo: Repo, name: str, body: str, code: str, line: int, column: int, hint: str
) -> None:
    repo.annotations(HEAD + body)
    exit_code, diagnostics = repo.lint()
    assert exit_code == 1
    d = only(diagnostics, code)
    assert where(d) == ("annotations/test-article.yml", line, column), name
    assert d["severity"] == "error"
    assert hint in f"{d['message']} {d['hint']}"


def test_duplicate_annotation_id(repo: Repo) -> None:
    repo.annotations(
        HEAD + "  - id: a\n    type: source\n    quote: told the BBC\n    source: bbc-news\n"
        "  - id: a\n    type: source\n    quote: Western officials\n    source: bbc-news\n"
    )
    _, diagnostics = repo.lint()
    d = only(diagnostics, "duplicate-id")
    assert where(d) == ("annotations/test-article.yml", 7, 5)
    assert "first at line 3" in str(d["message"])


def test_article_mismatch(repo: Repo) -> None:
    repo.annotations("article: other-article\nannotations:\n")
    _, diagnostics = repo.lint()
    d = only(diagnostics, "article-mismatch")
    assert where(d) == ("annotations/test-article.yml", 1, 10)


def test_missing_article(repo: Repo) -> None:
    repo.annotations("article: test-artcle\nannotations:\n", slug="test-artcle")
    _, diagnostics = repo.lint()
    d = only(diagnostics, "missing-article")
    assert where(d) == ("annotations/test-artcle.yml", 1, 1)
    assert d["hint"] == "did you mean 'test-article.yml'?"


def test_bad_file_slug(repo: Repo) -> None:
    repo.write("annotations/Test_Article.yml", "article: test-article\nannotations:\n")
    _, diagnostics = repo.lint()
    d = only(diagnostics, "bad-slug")
    assert where(d) == ("annotations/Test_Article.yml", 1, 1)


def test_every_problem_is_reported(repo: Repo) -> None:
    repo.annotations(
        HEAD + "  - id: a\n    type: claim\n    quote: told the BBC\n    status: nope\n"
        "  - id: b\n    type: quote\n    quote: told the BBC\n    speaker: nobody\n"
        "  - id: c\n    type: source\n    quote: told the BBC\n    sorce: bbc-news\n"
    )
    repo.write(
        "annotations/sources.yml", "sources:\n  - id: bbc-news\n    name: BBC\n    kind: tv\n"
    )
    _, diagnostics = repo.lint()
    codes = sorted(str(d["code"]) for d in diagnostics)
    assert codes == sorted(
        ["bad-status", "unknown-source", "unknown-field", "missing-field", "bad-kind"]
    )
    kind = only(diagnostics, "bad-kind")
    assert where(kind) == ("annotations/sources.yml", 4, 11)


def test_sources_duplicate_id(repo: Repo) -> None:
    repo.write(
        "annotations/sources.yml",
        "sources:\n  - id: bbc-news\n    name: BBC\n    kind: media\n"
        "  - id: bbc-news\n    name: BBC again\n    kind: media\n"
        "  - id: western-officials\n    name: W\n    kind: anonymous\n",
    )
    code, diagnostics = repo.lint()
    assert code == 1
    assert where(only(diagnostics, "duplicate-id")) == ("annotations/sources.yml", 5, 5)


def test_unused_source_is_a_warning(repo: Repo) -> None:
    repo.write(
        "annotations/sources.yml",
        "sources:\n  - id: bbc-news\n    name: BBC\n    kind: media\n"
        "  - id: western-officials\n    name: W\n    kind: anonymous\n"
        "  - id: spare\n    name: Nobody\n    kind: person\n",
    )
    code, diagnostics = repo.lint()
    assert code == 0
    unused = only(diagnostics, "unused-source")
    assert unused["severity"] == "warning"
    assert where(unused) == ("annotations/sources.yml", 8, 5)


def test_status_false_is_the_verdict_not_a_boolean(repo: Repo) -> None:
    repo.annotations(
        HEAD + "  - id: a\n    type: claim\n    quote: told the BBC\n    status: false\n"
        "  - id: b\n    type: claim\n    quote: Western officials\n    status: no\n"
    )
    _, diagnostics = repo.lint()
    assert [d["code"] for d in diagnostics if d["severity"] == "error"] == ["bad-status"]
    assert where(diagnostics[0]) == ("annotations/test-article.yml", 10, 13)


def test_warnings_fail_only_with_strict(repo: Repo) -> None:
    repo.write(
        "annotations/sources.yml",
        "sources:\n  - id: bbc-news\n    name: BBC\n    kind: media\n"
        "  - id: western-officials\n    name: W\n    kind: anonymous\n"
        "  - id: spare\n    name: Nobody\n    kind: person\n",
    )
    assert repo.lint()[0] == 0
    assert repo.lint("--strict")[0] == 1


FRONT_MATTER_CASES = [
    ("---\ntitle: T\nauthor: A\noutlet: O\ncaptured: 2026-13-45\n---\nText.\n", "bad-date", 5, 11),
    (
        "---\ntitle: T\nauthr: A\noutlet: O\ncaptured: 2026-11-24\n---\nText.\n",
        "unknown-field",
        3,
        1,
    ),
    (
        "---\ntitle: T\nauthor: A\noutlet: O\ncaptured: 2026-11-24\nurl: www.x.org\n---\nT.\n",
        "bad-url",
        6,
        6,
    ),
    ("Just text, no front matter.\n", "missing-front-matter", 1, 1),
    ("---\ntitle: T\nauthor: A\ncaptured: 2026-11-24\n---\nText.\n", "missing-field", 2, 1),
]


@pytest.mark.parametrize(("text", "code", "line", "column"), FRONT_MATTER_CASES)
def test_front_matter_errors(repo: Repo, text: str, code: str, line: int, column: int) -> None:
    repo.write("docs/articles/other.md", text)
    _, diagnostics = repo.lint()
    d = only(diagnostics, code)
    assert where(d) == ("docs/articles/other.md", line, column)


@pytest.mark.parametrize(
    ("data", "code", "line", "column"),
    [
        (b"\xef\xbb\xbfarticle: test-article\n", "byte-order-mark", 1, 1),
        (b"article: test-article\r\nannotations:\r\n", "crlf-line-ends", 1, 22),
        (b"article: test-article\nannotations: \x00\n", "nul-byte", 2, 14),
        (b"article: test-article\nannotations:\n  - id: \xff\n", "bad-encoding", 3, 9),
    ],
)
def test_broken_bytes(repo: Repo, data: bytes, code: str, line: int, column: int) -> None:
    (repo.root / "annotations/test-article.yml").write_bytes(data)
    _, diagnostics = repo.lint()
    assert [(*where(d), d["code"]) for d in diagnostics] == [
        ("annotations/test-article.yml", line, column, code)
    ]


def test_merge_keys_are_refused(repo: Repo) -> None:
    repo.annotations(
        HEAD + "  - &base\n    id: a\n    type: source\n    quote: told the BBC\n"
        "    source: bbc-news\n  - <<: *base\n    id: b\n"
    )
    _, diagnostics = repo.lint()
    assert where(only(diagnostics, "yaml-merge-key")) == ("annotations/test-article.yml", 8, 5)


def test_yaml_extension_is_refused(repo: Repo) -> None:
    repo.write("annotations/test-article.yaml", "article: test-article\nannotations:\n")
    _, diagnostics = repo.lint()
    d = only(diagnostics, "bad-file-name")
    assert where(d) == ("annotations/test-article.yaml", 1, 1)
    assert d["hint"] == "rename it to 'test-article.yml'"


def test_empty_title(repo: Repo) -> None:
    repo.write(
        "docs/articles/other.md",
        '---\ntitle: ""\nauthor: A\noutlet: O\ncaptured: 2026-11-24\n---\nText.\n',
    )
    _, diagnostics = repo.lint()
    assert where(only(diagnostics, "empty-value")) == ("docs/articles/other.md", 2, 8)


def test_link_outside_the_repo_is_refused(
    repo: Repo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yml"
    outside.write_text("article: test-article\nannotations:\n")
    target = repo.root / "annotations/test-article.yml"
    target.unlink()
    target.symlink_to(outside)
    _, diagnostics = repo.lint()
    assert where(only(diagnostics, "link-outside-repo")) == ("annotations/test-article.yml", 1, 1)


def test_oversized_file_is_refused(repo: Repo) -> None:
    repo.annotations(HEAD + "# padding\n" * 120_000)
    _, diagnostics = repo.lint()
    d = only(diagnostics, "file-too-large")
    assert where(d) == ("annotations/test-article.yml", 1, 1)
    assert "limit is 1,000,000" in str(d["message"])
