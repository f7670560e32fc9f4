"""The vendored Bot API spec and validation of requests (and of our own responses) against it.

The spec is parsed once per process (``load_spec`` is cached); validating a request is a walk
over its decoded parameters, with no I/O.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sandbox.formatting import PARSE_MODES, EntityParseError, FormattedText, parse_formatted

__all__ = [
    "ApiError",
    "FieldSpec",
    "FilePart",
    "MethodSpec",
    "Spec",
    "TypeSpec",
    "load_spec",
]

_PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean", "True", "InputFile"})
_DISCRIMINATOR_RX = re.compile(r"(?:must be|always)\s+[\"“]?([A-Za-z_]+)[\"”]?")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip

_BOT_COMMAND_RX = re.compile(r"[a-z0-9_]{1,32}")

# Fields of InlineKeyboardButton that are labels/decoration, not the button's action.
_BUTTON_NON_ACTION = frozenset({"text", "icon_custom_emoji_id", "style"})


# Unknown parameters are refused, more strictly than Telegram, which ignores them. The one
# exception: python-telegram-bot 22 sends its default parse_mode with editMessageReplyMarkup,
# which the API does not define and Telegram ignores; refusing it would refuse a correct bot.
TOLERATED_EXTRAS = frozenset({("editMessageReplyMarkup", "parse_mode")})


class ApiError(Exception):
    """An error answer of the Bot API (``{"ok": false, ...}``)."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        validation: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        # Validation errors mean the bot sent something malformed; tests assert there are none.
        self.validation = validation

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", validation=True)


@dataclass(frozen=True, slots=True)
class FilePart:
    """A file uploaded in a multipart request."""

    name: str
    filename: str | None
    content: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]
    # For a parent type whose subtypes are told apart by one field (e.g. BotCommandScope by
    # "type"): that field's name and value -> subtype.
    discriminator: tuple[str, Mapping[str, str]] | None


def _fields(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in raw.get("fields", [])
    }


def _discriminator_of(raw_type: Mapping[str, Any]) -> tuple[str, str] | None:
    for f in raw_type.get("fields", []):
        if f["required"] and f["types"] == ["String"]:
            m = _DISCRIMINATOR_RX.search(f["description"])
            if m:
                return f["name"], m.group(1)
    return None


class Spec:
    """Parsed Bot API spec plus a validator for values of its types."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        raw_types: Mapping[str, Any] = raw["types"]
        self.types: dict[str, TypeSpec] = {}
        for name, t in raw_types.items():
            subtypes = tuple(t.get("subtypes", ()))
            discriminator: tuple[str, Mapping[str, str]] | None = None
            if subtypes and all(s in raw_types for s in subtypes):
                found = [_discriminator_of(raw_types[s]) for s in subtypes]
                names = {f[0] for f in found if f is not None}
                if all(f is not None for f in found) and len(names) == 1:
                    discriminator = (
                        names.pop(),
                        {f[1]: s for f, s in zip(found, subtypes, strict=True) if f is not None},
                    )
            self.types[name] = TypeSpec(name, _fields(t), subtypes, discriminator)
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(m), tuple(m["returns"]))
            for name, m in raw["methods"].items()
        }
        # Telegram matches method names case-insensitively.
        self.methods_lower: dict[str, MethodSpec] = {
            name.lower(): m for name, m in self.methods.items()
        }

    # ------------------------------------------------------------------ request decoding

    def decode_form(
        self,
        method: MethodSpec,
        fields: Mapping[str, str],
        files: Mapping[str, FilePart],
    ) -> dict[str, Any]:
        """Turn form/multipart/query parameters into typed values.

        PTB (like most clients) sends strings as they are and everything else JSON-encoded, so
        whether to JSON-decode depends on the declared types of the field.
        """
        params: dict[str, Any] = {}
        used_files: set[str] = set()
        for name, raw in fields.items():
            spec = method.fields.get(name)
            if spec is None:
                if (method.name, name) in TOLERATED_EXTRAS:
                    continue
                raise bad_request(f"unknown parameter {name}")
            params[name] = self._decode_form_value(spec, raw, files, used_files)
        for name, part in files.items():
            if name in params or name in used_files:
                continue
            spec = method.fields.get(name)
            if spec is not None and "InputFile" in spec.types:
                params[name] = part
                used_files.add(name)
        leftovers = set(files) - used_files
        if leftovers:
            # Parts referenced from inside JSON objects (InputMedia*.media = "attach://x").
            blob = "\n".join(fields.values())
            unreferenced = sorted(n for n in leftovers if f"attach://{n}" not in blob)
            if unreferenced:
                raise bad_request(f"unknown parameter {unreferenced[0]}")
        return params

    def _decode_form_value(
        self,
        spec: FieldSpec,
        raw: str,
        files: Mapping[str, FilePart],
        used_files: set[str],
    ) -> Any:
        types = spec.types
        if "InputFile" in types and raw.startswith("attach://"):
            part = files.get(raw[len("attach://") :])
            if part is None:
                raise bad_request(f"file {raw} for parameter {spec.name} not found in request")
            used_files.add(part.name)
            return part
        if types == ("String",) or (types == ("InputFile", "String")):
            return raw
        if "Boolean" in types or "True" in types:
            lowered = raw.lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
        try:
            decoded = json.loads(raw)
        except ValueError:
            if "String" in types:
                return raw
            raise bad_request(f"can't parse parameter {spec.name}: {raw[:50]!r}") from None
        if "String" in types and isinstance(decoded, str):
            return raw
        if "String" in types:
            others = tuple(t for t in types if t != "String")
            try:
                self.check(decoded, others, spec.name)
            except ApiError:
                return raw
        return decoded

    def decode_json(self, method: MethodSpec, body: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name, value in body.items():
            spec = method.fields.get(name)
            if spec is None:
                if (method.name, name) in TOLERATED_EXTRAS:
                    continue
                raise bad_request(f"unknown parameter {name}")
            if value is None:
                continue
            # Telegram also accepts JSON-serialized objects as strings inside a JSON body.
            if isinstance(value, str) and "String" not in spec.types:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[name] = value
        return params

    # ------------------------------------------------------------------ validation

    def validate_params(self, method: MethodSpec, params: Mapping[str, Any]) -> None:
        for name, spec in method.fields.items():
            if name in params:
                self.check(params[name], spec.types, name)
            elif spec.required:
                raise bad_request(f"{name} is required")
        for name in params:
            if name not in method.fields:
                raise bad_request(f"unknown parameter {name}")

    def check(self, value: Any, types: tuple[str, ...], path: str) -> None:
        """Raise ``ApiError`` unless ``value`` matches one of ``types``."""
        if len(types) == 1:
            self._check_one(value, types[0], path)
            return
        errors: list[tuple[int, ApiError]] = []
        for t in types:
            try:
                self._check_one(value, t, path)
                return
            except ApiError as exc:
                errors.append((self._affinity(value, t), exc))
        # Report the error of the alternative the value most looks like.
        errors.sort(key=lambda e: -e[0])
        best_affinity, best = errors[0]
        if best_affinity <= 0:
            raise bad_request(f"field {path} must be of type {' or '.join(types)}")
        raise best

    def _affinity(self, value: Any, type_name: str) -> int:
        if isinstance(value, dict):
            spec = self.types.get(type_name)
            if spec is None:
                return 0
            fields = self._all_fields(spec)
            return sum(1 for k in value if k in fields) * 2 + 1
        if isinstance(value, list):
            return 1 if type_name.startswith("Array of ") else 0
        return 0

    def _all_fields(self, spec: TypeSpec) -> set[str]:
        names = set(spec.fields)
        for sub in spec.subtypes:
            sub_spec = self.types.get(sub)
            if sub_spec is not None:
                names |= set(sub_spec.fields)
        return names

    def _check_one(self, value: Any, type_name: str, path: str) -> None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                raise bad_request(f"field {path} must be an Array")
            inner = (type_name[len("Array of ") :],)
            for index, item in enumerate(value):
                self.check(item, inner, f"{path}[{index}]")
            return
        if type_name in _PRIMITIVES:
            if not _primitive_ok(value, type_name):
                raise bad_request(f"field {path} must be of type {type_name}")
            return
        spec = self.types.get(type_name)
        if spec is None:
            raise bad_request(f"field {path} has unknown type {type_name}")
        if spec.subtypes:
            self._check_union(value, spec, path)
            return
        if not isinstance(value, dict):
            raise bad_request(f"field {path} must be a JSON object of type {type_name}")
        for name, field_spec in spec.fields.items():
            if name in value and value[name] is not None:
                self.check(value[name], field_spec.types, f"{path}.{name}")
            elif field_spec.required:
                raise bad_request(f"field {path}.{name} is required")
        if spec.fields or value:
            for name in value:
                if name not in spec.fields:
                    raise bad_request(f"unknown parameter {path}.{name}")
        hook = _TYPE_HOOKS.get(type_name)
        if hook is not None:
            hook(value, path)

    def _check_union(self, value: Any, spec: TypeSpec, path: str) -> None:
        if spec.discriminator is not None and isinstance(value, dict):
            field_name, mapping = spec.discriminator
            tag = value.get(field_name)
            if not isinstance(tag, str):
                raise bad_request(f"field {path}.{field_name} is required")
            sub = mapping.get(tag)
            if sub is None:
                raise bad_request(f"field {path}.{field_name} has unsupported value {tag!r}")
            self._check_one(value, sub, path)
            return
        self.check(value, spec.subtypes, path)

    # ------------------------------------------------------------------ semantic checks

    def check_semantics(
        self, method: MethodSpec, params: Mapping[str, Any], *, strict_html: bool = True
    ) -> dict[str, FormattedText]:
        """Checks Telegram makes beyond types; returns parsed text/caption by field name."""
        formatted: dict[str, FormattedText] = {}
        parse_mode = params.get("parse_mode")
        if (
            "parse_mode" in method.fields
            and parse_mode is not None
            and parse_mode not in PARSE_MODES
        ):
            raise bad_request("unsupported parse_mode")
        for field_name, entities_field, limit, empty_ok in (
            ("text", "entities", MAX_TEXT_LENGTH, False),
            ("caption", "caption_entities", MAX_CAPTION_LENGTH, True),
        ):
            value = params.get(field_name)
            if not isinstance(value, str) or entities_field not in method.fields:
                continue
            explicit = params.get(entities_field)
            if explicit is not None:
                # Explicit entities take precedence over parse_mode, like in Telegram.
                ft = FormattedText(value.strip(), list(explicit))
            else:
                try:
                    ft = parse_formatted(value, parse_mode, strict=strict_html)
                except EntityParseError as exc:
                    raise bad_request(f"can't parse entities: {exc}") from None
            if not ft.text and not empty_ok:
                raise bad_request("message text is empty")
            if ft.length > limit:
                raise bad_request(
                    "message is too long" if field_name == "text" else "message caption is too long"
                )
            formatted[field_name] = ft
        if method.name == "sendChatAction" and params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        if method.name == "answerCallbackQuery":
            text = params.get("text")
            if isinstance(text, str) and len(text) > 200:
                raise bad_request("MESSAGE_TOO_LONG")
        return formatted


def _primitive_ok(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    # InputFile
    return isinstance(value, FilePart)


def _check_inline_button(value: Mapping[str, Any], path: str) -> None:
    actions = [k for k in value if k not in _BUTTON_NON_ACTION]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            f"can't parse inline keyboard button: {path} must have exactly one of "
            + ", ".join(sorted(actions))
        )
    data = value.get("callback_data")
    if data is not None:
        size = len(data.encode("utf-8"))
        if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "text" in value and not value["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")


def _check_inline_markup(value: Mapping[str, Any], path: str) -> None:
    if sum(len(row) for row in value["inline_keyboard"]) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")


def _check_bot_command(value: Mapping[str, Any], path: str) -> None:
    if not _BOT_COMMAND_RX.fullmatch(value["command"]):
        raise bad_request("BOT_COMMAND_INVALID")
    if not 1 <= len(value["description"].strip()) <= 256:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


_TYPE_HOOKS = {
    "InlineKeyboardButton": _check_inline_button,
    "InlineKeyboardMarkup": _check_inline_markup,
    "BotCommand": _check_bot_command,
}


@cache
def load_spec() -> Spec:
    text = resources.files("sandbox").joinpath("api.min.json").read_text(encoding="utf-8")
    return Spec(json.loads(text))
