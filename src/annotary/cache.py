"""A small on-disk cache for what every build computes again: safe, versioned, JSON.

Rebuilding an archive where nothing changed should not render, anchor and
highlight every article again. This module stores such results under
``.cache/annotary/packs/`` at the repo root (ignored by git).

**Packs, not a file per entry.** Each process that writes appends its entries
to a pack of its own (``<time>-<pid>-<random>.pack``), made on its first write
and locked while it lives. Creating a file costs 0.3-0.6 ms on a busy ext4
disk, and a cold build of 1,000 articles makes about 5,400 entries: 2.4 s of
its wall time went to that alone; appending costs a copy. A process reads
other packs by an index of their records (a fixed header each), and looks
again on a miss: the build's helper appends articles while the build runs.
:meth:`Cache.sweep` rewrites a pack without its unused entries once they are a
quarter of it. A :class:`Cache` is used by one thread at a time (a build, or
the preview server's build loop).

What keeps it from ever serving a stale result:

- **The key is everything the value depends on.** Callers pass every input
  (article body, annotations, page HTML, sources, Markdown settings…) to
  :meth:`Cache.key`; the key also covers :data:`CACHE_FORMAT`, annotary's
  version, a fingerprint of annotary's own source files and the versions of
  the libraries whose output is cached (:func:`code_fingerprint`), so editing
  the code or upgrading Python-Markdown starts afresh.
- **Entries check themselves.** Each record names its key, namespace and kind
  of value, and carries a MAC (below) over them, :data:`CACHE_FORMAT` and the
  value; a record that cannot be read, is not JSON, or was signed for another
  key, kind or format is a miss. Callers validate the value's shape and treat
  anything odd as a miss.
- **Only this machine's entries are believed.** Each entry carries a MAC (keyed
  BLAKE3) made with a secret kept outside the repo (``~/.config/annotary/cache-key``,
  created on first use). The folder is ignored by git, but a pull request could
  still commit a crafted entry for inputs it knows (everything in a key is
  public), and a cached page is served as it is, past the note sanitizer; an
  entry that does not carry this machine's MAC is a miss. Without a usable
  secret (an unwritable home folder) the cache is off.
- **Half a record is no record.** A record is indexed only once its whole
  value is in the file; a killed build leaves a pack whose last record is never
  read. A folder that cannot be written turns writing off silently.

Values are JSON, with one exception: the validated model of the whole archive
(:meth:`Cache.get_object`), which takes 4 s of CPU to rebuild from 1,000
annotation files and 0.3 s to unpickle. Unpickling runs code chosen by whoever
wrote the file, so those entries are checked like every other (format, key,
this machine's MAC over the exact bytes) *before* :func:`pickle.loads` sees
them: a file that did not come from this machine's own build is never loaded.
This is how Sphinx keeps its environment between builds.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import math
import os
import pickle
import re
import secrets
import struct
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import blake3

from . import __version__
from .jsontext import compact_bytes, parse

try:
    import fcntl
except ImportError:  # pragma: no cover  # not POSIX
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

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
CACHE_FORMAT = 3
#: Where the cache lives, relative to the repo root.
CACHE_DIR = Path(".cache") / "annotary"
#: Libraries whose behaviour shapes cached values (rendering, anchoring, cleaning).
DEPENDENCIES = ("markdown", "cmarkgfm", "nh3", "rapidfuzz", "pyyaml", "mkdocs", "mkdocs-material")

#: Length of the secret that signs this machine's entries.
SECRET_BYTES = 32

#: The folder of the packs, in the cache's folder.
PACKS_DIR = "packs"
PACK_SUFFIX = ".pack"
#: A miss looks for other processes' new records at most this often (see ``_refresh``).
REFRESH_SECONDS = 0.05
#: More packs than this and a sweep merges the small ones.
MAX_PACKS = 16

# A record: magic (with the format), kind of value, namespace length, key, MAC, value
# length; then the namespace and the value.
_RECORD = struct.Struct("<4sBB32s32sQ")
_JSON, _PICKLE, _BYTES = 1, 2, 3
#: BLAKE3's key derivation context for the key that signs entries (see ``Cache._mac``).
_MAC_CONTEXT = "annotary 2026-11 build cache entries"
_KINDS = frozenset((_JSON, _PICKLE, _BYTES))
_MAGIC = b"ANPK"
_DONE = -1  # a pack's scan offset once nothing more can come of it
_PACK_NAME = re.compile(r"[0-9a-f]+-[0-9]+-[0-9a-f]+\.pack")
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.(json|pickle|bin)")  # the layout before packs
_PART_NAME = re.compile(r"\.tmp-.*\.part")
_KEY = re.compile(r"[0-9a-f]{64}")
_T = TypeVar("_T")
_NAMESPACE = re.compile(r"[a-z][a-z0-9-]{0,99}")


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
        secret = machine_secret() if secret is None else secret
        #: What signs the entries: a key made of the secret (any length), for keyed BLAKE3.
        self._mac_key = (
            None
            if secret is None
            else blake3.blake3(secret, derive_key_context=_MAC_CONTEXT).digest()
        )
        self.hits = 0
        self.misses = 0
        self._used: dict[str, set[str]] = {}
        self._packs = directory / PACKS_DIR
        self._index: dict[str, _Entry] = {}  # key -> where its value is
        self._records: list[_Entry] = []  # every record indexed, older copies included
        self._scanned: dict[str, int] = {}  # pack -> how far it is indexed
        self._readers: dict[str, io.FileIO] = {}
        self._refreshed = -math.inf
        self._writer_file: io.FileIO | None = None
        self._writer_name: str | None = None
        self._writer_pid: int | None = None
        self._written = 0
        self._writing = True

    @classmethod
    def for_root(cls, root: Path) -> Cache:
        """The cache of the archive whose repo root is ``root``."""
        return cls(root / CACHE_DIR)

    def key(self, namespace: str, *parts: str) -> str:
        """The key of a value computed from ``parts`` (every input it depends on).

        Each part is length-prefixed, so no two different lists of parts can
        collide by concatenation.
        """
        digest = blake3.blake3()
        for part in (self._salt, namespace, *parts):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def keep(self, namespace: str, key: str) -> None:
        """Count an entry as used without reading it (another process did): the
        next :meth:`sweep` keeps it."""
        self._use(namespace, key)

    def _use(self, namespace: str, key: str) -> None:
        """Check the names, and count the entry as used (see :meth:`sweep`)."""
        if not _NAMESPACE.fullmatch(namespace) or not _KEY.fullmatch(key):
            raise ValueError(f"bad cache namespace or key: {namespace!r}, {key!r}")
        self._used.setdefault(namespace, set()).add(key)

    @property
    def enabled(self) -> bool:
        """False when there is no secret to sign entries with: nothing is read or written."""
        return self._mac_key is not None

    def _mac(self, namespace: str, kind: int, key: str, data: bytes) -> bytes:
        """Keyed BLAKE3, which is a MAC as HMAC is, and four times faster than HMAC-SHA-256:
        a cold build of 1,000 articles signs and checks 400 MB."""
        assert self._mac_key is not None
        signed = blake3.blake3(key=self._mac_key)
        signed.update(f"{CACHE_FORMAT}\0{namespace}\0{kind}\0{key}\0".encode())
        signed.update(data)
        return signed.digest()

    def get(self, namespace: str, key: str) -> Any:
        """The JSON value stored under ``key``, or ``None`` (missing, unreadable, not ours)."""
        data = self._get(namespace, key, _JSON)
        value = None
        if data is not None:
            try:
                value = parse(data)
            except ValueError:  # not JSON, not UTF-8
                value = None
        self._count(value is not None)
        return value

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON data) under ``key``; never raises on I/O errors."""
        self._use(namespace, key)
        if self.enabled:
            data = compact_bytes(value)
            self._append(namespace, _JSON, key, data)

    def get_object(self, namespace: str, key: str, kind: type[_T]) -> _T | None:
        """A Python object stored by :meth:`put_object`, if it is an instance of ``kind``.

        The entry's MAC is checked before the bytes are unpickled (see the
        module doc); the garbage collector is paused meanwhile (unpickling
        a model of 40,000 annotations takes 1.4 s with it, 0.3 s without).
        """
        data = self._get(namespace, key, _PICKLE)
        value: object = None
        if data is not None:
            with paused_gc():
                try:
                    value = pickle.loads(data)  # signed by this machine: see the module doc
                except Exception:  # e.g. an old class layout: a miss, like any bad entry
                    value = None
        found = isinstance(value, kind)
        self._count(found)
        return value if found else None  # type: ignore[return-value]

    def put_object(self, namespace: str, key: str, value: object) -> None:
        """Store a Python object (pickled, signed) under ``key``; never raises on I/O errors.

        The garbage collector is paused while pickling, as while unpickling: pickling
        the model of 1,000 articles took 0.39 to 0.67 s with it, 0.34 s without.
        """
        self._use(namespace, key)
        if self.enabled:
            with paused_gc():
                data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._append(namespace, _PICKLE, key, data)

    def get_bytes(self, namespace: str, key: str) -> bytes | None:
        """Bytes stored by :meth:`put_bytes` (checked like every entry), or ``None``."""
        data = self._get(namespace, key, _BYTES)
        self._count(data is not None)
        return data

    def put_bytes(self, namespace: str, key: str, data: bytes) -> None:
        """Store ``data`` as it is (e.g. a whole file) under ``key``; never raises on I/O errors."""
        self._use(namespace, key)
        if self.enabled:
            self._append(namespace, _BYTES, key, data)

    def _count(self, hit: bool) -> None:
        if hit:
            self.hits += 1
        else:
            self.misses += 1

    # --- the packs ------------------------------------------------------------------------

    def entries(self, namespace: str) -> set[str]:
        """The keys of ``namespace`` that some pack holds (whether or not they would check)."""
        if self.enabled:
            self._refresh(force=True)
        return {key for key, entry in self._index.items() if entry.namespace == namespace}

    def _get(self, namespace: str, key: str, kind: int) -> bytes | None:
        self._use(namespace, key)
        if not self.enabled:
            return None
        entry = self._index.get(key)
        if entry is None:
            self._refresh()
            entry = self._index.get(key)
        if entry is None or entry.namespace != namespace or entry.kind != kind:
            return None
        data = self._read(entry)
        signed = data is not None and secrets.compare_digest(
            entry.mac, self._mac(namespace, kind, key, data)
        )
        return data if signed else None

    def _read(self, entry: _Entry) -> bytes | None:
        try:
            data = os.pread(self._reader(entry.pack).fileno(), entry.size, entry.offset)
        except OSError:
            return None
        return data if len(data) == entry.size else None

    def _reader(self, name: str) -> io.FileIO:
        """Pack ``name``, open for reading; held open, so that a pack deleted by another
        build's sweep stays readable."""
        reader = self._readers.get(name)
        if reader is None:
            reader = self._readers[name] = io.FileIO(self._packs / name, "r")
        return reader

    def _refresh(self, *, force: bool = False) -> None:
        """Index the records that other processes (or earlier builds) appended.

        A miss looks again at most every :data:`REFRESH_SECONDS`: the helper of a
        build appends the articles the build will ask for a while later, and a
        look costs a folder listing.
        """
        now = time.monotonic()
        if not force and now - self._refreshed < REFRESH_SECONDS:
            return
        self._refreshed = now
        self._adopt()
        try:
            names = [e.name for e in os.scandir(self._packs) if _PACK_NAME.fullmatch(e.name)]
        except OSError:
            return
        for name in sorted(names):
            if name == self._writer_name or self._scanned.get(name) == _DONE:
                continue
            self._scan(name)

    def _scan(self, name: str) -> None:
        """Index the records of pack ``name`` from where the last scan stopped.

        Each record is a fixed header (:data:`_RECORD`), the namespace, then the
        value. A record that runs past the end of the file is being written (or
        its writer died): the scan stops there and goes on next time. Anything
        that is not a record ends the pack's scanning for good.
        """
        try:
            fd = self._reader(name).fileno()
            size = os.fstat(fd).st_size
            offset = self._scanned.get(name, 0)
            while offset + _RECORD.size <= size:
                header = os.pread(fd, _RECORD.size + 255, offset)
                magic, kind, length, raw_key, mac, data_size = _RECORD.unpack_from(header)
                start = offset + _RECORD.size + length
                if magic != _MAGIC or kind not in _KINDS:
                    offset = _DONE  # not a record: nothing after it can be trusted to be one
                    break
                if start + data_size > size:
                    break  # still being written
                namespace = header[_RECORD.size : start - offset].decode("ascii", "replace")
                entry = _Entry(name, start, data_size, namespace, kind, mac, raw_key.hex())
                self._index[entry.key] = entry  # packs are scanned oldest first: newest wins
                self._records.append(entry)
                offset = start + data_size
        except OSError:
            return
        self._scanned[name] = offset

    def _append(self, namespace: str, kind: int, key: str, data: bytes) -> None:
        self._write_record(namespace, kind, key, self._mac(namespace, kind, key, data), data)

    def _append_signed(self, entry: _Entry, data: bytes) -> None:
        self._write_record(entry.namespace, entry.kind, entry.key, entry.mac, data)

    def _write_record(self, namespace: str, kind: int, key: str, mac: bytes, data: bytes) -> None:
        """Append one record to this process's own pack (made on its first write)."""
        name = namespace.encode()
        header = _RECORD.pack(_MAGIC, kind, len(name), bytes.fromhex(key), mac, len(data))
        try:
            writer = self._writer()
            if writer is None:
                return
            for chunk in (header + name, data):
                view = memoryview(chunk)
                while view:  # a regular file takes it whole, but be exact
                    view = view[writer.write(view) or 0 :]
        except OSError:
            self._writing = False  # a read-only or full disk: work without writing
            return
        assert self._writer_name is not None
        start = self._written + len(header) + len(name)
        self._written = start + len(data)
        entry = _Entry(self._writer_name, start, len(data), namespace, kind, mac, key)
        self._index[key] = entry
        self._records.append(entry)

    def _writer(self) -> io.FileIO | None:
        """This process's pack, opened for appending and locked while it lives.

        A forked process (the build's helpers, lint's workers) inherits its parent's
        object: it opens a pack of its own, never the parent's (see :meth:`_adopt`).
        """
        self._adopt()
        if self._writer_file is None and self._writing:
            self._packs.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns():x}-{os.getpid()}-{secrets.token_hex(4)}{PACK_SUFFIX}"
            fd = os.open(
                self._packs / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o666
            )
            self._writer_file = io.FileIO(fd, "w")
            _lock(fd, blocking=True)
            self._writer_name, self._written = name, 0
            self._scanned[name] = _DONE  # indexed as it is written
        return self._writer_file

    def _close_writer(self) -> None:
        """Done with this process's pack: the next write starts another (a forked
        child closes only its own copy of the descriptor)."""
        if self._writer_file is not None:
            self._writer_file.close()
        self._writer_file, self._writer_name = None, None

    def _adopt(self) -> None:
        """In a process forked since the last write, make the parent's pack one it reads
        like any other's (from where the parent had written at the fork), never writes."""
        if self._writer_pid == os.getpid():
            return
        if self._writer_file is not None:
            self._writer_file.close()  # this copy of the parent's descriptor only
        if self._writer_name is not None:
            self._scanned[self._writer_name] = self._written
        self._writer_file, self._writer_name, self._written = None, None, 0
        self._writer_pid = os.getpid()
        self._writing = True

    def close(self) -> None:
        """Close this process's pack and the packs it read (also done when it is collected)."""
        self._close_writer()
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        self._scanned.clear()
        self._index.clear()
        self._records.clear()
        self._refreshed = -math.inf

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
        """Drop the entries of each namespace used so far that were not used.

        Call it after a complete build: what that build did not ask for belongs
        to inputs that no longer exist. A pack is rewritten without them once
        they (and entries a newer pack holds again) make up a quarter of it, or
        when there are more than :data:`MAX_PACKS` packs (the smaller half is
        merged into one). A pack that another process is still writing is left alone.
        Returns how many entries were dropped.
        """
        if not self.enabled:
            return 0
        self._remove_old_layout()
        self._close_writer()  # finished: it can be swept like the others
        self._refresh(force=True)
        packs = self._packs_seen()
        sizes = {name: sum(map(_record_size, entries)) for name, entries in packs}
        merged = len(sizes) // 2 if len(sizes) > MAX_PACKS else 0  # the smaller half
        small = set(sorted(sizes, key=sizes.__getitem__)[:merged])
        dropped = 0
        for name, entries in packs:
            kept = [e for e in entries if self._keeps(e)]
            waste = sizes[name] - sum(_record_size(e) for e in kept)
            if (waste == 0 or waste * 4 < sizes[name]) and name not in small:
                continue
            reader = self._readers.get(name)
            if reader is None or not _lock(reader.fileno(), blocking=False):
                continue  # another process writes it: not ours to rewrite
            copied = [(e, self._read(e)) for e in kept]
            if any(data is None for _, data in copied):
                continue
            for entry, data in copied:
                assert data is not None
                self._append_signed(entry, data)
            with contextlib.suppress(OSError):
                (self._packs / name).unlink()
                dropped += len(entries) - len(kept)
            self._forget(name)
        self._close_writer()
        return dropped

    def _keeps(self, entry: _Entry) -> bool:
        """Whether a sweep keeps ``entry``: used (or of a namespace this run did not use),
        and the one the index names for its key (not an older copy)."""
        used = self._used.get(entry.namespace)
        return (used is None or entry.key in used) and self._index.get(entry.key) is entry

    def _packs_seen(self) -> list[tuple[str, list[_Entry]]]:
        by_pack: dict[str, list[_Entry]] = {}
        for entry in self._records:
            by_pack.setdefault(entry.pack, []).append(entry)
        return sorted(by_pack.items())

    def _forget(self, name: str) -> None:
        reader = self._readers.pop(name, None)
        if reader is not None:
            reader.close()
        self._scanned.pop(name, None)
        self._records = [e for e in self._records if e.pack != name]
        for key in [k for k, e in self._index.items() if e.pack == name]:
            del self._index[key]

    def _remove_old_layout(self) -> None:
        """Delete the one-file-per-entry layout of annotary before 0.x packs (entry files only)."""
        try:
            folders = [e for e in os.scandir(self.directory) if e.is_dir() and e.name != PACKS_DIR]
        except OSError:
            return
        for folder in folders:
            if not _NAMESPACE.fullmatch(folder.name):
                continue
            for path in Path(folder.path).glob("??/*"):
                if _ENTRY_NAME.fullmatch(path.name) or _PART_NAME.fullmatch(path.name):
                    with contextlib.suppress(OSError):
                        path.unlink()
            for sub in [*Path(folder.path).glob("??"), Path(folder.path)]:
                with contextlib.suppress(OSError):
                    sub.rmdir()  # only when empty

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit, anything may be gone
            self.close()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (never the case for forked workers): without open files or the index."""
        state = dict(self.__dict__)
        state.update(_readers={}, _writer_file=None, _writer_name=None, _writer_pid=None)
        state.update(_index={}, _records=[], _scanned={}, _refreshed=-math.inf)
        return state


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection meanwhile, for work that makes or walks millions of
    objects and no cycle: checking the archive, pickling or unpickling its model.

    Each automatic collection would scan every object the process holds again: about
    a tenth of the time of checking. Checking makes next to no cyclic garbage (Markdown
    instances are reused), so the memory this keeps is small: about 2 MB on 1,000
    articles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True, slots=True, eq=False)
class _Entry:
    """Where one record's value lies: compared by identity (see :meth:`Cache._keeps`)."""

    pack: str
    offset: int
    size: int
    namespace: str
    kind: int
    mac: bytes
    key: str


def _record_size(entry: _Entry) -> int:
    return _RECORD.size + len(entry.namespace) + entry.size


def _lock(fd: int, *, blocking: bool) -> bool:
    """An exclusive lock on a pack: held by its writer, taken by a sweep that rewrites it."""
    if fcntl is None:  # pragma: no cover  # not POSIX: deleting an open file fails there
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        return False
    return True
