"""Translators: the language rule, and dates in each member's locale and the network's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Catalogs

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs("de", BERLIN)


@pytest.mark.parametrize(
    ("stored", "app", "expected"),
    [
        ("tr", "en", "tr"),  # a stored choice wins
        (None, "fr-CA", "fr"),  # then the app language, region ignored
        (None, "ar", "ar"),
        (None, "es", "de"),  # unsupported: the default
        (None, None, "de"),
        ("xx", "en", "en"),  # an unknown stored value is ignored
    ],
)
def test_language_choice(
    catalogs: Catalogs, stored: str | None, app: str | None, expected: str
) -> None:
    assert catalogs.choose(stored, app).language == expected


def test_dates_in_each_locale_and_berlin_time(catalogs: Catalogs) -> None:
    moment = datetime(2027, 3, 14, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (CET)
    shown = {t.language: t.datetime(moment, "short") for t in catalogs.all()}
    assert shown["de"] == "14.03.27, 10:00"
    assert shown["en"] == "3/14/27, 10:00\u202fAM"
    assert shown["fr"] == "14/03/2027 10:00"
    assert shown["tr"] == "14.03.2027 10:00"
    assert "١٤" in shown["ar"] or "14" in shown["ar"]
    assert catalogs.get("ar").is_rtl and not catalogs.get("de").is_rtl
