"""The whole core in one call: files → validated model → placed annotations.

``annotary lint``, ``annotary anchors`` and the site build all go through
:func:`check_archive`, so they can never disagree about where a quote is.

With a :class:`~annotary.cache.Cache`, the two costly steps of placing an
article are remembered across runs: its Markdown rendered to HTML (keyed by the
body, the Markdown settings and the versions of the extensions' packages) and
each annotation's anchor (keyed by the article's visible text and the
annotation's quote, prefix and suffix). Both are pure functions of those keys,
so a cached result is the result.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .anchoring import AnchorResult, Occurrence
from .archive import LoadResult, load_archive
from .cache import distribution_versions
from .diagnostics import Diagnostic, sort_diagnostics
from .markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from .model import Annotation, Archive
from .placement import (
    PlacedArticle,
    anchor_annotation,
    place_annotations,
    placement_problems,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .cache import Cache


@dataclass
class CheckedArchive:
    archive: Archive
    placed: dict[str, PlacedArticle] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [p for p in self.problems if not p.is_error]


def place_article_annotations(
    loaded: LoadResult,
    slug: str,
    markdown_config: MarkdownConfig,
    *,
    cache: Cache | None = None,
) -> tuple[PlacedArticle, list[Diagnostic]]:
    archive = loaded.archive
    article = archive.articles[slug]
    annotation_file = archive.annotation_files.get(slug)
    annotations = annotation_file.annotations if annotation_file else ()
    html = render_markdown(markdown_config, article.body, cache)
    placed = place_annotations_cached(html, annotations, cache)
    return placed, placement_problems(article.path, placed)


def check_archive(
    root: Path,
    markdown_config: MarkdownConfig | None = None,
    only: str | None = None,
    *,
    cache: Cache | None = None,
) -> CheckedArchive:
    """Validate every file and place every annotation; ``only`` limits placing to one slug.

    ``cache`` remembers rendered Markdown and anchors across runs (see the module doc).
    """
    if markdown_config is None:
        markdown_config = markdown_config_from_mkdocs_yml(root / "mkdocs.yml")
    loaded = load_archive(root)
    checked = CheckedArchive(loaded.archive, problems=list(loaded.problems))
    for slug in sorted(loaded.archive.articles):
        if only is not None and slug != only:
            continue
        placed, problems = place_article_annotations(loaded, slug, markdown_config, cache=cache)
        checked.placed[slug] = placed
        checked.problems += problems
    checked.problems = sort_diagnostics(checked.problems)
    return checked


# --- Rendering, remembered -----------------------------------------------------------------


def render_markdown(config: MarkdownConfig, body: str, cache: Cache | None = None) -> str:
    """``config.render(body)``, from the cache when the same body was rendered alike before."""
    fingerprint = markdown_fingerprint(config) if cache is not None else None
    if cache is None or fingerprint is None:
        return config.render(body)
    html: str = cache.get_or_compute(
        "markdown",
        (fingerprint, body),
        lambda: config.render(body),
        lambda value: isinstance(value, str),
    )
    return html


def markdown_fingerprint(config: MarkdownConfig) -> str | None:
    """Everything besides the text that shapes ``config.render``'s output, or ``None``.

    The extension names and settings, the version of Python-Markdown and the
    installed files of any other package that provides an extension (an upgrade
    changes them). ``None`` (do not cache) when a setting is not plain data,
    e.g. a function given with ``!!python/name:``, which no string can stand for.
    """
    try:
        settings = json.dumps(
            [list(config.extensions), {name: dict(c) for name, c in config.configs.items()}],
            sort_keys=True,
        )
    except (TypeError, ValueError):
        return None
    return settings + "\0" + _extension_versions(tuple(config.extensions))


@functools.cache
def _extension_versions(extensions: tuple[str, ...]) -> str:
    parts = [distribution_versions(["markdown"])]
    # Built-in extensions are named "toc" or "markdown.extensions.toc"; any other
    # package is described by its files' sizes and times (reading every installed
    # distribution's metadata to find its version would take most of a second).
    tops = {e.split(".", 1)[0].split(":", 1)[0] for e in extensions if "." in e} - {"markdown"}
    for top in sorted(tops):
        parts.append(f"{top}:{_package_stamp(top)}")
    return ";".join(parts)


def _package_stamp(name: str) -> str:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return "-"
    origin = Path(spec.origin)
    files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
    digest = hashlib.sha256()
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


# --- Anchoring, remembered -----------------------------------------------------------------


def place_annotations_cached(
    html: str, annotations: Sequence[Annotation], cache: Cache | None = None
) -> PlacedArticle:
    """:func:`~annotary.placement.place_annotations`, with each anchor remembered.

    One cache entry per visible text holds the anchors of the annotations placed
    in it, by quote, prefix and suffix: editing one annotation anchors only that
    one again, and annotations that are gone drop out of the entry.
    """
    if cache is None:
        return place_annotations(html, annotations)
    memo = _AnchorMemo(cache)
    placed = place_annotations(html, annotations, memo)
    memo.save()
    return placed


class _AnchorMemo:
    """An :data:`~annotary.placement.Anchor` that reads and fills one cache entry."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.key: str | None = None
        self.stored: dict[str, Any] = {}
        self.results: dict[str, Any] = {}

    def __call__(self, text: str, annotation: Annotation) -> AnchorResult:
        if self.key is None:
            self.key = self.cache.key("anchors", text)
            stored = self.cache.get("anchors", self.key)
            self.stored = stored if isinstance(stored, dict) else {}
        quote_key = json.dumps([annotation.quote, annotation.prefix, annotation.suffix])
        result = _result_from_json(self.stored.get(quote_key), len(text))
        if result is None:
            result = anchor_annotation(text, annotation)
        self.results[quote_key] = _result_to_json(result)
        return result

    def save(self) -> None:
        if self.key is not None and self.results != self.stored:
            self.cache.put("anchors", self.key, self.results)


def _result_to_json(result: AnchorResult) -> dict[str, Any]:
    return {
        "state": result.state,
        "start": result.start,
        "end": result.end,
        "similarity": result.similarity,
        "occurrences": [[o.start, o.end, o.prefix, o.suffix] for o in result.occurrences],
        "candidate": list(result.candidate) if result.candidate is not None else None,
        "reason": result.reason,
    }


def _result_from_json(value: object, size: int) -> AnchorResult | None:
    """The stored result, or ``None`` if it is not one (offsets beyond ``size`` included)."""
    if not isinstance(value, dict):
        return None
    try:
        state = value["state"]
        start, end = value["start"], value["end"]
        similarity = value["similarity"]
        occurrences = tuple(
            Occurrence(_offset(s, size), _offset(e, size), _text(p), _text(x))
            for s, e, p, x in value["occurrences"]
        )
        candidate = value["candidate"]
        if candidate is not None:
            candidate = (_offset(candidate[0], size), _offset(candidate[1], size))
        reason = value["reason"]
        if (
            state not in ("exact", "drifted", "orphan", "ambiguous")
            or not isinstance(similarity, float | int)
            or isinstance(similarity, bool)
            or not isinstance(reason, str)
        ):
            return None
        if state in ("exact", "drifted"):
            start, end = _offset(start, size), _offset(end, size)
            if start >= end:
                return None
        elif start is not None or end is not None:
            return None
        return AnchorResult(state, start, end, float(similarity), occurrences, candidate, reason)
    except (KeyError, TypeError, ValueError):
        return None


def _offset(value: object, size: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= size:
        raise ValueError(value)
    return value


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(value)
    return value
