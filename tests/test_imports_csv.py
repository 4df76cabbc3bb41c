"""Importing items from CSV or XLSX into a release: a preview of every row and every error with
its line, nothing written before the confirm, then all rows or none, through the items services
and the engine, journaled as the import."""

import csv
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from imports import services as import_services
from imports import tokens
from imports.models import ItemImport
from items.engine import MoveNotAllowed
from items.models import Change, Kind, Priority, ReleaseItem

pytestmark = pytest.mark.django_db

HEADER = "key,title,kind,priority,state,assignee,external key,description\n"


def _urls(code: str = "PAY") -> tuple[str, str]:
    return (
        reverse("imports:items", kwargs={"code": code}),
        reverse("imports:confirm", kwargs={"code": code}),
    )


def _preview(client, content: str | bytes, name: str = "items.csv", code: str = "PAY"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(_urls(code)[0], {"file": SimpleUploadedFile(name, data)})


def _token(response) -> str:
    return response.context["confirm"].initial["token"]


def _rows(response) -> dict[int, object]:
    return {row.line: row for row in response.context["plan"].rows}


def _journal_size() -> tuple[int, int]:
    return ReleaseItem.history.count(), Change.history.count()


@pytest.fixture
def existing(team, states):
    return {
        "fix": team.item(title="Fix rounding", kind=Kind.BUG, external_key="JIRA-7"),
        "docs": team.item(title="Docs", kind=Kind.TASK),
    }


def test_the_items_list_links_to_the_import_page(team):
    page = team.client(team.manager).get(reverse("items:list", kwargs={"code": "PAY"}))
    assert _urls()[0] in page.content.decode()


def test_the_import_page_groups_the_row_limit_in_the_readers_language(team):
    client = team.client(team.manager)

    english = client.get(_urls()[0]).content.decode()
    german = client.get(_urls()[0], HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "1,000 rows" in english
    assert "1.000 Zeilen" in german


def test_a_preview_shows_every_row_and_writes_nothing(team, existing):
    fix, docs = existing["fix"], existing["docs"]
    before = (ReleaseItem.objects.count(), Change.objects.count(), _journal_size())
    content = (
        HEADER + f"{docs.key},Docs,Task,,,,,\n"  # unchanged
        ",Ledger export,Feature,High,,david,,A new export\n"  # new
        f",Fix rounding for JPY,,,,,{fix.external_key},\n"  # changed, found by external key
        f"{docs.key},,,Low,1 - Ready for Review,,,\n"  # same item twice: an error
    )
    response = _preview(team.client(team.manager), content)
    rows = _rows(response)
    assert rows[2].action == "unchanged"
    assert rows[3].action == "create"
    assert rows[3].fields["assignee"] == team.developer
    assert rows[3].fields["priority"] == Priority.HIGH
    assert rows[4].action == "update"
    assert rows[4].key == fix.key
    assert rows[4].changes == ["title: Fix rounding for JPY"]
    assert rows[5].errors == ["The same item as line 2: one row per item."]
    assert response.status_code == 400  # an error: no confirm button
    assert response.context["confirm"] is None
    assert (ReleaseItem.objects.count(), Change.objects.count(), _journal_size()) == before


def test_every_error_is_shown_with_its_line_number(team, existing):
    content = (
        HEADER + ',"A title\nthat spans two lines",Spike,,,,,\n'  # line 2 (and 3)
        f",{'x' * 201},,,,,,\n"  # line 4
        ",Assigned to a stranger,,,,oscar,,\n"  # line 5
        ",Somewhere,,,9 - Nowhere,,,\n"  # line 6
        "PAY-999,Gone,,,,,,\n"  # line 7
        ",,Bug,,,,,\n"  # line 8
        ",Urgent,,Yesterday,,,,\n"  # line 9
        "CRM-1,Elsewhere,,,,,,\n"  # line 10
    )
    response = _preview(team.client(team.manager), content)
    assert response.status_code == 400
    errors = {line: row.errors for line, row in _rows(response).items()}
    assert errors[2] == [
        "Unknown kind “Spike”: use one of Change request, Bug, Incident, Problem, Task, Feature."
    ]
    assert errors[4] == ["The title is longer than 200 characters."]
    assert errors[5] == ["“oscar” is not a member of PAY (give a username or an e-mail)."]
    assert errors[6] == ["Unknown state “9 - Nowhere”."]
    assert errors[7] == ["There is no item PAY-999 in PAY."]
    assert errors[8] == ["A new item needs a title."]
    assert errors[9][0].startswith("Unknown priority “Yesterday”")
    assert errors[10] == ["“CRM-1” is not an item key of PAY (e.g. PAY-12)."]
    page = response.content.decode()
    assert "Line 6: Unknown state" in page
    assert "Nothing was imported" in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"title\n\xff\xfe broken", "items.csv", "not UTF-8"),
        (b"title\nx\n", "items.txt", "Upload a .csv or .xlsx file."),
        (b"not a workbook", "items.xlsx", "could not be read"),
        (b"colour,size\nred,9\n", "items.csv", "names none of the columns"),
        (b"", "items.csv", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_a_400_and_writes_nothing(team, content, name, message):
    before = ReleaseItem.objects.count()
    response = _preview(team.client(team.manager), content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ReleaseItem.objects.count() == before


def test_too_many_rows_are_refused(team, monkeypatch):
    monkeypatch.setattr("imports.uploads.MAX_ROWS", 3)
    response = _preview(team.client(team.manager), "title\n" + "x\n" * 4)
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()


def test_confirm_writes_every_row_through_the_engine_and_journals_the_import(team, existing):
    fix = existing["fix"]
    client = team.client(team.manager)
    content = (
        HEADER + ",Ledger export,Feature,High,1 - Ready for Review,david,LED-1,\n"
        f"{fix.key},Fix rounding for JPY,,Critical,,,,\n"
    )
    preview = _preview(client, content, name="sprint.csv")
    assert preview.status_code == 200
    response = client.post(_urls()[1], {"token": _token(preview)})
    assert response.status_code == 302
    receipt = ItemImport.objects.get()
    assert (receipt.created, receipt.updated, receipt.moved) == (1, 1, 1)
    assert receipt.file_name == "sprint.csv"
    new = ReleaseItem.objects.select_related("change", "status").get(change__external_key="LED-1")
    assert new.title == "Ledger export"
    assert new.status.name == "1 - Ready for Review"
    assert new.assignee == team.developer
    reason = f"Import #{receipt.pk} (sprint.csv), line 2"
    reasons = list(
        new.history.order_by("history_id").values_list("change_kind", "history_change_reason")
    )
    assert reasons == [("created", reason), ("moved", reason)]
    assert new.history.first().history_user == team.manager
    assert new.change.history.get().history_change_reason == reason
    fix.refresh_from_db()
    assert fix.priority == Priority.CRITICAL
    assert fix.change.history.latest("history_id").history_change_reason == (
        f"Import #{receipt.pk} (sprint.csv), line 3"
    )
    assert receipt.history.get().history_user == team.manager
    journal = client.get(reverse("journal:project", kwargs={"code": "PAY"})).content.decode()
    assert f"Import #{receipt.pk}" in journal
    assert "sprint.csv: 1 created, 1 changed, 1 moved" in journal


def test_an_import_is_all_or_nothing(team, existing, monkeypatch):
    """The engine refuses the last row's move: the rows before it are rolled back too."""
    client = team.client(team.manager)
    content = HEADER + ",First,,,,,,\n,Second,,,,,,\n,Third,,,7 - Closed,,,\n"
    preview = _preview(client, content)
    before = (ReleaseItem.objects.count(), Change.objects.count(), _journal_size())

    def refuse(**kwargs):
        raise MoveNotAllowed("A freeze window holds.")

    monkeypatch.setattr(import_services.engine, "item_move", refuse)
    response = client.post(_urls()[1], {"token": _token(preview)})
    assert response.status_code == 403
    assert "Line 4: A freeze window holds. Nothing was imported." in response.content.decode()
    assert (ReleaseItem.objects.count(), Change.objects.count(), _journal_size()) == before
    assert not ItemImport.objects.exists()


def test_an_xlsx_file_imports_like_a_csv(team, states):
    sheet = tablib.Dataset(headers=["Title", "Kind", "Priority", "External"])
    sheet.append(["From a spreadsheet", "Incident", 1, "INC-9"])
    client = team.client(team.manager)
    preview = _preview(client, sheet.export("xlsx"), name="items.xlsx")
    assert preview.status_code == 200
    assert _rows(preview)[2].fields == {
        "title": "From a spreadsheet",
        "kind": Kind.INCIDENT,
        "priority": Priority.CRITICAL,
        "external_key": "INC-9",
    }
    assert client.post(_urls()[1], {"token": _token(preview)}).status_code == 302
    item = ReleaseItem.objects.get(change__external_key="INC-9")
    assert (item.title, item.priority) == ("From a spreadsheet", Priority.CRITICAL)


def test_the_items_export_imports_back_unchanged(team, existing):
    existing["docs"].assignee = team.developer  # the export writes the full name
    existing["docs"].save()
    client = team.client(team.manager)
    exported = client.get(reverse("items:list", kwargs={"code": "PAY"}), {"_export": "csv"})
    preview = _preview(client, exported.content)
    assert preview.status_code == 200
    assert {row.action for row in preview.context["plan"].rows} == {"unchanged"}


def test_an_outsider_gets_404_everywhere(team):
    client = team.client(team.outsider)
    assert client.get(_urls()[0]).status_code == 404
    assert _preview(client, "title\nx\n").status_code == 404
    assert client.post(_urls()[1], {"token": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["viewer", "approver", "qa"])
def test_members_who_may_not_edit_items_get_403(team, who):
    client = team.client(getattr(team, who))
    assert client.get(_urls()[0]).status_code == 403
    assert _preview(client, "title\nx\n").status_code == 403
    assert client.post(_urls()[1], {"token": "x"}).status_code == 403


def test_a_developer_may_add_items_but_not_set_states(team, states):
    client = team.client(team.developer)
    preview = _preview(client, "title,state\nMine,\nMoved,2 - Ready for Integration\n")
    rows = _rows(preview)
    assert rows[2].errors == []
    assert rows[3].errors == ["Only release managers may set states; leave the state column empty."]
    preview = _preview(client, "title\nMine\n")
    assert client.post(_urls()[1], {"token": _token(preview)}).status_code == 302
    assert ReleaseItem.objects.get().created_by == team.developer


def test_a_state_the_rules_refuse_is_an_error_in_the_preview(team, states):
    from items.models import TransitionRule

    TransitionRule.objects.create(from_state=states[0], to_state=states[1], roles=["developer"])
    response = _preview(team.client(team.manager), "title,state\nJump,7 - Closed\n")
    assert _rows(response)[2].errors == [
        "There is no transition from “0 - Developing” to “7 - Closed”."
    ]


def test_a_forged_token_is_a_400_and_writes_nothing(team, states):
    client = team.client(team.manager)
    token = _token(_preview(client, "title\nx\n"))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(_urls()[1], {"token": forged})
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert client.post(_urls()[1], {}).status_code == 400
    assert not ReleaseItem.objects.exists()


def test_an_expired_token_is_a_400(team, states, monkeypatch):
    client = team.client(team.manager)
    token = _token(_preview(client, "title\nx\n"))
    monkeypatch.setattr(tokens, "MAX_AGE_SECONDS", -1)
    response = client.post(_urls()[1], {"token": token})
    assert response.status_code == 400
    assert "more than 30 minutes old" in response.content.decode()
    assert not ReleaseItem.objects.exists()


def test_a_token_is_good_only_for_its_user_and_release(team, states):
    token = _token(_preview(team.client(team.manager), "title\nx\n"))
    response = team.client(team.developer).post(_urls()[1], {"token": token})
    assert response.status_code == 400
    assert not ReleaseItem.objects.exists()


def test_confirming_the_same_preview_twice_imports_once(team, states):
    client = team.client(team.manager)
    token = _token(_preview(client, "title\nOnce\n"))
    assert client.post(_urls()[1], {"token": token}).status_code == 302
    again = client.post(_urls()[1], {"token": token})
    assert again.status_code == 409
    assert ReleaseItem.objects.count() == 1


def test_an_item_changed_since_the_preview_is_a_409_with_a_new_preview(team, existing):
    from items.services import item_update

    fix = existing["fix"]
    client = team.client(team.manager)
    token = _token(_preview(client, f"key,priority\n{fix.key},Low\n"))
    item_update(
        access=team.access(team.manager),
        item_id=fix.pk,
        expected_version=fix.version,
        fields={"title": "Renamed meanwhile"},
    )
    response = client.post(_urls()[1], {"token": token})
    assert response.status_code == 409
    assert response.context["confirm"] is not None  # the new preview can be confirmed
    fix.refresh_from_db()
    assert fix.priority == Priority.MEDIUM


def test_an_imported_formula_title_is_neutralised_when_exported(team, states):
    client = team.client(team.manager)
    formula = "=cmd|' /C calc'!A0"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["title"], [formula]])
    preview = _preview(client, buffer.getvalue())
    assert client.post(_urls()[1], {"token": _token(preview)}).status_code == 302
    assert ReleaseItem.objects.get().title == formula  # stored as given
    exported = client.get(reverse("items:list", kwargs={"code": "PAY"}), {"_export": "csv"})
    titles = [row[1] for row in csv.reader(io.StringIO(exported.content.decode()))][1:]
    assert titles == [f"'{formula}"]


def _moves(items) -> str:
    return "key,title,assignee,state\n" + "".join(
        f"{item.key},Title {item.number},david,1 - Ready for Review\n" for item in items
    )


def _preview_queries(client, items) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _preview(client, _moves(items))
    assert response.status_code == 200, response.context["plan"].rows[0].errors
    return len(queries)


def test_the_preview_costs_the_same_queries_for_3_or_30_rows(team, states):
    items = [team.item() for _ in range(30)]
    client = team.client(team.manager)
    _preview_queries(client, items[:1])  # warms the workflow cache
    assert _preview_queries(client, items[:3]) == _preview_queries(client, items)


def test_the_preview_query_count_is_pinned(team, states, django_assert_num_queries):
    items = [team.item() for _ in range(5)]
    client = team.client(team.manager)
    _preview_queries(client, items[:1])
    # session, user, project with role, workflow token, the named items, the members,
    # the freeze gate's windows (the policy asked about the moves).
    with django_assert_num_queries(7):
        _preview(client, _moves(items))


def test_an_xlsx_sheet_is_counted_as_it_is_read(team, monkeypatch):
    monkeypatch.setattr("imports.uploads.MAX_ROWS", 3)
    sheet = tablib.Dataset(*[[f"Row {n}"] for n in range(5)], headers=["title"])
    response = _preview(team.client(team.manager), sheet.export("xlsx"), name="items.xlsx")
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()


def test_an_xlsx_file_that_unpacks_too_large_is_refused(team, monkeypatch):
    monkeypatch.setattr("imports.uploads.MAX_XLSX_UNPACKED_BYTES", 100)
    sheet = tablib.Dataset(["x"], headers=["title"])
    response = _preview(team.client(team.manager), sheet.export("xlsx"), name="items.xlsx")
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_a_released_release_takes_no_import(team, states):
    from projects.models import Lifecycle

    team.project.lifecycle = Lifecycle.RELEASED
    team.project.save()
    client = team.client(team.manager)
    assert client.get(_urls()[0]).status_code == 403
    assert _preview(client, "title\nLate\n").status_code == 403


def test_gated_rules_are_checked_for_new_and_existing_items(team, states):
    from items.rules import rule_seed_defaults

    rule_seed_defaults()
    review = team.item(status=states[1])
    response = _preview(
        team.client(team.manager),
        f"key,title,state\n{review.key},,2 - Ready for Integration\n,New,1 - Ready for Review\n",
    )
    rows = _rows(response)
    assert "needs 1 of 1 approvals" in rows[2].errors[0]
    assert rows[3].errors == []


def test_a_row_with_more_cells_than_columns_is_an_error(team, states):
    response = _preview(team.client(team.manager), "title\nOne\nTwo,stray\n")
    rows = _rows(response)
    assert rows[2].errors == []
    assert rows[3].errors == ["The row has more cells than the header has columns."]
