"""Finding things in Chromium: a user types a key into the header's search and lands on the
item, under the strict CSP; My work shows its count in the header; axe finds no serious
problem on My work."""

import pytest
from playwright.sync_api import Page, expect

from items.models import ReleaseStatus
from items.rules import rule_seed_defaults
from tests.browser.conftest import PageProblems, axe_serious, login

pytestmark = pytest.mark.django_db(transaction=True)
REVIEW = 4540


@pytest.fixture
def owed(team):
    """PAY-12 waits in review for the approver's vote."""
    rule_seed_defaults()
    team.item(
        number=12,
        title="Refund flow",
        status=ReleaseStatus.objects.get(pk=REVIEW),
        state_entered_by=team.developer,
        assignee=team.developer,
    )
    return team


def test_a_user_searches_a_key_from_the_header_and_lands_on_the_item(
    owed, page: Page, page_problems: PageProblems
) -> None:
    login(page, "david")
    page.get_by_role("searchbox", name="Search items, or go to a key such as KEY-12").fill("pay-12")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(f"{page.url.split('/projects/')[0]}/projects/PAY/items/12/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refund flow")
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_the_header_shows_what_waits_for_the_user(
    owed, page: Page, page_problems: PageProblems
) -> None:
    login(page, "april")
    page.goto("/projects/")

    expect(page.locator("#my-work-count")).to_contain_text("1")
    page.get_by_role("link", name="My work").click()
    expect(page.get_by_role("table", name="Items waiting for your vote on a move")).to_contain_text(
        "PAY-12"
    )
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_axe_finds_no_serious_violation_on_my_work(owed, axe_page: Page) -> None:
    login(axe_page, "april")
    axe_page.goto("/my-work/")
    assert axe_serious(axe_page) == []
