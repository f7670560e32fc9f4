"""The sandbox page in a real browser (Debian's chromium, driven by Playwright): a persona
signs up for an event by tapping buttons, another gets an introduction, Arabic reads right
to left. Screenshots go to ``test-artifacts/``.

Without chromium these tests are skipped, unless KOSIZU_BROWSER_TESTS=required (CI) makes
that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from sandbox import launch
from tests.support.sandbox import running_sandbox

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium's own calls home are refused on a closed network, many at a time; they are off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AMINA, DANIEL, FATIMA = 100005, 100004, 100006
WAIT = 15_000  # ms


def chromium() -> str:
    found = os.environ.get("KOSIZU_CHROMIUM") or shutil.which("chromium")
    if found is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("KOSIZU_BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[launch.Sandbox]:
    async with running_sandbox(tmp_path) as running:
        yield running


async def opened(browser: Browser, sandbox: launch.Sandbox, width: int = 1100) -> Page:
    page = await browser.new_page(viewport={"width": width, "height": 900})
    await page.goto(sandbox.page.url)
    return page


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def be(page: Page, persona: int) -> None:
    await page.get_by_test_id(f"persona-{persona}").click()


async def say(page: Page, text: str) -> None:
    composer = page.get_by_test_id("composer")
    await composer.fill(text)
    await composer.press("Enter")


async def tap(page: Page, label: str) -> None:
    """The newest button with this label (older messages may carry the same one)."""
    button = page.get_by_test_id("inline-button").filter(has_text=label).last
    await button.click(timeout=WAIT)


def bot_message(page: Page, text: str) -> Locator:
    """The newest message from the bot with this text."""
    return page.locator('[data-testid="message"][data-from="bot"]').filter(has_text=text).last


async def test_a_persona_signs_up_for_an_event_by_tapping(
    browser: Browser, sandbox: launch.Sandbox
) -> None:
    page = await opened(browser, sandbox)
    await be(page, AMINA)
    await say(page, "/events")
    await tap(page, "Workshop")
    await tap(page, "Sign up")
    await tap(page, "Yes")
    await expect(bot_message(page, "registered")).to_be_visible(timeout=WAIT)
    # The calendar file comes as a download, as in Telegram.
    download = page.get_by_test_id("file-download").filter(has_text=".ics").last
    await expect(download).to_be_visible(timeout=WAIT)
    href = await download.get_attribute("href")
    assert href is not None
    calendar = await page.request.get(sandbox.page.url.rstrip("/") + href)
    assert (await calendar.text()).startswith("BEGIN:VCALENDAR")
    await screenshot(page, "signed-up")
    rows = await sandbox.running.services.db.fetchall(
        "SELECT registrations.state FROM registrations JOIN members ON members.id = member_id"
        " WHERE telegram_user_id = ?",
        (AMINA,),
    )
    assert [r[0] for r in rows] == ["confirmed"]


async def test_a_request_for_a_contact_ends_in_an_introduction_on_both_sides(
    browser: Browser, sandbox: launch.Sandbox
) -> None:
    page = await opened(browser, sandbox)
    await be(page, AMINA)
    await say(page, "/contact")
    await tap(page, "security of a mosque")
    await tap(page, "Berlin")
    await expect(bot_message(page, "not for emergencies")).to_be_visible(timeout=WAIT)
    await say(page, "We plan an open day and would like advice on security.")
    await tap(page, "Send")
    await expect(bot_message(page, "Your request is sent")).to_be_visible(timeout=WAIT)

    await be(page, DANIEL)
    await tap(page, "Accept")
    await screenshot(page, "introduction-accepted")
    await be(page, AMINA)
    await expect(bot_message(page, "Daniel Sample")).to_be_visible(timeout=WAIT)
    await screenshot(page, "introduction-received")


async def test_arabic_reads_right_to_left_and_the_page_fits_a_phone(
    browser: Browser, sandbox: launch.Sandbox
) -> None:
    page = await opened(browser, sandbox, width=390)
    await be(page, FATIMA)
    await say(page, "/start")
    await expect(page.get_by_test_id("inline-button").first).to_be_visible(timeout=WAIT)
    assert await page.locator('[dir="rtl"]').count() >= 1
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    await screenshot(page, "arabic-phone")


async def test_a_new_user_joins_by_keyboard_alone_and_the_clock_moves_ahead(
    browser: Browser, sandbox: launch.Sandbox
) -> None:
    page = await opened(browser, sandbox)
    await page.get_by_test_id("new-user-name").focus()
    await page.keyboard.type("Leyla")
    await page.keyboard.press("Tab")
    await page.get_by_test_id("new-user-language").select_option("tr")
    await page.get_by_test_id("new-user-create").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("chat-title")).to_have_text("Leyla", timeout=WAIT)
    composer = page.get_by_test_id("composer")
    await composer.focus()
    await page.keyboard.type("/start")
    await page.keyboard.press("Enter")
    # A newcomer without an invitation is told how to join, in Turkish, and applies.
    await expect(bot_message(page, "Bu bot ağın üyeleri içindir")).to_be_visible(timeout=WAIT)
    bot_messages = page.locator('[data-testid="message"][data-from="bot"]')
    shown = await bot_messages.count()
    apply = page.get_by_test_id("inline-button").filter(has_text="Katılmak için başvur").last
    await apply.focus()
    await expect(apply).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(bot_messages).not_to_have_count(shown, timeout=WAIT)

    offset = page.get_by_test_id("clock-offset")
    await page.get_by_test_id("clock-1d").focus()
    await page.keyboard.press("Enter")
    await expect(offset).to_contain_text("+1 d", timeout=WAIT)
    assert sandbox.clock.offset.days == 1
    await screenshot(page, "new-user")
