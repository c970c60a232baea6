"""Compact JSON text, written by orjson.

Every article's W3C items, its schema.org graph and the cache's JSON entries go
through here: with :func:`json.dumps` that was 0.9 s of CPU in a cold build of
1,000 articles (0.26 ms an article for the first two alone), and orjson (Rust)
takes about a tenth of it.

For strings, integers, booleans, ``None``, lists and dicts, the text is byte for
byte what ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` gives
(``tests/test_jsontext.py`` compares them): non-ASCII characters as such, quotes,
backslashes and control characters escaped alike. Floats may be spelt otherwise
(``1.23456e-05`` against ``0.0000123456``, the same number); no document the
archive writes holds one.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["compact", "compact_bytes", "parse"]


def compact(value: Any) -> str:
    """``value`` as compact JSON text, non-ASCII characters as such."""
    return orjson.dumps(value).decode()


def compact_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON that any string survives, for storing.

    orjson refuses a lone surrogate (it cannot be UTF-8); such a value is
    written by :func:`json.dumps`, whose ``\\ud800`` escapes keep it. Reading
    either back with :func:`json.loads` gives ``value`` (a float NaN or infinity
    excepted: orjson writes ``null``; no entry holds one).
    """
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, a non-str key, ...
        return json.dumps(value, separators=(",", ":")).encode()


def parse(data: bytes) -> Any:
    """The value of JSON ``data`` (UTF-8); :class:`ValueError` if it is not JSON.

    orjson first; what it refuses but :func:`json.loads` reads (a ``\\ud800``
    escape, ``NaN``) is read by the latter, so whatever :func:`compact_bytes`
    wrote comes back.
    """
    try:
        return orjson.loads(data)
    except ValueError:  # orjson.JSONDecodeError
        return json.loads(data)
