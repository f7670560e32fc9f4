"""The privacy notice files: loaded, versioned, and refused when they cannot be sent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.privacy import MAX_VISIBLE_LENGTH, PRIVACY_DIR, PrivacyNotice, PrivacyNoticeError


def copy(tmp_path: Path) -> Path:
    directory = tmp_path / "privacy"
    shutil.copytree(PRIVACY_DIR, directory)
    return directory


def test_the_shipped_template_loads_in_every_language() -> None:
    notice = PrivacyNotice.load()
    assert set(notice.texts) == {"de", "en", "fr", "tr", "ar"}
    assert notice.version == (PRIVACY_DIR / "VERSION").read_text().strip()


def test_a_notice_too_long_for_one_message_is_refused(tmp_path: Path) -> None:
    directory = copy(tmp_path)
    (directory / "fr.html").write_text("<b>Notice</b>\n" + "x" * MAX_VISIBLE_LENGTH, "utf-8")
    with pytest.raises(PrivacyNoticeError, match=r"fr\.html has 3607 characters"):
        PrivacyNotice.load(directory)


def test_tags_and_entities_do_not_count(tmp_path: Path) -> None:
    directory = copy(tmp_path)
    (directory / "en.html").write_text("<b>" + "&amp;" * MAX_VISIBLE_LENGTH + "</b>", "utf-8")
    assert PrivacyNotice.load(directory).text("en").startswith("<b>&amp;")


def test_a_missing_language_or_version_is_refused(tmp_path: Path) -> None:
    directory = copy(tmp_path)
    (directory / "tr.html").unlink()
    with pytest.raises(PrivacyNoticeError, match=r"tr\.html cannot be read"):
        PrivacyNotice.load(directory)
    (directory / "tr.html").write_text("x", "utf-8")
    (directory / "VERSION").write_text("  \n", "utf-8")
    with pytest.raises(PrivacyNoticeError, match="VERSION is empty"):
        PrivacyNotice.load(directory)
