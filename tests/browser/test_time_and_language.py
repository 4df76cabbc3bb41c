"""In Chromium: the browser's time zone and language reach the portal without any setting, and a
user's own choice wins over both."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, username: str, *, button: str = "Log in") -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url("**/projects/")


def test_a_browser_in_tokyo_sees_times_in_tokyo_time_without_choosing(
    team, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    log_in(page, team.manager.username)
    # timezone.js told the server on the first page; every page after it speaks Tokyo time.
    page.goto("/accounts/settings/")
    expect(page.locator("footer")).to_contain_text("Asia/Tokyo")
    expect(page.locator("main")).to_contain_text("Your browser said so.")


def test_a_chosen_zone_wins_over_the_browser_and_labels_the_journal(
    team, new_context: Callable[..., BrowserContext]
) -> None:
    team.item(number=1, title="Statement printing")
    page = new_context(timezone_id="Asia/Tokyo").new_page()
    log_in(page, team.manager.username)
    page.goto("/accounts/settings/")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your settings are saved.")
    expect(page.locator("footer")).to_contain_text("America/New_York")
    page.goto("/projects/PAY/journal/")
    times = page.locator("main time")
    expect(times.first).to_contain_text(re.compile(r"\d\d:\d\d(:\d\d)? E[SD]T"))


def test_a_german_browser_gets_german_and_a_chosen_language_wins(
    team, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(locale="de-DE").new_page()
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    log_in(page, team.manager.username, button="Anmelden")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()

    page.goto("/accounts/settings/")
    page.get_by_label("Sprache").select_option("en")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
