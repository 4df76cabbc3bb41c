"""Governance in a real browser: an approval from the approver's list opens the developer's
arrow, and a failed test run keeps the move to production blocked, with the reason in sight.

Set GOVERNANCE_SCREENSHOTS to a directory to keep full-page screenshots of each step.
"""

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import BrowserContext, Locator, Page, expect

from approvals.models import Approval
from items.models import ReleaseItem, ReleaseStatus
from items.rules import rule_seed_defaults
from projects.access import project_access
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from qa import services as qa
from qa.models import TestCase, TestRun
from tests.browser.conftest import login
from tests.factories import ItemFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BOARD = "/projects/PAY/board/"
ITEM = "/projects/PAY/items/1/"
CASE = "Transfer above the limit is refused"
TO_REVIEW = "Move PAY-1 to 1 - Ready for Review"
TO_INTEGRATION = "Move PAY-1 to 2 - Ready for Integration"
TO_PRODUCTION = "Move PAY-1 to 5 - Ready for Production"
NOT_PASSING = "needs every test case passing (1 not passing)"


def snapshot(page: Page, name: str) -> None:
    """Keep a full-page screenshot when asked to (for looking at the pages, not for asserts)."""
    folder = os.environ.get("GOVERNANCE_SCREENSHOTS")
    if folder:
        page.screenshot(path=Path(folder) / f"governance-{name}.png", full_page=True)


@pytest.fixture
def pay(states: list[ReleaseStatus]) -> dict[str, AbstractBaseUser]:
    """The PAY release with the default rules and one person per governance role."""
    rule_seed_defaults()
    people = {
        name: UserFactory(username=name)
        for name in ("maria", "david", "april", "quinn", "tess", "victor")
    }
    project = ProjectFactory(code="PAY", name="Payments 4.2", release_manager=people["maria"])
    for name, role in [
        ("maria", Role.RELEASE_MANAGER),
        ("david", Role.DEVELOPER),
        ("april", Role.APPROVER),
        ("quinn", Role.QA_TESTER),
        ("tess", Role.QA_TESTER),
        ("victor", Role.VIEWER),
    ]:
        ReleaseMember.objects.create(project=project, user=people[name], role=role)
    return people


def pay_item(pay: dict[str, AbstractBaseUser], state_id: int) -> ReleaseItem:
    return ItemFactory(
        project=ReleaseProject.objects.get(code="PAY"),
        number=1,
        title="Add SEPA instant transfer limit check",
        status=ReleaseStatus.objects.get(pk=state_id),
        assignee=pay["david"],
        created_by=pay["david"],
    )


def card(page: Page, key: str) -> Locator:
    return page.locator(".card").filter(has=page.get_by_role("link", name=key, exact=True))


def in_column(page: Page, state: str, key: str) -> Locator:
    column = page.get_by_role("listitem", name=state).filter(
        has=page.get_by_role("heading", name=state)
    )
    return column.get_by_role("link", name=key, exact=True)


def test_an_approval_from_the_approvers_list_opens_the_developers_arrow(
    pay: dict[str, AbstractBaseUser], page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    pay_item(pay, 4500)

    # The developer asks for review: the way on needs an approval, so its arrow is blocked.
    login(page, "david")
    page.goto(BOARD)
    page.get_by_role("button", name=TO_REVIEW).click()
    expect(in_column(page, "1 - Ready for Review", "PAY-1")).to_be_visible()
    blocked = page.get_by_role(
        "button", name=f"{TO_INTEGRATION}: blocked, needs 1 of 1 approvals (0 so far)"
    )
    expect(blocked).to_be_disabled()
    expect(card(page, "PAY-1").locator(".gate-note")).to_have_text(
        "Needs 1 of 1 approvals (0 so far)"
    )
    snapshot(page, "1-board-waiting-for-approval")

    # The approver finds it on "Waiting for my approval" and approves it with a comment.
    approver = new_context().new_page()
    login(approver, "april")
    approver.get_by_role("link", name="Waiting for my approval").click()
    expect(approver).to_have_url(re.compile(r"/approvals/$"))
    row = approver.get_by_role("row").filter(has_text="PAY-1")
    expect(row).to_contain_text("1 - Ready for Review")
    expect(row).to_contain_text("david")  # who requested it
    snapshot(approver, "1b-waiting-for-my-approval")
    row.get_by_role("link", name="PAY-1").click()
    expect(approver).to_have_url(re.compile(r"/projects/PAY/items/1/#approvals$"))
    panel = approver.get_by_role("region", name="Approvals")
    expect(panel).to_contain_text("Moving to 2 - Ready for Integration needs 1 approval.")
    expect(panel).to_contain_text("0 of 1 approved")
    panel.get_by_label("Comment").fill("Reviewed the diff; the limits match the spec")
    snapshot(approver, "2-item-page-approver")
    panel.get_by_role("button", name="Approve PAY-1").click()

    expect(approver.get_by_role("status")).to_contain_text("Approved: PAY-1.")
    expect(panel).to_contain_text("1 of 1 approved")
    expect(panel.get_by_role("listitem")).to_contain_text("april approved", use_inner_text=True)
    expect(panel).to_contain_text("Reviewed the diff; the limits match the spec")
    expect(panel.get_by_role("button", name="Approve PAY-1")).to_have_count(0)
    approver.get_by_role("link", name="Waiting for my approval").click()
    expect(approver.get_by_text("Nothing is waiting for your approval.")).to_be_visible()

    # Back on the developer's board: the gate note is gone and the arrow is a real button.
    page.goto(BOARD)
    arrow = page.get_by_role("button", name=TO_INTEGRATION, exact=True)
    expect(arrow).to_be_enabled()
    expect(arrow.locator("xpath=ancestor::form[1]")).to_have_attribute("method", "post")
    expect(card(page, "PAY-1").locator(".gate-note")).to_have_count(0)
    snapshot(page, "3-board-approved")

    # ...and the item page shows the requester the vote.
    page.goto(ITEM)
    expect(page.get_by_role("region", name="Approvals")).to_contain_text("1 of 1 approved")
    snapshot(page, "4-item-page-developer")

    page.goto(BOARD)
    page.get_by_role("button", name=TO_INTEGRATION, exact=True).click()
    expect(in_column(page, "2 - Ready for Integration", "PAY-1")).to_be_visible()
    vote = Approval.history.get()
    assert (vote.history_user.username, vote.vote, vote.history_change_reason) == (
        "april",
        "approve",
        "Reviewed the diff; the limits match the spec",
    )


def test_a_failed_run_keeps_the_move_to_production_blocked_with_the_reason_visible(
    pay: dict[str, AbstractBaseUser], page: Page
) -> None:
    item = pay_item(pay, 4570)
    # Everything else is in place: a passing run, tess's sign-off, the business's acceptance.
    case = qa.qa_case_add(
        access=project_access(user=pay["quinn"], code="PAY"),
        item_id=item.pk,
        fields={"title": CASE, "steps": "Transfer 15,001 EUR", "expected_result": "Refused"},
    )
    qa.qa_run_record(
        access=project_access(user=pay["quinn"], code="PAY"),
        item_id=item.pk,
        test_case_id=case.pk,
        fields={"result": "passed", "note": "First pass on staging"},
    )
    qa.qa_signoff(access=project_access(user=pay["tess"], code="PAY"), item_id=item.pk, round=1)
    qa.qa_acceptance_decide(
        access=project_access(user=pay["april"], code="PAY"),
        item_id=item.pk,
        round=1,
        decision="accepted",
        reason="The business owner tried it on staging",
    )

    login(page, "quinn")
    page.goto(BOARD)
    expect(page.get_by_role("button", name=TO_PRODUCTION, exact=True)).to_be_enabled()

    # A retest fails: quinn records it on the item page.
    card(page, "PAY-1").get_by_role("link", name="PAY-1", exact=True).click()
    section = page.get_by_role("region", name="QA")
    row = section.get_by_role("row").filter(has_text=CASE)
    row.get_by_label(f"Result for “{CASE}”").select_option("failed")
    row.get_by_label("Note").fill("15,001 EUR went through on the retest")
    row.get_by_label("Evidence link").fill("https://ci.example.com/runs/4711")
    row.get_by_role("button", name=f"Record run of “{CASE}”").click()

    expect(page).to_have_url(re.compile(r"/projects/PAY/items/1/#qa$"))
    expect(page.get_by_role("status")).to_contain_text("Test run recorded on PAY-1.")
    expect(row.locator(".result").first).to_have_text("Failed")
    expect(row).to_contain_text("15,001 EUR went through on the retest")
    expect(row).to_contain_text("Passed (quinn")  # the earlier run, in the history column
    move = page.get_by_role("region", name="Move")
    expect(move.get_by_role("note")).to_have_text(
        f"Moving to 5 - Ready for Production is blocked: {NOT_PASSING}."
    )
    expect(move.get_by_role("button", name=re.compile("5 - Ready for Production"))).to_have_count(0)
    snapshot(page, "5-item-page-qa-failed")

    page.goto(BOARD)
    blocked = page.get_by_role("button", name=f"{TO_PRODUCTION}: blocked, {NOT_PASSING}")
    expect(blocked).to_be_disabled()
    expect(blocked).to_have_attribute("title", f"Blocked: {NOT_PASSING}")
    expect(card(page, "PAY-1").locator(".gate-note")).to_have_text(
        "Needs every test case passing (1 not passing)"
    )
    expect(page.get_by_role("button", name=TO_PRODUCTION, exact=True)).to_have_count(0)
    snapshot(page, "6-board-blocked")

    # Pressing the disabled arrow anyway sends nothing and moves nothing.
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" else None)
    blocked.click(force=True)
    expect(in_column(page, "4 - Ready for Acceptance Test", "PAY-1")).to_be_visible()
    assert requests == []
    item.refresh_from_db()
    assert item.status_id == 4570
    run = TestRun.history.filter(result="failed").get()
    assert (run.history_user.username, run.evidence_url) == (
        "quinn",
        "https://ci.example.com/runs/4711",
    )
    assert TestCase.objects.count() == 1
