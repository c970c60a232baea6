"""The located tree that YAML is read into: each value with the file, line and column
it was written at (see :mod:`annotary.yamlsource`, which reads it, and
:mod:`annotary.yamlblock`, its quickest reader)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from .diagnostics import Location

ScalarValue = str | int | float | bool | None | datetime.date | datetime.datetime

# The nodes below are slotted and not frozen, though nothing changes one once built: a
# file makes about 900 of them, and a frozen dataclass sets each field through
# ``object.__setattr__`` (a Scalar took 0.5 µs to make, now 0.13 µs; loading an
# article's two files went from 2.45 to 2.2 ms). A node keeps its file, line and
# column, and makes its :class:`Location` only when asked: the model keeps four or
# five of a file's 900 places an annotation, and a message names one (making every
# Location took a tenth of loading).


@dataclass(slots=True)
class _Placed:
    """Where a node was written."""

    file: str
    line: int
    column: int

    @property
    def loc(self) -> Location:
        return Location(self.file, self.line, self.column)


@dataclass(slots=True)
class Scalar(_Placed):
    """A leaf value and where it was written."""

    value: ScalarValue
    #: The YAML style the value was written in ('' plain, '"', "'", '|', '>').
    style: str = ""
    #: The value as written, before YAML typed it (``false`` → False, raw "false").
    raw: str = ""


@dataclass(slots=True)
class Sequence(_Placed):
    items: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class Mapping(_Placed):
    """A mapping whose keys are strings, in file order, with the keys' own positions."""

    entries: list[tuple[Scalar, Node]] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.value == key:
                return v
        return None

    def key_loc(self, key: str) -> Location:
        for k, _ in self.entries:
            if k.value == key:
                return k.loc
        return self.loc

    def key_nodes(self) -> Iterator[Scalar]:
        return (k for k, _ in self.entries)


Node = Scalar | Sequence | Mapping
