"""The command line as a contributor uses it: lint formats, anchors, import-text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotary.cli import main
from conftest import ANNOTATIONS, Repo

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lint uses the cache, whose machine secret goes to a temporary config folder here."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_anchors_json_shape_and_offsets(repo: Repo) -> None:
    code, out = repo.run("anchors", "test-article", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["casualties", "told-the-bbc"]
    first = rows[0]
    assert set(first) == {
        "id", "type", "state", "similarity", "start", "end", "text", "prefix", "suffix"
    }  # fmt: skip
    assert first["state"] == "exact"
    assert first["similarity"] == 1.0
    # emphasis markup is gone from the visible text, the quote crosses it
    assert first["text"] == "troops suffered nearly 40% casualties"
    assert first["prefix"] == "fficials have told the BBC that "  # 32 code points
    assert len(first["prefix"]) <= 32
    assert first["suffix"] == " in the fighting. The officials "
    assert rows[1]["start"] == 23
    assert rows[1]["end"] == 35


def test_anchors_text_format_shows_the_passage(repo: Repo) -> None:
    code, out = repo.run("anchors", "test-article")
    assert code == 0
    assert "casualties  [claim, exact]" in out
    assert "«troops suffered nearly 40% casualties»" in out


def test_anchors_unknown_article(repo: Repo) -> None:
    assert repo.run("anchors", "nope")[0] == 1


def drifted_repo(repo: Repo) -> None:
    repo.annotations(
        ANNOTATIONS + "  - id: drifted\n    type: claim\n    status: unverified\n"
        "    quote: The officials said that 4,000 were casualties\n"
        "  - id: ambiguous\n    type: source\n    source: western-officials\n"
        "    quote: The officials said\n"
        "  - id: orphan\n    type: claim\n    status: false\n"
        "    quote: Nobody in this article talks about the weather at all\n"
    )


def test_drifted_ambiguous_orphan_diagnostics(repo: Repo) -> None:
    drifted_repo(repo)
    code, diagnostics = repo.lint()
    assert code == 1
    by_code = {d["code"]: d for d in diagnostics}
    drift = by_code["quote-drifted"]
    assert (drift["line"], drift["column"], drift["severity"]) == (15, 12, "warning")
    assert 'quote: "The officials said 4,000 were casualties"' in str(drift["hint"])
    ambiguous = by_code["quote-ambiguous"]
    assert (ambiguous["line"], ambiguous["severity"]) == (19, "error")
    assert "occurs 2 times" in str(ambiguous["message"])
    hint = str(ambiguous["hint"])
    assert 'suffix: " 4,000"' in hint
    assert 'suffix: " more"' in hint
    orphan = by_code["quote-not-found"]
    assert (orphan["line"], orphan["severity"]) == (23, "error")


def test_anchors_reports_states(repo: Repo) -> None:
    drifted_repo(repo)
    rows = json.loads(repo.run("anchors", "test-article", "--format", "json")[1])
    states = {r["id"]: (r["state"], r["start"]) for r in rows}
    assert states["drifted"][0] == "drifted"
    assert states["ambiguous"] == ("orphan", None)
    assert states["orphan"] == ("orphan", None)


def test_github_format(repo: Repo) -> None:
    repo.annotations(ANNOTATIONS.replace("source: bbc-news", "source: bbc-new"))
    code, out = repo.run("lint", "--format", "github")
    assert code == 1
    line = out.strip().splitlines()[0]
    assert line.startswith("::error file=annotations/test-article.yml,line=11,col=13,")
    assert "unknown source id 'bbc-new'" in line
    assert "%0A" in line  # the hint, on its own line in the annotation


def test_text_format(repo: Repo) -> None:
    repo.annotations(ANNOTATIONS.replace("source: bbc-news", "source: bbc-new"))
    code, out = repo.run("lint")
    assert code == 1
    assert out.startswith(
        "annotations/test-article.yml:11:13: error: unknown source id 'bbc-new' in 'source' "
        "[unknown-source]\n    did you mean 'bbc-news'?"
    )


def test_strict_fails_on_drift(repo: Repo) -> None:
    repo.annotations(
        ANNOTATIONS + "  - id: drifted\n    type: claim\n    status: unverified\n"
        "    quote: The officials said that 4,000 were casualties\n"
    )
    assert repo.lint()[0] == 0
    assert repo.lint("--strict")[0] == 1


def test_lint_fills_the_cache_and_no_cache_writes_nothing(repo: Repo) -> None:
    cache = repo.root / ".cache"
    cold = repo.lint("--no-cache")
    assert not cache.exists()
    assert repo.lint() == cold
    assert (cache / "annotary").is_dir()
    assert repo.lint() == cold  # warm
    assert repo.lint("--jobs", "2", "--no-cache") == cold  # one article: in this process


def test_lint_help_names_jobs_and_no_cache(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    out = capsys.readouterr().out
    assert "--jobs N" in out
    assert "ANNOTARY_JOBS" in out
    assert "--no-cache" in out


def test_not_an_archive(tmp_path: Path) -> None:
    assert main(["--root", str(tmp_path), "lint"]) == 2


def test_import_text_writes_article_and_refuses_to_overwrite(repo: Repo) -> None:
    args = [
        "import-text",
        str(FIXTURES / "seed-000_09f361ae893ebf73.txt"),
        "--title",
        "About 1,000 North Koreans killed fighting Ukraine in Kursk, officials say",
        "--outlet",
        "BBC News",
        "--published",
        "2025-01-22",
        "--captured",
        "2026-11-24",
        "--slug",
        "kursk",
    ]
    code, out = repo.run(*args)
    assert code == 0
    assert out.strip() == "docs/articles/kursk.md"
    text = (repo.root / "docs/articles/kursk.md").read_text()
    assert "author: Frank Gardner\nauthor_role: BBC security correspondent\n" in text
    assert "AD" not in text.split("---")[2]
    assert (repo.root / "annotations/kursk.yml").read_text().startswith("# yaml-language-server")
    assert repo.lint()[0] == 0  # a fresh import lints clean
    assert repo.run(*args)[0] == 1  # never overwrites


def test_import_text_bad_date_is_a_usage_error(repo: Repo) -> None:
    args = ["import-text", "x.txt", "--title", "T", "--outlet", "O", "--published", "22/01/2025"]
    with pytest.raises(SystemExit) as exc:
        main(["--root", str(repo.root), *args])
    assert exc.value.code == 2
