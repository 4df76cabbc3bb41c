"""The KPI dashboards in Chromium: every chart renders as an SVG image with its title, summary
and data table beside it, under the strict CSP, and axe finds no serious or critical problem."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, axe_serious, login
from tests.kpi_fixtures import *  # noqa: F403 (the world fixture)

pytestmark = pytest.mark.django_db(transaction=True)

DASHBOARDS = {
    "/kpis/": ["deployments", "caused", "items", "issues", "ratio", "lead", "states"],
    "/projects/PAY/kpis/": ["flow", "states"],
}


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("url", list(DASHBOARDS))
def test_every_chart_renders_beside_its_table(
    page: Page, page_problems: PageProblems, url: str
) -> None:
    login(page, "maria")
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    for name in DASHBOARDS[url]:
        figure = page.locator(f"#chart-{name}")
        chart = figure.get_by_role("img")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert box["height"] > 100
        # Drawn: bars, lines or areas, and a title naming the chart.
        assert figure.locator("rect.bar, polyline.line, polygon.area").count() > 0, name
        assert figure.locator("svg > title").text_content()
        panel = page.locator("section.kpi-panel").filter(has=figure)
        table = panel.locator("table.kpi")
        expect(table).to_be_visible()
        assert table.locator("caption").text_content()
        assert table.locator("tbody tr").count() > 0
        expect(panel.get_by_role("link", name="Download this table as CSV")).to_be_visible()
    assert page_problems.csp_violations == []
    assert page_problems.errors == []


@pytest.mark.usefixtures("world")
def test_the_cumulative_flow_shows_a_legend_of_its_states(page: Page) -> None:
    login(page, "maria")
    page.goto("/projects/PAY/kpis/")
    legend = page.get_by_role("list", name="Legend of Cumulative flow of PAY")
    expect(legend).to_contain_text("0 - Developing")
    expect(legend).to_contain_text("5 - Ready for Production")


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("url", list(DASHBOARDS))
def test_axe_finds_no_serious_violation(axe_page: Page, url: str) -> None:
    login(axe_page, "maria")
    axe_page.goto(url)
    assert axe_serious(axe_page) == []
