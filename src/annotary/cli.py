"""The ``annotary`` command line: lint, anchors, import-text, build.

``main(args)`` returns an exit code instead of exiting, so tests call it
directly. A user's mistake ends in a diagnostic and exit 1, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .archive import ANNOTATIONS_DIR, ARTICLES_DIR
from .cache import CACHE_DIR, Cache
from .diagnostics import format_diagnostics, summary
from .model import is_slug
from .pipeline import (
    JOBS_VARIABLE,
    WorkerError,
    check_archive,
    lint_archive,
    parse_jobs,
    resolve_jobs,
)
from .placement import CONTEXT_CHARS, context, show_passage

if TYPE_CHECKING:
    from .importer import ArticleMetadata, ImportedArticle


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="annotary",
        description="Check, place and publish the annotations of a news archive.",
    )
    parser.add_argument("--version", action="version", version=f"annotary {__version__}")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="the archive's root folder (default: the current folder)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lint = sub.add_parser("lint", help="check every article and annotation file")
    lint.add_argument("--strict", action="store_true", help="fail on warnings too")
    lint.add_argument(
        "--fix",
        action="store_true",
        help="rewrite drifted quotes and add the context an ambiguous quote needs, in place",
    )
    lint.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text for people, json for tools, github for workflow annotations",
    )
    lint.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=None,
        metavar="N",
        help=f"check with N processes (default: ${JOBS_VARIABLE}, else 'auto': one per CPU); "
        "1 checks in this process only",
    )
    lint.add_argument(
        "--no-cache",
        action="store_true",
        help=f"neither read nor write the cache of rendered articles and anchors "
        f"({CACHE_DIR.as_posix()}/ in the archive)",
    )

    anchors = sub.add_parser("anchors", help="show where each annotation of an article landed")
    anchors.add_argument("slug", help="the article's slug (its file name without .md)")
    anchors.add_argument("--format", choices=("text", "json"), default="text")

    imp = sub.add_parser(
        "import-text", help="archive a scraped plain-text article as docs/articles/SLUG.md"
    )
    imp.add_argument("file", type=Path, help="the raw text file")
    imp.add_argument("--title", required=True, help="the headline")
    imp.add_argument("--outlet", required=True, help="who published it, e.g. 'BBC News'")
    imp.add_argument(
        "--author", action="append", default=[], help="author name (repeat for several)"
    )
    imp.add_argument("--author-role", help="e.g. 'BBC security correspondent'")
    imp.add_argument("--published", type=_date, help="publication date, YYYY-MM-DD")
    imp.add_argument(
        "--captured", type=_date, default=None, help="capture date, YYYY-MM-DD (default: today)"
    )
    imp.add_argument("--url", help="the original address, when known")
    imp.add_argument("--tag", action="append", default=[], help="a tag (repeat for several)")
    imp.add_argument("--slug", help="the file name to use (default: from the title)")

    imp_html = sub.add_parser(
        "import-html",
        help="archive a saved web page (needs: pip install annotary[import])",
    )
    imp_html.add_argument("file", type=Path, help="the saved .html file")
    imp_html.add_argument("--url", help="the page's original address, when known")
    imp_html.add_argument("--title", help="the headline (default: from the page)")
    imp_html.add_argument("--outlet", help="the publisher (default: from the page)")
    imp_html.add_argument("--author", action="append", default=[], help="author (repeatable)")
    imp_html.add_argument("--author-role", help="e.g. 'BBC security correspondent'")
    imp_html.add_argument("--published", type=_date, help="YYYY-MM-DD (default: from the page)")
    imp_html.add_argument("--captured", type=_date, default=None, help="default: today")
    imp_html.add_argument("--tag", action="append", default=[], help="a tag (repeatable)")
    imp_html.add_argument("--slug", help="the file name to use (default: from the title)")

    hyp = sub.add_parser(
        "import-hypothesis",
        help="add annotations from a Hypothesis export (API search result) to an article",
    )
    hyp.add_argument("file", type=Path, help='the JSON file: {"rows": [...]}')
    hyp.add_argument("--article", required=True, help="the slug of the article annotated")

    new = sub.add_parser("new", help="start an article by hand: its skeleton and annotation file")
    new.add_argument("slug", help="the file name: lowercase letters, digits, single hyphens")
    new.add_argument("--title", required=True)
    new.add_argument("--outlet", required=True)
    new.add_argument("--author", action="append", required=True, help="repeat for several")
    new.add_argument("--author-role")
    new.add_argument("--published", type=_date)
    new.add_argument("--captured", type=_date, default=None, help="default: today")
    new.add_argument("--url")
    new.add_argument("--tag", action="append", default=[])

    schema = sub.add_parser("schema", help="print the JSON Schema of the annotation files")
    schema.add_argument(
        "kind", nargs="?", choices=("annotations", "sources"), default="annotations"
    )

    build = sub.add_parser("build", help="build the site into site/ (atomically)")
    build.add_argument("--strict", action="store_true", help="fail on warnings too")
    build.add_argument("--site-dir", type=Path, default=None, help="where to put the site")
    return parser


def _jobs(text: str) -> int | None:
    try:
        return parse_jobs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def main(args: Sequence[str] | None = None) -> int:
    try:
        return _main(args)
    except BrokenPipeError:  # e.g. `annotary anchors x | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:  # Ctrl-C: worker processes are stopped already
        print("annotary: interrupted", file=sys.stderr)
        return 130


def _main(args: Sequence[str] | None) -> int:
    options = _parser().parse_args(args)
    root: Path = options.root
    command: str = options.command
    if command == "import-text":
        return _import_text(root, options)
    if command == "import-html":
        return _import_html(root, options)
    if command == "import-hypothesis":
        return _import_hypothesis(root, options)
    if command == "new":
        return _new(root, options)
    if command == "schema":
        from .schema import schema_text

        print(schema_text(options.kind), end="")
        return 0
    if not (root / ARTICLES_DIR).is_dir() and not (root / ANNOTATIONS_DIR).is_dir():
        print(
            f"annotary: no {ARTICLES_DIR.as_posix()}/ or {ANNOTATIONS_DIR.as_posix()}/ in "
            f"'{root}': run this from the archive's root folder, or pass --root",
            file=sys.stderr,
        )
        return 2
    if command == "lint":
        jobs: int | None = options.jobs
        try:
            jobs = resolve_jobs(jobs)
        except ValueError as exc:  # a bad ANNOTARY_JOBS: --jobs was checked by the parser
            print(f"annotary: {exc}", file=sys.stderr)
            return 2
        cache = None if options.no_cache else Cache.for_root(root)
        try:
            if options.fix:
                _fix(root, jobs=jobs, cache=cache)
            return _lint(root, strict=options.strict, fmt=options.format, jobs=jobs, cache=cache)
        except WorkerError as exc:
            print(f"annotary: {exc}", file=sys.stderr)
            return 2
    if command == "anchors":
        return _anchors(root, options.slug, options.format)
    if command == "build":
        from .build import build_site

        return build_site(root, strict=options.strict, site_dir=options.site_dir)
    raise AssertionError(command)


def _lint(root: Path, *, strict: bool, fmt: str, jobs: int, cache: Cache | None) -> int:
    report = lint_archive(root, cache=cache, jobs=jobs)
    output = format_diagnostics(report.problems, fmt)
    if output:
        print(output)
    if fmt == "text":
        print(
            f"annotary lint: {summary(report.problems)} "
            f"({_count(report.articles, 'article')}, {_count(report.annotations, 'annotation')}, "
            f"{_count(report.sources, 'source')})",
            file=sys.stderr,
        )
    failed = bool(report.errors) or (strict and bool(report.warnings))
    return 1 if failed else 0


def _fix(root: Path, *, jobs: int, cache: Cache | None) -> None:
    """Apply the safe fixes, then lint again: what is left is for a person."""
    from .fix import fix_archive

    for change in fix_archive(root, check_archive(root, cache=cache, jobs=jobs)):
        print(change, file=sys.stderr)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _anchors(root: Path, slug: str, fmt: str) -> int:
    if not is_slug(slug):
        print(f"annotary: '{slug}' is not an article slug", file=sys.stderr)
        return 2
    checked = check_archive(root, only=slug)
    placed = checked.placed.get(slug)
    if placed is None:
        problems = [p for p in checked.errors if slug in p.location.file]
        if problems:
            print(format_diagnostics(problems, "text"), file=sys.stderr)
        else:
            print(f"annotary: no article '{slug}' in {ARTICLES_DIR.as_posix()}/", file=sys.stderr)
        return 1
    text = placed.visible.text
    rows: list[dict[str, object]] = []
    for placement in placed.placements:
        annotation, result = placement.annotation, placement.result
        span = placement.span
        if span is not None:
            start, end = span
            before, after = context(text, start, end, CONTEXT_CHARS)
            row: dict[str, object] = {
                "id": annotation.id,
                "type": annotation.type,
                "state": placement.state,
                "similarity": round(result.similarity, 4),
                "start": start,
                "end": end,
                "text": text[start:end],
                "prefix": before,
                "suffix": after,
            }
        else:
            row = {
                "id": annotation.id,
                "type": annotation.type,
                "state": "orphan",
                "similarity": round(result.similarity, 4),
                "start": None,
                "end": None,
                "text": None,
                "prefix": None,
                "suffix": None,
            }
        rows.append(row)
    if fmt == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row, placement in zip(rows, placed.placements, strict=True):
            head = f"{row['id']}  [{row['type']}, {row['state']}"
            if row["state"] == "drifted":
                head += f", similarity {row['similarity']:.2f}"
            head += "]"
            print(head)
            span = placement.span
            if span is None:
                print(f"    not placed: {placement.result.reason or 'see annotary lint'}")
            else:
                print(f"    {span[0]}–{span[1]}: {show_passage(text, span[0], span[1])}")
    return 0


def _metadata(options: argparse.Namespace) -> ArticleMetadata:
    from .importer import ArticleMetadata

    return ArticleMetadata(
        title=options.title,
        outlet=options.outlet,
        captured=options.captured or datetime.date.today(),
        authors=tuple(options.author),
        author_role=options.author_role,
        published=options.published,
        url=options.url,
        tags=tuple(options.tag),
    )


def _bad_slug(slug: str | None) -> bool:
    if slug is not None and not is_slug(slug):
        print(
            f"annotary: '{slug}' is not a valid slug (lowercase letters, digits "
            "and single hyphens, at most 80 characters)",
            file=sys.stderr,
        )
        return True
    return False


def _import_text(root: Path, options: argparse.Namespace) -> int:
    from .importer import import_text

    source: Path = options.file
    try:
        raw = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"annotary: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    if _bad_slug(options.slug):
        return 2
    try:
        imported = import_text(raw, _metadata(options), options.slug)
    except ValueError as exc:
        print(f"annotary: {source}: {exc}", file=sys.stderr)
        return 1
    return _write_article(root, imported)


def _import_html(root: Path, options: argparse.Namespace) -> int:
    try:
        from .import_html import import_html
    except ImportError:
        print(
            "annotary: import-html needs the 'import' extra: pip install 'annotary[import]'",
            file=sys.stderr,
        )
        return 2
    source: Path = options.file
    try:
        raw = source.read_bytes()
    except OSError as exc:
        print(f"annotary: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    if _bad_slug(options.slug):
        return 2
    try:
        imported = import_html(
            raw,
            captured=options.captured or datetime.date.today(),
            url=options.url,
            title=options.title,
            outlet=options.outlet,
            authors=tuple(options.author),
            author_role=options.author_role,
            published=options.published,
            tags=tuple(options.tag),
            slug=options.slug,
        )
    except ValueError as exc:
        print(f"annotary: {source}: {exc}", file=sys.stderr)
        return 1
    return _write_article(root, imported)


def _import_hypothesis(root: Path, options: argparse.Namespace) -> int:
    """Exit 0: every row imported; 1: some rows reported (or nothing written)."""
    from .hypothesis_import import HypothesisImportError, import_hypothesis_file

    if _bad_slug(options.article):
        return 2
    try:
        written, problems = import_hypothesis_file(root, options.file, options.article)
    except HypothesisImportError as exc:
        print(f"annotary: {exc}", file=sys.stderr)
        return 1
    for line in problems:
        print(f"{options.file}: {line}", file=sys.stderr)
    print(
        f"annotary import-hypothesis: {written} added to annotations/{options.article}.yml, "
        f"{len(problems)} row(s) not imported",
        file=sys.stderr,
    )
    return 1 if problems else 0


def _new(root: Path, options: argparse.Namespace) -> int:
    from .importer import ImportedArticle, front_matter

    if _bad_slug(options.slug):
        return 2
    markdown = front_matter(_metadata(options)) + "\nThe article's text, one paragraph per line.\n"
    return _write_article(root, ImportedArticle(options.slug, markdown, (), ()))


def _write_article(root: Path, imported: ImportedArticle) -> int:
    """Write a new article and its empty annotation file; never overwrite."""
    article_path = root / ARTICLES_DIR / f"{imported.slug}.md"
    if article_path.exists():
        print(
            f"annotary: {article_path.relative_to(root).as_posix()} exists already; "
            "refusing to overwrite it (choose another --slug, or delete it first)",
            file=sys.stderr,
        )
        return 1
    article_path.parent.mkdir(parents=True, exist_ok=True)
    article_path.write_text(imported.markdown, encoding="utf-8")
    annotations_path = root / ANNOTATIONS_DIR / f"{imported.slug}.yml"
    if not annotations_path.exists():
        annotations_path.parent.mkdir(parents=True, exist_ok=True)
        annotations_path.write_text(annotation_skeleton(imported.slug), encoding="utf-8")
    for line in imported.dropped_lines:
        print(f"dropped boilerplate line: {line!r}", file=sys.stderr)
    if imported.byline:
        print(f"byline taken from the text: {' / '.join(imported.byline)}", file=sys.stderr)
    print(article_path.relative_to(root).as_posix())
    return 0


def annotation_skeleton(slug: str) -> str:
    """A new, empty annotation file, with the schema hint editors read."""
    return (
        "# yaml-language-server: $schema=../schema/annotations.schema.json\n"
        f"article: {slug}\n"
        "annotations:\n"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
