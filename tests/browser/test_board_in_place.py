"""The board in Chromium: in-place moves keep focus on the card and announce the result in the
live region, a refused move says why; keyboard send-to-bottom; drag-and-drop on the arrows."""

import pytest
from playwright.sync_api import Locator, Page, expect

from items.models import ReleaseItem, TransitionRule
from items.workflow import workflow_current
from tests.browser.conftest import PageProblems, login

pytestmark = pytest.mark.django_db(transaction=True)

BOARD = "/projects/PAY/board/"
DEVELOPING, READY_FOR_REVIEW = "0 - Developing", "1 - Ready for Review"
BLOCKED = "blocked, needs 1 of 1 approvals (0 so far)"


def column(page: Page, state: str) -> Locator:
    return page.get_by_role("listitem", name=state).filter(
        has=page.get_by_role("heading", name=state)
    )


def card_keys(page: Page, state: str) -> list[str]:
    return column(page, state).locator(".card .key").all_inner_texts()


def rule(from_index: int, *, approvals: int = 0) -> None:
    """A rule for the way on from the `from_index`th state: developers may, after `approvals`."""
    states = workflow_current().states
    TransitionRule.objects.create(
        from_state=states[from_index],
        to_state=states[from_index + 1],
        direction="forward",
        roles=["developer"],
        approvals_required=approvals,
        approver_roles=["approver"] if approvals else [],
    )


def tab_to(page: Page, label: str) -> None:
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == label:
            return
    pytest.fail(f"Tab never reached “{label}”")


def test_after_a_move_focus_stays_on_the_card_and_the_live_region_says_what_happened(
    team, page: Page, page_problems: PageProblems
) -> None:
    rule(0)
    rule(1, approvals=1)  # the card's next arrow, once moved, is blocked
    team.item(number=1)
    problems = page_problems
    login(page, "david")
    page.goto(BOARD)

    tab_to(page, f"Move PAY-1 to {READY_FOR_REVIEW}")
    page.keyboard.press("Enter")

    expect(column(page, READY_FOR_REVIEW).get_by_role("link", name="PAY-1")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Moved PAY-1 to {READY_FOR_REVIEW}.")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute(
        "aria-label", f"Move PAY-1 to 2 - Ready for Integration: {BLOCKED}"
    )
    assert problems.errors == []
    assert problems.csp_violations == []


def test_a_refused_move_announces_its_reason_and_focus_stays_on_the_card(team, page: Page) -> None:
    team.item(number=1)
    login(page, "david")
    page.goto(BOARD)
    rule(0, approvals=1)  # after the page was loaded: the arrow still offers the move

    tab_to(page, f"Move PAY-1 to {READY_FOR_REVIEW}")
    page.keyboard.press("Enter")

    status = page.get_by_role("status")
    expect(status.locator(".message.error")).to_contain_text("approval")
    expect(page.locator(":focus")).to_have_attribute(
        "aria-label", f"Move PAY-1 to {READY_FOR_REVIEW}: {BLOCKED}"
    )
    assert card_keys(page, DEVELOPING) == ["PAY-1"]
    assert ReleaseItem.objects.get(number=1).version == 1


def test_a_keyboard_only_user_sends_a_card_to_the_bottom_of_its_column(team, page: Page) -> None:
    for number in range(1, 6):
        team.item(number=number)
    login(page, "david")
    page.goto(BOARD)

    tab_to(page, "Send PAY-1 to the bottom of its column")
    page.keyboard.press("Enter")

    expect(column(page, DEVELOPING).locator(".card .key")).to_have_text(
        ["PAY-2", "PAY-3", "PAY-4", "PAY-5", "PAY-1"]
    )
    expect(page.get_by_role("status")).to_have_text("Sent PAY-1 to the bottom of its column.")
    # Its "bottom" arrow is gone: focus is on the card's next control, still PAY-1's.
    assert "PAY-1" in page.evaluate("document.activeElement.getAttribute('aria-label')")


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with the mouse, in steps, as a person would (SortableJS's fallback mode)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 8)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + 14, steps=4)
    x, y = end["x"] + end["width"] / 2, end["y"] + 10
    page.mouse.move(x, y, steps=12)
    # SortableJS checks where the pointer is every 50 ms in its fallback mode: rest there.
    page.wait_for_timeout(150)
    page.mouse.move(x + 1, y + 1)
    page.wait_for_timeout(150)
    page.mouse.up()


def test_drag_and_drop_moves_a_card_to_the_next_column_through_the_engine(
    team, page: Page, page_problems: PageProblems
) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    team.item(number=2, title="Round fees", status=workflow_current().states[1])
    problems = page_problems
    login(page, "david")
    page.goto(BOARD)

    with page.expect_request(lambda r: r.method == "POST" and "/move/" in r.url):
        drag(page, page.locator(".card-title").first, column(page, READY_FOR_REVIEW).locator("li"))

    expect(column(page, READY_FOR_REVIEW).get_by_role("link", name="PAY-1")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Moved PAY-1 to {READY_FOR_REVIEW}.")
    assert ReleaseItem.objects.get(number=1).status.name == READY_FOR_REVIEW
    assert problems.errors == []
    assert problems.csp_violations == []


def test_a_card_dropped_into_an_empty_column_lands_there_through_the_engine(
    team, page: Page, page_problems: PageProblems
) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    team.item(number=2, title="Round fees")
    problems = page_problems
    login(page, "david")
    page.goto(BOARD)
    assert card_keys(page, READY_FOR_REVIEW) == []

    with page.expect_request(lambda r: r.method == "POST" and "/move/" in r.url):
        drag(page, page.locator(".card-title").first, column(page, READY_FOR_REVIEW).locator("ol"))

    expect(column(page, READY_FOR_REVIEW).get_by_role("link", name="PAY-1")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Moved PAY-1 to {READY_FOR_REVIEW}.")
    assert card_keys(page, DEVELOPING) == ["PAY-2"]
    moved = ReleaseItem.objects.get(number=1)
    assert moved.status.name == READY_FOR_REVIEW
    assert moved.history.filter(change_kind="moved").count() == 1  # journaled
    assert problems.errors == []
    assert problems.csp_violations == []


def test_a_refused_drop_snaps_back_with_the_reason_shown(team, page: Page) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    team.item(number=2, title="Round fees", status=workflow_current().states[1])
    login(page, "david")
    page.goto(BOARD)
    rule(0, approvals=1)

    with page.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url) as answer:
        drag(page, page.locator(".card-title").first, column(page, READY_FOR_REVIEW).locator("li"))

    assert answer.value.status == 403
    expect(page.get_by_role("status").locator(".message.error")).to_contain_text("approval")
    assert card_keys(page, DEVELOPING) == ["PAY-1"]
    assert card_keys(page, READY_FOR_REVIEW) == ["PAY-2"]
    assert ReleaseItem.objects.get(number=1).version == 1
