"""The item page's commits and merge requests in Chromium: a delivery's links and a refused
"Fixes" show under the strict CSP, and axe finds no serious problem in the panel."""

import pytest
from playwright.sync_api import Page, expect

from items.rules import rule_seed_defaults
from tests.browser.conftest import PageProblems, axe_serious, login
from tests.vcs_support import *  # noqa: F403  (the fixtures)
from tests.vcs_support import github_post, payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(github, items) -> None:
    """PAY-2 waits for an approval, so the push's "Fixes PAY-2" is refused."""
    rule_seed_defaults()
    items[1].status_id = 4540
    items[1].save()
    assert github_post(github, payload("github_push")).status_code == 200


@pytest.mark.usefixtures("delivered")
def test_a_viewer_sees_the_commits_and_the_refused_move(
    page: Page, page_problems: PageProblems
) -> None:
    login(page, "victor")
    page.goto("/projects/PAY/items/2/")

    panel = page.get_by_role("region", name="Commits and merge requests")
    expect(panel.get_by_role("link", name="0d1a26e")).to_have_attribute(
        "href",
        "https://github.com/Codertocat/Hello-World/commit/0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    )
    expect(panel).to_contain_text("Fixes: Refused")
    expect(panel).to_contain_text("cannot move to “2 - Ready for Integration” yet")
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


@pytest.mark.usefixtures("delivered")
def test_axe_finds_no_serious_violation_in_the_panel(axe_page: Page) -> None:
    login(axe_page, "victor")
    axe_page.goto("/projects/PAY/items/2/")
    assert axe_serious(axe_page, "#vcs") == []
