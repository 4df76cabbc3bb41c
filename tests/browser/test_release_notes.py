"""Release notes in a real browser: the page shows the items by kind; the release manager
hides an internal task and writes an introduction; nothing breaks the Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

from items.models import Kind
from tests.browser.conftest import login
from tests.governance_fixtures import PRODUCTION, item_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_release_notes_page_shows_the_items_by_kind(team, page: Page, page_problems) -> None:
    item_in(team, PRODUCTION, number=1, kind=Kind.FEATURE, title="Pay by instalments")
    item_in(team, PRODUCTION, number=2, kind=Kind.BUG, title="Rounding on refunds")
    item_in(team, PRODUCTION, number=3, kind=Kind.TASK, title="Upgrade the build server")
    login(page, "maria")
    page.goto("/projects/PAY/")
    page.get_by_role("link", name="Release notes").click()
    page.wait_for_url("**/projects/PAY/notes/")

    notes = page.get_by_role("article", name="Release notes of PAY")
    features = notes.get_by_role("region", name="Features")
    expect(features.get_by_role("listitem")).to_have_text(["PAY-1 Pay by instalments"])
    expect(notes.get_by_role("region", name="Fixes")).to_contain_text("PAY-2 Rounding on refunds")
    expect(notes.get_by_role("region", name="Changes")).to_contain_text("PAY-3")

    page.get_by_label("Introduction").fill("Instalments at last.")
    page.get_by_label("Where PAY-3 goes in the notes").select_option(label="Hidden from the notes")
    page.get_by_role("button", name="Save the release notes of PAY").click()

    expect(page.get_by_text("Saved the release notes of PAY.")).to_be_visible()
    expect(notes.get_by_text("Instalments at last.")).to_be_visible()
    expect(notes.get_by_role("region", name="Changes")).to_have_count(0)
    assert page_problems.errors == []
    assert page_problems.csp_violations == []
