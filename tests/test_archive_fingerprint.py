"""The archive's fingerprint: the cache key of the validated archive a warm build reads
back. Whatever :func:`load_archive` reads must move it, or a build would serve a
stale archive; what it does not read must not (or no build would ever be warm)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from annotary.archive import (
    ANNOTATIONS_DIR,
    ARTICLES_DIR,
    LINK_CHECKED_DIRS,
    archive_fingerprint,
    load_archive,
)
from conftest import ANNOTATIONS, ARTICLE, Repo, link


def _messy(repo: Repo) -> None:
    """Links, a second suffix, a folder named like a file, and a file that cannot be read."""
    repo.write("docs/articles/second.md", ARTICLE.replace("Test article", "Second"))
    repo.annotations(ANNOTATIONS.replace("test-article", "second"), slug="second")
    repo.write("annotations/third.yaml", ANNOTATIONS.replace("test-article", "third"))
    repo.write("docs/articles/third.md", ARTICLE.replace("Test article", "Third"))
    (repo.root / "docs/articles/folder.md").mkdir()
    link(repo.root / "docs/articles/gone.md", "nowhere.md")
    repo.write("docs/assets/logo.txt", "logo")
    link(repo.root / "docs/assets/alias.txt", "logo.txt")


def _edits(root: Path) -> dict[str, Callable[[], None]]:
    def append(rel: str, text: str) -> Callable[[], None]:
        return lambda: (root / rel).write_bytes((root / rel).read_bytes() + text.encode())

    def rename(old: str, new: str) -> Callable[[], None]:
        return lambda: (root / old).rename(root / new)

    return {
        "article text": append("docs/articles/test-article.md", "One more sentence.\n"),
        "annotation file": append("annotations/test-article.yml", "# a comment\n"),
        "sources": append("annotations/sources.yml", "# a comment\n"),
        "the .yaml file": append("annotations/third.yaml", "# a comment\n"),
        "a same-size edit": lambda: (root / "docs/articles/second.md").write_text(
            ARTICLE.replace("Test article", "Secnod")
        ),
        "article renamed": rename("docs/articles/second.md", "docs/articles/secnod.md"),
        "annotation file added": lambda: (root / "annotations/fourth.yml").write_text(ANNOTATIONS),
        "article made a link to its copy": lambda: (
            (root / "docs/copy.md").write_bytes((root / "docs/articles/second.md").read_bytes()),
            link(root / "docs/articles/second.md", "../copy.md"),
        ),
        "unreadable file made readable": lambda: (
            (root / "docs/articles/gone.md").unlink(),
            (root / "docs/articles/gone.md").write_text(""),
        ),
        "link retargeted": lambda: link(root / "docs/assets/alias.txt", "../articles/second.md"),
        "link out of the repo added": lambda: link(root / "overrides/leak.html", "/etc/hostname"),
        "dangling link's target appears": lambda: (root / "docs/articles/nowhere.md").write_text(
            ARTICLE
        ),
    }


EDITS = list(_edits(Path()))


@pytest.mark.parametrize("edit", EDITS)
def test_every_thing_loading_reads_moves_the_fingerprint(repo: Repo, edit: str) -> None:
    _messy(repo)
    before = archive_fingerprint(repo.root)
    assert archive_fingerprint(repo.root) == before  # the same files, the same key
    _edits(repo.root)[edit]()
    assert archive_fingerprint(repo.root) != before


def test_what_loading_does_not_read_leaves_it(repo: Repo) -> None:
    _messy(repo)
    before = archive_fingerprint(repo.root)
    repo.write("docs/index.md", "# Home\n")  # MkDocs' page, not the archive's
    repo.write("annotations/README.txt", "notes for contributors")
    (repo.root / "docs/articles/folder.md/inside.md").write_text(ARTICLE)
    os.utime(repo.root / "docs/articles/test-article.md", (0, 0))  # a touch, no new bytes
    assert archive_fingerprint(repo.root) == before


def test_equal_fingerprints_mean_equal_archives(repo: Repo) -> None:
    """Undoing an edit gives back the key, and the archive it stands for."""
    _messy(repo)
    before, loaded = archive_fingerprint(repo.root), load_archive(repo.root)
    path = repo.root / "annotations/test-article.yml"
    text = path.read_text()
    path.write_text(text.replace("unverified", "false"))
    assert archive_fingerprint(repo.root) != before
    assert load_archive(repo.root).archive != loaded.archive
    path.write_text(text)
    assert archive_fingerprint(repo.root) == before
    assert load_archive(repo.root).archive == loaded.archive


def test_the_archive_folders_are_among_those_checked_for_links() -> None:
    """The fingerprint hashes a file that is a link through the link check's walk."""
    for folder in (ARTICLES_DIR, ANNOTATIONS_DIR):
        assert any(folder.is_relative_to(top) for top in LINK_CHECKED_DIRS)
