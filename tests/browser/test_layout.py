"""The main pages fit a 390 px phone and a 768 px tablet without sideways scrolling, and axe-core
finds no serious or critical problem on them at 390 and 1366 px, in the light and dark themes."""

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from qa import services as qa_services
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

MAIN_PAGES = [
    "/projects/",
    "/projects/PAY/",
    "/projects/PAY/board/",
    "/projects/PAY/items/",
    "/projects/PAY/items/1/",
    "/projects/PAY/journal/",
    "/overview/",
    "/kpis/",
    "/calendar/",
    "/approvals/",
    "/accounts/settings/",
]
SERIOUS = ("serious", "critical")


@pytest.fixture
def pay_release(team) -> None:
    """PAY with items long enough to wrap, and a test case, so every panel has content."""
    first = team.item(
        number=1,
        title="Card payments are refused when the issuer's 3-D Secure page times out",
        assignee=team.developer,
        created_by=team.developer,
    )
    for number in (2, 3):
        team.item(number=number, title=f"Release item number {number}")
    qa_services.qa_case_add(
        access=team.access(team.qa), item_id=first.pk, fields={"title": "Limit is enforced"}
    )


def open_as_manager(new_context: Callable[..., BrowserContext], **options: object) -> Page:
    # bypass_csp only lets axe be injected; the pages' own CSP is tested in test_accessibility.
    page = new_context(bypass_csp=True, **options).new_page()
    login(page, "maria")
    return page


def sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.usefixtures("pay_release")
@pytest.mark.parametrize("width", [390, 768])
def test_no_main_page_scrolls_sideways_on_a_phone_or_a_tablet(new_context, width: int) -> None:
    page = open_as_manager(new_context, viewport={"width": width, "height": 800})
    too_wide = {}
    for url in MAIN_PAGES:
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        if (overflow := sideways_overflow(page)) > 0:
            too_wide[url] = overflow
    assert too_wide == {}


@pytest.mark.usefixtures("pay_release")
@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_the_main_pages(
    new_context, width: int, color_scheme: str
) -> None:
    page = open_as_manager(
        new_context, viewport={"width": width, "height": 900}, color_scheme=color_scheme
    )
    axe = Axe()
    serious = {}
    for url in MAIN_PAGES:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        found = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in axe.run(page).response["violations"]
            if v["impact"] in SERIOUS
        ]
        if found:
            serious[url] = found
    assert serious == {}


@pytest.mark.usefixtures("pay_release")
def test_log_out_and_the_account_menu_are_reachable_on_a_phone(new_context) -> None:
    page = open_as_manager(new_context, viewport={"width": 390, "height": 800})
    page.goto("/projects/PAY/items/1/")

    expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
    page.get_by_text("Account: maria").click()
    expect(page.get_by_role("link", name="Change password")).to_be_in_viewport()


@pytest.mark.usefixtures("pay_release")
def test_the_dark_theme_follows_the_system(new_context) -> None:
    def background(scheme: str) -> str:
        page = open_as_manager(new_context, color_scheme=scheme)
        page.goto("/projects/")
        return page.evaluate("getComputedStyle(document.documentElement).backgroundColor")

    assert background("light") == "rgb(245, 247, 250)"
    assert background("dark") == "rgb(18, 22, 31)"
