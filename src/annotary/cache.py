"""A small on-disk cache for what every build computes again: safe, versioned, JSON.

Rebuilding an archive where nothing changed should not render, anchor and
highlight every article again. This module stores such results under
``.cache/annotary/`` at the repo root (ignored by git), one JSON file per entry.

What keeps it from ever serving a stale result:

- **The key is everything the value depends on.** Callers pass every input
  (article body, annotations, page HTML, sources, Markdown settings…) to
  :meth:`Cache.key`; the key also covers :data:`CACHE_FORMAT`, annotary's
  version, a fingerprint of annotary's own source files and the versions of
  the libraries whose output is cached (:func:`code_fingerprint`), so editing
  the code or upgrading Python-Markdown starts afresh.
- **Entries check themselves.** Each file records the format and its full key;
  a file that cannot be read, is not JSON, or records another key or format is
  a miss. Callers validate the value's shape and treat anything odd as a miss.
- **Only this machine's entries are believed.** Each entry carries an HMAC
  made with a secret kept outside the repo (``~/.config/annotary/cache-key``,
  created on first use). The folder is ignored by git, but a pull request could
  still commit a crafted entry for inputs it knows (everything in a key is
  public), and a cached page is served as it is, past the note sanitizer; an
  entry that does not carry this machine's HMAC is a miss. Without a usable
  secret (an unwritable home folder) the cache is off.
- **Writes are atomic** (a temporary file in the same folder, then
  :func:`os.replace`): a killed build leaves the old entry or the new one, never
  half of one. A folder that cannot be written turns the cache off silently.

Values are JSON, with one exception: the validated model of the whole archive
(:meth:`Cache.get_object`), which takes 4 s of CPU to rebuild from 1,000
annotation files and 0.3 s to unpickle. Unpickling runs code chosen by whoever
wrote the file, so those entries are checked like every other (format, key,
this machine's HMAC over the exact bytes) *before* :func:`pickle.loads` sees
them: a file that did not come from this machine's own build is never loaded.
This is how Sphinx keeps its environment between builds.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import hmac
import json
import os
import pickle
import re
import secrets
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "CACHE_DIR",
    "CACHE_FORMAT",
    "Cache",
    "code_fingerprint",
    "distribution_versions",
    "machine_secret",
    "secret_path",
]

#: Bump when the layout of entries or the meaning of a cached value changes.
CACHE_FORMAT = 1
#: Where the cache lives, relative to the repo root.
CACHE_DIR = Path(".cache") / "annotary"
#: Libraries whose behaviour shapes cached values (rendering, anchoring, cleaning).
DEPENDENCIES = ("markdown", "cmarkgfm", "nh3", "rapidfuzz", "pyyaml", "mkdocs", "mkdocs-material")

#: Length of the secret that signs this machine's entries.
SECRET_BYTES = 32

_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.(json|pickle|bin)")
_T = TypeVar("_T")
_NAMESPACE = re.compile(r"[a-z][a-z0-9-]*")


def distribution_versions(names: Iterable[str]) -> str:
    """``name=version`` of each installed distribution (``name=-`` when missing)."""
    parts = []
    for name in names:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        parts.append(f"{name}={version}")
    return ";".join(parts)


@functools.cache
def code_fingerprint() -> str:
    """A hash of annotary's source files, the Python version and :data:`DEPENDENCIES`.

    Computed once per process (about a millisecond): an edited module, in an
    editable install, invalidates the cache as surely as a new release.
    """
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(distribution_versions(DEPENDENCIES).encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".js", ".css"}:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def secret_path() -> Path:
    """Where this machine's cache secret lives: the user's config folder, never a repo."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotary" / "cache-key"


def machine_secret() -> bytes | None:
    """This machine's secret for signing cache entries, created on first use; ``None`` if
    it can be neither read nor made (then no entry is trusted, and the cache is off)."""
    path = secret_path()
    for _ in range(2):
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if len(data) >= SECRET_BYTES:
            return data
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue  # another process made it just now (or it is too short): read again
        except OSError:
            return None
        secret = secrets.token_bytes(SECRET_BYTES)
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
        return secret
    return None


class Cache:
    """JSON values on disk, addressed by a hash of everything they depend on.

    Args:
        directory: The cache's folder, usually ``root / CACHE_DIR``; created on
            the first write.
        version: Part of every key; a new release never reads an old one's entries.
        fingerprint: Part of every key; defaults to :func:`code_fingerprint`.
        secret: Signs and checks the entries; defaults to :func:`machine_secret`.
            ``None`` there turns the cache off.
    """

    def __init__(
        self,
        directory: Path,
        *,
        version: str = __version__,
        fingerprint: str | None = None,
        secret: bytes | None = None,
    ) -> None:
        self.directory = directory
        code = code_fingerprint() if fingerprint is None else fingerprint
        self._salt = f"{CACHE_FORMAT}\0{version}\0{code}"
        self._secret = machine_secret() if secret is None else secret
        self.hits = 0
        self.misses = 0
        self._used: dict[str, set[str]] = {}

    @classmethod
    def for_root(cls, root: Path) -> Cache:
        """The cache of the archive whose repo root is ``root``."""
        return cls(root / CACHE_DIR)

    def key(self, namespace: str, *parts: str) -> str:
        """The key of a value computed from ``parts`` (every input it depends on).

        Each part is length-prefixed, so no two different lists of parts can
        collide by concatenation.
        """
        digest = hashlib.sha256()
        for part in (self._salt, namespace, *parts):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def _path(self, namespace: str, key: str, suffix: str = ".json") -> Path:
        if not _NAMESPACE.fullmatch(namespace) or not re.fullmatch(r"[0-9a-f]{64}", key):
            raise ValueError(f"bad cache namespace or key: {namespace!r}, {key!r}")
        return self.directory / namespace / key[:2] / f"{key}{suffix}"

    @property
    def enabled(self) -> bool:
        """False when there is no secret to sign entries with: nothing is read or written."""
        return self._secret is not None

    def _mac(self, key: str, data: bytes) -> str:
        assert self._secret is not None
        return hmac.new(self._secret, key.encode() + b"\0" + data, hashlib.sha256).hexdigest()

    def get(self, namespace: str, key: str) -> Any:
        """The value stored under ``key``, or ``None`` (missing, unreadable, not ours).

        An entry is a header line (format, key, HMAC of the value) and the value's JSON.
        """
        path = self._path(namespace, key)
        self._used.setdefault(namespace, set()).add(key)
        value = self._read(path, key) if self.enabled else None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def _read(self, path: Path, key: str) -> Any:
        data = self._read_bytes(path, key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:  # not JSON, not UTF-8
            return None

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON data) under ``key``, atomically; never raises on I/O errors."""
        path = self._path(namespace, key)
        self._used.setdefault(namespace, set()).add(key)
        if not self.enabled:
            return
        data = json.dumps(value, separators=(",", ":")).encode()  # ASCII: any str encodes
        self._write(path, key, data)

    def _write(self, path: Path, key: str, data: bytes) -> None:
        """The entry (header line, then ``data``) at ``path``, atomically."""
        header = {"format": CACHE_FORMAT, "key": key, "mac": self._mac(key, data)}
        entry = json.dumps(header).encode() + b"\n" + data
        temporary: str | None = None
        try:
            try:
                fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
            except FileNotFoundError:  # the entry's folder is new
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(entry)
            os.replace(temporary, path)
            temporary = None
        except OSError:
            pass  # a read-only checkout: work without a cache
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def get_object(self, namespace: str, key: str, kind: type[_T]) -> _T | None:
        """A Python object stored by :meth:`put_object`, if it is an instance of ``kind``.

        The entry's HMAC is checked before the bytes are unpickled (see the
        module doc); the garbage collector is paused meanwhile (unpickling
        a model of 40,000 annotations takes 1.4 s with it, 0.3 s without).
        """
        self._used.setdefault(namespace, set()).add(key)
        if not self.enabled:
            return None
        data = self._read_bytes(self._path(namespace, key, ".pickle"), key)
        value: object = None
        if data is not None:
            paused = gc.isenabled()
            gc.disable()
            try:
                value = pickle.loads(data)  # signed by this machine: see the module doc
            except Exception:  # e.g. an old class layout: a miss, like any bad entry
                value = None
            finally:
                if paused:
                    gc.enable()
        if isinstance(value, kind):
            self.hits += 1
            return value
        self.misses += 1
        return None

    def put_object(self, namespace: str, key: str, value: object) -> None:
        """Store a Python object (pickled, signed) under ``key``; never raises on I/O errors."""
        self._used.setdefault(namespace, set()).add(key)
        if self.enabled:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._write(self._path(namespace, key, ".pickle"), key, data)

    def get_bytes(self, namespace: str, key: str) -> bytes | None:
        """Bytes stored by :meth:`put_bytes` (checked like every entry), or ``None``."""
        self._used.setdefault(namespace, set()).add(key)
        data = self._read_bytes(self._path(namespace, key, ".bin"), key) if self.enabled else None
        if data is None:
            self.misses += 1
        else:
            self.hits += 1
        return data

    def put_bytes(self, namespace: str, key: str, data: bytes) -> None:
        """Store ``data`` as it is (e.g. a whole file) under ``key``; never raises on I/O errors."""
        self._used.setdefault(namespace, set()).add(key)
        if self.enabled:
            self._write(self._path(namespace, key, ".bin"), key, data)

    def _read_bytes(self, path: Path, key: str) -> bytes | None:
        try:
            header_line, _, data = path.read_bytes().partition(b"\n")
            header = json.loads(header_line)
        except (OSError, ValueError):
            return None
        if (
            not isinstance(header, dict)
            or header.get("format") != CACHE_FORMAT
            or header.get("key") != key
            or not isinstance(header.get("mac"), str)
            or not hmac.compare_digest(header["mac"], self._mac(key, data))
        ):
            return None
        return data

    def get_or_compute(
        self,
        namespace: str,
        parts: Iterable[str],
        compute: Callable[[], Any],
        valid: Callable[[Any], bool],
    ) -> Any:
        """The cached value for ``parts`` if ``valid`` accepts it; else ``compute()``, stored."""
        key = self.key(namespace, *parts)
        value = self.get(namespace, key)
        if value is not None and valid(value):
            return value
        value = compute()
        self.put(namespace, key, value)
        return value

    def sweep(self) -> int:
        """Delete the entries of each namespace used so far that were not used.

        Call it after a complete build: what that build did not ask for belongs
        to inputs that no longer exist. Only entry files are touched. Returns
        how many were deleted.
        """
        removed = 0
        for namespace, used in self._used.items():
            folder = self.directory / namespace
            if not folder.is_dir():
                continue
            for path in folder.glob("??/*"):
                if _ENTRY_NAME.fullmatch(path.name) and path.name.split(".")[0] not in used:
                    with contextlib.suppress(OSError):
                        path.unlink()
                        removed += 1
        return removed
