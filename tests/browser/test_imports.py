"""The item import in Chromium: from the items list to a preview and a confirmed import, under
the strict CSP, keyboard-reachable, and axe finds no serious problem on the preview."""

import pytest
from playwright.sync_api import Page, expect

from items.models import ReleaseItem
from tests.browser.conftest import PageProblems, axe_serious, login

pytestmark = pytest.mark.django_db(transaction=True)
CSV = b"title,kind,state\nLedger export,Feature,1 - Ready for Review\nDocs,Task,\n"


def _preview(page: Page) -> None:
    page.goto("/projects/PAY/items/")
    page.get_by_role("link", name="Import CSV/XLSX").click()
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": "sprint.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Preview").click()


def test_a_manager_previews_and_confirms_an_import(
    team, page: Page, page_problems: PageProblems
) -> None:
    login(page, "maria")
    _preview(page)
    table = page.get_by_role("table", name="What each row of the file will do")
    expect(table).to_contain_text("Ledger export")
    expect(table).to_contain_text("state: 1 - Ready for Review")
    assert not ReleaseItem.objects.exists()  # a preview writes nothing
    page.get_by_role("button", name="Import 2 rows into PAY").click()
    expect(page.get_by_role("status")).to_contain_text("2 created, 0 updated, 1 moved")
    assert ReleaseItem.objects.count() == 2
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_axe_finds_no_serious_violation_on_the_preview(team, axe_page: Page) -> None:
    login(axe_page, "maria")
    _preview(axe_page)
    assert axe_serious(axe_page) == []
