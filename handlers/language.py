"""/language: the member chooses the language the bot speaks to them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import commands
from bot.callbacks import pack, pattern, unpack
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, Translator
from handlers.conversation_frame import persistent_conversation
from handlers.navigation import answer_stale, home_button, show_in_place

PREFIX = "lang"
OPEN = pack(PREFIX)
CHOOSING = "choosing"

# What a member may type instead of tapping: each language's own name, its code, and the
# names the other four languages use for it.
_TYPED = {
    **{name.casefold(): code for code, name in LANGUAGE_NAMES.items()},
    **{code: code for code in LANGUAGES},
    "german": "de",
    "allemand": "de",
    "almanca": "de",
    "الألمانية": "de",
    "englisch": "en",
    "anglais": "en",
    "ingilizce": "en",
    "i̇ngilizce": "en",
    "الإنجليزية": "en",
    "französisch": "fr",
    "french": "fr",
    "fransızca": "fr",
    "الفرنسية": "fr",
    "türkisch": "tr",
    "turkish": "tr",
    "turc": "tr",
    "التركية": "tr",
    "arabisch": "ar",
    "arabic": "ar",
    "arabe": "ar",
    "arapça": "ar",
}


def picker(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=pack(PREFIX, code))
        for code in LANGUAGES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    text = t._("Please choose your language. You can also type its name.")
    return text, InlineKeyboardMarkup(rows)


async def open_picker(update: Update, context: BotContext) -> str:
    text, markup = picker(context.t)
    if update.callback_query is not None:
        await show_in_place(update.callback_query, text, markup)
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(text, reply_markup=markup)
    return CHOOSING


async def _apply(update: Update, context: BotContext, code: str) -> Translator:
    services = context.services
    await services.members.set_language(context.member.telegram_user_id, code)
    t = services.catalogs.get(code)
    context.t = t
    assert update.effective_chat is not None
    await commands.publish_for_chat(context.bot, update.effective_chat.id, t)
    return t


def _confirmation(t: Translator) -> str:
    return t._("From now on I will write to you in {language}.").format(
        language=LANGUAGE_NAMES[t.language]
    )


async def choose_button(update: Update, context: BotContext) -> int:
    """A language button, inside the conversation or tapped later on an old picker."""
    query = update.callback_query
    assert query is not None
    parts = unpack(query.data, PREFIX, 1)
    if parts is None or parts[0] not in LANGUAGES:
        await answer_stale(query, context.t)
        return ConversationHandler.END
    t = await _apply(update, context, parts[0])
    await show_in_place(query, _confirmation(t), InlineKeyboardMarkup([[home_button(t)]]))
    return ConversationHandler.END


async def choose_text(update: Update, context: BotContext) -> int | str:
    message = update.effective_message
    assert message is not None and message.text is not None
    code = _TYPED.get(message.text.strip().casefold())
    if code is None:
        return await reprompt(update, context)
    t = await _apply(update, context, code)
    await message.reply_text(
        _confirmation(t), reply_markup=InlineKeyboardMarkup([[home_button(t)]])
    )
    return ConversationHandler.END


async def reprompt(update: Update, context: BotContext) -> str:
    """Anything but a language while the picker is open."""
    assert update.effective_message is not None
    t = context.t
    _, markup = picker(t)
    await update.effective_message.reply_text(
        t._("Please tap one of the languages below, or send /cancel to keep {language}.").format(
            language=LANGUAGE_NAMES[t.language]
        ),
        reply_markup=markup,
    )
    return CHOOSING


async def cancel(update: Update, context: BotContext) -> int:
    assert update.effective_message is not None
    t = context.t
    await update.effective_message.reply_text(
        t._("Cancelled. I will keep writing to you in {language}.").format(
            language=LANGUAGE_NAMES[t.language]
        )
    )
    return ConversationHandler.END


def conversation() -> ConversationHandler[BotContext]:
    return persistent_conversation(
        entry_points=[
            CommandHandler("language", open_picker),
            CallbackQueryHandler(open_picker, pattern=f"^{OPEN}$"),
        ],
        states={
            CHOOSING: [
                CallbackQueryHandler(choose_button, pattern=pattern(PREFIX)),
                MessageHandler(
                    filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
                    choose_text,
                ),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, reprompt),
        ],
        name="language",
    )
