"""Pages load cleanly under the strict CSP, and every control on the board says what it does."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, login

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/projects/PAY/board/",
    "/projects/PAY/items/",
    "/projects/PAY/items/1/",
    "/projects/PAY/items/1/journal/",
    "/projects/PAY/journal/",
]
HAS_TEXT = re.compile(r"\S")


@pytest.fixture
def pay_items(team) -> None:
    for number in (1, 2, 3):
        team.item(number=number, title=f"Release item number {number}")


@pytest.mark.usefixtures("pay_items")
@pytest.mark.parametrize("username", ["maria", "david", "victor"])
def test_pages_have_no_console_errors_or_csp_violations(
    page: Page, page_problems: PageProblems, username: str
) -> None:
    login(page, username)
    for url in PAGES:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


@pytest.mark.usefixtures("pay_items")
def test_an_htmx_move_causes_no_console_errors_or_csp_violations(
    page: Page, page_problems: PageProblems
) -> None:
    login(page, "david")
    page.goto("/projects/PAY/board/")
    page.get_by_role("button", name="Move PAY-2 to 1 - Ready for Review").click()
    expect(page.get_by_role("status")).to_contain_text("Moved PAY-2")
    page.get_by_role("button", name="Move PAY-1 down").click()
    expect(page.get_by_role("status")).to_contain_text("Moved PAY-1 down")
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_the_csp_listener_would_catch_an_inline_script(
    team, page: Page, page_problems: PageProblems
) -> None:
    # Proves the check above can fail: an injected inline script is blocked and reported.
    login(page, "david")
    page.goto("/projects/PAY/board/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.inlineRan") is None
    assert any("script-src" in v for v in page_problems.csp_violations)


@pytest.mark.usefixtures("pay_items")
@pytest.mark.parametrize("username", ["maria", "david", "victor"])
def test_every_button_and_link_on_the_board_has_an_accessible_name(
    page: Page, username: str
) -> None:
    login(page, username)
    page.goto("/projects/PAY/board/")
    controls = page.get_by_role("button").all() + page.get_by_role("link").all()
    assert len(controls) > 5
    for control in controls:
        expect(control).to_have_accessible_name(HAS_TEXT)


def test_arrow_buttons_name_the_item_and_the_target_state(team, page: Page) -> None:
    team.item(number=1, title="Release item number 1")
    login(page, "david")
    page.goto("/projects/PAY/board/")
    arrow = page.get_by_role("button", name="Move PAY-1 to 1 - Ready for Review")
    expect(arrow).to_have_text("▶")  # the glyph is decoration; the name says what it does
    expect(arrow).to_have_accessible_name("Move PAY-1 to 1 - Ready for Review")
