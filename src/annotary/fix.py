"""``annotary lint --fix``: the fixes that need no judgement, applied in place.

:func:`fix_archive` takes an archive already checked by
:func:`~annotary.pipeline.check_archive` and edits ``annotations/<slug>.yml``
where, and only where, the right edit is certain. Everything else is left for a
person, with a line saying why. What it does:

Drifted quotes (placed at the closest passage, with a warning)
    The quote is rewritten to the article's current text of that passage.
    Its prefix/suffix are kept if they still choose exactly that passage, and
    replaced by the shortest context that does otherwise (removed when the new
    quote is unique). When only the context drifted (the quote, normalised, is
    still the passage's text) the quote is kept and only the prefix/suffix are
    replaced, or removed when the quote is unique now.

Ambiguous quotes (several occurrences, nothing chooses) -- the ambiguity rule
    Contributors write annotations in reading order, so an annotation's passage
    lies between those of its neighbours in the file. Take the nearest
    *placed* annotation before it in the file and the nearest placed one after
    it (ambiguous and orphaned ones are skipped); an occurrence is a candidate
    when ``previous start <= occurrence start <= next start`` (equality allowed,
    as highlights may overlap; a missing neighbour leaves that side open: the
    start or end of the text). If the annotation already has a prefix/suffix,
    only the occurrences that context fits are candidates (a context fitting
    none means the passage it was written for may have been edited: a person
    decides). When **exactly one** occurrence is a candidate, its shortest
    disambiguating context (the one ``annotary lint`` suggests) replaces the
    prefix/suffix. Zero or several candidates: nothing is written, and the
    returned line says it needs a person and why. An annotation resolved this
    way counts as placed for its neighbours, and the rule is applied until
    nothing more resolves, so that a second run finds nothing left to do.

Orphans are never fixed: no passage is close enough, and guessing one would
put a claim on the wrong words. ``annotary lint`` reports them.

Every new quote and context is checked with :func:`~annotary.anchoring.anchor_quote`
before it is written: it must anchor exactly at the intended passage.

Editing keeps the file as the contributor wrote it. The file is loaded with
ruamel.yaml's round-trip loader (comments, key order, quoting, indentation
detected from the file) and the changed values are set in the quoting style of
the old ones (a new value is plain if that is safe, double-quoted otherwise; a
new ``prefix``/``suffix`` goes right after ``quote:``). ruamel.yaml also
normalises some things it was not asked to change (``[ a ]``, spacing after a
colon, ``---``), so its output is not written as is: the lines it changed *because
of the edit* (a diff of its output before and after the edit) are spliced into
the original text, so every other line stays byte for byte. The result must
parse, under ruamel.yaml and PyYAML alike, to exactly the intended data, and the
splice may not add or remove a blank or comment line; otherwise the file is not
written and the fix is reported as needing a person. The file is replaced
atomically.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import itertools
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from .anchoring import (
    MAX_CONTEXT_WORDS,
    Occurrence,
    anchor_quote,
    normalize_for_matching,
    normalize_quote,
    shortest_unique_context,
)

if TYPE_CHECKING:
    from .model import Annotation, AnnotationFile
    from .pipeline import CheckedArchive
    from .placement import PlacedArticle

__all__ = ["fix_archive"]

#: Lines are never re-wrapped: a quote stays on the line it is written on.
_NO_WRAP = 1_000_000_000
#: Indentation of the seed files: ``  - id:`` under ``annotations:``.
_DEFAULT_INDENT = (2, 4, 2)
_CONTEXT_KEYS = ("prefix", "suffix")


@dataclass(frozen=True)
class _Change:
    """The new quote and context of one annotation, and the line that reports it."""

    annotation: Annotation
    #: Where the annotation anchors once changed.
    start: int
    quote: str
    prefix: str | None
    suffix: str | None
    message: str


class _Refused(Exception):
    """An edit that cannot be made without touching what it should not."""


def fix_archive(root: Path, checked: CheckedArchive) -> list[str]:
    """Apply the safe fixes to the annotation files under ``root``, in place.

    Args:
        root: The archive's root folder.
        checked: The archive as :func:`~annotary.pipeline.check_archive` found it.

    Returns:
        One line per change made (``FILE:LINE: what was done``), and one per
        problem left for a person that the fixer considered (an ambiguous quote
        it could not resolve, a fix that could not be written), in file and
        line order.
    """
    report: list[str] = []
    for slug in sorted(checked.archive.annotation_files):
        annotation_file = checked.archive.annotation_files[slug]
        placed = checked.placed.get(slug)
        if placed is None:
            continue
        changes, notes = _plan(annotation_file, placed)
        lines = list(notes)
        if changes:
            lines += _apply(root / annotation_file.path, changes)
        lines.sort(key=lambda line: line[0])
        report += [f"{annotation_file.path}:{line}: {text}" for line, text in lines]
    return report


# --- deciding what to change --------------------------------------------------


def _plan(
    annotation_file: AnnotationFile, placed: PlacedArticle
) -> tuple[list[_Change], list[tuple[int, str]]]:
    """The changes to make in one file, and the problems left for a person."""
    text = placed.visible.text
    changes: list[_Change] = []
    notes: list[tuple[int, str]] = []
    # Where each annotation starts, if placed: the neighbours of the ambiguity rule.
    starts: list[int | None] = []
    for placement in placed.placements:
        span = placement.span
        starts.append(None if span is None else _strip_span(text, *span)[0])

    for placement in placed.placements:
        annotation, result = placement.annotation, placement.result
        if result.state == "drifted" and placement.span is not None:
            change = _fix_drift(text, annotation, *placement.span)
            if isinstance(change, str):
                notes.append((annotation.quote_loc.line, change))
            else:
                changes.append(change)

    nt = normalize_for_matching(text)
    pending = {
        index
        for index, placement in enumerate(placed.placements)
        if placement.result.state == "ambiguous"
    }
    resolved = True
    while resolved:
        resolved = False
        for index in sorted(pending):
            annotation = placed.placements[index].annotation
            occurrences = placed.placements[index].result.occurrences
            outcome = _resolve_ambiguous(text, nt, annotation, occurrences, starts, index)
            if isinstance(outcome, _Change):
                changes.append(outcome)
                pending.discard(index)
                starts[index] = outcome.start
                resolved = True
    for index in sorted(pending):
        placement = placed.placements[index]
        why = _resolve_ambiguous(
            text, nt, placement.annotation, placement.result.occurrences, starts, index
        )
        assert isinstance(why, str)
        notes.append((placement.annotation.quote_loc.line, why))
    return changes, notes


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without white space at its ends (a quote never starts with a space)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _anchors_at(
    text: str, quote: str, prefix: str | None, suffix: str | None, start: int, end: int
) -> bool:
    result = anchor_quote(text, quote, prefix, suffix)
    return result.state == "exact" and (result.start, result.end) == (start, end)


def _fix_drift(text: str, annotation: Annotation, start: int, end: int) -> _Change | str:
    """The change that anchors a drifted annotation exactly again, or why there is none."""
    start, end = _strip_span(text, start, end)
    current = text[start:end]
    old_context = (annotation.prefix, annotation.suffix)
    if normalize_quote(current) == normalize_quote(annotation.quote):
        # The quote is still there; the text around it changed.
        quote = annotation.quote
        prefix, suffix = shortest_unique_context(text, start, end, quote)
        if not _anchors_at(text, quote, prefix, suffix, start, end):
            return _needs_person(annotation, text, start, end)
        if prefix is None and suffix is None:
            message = f"prefix/suffix of '{annotation.id}' removed: the quote is unique now"
        else:
            message = (
                f"prefix/suffix of '{annotation.id}' replaced with the text now around "
                f"the quote ({_describe_context(prefix, suffix)})"
            )
        return _Change(annotation, start, quote, prefix, suffix, message)
    quote = current
    message = f"quote of '{annotation.id}' rewritten to the article's current text"
    prefix, suffix = old_context
    if not _anchors_at(text, quote, prefix, suffix, start, end):
        prefix, suffix = shortest_unique_context(text, start, end, quote)
        if not _anchors_at(text, quote, prefix, suffix, start, end):
            return _needs_person(annotation, text, start, end)
        if (prefix, suffix) == (None, None):
            message += ", and its prefix/suffix removed (the quote is unique)"
        elif old_context == (None, None):
            message += f", and {_describe_context(prefix, suffix)} added to tell it apart"
        else:
            message += f", and its prefix/suffix replaced ({_describe_context(prefix, suffix)})"
    return _Change(annotation, start, quote, prefix, suffix, message)


def _needs_person(annotation: Annotation, text: str, start: int, end: int) -> str:
    return (
        f"'{annotation.id}' needs a person: the passage it drifted to occurs more than "
        f"once, and no prefix or suffix of at most {MAX_CONTEXT_WORDS} words singles out "
        f"the one at offset {start} ({text[start:end]!r})"
    )


def _describe_context(prefix: str | None, suffix: str | None) -> str:
    parts = []
    if prefix is not None:
        parts.append(f"prefix {_quoted(prefix)}")
    if suffix is not None:
        parts.append(f"suffix {_quoted(suffix)}")
    return " and ".join(parts)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _resolve_ambiguous(
    text: str,
    nt: str,
    annotation: Annotation,
    occurrences: tuple[Occurrence, ...],
    starts: list[int | None],
    index: int,
) -> _Change | str:
    """Apply the ambiguity rule (see the module docstring): a change, or why not."""
    who = f"'{annotation.id}' needs a person: "
    if not occurrences:
        return who + "the quote occurs too often to tell its occurrences apart"
    candidates = list(occurrences)
    has_context = annotation.prefix is not None or annotation.suffix is not None
    if has_context:
        candidates = [
            o for o in candidates if _context_fits(nt, o, annotation.prefix, annotation.suffix)
        ]
        if not candidates:
            return who + (
                f"its prefix/suffix fits none of the {len(occurrences)} occurrences of the "
                "quote, so the passage it was written for may have been edited"
            )
    before = next((i for i in range(index - 1, -1, -1) if starts[i] is not None), None)
    after = next((i for i in range(index + 1, len(starts)) if starts[i] is not None), None)
    low = 0 if before is None else starts[before]
    high = len(text) if after is None else starts[after]
    assert low is not None
    assert high is not None
    inside = [o for o in candidates if low <= o.start <= high]
    if len(inside) != 1:
        return who + _why_not_one(len(occurrences), len(inside), before, after)
    chosen = inside[0]
    if chosen.prefix is None and chosen.suffix is None:
        return who + (
            f"the occurrence at offset {chosen.start} is the one meant (the only one "
            f"{_neighbours(before, after)}), but no prefix or suffix of at most "
            f"{MAX_CONTEXT_WORDS} words tells it apart from the others: make the quote longer"
        )
    if not _anchors_at(
        text, annotation.quote, chosen.prefix, chosen.suffix, chosen.start, chosen.end
    ):
        return who + f"no context found that anchors it at offset {chosen.start}"
    where = _neighbours(before, after)
    return _Change(
        annotation,
        chosen.start,
        annotation.quote,
        chosen.prefix,
        chosen.suffix,
        f"{_describe_context(chosen.prefix, chosen.suffix)} added to '{annotation.id}': "
        f"of the {len(occurrences)} occurrences of its quote, only the one at offset "
        f"{chosen.start} lies {where}",
    )


def _neighbours(before: int | None, after: int | None) -> str:
    if before is not None and after is not None:
        return "between its neighbours in the file"
    if before is not None:
        return "after the annotation before it in the file"
    return "before the annotation after it in the file"


def _why_not_one(total: int, inside: int, before: int | None, after: int | None) -> str:
    if before is None and after is None:
        return (
            f"the quote occurs {total} times, and no placed annotation before or after it "
            "in the file shows which occurrence is meant; add a prefix or suffix "
            "(annotary lint lists the choices)"
        )
    if inside == 0:
        return (
            f"none of the {total} occurrences of its quote lies {_neighbours(before, after)} "
            "(are the annotations of the file in reading order?); add a prefix or suffix "
            "(annotary lint lists the choices)"
        )
    return (
        f"{inside} of the {total} occurrences of its quote lie {_neighbours(before, after)}; "
        "add a prefix or suffix (annotary lint lists the choices)"
    )


def _context_fits(nt: str, occurrence: Occurrence, prefix: str | None, suffix: str | None) -> bool:
    """Does the stored context fit this occurrence, as anchoring tests it?"""
    npre = normalize_quote(prefix) if prefix is not None else ""
    nsuf = normalize_quote(suffix) if suffix is not None else ""
    if npre and not nt[: occurrence.start].rstrip(" ").endswith(npre):
        return False
    return not nsuf or nt[occurrence.end :].lstrip(" ").startswith(nsuf)


# --- writing the changes ---------------------------------------------------------


def _apply(path: Path, changes: list[_Change]) -> list[tuple[int, str]]:
    """Write the changes into one file; a line for each, done or not.

    Changes are made one at a time, from the bottom of the file up (an inserted
    line never moves one still to edit), so that one that cannot be written
    does not hold back the others.
    """
    lines: list[tuple[int, str]] = []
    try:
        path = path.resolve(strict=True)  # a link inside the repo: edit what it points to
        original = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [(c.annotation.quote_loc.line, _not_fixed(c, str(exc))) for c in changes]
    text = original
    for change in sorted(changes, key=lambda c: c.annotation.quote_loc.line, reverse=True):
        try:
            text = _edit(text, change)
        except (YAMLError, yaml.YAMLError, _Refused) as exc:
            why = " ".join(str(exc).split())
            lines.append((change.annotation.quote_loc.line, _not_fixed(change, why)))
        else:
            lines.append((change.annotation.quote_loc.line, change.message))
    if text != original:
        _write_atomically(path, text)
    return lines


def _not_fixed(change: _Change, why: str) -> str:
    return (
        f"'{change.annotation.id}' needs a person: not fixed, because {why}; "
        f"the fix would have been: {change.message}"
    )


def _edit(original: str, change: _Change) -> str:
    """The file's text with one change made, every other line as it was."""
    yaml_rt = _round_trip(original)
    document = yaml_rt.load(original)
    baseline = _dump(yaml_rt, document)
    expected = yaml.safe_load(original)
    items = document.get("annotations") if isinstance(document, CommentedMap) else None
    if not isinstance(items, CommentedSeq) or not isinstance(expected, dict):
        raise _Refused("the file changed since it was checked")
    position = _find_item(items, change.annotation)
    item = items[position]
    _set(item, "quote", change.quote)
    _set_context(item, change.prefix, change.suffix)
    plain = expected["annotations"][position]
    for key in ("quote", *_CONTEXT_KEYS):
        if key in item:
            plain[key] = str(item[key])
        else:
            plain.pop(key, None)
    modified = _dump(yaml_rt, document)
    new_text = _splice(original, baseline, modified)
    try:
        YAML(typ="rt").load(new_text)
        reread = yaml.safe_load(new_text)
    except (YAMLError, yaml.YAMLError) as exc:  # pragma: no cover - a bug if reached
        raise _Refused(f"the edited file would not parse: {exc}") from None
    if reread != expected:  # pragma: no cover - a bug if reached
        raise _Refused("the edited file would not read back as intended")
    return new_text


def _round_trip(text: str) -> YAML:
    yaml_rt = YAML(typ="rt")
    yaml_rt.preserve_quotes = True
    yaml_rt.width = _NO_WRAP
    mapping, sequence, offset = _detect_indent(text)
    yaml_rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml_rt


def _dump(yaml_rt: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml_rt.dump(document, buffer)
    return buffer.getvalue()


_BLOCK_OPENER = re.compile(r"^( *)((?:- +)*)[^\s#'\"-][^:#]*:[ \t]*(?:#.*)?$")
_SEQUENCE_ITEM = re.compile(r"^( *)(- +)")
_KEY_LINE = re.compile(r"^( *)[^\s#'\"-][^:#]*:(?:\s|$)")


def _detect_indent(text: str) -> tuple[int, int, int]:
    """``(mapping, sequence, offset)`` as ruamel.yaml counts them, from the first uses."""
    mapping, sequence, offset = _DEFAULT_INDENT
    found_mapping = found_sequence = False
    lines = [line for line in text.splitlines() if not _is_layout(line)]
    for opener, line in itertools.pairwise(lines):
        match = _BLOCK_OPENER.match(opener)
        if match is None:
            continue
        column = len(match.group(1)) + len(match.group(2))
        item = _SEQUENCE_ITEM.match(line)
        if item is not None and not found_sequence:
            dash = len(item.group(1))
            if dash >= column:
                offset, sequence = dash - column, dash + len(item.group(2)) - column
                found_sequence = True
        elif item is None and not found_mapping and (key := _KEY_LINE.match(line)):
            found_mapping = len(key.group(1)) > column
            if found_mapping:
                mapping = len(key.group(1)) - column
    return mapping, max(sequence, offset + 2), offset


def _find_item(items: CommentedSeq, annotation: Annotation) -> int:
    """The position in the file of the item the annotation was read from."""
    for position, item in enumerate(items):
        if (
            isinstance(item, CommentedMap)
            and item.get("id") == annotation.id
            and "quote" in item
            and item.lc.value("quote")[0] + 1 == annotation.quote_loc.line
            and str(item["quote"]) == annotation.quote
        ):
            return position
    raise _Refused("the file changed since it was checked")


def _styled(old: object, new: str) -> str:
    """``new`` in the quoting style of ``old``: plain if that is safe, else double-quoted."""
    style: type[str] = DoubleQuotedScalarString
    if isinstance(old, SingleQuotedScalarString | LiteralScalarString | FoldedScalarString):
        style = type(old)
        if isinstance(old, LiteralScalarString | FoldedScalarString) and old.endswith("\n"):
            new += "\n"  # keep the block's chomping
    elif not isinstance(old, DoubleQuotedScalarString) and _plain_is_safe(new):
        return new
    return style(new)


def _plain_is_safe(value: str) -> bool:
    """Written plain, does ``value`` read back as this very string, in YAML 1.1 and 1.2?"""
    if not value or value != value.strip() or "\n" in value:
        return False
    probe = YAML(typ="rt")
    probe.width = _NO_WRAP
    line = f"k: {value}\n"
    if _dump(probe, {"k": value}) != line:
        return False
    try:
        return bool(yaml.safe_load(line) == {"k": value})
    except yaml.YAMLError:
        return False


def _set(item: CommentedMap, key: str, value: str) -> None:
    old = item.get(key)
    if old is not None and str(old) == value:
        return  # unchanged: keep it exactly as written
    new = _styled(old, value)
    item[key] = new
    token = _comment(item, key)
    if token is not None and token.value.startswith("#") and old is not None:
        # An end-of-line comment keeps its distance from the value.
        shift = _width(new) - _width(old)
        item.ca.items[key][2] = CommentToken(token.value, CommentMark(token.column + shift))


def _width(value: object) -> int:
    """How wide a one-line scalar is written (block scalars: their indicator only)."""
    text = str(value)
    if isinstance(value, LiteralScalarString | FoldedScalarString):
        return 0
    if isinstance(value, DoubleQuotedScalarString):
        return len(text) + 2 + text.count('"') + text.count("\\")
    if isinstance(value, SingleQuotedScalarString):
        return len(text) + 2 + text.count("'")
    return len(text)


def _set_context(item: CommentedMap, prefix: str | None, suffix: str | None) -> None:
    for key in _CONTEXT_KEYS:
        if key in item and (prefix if key == "prefix" else suffix) is None:
            _check_removable(item, key)
    for key, value in (("prefix", prefix), ("suffix", suffix)):
        if value is None:
            if key in item:
                _remove(item, key)
        elif key in item:
            _set(item, key, value)
        else:
            after = "prefix" if key == "suffix" and "prefix" in item else "quote"
            _insert_after(item, after, key, _styled(None, value))


def _comment(item: CommentedMap, key: str) -> CommentToken | None:
    """The comment ruamel.yaml keeps after ``key``'s value (with the blank lines after it)."""
    slot = item.ca.items.get(key)
    if not slot or len(slot) < 3:
        return None
    token = slot[2]
    return token if isinstance(token, CommentToken) else None


def _check_removable(item: CommentedMap, key: str) -> None:
    slot = item.ca.items.get(key)
    if slot and any(part is not None for i, part in enumerate(slot) if i != 2):
        raise _Refused(f"a comment is attached to its {key}")
    token = _comment(item, key)
    if token is not None and token.value.split("\n", 1)[0].strip():
        raise _Refused(f"its {key} line has a comment")
    keys = list(item)
    if keys.index(key) == 0 or isinstance(item[keys[keys.index(key) - 1]], dict | list):
        raise _Refused(f"its {key} does not follow a plain field")


def _remove(item: CommentedMap, key: str) -> None:
    """Delete ``key``; the blank and comment lines after it stay where they were."""
    keys = list(item)
    previous = keys[keys.index(key) - 1]
    token = _comment(item, key)
    del item[key]
    item.ca.items.pop(key, None)
    if token is None:
        return
    rest = token.value.split("\n", 1)[1] if "\n" in token.value else ""
    if not rest:
        return
    kept = _comment(item, previous)
    if kept is None:
        item.ca.items.setdefault(previous, [None, None, None, None])
        item.ca.items[previous][2] = CommentToken("\n" + rest, CommentMark(0))
    else:
        kept.value = kept.value + rest


def _insert_after(item: CommentedMap, after: str, key: str, value: str) -> None:
    """Insert ``key`` after ``after``; blank and comment lines after it move below it."""
    item.insert(list(item).index(after) + 1, key, value)
    token = _comment(item, after)
    if token is None or "\n" not in token.value:
        return
    line_end, rest = token.value.split("\n", 1)
    if not rest:
        return
    if line_end.strip():
        token.value = line_end + "\n"
    else:
        item.ca.items[after][2] = None
    item.ca.items.setdefault(key, [None, None, None, None])
    item.ca.items[key][2] = CommentToken("\n" + rest, CommentMark(0))


def _splice(original: str, baseline: str, modified: str) -> str:
    """Apply to ``original`` only what turned ``baseline`` into ``modified``.

    ``baseline`` is ruamel.yaml's rendering of the unedited file, ``modified``
    that of the edited one: their differences are the edit and nothing else.
    Each is mapped back to the lines of ``original`` it stands for.
    """
    old = original.splitlines(keepends=True)
    base = baseline.splitlines(keepends=True)
    new = modified.splitlines(keepends=True)
    # Lines of the baseline that stand for a line of the original (the same, or
    # re-spaced by ruamel.yaml), by position.
    origin: dict[int, int] = {len(base): len(old)}
    matcher = difflib.SequenceMatcher(None, old, base, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            origin.update((j1 + k, i1 + k) for k in range(j2 - j1))
    edits: list[tuple[int, int, list[str]]] = []
    matcher = difflib.SequenceMatcher(None, base, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if any(_is_layout(line) for line in base[i1:i2] + new[j1:j2]):
            raise _Refused("the edit would move blank or comment lines")
        # The lines replaced, and the ones either side, must stand for consecutive
        # lines of the original: then the edit goes exactly there.
        first = max(0, i1 - 1)
        mapped = [origin.get(i) for i in range(first, i2 + 1)]
        if None in mapped or mapped != list(range(mapped[0] or 0, (mapped[0] or 0) + len(mapped))):
            raise _Refused("the edited lines cannot be told apart from reformatting")
        start = mapped[i1 - first]
        assert start is not None
        edits.append((start, start + (i2 - i1), new[j1:j2]))
    for start, end, lines in reversed(edits):
        old[start:end] = lines
    return "".join(old)


def _is_layout(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _write_atomically(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        with contextlib.suppress(OSError):
            shutil.copymode(path, temporary)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
