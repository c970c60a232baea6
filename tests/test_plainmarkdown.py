"""The fast path of article rendering gives Python-Markdown's HTML, byte for byte.

``render_plain`` renders the plain part of Markdown (paragraphs, ``#`` headings,
emphasis, links) and refuses the rest. Whatever it accepts must render exactly
as Python-Markdown renders it with the same extensions; checked on every
article of the repo and of a generated archive, on generated documents made
of that part only (which it must accept) and on line soup mixing in every
character that starts other Markdown (which it may refuse, never misrender).
"""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

from annotary import plainmarkdown
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.mkdocs_render import _link_data, render_plain_page
from annotary.plainmarkdown import PlainSettings, render_plain, settings_for
from annotary.validate import split_front_matter
from conftest import REPO

SITE = markdown_config_from_mkdocs_yml(REPO / "mkdocs.yml")
CONFIGS = {
    "site": SITE,
    "builtin": MarkdownConfig(),
    "no-permalink-title": MarkdownConfig(
        SITE.extensions, {"toc": {"permalink": True, "permalink_title": ""}}
    ),
    "other-class": MarkdownConfig(
        ("toc", "tables"), {"toc": {"permalink": True, "permalink_class": "anchor x"}}
    ),
}


def fast_and_slow(config: MarkdownConfig, text: str) -> tuple[str | None, str]:
    settings = settings_for(config.extensions, config.configs)
    assert settings is not None
    return render_plain(text, settings), config._render_markdown(text)


def article_bodies() -> list[str]:
    bodies = []
    for path in sorted((REPO / "docs").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        bodies.append(split_front_matter(text).body)
    return bodies


def test_the_site_configuration_takes_the_fast_path() -> None:
    settings = settings_for(SITE.extensions, SITE.configs)
    assert settings == PlainSettings(True, "Permanent link", "headerlink")
    assert plainmarkdown.agrees(settings, SITE._render_markdown)


@pytest.mark.parametrize(
    ("extensions", "configs"),
    [
        (("toc", "smarty"), {}),  # quotes and dashes become entities
        (("toc", "nl2br"), {}),  # line breaks become <br>
        (("toc", "pymdownx.superfences"), {}),
        (("tables",), {}),  # no toc: headings get no ids
        (("toc",), {"toc": {"slugify": "my.slugify"}}),
        (("toc",), {"toc": {"baselevel": 2}}),
        (("toc",), {"toc": {"permalink": "#"}}),
        (("toc",), {"toc": {"permalink_leading": True}}),
        (("toc",), {"toc": {"permalink": True, "permalink_title": 'a "title"'}}),
        (("toc", "footnotes"), {"footnotes": {"UNIQUE_IDS": True}, "smarty": {"x": 1}}),
    ],
)
def test_other_configurations_go_to_python_markdown(
    extensions: tuple[str, ...], configs: dict[str, dict[str, object]]
) -> None:
    assert settings_for(extensions, configs) is None


def test_a_python_markdown_that_renders_differently_turns_the_fast_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plainmarkdown, "_CHECKED", plainmarkdown._Checked())
    config = MarkdownConfig(SITE.extensions, dict(SITE.configs))
    calls: list[str] = []

    def different(self: MarkdownConfig, text: str) -> str:
        calls.append(text)
        return "<p>another rendering</p>"

    monkeypatch.setattr(MarkdownConfig, "_render_markdown", different)
    assert config.render("Plain *text*.") == "<p>another rendering</p>"
    assert calls == [plainmarkdown.SAMPLE, "Plain *text*."]  # checked once, then used


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_article_of_the_repo_renders_the_same(name: str) -> None:
    for body in article_bodies():
        fast, slow = fast_and_slow(CONFIGS[name], body)
        assert fast is None or fast == slow


def generated_archive(
    root: Path, monkeypatch: pytest.MonkeyPatch, *, articles: int, seed: int
) -> None:
    """``scripts/bench``'s synthetic archive (5 annotations an article) in ``root``."""
    loader = SourceFileLoader("bench", str(REPO / "scripts" / "bench"))
    spec = importlib.util.spec_from_loader("bench", loader)
    assert spec is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench", bench)
    loader.exec_module(bench)
    bench.write_archive(root, articles, 5, seed=seed)


def test_the_generated_archive_takes_the_fast_path_and_renders_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated_archive(tmp_path, monkeypatch, articles=40, seed=3)
    rendered = 0
    for path in sorted((tmp_path / "docs" / "articles").glob("*.md")):
        body = split_front_matter(path.read_text(encoding="utf-8")).body
        fast, slow = fast_and_slow(SITE, body)
        assert fast == slow, path.name
        rendered += 1
    assert rendered == 40


# --- generated documents ---------------------------------------------------------------------

WORDS = st.sampled_from(
    ["news", "Kyiv", "2,500", "40%", "“quoted,”", "it’s", "—", "(said)", "a.", "Ünïcödé", "x:y",
     "$3", "1.", "n°", "'s", "?", "!", "ok;", "+1", "=", "^", "@home", "é", "5)", "中文"]
)  # fmt: skip
SPACE = st.sampled_from([" ", " ", " ", "  "])


@st.composite
def plain_text(draw: st.DrawFn, lines: bool = True) -> str:
    """Words and the inline forms the fast path takes, maybe across line breaks."""
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 12))):
        words = draw(st.lists(WORDS, min_size=1, max_size=4))
        phrase = draw(SPACE).join(words)
        form = draw(st.sampled_from(["text", "text", "em", "strong", "link"]))
        if form == "em":
            phrase = f"*{phrase}*"
        elif form == "strong":
            phrase = f"**{phrase}**"
        elif form == "link":
            url = draw(st.sampled_from(["https://example.org/a_b?c=d", "/x/y.html", "#part"]))
            phrase = f"[{phrase}]({url})"
        pieces.append(phrase)
        pieces.append(draw(st.sampled_from([" ", " ", "\n", ", "])) if lines else " ")
    text = "".join(pieces).strip()
    # a line may not start like a list or end with spaces, in this grammar
    return "\n".join(line.strip() for line in text.split("\n") if line.strip()) or "word"


@st.composite
def plain_document(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            level = draw(st.integers(1, 6))
            blocks.append("#" * level + draw(SPACE) + draw(plain_text(lines=False)))
        else:
            blocks.append(draw(plain_text()))
        blocks.append(draw(st.sampled_from(["\n", "\n\n", "\n\n\n"])))
    return "".join(blocks)


def _starts_like_other_markdown(document: str) -> bool:
    return any(plainmarkdown._OTHER_LINE.match(line) for line in document.split("\n"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=plain_document(), name=st.sampled_from(sorted(CONFIGS)))
@example(document="# Same\n\n# Same\n\n# *Same*\n\n## ’’’\n\n# ’’’", name="site")
@example(document="a*b*c **d**e [f](g)h\n*i\nj*", name="site")
def test_plain_documents_take_the_fast_path_and_render_the_same(document: str, name: str) -> None:
    fast, slow = fast_and_slow(CONFIGS[name], document)
    if not _starts_like_other_markdown(document):  # e.g. "1. " or "+1" starting a line
        assert fast is not None, document
    if fast is not None:
        assert fast == slow


SOUP = st.sampled_from(
    ["*", "**", "***", "_", "__", "`", "\\", "[", "]", "(", ")", "<b>", "&amp;", "&", "{: .x}",
     "|", "#", "## ", "~~~", "```", "> ", "- ", "+ ", "* ", "1. ", "2) ", ":   ", "!!! note",
     "[^1]",
     "*[HTML]: x", "[a]: /b", "    ", "\t", "\n", "\n\n", "---", "===", "  \n", "\xa0", "\r",
     "\u2028", "word", "two words", "é", "https://x.y", "<https://x.y>", "[x](y \"t\")", "![i](j)"]
)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(SOUP, min_size=1, max_size=30), name=st.sampled_from(sorted(CONFIGS)))
@example(pieces=["* ", "word"], name="site")
@example(pieces=["word", "*", " ", "word", "*"], name="site")
@example(pieces=["**", "word", "*", "word", "**"], name="site")
@example(pieces=["word", "\n", "===", "\n"], name="site")
def test_line_soup_is_refused_or_rendered_the_same(pieces: list[str], name: str) -> None:
    fast, slow = fast_and_slow(CONFIGS[name], "".join(pieces))
    if fast is not None:
        assert fast == slow


# --- MkDocs' page rendering -------------------------------------------------------------------


def page_state(page: Page) -> tuple[object, ...]:
    return (
        page.content,
        [_link_data(link) for link in page.toc],
        page._title_from_render,
        sorted(page.present_anchor_ids or ()),
        page.links_to_anchors,
    )


def both_page_renderings(tmp_path: Path, markdown: str) -> tuple[object, object]:
    """``render_plain_page``'s page (``None`` if it refused) and MkDocs' own."""
    docs = tmp_path / "docs"
    (docs / "articles").mkdir(parents=True, exist_ok=True)
    (docs / "articles" / "a.md").write_text(markdown, encoding="utf-8")
    config = load_config(config_file=str(REPO / "mkdocs.yml"), docs_dir=str(docs))
    files = get_files(config)
    file = files.get_file_from_path("articles/a.md")
    assert file is not None
    pages = []
    for fast in (True, False):
        page = Page(None, file, config)
        page.read_source(config)
        if fast:
            if not render_plain_page(page, config):
                pages.append(None)
                continue
        else:
            Page.render(page, config, files)
        pages.append(page_state(page))
    return pages[0], pages[1]


def test_the_page_fast_path_gives_mkdocs_page(tmp_path: Path) -> None:
    for markdown, plain in [
        ("Intro *line*.\n\n## A part\n\nText [x](https://e.org/y).\n\n### Sub\n\n## B\n", True),
        ("Intro.\n\n## Same\n\n## Same\n\n#### Deep\n\n# Top later\n", True),
        ("# Title first\n\nText.\n", False),  # MkDocs takes it as the page's title
        ("Text [x](other.md).\n", False),  # MkDocs rewrites and checks it
        ("Text [x](#part).\n", False),
        ("- a list\n", False),
    ]:
        fast, slow = both_page_renderings(tmp_path, markdown)
        assert (fast is not None) is plain, markdown
        if fast is not None:
            assert fast == slow, markdown


def test_generated_articles_render_as_mkdocs_renders_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated_archive(tmp_path / "archive", monkeypatch, articles=15, seed=5)
    for path in sorted((tmp_path / "archive" / "docs" / "articles").glob("*.md")):
        fast, slow = both_page_renderings(tmp_path / "page", path.read_text(encoding="utf-8"))
        assert fast is not None, path.name
        assert fast == slow, path.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=plain_document())
def test_plain_documents_render_as_mkdocs_renders_them(
    tmp_path_factory: pytest.TempPathFactory, document: str
) -> None:
    fast, slow = both_page_renderings(tmp_path_factory.mktemp("page"), document)
    if fast is not None:
        assert fast == slow
