"""Check-in set-up shared by the check-in tests."""

from __future__ import annotations

from importlib import resources

from storage.questionnaires import parse
from tests.support.harness import InProcessBot


async def import_questionnaire(bot: InProcessBot) -> None:
    """The questionnaire shipped with the bot, as `kosizu questionnaire import --default`."""
    services = bot.running.services
    source = (resources.files("bot") / "questionnaires" / "default.toml").read_text("utf-8")
    await services.questionnaires.store(
        parse(source, "de"), source, services.clock.now(), actor_id=None
    )
