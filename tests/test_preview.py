"""The pieces of in-place preview updates that know nothing of MkDocs (preview.py).

The updates themselves are held to full builds in ``test_plugin_build.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from annotary.preview import CONTENT_SLOT, PageShell, file_stamps

PAGE = (
    "<html><head><title>T</title></head><body><nav>menu</nav>"
    '<article class="md-content">{content}</article><footer>f</footer></body></html>'
)


def test_a_shell_gives_back_the_page_with_new_content_and_head(tmp_path: Path) -> None:
    old = "<p>old text</p>"
    shell = PageShell.cut(tmp_path / "index.html", PAGE.format(content=old), old)
    assert shell is not None
    assert shell.fill(old) == PAGE.format(content=old)  # nothing else moves
    new = "<p>new text with $1 and \\1</p>"  # no pattern syntax is interpreted
    head = '<script type="application/ld+json">{}</script>'
    filled = shell.fill(new, head)
    assert filled == PAGE.format(content=new).replace("</head>", head + "</head>")
    shell.write(new, head)
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == filled
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no partial file left


def test_no_shell_when_the_content_is_not_there_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    assert PageShell.cut(path, PAGE.format(content="<p>a</p>"), "<p>b</p>") is None
    twice = PAGE.format(content="<p>a</p><p>a</p>")
    assert PageShell.cut(path, twice, "<p>a</p>") is None
    assert PageShell.cut(path, PAGE.format(content="x"), "") is None
    slot = PAGE.format(content=CONTENT_SLOT + "<p>a</p>")
    assert PageShell.cut(path, slot, "<p>a</p>") is None
    no_head = "<p>a</p>"
    assert PageShell.cut(path, no_head, "<p>a</p>") is None


def test_file_stamps_see_edits_and_new_files_but_not_skipped_folders(tmp_path: Path) -> None:
    docs, skipped = tmp_path / "docs", tmp_path / "docs" / "skip"
    (docs / "articles").mkdir(parents=True)
    skipped.mkdir()
    (docs / "articles" / "a.md").write_text("a", encoding="utf-8")
    (skipped / "b.yml").write_text("b", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\n", encoding="utf-8")
    missing = tmp_path / "overrides"

    def stamps() -> dict[str, tuple[int, int, int]]:
        return file_stamps([docs, config, missing], skip=[skipped])

    before = stamps()
    assert set(before) == {str(docs / "articles" / "a.md"), str(config)}
    (skipped / "b.yml").write_text("edited", encoding="utf-8")
    assert stamps() == before
    (docs / "articles" / "a.md").write_text("edited", encoding="utf-8")
    assert stamps() != before
    before = stamps()
    (docs / "new.md").write_text("n", encoding="utf-8")
    assert stamps() != before
    before = stamps()
    os.utime(config, ns=(1, 1))
    assert stamps() != before
