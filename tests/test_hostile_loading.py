"""Hostile files: one clear error at the file (and line), fast, bounded, never a traceback.

Every archive file comes from a pull request, so every one may be written to
hurt: expand to billions of nodes, nest 10,000 deep, be larger than any real
one, or hold bytes that are not text. Each case here must give exactly one
diagnostic, an error, at its file and line, through ``annotary lint``; and the
build (``annotary build`` on a copy of the repo) must stop with that message
and leave the previous site as it was. Symbolic links must not lead the build
out of the repository, and nothing may be written outside it but ``site/``.

Times are measured and printed (``pytest -rP`` shows them), not asserted: a
timing assertion fails on a busy machine. What is asserted is the bound that
makes them small: the limit that was hit (nodes, depth, bytes) and memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from annotary.archive import MAX_ARTICLE_BYTES, MAX_YAML_BYTES
from annotary.yamlsource import MAX_DEPTH, MAX_NODES, parse_yaml
from conftest import ANNOTATIONS, ARTICLE, REPO, Repo, link

ANNOTATION_FILE = "annotations/test-article.yml"
ARTICLE_FILE = "docs/articles/test-article.md"
SOURCES_FILE = "annotations/sources.yml"


def laughs(levels: int = 9, width: int = 9) -> bytes:
    """A "billion laughs": each level repeats the one before ``width`` times."""
    lines = [b'l0: &l0 ["lol"]']
    for level in range(1, levels + 1):
        refs = b", ".join(b"*l%d" % (level - 1) for _ in range(width))
        lines.append(b"l%d: &l%d [%s]" % (level, level, refs))
    return b"\n".join(lines) + b"\n"


def replaced(text: str, old: str, new: str) -> bytes:
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def case(
    name: str, file: str, content: bytes, code: str, line: int, column: int | None = None
) -> Any:
    """One malformed file: the one error it must give, at its line (and column)."""
    return pytest.param(file, content, code, line, column, id=name)


CASES = [
    case("billion laughs", ANNOTATION_FILE, laughs(), "yaml-too-large", 7),
    case(
        "alias inside its own anchor",
        ANNOTATION_FILE,
        b"a: &a [1, *a]\n",
        "yaml-recursive-alias",
        1,
        11,
    ),
    case(
        "[[[[ 10,000 deep",
        ANNOTATION_FILE,
        b"a: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
        "yaml-too-deep",
        1,
    ),
    case(
        "[[[[ 10,000 deep, never closed",
        ANNOTATION_FILE,
        b"a: " + b"[" * 10_000 + b"\n",
        "yaml-too-deep",
        1,
    ),
    case(
        "{a: {a: 10,000 deep",
        ANNOTATION_FILE,
        b"a: " + b"{a: " * 10_000 + b"1" + b"}" * 10_000 + b"\n",
        "yaml-too-deep",
        1,
        4 * MAX_DEPTH,
    ),
    case(
        "indented mappings 100 deep",
        ANNOTATION_FILE,
        b"".join(b"  " * i + b"a:\n" for i in range(100)),
        "yaml-too-deep",
        MAX_DEPTH + 1,
    ),
    case(
        "over the size limit",
        ANNOTATION_FILE,
        ANNOTATIONS.encode() + b"#" * MAX_YAML_BYTES,
        "file-too-large",
        1,
        1,
    ),
    case(
        "invalid UTF-8",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told the \xff").replace(b"\xc3\xbf", b"\xff"),
        "bad-encoding",
        10,
        21,
    ),
    case(
        "a surrogate encoded as UTF-8",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \x00 the BBC").replace(
            b"\x00", b"\xed\xa0\x80"
        ),
        "bad-encoding",
        10,
        17,
    ),
    case(
        "byte-order mark",
        ANNOTATION_FILE,
        b"\xef\xbb\xbf" + ANNOTATIONS.encode(),
        "byte-order-mark",
        1,
        1,
    ),
    case(
        "CRLF line ends",
        ANNOTATION_FILE,
        ANNOTATIONS.replace("\n", "\r\n").encode(),
        "crlf-line-ends",
        1,
        22,
    ),
    case(
        "CR line ends",
        ANNOTATION_FILE,
        ANNOTATIONS.replace("\n", "\r").encode(),
        "crlf-line-ends",
        1,
        22,
    ),
    case(
        "NUL byte",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told\x00the BBC"),
        "nul-byte",
        10,
        16,
    ),
    case(
        "lone surrogate escape",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "quote: told the BBC", 'quote: "told \\ud800 the BBC"'),
        "bad-character",
        10,
        12,
    ),
    case(
        "control character escape",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "quote: told the BBC", 'quote: "told \\x07 the BBC"'),
        "bad-character",
        10,
        12,
    ),
    case(
        "NUL escape",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "quote: told the BBC", 'quote: "told \\0 the BBC"'),
        "bad-character",
        10,
        12,
    ),
    case(
        "surrogate escape in a key",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "    source: bbc-news", '    source: bbc-news\n    "\\udc80": x'),
        "bad-character",
        12,
        5,
    ),
    case(
        "raw BEL",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \x07 the BBC"),
        "control-character",
        10,
        17,
    ),
    case(
        "raw ESC (terminal colours)",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \x1b[31m the BBC"),
        "control-character",
        10,
        17,
    ),
    case(
        "raw DEL",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \x7f the BBC"),
        "control-character",
        10,
        17,
    ),
    case(
        "C1 control (NEL)",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \x85 the BBC"),
        "control-character",
        10,
        17,
    ),
    case(
        "a non-character",
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "told the BBC", "told \ufffe the BBC"),
        "yaml-syntax",
        10,
        17,
    ),
    case(
        "article over the size limit",
        ARTICLE_FILE,
        ARTICLE.encode() + b"x" * MAX_ARTICLE_BYTES,
        "file-too-large",
        1,
        1,
    ),
    case(
        "article with a control character",
        ARTICLE_FILE,
        replaced(ARTICLE, "in the fighting", "in the \x1b[1mfighting"),
        "control-character",
        7,
        89,
    ),
    case(
        "article with CRLF",
        ARTICLE_FILE,
        ARTICLE.replace("\n", "\r\n").encode(),
        "crlf-line-ends",
        1,
        4,
    ),
    case(
        "article with a BOM",
        ARTICLE_FILE,
        b"\xef\xbb\xbf" + ARTICLE.encode(),
        "byte-order-mark",
        1,
        1,
    ),
    case(
        "laughs in front matter",
        ARTICLE_FILE,
        replaced(ARTICLE, "title: Test article\n", "title: Test article\n" + laughs().decode()),
        "yaml-too-large",
        9,
    ),
    case(
        "front matter 10,000 deep",
        ARTICLE_FILE,
        replaced(ARTICLE, "title: Test article", "title: " + "[" * 10_000),
        "yaml-too-deep",
        2,
    ),
    case(
        "sources.yml 10,000 deep",
        SOURCES_FILE,
        b"sources: " + b"[" * 10_000 + b"\n",
        "yaml-too-deep",
        1,
    ),
    case("sources.yml laughs", SOURCES_FILE, laughs() + b"sources: []\n", "yaml-too-large", 7),
]


@pytest.mark.parametrize(
    ("file", "content", "code", "line", "column"),
    CASES,
)
def test_one_clear_error(
    repo: Repo, file: str, content: bytes, code: str, line: int, column: int | None
) -> None:
    (repo.root / file).write_bytes(content)
    start = time.perf_counter()
    exit_code, diagnostics = repo.lint()
    elapsed = time.perf_counter() - start
    print(f"{file}: {code} in {elapsed * 1000:.1f} ms ({len(content):,} bytes)")
    assert exit_code == 1
    assert [(d["file"], d["severity"], d["code"]) for d in diagnostics] == [(file, "error", code)]
    (found,) = diagnostics
    assert found["line"] == line, found
    if column is not None:
        assert found["column"] == column, found
    assert isinstance(found["message"], str)
    assert len(found["message"]) < 300, "a message must not echo the hostile input"
    if code in {"yaml-too-large", "file-too-large"}:
        assert f"{MAX_NODES:,}" in found["message"] or "limit" in found["message"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param(laughs(levels=12), "yaml-too-large", id="billion laughs, 9^12"),
        pytest.param("a: " + "[" * 100_000, "yaml-too-deep", id="[[[[ 100,000 deep"),
        pytest.param(
            "a: " + "{a: " * 20_000 + "1" + "}" * 20_000, "yaml-too-deep", id="{a: 20,000"
        ),
    ],
)
def test_bombs_stop_at_a_limit_in_bounded_memory(text: str | bytes, code: str) -> None:
    """The limit stops the parse before anything is expanded: memory stays small."""
    if isinstance(text, bytes):
        text = text.decode()
    tracemalloc.start()
    try:
        node, problems = parse_yaml(text, "bomb.yml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak {peak / 1e6:.1f} MB for {len(text):,} characters")
    assert node is None
    assert [p.code for p in problems] == [code]
    assert peak < 20 * len(text) + 10_000_000, f"{peak:,} bytes"


def test_many_aliases_within_the_limits_are_fine(repo: Repo) -> None:
    """Aliases themselves are not refused: only what they would expand to."""
    text = ANNOTATIONS.replace(
        "    attributed_to: [western-officials]",
        "    attributed_to: &who [western-officials]\n    tags: [a, b]",
    ).replace("    source: bbc-news", "    source: bbc-news\n    tags: &t [x, y]")
    repo.annotations(text)
    assert repo.lint() == (0, [])


def test_a_value_near_the_size_limit_is_bounded(repo: Repo) -> None:
    """Legal but huge: PyYAML's Python scanner is the cost (~1 s per MB), not a hang."""
    huge = ANNOTATIONS + (
        "  - id: huge\n    type: source\n    source: bbc-news\n    quote: "
        + "told the BBC " * ((MAX_YAML_BYTES - 400) // 13)
        + "\n"
    )
    repo.annotations(huge)
    assert len(huge.encode()) < MAX_YAML_BYTES
    start = time.perf_counter()
    exit_code, diagnostics = repo.lint()
    print(f"{len(huge):,} bytes linted in {time.perf_counter() - start:.2f} s")
    assert exit_code == 1
    assert [d["code"] for d in diagnostics] == ["quote-not-found"]


def test_tags_cannot_build_objects(repo: Repo, tmp_path: Path) -> None:
    """Only the safe constructors: a Python tag is an error, never a call."""
    marker = tmp_path / "pwned"
    repo.annotations(f"!!python/object/apply:os.system ['touch {marker}']\n")
    assert repo.lint()[0] == 1
    repo.annotations(
        ANNOTATIONS.replace(
            "article: test-article", f"article: !!python/name:os.system\n# {marker}"
        )
    )
    exit_code, diagnostics = repo.lint()
    assert exit_code == 1
    assert "yaml-syntax" in [d["code"] for d in diagnostics]
    assert not marker.exists()


def test_text_output_of_hostile_values_is_printable(repo: Repo) -> None:
    """``lint`` prints messages that quote values: those must encode, whatever was escaped."""
    repo.annotations(
        ANNOTATIONS.replace("    source: bbc-news", '    source: bbc-news\n    "\\ud83d": 1')
    )
    code, out = repo.run("lint")
    assert code == 1
    out.encode("utf-8")
    assert "[bad-character]" in out


# --- Slugs, ids and paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a.b", "A-B", "a_b", "a--b", "-a", "a-", "ünï", "a b", "x" * 81, "..", ".hidden"],
)
def test_bad_file_names_are_refused(repo: Repo, name: str) -> None:
    repo.write(f"docs/articles/{name}.md", ARTICLE)
    repo.write(f"annotations/{name}.yml", f"article: {name!r}\nannotations:\n")
    code, diagnostics = repo.lint()
    assert code == 1
    found = {(d["file"], d["code"]) for d in diagnostics}
    assert (f"docs/articles/{name}.md", "bad-slug") in found
    assert (f"annotations/{name}.yml", "bad-slug") in found


@pytest.mark.parametrize(
    "value",
    ["../../etc/passwd", "a/b", "a/../b", "..", ".", "<script>", "a b", "A", "a_b", "a\\b", "é"],
)
def test_bad_ids_are_refused(repo: Repo, value: str) -> None:
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    repo.annotations(
        ANNOTATIONS.replace("  - id: told-the-bbc", f'  - id: "{quoted}"').replace(
            "    source: bbc-news", f'    source: "{quoted}"'
        )
    )
    code, diagnostics = repo.lint()
    assert code == 1
    assert [d["code"] for d in diagnostics if d["line"] in (8, 11)] == ["bad-id", "bad-id"]
    repo.write(SOURCES_FILE, f'sources:\n  - id: "{quoted}"\n    name: X\n    kind: person\n')
    code, diagnostics = repo.lint()
    assert ("annotations/sources.yml", 2, "bad-id") in {
        (d["file"], d["line"], d["code"]) for d in diagnostics
    }


def test_article_field_cannot_name_another_path(repo: Repo) -> None:
    repo.annotations(ANNOTATIONS.replace("article: test-article", "article: ../../etc/passwd"))
    code, diagnostics = repo.lint()
    assert code == 1
    assert [d["code"] for d in diagnostics] == ["article-mismatch"]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the repo, with a file no build may read."""
    folder = tmp_path.parent / f"{tmp_path.name}-outside"
    folder.mkdir()
    (folder / "secret.md").write_text(ARTICLE.replace("Test article", "SECRET"))
    (folder / "secret.yml").write_text(ANNOTATIONS)
    (folder / "articles").mkdir()
    (folder / "articles" / "test-article.md").write_text(ARTICLE)
    return folder


@pytest.mark.parametrize(
    ("rel", "target", "code", "reported"),
    [
        ("annotations/test-article.yml", "secret.yml", "link-outside-repo", None),
        ("docs/articles/test-article.md", "secret.md", "link-outside-repo", None),
        ("annotations/sources.yml", "secret.yml", "link-outside-repo", None),
        ("docs/articles", "articles", "link-outside-repo", "docs/articles/test-article.md"),
        ("docs/assets/logo.txt", "secret.md", "link-outside-repo", None),
        ("docs/leak", ".", "link-outside-repo", None),
        ("overrides/partials/leak.html", "secret.md", "link-outside-repo", None),
        ("docs/assets/gone.txt", "missing", "link-outside-repo", None),
    ],
)
def test_links_out_of_the_repo_are_refused(
    repo: Repo, outside: Path, rel: str, target: str, code: str, reported: str | None
) -> None:
    link(repo.root / rel, outside / target)
    exit_code, diagnostics = repo.lint()
    assert exit_code == 1
    errors = [(d["file"], d["code"]) for d in diagnostics if d["severity"] == "error"]
    expected = [(rel, code)] if reported is None else [(rel, code), (reported, code)]
    assert errors == expected


@pytest.mark.parametrize(
    ("rel", "target", "code"),
    [
        ("annotations/loop.yml", "loop.yml", "unreadable"),
        ("annotations/ping.yml", "pong.yml", "unreadable"),
        ("docs/assets/loop", ".", "link-outside-repo"),
        ("docs/up", "..", "link-outside-repo"),
        ("docs/articles/sub", "..", "link-outside-repo"),
    ],
)
def test_link_loops_are_refused(repo: Repo, rel: str, target: str, code: str) -> None:
    link(repo.root / rel, target)
    if rel.endswith("ping.yml"):
        link(repo.root / "annotations/pong.yml", "ping.yml")
    start = time.perf_counter()
    exit_code, diagnostics = repo.lint()
    print(f"{rel} -> {target}: {time.perf_counter() - start:.3f} s")
    assert exit_code == 1
    assert (rel, code) in {(d["file"], d["code"]) for d in diagnostics}


def test_links_inside_the_repo_are_fine(repo: Repo) -> None:
    repo.write("docs/shared/logo.txt", "a logo")
    link(repo.root / "docs/assets/logo.txt", "../shared/logo.txt")
    link(repo.root / "docs/pictures", "shared")
    assert repo.lint() == (0, [])


# --- The build: the same message, the previous site untouched, nothing written outside ----


def copy_repo(root: Path) -> Path:
    """The repo's site sources, enough for ``annotary build``."""
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("docs", "annotations", "overrides"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def run_build(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotary", "build"],
        cwd=root,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def manifest(folder: Path, skip: Path | None = None) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) and a hash of its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if skip is not None and path.is_relative_to(skip):
            continue
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[rel] = "dir"
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A sandbox holding a copy of the repo, built once: the site every failure must keep."""
    sandbox = tmp_path_factory.mktemp("sandbox")
    root = copy_repo(sandbox / "repo")
    (sandbox / "outside").mkdir()
    (sandbox / "outside" / "secret.txt").write_text("SECRET-CONTENT\n")
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    return root, manifest(root / "site")


BUILD_CASES = [
    pytest.param(ANNOTATION_FILE, laughs(), "yaml-too-large", id="billion laughs"),
    pytest.param(
        ANNOTATION_FILE, b"a: " + b"[" * 10_000 + b"\n", "yaml-too-deep", id="[[[[ 10,000 deep"
    ),
    pytest.param(
        ANNOTATION_FILE,
        replaced(ANNOTATIONS, "quote: told the BBC", 'quote: "\\ud800"'),
        "bad-character",
        id="lone surrogate escape",
    ),
    pytest.param(
        ARTICLE_FILE,
        replaced(ARTICLE, "in the fighting", "in \x1b the fighting"),
        "control-character",
        id="control character",
    ),
    pytest.param(
        ANNOTATION_FILE,
        b"\xef\xbb\xbf" + ANNOTATIONS.encode(),
        "byte-order-mark",
        id="byte-order mark",
    ),
    pytest.param(
        ANNOTATION_FILE, b"#" * (MAX_YAML_BYTES + 1), "file-too-large", id="over the size limit"
    ),
]


@pytest.mark.parametrize(("file", "content", "code"), BUILD_CASES)
def test_build_fails_with_the_message_and_keeps_the_site(
    built: tuple[Path, dict[str, str]], file: str, content: bytes, code: str
) -> None:
    root, site = built
    slug_file = file.replace("test-article", "north-korean-troops-kursk")
    path = root / slug_file
    original = path.read_bytes()
    sandbox = root.parent
    before = manifest(sandbox, skip=root / "site")
    try:
        path.write_bytes(content.replace(b"test-article", b"north-korean-troops-kursk"))
        start = time.perf_counter()
        result = run_build(root)
        print(f"build refused {file} ({code}) in {time.perf_counter() - start:.2f} s")
    finally:
        path.write_bytes(original)
    assert result.returncode == 1
    assert f"[{code}]" in result.stderr
    assert f"{slug_file}:" in result.stderr
    assert "site/ was left as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert manifest(root / "site") == site
    after = manifest(sandbox, skip=root / "site")
    assert after == before, "the build wrote outside site/"


def test_build_refuses_a_link_to_a_secret(built: tuple[Path, dict[str, str]]) -> None:
    """MkDocs would copy a linked file into the site: the link must stop the build."""
    root, site = built
    leak = root / "docs" / "assets" / "notes.txt"
    leak.symlink_to(root.parent / "outside" / "secret.txt")
    try:
        result = run_build(root)
    finally:
        leak.unlink()
    assert result.returncode == 1
    assert "docs/assets/notes.txt:1:1: error:" in result.stderr
    assert "[link-outside-repo]" in result.stderr
    assert manifest(root / "site") == site
    assert not any(
        b"SECRET-CONTENT" in path.read_bytes()
        for path in (root / "site").rglob("*")
        if path.is_file()
    )


def test_a_hostile_build_writes_nothing_outside_site(tmp_path: Path) -> None:
    """A successful build of hostile (valid) content: only ``site/`` changes."""
    root = copy_repo(tmp_path / "repo")
    hostile = REPO / "tests" / "fixtures" / "hostile"
    for folder in ("docs", "annotations"):
        shutil.copytree(hostile / folder, root / folder, dirs_exist_ok=True)
    with (root / "annotations" / "sources.yml").open("a", encoding="utf-8") as sources:
        sources.write((hostile / "sources-extra.yml").read_text(encoding="utf-8"))
    (tmp_path / "outside").mkdir()
    before = manifest(tmp_path, skip=root / "site")
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    after = manifest(tmp_path, skip=root / "site")
    # The cache of finished pages is the one other thing a build writes: under
    # .cache/annotary (ignored by git), packs named by time and process, nothing else.
    cache = {rel: v for rel, v in after.items() if rel.startswith("repo/.cache")}
    assert cache, "the cache is on by default"
    entries = [rel for rel, v in cache.items() if v != "dir"]
    assert all(
        re.fullmatch(r"repo/\.cache/annotary/packs/[0-9a-f]+-[0-9]+-[0-9a-f]{8}\.pack", rel)
        for rel in entries
    ), entries
    assert {rel: v for rel, v in after.items() if rel not in cache} == before
    written = {p.relative_to(root / "site").as_posix() for p in (root / "site").rglob("*")}
    assert "tags/etc-passwd/index.html" in written  # the tag "../../etc/passwd", as a name
    assert all(".." not in p.split("/") for p in written)
