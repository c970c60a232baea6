"""The fast paths of ``annotary lint``: worker processes, the cache, and their options.

Checking an archive in several processes, or with a cache, must not change one
byte of what lint says: the same diagnostics in the same order. The archives
here are generated (a seeded random generator) with problems of every kind:
errors in the files, drifted, ambiguous and orphaned quotes, unknown and unused
sources, a missing article, broken file names and encodings.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotary import pipeline
from annotary.archive import (
    MAX_YAML_BYTES,
    load_archive,
    plan_archive,
    read_repo_text,
    texts_digest,
)
from annotary.cache import Cache
from annotary.cli import main
from annotary.diagnostics import Diagnostic, Location, Record, Severity
from annotary.markup import MarkdownConfig
from annotary.pipeline import (
    PARALLEL_MIN_FILES,
    WorkerError,
    check_archive,
    lint_archive,
    load_archive_fingerprinted,
    load_archive_in_workers,
    parse_jobs,
    resolve_jobs,
)
from conftest import ARTICLE, Repo

REPO = Path(__file__).resolve().parents[1]

WORDS = (
    "officials", "troops", "ministry", "report", "border", "harvest", "budget", "bridge",
    "shortage", "strike", "inquiry", "reform", "loan", "tariff", "pipeline", "hospital",
    "election", "ceasefire", "evacuation", "contract", "farmers", "nurses", "pilots", "miners",
    "drivers", "teachers", "engineers", "residents", "volunteers", "workers",
)  # fmt: skip
PLACES = (
    "Kursk", "Odesa", "Lviv", "Riga", "Tallinn", "Vilnius", "Tbilisi", "Yerevan", "Sofia",
    "Athens", "Ankara", "Cairo",
)  # fmt: skip
VERBS = (
    "delayed", "approved", "rejected", "suspended", "expanded", "halved", "doubled",
    "announced", "funded",
)  # fmt: skip
SOURCES = ("ministry", "governor", "analyst", "union", "agency", "newspaper")
#: The sentence that every article has twice: a quote of it is ambiguous.
REPEATED = "The situation remains unclear, officials said."


def _sentence(rng: random.Random, number: int) -> str:
    words = rng.sample(WORDS, 4)
    return (
        f"In {rng.choice(PLACES)}, {number} {words[0]} {rng.choice(VERBS)} the {words[1]} "
        f"of the {words[2]} near the {words[3]} on day {rng.randint(1, 999)}."
    )


def _article(slug: str, sentences: list[str]) -> str:
    lines = [
        "---",
        f"title: The story of {slug}",
        "author: A Writer",
        "outlet: Test News",
        "captured: 2026-01-02",
        "---",
        "",
        f"## {slug.replace('-', ' ').title()}",
        "",
    ]
    for i in range(0, len(sentences), 3):
        paragraph = " ".join(sentences[i : i + 3])
        if i == 3:  # some Markdown the quotes must see through
            first, _, rest = paragraph.partition(" ")
            paragraph = f"*{first}* {rest} See [the report](https://example.org/{slug}) &amp; more."
        lines += [paragraph, ""]
    lines += [REPEATED, "", "- a list item", "- another one[^1]", "", REPEATED, ""]
    lines += ["| a | b |", "|---|---|", "| 1 | 2 |", "", "[^1]: A footnote.", ""]
    return "\n".join(lines)


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _annotation(index: int, kind: str, quote: str, source: str, extra: str = "") -> str:
    who = {
        "claim": f"    status: unverified\n    attributed_to: [{source}]\n",
        "quote": f"    speaker: {source}\n",
        "source": f"    source: {source}\n",
    }[kind]
    return f"  - id: note-{index}\n    type: {kind}\n    quote: {_yaml(quote)}\n{who}{extra}"


def make_archive(root: Path, articles: int = 60, *, seed: int = 7, messy: bool = True) -> Path:
    """An archive of ``articles`` articles, each with placing problems; ``messy`` adds errors."""
    rng = random.Random(seed)
    (root / "docs" / "articles").mkdir(parents=True)
    (root / "annotations").mkdir()
    (root / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text())
    sources = "".join(
        f"  - id: {name}\n    name: The {name}\n    kind: organisation\n"
        for name in (*SOURCES, "never-named")
    )
    (root / "annotations" / "sources.yml").write_text(f"sources:\n{sources}")
    for n in range(articles):
        slug = f"story-{n:03d}"
        sentences = [_sentence(rng, n * 100 + i) for i in range(12)]
        (root / "docs" / "articles" / f"{slug}.md").write_text(_article(slug, sentences))
        notes = []
        for i, sentence in enumerate(sentences[:6]):
            quote = sentence[: rng.randint(25, len(sentence))].strip()
            kind = ("claim", "quote", "source")[i % 3]
            notes.append(_annotation(i, kind, quote, rng.choice(SOURCES)))
        drifted = sentences[7].replace(" the ", " a ", 1)
        notes.append(_annotation(6, "claim", drifted, "ministry"))  # drifted
        notes.append(_annotation(7, "claim", REPEATED, "ministry"))  # ambiguous
        notes.append(_annotation(8, "claim", "Nothing like this was written.", "union"))  # orphan
        notes.append(_annotation(9, "quote", f"“{sentences[8][:40].strip()}”", "union"))  # marks
        if messy and n % 7 == 3:
            notes.append(_annotation(10, "source", sentences[9][:30].strip(), "unknown-org"))
        body = "".join(notes)
        (root / "annotations" / f"{slug}.yml").write_text(f"article: {slug}\nannotations:\n{body}")
    if messy:
        _add_mistakes(root)
    return root


def _add_mistakes(root: Path) -> None:
    """One file of each kind of mistake a contributor makes, over the whole archive."""
    articles, annotations = root / "docs" / "articles", root / "annotations"
    good = (annotations / "story-001.yml").read_text()
    (articles / "Bad_Name.md").write_text((articles / "story-002.md").read_text())
    (articles / "no-front-matter.md").write_text("Just text, no front matter.\n")
    (annotations / "no-front-matter.yml").write_text("article: no-front-matter\nannotations:\n")
    (articles / "bad-meta.md").write_text("---\ntitle: 3\nauthor: []\n---\nText.\n")
    (annotations / "story-01.yml").write_text(good.replace("story-001", "story-01"))  # no article
    (annotations / "story-003.yaml").write_text(good)
    (annotations / "story-004.yml").write_text(good.replace("article: story-001", "article: x"))
    (annotations / "story-005.yml").write_text(good + "  - id: [broken\n")
    mixed = good.replace("status: unverified", "status: maybe", 1)
    mixed = mixed.replace("    type: quote", "    type: quote\n    colour: red", 1)
    mixed = mixed.replace("note-4", "note-3").replace("story-001", "story-006")
    (annotations / "story-006.yml").write_text(mixed)
    (articles / "story-007.md").write_bytes((articles / "story-007.md").read_bytes() + b"\r\n")
    (annotations / "story-008.yml").write_bytes(b"\xef\xbb\xbf" + good.encode())
    (annotations / "empty-new.yml").write_text("article: empty-new\nannotations:\n")
    (articles / "empty-new.md").write_text((articles / "story-009.md").read_text())
    (root / "docs" / "leak.md").symlink_to("/etc/hostname")


@pytest.fixture(autouse=True)
def _config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's machine secret goes to a temporary folder; no ANNOTARY_JOBS from outside."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ANNOTARY_JOBS", raising=False)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("messy"))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of workers of each parallel run (none: every run was serial)."""
    runs: list[int] = []
    real = pipeline._run_in_workers

    def counting(job: object, stems: list[str], workers: int) -> object:
        runs.append(workers)
        return real(job, stems, workers)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_run_in_workers", counting)
    return runs


def lint(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(root), "lint", *args])
    return code, out.getvalue(), err.getvalue()


def _no_workers_left() -> bool:
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not multiprocessing.active_children()


# --- The same answer, in one process or several ------------------------------------------


def test_the_generated_archive_has_problems_of_every_kind(messy: Path) -> None:
    codes = {p.code for p in lint_archive(messy, jobs=1).problems}
    assert {"quote-drifted", "quote-ambiguous", "quote-not-found", "unknown-source"} <= codes
    assert {"missing-article", "bad-file-name", "bad-slug", "missing-front-matter"} <= codes
    assert {"yaml-syntax", "bad-status", "unknown-field", "duplicate-id"} <= codes
    assert {"crlf-line-ends", "byte-order-mark", "link-outside-repo"} <= codes
    assert {"article-mismatch", "wrong-type"} <= codes


@pytest.mark.parametrize("messy_archive", [True, False], ids=["file-errors", "placing-only"])
def test_parallel_lint_is_the_serial_lint(
    tmp_path: Path, messy_archive: bool, spy: list[int]
) -> None:
    root = make_archive(tmp_path / "archive", messy=messy_archive)
    serial = lint_archive(root, jobs=1)
    assert spy == []
    if not messy_archive:  # no error in the files: the archive-wide checks run too
        assert "unused-source" in {p.code for p in serial.problems}
    for jobs in (2, 3):
        parallel = lint_archive(root, jobs=jobs)
        assert parallel == serial
    assert spy == [2, 3]


def test_cli_output_is_the_same_with_any_number_of_jobs(messy: Path, spy: list[int]) -> None:
    for fmt in ("json", "text", "github"):
        outputs = {lint(messy, "--format", fmt, "--no-cache", "--jobs", jobs) for jobs in "12"}
        assert len(outputs) == 1, fmt
        code, out, _ = outputs.pop()
        assert code == 1
        assert out
    assert spy == [2, 2, 2]


def test_check_archive_in_workers_keeps_everything(messy: Path, spy: list[int]) -> None:
    serial = check_archive(messy)  # jobs=1: what the site build and the other commands get
    parallel = check_archive(messy, jobs=2)
    assert spy == [2]
    assert parallel.archive == serial.archive
    assert list(parallel.archive.articles) == list(serial.archive.articles)
    assert list(parallel.archive.annotation_files) == list(serial.archive.annotation_files)
    assert parallel.problems == serial.problems
    assert parallel.placed == serial.placed
    for slug, placed in serial.placed.items():
        assert parallel.placed[slug].visible.runs == placed.visible.runs
    # lint keeps only what it prints, and prints the same
    report = lint_archive(messy, jobs=2)
    assert report.problems == serial.problems
    assert report.articles == len(serial.archive.articles)
    assert report.annotations == sum(
        len(f.annotations) for f in serial.archive.annotation_files.values()
    )
    assert report.sources == len(serial.archive.sources)


def test_the_site_build_loads_the_archive_in_workers_the_same(messy: Path, spy: list[int]) -> None:
    """What the plugin uses for a build without a cached archive (errors included)."""
    serial = load_archive(messy)
    parallel = load_archive_in_workers(messy, jobs=2)
    assert spy == [2]
    assert parallel == serial
    assert list(parallel.archive.articles) == list(serial.archive.articles)
    assert any(p.is_error for p in serial.problems)
    assert load_archive_in_workers(messy, jobs=1) == serial
    assert spy == [2]


def test_the_workers_fingerprint_each_article_they_load(messy: Path, spy: list[int]) -> None:
    """The build's inputs fingerprints come from the workers, of the objects it holds:
    a digest of the texts each article and its annotations were read from."""
    loaded, fingerprinted = load_archive_fingerprinted(messy, jobs=2)
    assert spy == [2]
    assert loaded == load_archive(messy)
    archive = loaded.archive
    # every article the workers loaded (one whose annotation file has errors too)
    assert set(fingerprinted) >= set(archive.articles)
    for slug, article in archive.articles.items():
        found = fingerprinted[slug]
        assert found.article is article
        assert found.annotation_file is archive.annotation_files.get(slug)
        annotations = messy / "annotations" / f"{slug}.yml"
        expected = (
            texts_digest(
                article.path,
                (messy / article.path).read_text(),
                f"annotations/{slug}.yml",
                read_repo_text(messy, annotations, MAX_YAML_BYTES)[0],  # None: not read (BOM)
            )
            if annotations.exists()
            else texts_digest(article.path, (messy / article.path).read_text())
        )
        assert found.fingerprint == expected
    assert len({f.fingerprint for f in fingerprinted.values()}) == len(fingerprinted)
    _serial, serial_fingerprinted = load_archive_fingerprinted(messy, jobs=1)
    assert {s: f.fingerprint for s, f in serial_fingerprinted.items()} == {
        s: f.fingerprint for s, f in fingerprinted.items()
    }
    assert load_archive_fingerprinted(messy, jobs=2, fingerprints=False)[1] == {}


def test_an_articles_fingerprint_changes_with_any_byte_of_its_files(repo: Repo) -> None:
    """The digest stands for the models read from the texts: any edit, even one the
    models do not show (a comment), changes it; reading the same texts again does not."""
    repo.write("docs/articles/calm.md", ARTICLE.replace("Test article", "Calm"))

    def fingerprints() -> dict[str, str]:
        return {s: f.fingerprint for s, f in load_archive_fingerprinted(repo.root)[1].items()}

    first = fingerprints()
    assert set(first) == {"test-article", "calm"}
    assert first["test-article"] != first["calm"]
    assert fingerprints() == first
    annotations = repo.root / "annotations" / "test-article.yml"
    text = annotations.read_text()
    annotations.write_text(text + "# a comment\n")
    assert fingerprints()["test-article"] != first["test-article"]
    assert fingerprints()["calm"] == first["calm"]
    annotations.write_text(text)
    assert fingerprints() == first
    # no annotation file and an empty one are told apart
    (repo.root / "annotations" / "calm.yml").write_text("")
    assert fingerprints()["calm"] != first["calm"]
    assert texts_digest("a", "bc") != texts_digest("ab", "c")
    assert texts_digest("a", None) != texts_digest("a", "")


def test_this_process_checks_a_share_and_the_workers_the_rest(
    messy: Path, monkeypatch: pytest.MonkeyPatch, spy: list[int]
) -> None:
    """The parent takes chunks from the start while the workers take them from the end:
    its core works too, and its own results are never pickled."""
    parent, here = os.getpid(), []
    real = pipeline._Job.run

    def run(job: pipeline._Job, stem: str) -> object:
        if os.getpid() == parent:
            here.append(stem)
        return real(job, stem)

    monkeypatch.setattr(pipeline._Job, "run", run)
    stems = plan_archive(messy).stems
    parallel = load_archive_in_workers(messy, jobs=2)
    assert spy == [2]
    assert 0 < len(here) < len(stems)
    assert here == stems[: len(here)]  # from the start, in order
    monkeypatch.setattr(pipeline._Job, "run", real)
    assert parallel == load_archive(messy)


def test_small_archives_and_single_slugs_are_checked_in_this_process(
    tmp_path: Path, spy: list[int]
) -> None:
    small = make_archive(tmp_path / "small", PARALLEL_MIN_FILES // 2, messy=False)
    lint_archive(small, jobs=4)
    big = make_archive(tmp_path / "big", PARALLEL_MIN_FILES, messy=False)
    check_archive(big, only="story-001", jobs=4)
    assert spy == []
    lint_archive(big, jobs=4)
    assert spy == [4]


def test_without_fork_the_check_is_serial(
    messy: Path, spy: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = lint_archive(messy, jobs=1)
    monkeypatch.setattr(pipeline, "_fork_available", lambda: False)
    assert lint_archive(messy, jobs=2) == expected
    assert spy == []


# --- How many processes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("2", 2), (" 16 ", 16), ("auto", None), ("AUTO", None)]
)
def test_parse_jobs(text: str, expected: int | None) -> None:
    assert parse_jobs(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "two", "", "1.5"])
def test_parse_jobs_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="a number of processes"):
        parse_jobs(text)


def test_resolve_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_jobs(3) == 3
    assert resolve_jobs(None) == pipeline.available_cpus() >= 1
    monkeypatch.setenv("ANNOTARY_JOBS", "5")
    assert resolve_jobs(None) == 5
    assert resolve_jobs(1) == 1  # an explicit number wins
    monkeypatch.setenv("ANNOTARY_JOBS", "auto")
    assert resolve_jobs(None) == pipeline.available_cpus()
    monkeypatch.setenv("ANNOTARY_JOBS", "lots")
    with pytest.raises(ValueError, match="ANNOTARY_JOBS"):
        resolve_jobs(None)
    with pytest.raises(ValueError, match="jobs must be 1 or more, not 0"):
        resolve_jobs(0)


def test_jobs_option_and_variable(
    messy: Path, spy: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "available_cpus", lambda: 1)
    lint(messy, "--no-cache")  # one CPU: serial
    lint(messy, "--no-cache", "--jobs", "1")
    assert spy == []
    lint(messy, "--no-cache", "-j", "3")
    assert spy == [3]
    monkeypatch.setenv("ANNOTARY_JOBS", "2")
    lint(messy, "--no-cache")
    assert spy == [3, 2]
    lint(messy, "--no-cache", "--jobs", "1")  # the option wins over the variable
    assert spy == [3, 2]


@pytest.mark.parametrize("value", ["0", "many"])
def test_bad_jobs_option_is_a_usage_error(
    messy: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--root", str(messy), "lint", "--jobs", value])
    assert exit_info.value.code == 2
    assert "--jobs must be a number of processes (1 or more) or 'auto'" in capsys.readouterr().err


def test_bad_jobs_variable_is_a_usage_error(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTARY_JOBS", "0")
    code, out, err = lint(messy)
    assert (code, out) == (2, "")
    assert "ANNOTARY_JOBS must be a number of processes (1 or more) or 'auto', not '0'" in err
    assert not (messy / ".cache").exists()


# --- When a worker fails -----------------------------------------------------------------


def test_a_worker_that_dies_is_a_clear_error(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline._place
    parent = os.getpid()

    def dies(article: object, *args: object) -> object:
        if os.getpid() != parent:  # the parent checks its own share of the stems
            os._exit(9)  # as if killed: no exception, no answer
        return real(article, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_place", dies)
    started = time.monotonic()
    with pytest.raises(WorkerError, match="a worker process stopped unexpectedly"):
        lint_archive(messy, jobs=2)
    code, out, err = lint(messy, "--no-cache", "--jobs", "2")
    assert time.monotonic() - started < 60  # an error, not a hang
    assert (code, out) == (2, "")
    assert "annotary: a worker process stopped unexpectedly" in err
    assert "--jobs 1" in err
    assert "Traceback" not in err
    assert _no_workers_left()


def test_an_exception_in_a_worker_is_raised_as_in_one_process(
    messy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*args: object) -> object:
        raise RuntimeError("a bug in placing")

    monkeypatch.setattr(pipeline, "_place", fails)
    for jobs in (1, 2):
        with pytest.raises(RuntimeError, match="a bug in placing"):
            lint_archive(messy, jobs=jobs)
    assert _no_workers_left()


def test_an_interrupt_stops_the_workers(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline._place

    def slow(*args: object) -> object:
        time.sleep(0.2)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "_place", slow)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # what Ctrl-C does (no thread: forking with one is unsafe)

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            lint_archive(messy, jobs=2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 8  # 60 articles at 0.2 s each would take longer
    assert _no_workers_left()


def test_an_interrupted_lint_says_so(messy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "plan_archive", interrupted)
    code, out, err = lint(messy)
    assert (code, out, err) == (130, "", "annotary: interrupted\n")


# --- The cache ----------------------------------------------------------------------------


def test_lint_uses_the_cache_unless_told_not_to(tmp_path: Path, spy: list[int]) -> None:
    root = make_archive(tmp_path / "archive")
    code, expected, _ = lint(root, "--format", "json", "--no-cache", "--jobs", "2")
    assert not (root / ".cache").exists()
    assert not (tmp_path / "config").exists()  # not even the machine's secret
    assert lint(root, "--format", "json", "--jobs", "2") == (code, expected, "")
    assert Cache.for_root(root).entries("markdown")
    assert Cache.for_root(root).entries("anchors")
    assert lint(root, "--format", "json", "--jobs", "1") == (code, expected, "")  # warm
    assert lint(root, "--format", "json", "--jobs", "2") == (code, expected, "")  # warm
    assert spy == [2, 2, 2]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_warm_lint_renders_and_anchors_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    root = make_archive(tmp_path / "archive")
    expected = lint_archive(root, cache=Cache.for_root(root), jobs=jobs)

    def forbidden(*args: object) -> object:
        raise AssertionError("computed again")

    monkeypatch.setattr(pipeline, "anchor_annotation", forbidden)
    monkeypatch.setattr(MarkdownConfig, "render", forbidden)
    warm = Cache.for_root(root)
    assert lint_archive(root, cache=warm, jobs=jobs) == expected
    assert warm.misses == 0
    assert warm.hits > 0


def test_the_cache_is_never_stale(tmp_path: Path) -> None:
    root = make_archive(tmp_path / "archive")
    lint(root, "--jobs", "2")
    article = root / "docs" / "articles" / "story-010.md"
    article.write_text(article.read_text().replace("In ", "Near ", 2))
    notes = root / "annotations" / "story-011.yml"
    notes.write_text(notes.read_text().replace("note-7", "note-77").replace(" day ", " week ", 1))
    for jobs in ("1", "2"):
        fresh = lint(root, "--format", "json", "--no-cache", "--jobs", jobs)
        assert lint(root, "--format", "json", "--jobs", jobs) == fresh


def test_workers_report_the_entries_they_use(tmp_path: Path) -> None:
    """A sweep after a parallel check keeps what the workers read and wrote."""
    root = make_archive(tmp_path / "archive", messy=False)
    cold = Cache.for_root(root)
    check_archive(root, cache=cold, jobs=2)
    entries = _entries(root)
    assert entries["anchors"]
    assert cold.misses > 0
    assert cold.sweep() == 0
    warm = Cache.for_root(root)
    check_archive(root, cache=warm, jobs=2)
    assert warm.hits == cold.misses
    assert warm.sweep() == 0
    assert _entries(root) == entries


def _entries(root: Path) -> dict[str, set[str]]:
    cache = Cache.for_root(root)
    return {namespace: cache.entries(namespace) for namespace in ("anchors", "markdown")}


def test_the_model_pickles_to_equal_records_of_the_same_classes() -> None:
    """A warm build unpickles the validated archive (records reduced to a call of their
    class): every record comes back equal, of its own class, with the same repr (the
    cache keys of the pages are made of it), problems included."""
    import pickle

    from annotary.diagnostics import Record

    loaded = load_archive(REPO)
    loaded.problems.append(
        Diagnostic(Location("annotations/x.yml", 3, 7), Severity.WARNING, "code", "text", "hint")
    )
    again = pickle.loads(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
    assert again.archive == loaded.archive
    assert repr(again.archive) == repr(loaded.archive)
    assert again.problems == loaded.problems
    records = [a for f in again.archive.annotation_files.values() for a in f.annotations]
    assert records
    assert all(isinstance(r, Record) and not hasattr(r, "__dict__") for r in records)
    assert type(again.problems[-1].location) is Location


def test_an_annotation_pickles_whole_with_its_places_as_values() -> None:
    """An annotation is pickled as one call with its places taken apart (see
    ``Annotation.__reduce_ex__``): every field comes back, places and references as
    their own classes. A field added to the record and not to its reduction fails
    here."""
    import pickle
    from dataclasses import fields

    from annotary.model import Annotation, Evidence, SourceRef

    def at(line: int) -> Location:
        return Location("annotations/a.yml", line, line + 2)

    full = Annotation(
        id="claim-1",
        type="claim",
        quote="a quote",
        loc=at(3),
        quote_loc=Location("annotations/other.yml", 4, 9),
        prefix="before ",
        suffix=" after",
        note="a **note**",
        tags=("t1", "t2"),
        status="false",
        attributed_to=("src-a", "src-b"),
        evidence=(Evidence("https://e.org/1", "One", "supports", at(8)),
                  Evidence("https://e.org/2", None, None, at(10))),
        speaker="src-c",
        source="src-d",
        source_refs=(SourceRef("src-a", "attributed_to", at(5)),
                     SourceRef("src-b", "attributed_to", at(6))),
    )  # fmt: skip
    bare = Annotation("quote-2", "quote", "q", at(1), at(2))
    assert {f.name for f in fields(Annotation)} == {
        "id", "type", "quote", "loc", "quote_loc", "prefix", "suffix", "note", "tags",
        "status", "attributed_to", "evidence", "speaker", "source", "source_refs",
    }  # fmt: skip
    for annotation in (full, bare):
        again = pickle.loads(pickle.dumps(annotation, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == annotation
        assert repr(again) == repr(annotation)
        assert type(again.loc) is Location
        assert type(again.quote_loc) is Location
        assert all(type(e) is Evidence and type(e.loc) is Location for e in again.evidence)
        assert all(type(r) is SourceRef and type(r.loc) is Location for r in again.source_refs)


@dataclass(frozen=True, slots=True)
class _OneField(Record):
    only: str


@dataclass(frozen=True, slots=True)
class _NoField(Record):
    pass


def test_records_of_one_field_or_none_pickle_too() -> None:
    """``operator.attrgetter`` of one name gives the value, not a 1-tuple: a record of one
    field must still come back as itself."""
    import pickle

    for record in (_OneField("x"), _NoField(), Location("f.yml", 2, 3)):
        again = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == record
        assert type(again) is type(record)
