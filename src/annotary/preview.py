"""What a preview server needs to update a written page in place.

Under ``./scripts/serve``, an edit of an annotation file changes an article's
highlights and list, its ``<head>`` data and, for some edits, the listing
pages. Everything else on those pages (the theme's header, navigation,
footer, scripts) is what the last build wrote. Keeping each written page with
its content cut out (a *shell*) lets the preview put the new content in and
write the file, without asking the site generator to walk 10,000 pages for
one edit. Nothing here knows the site generator.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Stands for the page content in a shell; a noncharacter, so no page holds it.
CONTENT_SLOT = "\ufdd1annotary-content\ufdd1"
HEAD_END = "</head>"

#: What a file looked like when last seen: (mtime in ns, size, inode).
Stamp = tuple[int, int, int]


@dataclass(frozen=True)
class PageShell:
    """A written page without its content, compressed (a tenth of its size)."""

    path: Path
    packed: bytes

    @classmethod
    def cut(cls, path: Path, output: str, content: str) -> PageShell | None:
        """The shell of ``output``, or ``None`` if ``content`` is not in it exactly once
        (then the page cannot be updated in place and a full rebuild does it)."""
        if not content or output.count(content) != 1 or CONTENT_SLOT in output:
            return None
        if output.count(HEAD_END) != 1:
            return None
        return cls(path, zlib.compress(output.replace(content, CONTENT_SLOT, 1).encode(), 1))

    def fill(self, content: str, head: str = "") -> str:
        """The page with ``content`` in place and ``head`` added at the end of ``<head>``."""
        shell = zlib.decompress(self.packed).decode()
        return shell.replace(HEAD_END, head + HEAD_END, 1).replace(CONTENT_SLOT, content, 1)

    def write(self, content: str, head: str = "") -> None:
        """Replace the page file in one step: a reader never sees half a page."""
        partial = self.path.with_name(f".{self.path.name}.annotary-partial")
        partial.write_text(self.fill(content, head), encoding="utf-8")
        os.replace(partial, self.path)


def file_stamps(paths: Iterable[Path], *, skip: Iterable[Path] = ()) -> dict[str, Stamp]:
    """Every file under ``paths`` (files or folders) with its stamp, except under ``skip``.

    Compared before and after an edit, it says whether anything but the
    annotation files changed: about 40 ms for 10,000 files.
    """
    skipped = {str(p) for p in skip}
    stamps: dict[str, Stamp] = {}

    def visit(path: str) -> None:
        if path in skipped:
            return
        try:
            entries = list(os.scandir(path))
        except NotADirectoryError:
            try:
                info = os.stat(path)
            except FileNotFoundError:
                return
            stamps[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
            return
        except FileNotFoundError:
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path)
            elif entry.path not in skipped:
                info = entry.stat(follow_symlinks=False)
                stamps[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)

    for path in paths:
        visit(str(path))
    return stamps
