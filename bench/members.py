"""Members for the benchmarks, made by the storage steps of joining with an invitation (the
same rows the bot writes when someone opens an invitation link and agrees to the notice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.privacy import PrivacyNotice
from storage.db import Database
from storage.invites import InviteRepository
from storage.members import MemberRepository
from storage.onboarding import OnboardingRepository


async def join(
    db: Database, joining: Sequence[tuple[int, str]], now: datetime, language: str
) -> None:
    """Each (Telegram user id, role) becomes an active member who agreed to the notice."""
    version = PrivacyNotice.load().version
    people, invites, onboarding = (
        MemberRepository(db),
        InviteRepository(db),
        OnboardingRepository(db),
    )
    for n, (telegram_id, role) in enumerate(joining):
        await people.seen(telegram_id, now, language)
        invite, _ = await invites.create(role, None, 7, 1, now, created_by=None)
        await onboarding.start(telegram_id, invite.id, now)
        await onboarding.agree(telegram_id, version)
        draft = await onboarding.get(telegram_id)
        assert draft is not None
        assert await onboarding.admit(draft, f"Member {n}", now) == role
