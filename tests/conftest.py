"""Shared fixtures: a small archive in a temporary folder, and ways to lint it."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotary.cli import main

REPO = Path(__file__).resolve().parents[1]

ARTICLE = """\
---
title: Test article
author: A Writer
outlet: Test News
captured: 2026-11-24
---
Western officials have told the BBC that troops suffered *nearly 40%* casualties in the fighting.

The officials said 4,000 were casualties. The officials said more were missing.
"""

SOURCES = """\
sources:
  - id: western-officials
    name: Western officials
    kind: anonymous
  - id: bbc-news
    name: BBC News
    kind: media
"""

ANNOTATIONS = """\
article: test-article
annotations:
  - id: casualties
    type: claim
    quote: troops suffered nearly 40% casualties
    status: unverified
    attributed_to: [western-officials]
  - id: told-the-bbc
    type: source
    quote: told the BBC
    source: bbc-news
"""


@dataclass
class Repo:
    root: Path

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
        return path

    def annotations(self, text: str, slug: str = "test-article") -> Path:
        return self.write(f"annotations/{slug}.yml", text)

    def lint(self, *args: str) -> tuple[int, list[dict[str, object]]]:
        """Run ``annotary lint --format json`` and return the exit code and diagnostics."""
        code, out = self.run("lint", "--format", "json", *args)
        return code, json.loads(out) if out.strip() else []

    def run(self, *args: str) -> tuple[int, str]:
        import contextlib
        import io

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
            code = main(["--root", str(self.root), *args])
        return code, buffer.getvalue()


def link(path: Path, target: Path | str) -> None:
    """Make ``path`` a symbolic link to ``target``, replacing whatever is there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    path.symlink_to(target)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path)
    r.write("mkdocs.yml", (REPO / "mkdocs.yml").read_text())
    r.write("docs/articles/test-article.md", ARTICLE)
    r.write("annotations/sources.yml", SOURCES)
    r.annotations(ANNOTATIONS)
    return r


LintFn = Callable[..., tuple[int, list[dict[str, object]]]]


@pytest.fixture(autouse=True, scope="session")
def _cache_key_outside_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The cache signs entries with a key under $XDG_CONFIG_HOME: keep tests out of ~."""
    import os

    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("xdg-config"))
