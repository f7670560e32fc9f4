"""The command menu Telegram shows beside the text box, in every language."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import Catalogs, Translator


def command_list(t: Translator) -> list[BotCommand]:
    return [
        BotCommand("start", t._("Open the main menu")),
        BotCommand("help", t._("What this bot does")),
        BotCommand("profile", t._("Your profile and what you share")),
        BotCommand("events", t._("Upcoming events and your registrations")),
        BotCommand("contact", t._("Be introduced to a contact on the other side")),
        BotCommand("language", t._("Choose your language")),
        BotCommand("settings", t._("Announcements you receive")),
        BotCommand("cancel", t._("Stop what you are doing")),
        BotCommand("privacy", t._("Privacy notice and your consent")),
        BotCommand("mydata", t._("See what is stored about you")),
        BotCommand("deleteme", t._("Erase your data")),
    ]


async def publish(bot: Bot, catalogs: Catalogs) -> None:
    """One menu per Telegram app language, and the default language for all others."""
    for t in catalogs.all():
        await bot.set_my_commands(command_list(t), language_code=t.language)
    await bot.set_my_commands(command_list(catalogs.get(catalogs.default_language)))


async def publish_for_chat(bot: Bot, chat_id: int, t: Translator) -> None:
    """A member who chose a language in the bot sees the menu in it, whatever their app says."""
    await bot.set_my_commands(command_list(t), scope=BotCommandScopeChat(chat_id))
