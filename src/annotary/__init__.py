"""Annotary: a static archive of annotated news articles."""

from __future__ import annotations

__version__ = "0.1.0"
