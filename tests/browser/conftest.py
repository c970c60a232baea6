"""Browser tests: the built site, served locally, in Debian's headless Chromium.

The site of this repo is built once per session (``mkdocs build --strict``) into
a temporary folder and served by a threaded ``http.server`` on 127.0.0.1 (see
:func:`site` for why the build gets ``site_url``). Every page a test opens
comes from :func:`new_page`, which watches it: any console error (a failed load
is one), uncaught exception or request to a host other than 127.0.0.1 fails the
test at teardown. Requests to other hosts are also aborted,
so a test never waits on the network and the archive never tells a third party
who reads what.

Never ``playwright install``: Chromium is Debian's, at ``/usr/bin/chromium``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"
#: Short timeouts keep a broken feature from stalling the suite (budget: ~60 s).
ACTION_TIMEOUT_MS = 3_000
NAVIGATION_TIMEOUT_MS = 10_000
#: Schemes that never leave the browser.
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: runs the built site in headless Chromium (tests/browser)"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Site:
    root: Path
    """The built site."""
    url: str
    """``http://127.0.0.1:PORT``, serving ``root`` (no trailing slash)."""


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The repo's site, built once with ``mkdocs build --strict`` and served on 127.0.0.1.

    The server takes its port first, so that the build gets it as ``site_url``
    (``ANNOTARY_SITE_URL``, read by ``mkdocs.yml``): Material's instant
    navigation only intercepts links to pages listed in ``sitemap.xml``, after
    giving them the current scheme and host but not the port.
    """
    root = tmp_path_factory.mktemp("site")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    server.daemon_threads = True
    url = f"http://{LOCAL_HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root)],
            cwd=REPO,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "ANNOTARY_SITE_URL": f"{url}/"},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"mkdocs build --strict failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}",
                pytrace=False,
            )
        yield Site(root, url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def site_dir(site: Site) -> Path:
    return site.root


@pytest.fixture(scope="session")
def base_url(site: Site) -> str:
    return site.url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watch:
    """What the pages of one test did: requests, console errors, exceptions."""

    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        lines = [f"request to a host other than {LOCAL_HOST}: {u}" for u in self.foreign]
        lines += [f"console error: {m}" for m in self.console_errors]
        lines += [f"uncaught exception: {m}" for m in self.page_errors]
        return lines


def _is_foreign(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in _LOCAL_SCHEMES and parts.hostname != LOCAL_HOST


NewPage = Callable[..., Page]


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def new_page(browser: Browser, base_url: str, watch: Watch) -> Iterator[NewPage]:
    """Open a watched page in a fresh context; keyword arguments go to ``new_context``.

    The whole context is watched: other pages opened in it too.
    """
    contexts: list[BrowserContext] = []

    def route(route: Route) -> None:
        if _is_foreign(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def on_request(request: Request) -> None:
        watch.requests.append(request.url)
        if _is_foreign(request.url):
            watch.foreign.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            watch.console_errors.append(f"{message.text} ({location})")

    def make(**options: Any) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=base_url, **options)
        contexts.append(context)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.route("**/*", route)
        context.on("request", on_request)
        context.on("console", on_console)
        context.on("weberror", lambda error: watch.page_errors.append(str(error.error)))
        return context.new_page()

    yield make

    for context in contexts:
        with contextlib.suppress(PlaywrightError):
            context.close()
    problems = watch.problems()
    if problems:
        pytest.fail("the pages of this test misbehaved:\n  " + "\n  ".join(problems), False)


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A watched page in a fresh desktop-sized context (light palette)."""
    return new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``tests/artifacts/`` (git-ignored), for screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
