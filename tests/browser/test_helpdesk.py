"""Help-desk tickets in Chromium: a release manager records a ticket from the release's
"Tickets" page, links its fix on the ticket page and reads the history, under the strict CSP;
axe finds no serious problem on either page."""

import pytest
from playwright.sync_api import Page, expect

from helpdesk.models import Ticket
from tests.browser.conftest import PageProblems, axe_serious, login

pytestmark = pytest.mark.django_db(transaction=True)


def _record(page: Page, cause_key: str) -> None:
    page.get_by_role("navigation", name="Release project").get_by_role(
        "link", name="Tickets"
    ).click()
    page.wait_for_url("**/projects/PAY/tickets/")
    page.get_by_label("Reference").fill("INC-1042")
    page.get_by_label("Title").fill("Card payments time out")
    page.get_by_label("Opened").fill("2026-11-30T09:15")
    page.get_by_label("Caused by item").fill(cause_key)
    page.get_by_role("button", name="Record ticket").click()
    page.wait_for_url("**/helpdesk/tickets/*/")


def test_a_manager_records_a_ticket_and_links_its_fix(
    team, page: Page, page_problems: PageProblems
) -> None:
    cause, fix = team.item(), team.item()
    login(page, "maria")
    page.goto("/projects/PAY/board/")
    _record(page, cause.key)
    expect(page.get_by_role("heading", level=1)).to_contain_text("INC-1042")
    expect(page.get_by_role("link", name=cause.key)).to_be_visible()

    page.get_by_label("Fixed by item").fill(fix.key)
    page.get_by_role("button", name="Link the fix of INC-1042").click()
    expect(page.get_by_role("status")).to_contain_text("Fix linked.")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text(f"Fix linked: {fix.change.key}")
    assert Ticket.objects.get().fixed_by_change == fix.change

    page.goto("/projects/PAY/tickets/")
    row = page.get_by_role("row").filter(has_text="INC-1042")
    expect(row).to_contain_text(cause.key)
    expect(row).to_contain_text(fix.key)
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_axe_finds_no_serious_violation_on_the_ticket_pages(team, axe_page: Page) -> None:
    cause = team.item()
    login(axe_page, "maria")
    axe_page.goto("/projects/PAY/board/")
    _record(axe_page, cause.key)
    for url in (axe_page.url, "/projects/PAY/tickets/", "/helpdesk/"):
        axe_page.goto(url)
        assert axe_serious(axe_page) == [], url
