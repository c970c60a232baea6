"""The validated archive: plain, immutable data that every later stage reads.

Nothing here knows YAML, Markdown or HTML. Each record keeps the
:class:`~annotary.diagnostics.Location` it was written at, so that a problem
found later (a quote that no longer anchors, an unknown source) can still point
at the contributor's line.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, Literal, SupportsIndex

from .diagnostics import Location, Record

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80

AnnotationType = Literal["claim", "quote", "source"]
ANNOTATION_TYPES: tuple[AnnotationType, ...] = ("claim", "quote", "source")
#: Claim verdicts, from best to worst supported; ``unverified`` is "not checked (yet)".
STATUSES = ("supported", "unverified", "disputed", "misleading", "false")
STANCES = ("supports", "contradicts", "context")
SOURCE_KINDS = ("person", "organisation", "anonymous", "document", "media")
#: Page names the archive's own index pages use: no tag or source may take them.
RESERVED_NAMES = frozenset({"index"})


def is_slug(text: str) -> bool:
    """The one rule for article slugs, annotation ids and source ids."""
    return len(text) <= SLUG_MAX_LENGTH and SLUG_PATTERN.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Evidence(Record):
    url: str
    title: str | None
    stance: str | None
    loc: Location


@dataclass(frozen=True, slots=True)
class SourceRef(Record):
    """A source id named by an annotation, and where, for "unknown source" errors."""

    id: str
    field: str
    loc: Location


@dataclass(frozen=True, slots=True)
class Annotation(Record):
    """One highlighted passage of an article and what the archive says about it."""

    id: str
    type: AnnotationType
    quote: str
    loc: Location
    quote_loc: Location
    prefix: str | None = None
    suffix: str | None = None
    note: str | None = None
    tags: tuple[str, ...] = ()
    # claim only
    status: str | None = None
    attributed_to: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    # quote only
    speaker: str | None = None
    # source only
    source: str | None = None
    #: Every source id named, with the field and place it was named at.
    source_refs: tuple[SourceRef, ...] = ()

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, tuple[object, ...]]:
        """One call that rebuilds the annotation with its places and source references.

        Pickled record by record (see :class:`~annotary.diagnostics.Record`), an
        annotation was five records (itself, two places, a source reference and
        its place): 9 µs. Its places as plain values, 3 µs: the cold build pickles
        40,000 annotations at 1,000 articles (the archive a warm build reads back).
        """
        loc, quote_loc = self.loc, self.quote_loc
        return _rebuilt_annotation, (
            self.id,
            self.type,
            self.quote,
            loc.file,
            loc.line,
            loc.column,
            quote_loc.file,
            quote_loc.line,
            quote_loc.column,
            self.prefix,
            self.suffix,
            self.note,
            self.tags,
            self.status,
            self.attributed_to,
            tuple(
                [
                    (e.url, e.title, e.stance, e.loc.file, e.loc.line, e.loc.column)
                    for e in self.evidence
                ]
            ),
            self.speaker,
            self.source,
            tuple(
                [(r.id, r.field, r.loc.file, r.loc.line, r.loc.column) for r in self.source_refs]
            ),
        )

    @property
    def source_ids(self) -> tuple[str, ...]:
        """Every source this annotation names, whatever the field."""
        ids = list(self.attributed_to)
        if self.speaker:
            ids.append(self.speaker)
        if self.source:
            ids.append(self.source)
        return tuple(ids)


def _rebuilt_annotation(
    id: str,
    type: AnnotationType,
    quote: str,
    file: str,
    line: int,
    column: int,
    quote_file: str,
    quote_line: int,
    quote_column: int,
    prefix: str | None,
    suffix: str | None,
    note: str | None,
    tags: tuple[str, ...],
    status: str | None,
    attributed_to: tuple[str, ...],
    evidence: tuple[tuple[str, str | None, str | None, str, int, int], ...],
    speaker: str | None,
    source: str | None,
    source_refs: tuple[tuple[str, str, str, int, int], ...],
) -> Annotation:
    """What :meth:`Annotation.__reduce_ex__` took apart."""
    return Annotation(
        id,
        type,
        quote,
        Location(file, line, column),
        Location(quote_file, quote_line, quote_column),
        prefix,
        suffix,
        note,
        tags,
        status,
        attributed_to,
        tuple(Evidence(u, t, s, Location(f, li, co)) for u, t, s, f, li, co in evidence),
        speaker,
        source,
        tuple(SourceRef(i, n, Location(f, li, co)) for i, n, f, li, co in source_refs),
    )


@dataclass(frozen=True, slots=True)
class AnnotationFile(Record):
    slug: str
    path: str
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True, slots=True)
class Source(Record):
    id: str
    name: str
    kind: str
    loc: Location
    role: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleMeta(Record):
    title: str
    authors: tuple[str, ...]
    outlet: str
    captured: datetime.date
    author_role: str | None = None
    published: datetime.date | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article(Record):
    """An article as captured: its front matter and its Markdown body, verbatim."""

    slug: str
    path: str
    meta: ArticleMeta
    body: str
    #: 1-based line of the article file where ``body`` starts.
    body_line: int = 1


@dataclass(frozen=True, slots=True)
class Archive(Record):
    """Everything the files say, validated: the input of anchoring and rendering."""

    articles: dict[str, Article] = field(default_factory=dict)
    annotation_files: dict[str, AnnotationFile] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    def annotations_of(self, slug: str) -> tuple[Annotation, ...]:
        """The article's annotations; none when it has no annotation file."""
        annotation_file = self.annotation_files.get(slug)
        return annotation_file.annotations if annotation_file else ()
