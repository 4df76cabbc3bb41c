"""The API's pages in Chromium: a user makes a token and sees its secret once, reads the API's
documentation, under the strict CSP; axe finds no serious problem on either page."""

import pytest
from playwright.sync_api import Page, expect

from api.models import ApiToken
from tests.browser.conftest import PageProblems, axe_serious, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(
    team, page: Page, page_problems: PageProblems
) -> None:
    login(page, "david")
    page.get_by_text("Account: david").click()  # the account menu
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("laptop")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Make the token").click()

    secret = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert secret.startswith("rmt_")
    page.goto("/account/tokens/")
    expect(page.get_by_role("table", name="Your tokens, newest first")).to_contain_text("laptop")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke laptop").click()
    expect(page.get_by_role("table", name="Your tokens, newest first")).to_contain_text("Revoked")
    assert ApiToken.objects.get().revoked_at is not None
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_the_documentation_page_lists_the_operations(
    team, page: Page, page_problems: PageProblems
) -> None:
    login(page, "david")
    page.goto("/api/docs/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("API")
    expect(
        page.get_by_role("heading", name="POST /api/v1/releases/{code}/items/{number}/move/")
    ).to_be_visible()
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


@pytest.mark.parametrize("path", ["/account/tokens/", "/api/docs/"])
def test_axe_finds_no_serious_violation(team, axe_page: Page, path: str) -> None:
    login(axe_page, "david")
    axe_page.goto(path)
    assert axe_serious(axe_page) == []
