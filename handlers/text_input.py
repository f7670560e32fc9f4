"""Checks on what members type as a single line: names of people, places and organisations."""

from __future__ import annotations

import unicodedata

NAME_LENGTH = (2, 100)


def clean_name(text: str, length: tuple[int, int] = NAME_LENGTH) -> str | None:
    """The text with its whitespace collapsed, or None when it holds control or format
    characters (line breaks, invisible marks) or its length is outside ``length``."""
    name = " ".join(text.split())
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return None
    return name if length[0] <= len(name) <= length[1] else None
