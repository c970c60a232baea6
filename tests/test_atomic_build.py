"""``annotary build`` replaces ``site/`` whole or not at all: killed at any moment, or failing.

A copy of the repo is built (site A), then changed and built elsewhere (site B:
what a complete build of the change gives). Then, again and again, ``site/`` is
reset to A, the build of the change is started and killed with SIGKILL after a
random delay: the whole process group, MkDocs included (``start_new_session`` +
``os.killpg``). After every kill ``site/`` must be exactly A or exactly B, file
for file and byte for byte: never partial, never missing. Half the delays fall
anywhere in a build, half near its end, where the swap happens.

The random seed is printed (``pytest -rP``); ``ANNOTARY_KILL_SEED`` replays a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotary import build as build_module
from conftest import REPO

ARTICLE = "north-korean-troops-kursk"
#: Kills per test run: half anywhere in a build, half in its last fifth.
KILLS = 12
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1790000000"}


def copy_repo(root: Path) -> Path:
    """The repo's site sources, enough for ``annotary build``."""
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("docs", "annotations", "overrides"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "annotary", "build", *args]


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), cwd=root, env=ENV, capture_output=True, text=True, check=False
    )


def manifest(site: Path) -> dict[str, str] | None:
    """Each file of ``site`` and a hash of its bytes; None when there is no site."""
    if not site.is_dir():
        return None
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob(f"{build_module.STAGING_PREFIX}*"))


@dataclass(frozen=True)
class Sites:
    root: Path
    old: dict[str, str]
    new: dict[str, str]
    old_copy: Path
    seconds: float


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    base = tmp_path_factory.mktemp("atomic")
    root = copy_repo(base / "repo")
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    old = manifest(root / "site")
    assert old is not None
    shutil.copytree(root / "site", base / "old-site")

    # The change: an edited home page and an edited note; then a complete build of it.
    index = root / "docs" / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nRebuilt after a change.\n")
    annotations = root / "annotations" / f"{ARTICLE}.yml"
    text = annotations.read_text(encoding="utf-8")
    assert "    note: |\n" in text
    annotations.write_text(text.replace("    note: |\n", "    note: |\n      Edited.\n", 1))
    start = time.perf_counter()
    result = run_build(root, "--site-dir", str(base / "new-site"))
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    new = manifest(base / "new-site")
    assert new is not None
    assert new != old
    assert new.keys() == old.keys()
    return Sites(root, old, new, base / "old-site", seconds)


def reset(sites: Sites) -> None:
    shutil.rmtree(sites.root / "site", ignore_errors=True)
    shutil.copytree(sites.old_copy, sites.root / "site")


def test_a_killed_build_leaves_the_old_site_or_the_new_one(sites: Sites) -> None:
    seed = int(os.environ.get("ANNOTARY_KILL_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    print(f"ANNOTARY_KILL_SEED={seed}; a complete build takes {sites.seconds:.2f} s")
    outcomes: Counter[str] = Counter()
    for k in range(KILLS):
        reset(sites)
        low = 0.0 if k % 2 == 0 else 0.8 * sites.seconds
        delay = rng.uniform(low, 1.05 * sites.seconds)
        process = subprocess.Popen(
            command(),
            cwd=sites.root,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: MkDocs is killed with it
        )
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):  # it finished first
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        found = manifest(sites.root / "site")
        assert found is not None, f"no site/ after a kill at {delay:.3f} s (seed {seed})"
        if found == sites.old:
            outcomes["old site"] += 1
        elif found == sites.new:
            outcomes["new site"] += 1
        else:
            changed = sorted(
                name for name in found.keys() | sites.old.keys()
                if found.get(name) not in (sites.old.get(name), sites.new.get(name))
            )  # fmt: skip
            pytest.fail(
                f"a partial site after a kill at {delay:.3f} s (seed {seed}): {changed[:10]}"
            )
        outcomes[f"exit {process.returncode}"] += 1
    print(dict(outcomes))

    # The next build cleans up after the killed ones and publishes the change.
    result = run_build(sites.root)
    assert result.returncode == 0, result.stderr
    assert manifest(sites.root / "site") == sites.new
    assert leftovers(sites.root) == []


def test_a_failing_build_keeps_the_previous_site(sites: Sites) -> None:
    reset(sites)
    annotations = sites.root / "annotations" / f"{ARTICLE}.yml"
    original = annotations.read_text(encoding="utf-8")
    annotations.write_text(original.replace("type: claim", "type: claimm", 1))
    try:
        result = run_build(sites.root)
    finally:
        annotations.write_text(original)
    assert result.returncode == 1
    assert "[bad-type]" in result.stderr
    assert "site/ was left as it was" in result.stderr
    assert manifest(sites.root / "site") == sites.old
    assert leftovers(sites.root) == []


def test_a_build_failing_in_mkdocs_keeps_the_previous_site(sites: Sites) -> None:
    """Not only lint: MkDocs failing half-way (a template error, after pages were written)."""
    reset(sites)
    template = sites.root / "overrides" / "main.html"
    original = template.read_text(encoding="utf-8")
    broken = "{% block footer %}{% if page and page.is_homepage %}{{ none.fails() }}"
    template.write_text(original + broken + "{% endif %}{{ super() }}{% endblock %}\n")
    try:
        result = run_build(sites.root)
    finally:
        template.write_text(original)
    assert result.returncode == 1
    assert "site/ was left as it was" in result.stderr
    assert manifest(sites.root / "site") == sites.old
    assert leftovers(sites.root) == []


def test_the_site_is_readable_by_a_web_server(sites: Sites) -> None:
    result = run_build(sites.root)
    assert result.returncode == 0, result.stderr
    mask = os.umask(0)
    os.umask(mask)
    assert (sites.root / "site").stat().st_mode & 0o777 == 0o777 & ~mask


def test_a_kill_between_two_renames_is_repaired(tmp_path: Path) -> None:
    """Where folders cannot be exchanged in one step: the next build puts the site back."""
    site = tmp_path / "site"
    old = tmp_path / f"{build_module.STAGING_PREFIX}old-4242"
    old.mkdir()
    (old / "index.html").write_text("the previous site")
    half = tmp_path / f"{build_module.STAGING_PREFIX}abc123"
    half.mkdir()
    (half / "index.html").write_text("half a build")
    build_module._recover(site)
    assert (site / "index.html").read_text() == "the previous site"
    assert leftovers(tmp_path) == []


def test_the_swap_without_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_module, "_exchange", lambda a, b: False)
    site, staging = tmp_path / "site", tmp_path / f"{build_module.STAGING_PREFIX}new"
    site.mkdir()
    (site / "a").write_text("old")
    staging.mkdir()
    (staging / "a").write_text("new")
    build_module._swap_in(staging, site)
    assert (site / "a").read_text() == "new"
    assert leftovers(tmp_path) == []
