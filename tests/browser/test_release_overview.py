"""The release overview in a real browser: a change shipped in two releases shows its state in
each, and the wide table scrolls inside a labelled, focusable region."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from projects.roles import Role
from tests.browser.conftest import login
from tests.factories import ChangeFactory, ItemFactory, MemberFactory, ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_overview_shows_a_change_in_two_releases_with_two_states(
    team, states, page: Page, page_problems
) -> None:
    team.project.planned_release_date = date(2027, 3, 1)
    team.project.save()
    crm = ProjectFactory(code="CRM", name="CRM 7", planned_release_date=date(2027, 2, 1))
    MemberFactory(project=crm, user=team.developer, role=Role.DEVELOPER)
    change = ChangeFactory(title="Fix the rounding of refunds")
    ItemFactory(project=team.project, change=change, status=states[0])
    ItemFactory(project=crm, change=change, status=states[2])

    login(page, "david")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Release overview").click()
    page.wait_for_url("**/overview/")
    region = page.get_by_role("region", name="Release overview")
    expect(region).to_have_attribute("tabindex", "0")
    table = region.get_by_role("table")
    expect(table.get_by_role("columnheader", name="2027-02-01 CRM")).to_be_visible()
    expect(table.get_by_role("columnheader", name="2027-03-01 PAY")).to_be_visible()

    row = table.get_by_role("row").filter(has_text="Fix the rounding of refunds")
    expect(row.get_by_role("rowheader")).to_contain_text(change.key)
    cells = row.locator("td.overview-cell")
    expect(cells).to_have_count(2)
    # Columns by planned date: CRM (February) then PAY (March), each with the change's state.
    expect(cells.nth(0)).to_have_text(states[2].name)
    expect(cells.nth(1)).to_have_text(states[0].name)

    cells.nth(1).get_by_role("link").click()
    page.wait_for_url("**/projects/PAY/items/*/")
    assert not page_problems.errors
    assert not page_problems.csp_violations
