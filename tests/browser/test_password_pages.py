"""Password change and reset in a real browser: plain forms, no CSP violation, no console error."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, login
from tests.factories import UserFactory
from tests.test_passwords import sent_mail

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "plum-tangerine-47-gadget"
NEW_PASSWORD_LABEL = re.compile(r"^New password:?$")  # not its "confirmation"


def test_a_developer_changes_their_password_from_the_header(
    team, page: Page, page_problems: PageProblems
) -> None:
    login(page, "david")

    page.get_by_text("Account: david").click()  # the account menu
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill("correct horse battery staple")
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    login(page, "david", NEW_PASSWORD)
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_a_forgotten_password_is_reset_from_the_login_page(
    db, page: Page, page_problems: PageProblems
) -> None:
    UserFactory(username="david", email="david@example.com")
    page.goto("/accounts/login/")

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("david@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/reset/\S+/", sent_mail()[0].body)
    assert link
    page.goto(link.group(0))
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("heading", name="Password set")).to_be_visible()
    page.get_by_role("link", name="Log in").click()

    login(page, "david", NEW_PASSWORD)
    assert page_problems.csp_violations == []
    assert page_problems.errors == []
