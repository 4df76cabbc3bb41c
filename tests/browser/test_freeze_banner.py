"""A freeze window in a real browser: the board and the release page say it is in force, and the
arrow into production is disabled with the window's name, with no console error or CSP
violation."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from planning.models import FreezeKind, FreezeWindow
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

SATURDAY = dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC)
IN_FORCE = "Freeze “Weekend freeze” in force until 2026-12-07 08:00 Europe/Zurich"


@pytest.fixture
def weekend_freeze(team, monkeypatch: pytest.MonkeyPatch) -> None:
    FreezeWindow.objects.create(
        name="Weekend freeze",
        kind=FreezeKind.WEEKLY,
        time_zone="Europe/Zurich",
        start_weekday=4,
        start_time=dt.time(16),
        end_weekday=0,
        end_time=dt.time(8),
    )
    # The live server runs in this process: its clock is the one patched here.
    monkeypatch.setattr(timezone, "now", lambda: SATURDAY)


def test_the_board_shows_the_freeze_and_disables_the_arrow_into_production(
    team, weekend_freeze, page: Page, page_problems
) -> None:
    team.item(number=1, status_id=4570, title="Limit for instant transfers")
    login(page, "quinn")

    page.goto("/projects/PAY/board/")

    banner = page.get_by_role("status", name="Freeze windows")
    expect(banner).to_contain_text(IN_FORCE)
    arrow = page.get_by_role("button", name="Move PAY-1 to 5 - Ready for Production", exact=False)
    expect(arrow).to_have_attribute("aria-disabled", "true")
    expect(arrow).to_have_attribute("title", re.compile(r"^Blocked: .*Freeze “Weekend freeze”"))

    page.goto("/projects/PAY/")
    expect(page.get_by_role("status", name="Freeze windows")).to_contain_text(IN_FORCE)
    assert page_problems.errors == []
    assert page_problems.csp_violations == []
