"""Small helpers for the words users read, shared by the CLI, the core and the window."""

from __future__ import annotations


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with the right form of the noun: "1 photo", "3 photos"."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"
