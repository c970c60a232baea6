"""Problems found in the archive's files, and the three ways to print them.

Every tool of the project reports through :class:`Diagnostic` so that a
contributor sees the same ``FILE:LINE:COLUMN: severity: message [code]`` line
from ``annotary lint``, the site build and the pull-request checks.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import SupportsIndex


class Record:
    """Base of the frozen, slotted records that a warm build unpickles by the million.

    Unpickled, a frozen slotted dataclass sets each field through a Python loop
    (``dataclasses`` adds ``__setstate__``): 1.3 µs a record. Reduced to a call of
    the class with its fields, it is 0.5 µs: 1.5 s less at 10,000 articles.
    Pickling reads the fields with one :func:`operator.attrgetter` per class
    (0.7 µs a record instead of 1.1 µs: the cold build pickles the whole model).
    Every field of a subclass must be an ``__init__`` parameter, in order.
    """

    __slots__ = ()

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[type[Record], tuple[object, ...]]:
        cls = type(self)
        fields = _FIELD_GETTERS.get(cls)
        if fields is None:
            fields = _FIELD_GETTERS[cls] = _field_getter(cls)
        return cls, fields(self)


def _field_getter(cls: type[Record]) -> Callable[[Record], tuple[object, ...]]:
    names = tuple(getattr(cls, "__dataclass_fields__", {}))
    if len(names) == 1:
        (name,) = names
        return lambda record: (getattr(record, name),)
    if not names:
        return lambda record: ()
    return operator.attrgetter(*names)  # a tuple for two or more names


_FIELD_GETTERS: dict[type[Record], Callable[[Record], tuple[object, ...]]] = {}


class Severity(StrEnum):
    """How bad a problem is: errors fail a build, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True, slots=True)
class Location(Record):
    """A place in a file of the repo; ``line`` and ``column`` count from 1."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic(Record):
    """One problem, where it is, what it is and what to do about it."""

    location: Location
    severity: Severity
    code: str
    message: str
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format_text(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.message} [{self.code}]"
        if self.hint:
            hint_lines = self.hint.splitlines()
            text += "".join(f"\n    {line}" if line else "\n" for line in hint_lines)
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }

    def format_github(self) -> str:
        """A GitHub Actions workflow command, so the problem lands on the changed line."""
        level = "error" if self.is_error else "warning"
        body = f"{self.message} [{self.code}]"
        if self.hint:
            body += "\n" + self.hint
        loc = self.location
        props = (
            f"file={_gh_property(loc.file)},line={loc.line},col={loc.column},"
            f"title={_gh_property('annotary ' + self.code)}"
        )
        return f"::{level} {props}::{_gh_data(body)}"


def error(location: Location, code: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(location, Severity.ERROR, code, message, hint)


def warning(location: Location, code: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(location, Severity.WARNING, code, message, hint)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """File order, then line order: the order a contributor fixes things in."""
    return sorted(diagnostics, key=lambda d: (d.location, d.code, d.message))


def format_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(d.format_github() for d in diagnostics)
    return "\n".join(d.format_text() for d in diagnostics)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


class AnnotaryError(Exception):
    """A problem that stops a command, carrying the diagnostics that explain it."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(d.format_text() for d in self.diagnostics))
