"""What the composing screens of a broadcast share: its buttons' data, the steps stored with
the draft, and reading the author's draft.

Every composing button names the draft and an action (``bc:c:<id>:<action>:<arg>``); it is
honoured only while that draft is still the author's draft at the step the action belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton

from bot.callbacks import number_part, pack, unpack
from bot.context import BotContext
from bot.i18n import Translator
from handlers.labels import LANGUAGE_LABELS
from storage.broadcasts import Broadcast

PREFIX = "bc"
COMPOSE = "c"
OPEN = pack(PREFIX, COMPOSE, "open")
BUTTONS = rf"^{PREFIX}:{COMPOSE}:"
NO_ARG = "-"
MAX_ID_DIGITS = 9

# The author's place, kept in broadcasts.step. A version being written is "lang:<code>".
TEXT = "text"  # the default language's version, the first thing asked
LANGUAGES = "languages"
AUDIENCE = "audience"
FALLBACK = "fallback"
PREVIEW = "preview"
SCHEDULE = "schedule"
VERSION = "lang:"


@dataclass(frozen=True)
class Tap:
    broadcast_id: int
    action: str
    arg: str


def data(broadcast_id: int, action: str, arg: str | int = NO_ARG) -> str:
    return pack(PREFIX, COMPOSE, broadcast_id, action, arg)


def button(
    label: str, broadcast_id: int, action: str, arg: str | int = NO_ARG
) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(broadcast_id, action, arg))


def parse(raw: object) -> Tap | None:
    parts = unpack(raw, PREFIX, 4)
    if parts is None or parts[0] != COMPOSE:
        return None
    broadcast_id = number_part(parts[1], MAX_ID_DIGITS)
    if broadcast_id is None:
        return None
    return Tap(broadcast_id, parts[2], parts[3])


def language_name(t: Translator, code: str) -> str:
    """The language's name in the reader's language ("German" to an English reader)."""
    return t._(LANGUAGE_LABELS[code]) if code in LANGUAGE_LABELS else code


def default_language(context: BotContext) -> str:
    return context.services.config.default_language


async def own_draft(context: BotContext) -> Broadcast | None:
    return await context.services.broadcasts.draft_of(context.member.id)


def version_language(step: str | None, default: str) -> str | None:
    """The language whose version the step asks for, if it asks for one."""
    if step == TEXT:
        return default
    if step is not None and step.startswith(VERSION):
        return step[len(VERSION) :]
    return None


def version_for(broadcast: Broadcast, language: str, default: str) -> str:
    """Which version a member reading ``language`` gets."""
    return language if language in broadcast.texts else default


def uncovered(broadcast: Broadcast, counts: dict[str, int]) -> int:
    """Recipients whose language has no version (they get the default one)."""
    return sum(n for language, n in counts.items() if language not in broadcast.texts)
