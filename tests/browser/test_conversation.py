"""The item page's conversation in Chromium under the strict CSP: a comment appears rendered
(its HTML inert), a file is attached and offered as a download, and axe finds no serious
problem in the panel."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, axe_serious, login

pytestmark = pytest.mark.django_db(transaction=True)
ITEM = "/projects/PAY/items/1/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_developer_comments_and_attaches_a_file(
    team, page: Page, page_problems: PageProblems, media: Path
) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(page, "david")
    page.goto(ITEM)
    panel = page.get_by_role("region", name="Conversation")

    panel.get_by_label("Add a comment").fill("Limit is **15,000 EUR** <script>alert(1)</script>")
    panel.get_by_role("button", name="Comment on PAY-1").click()

    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    comment = panel.locator(".activity-comment")
    expect(comment.locator("strong", has_text="15,000 EUR")).to_be_visible()
    expect(comment).to_contain_text("<script>alert(1)</script>")  # shown as text, not run

    panel.get_by_label("Attach a file").set_input_files(
        files=[{"name": "limits.csv", "mimeType": "text/csv", "buffer": b"currency,limit\n"}]
    )
    panel.get_by_role("button", name="Attach to PAY-1").click()

    expect(page.get_by_text("“limits.csv” is attached.")).to_be_visible()
    link = panel.get_by_role("link", name="limits.csv")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "limits.csv"
    assert Path(download.value.path()).read_bytes() == b"currency,limit\n"
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


def test_axe_finds_no_serious_violation_in_the_panel(team, axe_page: Page) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(axe_page, "david")
    axe_page.goto(ITEM)
    axe_page.get_by_label("Add a comment").fill("A [link](https://example.com) and `code`")
    axe_page.get_by_role("button", name="Comment on PAY-1").click()
    expect(axe_page.locator(".activity-comment")).to_have_count(1)
    assert axe_serious(axe_page, "#conversation") == []
