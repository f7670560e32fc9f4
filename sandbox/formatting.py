"""Parsing of Telegram message formatting (HTML, MarkdownV2, legacy Markdown).

The parsers follow tdlib's ``parse_html`` / ``parse_markdown_v2`` / ``parse_markdown`` closely
enough that text Telegram rejects is rejected here too, with the same error wording. Offsets
and lengths of entities are in UTF-16 code units, like the Bot API's.

One intentional deviation: with ``strict=True`` (the default) a bare ``&`` that does not start
a character entity is an error. Telegram shows it literally, but in practice it almost always
means user-supplied text was not escaped, which breaks as soon as it contains ``<``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PARSE_MODES",
    "EntityParseError",
    "FormattedText",
    "parse_formatted",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

PARSE_MODES = frozenset({"HTML", "MarkdownV2", "Markdown"})


class EntityParseError(ValueError):
    """Text cannot be parsed; ``str(err)`` is the part after "can't parse entities: "."""


@dataclass(slots=True)
class FormattedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    # Fast path: most texts are BMP-only, where UTF-16 units equal code points.
    n = len(text)
    if text.isascii():
        return n
    return n + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_formatted(text: str, parse_mode: str | None, *, strict: bool = True) -> FormattedText:
    """Parse ``text`` and strip surrounding whitespace like Telegram does."""
    if parse_mode is None:
        result = FormattedText(text, [])
    elif parse_mode == "HTML":
        result = parse_html(text, strict=strict)
    elif parse_mode == "MarkdownV2":
        result = parse_markdown_v2(text)
    elif parse_mode == "Markdown":
        result = parse_markdown(text)
    else:
        raise ValueError(f"unsupported parse_mode {parse_mode!r}")
    return _strip(result)


def _strip(ft: FormattedText) -> FormattedText:
    text = ft.text
    stripped = text.strip()
    if stripped == text:
        return ft
    if not stripped:
        return FormattedText("", [])
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for ent in ft.entities:
        start = max(ent["offset"] - lead, 0)
        end = min(ent["offset"] + ent["length"] - lead, new_len)
        if end > start:
            entities.append({**ent, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "tg-time", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_HTML_ENTITY_TYPE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "a": "text_link",
    "pre": "pre",
    "code": "code",
    "blockquote": "blockquote",
}

_HTML_SPECIAL = re.compile(r"[<&]")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\r\n\f\v"


# Tags whose one required attribute is a number: the custom emoji id, the Unix time.
_NUMERIC_ATTRIBUTE = {"tg-emoji": "emoji-id", "tg-time": "unix"}


def _pre_language(text: str, i: int) -> tuple[str, int]:
    """After an opening ```: the language name, if one follows, and the index past it and past
    one line break (both Markdown flavours read a pre block's head the same way)."""
    n = len(text)
    language = ""
    lang_end = i
    while lang_end < n and text[lang_end] not in _SPACE and text[lang_end] != "`":
        lang_end += 1
    if i != lang_end and lang_end < n and text[lang_end] != "`":
        language = text[i:lang_end]
        i = lang_end
    if i < n and text[i] in "\n\r":
        if i + 1 < n and text[i + 1] in "\n\r" and text[i] != text[i + 1]:
            i += 2
        else:
            i += 1
    return language, i


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode a character entity at ``text[i] == '&'``; returns (char, next index)."""
    n = len(text)
    j = i + 1
    if j < n and text[j] == "#":
        j += 1
        code = 0
        digits = 0
        if j < n and text[j] in "xX":
            j += 1
            while j < n and text[j] in "0123456789abcdefABCDEF":
                code = code * 16 + int(text[j], 16)
                j += 1
                digits += 1
        else:
            while j < n and text[j].isascii() and text[j].isdigit():
                code = code * 10 + int(text[j])
                j += 1
                digits += 1
        if digits == 0 or digits > 8 or code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while j < n and text[j].isascii() and text[j].isalpha():
            j += 1
        named = _NAMED_ENTITIES.get(text[i + 1 : j])
        if named is None:
            return None
        char = named
    # tdlib accepts a missing trailing semicolon.
    if j < n and text[j] == ";":
        j += 1
    return char, j


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    result_index: int
    attrs: dict[str, str]


def parse_html(text: str, *, strict: bool = True) -> FormattedText:
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[_OpenTag] = []
    n = len(text)
    i = 0

    def err(msg: str) -> EntityParseError:
        return EntityParseError(msg)

    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                out.append(ch)
                utf16 += 2 if ord(ch) > 0xFFFF else 1
                continue
            if strict:
                raise err(
                    f'Unescaped "&" at byte offset {_byte_offset(text, i)}; escape it as &amp; '
                    "(Telegram itself shows it literally; the emulator is strict)"
                )
        if c != "<":
            # Copy the whole run of plain text up to the next markup character at once.
            m = _HTML_SPECIAL.search(text, i + 1)
            end = m.start() if m else n
            chunk = text[i:end]
            out.append(chunk)
            utf16 += utf16_len(chunk)
            i = end
            continue

        begin = i
        i += 1
        if i >= n or text[i] != "/":
            while i < n and text[i] not in _SPACE and text[i] != ">":
                i += 1
            if i >= n:
                raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise err(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            attrs: dict[str, str] = {}
            while i < n and text[i] != ">":
                while i < n and text[i] in _SPACE:
                    i += 1
                if i < n and text[i] == ">":
                    break
                attr_begin = i
                while i < n and text[i] not in _SPACE and text[i] not in "=>":
                    i += 1
                attr_name = text[attr_begin:i].lower()
                if not attr_name:
                    raise err(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
                while i < n and text[i] in _SPACE:
                    i += 1
                if i >= n:
                    raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                if text[i] != "=":
                    # Valueless attribute, e.g. <blockquote expandable>.
                    attrs[attr_name] = ""
                    continue
                i += 1
                while i < n and text[i] in _SPACE:
                    i += 1
                if i >= n:
                    raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                if text[i] not in "'\"":
                    token_begin = i
                    while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if i >= n or (text[i] not in _SPACE and text[i] != ">"):
                        raise err(
                            f"Unexpected end of name token at byte offset {_byte_offset(text, i)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            decoded = _decode_entity(text, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(text[i])
                        i += 1
                    if i >= n:
                        raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
                    i += 1
                    value = "".join(chars)
                attrs[attr_name] = value
            if i >= n:
                raise err(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            argument = ""
            if tag == "a":
                argument = attrs.get("href", "")
            elif tag == "code":
                cls = attrs.get("class", "")
                if cls.startswith("language-"):
                    argument = cls[len("language-") :]
            elif tag == "span":
                if attrs.get("class") != "tg-spoiler":
                    raise err(
                        f'Tag "span" must have class "tg-spoiler" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
            elif tag in _NUMERIC_ATTRIBUTE:
                name = _NUMERIC_ATTRIBUTE[tag]
                argument = attrs.get(name, "")
                if not argument.isdigit():
                    raise err(
                        f'Tag "{tag}" must have valid attribute "{name}" at byte offset '
                        f"{_byte_offset(text, begin)}"
                    )
            stack.append(_OpenTag(tag, argument, utf16, len(out), attrs))
            i += 1
            continue

        # End tag.
        if not stack:
            raise err(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        while i < n and text[i] not in _SPACE and text[i] != ">":
            i += 1
        end_name = text[begin + 2 : i].lower()
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n or text[i] != ">":
            raise err(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
        i += 1
        open_tag = stack.pop()
        if end_name and end_name != open_tag.name:
            raise err(
                f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                f'expected "</{open_tag.name}>", found "</{end_name}>"'
            )
        length = utf16 - open_tag.utf16_offset
        if length <= 0:
            continue
        entity: dict[str, Any] = {
            "type": _HTML_ENTITY_TYPE[open_tag.name],
            "offset": open_tag.utf16_offset,
            "length": length,
        }
        if open_tag.name == "a":
            url = open_tag.argument or "".join(out[open_tag.result_index :])
            entity["url"] = url
        elif open_tag.name == "code":
            parent = stack[-1] if stack else None
            if (
                parent is not None
                and parent.name == "pre"
                and parent.utf16_offset == open_tag.utf16_offset
            ):
                # <pre><code class="language-x"> is one pre entity with a language.
                if open_tag.argument:
                    parent.argument = open_tag.argument
                continue
        elif open_tag.name == "pre":
            if open_tag.argument:
                entity["language"] = open_tag.argument
        elif open_tag.name == "blockquote":
            if "expandable" in open_tag.attrs:
                entity["type"] = "expandable_blockquote"
        elif open_tag.name == "tg-emoji":
            entity["custom_emoji_id"] = open_tag.argument
        elif open_tag.name == "tg-time":
            entity["unix_time"] = int(open_tag.argument)
            fmt = open_tag.attrs.get("format")
            if fmt:
                entity["date_time_format"] = fmt
        entities.append(entity)

    if stack:
        raise err(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(out), entities)


# --------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"


@dataclass(slots=True)
class _MdEntity:
    type: str
    argument: str
    utf16_offset: int
    byte_index: int
    result_index: int


def parse_markdown_v2(text: str) -> FormattedText:
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[_MdEntity] = []
    n = len(text)
    i = 0
    quote_start: int | None = None

    def at(k: int) -> str:
        return text[k] if k < n else ""

    def reserved_error(ch: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
        )

    while i < n:
        c = text[i]
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not in_code:
            if c == ">" or (c == "*" and text.startswith("**>", i)):
                if quote_start is None:
                    quote_start = utf16
                i += 3 if c == "*" else 1
                continue
            if quote_start is not None and i > 0:
                # Previous line ended the quote: the newline is not part of it.
                if utf16 - 1 > quote_start:
                    entities.append(
                        {
                            "type": "blockquote",
                            "offset": quote_start,
                            "length": utf16 - 1 - quote_start,
                        }
                    )
                quote_start = None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            ch = text[i + 1]
            out.append(ch)
            utf16 += 1
            i += 2
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if c not in reserved:
            out.append(c)
            utf16 += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue

        top = stack[-1].type if stack else None
        is_end = False
        if top == "bold":
            is_end = c == "*"
        elif top == "italic":
            is_end = c == "_" and at(i + 1) != "_"
        elif top == "code":
            is_end = c == "`"
        elif top == "pre":
            is_end = c == "`" and at(i + 1) == "`" and at(i + 2) == "`"
        elif top in ("text_link", "custom_emoji"):
            is_end = c == "]"
        elif top == "underline":
            is_end = c == "_" and at(i + 1) == "_"
        elif top == "strikethrough":
            is_end = c == "~"
        elif top == "spoiler":
            is_end = c == "|" and at(i + 1) == "|"

        if not is_end:
            begin = i
            argument = ""
            if c == "_":
                if at(i + 1) == "_":
                    etype = "underline"
                    i += 1
                else:
                    etype = "italic"
            elif c == "*":
                etype = "bold"
            elif c == "~":
                etype = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved_error(c)
                etype = "spoiler"
                i += 1
            elif c == "[":
                etype = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    etype = "pre"
                    language, i = _pre_language(text, i + 3)
                    argument = language or argument
                    i -= 1
                else:
                    etype = "code"
            elif c == "!" and at(i + 1) == "[":
                etype = "custom_emoji"
                i += 1
            else:
                raise reserved_error(c)
            stack.append(_MdEntity(etype, argument, utf16, _byte_offset(text, begin), len(out)))
            i += 1
            continue

        ent = stack.pop()
        entity: dict[str, Any] = {"type": ent.type, "offset": ent.utf16_offset}
        if ent.type in ("underline", "spoiler"):
            i += 1
        elif ent.type == "pre":
            i += 2
            if ent.argument:
                entity["language"] = ent.argument
        elif ent.type in ("text_link", "custom_emoji"):
            url_chars: list[str] = []
            if at(i + 1) != "(":
                if ent.type == "custom_emoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                url_chars = out[ent.result_index :]
            else:
                i += 2
                url_begin = i
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
            url = "".join(url_chars)
            if ent.type == "custom_emoji":
                prefix = "tg://emoji?id="
                if not url.startswith(prefix) or not url[len(prefix) :].isdigit():
                    raise EntityParseError("Custom emoji URL must have an emoji identifier")
                entity["custom_emoji_id"] = url[len(prefix) :]
            else:
                entity["url"] = url
        i += 1
        length = utf16 - ent.utf16_offset
        if length > 0:
            entity["length"] = length
            entities.append(entity)

    if stack:
        ent = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MD_NAMES[ent.type]} entity at byte offset {ent.byte_index}"
        )
    if quote_start is not None and utf16 > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": utf16 - quote_start}
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return FormattedText("".join(out), entities)


_MD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


# --------------------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str) -> FormattedText:
    out: list[str] = []
    utf16 = 0
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else ""

    def push(ch: str) -> None:
        nonlocal utf16
        out.append(ch)
        utf16 += 2 if ord(ch) > 0xFFFF else 1

    while i < n:
        c = text[i]
        if c == "\\" and at(i + 1) in ("_", "*", "`", "["):
            push(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            push(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            is_pre = True
            language, i = _pre_language(text, i + 2)
        start_utf16 = utf16
        start_index = len(out)
        while i < n and (
            text[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            push(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        entity: dict[str, Any] = {"offset": start_utf16, "length": utf16 - start_utf16}
        if c == "_":
            entity["type"] = "italic"
        elif c == "*":
            entity["type"] = "bold"
        elif c == "`":
            entity["type"] = "pre" if is_pre else "code"
            if language:
                entity["language"] = language
        else:
            url = ""
            if at(i + 1) == "(":
                j = i + 2
                while j < n and text[j] != ")":
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i + 2)}"
                    )
                url = text[i + 2 : j]
                i = j
            else:
                url = "".join(out[start_index:])
            entity["type"] = "text_link"
            entity["url"] = url
        if is_pre:
            i += 2
        i += 1
        if entity["length"] > 0:
            entities.append(entity)
    return FormattedText("".join(out), entities)
