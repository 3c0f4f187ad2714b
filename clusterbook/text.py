"""Text that every output can carry."""

from __future__ import annotations


def printable(text: str) -> str:
    """A file name that is not UTF-8 (surrogate escapes) shows U+FFFD for its odd bytes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
