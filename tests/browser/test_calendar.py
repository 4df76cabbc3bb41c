"""The release schedule and calendar in a real browser: a release manager plans a release and
finds it on the calendar, by keyboard too."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_plans_a_schedule_and_finds_the_release_on_the_calendar(
    team, page: Page, page_problems
) -> None:
    month = timezone.localdate().strftime("%Y-%m")
    login(page, "maria")
    page.goto("/projects/PAY/")
    page.get_by_role("link", name="Plan the schedule of PAY").click()

    page.get_by_label("Development start").fill(f"{month}-01T09:00")
    page.get_by_label("Code freeze").fill(f"{month}-10T17:00")
    page.get_by_label("QA start").fill(f"{month}-11T09:00")
    page.get_by_label("Go-live window start").fill(f"{month}-20T18:00")
    page.get_by_label("Go-live window end").fill(f"{month}-20T22:00")
    page.get_by_role("button", name="Save schedule of PAY").click()
    expect(page.get_by_text("Saved the schedule of PAY.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    grid = page.get_by_role("table")
    expect(grid.get_by_role("columnheader", name="Monday")).to_be_visible()
    freeze = grid.get_by_role("link", name="PAY Code freeze")
    expect(freeze).to_be_visible()
    expect(grid.locator("td[aria-current=date]")).to_have_count(1)

    # Keyboard: the event is a link, a tab stop; Enter opens the release's schedule.
    freeze.focus()
    expect(freeze).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/projects/PAY/schedule/")
    expect(page.get_by_role("cell", name=f"{month}-10 17:00")).to_be_visible()

    page.goto("/calendar/?view=list")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="PAY Go-live window")).to_have_count(1)
    assert page_problems.errors == []
    assert page_problems.csp_violations == []


def test_a_viewer_reads_the_schedule_but_has_no_form(team, page: Page) -> None:
    login(page, "victor")
    page.goto("/projects/PAY/schedule/")

    expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
    expect(page.get_by_role("button", name="Save schedule of PAY")).to_have_count(0)
