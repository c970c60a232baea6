"""Building the site so that a failed or killed build never harms the last good one.

MkDocs writes into ``site_dir`` as it goes and wipes it first; a build that
stops half-way leaves a broken site. Here MkDocs builds into a fresh folder next
to ``site/``, and only a build that succeeded replaces ``site/``: in one step
where the system can exchange two folders (Linux), else by two renames whose
gap the next build repairs.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STAGING_PREFIX = ".site-tmp-"
#: renameat2(2): exchange two paths atomically (Linux 3.15+, glibc 2.28+).
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def build_site(root: Path, *, strict: bool = False, site_dir: Path | None = None) -> int:
    root = root.resolve()
    target = (site_dir or root / "site").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would make site/ unreadable to a server
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging``; at every instant one complete site exists.

    Exchanged in one step where possible; otherwise a kill between the two renames
    leaves the previous site under its ``old`` name, which :func:`_recover` puts back.
    """
    if target.is_dir() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous site
        return
    old = target.with_name(f"{STAGING_PREFIX}old-{os.getpid()}")
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False where the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


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
