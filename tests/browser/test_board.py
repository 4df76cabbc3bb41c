"""The task board in a real browser: arrows move cards via htmx, without JavaScript, by keyboard."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

BOARD = "/projects/PAY/board/"
JOURNAL = "/projects/PAY/items/1/journal/"
MOVE_RIGHT = "Move PAY-1 to 1 - Ready for Review"
MOVED = "Moved from 0 - Developing to 1 - Ready for Review"


def column(page: Page, state: str) -> Locator:
    """The board column (a labelled section) of one release state."""
    return page.get_by_role("listitem", name=state).filter(
        has=page.get_by_role("heading", name=state)
    )


def card(page: Page, state: str, key: str) -> Locator:
    """The link of one card (PAY-1, not PAY-10) inside a state's column."""
    return column(page, state).get_by_role("link", name=key, exact=True)


def card_keys(page: Page, state: str) -> list[str]:
    return column(page, state).locator(".card .key").all_inner_texts()


def expect_move_in_journal(page: Page, *, who: str) -> None:
    page.goto(JOURNAL)
    entry = page.locator(".entry").filter(has_text=MOVED)
    expect(entry).to_have_count(1)
    expect(entry.locator(".who")).to_have_text(who)


def test_right_arrow_moves_the_card_in_place_with_htmx(team, page: Page) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(page, "david")
    page.goto(BOARD)
    expect(card(page, "0 - Developing", "PAY-1")).to_be_visible()
    # A full page load would wipe this marker; htmx swapping #board keeps it.
    page.evaluate("window.boardNotReloaded = true")

    with page.expect_request(lambda r: r.method == "POST" and "/move/" in r.url) as posted:
        page.get_by_role("button", name=MOVE_RIGHT).click()

    assert posted.value.headers.get("hx-request") == "true"
    expect(card(page, "1 - Ready for Review", "PAY-1")).to_be_visible()
    expect(card(page, "0 - Developing", "PAY-1")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Moved PAY-1 to 1 - Ready for Review.")
    assert page.evaluate("window.boardNotReloaded") is True

    expect_move_in_journal(page, who="david")


def test_right_arrow_without_javascript_posts_a_form_and_reloads(team, no_js_page: Page) -> None:
    page = no_js_page
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(page, "david")
    page.goto(BOARD)
    arrow = page.get_by_role("button", name=MOVE_RIGHT)
    form = arrow.locator("xpath=ancestor::form[1]")
    expect(form).to_have_attribute("method", "post")
    expect(form).to_have_attribute("action", "/projects/PAY/items/1/move/")

    with page.expect_navigation() as navigation:
        arrow.click()

    # The POST answers with a redirect back to the board (post/redirect/get).
    assert navigation.value is not None
    assert navigation.value.request.redirected_from is not None
    assert navigation.value.request.redirected_from.method == "POST"
    expect(page).to_have_url(re.compile(r"/projects/PAY/board/$"))
    expect(card(page, "1 - Ready for Review", "PAY-1")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Moved PAY-1 to 1 - Ready for Review.")

    expect_move_in_journal(page, who="david")


def test_keyboard_moves_a_card_and_focus_follows_it(team, page: Page) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(page, "david")
    page.goto(BOARD)

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == MOVE_RIGHT:
            break
    else:
        pytest.fail(f"Tab never reached the button “{MOVE_RIGHT}”")
    page.keyboard.press("Enter")

    expect(card(page, "1 - Ready for Review", "PAY-1")).to_be_visible()
    # The swapped board autofocuses the moved card's arrow in the same direction.
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("aria-label", "Move PAY-1 to 2 - Ready for Integration")
    assert "PAY-1" in page.evaluate("document.activeElement.getAttribute('aria-label')")

    # Enter again keeps going: the user can walk a card across the board from the keyboard.
    page.keyboard.press("Enter")
    expect(card(page, "2 - Ready for Integration", "PAY-1")).to_be_visible()


def test_viewer_sees_the_board_without_arrows(team, page: Page) -> None:
    team.item(number=1, title="Add SEPA instant transfer limit check")
    login(page, "victor")
    page.goto(BOARD)

    expect(card(page, "0 - Developing", "PAY-1")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Move "))).to_have_count(0)
    expect(page.locator(".arrows")).to_have_count(0)


def test_up_and_down_reorder_cards_within_a_column(team, page: Page) -> None:
    for number in (1, 2, 3):
        team.item(number=number, title=f"Item number {number}")
    login(page, "david")
    page.goto(BOARD)
    assert card_keys(page, "0 - Developing") == ["PAY-1", "PAY-2", "PAY-3"]

    page.get_by_role("button", name="Move PAY-3 up").click()
    expect(column(page, "0 - Developing").locator(".card .key")).to_have_text(
        ["PAY-1", "PAY-3", "PAY-2"]
    )

    page.get_by_role("button", name="Move PAY-1 down").click()
    expect(column(page, "0 - Developing").locator(".card .key")).to_have_text(
        ["PAY-3", "PAY-1", "PAY-2"]
    )
    # The top card has no up arrow and the bottom one no down arrow.
    expect(page.get_by_role("button", name="Move PAY-3 up")).to_have_count(0)
    expect(page.get_by_role("button", name="Move PAY-2 down")).to_have_count(0)


def test_a_release_manager_adds_an_existing_change_to_a_second_release(team, page: Page) -> None:
    from items.models import ReleaseStatus
    from projects.roles import Role
    from tests.factories import MemberFactory, ProjectFactory

    team.item(
        number=1,
        title="Add SEPA instant transfer limit check",
        status=ReleaseStatus.objects.get(name="1 - Ready for Review"),
    )
    hot = ProjectFactory(code="HOT", name="Payments hotfix", release_manager=team.manager)
    MemberFactory(project=hot, user=team.manager, role=Role.RELEASE_MANAGER)
    login(page, "maria")
    page.goto("/projects/HOT/board/")

    page.get_by_label("Add an existing change").fill("PAY-1")
    page.get_by_role("button", name="Add to HOT").click()

    expect(page.get_by_role("status")).to_contain_text("to HOT as HOT-1")
    expect(card(page, "0 - Developing", "HOT-1")).to_be_visible()
    expect(page.locator(".card-title")).to_have_text("Add SEPA instant transfer limit check")
    page.goto(BOARD)  # its state in PAY is its own, unchanged
    expect(card(page, "1 - Ready for Review", "PAY-1")).to_be_visible()
    page.goto("/projects/PAY/items/1/")
    expect(page.get_by_role("link", name="HOT-1")).to_be_visible()
