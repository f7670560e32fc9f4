"""/mydata: everything the network stores about the member, readable and as a JSON file."""

from __future__ import annotations

import html
import json

from telegram import InputFile, Update

from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES
from handlers.labels import ROLE_LABELS
from handlers.profile import card


async def show(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    services, t, member = context.services, context.t, context.member
    now = services.clock.now()
    data = await services.personal_data.export(member, now)
    unknown = t._("not given")
    lines = [t._("<b>What the network stores about you</b>"), ""]
    profile = await services.profiles.get(member.id) if member.role is not None else None
    if profile is not None:
        # Members: the profile card says it all (name, role, organisation, regions, topics,
        # availability, contact details and what is shared).
        today = now.astimezone(services.config.timezone).date()
        lines += [card(t, profile, today)[0], ""]
    else:
        organisation = (
            await services.organisations.get(member.organisation_id)
            if member.organisation_id is not None
            else None
        )
        lines += [
            t._("Name: {name}").format(name=html.escape(member.display_name or unknown)),
            t._("Role: {role}").format(
                role=t._(ROLE_LABELS[member.role]) if member.role else unknown
            ),
            t._("Organisation: {organisation}").format(
                organisation=html.escape(organisation.name) if organisation else unknown
            ),
        ]
    if member.city:
        lines.append(t._("City: {city}").format(city=html.escape(member.city)))
    lines += [
        t._("Language: {language}").format(
            language=LANGUAGE_NAMES[member.language] if member.language else unknown
        ),
        t._("First contact with the bot: {date}").format(date=t.datetime(member.created_at)),
        t._("Consents given: {count}").format(count=len(data.get("consents", []))),
        "",
        t._("The attached file holds every stored record. /deleteme erases them."),
    ]
    await message.reply_text("\n".join(lines))
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    await message.reply_document(
        InputFile(content, filename="kosizu-mydata.json"), protect_content=True
    )
