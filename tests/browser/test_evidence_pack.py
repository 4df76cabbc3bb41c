"""The evidence pack's printable page in Chromium: reached from the release page, under the
strict CSP with its print stylesheet applied, and axe finds no serious or critical problem."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, axe_serious, login
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.test_evidence_pack import JUSTIFICATION, release_story

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def story(team, rules) -> None:
    release_story(team)


@pytest.mark.usefixtures("story")
def test_a_release_manager_opens_the_pack_from_the_release_page(
    page: Page, page_problems: PageProblems
) -> None:
    login(page, "maria")
    page.goto("/projects/PAY/")
    page.get_by_role("link", name="Evidence pack").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence pack: Payments 4.2 (PAY)")
    expect(page.get_by_role("table", name="Every transition")).to_contain_text("198.51.100.7")
    expect(page.get_by_role("table", name="Emergency move of PAY-2")).to_contain_text(JUSTIFICATION)
    # The print stylesheet is applied (collapsed table borders), not blocked by the CSP.
    collapse = page.locator("table").first.evaluate("t => getComputedStyle(t).borderCollapse")
    assert collapse == "collapse"
    expect(page.get_by_role("link", name="Download the pack as PDF")).to_be_visible()
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


@pytest.mark.usefixtures("story")
def test_axe_finds_no_serious_violation_on_the_pack(axe_page: Page) -> None:
    login(axe_page, "maria")
    axe_page.goto("/projects/PAY/evidence/pack.html")
    assert axe_serious(axe_page) == []
