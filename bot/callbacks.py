"""Callback data: short, opaque ``prefix:part:part`` strings, never trusted.

Each feature parses its own prefix with ``unpack`` and then re-checks everything against the
database; a tampered or outdated button fails that check and gets a polite answer.
"""

from __future__ import annotations

MAX_BYTES = 64


def pack(prefix: str, *parts: str | int) -> str:
    data = ":".join([prefix, *map(str, parts)])
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {prefix}")
    return data


def unpack(data: object, prefix: str, arity: int) -> list[str] | None:
    """The parts after ``prefix``, or None when the data is not a well-formed button of ours."""
    if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    head, _, rest = data.partition(":")
    if head != prefix:
        return None
    parts = rest.split(":") if rest else []
    return parts if len(parts) == arity else None


def number_part(text: str, max_digits: int = 9) -> int | None:
    """A part that should be an id or page number: ASCII digits of sane length only (anything
    longer is forged, and too big for SQLite), else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= max_digits else None


def pattern(prefix: str) -> str:
    """A CallbackQueryHandler pattern for one feature's buttons."""
    return rf"^{prefix}(:|$)"
