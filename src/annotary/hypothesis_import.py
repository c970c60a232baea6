"""Importing annotations made with Hypothesis (or any W3C Web Annotation tool).

:func:`import_hypothesis` is pure: rows of a Hypothesis API search result in,
annotations in the archive's format out (plain dicts, in the order of the
format's fields), with one line for every row it did not turn into one.
:func:`import_hypothesis_file` is the I/O around it: it reads the JSON export,
places the rows in the article as ``annotary lint`` does and appends the new
annotations to ``annotations/<slug>.yml``, keeping every byte already there.

How a row becomes an annotation
-------------------------------

The passage
    The row's ``TextQuoteSelector`` (``exact``, ``prefix``, ``suffix``) is
    placed in the article's visible text with :func:`~annotary.anchoring.anchor_quote`
    (typographic variants match: ’ and ', “ and "). A quote found once is
    taken. A quote found several times is chosen by the row's prefix/suffix:
    first as the anchoring engine does, then, since Hypothesis took them from
    the original page and not from our capture, by which occurrence's
    surroundings share clearly the most characters with them. Only then, and
    only to choose among exact occurrences, the ``TextPositionSelector``
    decides: its offsets count the original page's text, not ours, so they are
    first shifted by the offset difference of the nearest row that anchored
    without doubt, and the nearest occurrence must be clearly nearest. A
    ``RangeSelector`` (XPaths into the original page) is not used. A quote that
    is not in the text verbatim is never imported, even if a close passage
    exists (that is a drifted annotation, for a person to check): the row is
    reported with the closest passage.

    The quote written is the article's own text of the passage (its curly
    quotes, its spacing); ``prefix``/``suffix`` only as far as needed to tell
    the passage from the quote's other occurrences (the shortest context, as
    ``annotary lint`` suggests it), none when the quote is unique.
Tags
    ``claim``, ``quote`` or ``source`` sets the type (default ``claim``);
    ``status:<value>`` a claim's status (default ``unverified``);
    ``speaker:<id>`` a quote's speaker, ``source:<id>`` a source's source (for a
    claim, either adds to ``attributed_to``). Every other tag stays a tag.
    A quote without a speaker, a source without a source id, a status that is
    not in the vocabulary, a source id that ``annotations/sources.yml`` does not
    list: the row is reported, not written.
Text
    ``text`` (Markdown, as in the archive) becomes the ``note``; no note if empty.
Id
    ``h-`` and the Hypothesis id as a slug (``h-ab12cd-ef``); when the row's id
    is an address whose fragment is already a valid id (a W3C annotation
    exported by Annotary: ``…/articles/x/#the-id``), that fragment. An id
    already taken gets ``-2``, ``-3`` … unless the annotation there has the same
    passage: then the row was imported before and is reported as such, so
    importing the same export twice adds nothing (a row given twice in one
    export is imported once).

Rows that are replies, page notes (no quote), or about another page than the
article (neither its original ``url`` nor its page in an Annotary site) are
reported too. Nothing is dropped silently.

W3C input
---------

:func:`rows_from_w3c` turns W3C Web Annotations (a collection with embedded
pages, a page, one annotation or a list) into such rows, reading back what
:mod:`annotary.w3c` writes: the type from ``annotary:annotationType`` (or the
motivation ``assessing``: a claim), the status from the ``assessing`` body,
sources from the ``identifying`` bodies that link to ``…/sources/<id>/``,
tags, and the ``commenting`` body as the note. Evidence links have no place
in a Hypothesis row and are not carried. So an export of our own annotations
imports back into an empty file as the same annotations.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from .anchoring import (
    AnchorResult,
    anchor_quote,
    normalize_for_matching,
    normalize_quote,
    shortest_unique_context,
)
from .importer import slugify
from .model import ANNOTATION_TYPES, STATUSES, is_slug
from .placement import show_passage
from .validate import did_you_mean

if TYPE_CHECKING:
    from .model import AnnotationFile

__all__ = [
    "ANNOTATIONS_HEADER",
    "HypothesisImportError",
    "ImportResult",
    "append_annotations",
    "import_hypothesis",
    "import_hypothesis_file",
    "read_rows",
    "rows_from_w3c",
]

#: The first line of a new annotation file: editors read the schema from it.
ANNOTATIONS_HEADER: Final = "# yaml-language-server: $schema=../schema/annotations.schema.json\n"
#: Prefix of ids made from Hypothesis ids.
ID_PREFIX: Final = "h-"
#: The surroundings of one occurrence must share at least this many more
#: characters with the row's prefix/suffix than any other's to choose it.
CONTEXT_MARGIN_CHARS: Final = 4
#: A position hint chooses an occurrence only if the next nearest is at least
#: this many times as far away.
POSITION_MARGIN: Final = 2.0
_ANNOTARY_TYPE_KEYS: Final = (
    "annotary:annotationType",
    "https://annotary.invalid/ns#annotationType",
)
_SOURCE_PAGE: Final = re.compile(r"/sources/([a-z0-9]+(?:-[a-z0-9]+)*)(?:/|\.html)?$")
_PLACING_CODES: Final = frozenset({"quote-drifted", "quote-not-found", "quote-ambiguous"})
_NO_WRAP: Final = 1_000_000_000


class HypothesisImportError(Exception):
    """Nothing could be imported: the export, the article or its file is unusable."""


@dataclass
class ImportResult:
    """What :func:`import_hypothesis` made of the rows.

    Attributes:
        new_annotations: The annotations to append, as plain dicts in the
            format's field order.
        problems: One line per row not imported, saying which row and why.
    """

    new_annotations: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Quote:
    exact: str
    prefix: str | None
    suffix: str | None
    position: int | None


@dataclass(frozen=True)
class _Row:
    """A row read: its label for messages, and its parts."""

    index: int
    label: str
    row_id: str | None
    quote: _Quote
    tags: tuple[str, ...]
    text: str


# --- the pure import ---------------------------------------------------------


def import_hypothesis(
    rows: Sequence[Any],
    *,
    visible_text: str,
    existing: AnnotationFile | None = None,
    source_ids: Collection[str] | None = None,
    article_uris: Collection[str] | None = None,
    slug: str | None = None,
) -> ImportResult:
    """Turn Hypothesis rows into new annotations of one article.

    Args:
        rows: The ``rows`` of a Hypothesis API search result (or :func:`rows_from_w3c`).
        visible_text: The article's visible text (``PlacedArticle.visible.text``).
        existing: The article's annotation file as it is, for ids and re-imports.
        source_ids: The registered source ids; ``None`` not to check them.
        article_uris: Addresses of the article (its original ``url``); a row
            about another address is reported, unless it is the article's page
            in an Annotary site (``…/articles/<slug>/``). ``None`` or empty: no check.
        slug: The article's slug, to recognize its page in an Annotary site.

    Returns:
        The new annotations in row order, and a line for each row left out.
    """
    result = ImportResult()
    taken = {a.id: a for a in existing.annotations} if existing is not None else {}
    new_ids: set[str] = set()
    seen_rows: dict[str, str] = {}  # Hypothesis id → the id it was given
    wanted = {_uri_key(u) for u in article_uris or () if u}
    read: list[_Row | str] = []
    for index, row in enumerate(rows, start=1):
        item = _read_row(row, index)
        if isinstance(item, _Row) and wanted:
            uri = _row_uri(row)
            if uri and _uri_key(uri) not in wanted and not _is_archive_page(uri, slug):
                read.append(f"{item.label}: it annotates another page ({uri}); skipped")
                continue
        read.append(item)
    calibration = _calibration([item for item in read if isinstance(item, _Row)], visible_text)
    for item in read:
        if isinstance(item, str):
            result.problems.append(item)
            continue
        outcome = _annotation_for(item, visible_text, source_ids, calibration)
        if isinstance(outcome, str):
            result.problems.append(f"{item.label}: {outcome}")
            continue
        if item.row_id is not None and item.row_id in seen_rows:
            twice = f"the export holds this annotation twice (as '{seen_rows[item.row_id]}')"
            result.problems.append(f"{item.label}: {twice}; not imported again")
            continue
        annotation_id, duplicate = _choose_id(item, outcome["quote"], taken, new_ids)
        if duplicate is not None:
            result.problems.append(f"{item.label}: {duplicate}; not imported again")
            continue
        new_ids.add(annotation_id)
        if item.row_id is not None:
            seen_rows[item.row_id] = annotation_id
        result.new_annotations.append({"id": annotation_id, **outcome})
    return result


def _calibration(rows: list[_Row], text: str) -> list[tuple[int, int]]:
    """``(their start, our start - their start)`` of the rows placed without doubt, sorted."""
    found = []
    for row in rows:
        if row.quote.position is None:
            continue
        placed = anchor_quote(text, row.quote.exact)
        if placed.state == "exact" and placed.start is not None:
            found.append((row.quote.position, placed.start - row.quote.position))
    return sorted(found)


def _read_row(row: object, index: int) -> _Row | str:
    if not isinstance(row, Mapping):
        return f"row {index}: not an annotation (a JSON object was expected); skipped"
    row_id = row.get("id") if isinstance(row.get("id"), str) else None
    label = f"row {index}" + (f" ({row_id})" if row_id else "")
    if row.get("references"):
        return f"{label}: a reply to another annotation, not an annotation of the text; skipped"
    quote = _quote_of(row)
    if quote is None:
        return (
            f"{label}: no TextQuoteSelector (a page note, or an annotation without a "
            "highlighted passage); skipped"
        )
    if not normalize_quote(quote.exact):
        return f"{label}: its quote is empty; skipped"
    tags = row.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return f"{label}: 'tags' is not a list of strings; skipped"
    text = row.get("text") or ""
    if not isinstance(text, str):
        return f"{label}: 'text' is not a string; skipped"
    return _Row(index, label, row_id, quote, tuple(tags), text)


def _selectors(row: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    targets = row.get("target")
    if isinstance(targets, Mapping):
        targets = [targets]
    found: list[Mapping[str, Any]] = []
    for target in targets if isinstance(targets, list) else []:
        if not isinstance(target, Mapping):
            continue
        selectors = target.get("selector")
        if isinstance(selectors, Mapping):
            selectors = [selectors]
        found += [s for s in selectors or [] if isinstance(s, Mapping)]
    return found


def _quote_of(row: Mapping[str, Any]) -> _Quote | None:
    selectors = _selectors(row)
    by_type: dict[object, Mapping[str, Any]] = {}
    for selector in selectors:
        by_type.setdefault(selector.get("type"), selector)
    text_quote = by_type.get("TextQuoteSelector")
    if text_quote is None or not isinstance(text_quote.get("exact"), str):
        return None
    position = by_type.get("TextPositionSelector")
    start = position.get("start") if position is not None else None
    return _Quote(
        text_quote["exact"],
        _optional_text(text_quote.get("prefix")),
        _optional_text(text_quote.get("suffix")),
        start if isinstance(start, int) and not isinstance(start, bool) and start >= 0 else None,
    )


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _row_uri(row: Mapping[str, Any]) -> str | None:
    uri = row.get("uri")
    if isinstance(uri, str) and uri:
        return uri
    targets = row.get("target")
    if isinstance(targets, Mapping):
        targets = [targets]
    for target in targets if isinstance(targets, list) else []:
        if isinstance(target, Mapping) and isinstance(target.get("source"), str):
            return str(target["source"])
    return None


def _uri_key(uri: str) -> str:
    """An address for comparison: no scheme, fragment, ``www.`` or final slash; host lowercase."""
    parts = urlsplit(uri.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _is_archive_page(uri: str, slug: str | None) -> bool:
    if slug is None:
        return False
    path = urlsplit(uri).path
    return path.endswith((f"/articles/{slug}/", f"/articles/{slug}", f"/articles/{slug}.html"))


# --- tags --------------------------------------------------------------------


def _annotation_for(
    row: _Row,
    text: str,
    source_ids: Collection[str] | None,
    calibration: list[tuple[int, int]],
) -> dict[str, Any] | str:
    """The annotation for one row (without its id), or why there is none."""
    fields = _fields_from_tags(row.tags, source_ids)
    if isinstance(fields, str):
        return fields
    span = _place(text, row.quote, calibration)
    if isinstance(span, str):
        return span
    start, end = span
    quote = text[start:end]
    prefix, suffix = shortest_unique_context(text, start, end, quote)
    check = anchor_quote(text, quote, prefix, suffix)
    if check.state != "exact" or (check.start, check.end) != (start, end):
        return (
            f"the quote occurs several times and no prefix or suffix of a few words tells "
            f"the passage at {show_passage(text, start, end)} apart; skipped"
        )
    annotation: dict[str, Any] = {"type": fields.pop("type"), "quote": quote}
    if prefix is not None:
        annotation["prefix"] = prefix
    if suffix is not None:
        annotation["suffix"] = suffix
    annotation.update(fields)
    note = row.text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if note:
        annotation["note"] = note
    return annotation


def _fields_from_tags(
    tags: Iterable[str], source_ids: Collection[str] | None
) -> dict[str, Any] | str:
    types: list[str] = []
    statuses: list[str] = []
    speakers: list[str] = []
    sources: list[str] = []
    plain: list[str] = []
    for raw in tags:
        tag = raw.strip()
        lower = tag.lower()
        key, colon, value = lower.partition(":")
        if lower in ANNOTATION_TYPES:
            types.append(lower)
        elif colon and key == "status":
            statuses.append(value.strip())
        elif colon and key in ("speaker", "source"):
            (speakers if key == "speaker" else sources).append(tag.partition(":")[2].strip())
        elif tag and tag not in plain:
            plain.append(tag)
    if len(set(types)) > 1:
        return f"its tags give several types ({', '.join(dict.fromkeys(types))}): keep one; skipped"
    kind = types[0] if types else "claim"
    for source_id in speakers + sources:
        problem = _check_source_id(source_id, source_ids)
        if problem:
            return problem
    fields: dict[str, Any] = {"type": kind}
    if kind != "claim" and statuses:
        return f"'status:' applies to claims only, and this is a {kind}; skipped"
    if kind == "claim":
        status = statuses[0] if statuses else "unverified"
        if len(set(statuses)) > 1:
            return f"its tags give several statuses ({', '.join(statuses)}); skipped"
        if status not in STATUSES:
            suggestion = did_you_mean(status, STATUSES)
            hint = f" (did you mean 'status:{suggestion}'?)" if suggestion else ""
            return (
                f"'status:{status}' is not a claim status{hint}; use one of "
                + ", ".join(STATUSES)
                + "; skipped"
            )
        fields["status"] = status
        attributed = list(dict.fromkeys(speakers + sources))
        if attributed:
            fields["attributed_to"] = attributed
    elif kind == "quote":
        if sources:
            return "a quote names who said it with 'speaker:<id>', not 'source:<id>'; skipped"
        if len(set(speakers)) != 1:
            return (
                "a quote needs exactly one 'speaker:<id>' tag (the source id of who said it)"
                + (f", not {len(set(speakers))}" if speakers else "")
                + "; skipped"
            )
        fields["speaker"] = speakers[0]
    else:
        if speakers:
            return "a source names its source with 'source:<id>', not 'speaker:<id>'; skipped"
        if len(set(sources)) != 1:
            return (
                "a source needs exactly one 'source:<id>' tag (the id of the source named)"
                + (f", not {len(set(sources))}" if sources else "")
                + "; skipped"
            )
        fields["source"] = sources[0]
    if plain:
        fields["tags"] = plain
    return fields


def _check_source_id(source_id: str, source_ids: Collection[str] | None) -> str | None:
    if not is_slug(source_id):
        return f"'{source_id}' is not a source id (lowercase letters, digits, hyphens); skipped"
    if source_ids is not None and source_id not in source_ids:
        suggestion = did_you_mean(source_id, source_ids)
        hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
        return (
            f"no source '{source_id}' in annotations/sources.yml{hint}: add it there first; skipped"
        )
    return None


# --- placing the quote ---------------------------------------------------------


def _place(text: str, quote: _Quote, calibration: list[tuple[int, int]]) -> tuple[int, int] | str:
    plain = anchor_quote(text, quote.exact)
    if plain.state == "exact":
        return _span(plain)
    if plain.state == "ambiguous":
        if quote.prefix is not None or quote.suffix is not None:
            chosen = anchor_quote(text, quote.exact, quote.prefix, quote.suffix)
            if chosen.state == "exact":
                return _span(chosen)
        spans = [(o.start, o.end) for o in plain.occurrences]
        by_context = _by_context(text, spans, quote.prefix, quote.suffix)
        if by_context is not None:
            return by_context
        by_position = _by_position(spans, quote.position, calibration)
        if by_position is not None:
            return by_position
        return (
            f"the quote occurs {len(spans)} times in the article and neither its "
            "prefix/suffix nor its position tell which one is meant; skipped"
        )
    if plain.state == "drifted" and plain.start is not None and plain.end is not None:
        return (
            "the quote is not in the article's text as captured; the closest passage "
            f"({plain.similarity:.0%} similar) is {show_passage(text, plain.start, plain.end)}; "
            "check it and annotate it by hand; skipped"
        )
    reason = plain.reason or "the quote is not in the article's text"
    where = ""
    if plain.candidate is not None:
        where = f" (closest: {show_passage(text, *plain.candidate)})"
    return f"the quote cannot be placed: {reason}{where}; skipped"


def _span(result: AnchorResult) -> tuple[int, int]:
    assert result.start is not None
    assert result.end is not None
    return result.start, result.end


def _by_context(
    text: str, spans: list[tuple[int, int]], prefix: str | None, suffix: str | None
) -> tuple[int, int] | None:
    """The occurrence whose surroundings share clearly the most characters with the context."""
    if prefix is None and suffix is None:
        return None
    nt = normalize_for_matching(text)
    npre = normalize_quote(prefix) if prefix else ""
    nsuf = normalize_quote(suffix) if suffix else ""
    scores = []
    for start, end in spans:
        before = " ".join(nt[:start].split())
        after = " ".join(nt[end : end + 4 * len(nsuf) + 8].split())
        scores.append(_common_suffix(before, npre) + _common_prefix(after, nsuf))
    best = max(scores)
    rest = sorted(scores)[-2] if len(scores) > 1 else 0
    if best - rest < CONTEXT_MARGIN_CHARS:
        return None
    return spans[scores.index(best)]


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def _by_position(
    spans: list[tuple[int, int]], position: int | None, calibration: list[tuple[int, int]]
) -> tuple[int, int] | None:
    """The occurrence clearly nearest to the row's position, once shifted to our text.

    ``calibration`` holds ``(their_start, our_start - their_start)`` of the rows
    placed without doubt; the nearest one's shift is applied. Without any, a
    position in another text says nothing.
    """
    if position is None or not calibration:
        return None
    index = bisect.bisect_left(calibration, (position, -(10**12)))
    near = [calibration[i] for i in (index - 1, index) if 0 <= i < len(calibration)]
    shift = min(near, key=lambda c: abs(c[0] - position))[1]
    hint = position + shift
    distances = sorted((abs(start - hint), (start, end)) for start, end in spans)
    if len(distances) > 1 and distances[1][0] < POSITION_MARGIN * max(distances[0][0], 1):
        return None
    return distances[0][1]


# --- ids -------------------------------------------------------------------------


def _choose_id(
    row: _Row, quote: str, taken: Mapping[str, Any], new_ids: set[str]
) -> tuple[str, str | None]:
    """The new annotation's id, or (id, why not) when the row was imported before.

    Hypothesis ids differ in case where slugs cannot: a slug already taken by
    another passage is numbered, not refused.
    """
    base = _base_id(row)
    existing = taken.get(base)
    if existing is not None and normalize_quote(existing.quote) == normalize_quote(quote):
        return base, f"already in the file as '{base}'"
    candidate, number = base, 1
    while candidate in taken or candidate in new_ids:
        number += 1
        suffix = f"-{number}"
        candidate = base[: 80 - len(suffix)].rstrip("-") + suffix
    return candidate, None


def _base_id(row: _Row) -> str:
    row_id = row.row_id or ""
    fragment = urlsplit(row_id).fragment if "#" in row_id else ""
    if fragment and is_slug(fragment):
        return fragment
    try:
        return ID_PREFIX + slugify(row_id, max_length=80 - len(ID_PREFIX))
    except ValueError:
        return f"{ID_PREFIX}row-{row.index}"


# --- W3C Web Annotations as rows ------------------------------------------------------


def rows_from_w3c(document: Any) -> list[dict[str, Any]]:
    """Hypothesis-like rows from W3C Web Annotations (see the module docstring).

    Args:
        document: An ``AnnotationCollection`` (its pages embedded), an
            ``AnnotationPage``, one ``Annotation`` or a list of annotations.

    Raises:
        ValueError: Pages given only by address (they are not fetched), or
            something that is not a Web Annotation document.
    """
    return [_row_from_w3c(a) for a in _w3c_annotations(document)]


def _w3c_annotations(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, list):
        return [a for item in document for a in _w3c_annotations(item)]
    if not isinstance(document, Mapping):
        raise ValueError("not a Web Annotation document (a JSON object or list was expected)")
    kinds = _values(document.get("type"))
    if "AnnotationCollection" in kinds:
        page = document.get("first")
        if page is None:
            return []
        return _page_annotations(page)
    if "AnnotationPage" in kinds:
        return _page_annotations(document)
    if "Annotation" in kinds:
        return [document]
    raise ValueError("not a Web Annotation document (no Annotation, page or collection type)")


def _page_annotations(page: Any) -> list[Mapping[str, Any]]:
    found: list[Mapping[str, Any]] = []
    while page is not None:
        if not isinstance(page, Mapping):
            raise ValueError(
                "the collection's pages are given by address only; download them "
                "and import each page's file"
            )
        for item in page.get("items") or []:
            if not isinstance(item, Mapping):
                raise ValueError("a page lists an annotation by address only; it is not fetched")
            found.append(item)
        page = page.get("next")
    return found


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _row_from_w3c(annotation: Mapping[str, Any]) -> dict[str, Any]:
    kind = next(
        (annotation[k] for k in _ANNOTARY_TYPE_KEYS if isinstance(annotation.get(k), str)), None
    )
    if kind is None and "assessing" in _values(annotation.get("motivation")):
        kind = "claim"
    tags: list[str] = [kind] if kind else []
    notes: list[str] = []
    plain_tags: list[str] = []
    bodies = _values(annotation.get("body"))
    if isinstance(annotation.get("bodyValue"), str):
        notes.append(annotation["bodyValue"])
    for body in bodies:
        if not isinstance(body, Mapping):
            continue
        purposes = _values(body.get("purpose"))
        value = body.get("value")
        if isinstance(value, str):
            if "tagging" in purposes:
                plain_tags.append(value)
            elif "assessing" in purposes:
                tags.append(f"status:{value}")
            elif "commenting" in purposes or not purposes:
                notes.append(value)
        elif "identifying" in purposes:
            source_id = _source_id(body.get("source"))
            if source_id is not None:
                tags.append(f"{'speaker' if kind == 'quote' else 'source'}:{source_id}")
    targets = [t for t in _values(annotation.get("target")) if t is not None]
    row: dict[str, Any] = {
        "id": annotation.get("id"),
        "text": "\n\n".join(notes),
        "tags": tags + plain_tags,
        "target": [
            {"source": t} if isinstance(t, str) else dict(t) for t in targets if t is not None
        ],
    }
    uri = _row_uri(row)
    if uri is not None:
        row["uri"] = uri
    return row


def _source_id(source: Any) -> str | None:
    address = source.get("id") if isinstance(source, Mapping) else source
    if not isinstance(address, str):
        return None
    match = _SOURCE_PAGE.search(urlsplit(address).path)
    return match.group(1) if match else None


def read_rows(data: Any) -> list[Any]:
    """The rows of an export: a Hypothesis search result (``{"rows": […]}``), a
    list of rows, or W3C Web Annotations (see :func:`rows_from_w3c`).

    Raises:
        ValueError: Neither.
    """
    if isinstance(data, Mapping) and isinstance(data.get("rows"), list):
        rows = data["rows"]
    elif isinstance(data, Mapping) and "type" in data:
        return rows_from_w3c(data)
    elif isinstance(data, list):
        rows = data
    else:
        raise ValueError(
            'not a Hypothesis export: expected the API\'s search result ({"rows": [...]}), '
            "a list of annotations, or W3C Web Annotations"
        )
    out: list[Any] = []
    for row in rows:
        if isinstance(row, Mapping) and "Annotation" in _values(row.get("type")):
            out += rows_from_w3c(row)
        else:
            out.append(row)  # a row that is not an object is reported by the import
    return out


# --- the file (I/O) -----------------------------------------------------------------


def import_hypothesis_file(root: Path, json_path: Path, slug: str) -> tuple[int, list[str]]:
    """Import an export into ``annotations/<slug>.yml`` under ``root``.

    The article is read and placed as ``annotary lint`` does; the new
    annotations are appended after those already in the file, whose text is
    kept byte for byte (comments, order, quoting). A missing file is created
    with the schema header and ``article: <slug>``.

    Args:
        root: The archive's root folder.
        json_path: The export: a Hypothesis API search result or W3C annotations.
        slug: The article's slug.

    Returns:
        How many annotations were written, and one line per row not imported.

    Raises:
        HypothesisImportError: The export cannot be read, the article does not
            exist, or its annotation file has errors (fix them first); nothing
            was written.
    """
    from .pipeline import check_archive

    if not is_slug(slug):
        raise HypothesisImportError(f"'{slug}' is not an article slug")
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
        rows = read_rows(data)
    except (OSError, UnicodeDecodeError) as exc:
        raise HypothesisImportError(f"cannot read {json_path}: {exc}") from None
    except ValueError as exc:  # json.JSONDecodeError is one
        raise HypothesisImportError(f"{json_path}: {exc}") from None
    checked = check_archive(root, only=slug)
    placed = checked.placed.get(slug)
    article = checked.archive.articles.get(slug)
    if placed is None or article is None:
        raise HypothesisImportError(
            f"no article '{slug}' (docs/articles/{slug}.md is missing or has errors: "
            "run annotary lint)"
        )
    rel = f"annotations/{slug}.yml"
    path = root / rel
    broken = [
        p
        for p in checked.errors
        if p.location.file in (rel, "annotations/sources.yml") and p.code not in _PLACING_CODES
    ]
    if broken or (path.exists() and slug not in checked.archive.annotation_files):
        raise HypothesisImportError(
            f"{rel} or annotations/sources.yml has errors; fix them first (annotary lint)"
        )
    result = import_hypothesis(
        rows,
        visible_text=placed.visible.text,
        existing=checked.archive.annotation_files.get(slug),
        source_ids=set(checked.archive.sources),
        article_uris=[article.meta.url] if article.meta.url else None,
        slug=slug,
    )
    if result.new_annotations:
        original = path.read_text(encoding="utf-8") if path.exists() else None
        text = append_annotations(original, slug, result.new_annotations, json_path.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, text)
    return len(result.new_annotations), result.problems


def append_annotations(
    original: str | None, slug: str, annotations: list[dict[str, Any]], origin: str
) -> str:
    """The annotation file's text with ``annotations`` appended.

    When the file ends with its ``annotations:`` block list (or an empty
    ``annotations:``), the new items are added as text after the last line, in
    the file's indentation, with a comment naming ``origin``: every existing
    byte stays. Otherwise (a flow list, keys after the list) ruamel.yaml's
    round trip rewrites the file, keeping comments, key order and quoting.
    Either way the result must read back as the old data plus the new items.

    Raises:
        HypothesisImportError: The file is not an annotation file, or the result
            would not read back as intended.
    """
    if original is None:
        original = f"{ANNOTATIONS_HEADER}article: {slug}\nannotations:\n"
    try:
        expected = yaml.safe_load(original)
    except yaml.YAMLError as exc:
        raise HypothesisImportError(f"annotations/{slug}.yml does not parse: {exc}") from None
    if not isinstance(expected, dict) or not isinstance(expected.get("annotations"), list | None):
        raise HypothesisImportError(f"annotations/{slug}.yml is not an annotation file")
    written = [_as_written(a) for a in annotations]
    expected["annotations"] = [*(expected.get("annotations") or []), *written]
    text = _append_as_text(original, annotations, origin)
    if text is not None and _reads_as(text, expected):
        return text
    # e.g. a flow list, or a last note kept with `|+` that a blank line would extend
    text = _append_round_trip(original, annotations)
    if not _reads_as(text, expected):  # pragma: no cover - a bug if reached
        raise HypothesisImportError("the new annotations would not read back as written")
    return text


def _reads_as(text: str, expected: object) -> bool:
    try:
        reread = yaml.safe_load(text)
        YAML(typ="rt").load(text)
    except (YAMLError, yaml.YAMLError):
        return False
    return bool(reread == expected)


_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(.*)$")
_ITEM = re.compile(r"^( *)- ")


def _append_as_text(original: str, annotations: list[dict[str, Any]], origin: str) -> str | None:
    """Append below the last line, or ``None`` when the file does not end with the list."""
    lines = original.splitlines(keepends=True)
    top = [(i, m) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    if not top or top[-1][1].group(1) != "annotations":
        return None
    start, match = top[-1]
    rest = match.group(2).strip()
    if rest and not rest.startswith("#"):
        return None  # a flow list, or a value on the key's line
    body = lines[start + 1 :]
    items = [m for line in body if (m := _ITEM.match(line))]
    offset = _item_offset(original)
    spaced = _blank_line_between_items(body)
    chunks = [_dump_item(item, offset) for item in annotations]
    text = original if original.endswith("\n") or not original else original + "\n"
    lead = "\n" if spaced and items else ""
    comment = f"{' ' * offset}# Imported from {_one_line(origin)}\n"
    joiner = "\n" if spaced else ""
    return text + lead + comment + joiner.join(chunks)


def _item_offset(text: str) -> int:
    """The column of the annotations' ``-`` in the file (2, as in the seed, by default)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match and match.group(1) == "annotations":
            for following in lines[index + 1 :]:
                item = _ITEM.match(following)
                if item:
                    return len(item.group(1))
    return 2


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _blank_line_between_items(body: list[str]) -> bool:
    """Do the file's items stand apart by blank lines (as in the seed)?"""
    previous_blank = False
    seen_item = False
    for line in body:
        if _ITEM.match(line):
            if seen_item and previous_blank:
                return True
            seen_item = True
        if line.strip():
            previous_blank = False if not line.lstrip().startswith("#") else previous_blank
        else:
            previous_blank = True
    return False


def _yaml(offset: int) -> YAML:
    dumper = YAML(typ="rt")
    dumper.width = _NO_WRAP
    dumper.indent(mapping=2, sequence=offset + 2, offset=offset)
    return dumper


def _as_written(annotation: Mapping[str, Any]) -> dict[str, Any]:
    """The annotation as it reads back from the file: a note is a ``|`` block, with its newline."""
    return {
        key: value + "\n" if key == "note" and isinstance(value, str) else value
        for key, value in annotation.items()
    }


def _commented(annotation: Mapping[str, Any]) -> CommentedMap:
    item = CommentedMap()
    for key, value in _as_written(annotation).items():
        if isinstance(value, list):
            seq = CommentedSeq(value)
            seq.fa.set_flow_style()
            item[key] = seq
        elif key == "note" and isinstance(value, str):
            item[key] = LiteralScalarString(value)  # as in the seed: `note: |`
        else:
            item[key] = value
    return item


def _dump_item(annotation: Mapping[str, Any], offset: int) -> str:
    buffer = io.StringIO()
    _yaml(offset).dump({"annotations": [_commented(annotation)]}, buffer)
    dumped = buffer.getvalue()
    return dumped.split("\n", 1)[1]


def _append_round_trip(original: str, annotations: list[dict[str, Any]]) -> str:
    loader = YAML(typ="rt")
    loader.preserve_quotes = True
    loader.width = _NO_WRAP
    try:
        document = loader.load(original)
    except YAMLError as exc:  # pragma: no cover - PyYAML read it already
        raise HypothesisImportError(f"the annotation file does not parse: {exc}") from None
    items = document.get("annotations")
    if not isinstance(items, CommentedSeq):
        items = CommentedSeq()
        document["annotations"] = items
    if items.fa.flow_style():
        items.fa.set_block_style()
    items.extend(_commented(a) for a in annotations)
    offset = _item_offset(original)
    loader.indent(mapping=2, sequence=offset + 2, offset=offset)
    buffer = io.StringIO()
    loader.dump(document, buffer)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                os.chmod(temporary, 0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
