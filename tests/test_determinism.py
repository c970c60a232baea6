"""The same input builds the same site, byte for byte.

Two copies of the repo (with the hostile fixture's odd content too), in two
folders with different names and file times, are built by two processes with
different hash seeds (Python's set and dict-of-set orders change with the
seed): every file of the two sites must be identical, the article pages, the
JSON-LD, the feed, the search index and the sitemap included.

One input is not in the repo: the build date. MkDocs writes it into
``sitemap.xml`` (``<lastmod>``) and into ``sitemap.xml.gz``'s header, from
``SOURCE_DATE_EPOCH`` when set (else today). Both builds here get the same
value, and a third, a day later, shows those two files are the only ones that
change: to publish reproducibly, set ``SOURCE_DATE_EPOCH`` (e.g. to the last
commit's time). Nothing else reads the clock: the feed's dates come from the
captured dates and git.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

HOSTILE = REPO / "tests" / "fixtures" / "hostile"
EPOCH = 1_790_000_000
#: The only files that depend on the build date, and why: see the module docstring.
DATED = frozenset({"sitemap.xml", "sitemap.xml.gz"})


def copy_repo(root: Path, *, mtime: int | None = None) -> Path:
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("docs", "annotations", "overrides"):
        shutil.copytree(REPO / folder, root / folder)
    for folder in ("docs", "annotations"):
        shutil.copytree(HOSTILE / folder, root / folder, dirs_exist_ok=True)
    with (root / "annotations" / "sources.yml").open("a", encoding="utf-8") as sources:
        sources.write((HOSTILE / "sources-extra.yml").read_text(encoding="utf-8"))
    if mtime is not None:
        for path in root.rglob("*"):
            os.utime(path, (mtime, mtime), follow_symlinks=False)
    return root


def build(root: Path, site: Path, *, seed: str, epoch: int = EPOCH) -> dict[str, str]:
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONHASHSEED": seed,
        "SOURCE_DATE_EPOCH": str(epoch),
    }
    result = subprocess.run(
        [sys.executable, "-m", "annotary", "build", "--site-dir", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("first")
    return build(copy_repo(base / "repo"), base / "site", seed="1")


def test_two_builds_are_identical(
    first: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("second-with-another-name")
    second = build(copy_repo(base / "archive", mtime=1_000_000_000), base / "out", seed="2")
    assert second.keys() == first.keys()
    different = sorted(name for name in first if first[name] != second[name])
    assert different == []


def test_the_outputs_that_matter_are_there(first: dict[str, str]) -> None:
    """The comparison covers the pages and exports (whichever this version publishes)."""
    names = set(first)
    assert "articles/hostile-payloads/index.html" in names
    assert "articles/north-korean-troops-kursk/index.html" in names
    assert "search/search_index.json" in names
    assert names >= DATED
    exports = {n for n in names if n.endswith((".jsonld", ".xml")) and n not in DATED}
    print("exports compared:", sorted(exports))


def test_only_the_sitemap_depends_on_the_build_date(
    first: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("a-day-later")
    later = build(copy_repo(base / "repo"), base / "site", seed="3", epoch=EPOCH + 86_400)
    assert {name for name in first if first[name] != later[name]} == DATED
