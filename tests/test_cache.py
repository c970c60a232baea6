"""The on-disk cache: hits, misses on any input change, corrupt entries, version bumps."""

from __future__ import annotations

import gc
import pickle
from pathlib import Path
from typing import ClassVar

import pytest

from annotary import cache as cache_module
from annotary import pipeline
from annotary.cache import Cache, code_fingerprint, machine_secret, secret_path
from annotary.markup import MarkdownConfig
from annotary.pipeline import check_archive
from conftest import Repo

SECRET = b"s" * 32


@pytest.fixture(autouse=True)
def _config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine secret goes to a temporary config folder, not the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def store(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache", version="1.0", fingerprint="code", secret=SECRET)


def _packs(store: Cache) -> list[Path]:
    return sorted((store.directory / cache_module.PACKS_DIR).glob("*.pack"))


def _record(
    namespace: str,
    key: str,
    value: bytes,
    *,
    mac: bytes,
    kind: int = cache_module._JSON,
    magic: bytes = cache_module._MAGIC,
) -> bytes:
    """One record as :meth:`Cache.put` appends it, with the parts given."""
    name = namespace.encode()
    header = cache_module._RECORD.pack(magic, kind, len(name), bytes.fromhex(key), mac, len(value))
    return header + name + value


def _plant(store: Cache, data: bytes, name: str = "1-1-aa.pack") -> Path:
    """A pack that no process of this test wrote (a crafted or broken one)."""
    path = store.directory / cache_module.PACKS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- The store ---------------------------------------------------------------------------


def test_a_pack_begun_after_closing_is_read_back(store: Cache) -> None:
    """A process that closed its pack and writes again starts a new one, at its start."""
    store.put("pages", store.key("pages", "first"), "a value of some length")
    store.close()
    store.put("pages", store.key("pages", "second"), "second")
    assert len(_packs(store)) == 2
    assert store.get("pages", store.key("pages", "second")) == "second"
    assert store.get("pages", store.key("pages", "first")) == "a value of some length"


def test_hit_after_put(store: Cache) -> None:
    key = store.key("pages", "html", "slug")
    assert store.get("pages", key) is None
    store.put("pages", key, {"html": "<p>é</p>", "ids": ["a"]})
    assert store.get("pages", key) == {"html": "<p>é</p>", "ids": ["a"]}
    assert (store.hits, store.misses) == (1, 1)
    # appended to this process's one pack, and read back by another cache
    assert len(_packs(store)) == 1
    store.put("pages", store.key("pages", "other"), "second")
    assert len(_packs(store)) == 1
    again = Cache(store.directory, version="1.0", fingerprint="code", secret=SECRET)
    assert again.get("pages", key) == {"html": "<p>é</p>", "ids": ["a"]}
    assert again.entries("pages") == {key, store.key("pages", "other")}


def test_get_or_compute_computes_once(store: Cache) -> None:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return "value"

    for _ in range(3):
        assert store.get_or_compute("markdown", ("a", "b"), compute, lambda v: v == "value") == (
            "value"
        )
    assert len(calls) == 1


@pytest.mark.parametrize(
    "other",
    [
        ("pages", ("html", "slug!")),  # one input changed
        ("pages", ("html",)),  # one input fewer
        ("pages", ("htmls", "lug")),  # same characters, other split
        ("pages", ("html", "slug", "")),  # one more, empty
        ("anchors", ("html", "slug")),  # another namespace
    ],
)
def test_any_input_change_is_a_miss(store: Cache, other: tuple[str, tuple[str, ...]]) -> None:
    store.put("pages", store.key("pages", "html", "slug"), "old")
    namespace, parts = other
    assert store.key(namespace, *parts) != store.key("pages", "html", "slug")
    assert store.get(namespace, store.key(namespace, *parts)) is None


def _signed(
    store: Cache,
    key: str,
    value: bytes,
    *,
    secret: bytes = SECRET,
    namespace: str = "pages",
    kind: int = cache_module._JSON,
    signed_key: str | None = None,
) -> bytes:
    """A record of ``key`` in "pages", signed with ``secret`` over the parts given."""
    signer = Cache(store.directory, secret=secret)
    mac = signer._mac(namespace, kind, signed_key or key, value)
    return _record("pages", key, value, mac=mac)


@pytest.mark.parametrize(
    "make",
    [
        lambda store, key: b"",
        lambda store, key: b"{not a pack",
        lambda store, key: b"\xff\xfe garbage\n\xff" * 20,
        lambda store, key: _record("pages", key, b'"x"', mac=b"\0" * 32),
        lambda store, key: _record("pages", key, b'"x"', mac=b"\0" * 32, magic=b"NOPE"),
        lambda store, key: _signed(store, key, b'"x"', signed_key="0" * 64),
        lambda store, key: _signed(store, key, b'"x"', namespace="anchors"),
        lambda store, key: _signed(store, key, b'"x"', kind=cache_module._BYTES),
        lambda store, key: _signed(store, key, b'"x"')[:-1],  # truncated
        lambda store, key: _signed(store, key, b"{not json"),
        # a crafted entry committed to the repo: right layout, but not this machine's
        lambda store, key: _signed(store, key, b'"<script>alert(1)</script>"', secret=b"p" * 32),
    ],
    ids=[
        "empty",
        "not-a-pack",
        "garbage",
        "no-mac",
        "other-magic",
        "signed-for-another-key",
        "signed-for-another-namespace",
        "signed-for-another-kind",
        "truncated",
        "value-not-json",
        "planted",
    ],
)
def test_corrupt_foreign_or_planted_entries_are_misses(store: Cache, make: object) -> None:
    key = store.key("pages", "x")
    _plant(store, make(store, key))  # type: ignore[operator]
    assert store.get("pages", key) is None
    # and get_or_compute repairs it, for every later reader too (the newest record wins)
    assert store.get_or_compute("pages", ("x",), lambda: "fresh", lambda v: True) == "fresh"
    assert store.get("pages", key) == "fresh"
    assert (
        Cache(store.directory, version="1.0", fingerprint="code", secret=SECRET).get("pages", key)
        == "fresh"
    )


def test_a_record_being_written_is_read_once_it_is_whole(store: Cache) -> None:
    """Another process's pack grows while this one reads: half a record is a miss, and
    the whole record a hit once it is there (a miss looks again)."""
    key = store.key("pages", "x")
    record = _signed(store, key, b'"late"')
    path = _plant(store, record[:-2])
    assert store.get("pages", key) is None
    path.write_bytes(record)
    store._refreshed = float("-inf")  # as if REFRESH_SECONDS had passed
    assert store.get("pages", key) == "late"


def test_invalid_value_is_recomputed(store: Cache) -> None:
    store.put("pages", store.key("pages", "x"), {"html": 42})
    value = store.get_or_compute(
        "pages", ("x",), lambda: {"html": "ok"}, lambda v: isinstance(v.get("html"), str)
    )
    assert value == {"html": "ok"}


def test_version_bump_invalidates(tmp_path: Path) -> None:
    old = Cache(tmp_path, version="0.1.0", fingerprint="code", secret=SECRET)
    old.put("pages", old.key("pages", "x"), "rendered by 0.1.0")
    new = Cache(tmp_path, version="0.2.0", fingerprint="code", secret=SECRET)
    assert new.get("pages", new.key("pages", "x")) is None
    edited = Cache(tmp_path, version="0.1.0", fingerprint="edited code", secret=SECRET)
    assert edited.get("pages", edited.key("pages", "x")) is None
    assert old.get("pages", old.key("pages", "x")) == "rendered by 0.1.0"


def test_format_bump_invalidates(store: Cache, monkeypatch: pytest.MonkeyPatch) -> None:
    key = store.key("pages", "x")
    store.put("pages", key, "v")
    monkeypatch.setattr(cache_module, "CACHE_FORMAT", cache_module.CACHE_FORMAT + 1)
    assert store.get("pages", key) is None


def test_default_fingerprint_covers_the_code() -> None:
    fingerprint = code_fingerprint()
    assert len(fingerprint) == 64
    assert Cache(Path("x")).key("a") != Cache(Path("x"), fingerprint="other").key("a")


def test_machine_secret_is_made_once_outside_the_repo(tmp_path: Path) -> None:
    secret = machine_secret()
    assert secret is not None
    assert len(secret) == 32
    assert secret_path().is_relative_to(tmp_path / "config")
    assert secret_path().stat().st_mode & 0o777 == 0o600
    assert machine_secret() == secret
    # entries made with it are read back by a new Cache on this machine
    first = Cache(tmp_path / "cache")
    first.put("pages", first.key("pages", "x"), "v")
    assert Cache(tmp_path / "cache").get("pages", first.key("pages", "x")) == "v"


@pytest.mark.parametrize("length", [1, 31, 33, 200])
def test_a_secret_of_any_length_signs_and_only_it(tmp_path: Path, length: int) -> None:
    """BLAKE3 takes a key of 32 bytes: one is derived from a secret of any length."""
    secret = bytes(range(256))[:length]
    store = Cache(tmp_path, version="1.0", fingerprint="code", secret=secret)
    key = store.key("pages", "a")
    store.put("pages", key, {"html": "<p>a</p>"})
    store.close()
    same = Cache(tmp_path, version="1.0", fingerprint="code", secret=secret)
    assert same.get("pages", key) == {"html": "<p>a</p>"}
    other = Cache(tmp_path, version="1.0", fingerprint="code", secret=secret + b"x")
    assert other.get("pages", key) is None


def test_no_secret_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config folder would be")
    assert machine_secret() is None
    store = Cache(tmp_path / "cache")
    assert not store.enabled
    store.put("pages", store.key("pages", "x"), "v")
    assert not (tmp_path / "cache").exists()
    assert store.get("pages", store.key("pages", "x")) is None


def test_unwritable_cache_is_silently_off(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = Cache(blocker / "cache", fingerprint="code", secret=SECRET)
    store.put("pages", store.key("pages", "x"), "v")  # no exception
    assert store.get("pages", store.key("pages", "x")) is None


def test_bad_namespace_or_key_is_refused(store: Cache) -> None:
    with pytest.raises(ValueError, match="bad cache"):
        store.get("../etc", store.key("pages", "x"))
    with pytest.raises(ValueError, match="bad cache"):
        store.get("pages", "../../x")


def _cache(directory: Path) -> Cache:
    return Cache(directory, fingerprint="code", secret=SECRET)


def test_sweep_drops_unused_entries_once_they_are_a_quarter_of_a_pack(tmp_path: Path) -> None:
    first = _cache(tmp_path)
    for name in ("kept", "stale"):
        first.put("pages", first.key("pages", name), name)
    other = first.key("markdown", "untouched namespace")
    first.put("markdown", other, "m")
    first.close()
    (old,) = _packs(first)

    second = _cache(tmp_path)
    assert second.get("pages", second.key("pages", "kept")) == "kept"
    assert second.sweep() == 1
    assert not old.exists()  # rewritten into a new pack
    # read back from the new pack by the process that wrote it, too
    assert second.get("pages", second.key("pages", "kept")) == "kept"
    assert second.get("markdown", other) == "m"
    third = _cache(tmp_path)
    assert third.get("pages", third.key("pages", "stale")) is None
    assert third.get("pages", third.key("pages", "kept")) == "kept"
    assert third.get("markdown", other) == "m"  # a namespace the sweep's run did not use
    assert len(_packs(third)) == 1


def test_sweep_leaves_a_pack_with_little_waste_as_it_is(tmp_path: Path) -> None:
    first = _cache(tmp_path)
    names = [f"page {n}" for n in range(8)]
    for name in names:
        first.put("pages", first.key("pages", name), name)
    first.close()
    (pack,) = _packs(first)
    before = pack.read_bytes()
    second = _cache(tmp_path)
    for name in names[1:]:
        assert second.get("pages", second.key("pages", name)) == name
    assert second.sweep() == 0  # one eighth unused: not worth rewriting the pack
    assert pack.read_bytes() == before
    names[0] = "changed"
    third = _cache(tmp_path)
    third.put("pages", third.key("pages", "changed"), "changed")
    for name in names[2:]:  # a second unused one: a quarter of the pack
        assert third.get("pages", third.key("pages", name)) == name
    assert third.sweep() == 2
    assert not pack.exists()
    fourth = _cache(tmp_path)
    assert {fourth.get("pages", fourth.key("pages", name)) for name in names[2:]} == set(names[2:])
    assert fourth.get("pages", fourth.key("pages", "changed")) == "changed"


def test_sweep_leaves_a_pack_that_another_process_writes(tmp_path: Path) -> None:
    writer = _cache(tmp_path)
    writer.put("pages", writer.key("pages", "theirs"), "theirs")  # and its pack stays open
    (pack,) = _packs(writer)
    sweeper = _cache(tmp_path)
    sweeper.get("pages", sweeper.key("pages", "mine"))  # "pages" used, "theirs" not
    assert sweeper.sweep() == 0
    assert pack.exists()
    writer.close()
    assert sweeper.sweep() == 1
    assert not pack.exists()


def test_sweep_merges_small_packs(tmp_path: Path) -> None:
    names = [f"entry {n}" for n in range(cache_module.MAX_PACKS + 3)]
    for name in names:  # one process, one pack each
        writer = _cache(tmp_path)
        writer.put("pages", writer.key("pages", name), name)
        writer.close()
    sweeper = _cache(tmp_path)
    assert {sweeper.get("pages", sweeper.key("pages", name)) for name in names} == set(names)
    assert sweeper.sweep() == 0
    assert len(_packs(sweeper)) < cache_module.MAX_PACKS
    again = _cache(tmp_path)
    assert {again.get("pages", again.key("pages", name)) for name in names} == set(names)


def test_sweep_deletes_entry_files_of_the_layout_before_packs(tmp_path: Path) -> None:
    old = tmp_path / "pages" / "ab" / f"{'ab' * 32}.json"
    old.parent.mkdir(parents=True)
    old.write_text("{}")
    stray = tmp_path / "pages" / "README.txt"
    stray.write_text("not an entry")
    _cache(tmp_path).sweep()
    assert not old.exists()
    assert not old.parent.exists()
    assert stray.exists()


# --- check_archive with a cache -------------------------------------------------------------


def _summary(root: Path, store: Cache | None) -> tuple[object, ...]:
    checked = check_archive(root, cache=store)
    return (
        {slug: (p.html, p.visible, p.placements) for slug, p in checked.placed.items()},
        [(d.location, d.code, d.message, d.hint) for d in checked.problems],
    )


DRIFTED = """\
article: test-article
annotations:
  - id: casualties
    type: claim
    quote: troops suffered nearly 40 percent casualties
    status: unverified
    attributed_to: [western-officials]
  - id: told-the-bbc
    type: source
    quote: told the BBC
    source: bbc-news
  - id: officials
    type: source
    quote: The officials said
    source: western-officials
"""


@pytest.mark.parametrize("plain", [True, False])
def test_check_archive_same_with_cache_cold_and_warm(repo: Repo, plain: bool) -> None:
    """The anchors are cached; an article's HTML only when Python-Markdown made it
    (plain Markdown renders again quicker than a cache entry is read)."""
    repo.annotations(DRIFTED)
    if not plain:  # a list: Python-Markdown's
        article = repo.root / "docs" / "articles" / "test-article.md"
        article.write_text(article.read_text(encoding="utf-8") + "\n- a list item\n")
    store = Cache.for_root(repo.root)
    expected = _summary(repo.root, None)
    assert _summary(repo.root, store) == expected  # cold: fills the cache
    assert store.entries("anchors")
    assert bool(store.entries("markdown")) is not plain
    assert _summary(repo.root, Cache.for_root(repo.root)) == expected  # warm


def test_warm_check_renders_and_anchors_nothing(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing goes through Python-Markdown or the anchoring again (the plain
    article renders through :mod:`annotary.plainmarkdown`, not ``render``)."""
    repo.annotations(DRIFTED)
    expected = _summary(repo.root, Cache.for_root(repo.root))

    def forbidden(*args: object) -> object:
        raise AssertionError("computed again")

    monkeypatch.setattr(pipeline, "anchor_annotation", forbidden)
    monkeypatch.setattr(MarkdownConfig, "render", forbidden)
    assert _summary(repo.root, Cache.for_root(repo.root)) == expected


def test_changed_inputs_are_computed_again(repo: Repo) -> None:
    store = Cache.for_root(repo.root)
    _summary(repo.root, store)
    # an annotation changes: only its own anchor is new, and it is right
    repo.annotations(DRIFTED)
    assert _summary(repo.root, Cache.for_root(repo.root)) == _summary(repo.root, None)
    # the article changes
    article = repo.root / "docs/articles/test-article.md"
    article.write_text(article.read_text().replace("4,000", "5,000"))
    assert _summary(repo.root, Cache.for_root(repo.root)) == _summary(repo.root, None)


def test_corrupt_anchor_entries_are_recomputed(repo: Repo) -> None:
    repo.annotations(DRIFTED)
    expected = _summary(repo.root, Cache.for_root(repo.root))
    store = Cache.for_root(repo.root)
    keys = store.entries("anchors")
    assert keys
    for key in keys:
        value = store.get("anchors", key)
        for result in value.values():
            result["start"], result["end"] = 10**9, -1  # shaped right, offsets impossible
            result["state"] = "exact"
        store.put("anchors", key, value)  # signed as this machine would: only the shape is off
    store.close()
    assert _summary(repo.root, Cache.for_root(repo.root)) == expected


def test_markdown_settings_that_are_not_data_are_not_cached(repo: Repo) -> None:
    config = MarkdownConfig(("toc",), {"toc": {"slugify": lambda value, sep: value}})
    assert pipeline.markdown_fingerprint(config) is None
    store = Cache.for_root(repo.root)
    check_archive(repo.root, config, cache=store)
    assert not store.entries("markdown")
    assert store.entries("anchors")


def test_markdown_fingerprint_covers_settings_and_versions() -> None:
    plain = pipeline.markdown_fingerprint(MarkdownConfig(("toc",), {}))
    config = MarkdownConfig(("toc",), {"toc": {"permalink": True}})
    permalink = pipeline.markdown_fingerprint(config)
    assert plain is not None
    assert permalink is not None
    assert plain != permalink
    assert "markdown=" in plain


def test_an_entry_signed_on_this_machine_is_a_hit(store: Cache) -> None:
    """The control for the planted entries above: only the changes make them misses."""
    key = store.key("pages", "x")
    _plant(store, _signed(store, key, b'"x"'))
    assert store.get("pages", key) == "x"


class _Planted:
    """Unpickling this runs code: what a crafted entry would try."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def test_objects_round_trip_and_planted_pickles_are_never_loaded(
    store: Cache, tmp_path: Path
) -> None:
    key = store.key("archive", "inputs")
    store.put_object("archive", key, {"kept": (1, 2)})
    assert store.get_object("archive", key, dict) == {"kept": (1, 2)}
    assert store.get_object("archive", key, list) is None  # not the kind asked for
    # A record of that key whose pickle would run code, not signed by this machine:
    # never unpickled.
    marker = tmp_path / "ran"
    data = pickle.dumps(_Planted(marker))
    other = Cache(store.directory, secret=b"another machine's secret key....")
    for mac in (b"\0" * 32, other._mac("archive", cache_module._PICKLE, key, data)):
        planted = Cache(tmp_path / "planted", version="1.0", fingerprint="code", secret=SECRET)
        _plant(planted, _record("archive", key, data, mac=mac, kind=cache_module._PICKLE))
        assert planted.get_object("archive", key, object) is None
        assert not marker.exists()
        planted.close()


class _SeesCollector:
    """Notes whether the cyclic garbage collector runs while it is pickled or unpickled."""

    seen: ClassVar[list[bool]] = []

    def __reduce__(self) -> tuple[object, tuple[()]]:
        _SeesCollector.seen.append(gc.isenabled())
        return (_SeesCollector._made, ())

    @staticmethod
    def _made() -> _SeesCollector:
        _SeesCollector.seen.append(gc.isenabled())
        return _SeesCollector()


def test_objects_are_pickled_and_unpickled_with_the_collector_paused(store: Cache) -> None:
    """A model is a million objects and no cycle: a collection meanwhile only costs."""
    key = store.key("archive", "collector")
    _SeesCollector.seen = []
    assert gc.isenabled()
    store.put_object("archive", key, _SeesCollector())
    assert isinstance(store.get_object("archive", key, _SeesCollector), _SeesCollector)
    assert _SeesCollector.seen == [False, False]
    assert gc.isenabled()  # and turned on again
    gc.disable()
    try:  # a caller that had paused it finds it paused still
        store.put_object("archive", key, _SeesCollector())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_forked_process_reads_its_parents_pack_and_writes_its_own(tmp_path: Path) -> None:
    """The build's helpers are forked with the build's cache: what the parent appends
    after the fork is found, and the child's records go to a pack of its own."""
    import multiprocessing

    store = _cache(tmp_path)
    store.put("pages", store.key("pages", "before"), "before")
    (parent_pack,) = _packs(store)
    context = multiprocessing.get_context("fork")
    go, answers = context.Event(), context.SimpleQueue()

    def child() -> None:
        go.wait(10)
        store._refreshed = float("-inf")  # as if REFRESH_SECONDS had passed
        answers.put(
            (
                store.get("pages", store.key("pages", "before")),
                store.get("pages", store.key("pages", "after")),
            )
        )
        store.put("pages", store.key("pages", "child"), "child")
        answers.put("written")

    process = context.Process(target=child)
    process.start()
    store.put("pages", store.key("pages", "after"), "after")
    size = parent_pack.stat().st_size
    go.set()
    assert answers.get() == ("before", "after")
    assert answers.get() == "written"
    process.join(10)
    assert parent_pack.stat().st_size == size  # nothing of the child's in the parent's pack
    assert len(_packs(store)) == 2
    assert _cache(tmp_path).get("pages", store.key("pages", "child")) == "child"
    store.close()


def test_an_entry_kept_without_being_read_survives_the_sweep(tmp_path: Path) -> None:
    """A helper process wrote it and the build never read it: ``keep`` counts it as used."""
    writer = _cache(tmp_path)
    for name in ("kept", "stale"):
        writer.put("pages", writer.key("pages", name), name)
    writer.close()
    sweeper = _cache(tmp_path)
    sweeper.keep("pages", sweeper.key("pages", "kept"))
    assert sweeper.sweep() == 1
    after = _cache(tmp_path)
    assert after.get("pages", after.key("pages", "kept")) == "kept"
    assert after.get("pages", after.key("pages", "stale")) is None
