"""Every paginated list answers a bad `per_page` with 400 and a clear message, never a 500."""

import re

import pytest

from items.views import ITEMS_PER_PAGE, ITEMS_PER_PAGE_MAX
from projects.views import PROJECTS_PER_PAGE
from releasemgmt.pagination import BAD_PER_PAGE, PER_PAGE_MAX
from tests.conftest import Team
from tests.factories import ProjectFactory

# Each list with its default page size and its largest (the items list offers 1,000).
LISTS = [
    ("/projects/PAY/items/", ITEMS_PER_PAGE, ITEMS_PER_PAGE_MAX),
    ("/projects/", PROJECTS_PER_PAGE, PER_PAGE_MAX),
]
BAD = ["-1", "0", "-0", "99999999999999999999999", "abc", "1e3", "", " 5", "5.0", "٣"]


def rows(html: str) -> int:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr\b", body))


@pytest.fixture
def many(team: Team) -> None:
    for number in range(1, 31):
        team.item(number=number)
    for number in range(30):
        ProjectFactory(code=f"P{number:02d}", release_manager=team.manager)


@pytest.mark.parametrize(("url", "default", "most"), LISTS)
@pytest.mark.parametrize("value", [*BAD, "over the maximum"])
def test_a_bad_per_page_is_refused_with_400_and_the_default_page(
    team: Team, many: None, url: str, default: int, most: int, value: str
) -> None:
    value = str(most + 1) if value == "over the maximum" else value
    response = team.client(team.admin).get(url, {"per_page": value})

    assert response.status_code == 400
    assert BAD_PER_PAGE.format(max=most, default=default) in response.text
    assert rows(response.text) == default


@pytest.mark.parametrize(("url", "default", "most"), LISTS)
@pytest.mark.parametrize("value", ["1", "10", "most"])
def test_a_per_page_within_the_limit_is_honoured(
    team: Team, many: None, url: str, default: int, most: int, value: str
) -> None:
    value = str(most) if value == "most" else value
    response = team.client(team.admin).get(url, {"per_page": value})

    assert response.status_code == 200
    assert rows(response.text) == min(int(value), 30 if "items" in url else 31)


@pytest.mark.parametrize(("url", "default", "most"), LISTS)
def test_a_bad_per_page_does_not_stop_the_csv_export(
    team: Team, many: None, url: str, default: int, most: int
) -> None:
    response = team.client(team.admin).get(url, {"per_page": "-1", "_export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
