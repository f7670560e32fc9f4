"""The composing screens of a broadcast: each version's prompt, the versions, the language
fallback, the preview's summary and the scheduling question; ``step_screen`` is what the
step stored with the draft asks for (also after a restart or wrong input)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.config import LANGUAGES as ALL_LANGUAGES
from bot.context import BotContext
from handlers import broadcast_audience
from handlers.broadcast_draft import (
    AUDIENCE,
    FALLBACK,
    LANGUAGES,
    PREVIEW,
    SCHEDULE,
    button,
    default_language,
    language_name,
    uncovered,
    version_for,
    version_language,
)
from storage.broadcasts import Broadcast

Screen = tuple[str, InlineKeyboardMarkup | None]


# --------------------------------------------------------------------------------


def _version_prompt(context: BotContext, broadcast: Broadcast, language: str) -> Screen:
    t = context.t
    name = language_name(t, language)
    if broadcast.media_kind is not None and language != default_language(context):
        text = t._(
            "Send the caption in {language} (at most 1024 characters); the photo or document "
            "is the same for every language."
        ).format(language=name)
    elif language == default_language(context) and not broadcast.texts:
        text = (
            t._("Send the announcement in {language}").format(language=name)
            + "\n"
            + t._(
                "A text message (with bold, italic, links … as you format them in Telegram, at "
                "most 4096 characters), or a photo or document with a caption (at most 1024)."
            )
        )
    else:
        text = t._("Send the announcement in {language}").format(language=name)
    if not broadcast.texts:
        return text, None
    return text, InlineKeyboardMarkup([[button(t._("« Back"), broadcast.id, "back", LANGUAGES)]])


def languages_screen(context: BotContext, broadcast: Broadcast) -> Screen:
    t = context.t
    default = default_language(context)
    given = [c for c in ALL_LANGUAGES if c in broadcast.texts]
    lines = [
        t._("<b>Versions:</b> {languages}").format(
            languages=", ".join(language_name(t, c) for c in given)
        ),
        t._(
            "Members get the version in their language, else the {language} one. Add a version "
            "for another language, or tap “Continue”."
        ).format(language=language_name(t, default)),
    ]
    if broadcast.media_kind == "photo":
        lines.append(t._("With a photo; the versions are its caption."))
    elif broadcast.media_kind == "document":
        lines.append(t._("With a document; the versions are its caption."))
    b = broadcast.id
    adds = [
        button(t._("➕ {language}").format(language=language_name(t, c)), b, "add", c)
        for c in ALL_LANGUAGES
        if c not in broadcast.texts
    ]
    rows = [adds[i : i + 2] for i in range(0, len(adds), 2)]
    for code in given:
        row = [
            button(
                t._("✏️ Change {language}").format(language=language_name(t, code)), b, "add", code
            )
        ]
        if code != default:
            row.append(
                button(
                    t._("🗑 Remove {language}").format(language=language_name(t, code)),
                    b,
                    "drop",
                    code,
                )
            )
        rows.append(row)
    if broadcast.media_kind is not None:
        rows.append([button(t._("🗑 Remove the photo or document"), b, "nomedia")])
    rows.append([button(t._("Continue »"), b, "next")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _fallback_screen(context: BotContext, broadcast: Broadcast, missing: int) -> Screen:
    t = context.t
    name = language_name(t, default_language(context))
    text = t.ngettext(
        "{count} member reads the bot in a language without a version of this announcement. "
        "They would get the {language} version.",
        "{count} members read the bot in a language without a version of this announcement. "
        "They would get the {language} version.",
        missing,
    ).format(count=missing, language=name)
    b = broadcast.id
    rows = [
        [button(t._("✅ Send the {language} version to them").format(language=name), b, "fb")],
        [
            button(t._("« Versions"), b, "back", LANGUAGES),
            button(t._("« Audience"), b, "back", AUDIENCE),
        ],
    ]
    return text, InlineKeyboardMarkup(rows)


async def summary(context: BotContext, broadcast: Broadcast) -> Screen:
    t = context.t
    default = default_language(context)
    counts = await context.services.broadcasts.count(broadcast.audience, broadcast.essential)
    total = sum(counts.values())
    per_version: dict[str, int] = {}
    for language, n in counts.items():
        version = version_for(broadcast, language, default)
        per_version[version] = per_version.get(version, 0) + n
    given = [c for c in ALL_LANGUAGES if c in broadcast.texts]
    by_version = ", ".join(f"{language_name(t, c)} {per_version.get(c, 0)}" for c in given)
    media = {
        "photo": t._("a photo"),
        "document": t._("a document"),
    }.get(broadcast.media_kind or "", t._("none"))
    lines = [
        t._("<b>Preview</b>: above is exactly what members get, one message per language."),
        t.ngettext("Recipients: {count} member", "Recipients: {count} members", total).format(
            count=total
        )
        + f" ({by_version})",
        t._("Languages: {languages}; everyone else gets the {language} version.").format(
            languages=", ".join(language_name(t, c) for c in given),
            language=language_name(t, default),
        ),
        t._("Essential: {answer}").format(answer=t._("yes") if broadcast.essential else t._("no")),
        t._("Media: {media}").format(media=media),
    ]
    b = broadcast.id
    rows = [
        [button(t._("📤 Send now"), b, "send"), button(t._("🕒 Schedule"), b, "sched")],
        [
            button(t._("🗑 Discard"), b, "discard"),
            button(t._("✏️ Back to editing"), b, "back", LANGUAGES),
        ],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def schedule_prompt(context: BotContext, broadcast: Broadcast) -> Screen:
    t = context.t
    text = t._(
        "When should it be sent? Please send the date and time like 2027-03-01 18:00 "
        "({timezone} time), at most 90 days ahead."
    ).format(timezone=context.services.config.timezone.key)
    markup = InlineKeyboardMarkup(
        [[button(t._("« Back to the preview"), broadcast.id, "back", PREVIEW)]]
    )
    return text, markup


async def step_screen(context: BotContext, broadcast: Broadcast) -> Screen:
    """What the step stored with the draft asks for."""
    step = broadcast.step
    language = version_language(step, default_language(context))
    if language is not None:
        return _version_prompt(context, broadcast, language)
    if step == LANGUAGES:
        return languages_screen(context, broadcast)
    if step == FALLBACK:
        counts = await context.services.broadcasts.count(broadcast.audience, broadcast.essential)
        return _fallback_screen(context, broadcast, uncovered(broadcast, counts))
    if step == PREVIEW:
        return await summary(context, broadcast)
    if step == SCHEDULE:
        return schedule_prompt(context, broadcast)
    return await broadcast_audience.screen(context, broadcast)
