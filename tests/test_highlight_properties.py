"""Property tests: random Markdown articles, random overlapping spans.

Whatever the article and the spans, highlighting must leave the visible text
and every byte outside the highlights unchanged, produce well-formed markup
with no mark where inline content is not allowed, and give each span exactly
its text.
"""

from __future__ import annotations

import html as htmllib
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotary.highlight import NO_INLINE_PARENTS, Span, highlight_html, pieces_for
from annotary.markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from annotary.visible import VOID_ELEMENTS, extract_visible_text

MKDOCS_YML = Path(__file__).resolve().parents[1] / "mkdocs.yml"
INSERTED = re.compile(r'<span class="annotary-target" id="[^"]*"></span>|<mark [^>]*>|</mark>')
FIRST_MARK = re.compile(r'(?:<span [^>]*></span>)*<mark [^>]*data-annotations="([^"]*)"')
WHITE_SPACE = re.compile(r"[ \t\n\r\f]+")

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@cache
def _config() -> MarkdownConfig:
    return markdown_config_from_mkdocs_yml(MKDOCS_YML)


def collapse(text: str) -> str:
    return WHITE_SPACE.sub(" ", text).strip(" ")


# Random Markdown ----------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "the", "officials", "said", "Kursk", "40%", "casualties", "it's", "don’t",
        "“quoted”", "‘single’", "&amp;", "&#8217;", "&nbsp;", "&lt;tag&gt;", "&copy;",
        "AT&T", "a<b", "—", "–", "10\u00a0km", "x_y", "e.g.", "(about)", "“", "café",
    ]
)  # fmt: skip
INLINE_SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "   "])
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", " \n  ", "  \n"])


@st.composite
def inline_text(draw: st.DrawFn, *, multiline: bool) -> str:
    separators = SEPARATORS if multiline else INLINE_SEPARATORS
    chunks: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        words = draw(st.lists(WORDS, min_size=1, max_size=3))
        inner = draw(INLINE_SEPARATORS).join(words)
        style = draw(st.sampled_from(["", "", "", "*", "**", "`", "link"]))
        if style == "link":
            inner = f"[{inner}](http://x)"
        elif style:
            inner = f"{style}{inner}{style}"
        chunks.append(inner)
        chunks.append(draw(separators))
    return "".join(chunks).strip()


@st.composite
def markdown_article(draw: st.DrawFn) -> str:
    blocks: list[str] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["p", "p", "p", "h", "ul", "ol", "quote", "code"]))
        if kind == "p":
            blocks.append(draw(inline_text(multiline=True)))
        elif kind == "h":
            level = draw(st.integers(1, 3))
            blocks.append("#" * level + " " + draw(inline_text(multiline=False)))
        elif kind in {"ul", "ol"}:
            items = draw(st.lists(inline_text(multiline=False), min_size=1, max_size=4))
            bullet = "-" if kind == "ul" else "1."
            blocks.append("\n".join(f"{bullet} {item}" for item in items))
        elif kind == "quote":
            blocks.append("> " + draw(inline_text(multiline=False)))
        else:
            lines = draw(st.lists(inline_text(multiline=False), min_size=1, max_size=3))
            blocks.append("```\n" + "\n".join(lines) + "\n```")
    return "\n\n".join(blocks) + "\n"


@st.composite
def article_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    html = _config().render(draw(markdown_article()))
    size = len(extract_visible_text(html).text)
    spans: list[Span] = []
    for number in range(draw(st.integers(1, 8))):
        if spans and draw(st.integers(0, 5)) == 0:  # an identical range, another key
            copied = draw(st.sampled_from(spans))
            spans.append(Span(copied.start, copied.end, f"k{number}"))
            continue
        start = draw(st.integers(0, size - 1))
        longest = draw(st.sampled_from([12, 40, size]))
        end = draw(st.integers(start + 1, min(size, start + longest)))
        spans.append(Span(start, end, f"k{number}"))
    return html, spans


# Well-formedness ----------------------------------------------------------------


class _TreeChecker(HTMLParser):
    """Every start tag closed in order; marks never nested, never where inline is forbidden."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            return
        if tag == "mark":
            if "mark" in self.stack:
                self.errors.append("nested mark")
            if not self.stack or self.stack[-1] in NO_INLINE_PARENTS:
                self.errors.append(f"mark inside {self.stack[-1:] or 'top level'}")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_ELEMENTS:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def tree_errors(html: str) -> list[str]:
    checker = _TreeChecker()
    checker.feed(html)
    checker.close()
    return checker.errors + [f"unclosed {tag}" for tag in checker.stack]


# Properties ---------------------------------------------------------------------


def check_offsets(html: str, text: str, starts: tuple[int, ...], ends: tuple[int, ...]) -> None:
    """Each visible character comes from the HTML characters its offsets point at."""
    assert text == collapse(text)
    last_start = 0
    for char, start, end in zip(text, starts, ends, strict=True):
        assert last_start <= start <= end
        last_start = start
        source = html[start:end]
        if char == " ":
            assert start == end or htmllib.unescape(source).isspace()
        else:
            assert char in htmllib.unescape(source)


@PROPERTY_SETTINGS
@given(article_and_spans())
def test_visible_text_and_highlights_of_random_articles(case: tuple[str, list[Span]]) -> None:
    html, spans = case
    assert tree_errors(html) == []
    visible = extract_visible_text(html)
    check_offsets(html, visible.text, visible.starts, visible.ends)
    out = highlight_html(html, visible, spans)

    # (a) what the reader sees is unchanged, (d) and so is every other byte
    assert extract_visible_text(out).text == visible.text
    assert INSERTED.sub("", out) == html
    # (b) well-formed, marks only where inline content may go, never empty
    assert tree_errors(out) == []
    assert "></mark>" not in out
    # (c) each span gets exactly its text
    texts = pieces_for(out, block_separator=" ")
    for key in dict.fromkeys(span.key for span in spans):
        expected = " ".join(
            collapse(visible.text[span.start : span.end]) for span in spans if span.key == key
        )
        assert collapse(texts.get(key, "")) == collapse(expected), key
    # one deep-link target per key that has text, just before a mark carrying it
    for key in texts:
        assert out.count(f'id="{key}"') == 1
        following = out.split(f'id="{key}"></span>', 1)[1]
        first_mark = re.match(
            r'(?:<span [^>]*></span>)*<mark [^>]*annotations="([^"]*)"', following
        )
        assert first_mark is not None
        assert key in first_mark.group(1).split()
