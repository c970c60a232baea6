"""Nothing a contributor writes is ever live on the site, and the CSP lets only ours run.

A site is built from a copy of this repo plus ``tests/fixtures/hostile/``: an
article whose title, authors, role, outlet, tags and address, and annotations
whose notes, quotes, tags and evidence, and a source whose name, role and
address hold ``<script>``, ``<img onerror>``, ``<svg onload>``, ``<iframe>``,
``"><script>``, ``</title><script>``, ``javascript:`` links (Markdown, raw and
autolinked), ``data:`` links and Jinja syntax. That input is valid: lint passes
and ``--strict`` builds it; the defence is in how it is written out.

Then, three independent proofs:

- the built files, parsed: no element, attribute or URL scheme from the payloads,
  no payload verbatim, and every inline script allowed by its page's policy;
- every page in Chromium, every popover opened, search run: no dialog ever opens,
  the live DOM holds nothing injected, and no CSP violation is logged (the
  ``new_page`` watch fails a test on any console error);
- the policy's hashes are recomputed from Material's own partials, so a Material
  upgrade that changes its inline scripts fails here, with the new values.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import material
import pytest
from playwright.sync_api import Dialog, Page, expect

from .conftest import ACTION_TIMEOUT_MS, LOCAL_HOST, REPO, NewPage

pytestmark = pytest.mark.browser
expect.set_options(timeout=ACTION_TIMEOUT_MS)

FIXTURES = REPO / "tests" / "fixtures" / "hostile"
HOSTILE = "/articles/hostile-payloads/"
MAIN_HTML = REPO / "overrides" / "main.html"
MATERIAL_TEMPLATES = Path(material.__file__).parent / "templates"

#: Never to be found verbatim in anything built: each would be live markup.
PAYLOADS = (
    "<script>alert",
    "<img src=x",
    "<svg onload",
    "<iframe",
    '"><script>',
    "</title><script>",
    '<a href="javascript:',
    "<style>body",
    "<object data",
    "<embed src",
    "<base href",
    '<meta http-equiv="refresh"',
    '<form action="https://example.org/',
)
#: Schemes a link may have; ``data:`` only as an image (Material's own icons).
LINK_SCHEMES = frozenset({"", "http", "https", "mailto"})
#: Elements no page of the site has a use for.
FORBIDDEN_ELEMENTS = frozenset(
    {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "style"}
)
#: Script types that are data, never run.
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})


# --- The hostile site ----------------------------------------------------------------


@dataclass(frozen=True)
class HostileSite:
    repo: Path
    root: Path
    url: str


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def hostile_repo(root: Path) -> Path:
    """A copy of the repo's site sources with the hostile article, annotations and source."""
    (root / "src" / "annotary").mkdir(parents=True)  # named by mkdocs.yml's watch:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    for folder in ("docs", "annotations", "overrides"):
        shutil.copytree(REPO / folder, root / folder)
    for folder in ("docs", "annotations"):
        shutil.copytree(FIXTURES / folder, root / folder, dirs_exist_ok=True)
    with (root / "annotations" / "sources.yml").open("a", encoding="utf-8") as sources:
        sources.write((FIXTURES / "sources-extra.yml").read_text(encoding="utf-8"))
    return root


def build(repo: Path, site: Path, site_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "annotary", "build", "--strict", "--site-dir", str(site)],
        cwd=repo,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "ANNOTARY_SITE_URL": f"{site_url}/"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    """The hostile site, built with ``annotary build --strict`` and served on 127.0.0.1."""
    base = tmp_path_factory.mktemp("hostile")
    repo = hostile_repo(base / "repo")
    root = base / "site"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    server.daemon_threads = True
    url = f"http://{LOCAL_HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="hostile-server", daemon=True)
    thread.start()
    try:
        result = build(repo, root, url)
        if result.returncode != 0:
            pytest.fail(f"the hostile site did not build:\n{result.stderr}", pytrace=False)
        yield HostileSite(repo, root, url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def base_url(hostile_site: HostileSite) -> str:
    """Overrides conftest's: ``new_page`` opens the hostile site."""
    return hostile_site.url


def html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def page_path(root: Path, file: Path) -> str:
    rel = file.relative_to(root).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


# --- Hashes and policies --------------------------------------------------------------


def sha256_source(text: str) -> str:
    """A CSP hash source for an inline script's exact text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.cache
def material_env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(MATERIAL_TEMPLATES))


def material_inline_scripts(name: str, **context: object) -> list[str]:
    """The inline scripts of one of Material's partials, exactly as it prints them."""
    html = material_env().get_template(name).render(**context)
    return re.findall(r"<script>(.*?)</script>", html, re.DOTALL)


@functools.cache
def scope_script() -> re.Pattern[str]:
    """Material's first inline script, for any base URL (it is printed before the policy
    on the 404 page: see overrides/main.html)."""
    marker = "ANNOTARYBASEURL"
    (text,) = material_inline_scripts(
        "partials/javascripts/base.html", config={"extra": {}}, base_url=marker
    )
    return re.compile(re.escape(text).replace(marker, '[^"]*'))


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


# --- Reading built HTML ----------------------------------------------------------------


@dataclass
class Script:
    attrs: dict[str, str | None]
    text: str
    offset: int


class Audit(HTMLParser):
    """Everything in one HTML file that could run, load or send something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[Script] = []
        self.policies: list[tuple[str, int]] = []
        self.title_offset: int | None = None
        self._script: Script | None = None

    def position(self) -> int:
        line, column = self.getpos()
        return line * 100_000 + column  # orders positions; no other use

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"}:
                self._url(tag, name, value or "")
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element {attrs}")
        if tag == "form" and values.get("name") != "search" and "action" in values:
            self.problems.append(f"<form> with an action {attrs}")
        if tag == "meta" and values.get("http-equiv") is not None:
            if (values["http-equiv"] or "").lower() == "content-security-policy":
                self.policies.append((values.get("content") or "", self.position()))
            else:
                self.problems.append(f"<meta http-equiv> {attrs}")
        if tag == "title" and self.title_offset is None:
            self.title_offset = self.position()
        if tag == "script":
            self._script = Script(values, "", self.position())

    def _url(self, tag: str, name: str, value: str) -> None:
        scheme = urlsplit(value.strip()).scheme.lower()
        image = tag == "img" and name == "src" and scheme == "data"
        if name == "srcdoc" or not (scheme in LINK_SCHEMES or image):
            self.problems.append(f"<{tag} {name}={value!r}>")
        elif name == "src" and urlsplit(value).netloc:
            self.problems.append(f"<{tag} src> from another host: {value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.text += data


def audit(file: Path) -> Audit:
    found = Audit()
    found.feed(file.read_text(encoding="utf-8"))
    found.close()
    return found


# --- The built files -------------------------------------------------------------------


def test_the_hostile_article_is_built(hostile_site: HostileSite) -> None:
    """The payloads reached the site, as text: the rest of this module tests something."""
    html = (hostile_site.root / HOSTILE.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in html
    assert html.count('class="annotary-note ') == 4
    assert (hostile_site.root / "sources" / "hostile-source" / "index.html").is_file()


def test_no_payload_is_written_verbatim(hostile_site: HostileSite) -> None:
    """In what a browser reads as markup: pages, feeds, and the search index.

    Material renders search results' titles and text as HTML, so the index is
    markup too. Other JSON (JSON-LD exports) is data: it holds the payloads as
    strings, and must only parse.
    """
    found = []
    markup = 0
    for file in sorted(hostile_site.root.rglob("*")):
        rel = file.relative_to(hostile_site.root).as_posix()
        if file.suffix in {".json", ".jsonld"} and rel != "search/search_index.json":
            json.loads(file.read_text(encoding="utf-8"))
            continue
        if file.suffix not in {".html", ".xml", ".json"}:
            continue
        markup += 1
        text = file.read_text(encoding="utf-8")
        for payload in PAYLOADS:
            at = text.find(payload)
            if at >= 0:
                found.append(f"{rel}: {text[max(0, at - 120) : at + 60]!r}")
    assert markup > 30
    assert not found


def test_built_pages_hold_nothing_live(hostile_site: HostileSite) -> None:
    """No handler, no foreign or scripted URL, no frame, and each script is ours."""
    problems = []
    for file in html_pages(hostile_site.root):
        found = audit(file)
        rel = file.relative_to(hostile_site.root).as_posix()
        problems += [f"{rel}: {p}" for p in found.problems]
        for script in found.scripts:
            src, kind = script.attrs.get("src"), script.attrs.get("type")
            if src is not None:
                path = urlsplit(src).path
                if urlsplit(src).netloc or "/assets/" not in f"/{path}":
                    problems.append(f"{rel}: script from {src!r}")
            elif kind in DATA_SCRIPT_TYPES:
                if "</" in script.text or "<!--" in script.text:
                    problems.append(f"{rel}: a {kind} block could end early: {script.text!r}")
            elif kind not in (None, "", "text/javascript", "module"):
                problems.append(f"{rel}: script of type {kind!r}")
    assert not problems


def test_every_page_has_one_policy_before_anything_it_governs(hostile_site: HostileSite) -> None:
    for file in html_pages(hostile_site.root):
        rel = file.relative_to(hostile_site.root).as_posix()
        head = file.read_bytes()[:1024]
        assert b'<meta charset="utf-8">' in head, f"{rel}: charset not in the first 1024 bytes"
        found = audit(file)
        assert len(found.policies) == 1, f"{rel}: {len(found.policies)} policies"
        _, at = found.policies[0]
        governed = [s.offset for s in found.scripts if s.attrs.get("src")]
        if rel != "404.html":  # its policy follows Material's base-URL script (main.html)
            governed += [s.offset for s in found.scripts] + [found.title_offset or 0]
        assert all(at < offset for offset in governed), f"{rel}: the policy comes too late"


def test_policy_is_strict(hostile_site: HostileSite) -> None:
    policy, _ = audit(hostile_site.root / "index.html").policies[0]
    found = directives(policy)
    assert found["default-src"] == ["'self'"]
    assert found["script-src"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in found["script-src"][1:])
    for name, value in {
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "connect-src": ["'self'"],
        "img-src": ["'self'", "data:"],
    }.items():
        assert found[name] == value, name
    assert "'unsafe-inline'" not in found["script-src"]
    assert not any("unsafe-eval" in v or "*" in v for values in found.values() for v in values)


def test_every_inline_script_is_allowed_by_its_page_policy(hostile_site: HostileSite) -> None:
    """What the browser will run: fails when Material changes an inline script."""
    missing = {}
    for file in html_pages(hostile_site.root):
        found = audit(file)
        policy, at = found.policies[0]
        allowed = directives(policy)["script-src"]
        for script in found.scripts:
            if script.attrs.get("src") is None and script.attrs.get("type") not in (
                DATA_SCRIPT_TYPES
            ):
                if script.offset < at:  # before the policy: only Material's base-URL script
                    assert scope_script().fullmatch(script.text), f"{file}: {script.text!r}"
                    continue
                source = sha256_source(script.text)
                if source not in allowed:
                    missing[source] = f"{file.relative_to(hostile_site.root)}: {script.text[:80]}"
    assert not missing, (
        "inline scripts not allowed by overrides/main.html's policy (a Material upgrade?):\n"
        + "\n".join(f"{source}  {where}" for source, where in missing.items())
    )


def test_policy_hashes_are_materials_own_scripts() -> None:
    """The hashes in overrides/main.html, recomputed from Material's partials."""
    inline_scripts = material_inline_scripts
    template = MAIN_HTML.read_text(encoding="utf-8")
    table = dict(re.findall(r'"([./]+)": "(\'sha256-[^\']+\')"', template))
    expected_table = {
        base: sha256_source(script)
        for base in table
        for script in inline_scripts(
            "partials/javascripts/base.html", config={"extra": {}}, base_url=base
        )
    }
    listed = re.search(r"annotary_script_hashes = \[(.*?)\]", template, re.DOTALL)
    assert listed is not None
    hashes = re.findall(r"'sha256-[^']+'", listed.group(1))
    expected = [
        sha256_source(script)
        for name in ("partials/javascripts/palette.html", "partials/javascripts/content.html")
        for script in inline_scripts(name, features=[])
    ]
    assert len(table) >= 5, "base URLs down to four folders deep should be covered"
    assert (table, hashes) == (expected_table, expected), (
        "Material's inline scripts changed: update overrides/main.html with\n"
        f"{expected_table}\n{expected}"
    )


# --- In the browser ---------------------------------------------------------------------

# Runs in the page: what is in the live DOM that should not be, and the scripts.
JS_AUDIT = """
() => {
  const problems = [];
  const schemes = new Set(["http:", "https:", "mailto:"]);
  const urlAttributes = ["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) problems.push(`<${el.localName} ${name}>`);
      if (!urlAttributes.includes(name)) continue;
      let url;
      try { url = new URL(attr.value, document.baseURI); } catch { continue; }
      const image = el.localName === "img" && name === "src" && url.protocol === "data:";
      if (name === "srcdoc" || !(schemes.has(url.protocol) || image))
        problems.push(`<${el.localName} ${name}="${attr.value}">`);
      else if (name === "src" && !image && url.origin !== location.origin)
        problems.push(`<${el.localName} src> from ${url.origin}`);
    }
  }
  const forbidden = "iframe, frame, object, embed, applet, base, portal, .md-content style";
  for (const el of document.querySelectorAll(forbidden)) problems.push(`<${el.localName}>`);
  for (const el of document.querySelectorAll("meta[http-equiv]"))
    if (el.httpEquiv.toLowerCase() !== "content-security-policy")
      problems.push(`<meta http-equiv="${el.httpEquiv}">`);
  const policy = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const scripts = [...document.scripts].map(s => ({
    src: s.getAttribute("src") === null ? null : s.src,
    type: s.type, text: s.src ? "" : s.textContent,
    beforePolicy: policy !== null
      && (policy.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_PRECEDING) !== 0,
  }));
  return { problems, scripts, policy: policy ? policy.content : null };
}
"""


@dataclass
class Dialogs:
    messages: list[str]

    def __call__(self, dialog: Dialog) -> None:
        self.messages.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


def watched(page: Page) -> Dialogs:
    dialogs = Dialogs([])
    page.on("dialog", dialogs)
    return dialogs


def live_problems(page: Page) -> list[str]:
    found = page.evaluate(JS_AUDIT)
    problems: list[str] = list(found["problems"])
    if found["policy"] is None:
        return [*problems, "no Content-Security-Policy"]
    allowed = directives(found["policy"])["script-src"]
    origin = page.evaluate("location.origin")
    for script in found["scripts"]:
        if script["src"] is not None:
            # after instant navigation a kept element's relative src resolves against
            # the new URL (nothing is fetched again): check origin and folder only
            if not script["src"].startswith(f"{origin}/") or "/assets/" not in script["src"]:
                problems.append(f"script from {script['src']}")
        elif script["type"] in DATA_SCRIPT_TYPES:
            continue
        elif script["beforePolicy"]:
            if not scope_script().fullmatch(script["text"]):
                problems.append(f"inline script before the policy: {script['text'][:80]!r}")
        elif sha256_source(script["text"]) not in allowed:
            problems.append(f"inline script not in the policy: {script['text'][:80]!r}")
    return [f"{page.url}: {p}" for p in problems]


def open_every_popover(page: Page) -> list[str]:
    """Click every annotation's head (not those inside a link: the link is the control)."""
    problems = []
    heads = page.locator(".annotary-head")
    for k in range(heads.count()):
        head = heads.nth(k)
        if head.evaluate("el => el.closest('a') !== null"):
            continue
        head.dispatch_event("click")  # an open popover may cover the next head
        expect(page.locator(".annotary-popover[role=dialog]").filter(visible=True)).to_have_count(1)
        problems += live_problems(page)
        page.keyboard.press("Escape")
    return problems


def test_no_page_runs_anything_injected(new_page: NewPage, hostile_site: HostileSite) -> None:
    """Every page of the site and every popover: no dialog, nothing injected, no violation."""
    page = new_page()
    dialogs = watched(page)
    problems = []
    heads = 0
    for file in html_pages(hostile_site.root):
        response = page.goto(page_path(hostile_site.root, file))
        assert response is not None
        page.wait_for_load_state("load")
        problems += live_problems(page)
        heads += page.locator(".annotary-head").count()
        problems += open_every_popover(page)
    assert heads >= 40, "the popovers were not exercised"
    assert not problems
    assert dialogs.messages == []


def test_hostile_text_is_shown_as_text(new_page: NewPage) -> None:
    page = new_page()
    page.goto(HOSTILE)
    title = page.locator("header.annotary-header h1")
    expect(title).to_have_text(
        '</title><script>alert("title")</script> "><img src=x onerror=alert("title-img")> {{ 7*7 }}'
    )
    assert page.title().startswith('</title><script>alert("title")</script>')
    author = page.locator('meta[name="author"]').get_attribute("content")
    assert author == '"><script>alert("author")</script>, <svg onload=alert(\'author-svg\')>'
    note = page.locator("#note-script-in-text .annotary-note-body")
    expect(note).to_contain_text('<script>alert("note")</script>')
    links = note.locator("a[href]")
    hrefs = [links.nth(k).get_attribute("href") for k in range(links.count())]
    assert hrefs == ["https://example.org/"], hrefs  # every other link lost its address


def test_search_results_are_text(new_page: NewPage) -> None:
    """Material renders search results as HTML: what the index holds must stay text.

    Opening a result highlights the query in the page (``search.highlight``, from
    ``?h=``): a crafted ``?h=`` must not inject either.
    """
    page = new_page()
    dialogs = watched(page)
    page.goto("/")
    search = page.locator(".md-search__input")
    problems = []
    # the last query matches only the hostile article (a status also names a claims page)
    for query in ("onload", "person", "disputed", "harmless"):
        search.click()
        search.fill("")
        search.press_sequentially(query)
        expect(page.locator(".md-search-result__list a").first).to_be_visible(timeout=5_000)
        problems += live_problems(page)
    # The list shows the last query's results once Material's search worker answers:
    # until then its first entry is still the previous query's (a claims page).
    first = page.locator(".md-search-result__list a").first
    expect(first).to_have_attribute("href", re.compile(re.escape(HOSTILE)), timeout=5_000)
    # Enter opens the first result (Material's script; form-action 'none' forbids a submit)
    search.press("Enter")
    page.wait_for_url(f"**{HOSTILE}?h=harmless*")
    expect(page.locator(".md-content mark[data-md-highlight]").first).to_be_attached()
    problems += live_problems(page)
    page.goto(f"{HOSTILE}?h=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20onload")
    problems += live_problems(page)
    assert not problems
    assert dialogs.messages == []


def test_instant_navigation_runs_nothing_injected(new_page: NewPage) -> None:
    """Material re-runs the new page's scripts on instant navigation, under the first policy."""
    page = new_page()
    dialogs = watched(page)
    page.goto("/")
    page.evaluate("window.__annotaryProbe = 'kept'")
    page.locator(f'.md-content a[href*="{HOSTILE.strip("/")}"]').first.click()
    page.wait_for_url(f"**{HOSTILE}")
    assert page.evaluate("window.__annotaryProbe") == "kept", "the link reloaded the page"
    problems = open_every_popover(page)
    page.locator(".md-content a.annotary-source").first.click()
    page.wait_for_url("**/sources/hostile-source/")
    problems += live_problems(page)
    assert not problems
    assert dialogs.messages == []


# --- Article front matter tags and bodies: sanitised by the plugin ----------------------


def build_unfixed(tmp_path: Path, slug: str, article: str) -> tuple[int, str, Path]:
    repo = hostile_repo(tmp_path / "repo")
    (repo / "docs" / "articles" / f"{slug}.md").write_text(article, encoding="utf-8")
    (repo / "annotations" / f"{slug}.yml").write_text(
        f"article: {slug}\nannotations:\n", encoding="utf-8"
    )
    site = tmp_path / "site"
    result = build(repo, site, "http://127.0.0.1:8000")
    return result.returncode, result.stderr, site


TAGGED = """\
---
title: Tags with markup
author: A Writer
outlet: Test News
captured: 2026-11-24
tags: ["<img src=x onerror=alert('tag')>", "<script>alert('tag')</script>"]
---
Plain text.
"""


def test_article_tags_in_the_search_index_are_text(tmp_path: Path) -> None:
    code, stderr, site = build_unfixed(tmp_path, "tagged", TAGGED)
    assert code == 0, stderr
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tags = [tag for doc in index["docs"] for tag in doc.get("tags", [])]
    assert tags, "no tags indexed"
    assert not [tag for tag in tags if "<" in tag]


BODY = """\
---
title: A body with markup
author: A Writer
outlet: Test News
captured: 2026-11-24
---
Plain text first. <script>alert("body")</script> <img src=x onerror=alert("body-img")>

A paragraph with an attribute list.
{: onclick="alert('attr-list')" }

[a scripted link](javascript:alert("body-link")) and <iframe src="https://example.org/"></iframe>
"""


def test_article_body_markup_is_refused_or_inert(tmp_path: Path) -> None:
    code, stderr, site = build_unfixed(tmp_path, "body-markup", BODY)
    if code != 0:
        assert "docs/articles/body-markup.md:" in stderr, stderr  # refused by lint
        return
    found = audit(site / "articles" / "body-markup" / "index.html")
    inline = [s for s in found.scripts if not s.attrs.get("src") and not s.attrs.get("type")]
    assert not [s.text for s in inline if "alert" in s.text]
    assert not found.problems
