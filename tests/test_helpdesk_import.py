"""Tickets in bulk: the CSV upload and the help desk's JSON endpoint. All or nothing, every
error with its line (or position) and field, idempotent on the reference, journaled."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.api import BODY_MAX_BYTES
from helpdesk.models import Ticket
from journal.selectors import PROJECT_SOURCES, JournalQuery, journal_entries

HEADER = "reference,kind,title,opened_at,resolved_at,caused_by_release,caused_by_item,fixes_item\n"
TOKEN = "s3cret-token-for-tests"


def upload(client: Client, url: str, text: str):
    return client.post(url, {"file": SimpleUploadedFile("tickets.csv", text.encode())})


@pytest.fixture
def items(team):
    return team.item(), team.item()


def good_csv(cause, fix) -> str:
    return (
        HEADER
        + f"INC-1,incident,Card payments fail,2026-11-02T10:00:00+01:00,,PAY,{cause.key},\n"
        + f"INC-2,problem,Refunds slow,2026-11-03,2026-11-05,,{cause.key},{fix.key}\n"
        + "INC-3,incident,Login loops,2026-11-04 08:30,,,,\n"
    )


# --- CSV --------------------------------------------------------------------------------------


def test_a_manager_imports_a_csv_file_on_the_release_page(team, items):
    cause, fix = items
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", good_csv(*items))
    assert response.status_code == 302
    one, two, three = Ticket.objects.order_by("reference")
    assert (one.caused_by_release, one.caused_by_change) == (team.project, cause.change)
    assert (two.kind, two.caused_by_change, two.fixed_by_change) == (
        "problem",
        cause.change,
        fix.change,
    )
    assert three.caused_by_release is None
    assert one.history.get().history_change_reason == (
        f"Imported from a CSV file; cause linked: {cause.change.key}"
    )


def test_importing_the_same_file_again_changes_nothing(team, items):
    client = team.client(team.manager)
    upload(client, "/projects/PAY/tickets/import/", good_csv(*items))
    rows = Ticket.history.count()
    response = upload(client, "/projects/PAY/tickets/import/", good_csv(*items))
    assert response.status_code == 302
    assert Ticket.objects.count() == 3
    assert Ticket.history.count() == rows


def test_a_reimport_updates_the_ticket_with_that_reference(team, items):
    cause, fix = items
    client = team.client(team.manager)
    upload(client, "/projects/PAY/tickets/import/", good_csv(*items))
    resolved = (
        good_csv(*items)
        .replace(f"PAY,{cause.key},\n", f"PAY,{cause.key},{fix.key}\n")
        .replace("+01:00,,", "+01:00,2026-11-06T12:00:00+01:00,", 1)
    )
    upload(client, "/projects/PAY/tickets/import/", resolved)
    ticket = Ticket.objects.get(reference="INC-1")
    assert ticket.fixed_by_change == fix.change
    assert ticket.resolved_at is not None
    newest = ticket.history.order_by("-history_id").first()
    assert newest.history_change_reason == f"Imported from a CSV file; fix linked: {fix.change.key}"


def test_an_import_with_errors_writes_nothing_and_names_every_line(team, items):
    cause, _ = items
    text = (
        HEADER
        + f"INC-1,incident,Fine,2026-11-02,,PAY,{cause.key},\n"
        + "INC-2,incident,Bad date,yesterday,,,,\n"
        + "INC-3,incident,,2026-11-02,,,,\n"
        + "INC-4,incident,Unknown release,2026-11-02,,NOPE,,\n"
        + "INC-1,incident,Twice,2026-11-02,,,,\n"
        + "INC-6,outage,Bad kind,2026-11-02,,,,\n"
    )
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", text)
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    page = response.content.decode()
    assert "Nothing was imported." in page
    assert re.search(r"Nothing was imported: the file has [2-9]\d* errors\.", page)
    for expected in (
        "line 3, opened_at: Not a date and time",
        "line 4, title: Required.",
        "line 5, caused_by_release: No release NOPE you can see.",
        "line 6, reference: Reference INC-1 appears again on this batch (first at 2).",
        "line 7, kind: Choose one of: incident, problem.",
    ):
        assert expected in page


def test_an_import_naming_an_item_the_user_cannot_see_is_refused(team, items):
    from tests.factories import ItemFactory, ProjectFactory

    hidden = ItemFactory(project=ProjectFactory(code="HR"))
    text = HEADER + f"INC-1,incident,x,2026-11-02,,,{hidden.key},\n"
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", text)
    assert response.status_code == 400
    assert f"No item {hidden.key} in a release you can see." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_file_without_the_required_columns_is_refused(team):
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", "a,b\n1,2\n")
    assert response.status_code == 400
    assert "lacks the columns reference, title, opened_at" in response.content.decode()


def test_a_file_lacking_one_column_names_it_in_the_singular(team):
    text = "reference,title\nINC-1,x\n"
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", text)
    assert response.status_code == 400
    assert "lacks the column opened_at;" in response.content.decode()
    assert "Nothing was imported: the file has 1 error." in response.content.decode()


def test_a_german_reader_reads_the_ticket_limit_with_a_german_thousands_separator():
    # The msgid is unchanged: the committed catalogue translates it already.
    from django.utils import translation

    from helpdesk.imports import TOO_MANY

    with translation.override("de"):
        assert str(TOO_MANY) == "Höchstens 5.000 Tickets auf einmal."
    with translation.override("en"):
        assert str(TOO_MANY) == "At most 5,000 tickets at once."


def test_a_viewer_cannot_import(team, items):
    response = upload(team.client(team.viewer), "/projects/PAY/tickets/import/", good_csv(*items))
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_an_outsider_cannot_import(team, items):
    response = upload(team.client(team.outsider), "/projects/PAY/tickets/import/", good_csv(*items))
    assert response.status_code == 404


def test_only_administrators_import_for_the_whole_installation(team, items):
    refused = upload(team.client(team.manager), "/helpdesk/import/", good_csv(*items))
    assert refused.status_code == 403
    done = upload(team.client(team.admin), "/helpdesk/import/", good_csv(*items))
    assert done.status_code == 302
    assert Ticket.objects.count() == 3


def test_an_import_shows_in_the_release_journal(team, items):
    upload(team.client(team.manager), "/projects/PAY/tickets/import/", good_csv(*items))
    entries, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="tickets"), project=team.project
    )
    assert {e.subject for e in entries} == {"Ticket INC-1", "Ticket INC-2"}
    assert all(e.reason.startswith("Imported from a CSV file") for e in entries)


# --- JSON endpoint --------------------------------------------------------------------------------


@pytest.fixture
def token(settings):
    settings.HELPDESK_TOKEN = TOKEN
    return TOKEN


def post(payload, *, token: str | None = TOKEN, raw: bytes | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = raw if raw is not None else json.dumps(payload).encode()
    return Client(enforce_csrf_checks=True).post(
        "/helpdesk/tickets/", body, content_type="application/json", headers=headers
    )


def ticket_json(**fields):
    return {
        "reference": "INC-100",
        "kind": "incident",
        "title": "Checkout down",
        "opened_at": "2026-11-20T08:00:00Z",
        **fields,
    }


def test_the_help_desk_posts_a_ticket_with_its_token(team, items, token):
    cause, _ = items
    response = post(ticket_json(caused_by_item=cause.key))
    assert response.status_code == 201
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "tickets": ["INC-100"]}
    ticket = Ticket.objects.get()
    assert (ticket.caused_by_release, ticket.caused_by_change) == (team.project, cause.change)
    row = ticket.history.get()
    assert row.history_user is None
    assert row.history_change_reason == (
        f"Posted by the help desk; cause linked: {cause.change.key}"
    )


def test_posting_the_same_tickets_again_changes_nothing(team, items, token):
    payload = [ticket_json(), ticket_json(reference="INC-101", caused_by_release="PAY")]
    assert post(payload).status_code == 201
    again = post(payload)
    assert again.status_code == 200
    assert again.json()["unchanged"] == 2
    assert Ticket.history.count() == 2


def test_a_wrong_token_is_401_and_writes_nothing(team, token):
    response = post(ticket_json(), token="wrong")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["error"]
    assert not Ticket.objects.exists()


def test_a_missing_token_is_401(team, token):
    assert post(ticket_json(), token=None).status_code == 401


def test_the_endpoint_does_not_exist_without_a_token_setting(team, settings):
    settings.HELPDESK_TOKEN = ""
    assert post(ticket_json(), token="").status_code == 404


def test_bad_json_is_400(team, token):
    response = post(None, raw=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"].startswith("The body is not JSON")


def test_a_bad_field_is_400_naming_it_and_nothing_is_written(team, token):
    response = post([ticket_json(), ticket_json(reference="INC-2", opened_at="soon")])
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "opened_at"
    assert body["errors"] == [
        {"index": 1, "field": "opened_at", "message": body["errors"][0]["message"]}
    ]
    assert not Ticket.objects.exists()


def test_an_unknown_field_is_400_naming_it(team, token):
    response = post(ticket_json(severity="high"))
    assert response.status_code == 400
    assert response.json()["field"] == "severity"


def test_a_field_that_is_not_a_string_is_400(team, token):
    response = post(ticket_json(title=42))
    assert response.status_code == 400
    assert response.json()["field"] == "title"


def test_a_body_over_the_cap_is_413(team, token):
    response = post(None, raw=b"[" + b" " * BODY_MAX_BYTES + b"]")
    assert response.status_code == 413
    assert not Ticket.objects.exists()


def test_the_endpoint_needs_no_csrf_token_and_no_session(team, token):
    # enforce_csrf_checks is on in post(): the token alone lets it through.
    assert post(ticket_json()).status_code == 201


def test_get_on_the_endpoint_is_405(team, token):
    response = Client().get("/helpdesk/tickets/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


def test_item_keys_are_read_in_any_case(team, items):
    cause, fix = items
    text = (
        HEADER + f"INC-1,Incident,x,2026-11-02,,pay,{cause.key.lower()},{fix.change.key.lower()}\n"
    )
    response = upload(team.client(team.manager), "/projects/PAY/tickets/import/", text)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.caused_by_change, ticket.fixed_by_change) == (cause.change, fix.change)


# Any JSON, and ticket-shaped objects with odd values: never a 500, and a refusal writes nothing.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
ODD = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=60),
    st.sampled_from(
        ["", "PAY", "PAY-1", "CH-1", "pay-0", "2026-02-30", "2026-11-03T25:00", "x" * 300]
    ),
)
TICKETS = st.fixed_dictionaries(
    {"reference": ODD, "title": ODD, "opened_at": ODD},
    optional={
        "kind": ODD,
        "resolved_at": ODD,
        "caused_by_release": ODD,
        "caused_by_item": ODD,
        "fixes_item": ODD,
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(JSON_VALUES, TICKETS, st.lists(TICKETS, max_size=3)))
def test_random_posts_to_the_endpoint_never_fail_with_500(team, items, token, body):
    before = Ticket.history.count()
    response = post(body)
    assert response.status_code in (200, 201, 400), response.content
    if response.status_code == 400:
        assert Ticket.history.count() == before
        assert "error" in response.json()


def test_a_nul_character_is_400_not_a_database_error(team, token):
    response = post(ticket_json(title="Check\x00out"))
    assert response.status_code == 400
    assert response.json()["field"] == "title"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_date_at_the_end_of_time_is_400_not_an_overflow(team, token, when):
    response = post(ticket_json(opened_at=when))
    assert response.status_code == 400
    assert response.json()["field"] == "opened_at"


def test_an_import_receipt_says_ticket_for_one_and_tickets_for_two():
    from helpdesk.imports import ImportResult

    assert str(ImportResult(created=1, updated=2)).startswith("1 ticket recorded, 2 updated")
    assert str(ImportResult(created=2)).startswith("2 tickets recorded, 0 updated")
