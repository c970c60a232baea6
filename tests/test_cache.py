"""The on-disk cache: hits, misses on any input change, corrupt entries, version bumps."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from annotary import cache as cache_module
from annotary import pipeline
from annotary.cache import CACHE_DIR, Cache, code_fingerprint, machine_secret, secret_path
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


def _entry(store: Cache, namespace: str, key: str) -> Path:
    return store.directory / namespace / key[:2] / f"{key}.json"


# --- The store ---------------------------------------------------------------------------


def test_hit_after_put(store: Cache) -> None:
    key = store.key("pages", "html", "slug")
    assert store.get("pages", key) is None
    store.put("pages", key, {"html": "<p>é</p>", "ids": ["a"]})
    assert store.get("pages", key) == {"html": "<p>é</p>", "ids": ["a"]}
    assert (store.hits, store.misses) == (1, 1)
    # written atomically: no temporary file is left beside the entry
    assert [p.name for p in _entry(store, "pages", key).parent.iterdir()] == [f"{key}.json"]


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


def _planted(
    store: Cache, key: str, secret: bytes, value: bytes, changes: dict[str, object] | None = None
) -> bytes:
    """An entry made as :meth:`Cache.put` makes one, with ``secret`` and header ``changes``."""
    signer = Cache(store.directory, secret=secret)
    fields = {"format": 1, "key": key, "mac": signer._mac(key, value), **(changes or {})}
    return json.dumps(fields).encode() + b"\n" + value


@pytest.mark.parametrize(
    "make",
    [
        lambda store, key: b"",
        lambda store, key: b"{not json",
        lambda store, key: b"\xff\xfe garbage\n\xff",
        lambda store, key: b"[1, 2]\n[3]",
        lambda store, key: _planted(store, key, SECRET, b'"x"', {"key": None}),
        lambda store, key: _planted(store, key, SECRET, b'"x"', {"key": "0" * 64}),
        lambda store, key: _planted(store, key, SECRET, b'"x"', {"format": 999}),
        lambda store, key: _planted(store, key, SECRET, b'"x"', {"mac": None}),
        lambda store, key: _planted(store, key, SECRET, b'"x') + b"truncated",
        lambda store, key: _planted(store, key, SECRET, b"{not json"),
        # a crafted entry committed to the repo: right layout, but not this machine's
        lambda store, key: _planted(store, key, b"p" * 32, b'"<script>alert(1)</script>"'),
    ],
    ids=[
        "empty",
        "not-json",
        "not-utf8",
        "no-header",
        "no-key",
        "other-key",
        "other-format",
        "no-mac",
        "truncated",
        "value-not-json",
        "planted",
    ],
)
def test_corrupt_foreign_or_planted_entries_are_misses(store: Cache, make: object) -> None:
    key = store.key("pages", "x")
    path = _entry(store, "pages", key)
    path.parent.mkdir(parents=True)
    path.write_bytes(make(store, key))  # type: ignore[operator]
    assert store.get("pages", key) is None
    # and get_or_compute repairs it
    assert store.get_or_compute("pages", ("x",), lambda: "fresh", lambda v: True) == "fresh"
    assert store.get("pages", key) == "fresh"


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


def test_sweep_removes_only_unused_entries(tmp_path: Path) -> None:
    first = Cache(tmp_path, fingerprint="code", secret=SECRET)
    for name in ("kept", "stale"):
        first.put("pages", first.key("pages", name), name)
    other = first.key("markdown", "untouched namespace")
    first.put("markdown", other, "m")
    stray = tmp_path / "pages" / "README.txt"
    stray.write_text("not an entry")

    second = Cache(tmp_path, fingerprint="code", secret=SECRET)
    assert second.get("pages", second.key("pages", "kept")) == "kept"
    assert second.sweep() == 1
    assert second.get("pages", second.key("pages", "stale")) is None
    assert second.get("pages", second.key("pages", "kept")) == "kept"
    assert second.get("markdown", other) == "m"
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
    assert (repo.root / CACHE_DIR / "anchors").is_dir()
    assert (repo.root / CACHE_DIR / "markdown").is_dir() is not plain
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
    entries = list((repo.root / CACHE_DIR / "anchors").rglob("*.json"))
    assert entries
    for path in entries:
        header, _, data = path.read_bytes().partition(b"\n")
        value = json.loads(data)
        for result in value.values():
            result["start"], result["end"] = 10**9, -1  # shaped right, offsets impossible
            result["state"] = "exact"
        data = json.dumps(value).encode()
        mac = store._mac(path.stem, data)  # signed as this machine would: only the shape is off
        header = json.dumps({**json.loads(header), "mac": mac}).encode()
        path.write_bytes(header + b"\n" + data)
    assert _summary(repo.root, Cache.for_root(repo.root)) == expected


def test_markdown_settings_that_are_not_data_are_not_cached(repo: Repo) -> None:
    config = MarkdownConfig(("toc",), {"toc": {"slugify": lambda value, sep: value}})
    assert pipeline.markdown_fingerprint(config) is None
    store = Cache.for_root(repo.root)
    check_archive(repo.root, config, cache=store)
    assert not (repo.root / CACHE_DIR / "markdown").exists()
    assert (repo.root / CACHE_DIR / "anchors").is_dir()


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
    path = _entry(store, "pages", key)
    path.parent.mkdir(parents=True)
    path.write_bytes(_planted(store, key, SECRET, b'"x"'))
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
    # A file of the right name whose pickle would run code, with a header that is
    # not this machine's: never unpickled.
    marker = tmp_path / "ran"
    data = pickle.dumps(_Planted(marker))
    path = store._path("archive", key, ".pickle")
    header = {"format": cache_module.CACHE_FORMAT, "key": key, "mac": "0" * 64}
    path.write_bytes(json.dumps(header).encode() + b"\n" + data)
    assert store.get_object("archive", key, object) is None
    assert not marker.exists()
    # The same bytes signed by another machine's key: still refused.
    other = Cache(store.directory, secret=b"another machine's secret key....")
    header["mac"] = other._mac(key, data)
    path.write_bytes(json.dumps(header).encode() + b"\n" + data)
    assert store.get_object("archive", key, object) is None
    assert not marker.exists()
