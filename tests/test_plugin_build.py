"""The plugin's two ways of not doing work twice, held to the result of a full build.

- The cache (``.cache/annotary``): a build where nothing changed reads every
  article page back; a build after an edit must still show the edit.
- ``mkdocs serve --dirty`` (``./scripts/serve``): a rebuild after an edit
  redoes only the pages the edit touches. Whatever it skips must be exactly
  what a full build would have written anyway.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from annotary import mkdocs_plugin, mkdocs_render
from annotary.cache import CACHE_DIR, PACKS_DIR, Cache
from annotary.mkdocs_plugin import _cpus, article_slug
from conftest import ANNOTATIONS, ARTICLE, REPO

SERVE_URL = "http://127.0.0.1:8000/"
TOKEN = "zebrafinchtoken"


def make_archive(root: Path) -> Path:
    """The repo's seed plus a second, small article that names two of its sources."""
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("docs", "annotations", "overrides"):
        shutil.copytree(REPO / folder, root / folder)
    (root / "docs" / "articles" / "test-article.md").write_text(ARTICLE, encoding="utf-8")
    (root / "annotations" / "test-article.yml").write_text(ANNOTATIONS, encoding="utf-8")
    return root


def run_build(root: Path, site: Path, *, dirty: bool, cache: bool = True) -> None:
    os.environ["ANNOTARY_CACHE"] = "true" if cache else "false"
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
        config.plugins.on_startup(command="serve" if dirty else "build", dirty=dirty)
        build(config, serve_url=SERVE_URL if dirty else None, dirty=dirty)
    finally:
        del os.environ["ANNOTARY_CACHE"]


def hashed(site: Path, pattern: str) -> dict[str, str]:
    """The files of a built site that ``pattern`` matches, each with a hash of its bytes."""
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob(pattern))
        if p.is_file()
    }


def pages(site: Path) -> dict[str, str]:
    return hashed(site, "*.html")


def exports(site: Path) -> dict[str, str]:
    """The W3C collections of a built site (each article's and the archive's)."""
    return hashed(site, "*.jsonld")


def rewritten(before: dict[str, int], after: dict[str, int]) -> set[str]:
    """The pages written since ``before`` (both :func:`mtimes`)."""
    return {name for name in after if after[name] != before.get(name)}


def mtimes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def edit(root: Path) -> None:
    """A new note and another verdict on the small article's claim."""
    path = root / "annotations" / "test-article.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "    status: unverified\n",
        f"    status: disputed\n    note: The {TOKEN} says otherwise.\n",
        1,
    )
    path.write_text(text, encoding="utf-8")


def add_note(root: Path) -> None:
    """A note on the small article's claim: no listing shows it."""
    path = root / "annotations" / "test-article.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    status: unverified\n", f"    status: unverified\n    note: {TOKEN}\n", 1),
        encoding="utf-8",
    )


@pytest.fixture
def quiet() -> Iterator[None]:
    """MkDocs warns that a dirty build may be inaccurate: that is what is tested here."""
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_a_dirty_rebuild_redoes_only_what_the_edit_touches(tmp_path: Path, quiet: None) -> None:
    root = make_archive(tmp_path / "repo")
    site = tmp_path / "served"
    run_build(root, site, dirty=True)
    before = mtimes(site)
    edit(root)
    run_build(root, site, dirty=True)
    after = mtimes(site)
    written = rewritten(before, after)

    assert TOKEN in (site / "articles/test-article/index.html").read_text(encoding="utf-8")
    assert {
        "articles/test-article/index.html",
        "index.html",  # the home list counts the verdicts
        "sources/western-officials/index.html",  # the claim is attributed to them
        "claims/index.html",
    } <= written
    assert "articles/north-korean-troops-kursk/index.html" not in written
    assert "sources/hamish-de-bretton-gordon/index.html" not in written
    assert len(written) < len(after) / 2, sorted(written)

    # What was skipped is what a full build writes anyway.
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    full_pages, served_pages = pages(full), pages(site)
    assert served_pages.keys() == full_pages.keys()
    assert [n for n in full_pages if full_pages[n] != served_pages[n]] == []


def test_a_warm_build_shows_an_edit_and_equals_an_uncached_one(tmp_path: Path, quiet: None) -> None:
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    assert cache_entries(root, "article-page")
    assert len(cache_entries(root, "archive")) == 1  # no helper here: the build stores it
    warm = tmp_path / "warm"
    run_build(root, warm, dirty=False)
    assert pages(warm) == pages(tmp_path / "cold")
    assert search_index(warm) == search_index(tmp_path / "cold")

    edit(root)
    run_build(root, warm, dirty=False)
    assert TOKEN in (warm / "articles/test-article/index.html").read_text(encoding="utf-8")
    assert TOKEN in json.dumps(search_index(warm))  # the note is found by search
    uncached = tmp_path / "uncached"
    run_build(root, uncached, dirty=False, cache=False)
    assert pages(warm) == pages(uncached)
    assert search_index(warm) == search_index(uncached)
    collection = "annotations.jsonld"  # read back from the cache when no item changed
    assert (warm / collection).read_bytes() == (uncached / collection).read_bytes()
    assert TOKEN in (warm / collection).read_text(encoding="utf-8")
    run_build(root, warm, dirty=False)
    assert cache_entries(root, "archive-export")
    assert (warm / collection).read_bytes() == (uncached / collection).read_bytes()


def test_the_search_plugin_strips_nothing_from_an_indexed_article(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once an article is in the search index, its page holds no text until the plugin
    gives it its content: Material's strip of ``data-search-*`` attributes, a regular
    expression tried at every character of every page, has nothing to read."""
    import re as re_module
    from types import SimpleNamespace

    from material.plugins.search import plugin as search_plugin

    stripped: list[int] = []

    def sub(pattern: str, replacement: str, text: str) -> str:
        if "data-search-" in pattern:
            stripped.append(len(text))
        return re_module.sub(pattern, replacement, text)

    spy = SimpleNamespace(**{name: getattr(re_module, name) for name in dir(re_module)})
    spy.sub = sub
    monkeypatch.setattr(search_plugin, "re", spy)
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    pages_count = len(pages(tmp_path / "cold")) - 1  # 404.html is not a page
    assert len(stripped) == pages_count
    assert stripped.count(0) == 2  # the two articles
    uncached = tmp_path / "uncached"
    run_build(root, uncached, dirty=False, cache=False)
    assert pages(tmp_path / "cold") == pages(uncached)
    assert search_index(tmp_path / "cold") == search_index(uncached)


def test_the_plugins_order_in_mkdocs_yml_changes_nothing(tmp_path: Path, quiet: None) -> None:
    """annotary listed before Material's search: its page hooks still run after the
    search plugin's (by their priority), so the pages and the index are the same."""
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "search-first", dirty=False)
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    plugins = text.index("plugins:\n  - search\n")  # then annotary's lines, then a blank one
    swapped = text.replace("plugins:\n  - search\n", "plugins:\n", 1)
    block_end = swapped.index("\n\n", plugins)
    swapped = swapped[:block_end] + "\n  - search" + swapped[block_end:]
    assert "plugins:\n  - annotary:" in swapped
    assert "\n  - search\n\n" in swapped
    config.write_text(swapped, encoding="utf-8")
    shutil.rmtree(root / CACHE_DIR)
    run_build(root, tmp_path / "annotary-first", dirty=False)
    assert pages(tmp_path / "annotary-first") == pages(tmp_path / "search-first")
    assert search_index(tmp_path / "annotary-first") == search_index(tmp_path / "search-first")


def search_index(site: Path) -> object:
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_without_the_cache_nothing_is_written_to_the_repo(tmp_path: Path, quiet: None) -> None:
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "site", dirty=False, cache=False)
    assert not (root / ".cache").exists()


def test_a_note_edit_rebuilds_the_article_alone(tmp_path: Path, quiet: None) -> None:
    """Listings show passages, verdicts, tags and sources: a new note changes none."""
    root = make_archive(tmp_path / "repo")
    site = tmp_path / "served"
    run_build(root, site, dirty=True)
    before = mtimes(site)
    add_note(root)
    run_build(root, site, dirty=True)
    after = mtimes(site)
    written = rewritten(before, after)
    assert written - {"404.html"} == {"articles/test-article/index.html"}  # MkDocs: 404 always
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


def test_a_renamed_source_rebuilds_every_page(tmp_path: Path, quiet: None) -> None:
    root = make_archive(tmp_path / "repo")
    site = tmp_path / "served"
    run_build(root, site, dirty=True)
    sources = root / "annotations" / "sources.yml"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("name: BBC News", "name: BBC World News", 1),
        encoding="utf-8",
    )
    run_build(root, site, dirty=True)
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


def site_files(site: Path) -> dict[str, str]:
    """Every file of a built site and a hash of its bytes (not the gzipped sitemap,
    whose header holds the time it was written)."""
    return {name: digest for name, digest in hashed(site, "*").items() if not name.endswith(".gz")}


@pytest.mark.parametrize("setting", ["exclude_docs", "draft_docs"])
def test_an_article_the_site_leaves_out_is_named_by_no_page(
    tmp_path: Path, quiet: None, setting: str
) -> None:
    """An article ``exclude_docs`` names (or ``draft_docs``, in a build) has no page,
    and no listing, feed, search entry or W3C file names it: the site is the one
    built without its files."""
    left_out = make_archive(tmp_path / "left-out")
    with (left_out / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write(f"{setting}: |\n  articles/test-article.md\n")
    run_build(left_out, tmp_path / "site-left-out", dirty=False)
    without = make_archive(tmp_path / "without")
    (without / "docs" / "articles" / "test-article.md").unlink()
    (without / "annotations" / "test-article.yml").unlink()
    run_build(without, tmp_path / "site-without", dirty=False)
    built = site_files(tmp_path / "site-left-out")
    assert not any(name.startswith("articles/test-article/") for name in built)
    assert any(name.startswith("articles/") and name.endswith("index.html") for name in built)
    assert built == site_files(tmp_path / "site-without")


def test_under_serve_a_draft_article_is_shown_and_listed(tmp_path: Path, quiet: None) -> None:
    """``mkdocs serve`` shows drafts, as MkDocs does: the page and the home list's entry."""
    root = make_archive(tmp_path / "repo")
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("draft_docs: |\n  articles/test-article.md\n")
    site = tmp_path / "site"
    run_build(root, site, dirty=True)
    assert (site / "articles" / "test-article" / "index.html").is_file()
    assert 'href="articles/test-article/"' in (site / "index.html").read_text(encoding="utf-8")


def make_helped_archive(root: Path) -> Path:
    """The test archive and 60 copies of its article: enough for the helper processes."""
    make_archive(root)
    for number in range(60):
        slug = f"copy-{number:02d}"
        (root / "docs" / "articles" / f"{slug}.md").write_text(ARTICLE, encoding="utf-8")
        (root / "annotations" / f"{slug}.yml").write_text(
            ANNOTATIONS.replace("article: test-article", f"article: {slug}"), encoding="utf-8"
        )
    return root


def test_a_cold_build_starts_the_article_helper_before_mkdocs_lists_the_files(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An archive read from its files has its article helper forked in on_pre_build,
    before on_files; one read from the cache waits for on_files (every page may be
    in the cache too). Articles that link to other pages of the site are rendered
    by the build (the helper's list of files is not the build's): the same site."""
    root = make_helped_archive(tmp_path / "repo")
    articles = root / "docs" / "articles"
    for slug, link in (("copy-05", "../index.md"), ("copy-50", "test-article.md")):
        page = articles / f"{slug}.md"
        page.write_text(page.read_text("utf-8") + f"\nSee [this]({link}).\n", "utf-8")
    running: list[bool] = []  # at each build's on_files: is an article helper running?
    on_files = mkdocs_plugin.AnnotaryPlugin.on_files

    def recorded(self: Any, files: Any, /, *, config: Any) -> Any:
        running.append(self.helper is not None)
        return on_files(self, files, config=config)

    monkeypatch.setattr(mkdocs_plugin.AnnotaryPlugin, "on_files", recorded)
    helped = _cpus() >= 2
    run_build(root, tmp_path / "cold", dirty=False)
    assert running == [helped]
    run_build(root, tmp_path / "uncached", dirty=False, cache=False)
    assert pages(tmp_path / "cold") == pages(tmp_path / "uncached")
    assert "this</a>" in (tmp_path / "cold/articles/copy-05/index.html").read_text("utf-8")

    # the same files, another site address: the archive from the cache, not every page
    monkeypatch.setenv("ANNOTARY_SITE_URL", "https://example.org/archive/")
    caplog.clear()
    with caplog.at_level(logging.INFO, "mkdocs.plugins.annotary"):
        run_build(root, tmp_path / "moved", dirty=False)
    assert running == [helped, False, False]  # (the uncached build had no helper at all)
    ahead = [r.getMessage() for r in caplog.records if "article page(s) ahead" in r.getMessage()]
    assert len(ahead) == (1 if helped else 0), ahead  # started there


@pytest.mark.parametrize(
    ("command", "enabled", "frozen"),
    [("build", "true", True), ("gh-deploy", "true", True), ("serve", "true", False),
     ("build", "false", False)],
)  # fmt: skip
def test_the_build_leaves_what_it_made_to_the_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, enabled: str, frozen: bool
) -> None:
    """MkDocs calls on_shutdown before exiting: what lives is frozen, and the collection
    Python makes on its way out scans none of it. Not under serve, nor when disabled."""
    root = make_archive(tmp_path / "repo")
    monkeypatch.setenv("ANNOTARY_ENABLED", enabled)
    config = load_config(config_file=str(root / "mkdocs.yml"))
    gc.unfreeze()
    try:
        config.plugins.on_startup(command=command, dirty=False)
        config.plugins.on_shutdown()
        count = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # this test process goes on
    assert (count > 0) is frozen


def test_the_loaded_model_is_frozen_before_the_collector_scans_it(
    tmp_path: Path, quiet: None
) -> None:
    """Loading makes every object of the model with the collector paused; its first
    pass after that would scan them all (80 ms at 1,000 articles) just before the
    freeze that spares them every later pass."""
    root = make_archive(tmp_path / "repo")
    config = load_config(config_file=str(root / "mkdocs.yml"))
    before_freeze: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and gc.get_freeze_count() == 0:
            before_freeze.append(info["generation"])

    config.plugins.on_startup(command="build", dirty=False)
    plugin = config.plugins["annotary"]
    gc.unfreeze()
    gc.collect()  # the counts start from nothing: no pass is due before loading
    gc.callbacks.append(watch)
    try:
        plugin.on_config(config)
        frozen = gc.get_freeze_count()
    finally:
        gc.callbacks.remove(watch)
        config.plugins.on_build_error(error=RuntimeError("only on_config here"))
        gc.unfreeze()  # this test process goes on
    assert frozen > 0
    assert before_freeze == []


def test_a_helper_that_fails_changes_nothing_and_prints_nothing(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Whatever goes wrong in a helper process, the build computes what is missing itself."""
    root = make_helped_archive(tmp_path / "repo")
    build = os.getpid()

    def broken_in_a_helper(method: Callable[..., Any]) -> Callable[..., Any]:
        def broken(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() != build:
                raise RuntimeError("a helper failed")
            return method(*args, **kwargs)

        return broken

    plugin = mkdocs_plugin.AnnotaryPlugin
    monkeypatch.setattr(plugin, "_render_ahead", broken_in_a_helper(plugin._render_ahead))
    monkeypatch.setattr(plugin, "_write_exports", broken_in_a_helper(plugin._write_exports))
    prepare = mkdocs_plugin.prepare_pages
    monkeypatch.setattr(mkdocs_plugin, "prepare_pages", broken_in_a_helper(prepare))
    run_build(root, tmp_path / "helped", dirty=False)
    assert "Traceback" not in capfd.readouterr().err
    run_build(root, tmp_path / "alone", dirty=False, cache=False)
    assert pages(tmp_path / "helped") == pages(tmp_path / "alone")
    assert exports(tmp_path / "helped") == exports(tmp_path / "alone")


def test_the_helper_process_renders_ahead_and_changes_nothing(
    tmp_path: Path, quiet: None, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build of 60 articles forks a helper (two or more CPUs); same site as without.
    The helper also stores the loaded archive, once its articles are done; a second
    helper makes pages' theme output ahead while MkDocs builds them."""
    root = make_helped_archive(tmp_path / "repo")
    # The build races its helpers; a small archive is built before a busy machine has
    # even started one. Slowed down, the build is sure to leave them something to do.
    build = os.getpid()
    plugin = mkdocs_plugin.AnnotaryPlugin

    def slowed(method: Callable[..., Any]) -> Callable[..., Any]:
        def slow(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() == build:
                time.sleep(0.01)
            return method(*args, **kwargs)

        return slow

    swept: list[set[str]] = []  # what the build's sweep counted as used, of the W3C file
    sweep = Cache.sweep

    def counted(self: Cache) -> int:
        swept.append(set(self._used.get("archive-export", ())))
        return sweep(self)

    refingerprinted: list[str] = []  # articles whose model the build's process digests

    def fingerprint_counted(article: Any, *args: Any) -> str:
        if os.getpid() == build:
            refingerprinted.append(article.slug)
        return fingerprint(article, *args)

    fingerprint = mkdocs_plugin.inputs_fingerprint
    with monkeypatch.context() as slower, caplog.at_level(logging.INFO, "mkdocs.plugins.annotary"):
        slower.setattr(plugin, "on_page_content", slowed(plugin.on_page_content))
        slower.setattr(plugin, "_page_output", slowed(plugin._page_output))
        slower.setattr(Cache, "sweep", counted)
        slower.setattr(mkdocs_plugin, "inputs_fingerprint", fingerprint_counted)
        run_build(root, tmp_path / "helped", dirty=False)
    # each article's fingerprint is the digest of its files made where they were read
    # (the build's process or a loading worker): were one lost on the way, or not of
    # the objects the archive holds, the build would digest that article's model
    assert refingerprinted == []
    ahead = [r.getMessage() for r in caplog.records if "rendered" in r.getMessage()]
    themed = [r.getMessage() for r in caplog.records if "theme output ahead" in r.getMessage()]
    if _cpus() >= 2:
        assert len(ahead) == 1, ahead
        assert int(ahead[0].split("rendered ")[1].split()[0]) > 0, ahead
        assert len(themed) == 1, themed
        assert int(themed[0].split("made ")[1].split()[0]) > 0, themed
    else:
        assert ahead == []
        assert themed == []
    assert len(cache_entries(root, "archive")) == 1
    # the template helper wrote the W3C files; the archive's is kept for the next build
    assert len(cache_entries(root, "archive-export")) == 1
    assert swept == [cache_entries(root, "archive-export")]
    run_build(root, tmp_path / "alone", dirty=False, cache=False)
    assert pages(tmp_path / "helped") == pages(tmp_path / "alone")
    assert exports(tmp_path / "helped") == exports(tmp_path / "alone")
    articles = list((root / "docs" / "articles").glob("*.md"))
    assert len(exports(tmp_path / "helped")) == len(articles) + 1  # and the archive's

    # the same files again: every page is in the cache, no helper is started, and the
    # archive is not loaded from its files
    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the archive was loaded again")

    monkeypatch.setattr(mkdocs_plugin, "load_archive_in_workers", not_again)
    monkeypatch.setattr(mkdocs_plugin, "load_archive_fingerprinted", not_again)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.annotary"):
        run_build(root, tmp_path / "again", dirty=False)
    assert [r for r in caplog.records if "ahead" in r.getMessage()] == []
    assert pages(tmp_path / "again") == pages(tmp_path / "alone")
    assert exports(tmp_path / "again") == exports(tmp_path / "alone")


class Server:
    """What the plugin's ``on_serve`` uses of MkDocs' live-reload server."""

    def __init__(self, rebuild: Callable[[], None]) -> None:
        self.builder = rebuild


class LoopServer(Server):
    """With what MkDocs' server has for another round of its build loop."""

    def __init__(self, rebuild: Callable[[], None]) -> None:
        super().__init__(rebuild)
        self._rebuild_cond = threading.Condition()
        self._want_rebuild = False


def serve(tmp_path: Path, kind: type[Server] = Server) -> tuple[Path, Path, Server, list[str]]:
    """The test archive (its root) after a first ``mkdocs serve --dirty`` build (into the
    returned site), and the server's builder after the plugin wrapped it; the list
    records each time MkDocs' own rebuild runs."""
    root = make_archive(tmp_path / "repo")
    site = tmp_path / "served"
    rebuilds: list[str] = []

    def rebuild() -> None:
        rebuilds.append("rebuild")
        run_build(root, site, dirty=True)

    os.environ["ANNOTARY_CACHE"] = "true"
    try:
        config = load_config(config_file=str(root / "mkdocs.yml"), site_dir=str(site))
        config.plugins.on_startup(command="serve", dirty=True)
        build(config, serve_url=SERVE_URL, dirty=True)
        server = config.plugins.on_serve(kind(rebuild), config=config, builder=rebuild)
    finally:
        del os.environ["ANNOTARY_CACHE"]
    return root, site, server, rebuilds


def test_a_note_edit_under_serve_rewrites_the_article_page_in_place(
    tmp_path: Path, quiet: None
) -> None:
    root, site, server, rebuilds = serve(tmp_path)
    before = mtimes(site)
    add_note(root)
    server.builder()
    assert rebuilds == []  # MkDocs did not walk the site
    after = mtimes(site)
    assert rewritten(before, after) == {"articles/test-article/index.html"}
    assert TOKEN in (site / "articles/test-article/index.html").read_text(encoding="utf-8")
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)
    export = json.loads((site / "articles/test-article/annotations.jsonld").read_text("utf-8"))
    assert TOKEN in json.dumps(export)


def test_a_verdict_edit_under_serve_rewrites_its_listings_in_place(
    tmp_path: Path, quiet: None
) -> None:
    root, site, server, rebuilds = serve(tmp_path)
    before = mtimes(site)
    edit(root)
    server.builder()
    assert rebuilds == []
    after = mtimes(site)
    written = rewritten(before, after)
    assert {
        "articles/test-article/index.html",
        "index.html",
        "sources/western-officials/index.html",
        "claims/index.html",
        "claims/disputed/index.html",
    } <= written
    assert "articles/north-korean-troops-kursk/index.html" not in written
    assert "sources/hamish-de-bretton-gordon/index.html" not in written
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)

    # a second edit, back to the first verdict, is shown in place as well
    edit_back = (root / "annotations" / "test-article.yml").read_text(encoding="utf-8")
    (root / "annotations" / "test-article.yml").write_text(
        edit_back.replace("status: disputed", "status: supported", 1), encoding="utf-8"
    )
    server.builder()
    assert rebuilds == []
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


@pytest.mark.parametrize(
    "change",
    ["article text", "config", "new annotation file", "error", "sources"],
)
def test_under_serve_other_edits_get_the_full_rebuild(
    tmp_path: Path, quiet: None, change: str
) -> None:
    root, site, server, rebuilds = serve(tmp_path)
    annotations = root / "annotations" / "test-article.yml"
    if change == "article text":
        article = root / "docs" / "articles" / "test-article.md"
        article.write_text(article.read_text("utf-8") + f"\n{TOKEN}\n", encoding="utf-8")
    elif change == "config":
        config = root / "mkdocs.yml"
        config.write_text(
            config.read_text("utf-8").replace("site_name: Annotary", f"site_name: {TOKEN}", 1),
            encoding="utf-8",
        )
    elif change == "new annotation file":
        (root / "docs" / "articles" / "second.md").write_text(ARTICLE, encoding="utf-8")
        (root / "annotations" / "second.yml").write_text(
            ANNOTATIONS.replace("article: test-article", "article: second"), encoding="utf-8"
        )
    elif change == "error":
        annotations.write_text(
            annotations.read_text("utf-8").replace("status: unverified", "status: maybe", 1),
            encoding="utf-8",
        )
    else:
        sources = root / "annotations" / "sources.yml"
        sources.write_text(
            sources.read_text("utf-8").replace("name: BBC News", f"name: {TOKEN}", 1),
            encoding="utf-8",
        )
    if change == "error":
        with pytest.raises(Abort):  # what MkDocs makes of the plugin's error
            server.builder()
        assert rebuilds == ["rebuild"]
        # fixed, with a new note: shown in place, as if the error had never been
        annotations.write_text(
            annotations.read_text("utf-8").replace(
                "status: maybe", f"status: unverified\n    note: {TOKEN}", 1
            ),
            encoding="utf-8",
        )
        server.builder()
        assert rebuilds == ["rebuild"]
        assert TOKEN in (site / "articles/test-article/index.html").read_text(encoding="utf-8")
        full = tmp_path / "full"
        run_build(root, full, dirty=False, cache=False)
        assert pages(site) == pages(full)
        return
    server.builder()
    assert rebuilds == ["rebuild"]
    if change == "config":  # MkDocs' dirty rebuild decides what a config edit redoes
        return
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


def test_a_build_after_serve_finds_the_article_pages_serve_made(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` and ``build`` key an article page alike, by the digest of its files made
    where they are read: neither digests the model, and a build after serve renders no
    article again."""
    root = make_archive(tmp_path / "repo")
    digested: list[str] = []
    fingerprint = mkdocs_plugin.inputs_fingerprint

    def counted(article: Any, *args: Any) -> str:
        digested.append(article.slug)
        return fingerprint(article, *args)

    monkeypatch.setattr(mkdocs_plugin, "inputs_fingerprint", counted)
    run_build(root, tmp_path / "served", dirty=True)
    made = cache_entries(root, "article-page")
    assert len(made) == len(list((root / "docs" / "articles").glob("*.md")))
    run_build(root, tmp_path / "built", dirty=False)
    assert cache_entries(root, "article-page") == made
    assert digested == []


def test_a_warm_build_renders_no_article_markdown_yet_warns_and_links_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """MkDocs' rendering of an article comes back from the cache with its table of
    contents, anchors and warnings; a link's target going away is seen."""
    root = make_archive(tmp_path / "repo")
    article = root / "docs" / "articles" / "test-article.md"
    article.write_text(
        article.read_text("utf-8")
        + "\n## Further reading\n\nSee [the other article](north-korean-troops-kursk.md#top)"
        " and [a lost page](../lost.md).\n",
        encoding="utf-8",
    )

    def built(site: str, *, fails: bool) -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="mkdocs"):
            if fails:  # mkdocs.yml is strict: the broken link stops every build
                with pytest.raises(Abort):
                    run_build(root, tmp_path / site, dirty=False)
            else:
                run_build(root, tmp_path / site, dirty=False)
        return [
            f"{r.levelname}: {r.getMessage()}"
            for r in caplog.records
            if r.levelno >= logging.INFO and "test-article.md" in r.getMessage()
        ]

    cold = built("cold", fails=True)
    assert any("lost.md" in m for m in cold), cold
    assert any("#top" in m for m in cold), cold  # no such anchor in the other article
    assert len(cache_entries(root, "markdown-render")) == 2  # one per article
    packs = cache_packs(root)
    assert built("warm", fails=True) == cold
    assert cache_packs(root) == packs  # read, not rendered (nor written) again

    # the file the link named appears: that article renders again, without the warning
    (root / "docs" / "lost.md").write_text("# Found\n", encoding="utf-8")
    found = built("found", fails=False)
    assert not any("lost.md" in m for m in found), found
    assert any("#top" in m for m in found), found
    packs = cache_packs(root)
    assert built("warm", fails=False) == found
    assert cache_packs(root) == packs
    assert pages(tmp_path / "warm") == pages(tmp_path / "found")
    page = (tmp_path / "warm" / "articles/test-article/index.html").read_text("utf-8")
    assert 'href="#further-reading"' in page  # the table of contents came back
    uncached = tmp_path / "uncached"
    run_build(root, uncached, dirty=False, cache=False)
    assert pages(tmp_path / "found") == pages(uncached)


def test_a_cache_entry_gone_during_the_build_stops_it_with_a_clear_error(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A page read from the cache is read again when the theme needs it (its output was
    not remembered); if the entry vanished meanwhile, the build says so instead of
    writing a wrong page."""
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    monkeypatch.setattr(mkdocs_plugin, "cached_page", lambda cache, key: None)
    # the output remembered without the content (which is gone), then not remembered
    for output_remembered in (True, False):
        if not output_remembered:  # as if cleared
            monkeypatch.setattr(mkdocs_render.PageOutputs, "get", lambda self, key: None)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="mkdocs"), pytest.raises(Abort):
            run_build(root, tmp_path / "warm", dirty=False)
        assert any("went missing during the build" in r.getMessage() for r in caplog.records)


def test_a_pages_output_is_remembered_without_its_content(tmp_path: Path, quiet: None) -> None:
    """The theme's output of a page is stored around its content, which an article's
    cached page holds already, and a listing's page holds when the output is looked
    for (the output's key holds its digest); a warm build puts the two together."""
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    cache = Cache.for_root(root)
    try:
        stored = [
            cache.get_object("page-output", key, tuple) for key in cache.entries("page-output")
        ]
    finally:
        cache.close()
    shells = [s for s in stored if s is not None and len(s) == 3]
    wholes = [s for s in stored if s is not None and len(s) == 2]
    articles = [s for s in shells if "annotary-note" in s[0] + s[1]]
    assert articles == []  # no article's list or highlight: its content is not there
    assert len(shells) >= 3  # the two articles' pages and listings'
    for before, after, _head in shells:
        assert before.rstrip().endswith(">")
        assert "</html>" in after
    cold = pages(tmp_path / "cold")
    assert len(shells) + len(wholes) == len(cold) - 1  # 404.html is no page
    run_build(root, tmp_path / "warm", dirty=False)
    assert pages(tmp_path / "warm") == cold


def test_under_serve_the_article_shows_first_and_its_listings_on_the_next_round(
    tmp_path: Path, quiet: None
) -> None:
    """At 10,000 articles the listings of a verdict take seconds: the article does not wait."""
    root, site, server, rebuilds = serve(tmp_path, LoopServer)
    assert isinstance(server, LoopServer)
    before = mtimes(site)
    edit(root)
    server.builder()
    after = mtimes(site)
    assert rewritten(before, after) == {"articles/test-article/index.html"}
    assert server._want_rebuild  # the plugin asked for the next round
    server._want_rebuild = False
    server.builder()
    assert not server._want_rebuild
    assert rebuilds == []
    again = mtimes(site)
    listings = {"claims/index.html", "sources/western-officials/index.html", "index.html"}
    assert listings <= rewritten(after, again)
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


def test_under_serve_a_new_listing_page_goes_to_the_full_rebuild_after_the_article(
    tmp_path: Path, quiet: None
) -> None:
    root, site, server, rebuilds = serve(tmp_path, LoopServer)
    path = root / "annotations" / "test-article.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "    status: unverified\n", "    status: unverified\n    tags: [zebrafinch]\n", 1
        ),
        encoding="utf-8",
    )
    server.builder()
    assert rebuilds == []
    assert "zebrafinch" in (site / "articles/test-article/index.html").read_text("utf-8")
    server.builder()  # the new tag needs a page: MkDocs adds it
    assert rebuilds == ["rebuild"]
    assert (site / "tags/zebrafinch/index.html").is_file()
    full = tmp_path / "full"
    run_build(root, full, dirty=False, cache=False)
    assert pages(site) == pages(full)


def output_entries(root: Path) -> set[str]:
    return cache_entries(root, "page-output")


def cache_entries(root: Path, namespace: str) -> set[str]:
    cache = Cache.for_root(root)
    try:
        return cache.entries(namespace)
    finally:
        cache.close()


def cache_packs(root: Path) -> dict[str, int]:
    """Each pack of the cache with its size: the same after a build that wrote nothing."""
    folder = root / CACHE_DIR / PACKS_DIR
    return {p.name: p.stat().st_size for p in folder.glob("*.pack")}


def test_a_warm_build_reads_pages_output_back_yet_shows_every_site_change(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The theme's output of a page is remembered; a change anywhere the page's HTML
    comes from (the theme's templates, the navigation, a setting, the page) is shown."""
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    remembered = output_entries(root)
    assert len(remembered) == len(pages(tmp_path / "cold")) - 1  # 404.html is no page

    renders: list[str] = []
    template_render = mkdocs_render._RememberedTemplate.render

    def counted(self: Any, *args: Any, **kwargs: Any) -> str:
        page = args[0].get("page") if args else None
        if page is not None:
            renders.append(page.file.src_uri)
        return template_render(self, *args, **kwargs)

    monkeypatch.setattr(mkdocs_render._RememberedTemplate, "render", counted)
    theme_render = jinja2.Template.render
    rendered: list[str] = []

    def theme(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        page = args[0].get("page") if args and isinstance(args[0], dict) else None
        rendered.append(page.file.src_uri if page is not None else str(self.name))
        return theme_render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", theme)
    warm = tmp_path / "warm"
    run_build(root, warm, dirty=False)
    assert pages(warm) == pages(tmp_path / "cold")
    assert renders
    assert not [src for src in rendered if src.endswith(".md")]  # every page read back
    assert output_entries(root) == remembered

    def uncached_equal() -> None:
        rendered.clear()
        run_build(root, warm, dirty=False)
        assert [src for src in rendered if src.endswith(".md")]
        run_build(root, tmp_path / "uncached", dirty=False, cache=False)
        assert pages(warm) == pages(tmp_path / "uncached")

    # the site's own template (custom_dir)
    main = root / "overrides" / "main.html"
    main.write_text(
        main.read_text(encoding="utf-8").replace(
            "{% block extrahead %}", "{% block extrahead %}<!-- zebra-template -->", 1
        ),
        encoding="utf-8",
    )
    uncached_equal()
    assert "zebra-template" in (warm / "articles/test-article/index.html").read_text()
    # a navigation title, drawn on every page
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "- Claims: claims.md", "- Zebra claims: claims.md"
        ),
        encoding="utf-8",
    )
    uncached_equal()
    assert "Zebra claims" in (warm / "articles/test-article/index.html").read_text()
    # a setting of the theme
    config.write_text(
        config.read_text(encoding="utf-8").replace("    - search.highlight\n", ""),
        encoding="utf-8",
    )
    uncached_equal()
    # an article's title (its page's and the home list's)
    article = root / "docs" / "articles" / "test-article.md"
    text = article.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    article.write_text(text.replace(title, "title: Zebra title", 1), encoding="utf-8")
    uncached_equal()
    assert "Zebra title" in (warm / "index.html").read_text()


def add_hooks(root: Path, code: str) -> None:
    """A ``hooks:`` file with ``code``, named in ``mkdocs.yml``."""
    (root / "hooks.py").write_text(code, encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "hooks:\n  - hooks.py\n")


@pytest.mark.parametrize("change", ["plugin", "build-date"])
def test_pages_output_is_not_remembered_where_a_key_could_miss_a_change(
    tmp_path: Path, quiet: None, change: str
) -> None:
    """Another plugin may change any page's context or output; a template naming the
    build's date changes every build."""
    root = make_archive(tmp_path / "repo")
    if change == "plugin":
        add_hooks(
            root,
            "import datetime\n"
            "def on_post_page(output, page, config):\n"
            "    return output.replace('</body>', f'<!-- {datetime.datetime.now()} --></body>')\n",
        )
    else:
        main = root / "overrides" / "main.html"
        main.write_text(
            main.read_text(encoding="utf-8").replace(
                "{% block extrahead %}", "{% block extrahead %}<!-- {{ build_date_utc }} -->", 1
            ),
            encoding="utf-8",
        )
    run_build(root, tmp_path / "one", dirty=False)
    run_build(root, tmp_path / "two", dirty=False)
    assert output_entries(root) == set()
    assert pages(tmp_path / "one") != pages(tmp_path / "two")  # the date differs


def test_pages_output_is_remembered_with_a_hook_that_changes_no_page(
    tmp_path: Path, quiet: None
) -> None:
    """A hook or plugin that handles none of the page events (here: only the end of
    the build) leaves every page's output to the key."""
    root = make_archive(tmp_path / "repo")
    add_hooks(
        root,
        "import pathlib\n"
        "def on_post_build(config):\n"
        "    pathlib.Path(config.site_dir, 'built.txt').write_text('built')\n",
    )
    run_build(root, tmp_path / "cold", dirty=False)
    remembered = output_entries(root)
    assert remembered
    run_build(root, tmp_path / "warm", dirty=False)
    assert output_entries(root) == remembered
    assert (tmp_path / "warm" / "built.txt").exists()
    assert pages(tmp_path / "warm") == pages(tmp_path / "cold")


def test_a_warm_build_in_another_process_reads_pages_output_back(tmp_path: Path) -> None:
    """The key of a page's output is the same in every process: nothing in it may
    depend on the order of a set or the address of an object (string hashing
    differs between processes)."""
    root = make_archive(tmp_path / "repo")

    def build(seed: str) -> dict[str, int]:
        environment = dict(os.environ, PYTHONHASHSEED=seed, NO_MKDOCS_2_WARNING="1")
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "site")],
            cwd=root,
            env=environment,
            check=True,
            capture_output=True,
        )
        return cache_packs(root)

    first = build("1")
    assert first
    assert build("2") == first  # every entry read back, none written again


def test_a_warm_build_reads_the_home_list_back_and_shows_an_edit(
    tmp_path: Path, quiet: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page's list (every article's counts: 2 s at 10,000 articles) comes from
    the cache when no article's passages changed, and is made again when one did."""
    root = make_archive(tmp_path / "repo")
    run_build(root, tmp_path / "cold", dirty=False)
    made: list[int] = []
    home_list = mkdocs_plugin.home_list

    def counted(*args: Any, **kwargs: Any) -> str:
        made.append(1)
        return home_list(*args, **kwargs)

    monkeypatch.setattr(mkdocs_plugin, "home_list", counted)
    run_build(root, tmp_path / "warm", dirty=False)
    assert made == []
    assert pages(tmp_path / "warm") == pages(tmp_path / "cold")
    edit(root)  # a verdict: the home list counts it
    run_build(root, tmp_path / "warm", dirty=False)
    assert made == [1]
    run_build(root, tmp_path / "uncached", dirty=False, cache=False)
    assert pages(tmp_path / "warm") == pages(tmp_path / "uncached")
    assert pages(tmp_path / "warm")["index.html"] != pages(tmp_path / "cold")["index.html"]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["articles", "a", "x.md", ".md", "..md", "b.tar.md", "md", "A.MD"]),
             max_size=4).map("/".join)
)  # fmt: skip
def test_article_slug_reads_a_page_uri_as_pathlib_would(uri: str) -> None:
    # MkDocs' src_uri is normalised (no '.' or empty parts), as pathlib would make it
    path = PurePosixPath(uri)
    expected = (
        path.stem if path.parent == PurePosixPath("articles") and path.suffix == ".md" else None
    )
    assert article_slug(uri) == expected


LONG = "".join(f"<p>{n}</p>" for n in range(300))


@pytest.mark.parametrize(
    ("output", "content", "whole"),
    [
        ("<head></head><main>" + LONG + "</main>", LONG, False),
        ("<main>" + LONG + "</main><p>" + LONG + "</p>", LONG, False),  # twice: the first
        ("c" * 3001, "c" * 3000, False),  # twice, overlapping
        ("<main>" + LONG[:300] + "<p>x</p>" + LONG[300:] + "</main>", LONG, True),  # its start
        ("<main>" + LONG[:-1] + "</main>", LONG, True),  # all but its end
        ("<main>short</main>", "short", True),  # not worth a second read
        ("<main>" + LONG + "</main>", None, True),  # nothing names the content
    ],
)
def test_page_outputs_store_a_page_without_its_content_when_it_holds_it(
    tmp_path: Path, output: str, content: str | None, whole: bool
) -> None:
    cache = Cache.for_root(tmp_path)
    try:
        outputs = mkdocs_render.PageOutputs(cache, "settings")
        outputs.put("a" * 64, output, "<script>head</script>", content)
        stored = outputs.get("a" * 64)
    finally:
        cache.close()
    assert stored is not None
    first, after, extra = stored
    assert extra == "<script>head</script>"
    if whole:
        assert (first, after) == (output, None)
    else:
        assert after is not None
        assert content is not None
        assert first + content + after == output
        assert len(first) == output.find(content)


_AB = st.text(alphabet="ab", max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab", min_size=250, max_size=300).map(lambda t: t + "a" * 10),
    st.lists(st.tuples(_AB, st.booleans()), min_size=1, max_size=4),
    _AB,
    _AB,
)
def test_finding_a_long_part_is_str_find(
    start: str, pieces: list[tuple[str, bool]], tail: str, after: str
) -> None:
    """The page's content is looked for by its start, then compared whole: the same
    place as ``str.find``, where its start comes back with other endings first."""
    part = start + tail
    text = "".join(start + end if whole else end for end, whole in pieces) + part + after
    assert mkdocs_render._find_long(text, part) == text.find(part)
    assert mkdocs_render._find_long(text, part + "<") == text.find(part + "<") == -1
