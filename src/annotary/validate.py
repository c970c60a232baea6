"""The annotation format, version 1: located YAML → validated model records.

This module is the contract in ``annotation-format.md`` made executable. It
checks one file at a time, reports every problem it finds (not only the first)
and returns whatever records are sound, so a single run can tell a contributor
everything that is wrong. Cross-file checks (does a source id exist? does the
article exist?) are made where those facts are known: in :mod:`annotary.archive`.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlparse

from . import model
from .diagnostics import Diagnostic, Location, error
from .model import (
    ANNOTATION_TYPES,
    RESERVED_NAMES,
    SLUG_MAX_LENGTH,
    SOURCE_KINDS,
    STANCES,
    STATUSES,
    Annotation,
    AnnotationFile,
    ArticleMeta,
    Evidence,
    Source,
    SourceRef,
)
from .yamlsource import Mapping, Node, Scalar, Sequence, shown

COMMON_ANNOTATION_FIELDS = ("id", "type", "quote", "prefix", "suffix", "note", "tags")
FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "claim": ("status", "attributed_to", "evidence"),
    "quote": ("speaker",),
    "source": ("source",),
}
REQUIRED_BY_TYPE: dict[str, str] = {"claim": "status", "quote": "speaker", "source": "source"}
ALL_ANNOTATION_FIELDS = COMMON_ANNOTATION_FIELDS + tuple(
    f for fields in FIELDS_BY_TYPE.values() for f in fields
)
EVIDENCE_FIELDS = ("url", "title", "stance")
SOURCE_FIELDS = ("id", "name", "kind", "role", "url")
FRONT_MATTER_FIELDS = (
    "title",
    "author",
    "author_role",
    "outlet",
    "published",
    "url",
    "captured",
    "tags",
)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices``, for a "did you mean …?" hint, or None."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _type_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping (fields)"
    if isinstance(node, Sequence):
        return "a list"
    value = node.value
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime.date):
        return "a date"
    return "text"


#: What a text field may hold: text, or nothing (``note:`` with no value).
_TEXT_TYPES = (str, type(None))


@dataclass
class _Checker:
    """Collects problems for one file while typed values are pulled out of it."""

    file: str
    problems: list[Diagnostic] = field(default_factory=list)
    #: (mapping, field) pairs where an unknown field is a misspelling of that field:
    #: its "did you mean" error is enough, no second "has no" error for the same line.
    misspelled: set[tuple[Location, str]] = field(default_factory=set)

    def error(self, loc: Location, code: str, message: str, hint: str | None = None) -> None:
        self.problems.append(error(loc, code, message, hint))

    # -- shapes -----------------------------------------------------------------

    def mapping(self, node: Node | None, what: str, loc: Location) -> Mapping | None:
        if isinstance(node, Mapping):
            return node
        if node is None:
            self.error(loc, "wrong-type", f"{what} is empty: expected fields")
        else:
            self.error(node.loc, "wrong-type", f"{what} must be fields, not {_type_name(node)}")
        return None

    def unknown_fields(self, node: Mapping, allowed: tuple[str, ...], what: str) -> None:
        for key in node.key_nodes():
            name = str(key.value)
            if name in allowed:
                continue
            suggestion = did_you_mean(name, allowed)
            hint = f"did you mean '{suggestion}'?" if suggestion else None
            if suggestion is not None and node.get(suggestion) is None:
                self.misspelled.add((node.loc, suggestion))
            if hint is None:
                hint = "allowed fields: " + ", ".join(allowed)
            self.error(key.loc, "unknown-field", f"unknown field '{shown(name)}' in {what}", hint)

    def required(
        self,
        node: Mapping,
        name: str,
        what: str,
        hint: str | None = None,
        fields: dict[str, Node] | None = None,
    ) -> Node | None:
        """``node``'s field ``name`` (looked up in ``fields``, its index, when given)."""
        value = node.get(name) if fields is None else fields.get(name)
        if value is None and (node.loc, name) not in self.misspelled:
            self.error(node.loc, "missing-field", f"{what} has no '{name}'", hint)
        return value

    def text(self, node: Node | None, name: str, *, allow_empty: bool = False) -> str | None:
        """A text value. Numbers and dates are refused, not quietly turned into text."""
        if node is None:
            return None
        if not isinstance(node, Scalar) or not isinstance(node.value, _TEXT_TYPES):
            hint = None
            if isinstance(node, Scalar) and node.value is not None:
                hint = f'put it in quotes: {name}: "{shown(node.value)}"'
            self.error(
                node.loc, "wrong-type", f"'{name}' must be text, not {_type_name(node)}", hint
            )
            return None
        value = node.value or ""
        if not allow_empty and not value.strip():
            self.error(node.loc, "empty-value", f"'{name}' is empty")
            return None
        return value

    def text_list(self, node: Node | None, name: str) -> tuple[str, ...] | None:
        """A list of texts; a single text is accepted as a list of one."""
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, str):
            return (node.value,) if self.text(node, name) is not None else None
        if not isinstance(node, Sequence):
            self.error(node.loc, "wrong-type", f"'{name}' must be a list, not {_type_name(node)}")
            return None
        values = []
        for item in node.items:
            value = self.text(item, f"{name} item")
            if value is not None:
                values.append(value)
        return tuple(values)

    def choice(
        self, node: Node | None, name: str, choices: tuple[str, ...], code: str
    ) -> str | None:
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            # `status: false` is the verdict "false", not YAML's boolean (nor is `no`)
            value: str | None = node.raw
        else:
            value = self.text(node, name)
        if value is None or node is None:
            return None
        if value not in choices:
            suggestion = _closest_choice(value, choices)
            hint = f"did you mean '{suggestion}'? " if suggestion else ""
            hint += "one of: " + ", ".join(choices)
            self.error(node.loc, code, f"'{shown(value)}' is not a valid {name}", hint)
            return None
        return value

    def slug(
        self, node: Node | None, name: str, code: str = "bad-id", rule: str | None = None
    ) -> str | None:
        value = self.text(node, name)
        if value is None or node is None:
            return None
        if not model.is_slug(value):
            suggestion = _slug_suggestion(value)
            hint = rule or (
                f"use lowercase letters, digits and single hyphens (at most {SLUG_MAX_LENGTH} "
                "characters)"
            )
            if suggestion and suggestion != value:
                hint += f", e.g. '{suggestion}'"
            self.error(node.loc, code, f"'{shown(value)}' is not a valid {name}", hint)
            return None
        return value

    def url(self, node: Node | None, name: str) -> str | None:
        value = self.text(node, name)
        if value is None or node is None:
            return None
        try:
            parsed = urlparse(value.strip())
        except ValueError:  # e.g. 'http://[': a malformed host is a bad address, not a crash
            parsed = urlparse("")
        if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value.strip():
            hint = "copy the full address from the browser's address bar"
            if not parsed.scheme and _BARE_ADDRESS.fullmatch(value.strip()):
                hint = f"did you mean 'https://{value.strip()}'? " + hint
            self.error(
                node.loc,
                "bad-url",
                f"'{name}' must be an http:// or https:// address, not '{shown(value)}'",
                hint,
            )
            return None
        return value.strip()

    def date(self, node: Node | None, name: str) -> datetime.date | None:
        if node is None:
            return None
        if isinstance(node, Scalar):
            value = node.value
            if isinstance(value, datetime.datetime):
                return value.date()
            if isinstance(value, datetime.date):
                return value
            if isinstance(value, str):
                try:
                    return datetime.date.fromisoformat(value.strip())
                except ValueError:
                    pass
        self.error(
            node.loc,
            "bad-date",
            f"'{name}' must be a date written YYYY-MM-DD",
            "e.g. 2025-01-22",
        )
        return None


#: Words contributors use for a value of a vocabulary, and the value they mean.
_SYNONYMS = {
    "people": "person",
    "persons": "person",
    "individual": "person",
    "human": "person",
    "organization": "organisation",
    "organisations": "organisation",
    "organizations": "organisation",
    "org": "organisation",
    "institution": "organisation",
    "government": "organisation",
    "agency": "organisation",
    "company": "organisation",
    "anon": "anonymous",
    "unnamed": "anonymous",
    "report": "document",
    "doc": "document",
    "newspaper": "media",
    "outlet": "media",
    "news": "media",
    "press": "media",
    "tv": "media",
    "broadcaster": "media",
    "true": "supported",
    "correct": "supported",
    "confirmed": "supported",
    "verified": "supported",
    "unknown": "unverified",
    "unchecked": "unverified",
    "unverifiable": "unverified",
    "contested": "disputed",
    "wrong": "false",
    "incorrect": "false",
    "support": "supports",
    "contradict": "contradicts",
    "refutes": "contradicts",
    "background": "context",
    "quotation": "quote",
}
#: An address as people copy it without its scheme: 'www.example.org/report'.
_BARE_ADDRESS = re.compile(r"[\w-]+(\.[\w-]+)+(/\S*)?")


def _closest_choice(value: str, choices: tuple[str, ...]) -> str | None:
    """The value of a vocabulary that ``value`` most likely means, for "did you mean"."""
    lowered = value.strip().lower()
    if lowered in choices:
        return lowered
    if _SYNONYMS.get(lowered) in choices:
        return _SYNONYMS[lowered]
    return did_you_mean(value, choices)


def _slug_suggestion(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].strip("-")


# --- sources.yml -------------------------------------------------------------


def validate_sources(root: Node | None, file: str) -> tuple[dict[str, Source], list[Diagnostic]]:
    """``annotations/sources.yml``: the registry every annotation names sources from."""
    check = _Checker(file)
    sources: dict[str, Source] = {}
    top = check.mapping(root, "sources.yml", Location(file))
    if top is None:
        return sources, check.problems
    check.unknown_fields(top, ("sources",), "sources.yml")
    items = top.get("sources")
    if items is None:
        check.error(top.loc, "missing-field", "sources.yml has no 'sources' list")
        return sources, check.problems
    if not isinstance(items, Sequence):
        check.error(items.loc, "wrong-type", "'sources' must be a list of sources")
        return sources, check.problems
    for item in items.items:
        entry = check.mapping(item, "a source", item.loc)
        if entry is None:
            continue
        check.unknown_fields(entry, SOURCE_FIELDS, "a source")
        id_node = check.required(
            entry,
            "id",
            "this source",
            "add 'id: …': the name annotations use for it, e.g. id: hamish-de-bretton-gordon",
        )
        source_id = check.slug(id_node, "source id")
        if source_id in RESERVED_NAMES and id_node is not None:
            check.error(
                id_node.loc,
                "bad-id",
                f"'{source_id}' is reserved for the sources index page",
                f"use a more specific id, e.g. '{source_id}-source'",
            )
            source_id = None
        name = check.text(
            check.required(
                entry, "name", "this source", "add 'name: …': the name the article gives it"
            ),
            "name",
        )
        kind = check.choice(
            check.required(
                entry, "kind", "this source", "add 'kind: …', one of: " + ", ".join(SOURCE_KINDS)
            ),
            "kind",
            SOURCE_KINDS,
            "bad-kind",
        )
        role = check.text(entry.get("role"), "role")
        url = check.url(entry.get("url"), "url")
        if source_id is None or name is None or kind is None:
            continue
        if source_id in sources:
            first = sources[source_id].loc
            check.error(
                entry.key_loc("id"),
                "duplicate-id",
                f"source id '{source_id}' is used twice (first at line {first.line})",
                "give each source its own id, or merge the two entries",
            )
            continue
        sources[source_id] = Source(source_id, name, kind, entry.loc, role, url)
    return sources, check.problems


# --- annotations/<slug>.yml ----------------------------------------------------


def validate_annotation_file(
    root: Node | None, file: str, slug: str
) -> tuple[AnnotationFile | None, list[Diagnostic]]:
    """One article's annotations, checked field by field and type by type."""
    check = _Checker(file)
    top = check.mapping(root, "the annotation file", Location(file))
    if top is None:
        return None, check.problems
    check.unknown_fields(top, ("article", "annotations"), "the annotation file")
    article = check.text(
        check.required(
            top, "article", "the annotation file", f"add 'article: {slug}' as its first line"
        ),
        "article",
    )
    if article is not None and article != slug:
        check.error(
            top.get("article").loc,  # type: ignore[union-attr]
            "article-mismatch",
            f"'article: {shown(article)}' does not match the file name '{slug}.yml'",
            f"write 'article: {slug}', or rename the file to '{shown(article)}.yml'",
        )
    annotations: list[Annotation] = []
    items = top.get("annotations")
    if items is None:
        check.error(
            top.loc,
            "missing-field",
            "the annotation file has no 'annotations' list",
            "add the line 'annotations:' and the annotations ('- id: …') under it",
        )
    elif isinstance(items, Scalar) and items.value is None:
        pass  # "annotations:" with nothing yet: a new article
    elif not isinstance(items, Sequence):
        check.error(items.loc, "wrong-type", "'annotations' must be a list ('- id: …' items)")
    else:
        seen: dict[str, Location] = {}
        for item in items.items:
            annotation = _annotation(check, item)
            if annotation is None:
                continue
            if annotation.id in seen:
                check.error(
                    annotation.loc,
                    "duplicate-id",
                    f"annotation id '{annotation.id}' is used twice in this file "
                    f"(first at line {seen[annotation.id].line})",
                    "each annotation needs its own id: change one of them",
                )
                continue
            seen[annotation.id] = annotation.loc
            annotations.append(annotation)
    return AnnotationFile(slug, file, tuple(annotations)), check.problems


def _field_index(node: Mapping) -> dict[str, Node]:
    """Each field of ``node`` by name, the first one where a name is repeated: what
    ``node.get`` finds, without a scan of the fields for each name looked up."""
    # keys are scalars (hashable); one that is not text is never looked up by a name
    return {key.value: value for key, value in reversed(node.entries)}  # type: ignore[misc]


#: For each type of annotation, the fields of the other types (not allowed on it).
_OTHER_TYPES_FIELDS: dict[str, tuple[str, ...]] = {
    kind: tuple(
        name
        for name in ALL_ANNOTATION_FIELDS
        if name not in COMMON_ANNOTATION_FIELDS and name not in FIELDS_BY_TYPE[kind]
    )
    for kind in FIELDS_BY_TYPE
}


#: For the quick check that every field of an annotation is one the format knows.
_ALL_ANNOTATION_FIELD_SET = frozenset(ALL_ANNOTATION_FIELDS)


def _annotation(check: _Checker, item: Node) -> Annotation | None:
    entry = item if isinstance(item, Mapping) else check.mapping(item, "an annotation", item.loc)
    if entry is None:
        return None
    fields = _field_index(entry)
    get = fields.get
    before = len(check.problems)
    if not fields.keys() <= _ALL_ANNOTATION_FIELD_SET or len(fields) != len(entry.entries):
        check.unknown_fields(entry, ALL_ANNOTATION_FIELDS, "an annotation")
    id_node = check.required(
        entry,
        "id",
        "this annotation",
        "start it with '- id: …', a name unique in this file, e.g. - id: casualties-40-percent",
        fields,
    )
    annotation_id = check.slug(id_node, "annotation id")
    type_hint = _missing_type_hint(entry) if get("type") is None else None
    type_node = check.required(entry, "type", "this annotation", type_hint, fields)
    kind = cast(
        "model.AnnotationType | None",
        check.choice(type_node, "type", ANNOTATION_TYPES, "bad-type"),
    )
    quote_node = check.required(
        entry,
        "quote",
        "this annotation",
        "add 'quote: …': the passage of the article, copied as it reads there",
        fields,
    )
    quote = check.text(quote_node, "quote", allow_empty=True)
    if quote is not None and not quote.strip():
        check.error(
            quote_node.loc,  # type: ignore[union-attr]
            "empty-quote",
            "'quote' is empty",
            "copy the passage of the article this annotation is about",
        )
        quote = None
    prefix = check.text(get("prefix"), "prefix")
    suffix = check.text(get("suffix"), "suffix")
    note = check.text(get("note"), "note")
    tags_node = get("tags")
    tags = () if _comma_list(check, tags_node, "tags") else check.text_list(tags_node, "tags") or ()

    if kind is not None:
        needed = REQUIRED_BY_TYPE[kind]
        replaced = False  # a "who" field of another type stands for the missing one
        for name in _OTHER_TYPES_FIELDS[kind]:
            value_node = get(name)
            if value_node is not None:
                owner = next(t for t, names in FIELDS_BY_TYPE.items() if name in names)
                advice = _misplaced_field_hint(name, kind, value_node, entry)
                replaced = replaced or (name in _WHO.values() and get(needed) is None)
                check.error(
                    entry.key_loc(name),
                    "field-not-allowed",
                    f"'{name}' is not allowed on a {kind} (only on a {owner})",
                    f"{advice}\n{_type_field_hint(kind)}",
                )
        if get(needed) is None and not (replaced and needed != "status"):
            check.error(
                entry.loc,
                "missing-field",
                f"this {kind} has no '{needed}'",
                _MISSING_HINTS[kind],
            )

    status = check.choice(get("status"), "status", STATUSES, "bad-status")
    refs: list[SourceRef] = []
    attributed_to = _source_refs(check, get("attributed_to"), "attributed_to", refs)
    speaker = _source_ref(check, get("speaker"), "speaker", refs)
    source = _source_ref(check, get("source"), "source", refs)
    evidence = _evidence_list(check, get("evidence"))

    if len(check.problems) > before or annotation_id is None or kind is None or quote is None:
        return None
    assert quote_node is not None
    return Annotation(
        id=annotation_id,
        type=kind,
        quote=quote,
        loc=entry.loc,
        quote_loc=quote_node.loc,
        prefix=prefix,
        suffix=suffix,
        note=note,
        tags=tags,
        status=status,
        attributed_to=attributed_to,
        evidence=evidence,
        speaker=speaker,
        source=source,
        source_refs=tuple(refs),
    )


#: The field that names who is behind an annotation, by type.
_WHO = {"claim": "attributed_to", "quote": "speaker", "source": "source"}
_MISSING_HINTS = {
    "claim": "add 'status: …', the verdict on the claim, one of: "
    + ", ".join(STATUSES)
    + " (unverified: not checked, or cannot be checked yet)",
    "quote": "add 'speaker: …': the source id of who said these words, as registered in "
    "annotations/sources.yml",
    "source": "add 'source: …': the source id of who this passage names, as registered in "
    "annotations/sources.yml",
}


def _missing_type_hint(entry: Mapping) -> str:
    """Which type an annotation without one is, judging by its other fields."""
    for kind, fields in FIELDS_BY_TYPE.items():
        present = next((f for f in fields if entry.get(f) is not None), None)
        if present is not None:
            return f"it has '{present}', so it is a {kind}: add 'type: {kind}'"
    return "add 'type: claim', 'type: quote' or 'type: source'"


def _misplaced_field_hint(name: str, kind: str, node: Node, entry: Mapping) -> str:
    """What to write instead of a field that belongs to another type of annotation."""
    if name in _WHO.values():
        right = _WHO[kind]
        why = {
            "claim": "a claim names who makes it with 'attributed_to'",
            "quote": "a quote names who said it with 'speaker'",
            "source": "a source annotation names its source with 'source'",
        }[kind]
        if entry.get(right) is not None:
            return f"delete this line: {why}, and this one has it already"
        items = node.items if isinstance(node, Sequence) else [node]
        ids = [str(i.value) for i in items if isinstance(i, Scalar) and i.value is not None]
        if right == "attributed_to":
            return f"{why}: write attributed_to: [{', '.join(ids)}]"
        if len(ids) == 1:
            return f"{why}: write {right}: {ids[0]}"
        return f"{why}, a single source id"
    if name == "status":
        return (
            "delete this line: only a claim gets a verdict. To judge what the passage "
            "says, annotate it as a claim too (type: claim), with an id of its own"
        )
    return (
        "delete it here: evidence backs a claim. To cite it, annotate the passage as a "
        "claim too (type: claim), with an id of its own"
    )


def _comma_list(check: _Checker, node: Node | None, name: str) -> bool:
    """``tags: a, b`` (a list written without brackets): one error, with the list to write."""
    if not (isinstance(node, Scalar) and isinstance(node.value, str) and "," in node.value):
        return False
    parts = [part.strip() for part in node.value.split(",") if part.strip()]
    check.error(
        node.loc,
        "list-without-brackets",
        f"'{shown(node.value)}' is read as one value: a list of several needs brackets",
        f"write {name}: [{', '.join(parts)}]",
    )
    return True


def _type_field_hint(kind: str) -> str:
    return {
        "claim": "a claim has 'status' (required), 'attributed_to' and 'evidence'",
        "quote": "a quote has 'speaker' (required): the source id of who said it",
        "source": "a source annotation has 'source' (required): the source id it names",
    }[kind]


def _source_ref(check: _Checker, node: Node | None, name: str, refs: list[SourceRef]) -> str | None:
    value = check.slug(
        node,
        f"{name} (a source id)",
        "bad-id",
        "name the source by its id in annotations/sources.yml (lowercase letters, digits "
        "and single hyphens)",
    )
    if value is not None and node is not None:
        refs.append(SourceRef(value, name, node.loc))
    return value


def _source_refs(
    check: _Checker, node: Node | None, name: str, refs: list[SourceRef]
) -> tuple[str, ...]:
    if node is None or _comma_list(check, node, name):
        return ()
    items = node.items if isinstance(node, Sequence) else [node]
    if isinstance(node, Mapping):
        check.error(node.loc, "wrong-type", f"'{name}' must be a list of source ids")
        return ()
    good = []
    for item in items:
        value = _source_ref(check, item, f"{name} item", refs)
        if value is not None:
            good.append(value)
    return tuple(good)


def _evidence_list(check: _Checker, node: Node | None) -> tuple[Evidence, ...]:
    if node is None:
        return ()
    if not isinstance(node, Sequence):
        example = node.get("url") if isinstance(node, Mapping) else node
        url = example.value if isinstance(example, Scalar) else None
        example_url = url if isinstance(url, str) else "https://…"
        check.error(
            node.loc,
            "wrong-type",
            f"'evidence' must be a list ('- url: …' items), not {_type_name(node)}",
            (
                "put '- ' before the first field of each piece of evidence:"
                if isinstance(node, Mapping)
                else "write each piece of evidence as an item of the list:"
            )
            + f"\nevidence:\n  - url: {example_url}",
        )
        return ()
    found = []
    for item in node.items:
        entry = check.mapping(item, "an evidence item", item.loc)
        if entry is None:
            continue
        check.unknown_fields(entry, EVIDENCE_FIELDS, "an evidence item")
        url = check.url(
            check.required(
                entry, "url", "this evidence item", "add 'url: https://…': the page's address"
            ),
            "url",
        )
        title = check.text(entry.get("title"), "title")
        stance = check.choice(entry.get("stance"), "stance", STANCES, "bad-stance")
        if url is not None:
            found.append(Evidence(url, title, stance, entry.loc))
    return tuple(found)


# --- article front matter -------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class SplitArticle:
    front_matter: str | None
    body: str
    body_line: int


def split_front_matter(text: str) -> SplitArticle:
    """Separate ``---`` front matter from the body, remembering the body's first line."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return SplitArticle(None, text, 1)
    body_line = text.count("\n", 0, match.end()) + 1
    return SplitArticle(match.group(1) or "", text[match.end() :], body_line)


def validate_front_matter(
    root: Node | None, file: str
) -> tuple[ArticleMeta | None, list[Diagnostic]]:
    """An article's metadata: who published what, when, and when we captured it."""
    check = _Checker(file)
    top = check.mapping(root, "the front matter", Location(file, 2, 1))
    if top is None:
        return None, check.problems
    check.unknown_fields(top, FRONT_MATTER_FIELDS, "the front matter")
    title = check.text(check.required(top, "title", "the front matter"), "title")
    author_node = check.required(top, "author", "the front matter")
    authors = check.text_list(author_node, "author")
    if authors is not None and not authors:
        check.error(author_node.loc, "empty-value", "'author' is empty")  # type: ignore[union-attr]
    outlet = check.text(check.required(top, "outlet", "the front matter"), "outlet")
    captured = check.date(check.required(top, "captured", "the front matter"), "captured")
    role = check.text(top.get("author_role"), "author_role")
    published = check.date(top.get("published"), "published")
    url = check.url(top.get("url"), "url")
    tags_node = top.get("tags")
    tags = () if _comma_list(check, tags_node, "tags") else check.text_list(tags_node, "tags") or ()
    if check.problems or title is None or not authors or outlet is None or captured is None:
        return None, check.problems
    meta = ArticleMeta(
        title=title,
        authors=authors,
        outlet=outlet,
        captured=captured,
        author_role=role,
        published=published,
        url=url,
        tags=tags,
    )
    return meta, check.problems
