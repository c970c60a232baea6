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
from typing import Literal

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

    @property
    def source_ids(self) -> tuple[str, ...]:
        """Every source this annotation names, whatever the field."""
        ids = list(self.attributed_to)
        if self.speaker:
            ids.append(self.speaker)
        if self.source:
            ids.append(self.source)
        return tuple(ids)


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
