"""Exports of the lists: only the formats offered, and no cell a spreadsheet would run."""

import csv
import io

import openpyxl
import pytest
from django.utils.html import escape

from releasemgmt.exports import EXPORT_FORMATS, FORMULA_LEADS, UNKNOWN_EXPORT_FORMAT
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory, UserFactory

ITEMS = "/projects/PAY/items/"
PROJECTS = "/projects/"
ATTACK = 'HYPERLINK("http://evil.example/","x")'
LEADS = {"=": "equals", "+": "plus", "-": "minus", "@": "at", "\t": "tab", "\r": "cr"}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [tuple(cell for cell in row) for row in sheet.iter_rows()]


def xml_read(text: str) -> str:
    """What reading an XLSX cell gives back: XML parsers turn a carriage return into \\n."""
    return text.replace("\r", "\n")


def test_the_leads_tested_are_the_leads_neutralised() -> None:
    assert set(FORMULA_LEADS) == set(LEADS)


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", LEADS, ids=LEADS.values())
def test_items_csv_quotes_a_title_a_spreadsheet_would_run(team: Team, lead: str) -> None:
    team.item(number=1, title=f"{lead}{ATTACK}")

    rows = csv_rows(team.client(team.viewer).get(f"{ITEMS}?_export=csv"))

    assert rows[1][:2] == ["PAY-1", f"'{lead}{ATTACK}"]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])  # a full name is stripped of \t, \r
def test_items_csv_quotes_an_assignee_name_a_spreadsheet_would_run(team: Team, lead: str) -> None:
    team.developer.first_name, team.developer.last_name = f"{lead}cmd|' /C calc'!A0", ""
    team.developer.save()
    team.item(number=1, title="Fix rounding", assignee=team.developer)

    rows = csv_rows(team.client(team.viewer).get(f"{ITEMS}?_export=csv"))

    assert rows[1][5] == f"'{lead}cmd|' /C calc'!A0"


@pytest.mark.parametrize("lead", LEADS, ids=LEADS.values())
def test_projects_csv_quotes_a_name_a_spreadsheet_would_run(team: Team, lead: str) -> None:
    team.project.name = f"{lead}{ATTACK}"
    team.project.save()

    rows = csv_rows(team.client(team.viewer).get(f"{PROJECTS}?_export=csv"))

    assert rows[1][:2] == ["PAY", f"'{lead}{ATTACK}"]


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_projects_csv_quotes_a_release_manager_username_a_spreadsheet_would_run(
    team: Team, lead: str
) -> None:
    # Django's usernames may start with + - @ (and = through the admin's custom models).
    team.manager.username = f"{lead}SUM(1+1)"
    team.manager.save()

    rows = csv_rows(team.client(team.viewer).get(f"{PROJECTS}?_export=csv"))

    assert rows[1][3] == f"'{lead}SUM(1+1)"


def test_ordinary_text_dates_and_counts_are_exported_unchanged(team: Team) -> None:
    team.item(number=1, title="Fix rounding - again (=2nd try)")
    team.item(number=2, title="Refund < 0")

    items = csv_rows(team.client(team.viewer).get(f"{ITEMS}?_export=csv&sort=key"))
    projects = csv_rows(team.client(team.viewer).get(f"{PROJECTS}?_export=csv"))

    assert [row[1] for row in items[1:]] == ["Fix rounding - again (=2nd try)", "Refund < 0"]
    assert projects[1][0] == "PAY"
    assert projects[1][-1] == "2"  # a count is a number, never quoted


# --- XLSX ------------------------------------------------------------------------------------


def test_items_xlsx_export_is_a_workbook_with_the_items(team: Team) -> None:
    team.item(number=1, title="Fix rounding")

    response = team.client(team.viewer).get(f"{ITEMS}?_export=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="PAY-items.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert [cell.value for cell in rows[0][:3]] == ["Key", "Title", "Kind"]
    assert [cell.value for cell in rows[1][:2]] == ["PAY-1", "Fix rounding"]


@pytest.mark.parametrize("lead", LEADS, ids=LEADS.values())
def test_items_xlsx_holds_text_not_formulas(team: Team, lead: str) -> None:
    team.item(number=1, title=f"{lead}{ATTACK}")

    rows = xlsx_rows(team.client(team.viewer).get(f"{ITEMS}?_export=xlsx"))

    title = rows[1][1]
    assert title.value == xml_read(f"'{lead}{ATTACK}")
    assert title.data_type == "s"  # a string cell, not "f" (formula)


@pytest.mark.parametrize("lead", LEADS, ids=LEADS.values())
def test_projects_xlsx_holds_text_not_formulas(team: Team, lead: str) -> None:
    team.project.name = f"{lead}{ATTACK}"
    team.project.save()
    ItemFactory(project=team.project, number=1)

    response = team.client(team.viewer).get(f"{PROJECTS}?_export=xlsx")

    assert response.status_code == 200
    assert 'filename="release-projects.xlsx"' in response["Content-Disposition"]
    row = xlsx_rows(response)[1]
    assert (row[1].value, row[1].data_type) == (xml_read(f"'{lead}{ATTACK}"), "s")
    assert (row[-1].value, row[-1].data_type) == (1, "n")  # the item count stays a number


# --- Formats -------------------------------------------------------------------------------


def test_the_offered_formats_are_csv_and_xlsx() -> None:
    assert EXPORT_FORMATS == ("csv", "xlsx")


@pytest.mark.parametrize("url", [ITEMS, PROJECTS])
def test_the_lists_offer_exactly_the_working_formats(team: Team, url: str) -> None:
    page = team.client(team.viewer).get(url).text

    assert "_export=csv" in page
    assert "_export=xlsx" in page
    for other in ["json", "ods", 'xls"', "yaml", "tsv", "latex"]:
        assert f"_export={other}" not in page


@pytest.mark.parametrize("url", [ITEMS, PROJECTS])
@pytest.mark.parametrize(
    "name",
    [
        "json",
        "latex",
        "ods",
        "tsv",
        "xls",
        "yaml",
        "CSV",
        "Xlsx",
        "",
        "exe",
        "csv;",
        "../x",
        "x" * 300,
    ],
)
def test_every_other_format_is_refused_with_400_and_says_which_exist(
    team: Team, url: str, name: str
) -> None:
    team.item(number=1)

    response = team.client(team.viewer).get(url, {"_export": name})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert escape(UNKNOWN_EXPORT_FORMAT.format(name=name[:20])) in response.text


def test_outsiders_get_404_whatever_the_format(team: Team) -> None:
    for name in ["csv", "xlsx", "yaml"]:
        response = team.client(team.outsider).get(ITEMS, {"_export": name})
        assert response.status_code == 404


def test_export_lists_only_the_projects_the_user_sees(team: Team) -> None:
    ProjectFactory(code="OPS", release_manager=UserFactory(username="olga"))

    rows = csv_rows(team.client(team.viewer).get(f"{PROJECTS}?_export=csv"))

    assert [row[0] for row in rows[1:]] == ["PAY"]
