"""Safe HTML for the sandbox chat page from a Telegram message's plain text and entities.

The page shows what the bot sent the way a Telegram client would, so the input is the
*parsed* message (text + entities, offsets in UTF-16 code units), never the bot's raw HTML:
that way the page sees exactly what the emulator accepted, and nothing the bot (or a member
whose text the bot echoes) wrote can reach the browser unescaped.

Output uses a fixed, small set of tags (b, i, u, s, span.spoiler, code, pre, a, blockquote,
br). Overlapping entities are split (closed and reopened) so the result is always properly
nested; links never nest inside links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.models import BotMessage

__all__ = ["detect_entities", "message_html", "safe_url", "to_html"]

_ALLOWED_SCHEMES = frozenset({"http", "https", "tg", "mailto", "tel"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# Browsers drop tabs and newlines inside URLs ("java\tscript:" is "javascript:"), and
# other control characters have no business in a link either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINK_TYPES = frozenset(
    {"text_link", "url", "email", "phone_number", "mention", "text_mention", "bot_command"}
)
# Which of two entities over the same range goes outside: blocks first, then links, then
# inline styles, code innermost (a Telegram client draws code inside bold, not vice versa).
_RANK = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 1,
    **dict.fromkeys(_LINK_TYPES, 2),
    "bold": 3,
    "italic": 3,
    "underline": 3,
    "strikethrough": 3,
    "spoiler": 3,
    "code": 4,
}


# Telegram finds these in every message by itself (a bot's "/help" is clickable although the
# bot sent no entity for it); the emulator does not, so the page does. Conservative on
# purpose: no bare domains, no phone numbers. Neighbour rules for commands follow tdlib.
_DETECTORS = (
    ("url", re.compile(r"(?<![\w/])https?://[^\s<>\"]+", re.IGNORECASE)),
    (
        "email",
        re.compile(r"(?<![\w.+@-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![\w@])")),
    (
        "bot_command",
        re.compile(
            r"(?<![\w/<>\\])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?(?![\w/<>\\@])"
        ),
    ),
)
# Text already inside one of these keeps its meaning; detection never overlaps them.
_OPAQUE = frozenset({"code", "pre", "custom_emoji", "hashtag", "cashtag"})


def _trim_url(url: str) -> str:
    url = url.rstrip(".,;:!?'")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,;:!?'")
    return url


def detect_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the url, email, mention and bot_command entities Telegram would
    find in ``text`` outside the existing links and code."""
    units = [0]
    for ch in text:
        units.append(units[-1] + (2 if ord(ch) > 0xFFFF else 1))
    taken: list[tuple[int, int]] = []
    for entity in entities:
        offset, length = _int(entity.get("offset")), _int(entity.get("length"))
        kind = entity.get("type")
        if offset is not None and length is not None and (kind in _LINK_TYPES or kind in _OPAQUE):
            taken.append((offset, offset + length))
    found: list[dict[str, Any]] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            matched = _trim_url(match.group(0)) if kind == "url" else match.group(0)
            start, end = units[match.start()], units[match.start() + len(matched)]
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append({"type": kind, "offset": start, "length": end - start})
    return [*entities, *found]


def safe_url(url: str) -> str | None:
    """``url`` if it may be an href on the page, else ``None``.

    Only http, https, tg, mailto and tel; a URL without a scheme gets https:// like a
    Telegram client would open it (``example.org/x``, ``localhost:8080``).
    """
    url = url.strip()
    if not url or _CONTROL.search(url) or url.startswith(("/", "\\")):
        return None
    match = _SCHEME.match(url)
    if match is None or url[match.end() :][:1].isdigit():
        # No scheme, or "host:port": a bare address.
        return "https://" + url
    if match.group(1).lower() not in _ALLOWED_SCHEMES:
        return None
    return url


@dataclass(frozen=True, slots=True)
class _Span:
    index: int
    start: int
    end: int
    type: str
    open_tag: str
    close_tag: str

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        return (self.start, -self.end, _RANK[self.type], self.index)


def _link(href: str | None) -> tuple[str, str]:
    if href is None:
        return "", ""
    url = safe_url(href)
    if url is None:
        return "", ""
    return f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">', "</a>"


def _tags(entity: dict[str, Any], covered: str) -> tuple[str, str]:
    """Opening and closing markup for one entity; ("", "") shows the text unstyled."""
    kind = entity["type"]
    simple = {
        "bold": "b",
        "italic": "i",
        "underline": "u",
        "strikethrough": "s",
        "code": "code",
        "blockquote": "blockquote",
    }
    if kind in simple:
        tag = simple[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="spoiler">', "</span>"
    if kind == "expandable_blockquote":
        return '<blockquote class="expandable">', "</blockquote>"
    if kind == "pre":
        language = entity.get("language")
        if isinstance(language, str) and language:
            return f'<pre data-language="{escape(language)}">', "</pre>"
        return "<pre>", "</pre>"
    if kind == "bot_command":
        return f'<a href="#" class="command" data-command="{escape(covered)}">', "</a>"
    if kind == "text_link":
        url = entity.get("url")
        return _link(url if isinstance(url, str) else None)
    if kind == "url":
        return _link(covered)
    if kind == "email":
        return _link("mailto:" + covered)
    if kind == "phone_number":
        digits = "".join(ch for ch in covered if ch.isdigit() or ch == "+")
        return _link("tel:" + digits if digits else None)
    if kind == "mention":
        username = covered.removeprefix("@")
        return _link("https://t.me/" + username if username.replace("_", "").isalnum() else None)
    if kind == "text_mention":
        user = entity.get("user")
        user_id = user.get("id") if isinstance(user, dict) else None
        if _int(user_id) is not None:
            return _link(f"tg://user?id={user_id}")
        return "", ""
    return "", ""


def _offset_maps(text: str) -> tuple[list[int], list[int]]:
    """UTF-16 offset -> index into ``text``, rounding down (for starts) and up (for ends)
    when an offset falls between the two halves of a surrogate pair."""
    down: list[int] = []
    up: list[int] = []
    for i, ch in enumerate(text):
        down.append(i)
        up.append(i)
        if ord(ch) > 0xFFFF:
            down.append(i)
            up.append(i + 1)
    down.append(len(text))
    up.append(len(text))
    return down, up


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _spans(text: str, entities: list[dict[str, Any]]) -> list[_Span]:
    down, up = _offset_maps(text)
    units = len(down) - 1
    spans: list[_Span] = []
    for index, entity in enumerate(entities):
        if not isinstance(entity, dict):
            continue
        kind, offset, length = (
            entity.get("type"),
            _int(entity.get("offset")),
            _int(entity.get("length")),
        )
        if kind not in _RANK:
            # hashtag, cashtag, custom_emoji (its fallback emoji is the text), date_time...
            continue
        if offset is None or length is None or length <= 0:
            continue
        begin = down[min(max(offset, 0), units)]
        finish = up[min(max(offset + length, 0), units)]
        if finish <= begin:
            continue
        opening, closing = _tags(entity, text[begin:finish])
        if not opening:
            continue
        spans.append(_Span(index, begin, finish, str(kind), opening, closing))
    return spans


_NEWLINE = re.compile(r"\r\n?|\n")


def _text(chunk: str) -> str:
    # The text itself keeps its \r: removing it would shift every later UTF-16 offset.
    return _NEWLINE.sub("<br>", escape(chunk))


def to_html(text: str, entities: list[dict[str, Any]], *, detect: bool = True) -> str:
    """Safe, well-formed HTML for ``text`` formatted by Bot API ``entities``.

    With ``detect`` (the default) commands, http(s) URLs, emails and @mentions that have no
    entity become links too, as in a Telegram client (see :func:`detect_entities`).
    """
    valid = [e for e in entities if isinstance(e, dict)]
    spans = _spans(text, detect_entities(text, valid) if detect else valid)
    if not spans:
        return _text(text)
    boundaries = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    ordered = sorted(spans, key=lambda s: s.sort_key)
    out: list[str] = []
    stack: list[_Span] = []
    for start, end in pairwise(boundaries):
        wanted: list[_Span] = []
        in_link = False
        for span in ordered:
            if span.start <= start and end <= span.end:
                # <a> inside <a> is not valid HTML: the outer (earlier) link wins.
                if span.type in _LINK_TYPES:
                    if in_link:
                        continue
                    in_link = True
                wanted.append(span)
        keep = 0
        while keep < len(stack) and keep < len(wanted) and stack[keep] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(stack.pop().close_tag)
        for span in wanted[keep:]:
            out.append(span.open_tag)
            stack.append(span)
        out.append(_text(text[start:end]))
    while stack:
        out.append(stack.pop().close_tag)
    return "".join(out)


def message_html(message: BotMessage) -> str:
    """The page's HTML for a bot message: its text, or its caption for media ("" if none)."""
    if message.plain_text is not None:
        return to_html(message.plain_text, message.entities)
    if message.caption_plain is not None:
        return to_html(message.caption_plain, message.caption_entities)
    return ""
