"""JSON Schema of the annotation files: completion, hover docs and live errors in editors.

``annotary schema annotations`` and ``annotary schema sources`` print what this module
builds; ``schema/*.schema.json`` are committed copies, named by the
``# yaml-language-server: $schema=…`` line at the top of each annotation file.

The schema is built from the validator's own constants (field lists, required fields,
vocabularies, the slug rule), so the two cannot drift apart; ``tests/test_schema.py``
proves, file by file over a corpus, that they accept and refuse the same files. It is
the per-file subset of ``annotary lint``: what needs another file (does the source id
exist? is there an article of that name? is an id used twice?) is left to the lint.

Only keywords that mean the same in JSON Schema draft-07 and 2020-12 are used (no
``$defs``/``$ref``, ``prefixItems``, ``unevaluated*``): the YAML language server, the
engine behind most editors' YAML support, validates with draft-07 semantics whatever
``$schema`` says. ``patternErrorMessage`` and ``defaultSnippets`` are that server's
extensions; every other validator ignores them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from .model import ANNOTATION_TYPES, SLUG_MAX_LENGTH, SLUG_PATTERN, SOURCE_KINDS, STANCES, STATUSES
from .validate import (
    ALL_ANNOTATION_FIELDS,
    EVIDENCE_FIELDS,
    FIELDS_BY_TYPE,
    REQUIRED_BY_TYPE,
    SOURCE_FIELDS,
)

SchemaKind = Literal["annotations", "sources"]
SCHEMA_KINDS: tuple[SchemaKind, ...] = ("annotations", "sources")

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://annotary.invalid/schema/"

#: An http(s) address with a host and no spaces, as ``validate._Checker.url`` accepts it
#: (scheme in any case, surrounding white space ignored). Brackets are refused in the
#: host: lint refuses a broken one (``http://[``), and an IPv6 literal is no news source.
URL_PATTERN = r"^\s*[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#\[\]]+([/?#]\S*)?\s*$"
#: At least one character that is not white space.
NON_BLANK_PATTERN = r"\S"

_CROSS_FILE_RULES = (
    "Checked by 'annotary lint', not by this schema (they need more than one file): "
    "'article' equals the file name, annotation ids are unique in the file, every "
    "source id is registered in annotations/sources.yml, the article exists and each "
    "quote is found in its text; a key written twice in one mapping is an error."
)

# -- what each field means: the hover text of the editor ---------------------------
# (title, description), keyed by the validator's field names: a field added there but
# not documented (or given no shape) here stops json_schema() with a KeyError.

ANNOTATION_FILE_DOCS: dict[str, tuple[str, str]] = {
    "article": (
        "Article slug",
        "The slug of the annotated article: must equal this file's name without '.yml', "
        "and docs/articles/<slug>.md must exist.",
    ),
    "annotations": (
        "Annotations",
        "The annotations of the article, one '- id: …' item each. May be left empty "
        "while the article has none yet.",
    ),
}

ANNOTATION_DOCS: dict[str, tuple[str, str]] = {
    "id": (
        "Annotation id",
        "Unique in this file. Lowercase letters, digits and single hyphens, at most "
        f"{SLUG_MAX_LENGTH} characters, e.g. casualties-nearly-40-percent.",
    ),
    "type": (
        "Annotation type",
        "claim: a checkable statement (needs 'status'); quote: someone's words (needs "
        "'speaker'); source: a phrase naming who says something (needs 'source').",
    ),
    "quote": (
        "Quoted passage",
        "The passage of the article this annotation is about, copied exactly as it "
        "reads there. Curly and straight quotes, dashes and hyphens count as equal; "
        "line breaks count as spaces. Leave the quotation marks of a quote out.",
    ),
    "prefix": (
        "Text before the quote",
        "Optional: the text just before the quote, to pick one occurrence of a quote "
        "that occurs more than once. 'annotary lint' suggests the shortest one.",
    ),
    "suffix": (
        "Text after the quote",
        "Optional: the text just after the quote, to pick one occurrence of a quote "
        "that occurs more than once.",
    ),
    "note": (
        "Note",
        "Optional: what the archive says about the passage, in CommonMark Markdown "
        "(emphasis, links, lists, code). Use a block ('note: |') for more than one line.",
    ),
    "tags": (
        "Tags",
        "Optional: a list of tags, e.g. [casualties, arithmetic]; a single tag may be "
        "written without brackets.",
    ),
    "status": (
        "Claim status",
        "Claims only, required: the verdict on the claim. One of "
        + ", ".join(STATUSES)
        + " (unverified: not checked, or cannot be checked yet).",
    ),
    "attributed_to": (
        "Attributed to",
        "Claims only, optional: the source ids of who makes the claim, registered in "
        "annotations/sources.yml; a single id may be written without brackets.",
    ),
    "evidence": (
        "Evidence",
        "Claims only, optional: public pages that bear on the claim, one '- url: …' "
        "item each. Cite a page only when you are sure it is real and public.",
    ),
    "speaker": (
        "Speaker",
        "Quotes only, required: the source id of who said it, registered in "
        "annotations/sources.yml.",
    ),
    "source": (
        "Source",
        "Source annotations only, required: the source id the phrase names, registered "
        "in annotations/sources.yml.",
    ),
}

EVIDENCE_DOCS: dict[str, tuple[str, str]] = {
    "url": ("Address", "Required: the page's full http:// or https:// address."),
    "title": ("Title", "Optional: the page's title, as shown in the archive."),
    "stance": (
        "Stance",
        "Optional: how the page bears on the claim: " + " | ".join(STANCES) + ".",
    ),
}

SOURCES_FILE_DOCS: dict[str, tuple[str, str]] = {
    "sources": (
        "Sources",
        "Every person, body or document that an annotation names, one '- id: …' item each.",
    ),
}

SOURCE_DOCS: dict[str, tuple[str, str]] = {
    "id": (
        "Source id",
        "Unique in this file; what 'speaker', 'source' and 'attributed_to' name. "
        "Lowercase letters, digits and single hyphens, at most "
        f"{SLUG_MAX_LENGTH} characters, e.g. hamish-de-bretton-gordon.",
    ),
    "name": (
        "Name",
        "Required: the name as the archive shows it, e.g. Col Hamish de Bretton-Gordon.",
    ),
    "kind": ("Kind", "Required: what the source is: " + " | ".join(SOURCE_KINDS) + "."),
    "role": ("Role", "Optional: who the source is, e.g. Former British Army tank commander."),
    "url": ("Address", "Optional: an http:// or https:// page about the source."),
}


# -- value shapes --------------------------------------------------------------------


def _text() -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": NON_BLANK_PATTERN,
        "patternErrorMessage": "must not be blank",
    }


def _slug() -> dict[str, Any]:
    return {
        "type": "string",
        "maxLength": SLUG_MAX_LENGTH,
        "pattern": SLUG_PATTERN.pattern,
        "patternErrorMessage": "lowercase letters, digits and single hyphens, "
        "e.g. north-korean-troops-kursk",
    }


def _url() -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": URL_PATTERN,
        "patternErrorMessage": "an http:// or https:// address with a host, no spaces",
    }


def _choice(values: tuple[str, ...]) -> dict[str, Any]:
    """One of ``values``. A value spelled like a YAML boolean (``status: false``) is
    the word, not the boolean, to the validator: the schema accepts both spellings."""
    booleans = {"true": True, "false": False}
    return {"enum": [*values, *(booleans[v] for v in values if v in booleans)]}


def _one_or_list(item: dict[str, Any]) -> dict[str, Any]:
    """A list of ``item``; a single item is accepted as a list of one."""
    return {"anyOf": [item, {"type": "array", "items": item}]}


def _documented(
    docs: dict[str, tuple[str, str]], name: str, shape: dict[str, Any]
) -> dict[str, Any]:
    title, description = docs[name]
    return {"title": title, "description": description, **shape}


def _object(
    docs: dict[str, tuple[str, str]],
    fields: tuple[str, ...],
    shapes: dict[str, dict[str, Any]],
    required: tuple[str, ...],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _documented(docs, name, shapes[name]) for name in fields},
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


# -- the two schemas -------------------------------------------------------------------


def _evidence() -> dict[str, Any]:
    shapes = {"url": _url(), "title": _text(), "stance": _choice(STANCES)}
    return {
        "title": "Evidence item",
        "description": "A public page that bears on the claim.",
        **_object(EVIDENCE_DOCS, EVIDENCE_FIELDS, shapes, ("url",)),
    }


def _annotation() -> dict[str, Any]:
    shapes: dict[str, dict[str, Any]] = {
        "id": _slug(),
        "type": _choice(ANNOTATION_TYPES),
        "quote": _text(),
        "prefix": _text(),
        "suffix": _text(),
        "note": _text(),
        "tags": _one_or_list(_text()),
        "status": _choice(STATUSES),
        "attributed_to": _one_or_list(_slug()),
        "evidence": {"type": "array", "items": _evidence()},
        "speaker": _slug(),
        "source": _slug(),
    }
    by_type = []
    for kind in ANNOTATION_TYPES:
        others = [f for t, fields in FIELDS_BY_TYPE.items() if t != kind for f in fields]
        by_type.append(
            {
                "if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
                "then": {
                    "required": [REQUIRED_BY_TYPE[kind]],
                    "properties": dict.fromkeys(others, False),
                },
            }
        )
    return {
        "title": "Annotation",
        "description": "One highlighted passage of the article and what the archive says "
        "about it: a claim, a quote or a source.",
        **_object(
            ANNOTATION_DOCS, ALL_ANNOTATION_FIELDS, shapes, ("id", "type", "quote"), allOf=by_type
        ),
        "defaultSnippets": [
            {
                "label": "claim",
                "description": "A checkable statement and its verdict",
                "body": {
                    "id": "$1",
                    "type": "claim",
                    "quote": "$2",
                    "status": "${3|" + ",".join(STATUSES) + "|}",
                },
            },
            {
                "label": "quote",
                "description": "Someone's words",
                "body": {"id": "$1", "type": "quote", "quote": "$2", "speaker": "$3"},
            },
            {
                "label": "source",
                "description": "A phrase naming who says something",
                "body": {"id": "$1", "type": "source", "quote": "$2", "source": "$3"},
            },
        ],
    }


def _annotations_schema() -> dict[str, Any]:
    shapes = {
        "article": _slug(),
        "annotations": {"type": ["array", "null"], "items": _annotation()},
    }
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "annotations.schema.json",
        "title": "Annotary annotation file (annotations/<slug>.yml)",
        "description": "The annotations of one archived article, format version 1. "
        + _CROSS_FILE_RULES,
        **_object(
            ANNOTATION_FILE_DOCS, ("article", "annotations"), shapes, ("article", "annotations")
        ),
    }


def _sources_schema() -> dict[str, Any]:
    source_shapes = {
        "id": _slug(),
        "name": _text(),
        "kind": _choice(SOURCE_KINDS),
        "role": _text(),
        "url": _url(),
    }
    source = {
        "title": "Source",
        "description": "A person, body or document that annotations name by its id.",
        **_object(SOURCE_DOCS, SOURCE_FIELDS, source_shapes, ("id", "name", "kind")),
    }
    shapes = {"sources": {"type": "array", "items": source}}
    return {
        "$schema": DIALECT,
        "$id": BASE_ID + "sources.schema.json",
        "title": "Annotary source registry (annotations/sources.yml)",
        "description": "The sources every annotation names, format version 1. "
        "Checked by 'annotary lint', not by this schema: source ids are unique, and "
        "a source no annotation names is a warning; a key written twice in one "
        "mapping is an error.",
        **_object(SOURCES_FILE_DOCS, ("sources",), shapes, ("sources",)),
    }


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``annotations/<slug>.yml`` or ``sources.yml``."""
    if kind == "annotations":
        return _annotations_schema()
    if kind == "sources":
        return _sources_schema()
    raise ValueError(f"no schema for {kind!r}: one of {', '.join(SCHEMA_KINDS)}")


def schema_text(kind: SchemaKind) -> str:
    """The schema as the committed ``schema/<kind>.schema.json`` holds it, byte for byte."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
