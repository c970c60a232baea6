"""CONTRIBUTING.md, followed to the letter on a fresh clone: the guide cannot rot.

Every ``sh`` block is run, line by line, in a clone of this repository; every
``yaml`` block that starts with ``# add to PATH`` is appended to that file first.
After each task the archive must lint clean, as the guide promises.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "CONTRIBUTING.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass
class Section:
    title: str
    blocks: list[tuple[str, str]] = field(default_factory=list)


def sections() -> list[Section]:
    found: list[Section] = []
    for chunk in re.split(r"^## ", GUIDE.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        title = chunk.splitlines()[0].strip()
        found.append(Section(title, [(m[1], m[2]) for m in FENCE.finditer(chunk)]))
    return found


def commands(block: str) -> list[str]:
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Clone:
    """A fresh clone of the repo, using this checkout's .venv (the same project)."""

    def __init__(self, parent: Path) -> None:
        self.parent = parent
        self.root = parent / "annotary"
        #: where the reader's shell is: the guide's `cd` moves it
        self.cwd = parent
        home = parent / "home"
        home.mkdir()
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_AUTHOR_NAME": "A Contributor",
            "GIT_AUTHOR_EMAIL": "contributor@example.org",
            "GIT_COMMITTER_NAME": "A Contributor",
            "GIT_COMMITTER_EMAIL": "contributor@example.org",
            "NO_MKDOCS_2_WARNING": "1",
            # the clone shares this checkout's .venv: never reinstall into it
            "ANNOTARY_NO_INSTALL": "1",
        }

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        if command.startswith("cd "):
            self.cwd = (self.cwd / command.removeprefix("cd ").strip()).resolve()
            assert self.cwd.is_dir(), command
            return self._shell("true", self.cwd)
        if command.startswith("git clone "):
            command = command.replace("<your fork>", shlex.quote(str(REPO)))
            result = self._shell(command, self.cwd)
            # the clone has only what is committed: bring this checkout's working tree
            # (what is being tested) and its .venv, so the guide runs on this code
            self._sync_working_tree()
            return result
        return self._shell(command, self.cwd)

    def _shell(self, command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"$ {command}\n{result.stdout}\n{result.stderr}"
        return result

    def _sync_working_tree(self) -> None:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for rel in filter(None, listed.split("\0")):
            source = REPO / rel
            if source.is_file():
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        (self.root / ".venv").symlink_to(REPO / ".venv")

    def append(self, rel: str, text: str) -> None:
        path = self.root / rel
        current = path.read_text(encoding="utf-8")
        if not current.endswith("\n"):
            current += "\n"
        path.write_text(current + text, encoding="utf-8")

    def lint(self, *options: str) -> str:
        return self.run(".venv/bin/annotary lint " + " ".join(options)).stderr


def serve_and_stop(clone: Clone, command: str) -> None:
    """`./scripts/serve` runs until stopped: start it, load the home page, stop it."""
    port = free_port()
    log = clone.parent / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            ["bash", "-c", f"{command} --dev-addr 127.0.0.1:{port}"],
            cwd=clone.cwd,
            env=clone.env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                    assert "North Koreans killed" in page.read().decode()
                    return
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the preview server did not answer"
                time.sleep(0.5)
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def test_guide_has_every_task() -> None:
    titles = [s.title for s in sections()]
    for task in (
        "Task: annotate a claim",
        "Task: add a source",
        "Task: archive a new article",
        "Task: fix a drifted quote",
        "Task: preview the site",
    ):
        assert task in titles


def test_follow_the_guide_to_the_letter(tmp_path: Path) -> None:
    clone = Clone(tmp_path)
    ran = 0
    for section in sections():
        if section.title == "Task: archive a new article":
            # "Save the article's text as a plain-text file … (here saved.txt)"
            shutil.copy(
                REPO / "tests/fixtures/seed-000_09f361ae893ebf73.txt", clone.root / "saved.txt"
            )
        for info, body in section.blocks:
            first, _, rest = body.partition("\n")
            if info == "yaml" and first.startswith("# add to "):
                clone.append(first.removeprefix("# add to ").strip(), rest)
            elif info == "sh":
                for command in commands(body):
                    if command == "./scripts/serve":
                        serve_and_stop(clone, command)
                    else:
                        clone.run(command)
                    ran += 1
        if section.title.startswith("Task: ") and (clone.root / ".venv").exists():
            assert "0 errors" in clone.lint(), section.title
        if section.title == "Task: fix a drifted quote":
            text = (clone.root / "annotations/north-korean-troops-kursk.yml").read_text()
            assert "quote: They operate based on Soviet tactics\n" in text
            assert "quote: They operate on Soviet tactics" not in text
    assert ran >= 12
    # what the guide built: the new article, the hand-typed one, the new source
    assert (clone.root / "docs/articles/kursk-casualties-report.md").is_file()
    assert (clone.root / "docs/articles/hand-typed-example.md").is_file()
    assert (clone.root / "docs/articles/saved-page-example.md").is_file()
    log = clone.run("git log --oneline -1").stdout
    assert "Annotate Syrskyi's claims" in log


@pytest.mark.parametrize(
    "section", [s for s in sections() if s.title.startswith("Task: ")], ids=str
)
def test_every_yaml_example_parses(section: Section) -> None:
    import yaml

    for info, body in section.blocks:
        if info == "yaml":
            text = body.strip().removeprefix("---").removesuffix("---")
            assert yaml.safe_load(text) is not None
