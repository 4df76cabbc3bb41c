"""The release-level work end to end in Chromium, as a release manager goes through it: plan the
release's schedule, find it on the calendar, meet a freeze window that blocks the move into
production (the arrow disabled naming the window, a forged POST refused naming it too), and read
the release notes with the items by kind. No console error, no CSP violation on the way.

Set SCREENSHOTS=<dir> to keep a screenshot of each page.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from items.models import Kind, ReleaseItem
from planning.models import FreezeKind, FreezeWindow
from tests.browser.conftest import login
from tests.governance_fixtures import ACCEPTANCE_TEST, item_in

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = "Year-end freeze"
TO_PRODUCTION = "Move PAY-1 to 5 - Ready for Production"


def _shot(page: Page, name: str) -> None:
    directory = os.environ.get("SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def test_a_release_manager_plans_a_release_meets_a_freeze_and_reads_the_notes(
    team, page: Page, page_problems
) -> None:
    item_in(team, ACCEPTANCE_TEST, number=1, kind=Kind.FEATURE, title="Pay by instalments")
    item_in(team, ACCEPTANCE_TEST, number=2, kind=Kind.BUG, title="Rounding on refunds")
    item_in(team, ACCEPTANCE_TEST, number=3, kind=Kind.CHANGE_REQUEST, title="New fee table")
    month = timezone.localdate().strftime("%Y-%m")
    login(page, "maria")

    # Plan the release.
    page.goto("/projects/PAY/")
    page.get_by_role("link", name="Plan the schedule of PAY").click()
    page.get_by_label("Development start").fill(f"{month}-01T09:00")
    page.get_by_label("Code freeze").fill(f"{month}-10T17:00")
    page.get_by_label("QA start").fill(f"{month}-11T09:00")
    page.get_by_label("Go-live window start").fill(f"{month}-20T18:00")
    page.get_by_label("Go-live window end").fill(f"{month}-20T22:00")
    page.get_by_role("button", name="Save schedule of PAY").click()
    expect(page.get_by_text("Saved the schedule of PAY.")).to_be_visible()
    _shot(page, "1-schedule")

    # See it on the calendar's month grid.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    grid = page.get_by_role("table")
    expect(grid.get_by_role("link", name="PAY Code freeze")).to_be_visible()
    expect(grid.get_by_role("link", name=re.compile(r"^PAY Go-live"))).not_to_have_count(0)
    _shot(page, "2-calendar")

    # With every gate satisfied the way into production is open...
    page.goto("/projects/PAY/board/")
    arrow = page.get_by_role("button", name=TO_PRODUCTION, exact=False)
    expect(arrow).not_to_have_attribute("aria-disabled", "true")

    # ...until an administrator opens a freeze window (as in the admin).
    now = timezone.now()
    FreezeWindow.objects.create(
        name=WINDOW,
        kind=FreezeKind.ONE_OFF,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=2),
        reason="Year-end closing of the books.",
    )
    page.reload()
    banner = page.get_by_role("status", name="Freeze windows")
    expect(banner).to_contain_text(f"Freeze “{WINDOW}” in force until")
    expect(arrow).to_have_attribute("aria-disabled", "true")
    expect(arrow).to_have_attribute("title", re.compile(rf"^Blocked: .*Freeze “{WINDOW}”"))
    _shot(page, "3-board-frozen")

    # A move sent anyway (the form posted by hand) is refused, naming the window.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = page.request.post(
        "/projects/PAY/items/1/move/",
        form={"csrfmiddlewaretoken": token, "version": "1", "direction": "next"},
        max_redirects=0,
    )
    assert refused.status == 403  # a move the policy does not allow now
    assert f"Freeze “{WINDOW}”" in refused.text() or f"Freeze &ldquo;{WINDOW}" in refused.text()
    assert ReleaseItem.objects.get(project=team.project, number=1).status_id == ACCEPTANCE_TEST

    # The release notes: the items by kind.
    page.goto("/projects/PAY/")
    page.get_by_role("link", name="Release notes").click()
    page.wait_for_url("**/projects/PAY/notes/")
    notes = page.get_by_role("article", name="Release notes of PAY")
    expect(notes.get_by_role("region", name="Features").get_by_role("listitem")).to_have_text(
        [re.compile(r"^PAY-1 Pay by instalments\b")]
    )
    expect(notes.get_by_role("region", name="Fixes").get_by_role("listitem")).to_have_text(
        [re.compile(r"^PAY-2 Rounding on refunds\b")]
    )
    expect(notes.get_by_role("region", name="Changes").get_by_role("listitem")).to_have_text(
        [re.compile(r"^PAY-3 New fee table\b")]
    )
    _shot(page, "4-notes")
    assert page_problems.errors == []
    assert page_problems.csp_violations == []
