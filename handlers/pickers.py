"""Keyboards shared by features: a multi-select of codes (regions, topics) with a Done button.

The chosen codes are stored as they are toggled, so the keyboard is rebuilt from the database
on every tap and never trusts the button it came from beyond the code it names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import pack
from bot.i18n import Translator

DONE = "done"


def multi_select(
    t: Translator,
    prefix: str,
    labels: Mapping[str, str],
    chosen: Collection[str],
    *,
    columns: int = 2,
    extra_parts: tuple[str | int, ...] = (),
) -> InlineKeyboardMarkup:
    """One toggle button per code (``prefix:[extra:]code``), ✅ on the chosen ones, and
    ``prefix:[extra:]done`` below. ``labels`` map codes to untranslated (N_) labels."""
    buttons = [
        InlineKeyboardButton(
            ("✅ " if code in chosen else "") + t._(label),
            callback_data=pack(prefix, *extra_parts, code),
        )
        for code, label in labels.items()
    ]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    rows.append([InlineKeyboardButton(t._("Done"), callback_data=pack(prefix, *extra_parts, DONE))])
    return InlineKeyboardMarkup(rows)


def choice_keyboard(
    t: Translator,
    prefix: str,
    labels: Mapping[str, str],
    *,
    columns: int = 1,
    extra_parts: tuple[str | int, ...] = (),
) -> InlineKeyboardMarkup:
    """One button per code (``prefix:[extra:]code``) for picking exactly one."""
    buttons = [
        InlineKeyboardButton(t._(label), callback_data=pack(prefix, *extra_parts, code))
        for code, label in labels.items()
    ]
    return InlineKeyboardMarkup([buttons[i : i + columns] for i in range(0, len(buttons), columns)])


def paging_row(
    t: Translator, page: int, pages: int, data_for: Callable[[int], str]
) -> list[list[InlineKeyboardButton]]:
    """« Previous / Next » for a paged list (``page`` counts from 0), or no row at all."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(t._("« Previous"), callback_data=data_for(page - 1)))
    if page < pages - 1:
        row.append(InlineKeyboardButton(t._("Next »"), callback_data=data_for(page + 1)))
    return [row] if row else []
