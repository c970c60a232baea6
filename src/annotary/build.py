"""Building the site so that a failed or killed build never harms the last good one.

MkDocs writes into ``site_dir`` as it goes and wipes it first; a build that
stops half-way leaves a broken site. Here MkDocs builds into a fresh folder next
to ``site/``, and only a build that succeeded replaces ``site/`` (two renames).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STAGING_PREFIX = ".site-tmp-"


def build_site(root: Path, *, strict: bool = False, site_dir: Path | None = None) -> int:
    root = root.resolve()
    target = (site_dir or root / "site").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--quiet",
        "--config-file",
        str(root / "mkdocs.yml"),
        "--site-dir",
        str(staging),
    ]
    if strict:
        command.append("--strict")
    result = subprocess.run(command, cwd=root, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        print(
            f"annotary build: failed; {_shown(target, root)} was left as it was",
            file=sys.stderr,
        )
        return 1
    _swap_in(staging, target)
    print(f"annotary build: site written to {_shown(target, root)}", file=sys.stderr)
    return 0


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() + "/" if path.is_relative_to(root) else str(path)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; at every instant one complete site exists."""
    old = target.with_name(f"{STAGING_PREFIX}old-{os.getpid()}")
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Clean up after a build that was killed.

    A kill between the two renames of :func:`_swap_in` leaves no ``site/`` but the
    previous one under its ``old`` name: put it back. Every other staging folder
    is a half-written build, never a site: delete it.
    """
    olds = sorted(target.parent.glob(f"{STAGING_PREFIX}old-*"))
    if not target.exists() and olds:
        os.rename(olds[-1], target)
    for path in target.parent.glob(f"{STAGING_PREFIX}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
