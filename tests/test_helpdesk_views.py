"""The ticket pages: who sees and changes what, refusals, and their pinned query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk import services
from helpdesk.models import Ticket
from helpdesk.services import TicketValues
from projects.roles import Role
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory

OPENED = timezone.now() - timedelta(days=3)


def record(team, reference="INC-1", **links) -> Ticket:
    return services.ticket_create(
        user=team.admin,
        values=TicketValues(
            reference=reference,
            kind="incident",
            title="Card payments fail",
            opened_at=OPENED,
            **links,
        ),
    )


@pytest.fixture
def other(team):
    project = ProjectFactory(code="CRM", name="CRM 7")
    MemberFactory(project=project, user=UserFactory(username="carla"), role=Role.RELEASE_MANAGER)
    return project


# --- Seeing -----------------------------------------------------------------------------------


def test_members_see_the_release_tickets_page_with_its_tickets(team):
    item = team.item()
    record(team, caused_by_release=team.project, caused_by_change=item.change)
    response = team.client(team.viewer).get("/projects/PAY/tickets/")
    assert response.status_code == 200
    assert b"INC-1" in response.content
    assert f"PAY-{item.number}".encode() in response.content
    assert b"Record a ticket" not in response.content  # a viewer gets no forms


def test_an_outsider_gets_404_on_the_release_tickets_page(team):
    assert team.client(team.outsider).get("/projects/PAY/tickets/").status_code == 404


def test_the_release_nav_links_its_tickets(team):
    response = team.client(team.viewer).get("/projects/PAY/tickets/")
    assert b'href="/projects/PAY/tickets/" aria-current="page"' in response.content


def test_an_outsider_gets_404_on_a_ticket_of_a_release_they_do_not_belong_to(team):
    ticket = record(team, caused_by_release=team.project)
    assert team.client(team.outsider).get(f"/helpdesk/tickets/{ticket.pk}/").status_code == 404


def test_a_member_sees_a_ticket_of_their_release_and_its_history(team):
    ticket = record(team, caused_by_release=team.project)
    response = team.client(team.viewer).get(f"/helpdesk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert b"Ticket recorded" in response.content
    assert b"Link the cause" not in response.content  # read only


def test_a_ticket_linked_to_nothing_is_seen_by_managers_only(team):
    ticket = record(team)
    assert team.client(team.manager).get(f"/helpdesk/tickets/{ticket.pk}/").status_code == 200
    assert team.client(team.viewer).get(f"/helpdesk/tickets/{ticket.pk}/").status_code == 404
    triage = team.client(team.manager).get("/helpdesk/")
    assert b"not linked yet" in triage.content


def test_a_ticket_page_does_not_name_a_cause_release_its_reader_cannot_see(team, other):
    fix = team.item()
    ticket = record(team, caused_by_release=other, fixed_by_change=fix.change)
    response = team.client(team.viewer).get(f"/helpdesk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert b"another release" in response.content
    assert b"CRM" not in response.content


# --- Writing ----------------------------------------------------------------------------------


def test_a_manager_records_a_ticket_on_the_release_page(team):
    item = team.item()
    response = team.client(team.manager).post(
        "/projects/PAY/tickets/new/",
        {
            "reference": "INC-7",
            "kind": "incident",
            "title": "Refunds stuck",
            "opened_at": "2026-11-30T09:15",
            "caused_by_release": "PAY",
            "caused_by_item": item.key,
        },
    )
    ticket = Ticket.objects.get(reference="INC-7")
    assert response.status_code == 302
    assert response["Location"] == f"/helpdesk/tickets/{ticket.pk}/"
    assert ticket.caused_by_change == item.change


def test_a_viewer_cannot_record_a_ticket(team):
    response = team.client(team.viewer).post(
        "/projects/PAY/tickets/new/",
        {"reference": "INC-7", "title": "x", "opened_at": "2026-11-30T09:15", "kind": "incident"},
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_an_outsider_cannot_record_a_ticket_on_the_release(team):
    response = team.client(team.outsider).post("/projects/PAY/tickets/new/", {})
    assert response.status_code == 404


def test_a_cause_item_of_another_release_is_refused_with_its_field(team, other):
    elsewhere = ItemFactory(project=other)
    response = team.client(team.admin).post(
        "/projects/PAY/tickets/new/",
        {
            "reference": "INC-7",
            "kind": "incident",
            "title": "x",
            "opened_at": "2026-11-30T09:15",
            "caused_by_release": "PAY",
            "caused_by_item": elsewhere.key,
        },
    )
    assert response.status_code == 400
    assert b"is in CRM, not in the release PAY" in response.content
    assert not Ticket.objects.exists()


def test_a_taken_reference_is_409_on_the_form(team):
    record(team, caused_by_release=team.project)
    response = team.client(team.manager).post(
        "/projects/PAY/tickets/new/",
        {"reference": "INC-1", "kind": "incident", "title": "x", "opened_at": "2026-11-30T09:15"},
    )
    assert response.status_code == 409
    assert Ticket.objects.count() == 1


def test_a_manager_links_and_unlinks_the_fix_on_the_ticket_page(team):
    fix = team.item()
    ticket = record(team, caused_by_release=team.project)
    client = team.client(team.manager)
    linked = client.post(f"/helpdesk/tickets/{ticket.pk}/fix/", {"fix-fixes_item": fix.key})
    assert linked.status_code == 302
    ticket.refresh_from_db()
    assert ticket.fixed_by_change == fix.change
    assert client.post(f"/helpdesk/tickets/{ticket.pk}/fix/unlink/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.fixed_by_change is None
    page = client.get(f"/helpdesk/tickets/{ticket.pk}/")
    assert b"Fix unlinked" in page.content


def test_a_viewer_cannot_link_a_ticket(team):
    fix = team.item()
    ticket = record(team, caused_by_release=team.project)
    response = team.client(team.viewer).post(
        f"/helpdesk/tickets/{ticket.pk}/fix/", {"fix-fixes_item": fix.key}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.fixed_by_change is None


def test_an_outsider_cannot_link_a_ticket(team):
    ticket = record(team, caused_by_release=team.project)
    response = team.client(team.outsider).post(f"/helpdesk/tickets/{ticket.pk}/cause/unlink/")
    assert response.status_code == 404


def test_linking_a_cause_in_a_release_the_manager_does_not_manage_is_403(team, other):
    MemberFactory(project=other, user=team.manager, role=Role.VIEWER)
    ticket = record(team, caused_by_release=team.project)
    response = team.client(team.manager).post(
        f"/helpdesk/tickets/{ticket.pk}/cause/", {"cause-caused_by_release": "CRM"}
    )
    assert response.status_code == 403
    assert b"Only a release manager of CRM" in response.content
    ticket.refresh_from_db()
    assert ticket.caused_by_release == team.project


def test_editing_a_ticket_with_a_resolution_before_its_opening_is_400(team):
    ticket = record(team, caused_by_release=team.project)
    response = team.client(team.manager).post(
        f"/helpdesk/tickets/{ticket.pk}/edit/",
        {
            "edit-kind": "incident",
            "edit-title": "x",
            "edit-opened_at": "2026-11-30T09:15",
            "edit-resolved_at": "2026-11-29T09:15",
        },
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.resolved_at is None


def test_the_ticket_pages_refuse_get_on_writes(team):
    ticket = record(team, caused_by_release=team.project)
    assert team.client(team.manager).get(f"/helpdesk/tickets/{ticket.pk}/fix/").status_code == 405


# --- Query counts -------------------------------------------------------------------------------

SESSION = ("django_session", "the session")
USER = ("auth_user", "the user")
PROJECT = ("projects_releaseproject", "the project and the user's role")


def populate(team, other, size: int) -> None:
    """`size` tickets of each shape: caused by a change of PAY and fixed by another of it,
    caused by another release and fixed by a change of PAY, linked to nothing."""
    for n in range(size):
        cause, fix = team.item(), team.item()
        record(
            team,
            reference=f"INC-A{n}",
            caused_by_release=team.project,
            caused_by_change=cause.change,
            fixed_by_change=fix.change,
        )
        record(team, reference=f"INC-B{n}", caused_by_release=other, fixed_by_change=fix.change)
        record(team, reference=f"INC-C{n}")


RELEASE_PAGE = [
    SESSION,
    USER,
    PROJECT,
    ("helpdesk_ticket", "how many tickets name the release (the pager)"),
    ("helpdesk_ticket", "one page of them, with their items' numbers in the release"),
]
TRIAGE_PAGE = [
    SESSION,
    USER,
    ("helpdesk_ticket", "how many tickets the user may see (the pager)"),
    ("projects_releasemember", "whether the user manages a release (the record form)"),
    ("helpdesk_ticket", "one page of them, with their cause's release"),
]
TICKET_PAGE = [
    SESSION,
    USER,
    ("helpdesk_ticket", "the ticket, its links and the user's rights on them"),
    ("items_releaseitem", "the cause's and the fix's items in releases the user sees"),
    ("helpdesk_historicalticket", "the ticket's journal, with its users"),
    ("projects_releaseproject", "the releases the journal names, and whether the user sees them"),
    ("items_change", "the titles of the changes the journal names"),
]


@pytest.mark.parametrize("size", [2, 12])
def test_the_release_tickets_page_runs_the_same_queries_whatever_the_size(
    team, other, django_assert_num_queries, size
):
    populate(team, other, size)
    client = team.client(team.manager)
    with django_assert_num_queries(len(RELEASE_PAGE)) as captured:
        response = client.get("/projects/PAY/tickets/")
    assert response.status_code == 200
    for (table, purpose), query in zip(RELEASE_PAGE, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


@pytest.mark.parametrize("size", [2, 12])
def test_the_triage_page_runs_the_same_queries_whatever_the_size(
    team, other, django_assert_num_queries, size
):
    populate(team, other, size)
    client = team.client(team.manager)
    with django_assert_num_queries(len(TRIAGE_PAGE)) as captured:
        response = client.get("/helpdesk/")
    assert response.status_code == 200
    for (table, purpose), query in zip(TRIAGE_PAGE, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


@pytest.mark.parametrize("edits", [0, 10])
def test_the_ticket_page_runs_the_same_queries_whatever_its_history(
    team, other, django_assert_num_queries, edits
):
    cause, fix = team.item(), team.item()
    ticket = record(
        team,
        caused_by_release=team.project,
        caused_by_change=cause.change,
        fixed_by_change=fix.change,
    )
    for n in range(edits):
        services.ticket_update(
            user=team.admin,
            ticket_id=ticket.pk,
            kind="incident",
            title=f"Card payments fail ({n})",
            opened_at=OPENED,
            resolved_at=None,
        )
    client = team.client(team.manager)
    with django_assert_num_queries(len(TICKET_PAGE)) as captured:
        response = client.get(f"/helpdesk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    for (table, purpose), query in zip(TICKET_PAGE, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


def test_a_form_from_before_a_change_of_the_ticket_is_refused_with_409(team):
    ticket = record(team, caused_by_release=team.project)
    seen = ticket.updated_at.isoformat()
    services.ticket_update(
        user=team.admin,
        ticket_id=ticket.pk,
        kind="incident",
        title="Renamed meanwhile",
        opened_at=OPENED,
        resolved_at=None,
    )
    response = team.client(team.manager).post(
        f"/helpdesk/tickets/{ticket.pk}/edit/",
        {
            "seen": seen,
            "edit-kind": "problem",
            "edit-title": "Mine",
            "edit-opened_at": "2026-11-30T09:15",
        },
    )
    assert response.status_code == 409
    assert services.STALE.encode() in response.content.replace(b"&#x27;", b"'")
    ticket.refresh_from_db()
    assert ticket.title == "Renamed meanwhile"


def test_the_ticket_page_forms_carry_the_version_they_were_shown_with(team):
    ticket = record(team, caused_by_release=team.project)
    page = team.client(team.manager).get(f"/helpdesk/tickets/{ticket.pk}/").content.decode()
    # Link the cause, unlink it, link a fix, edit (no fix yet: nothing to unlink).
    assert page.count(f'name="seen" value="{ticket.updated_at.isoformat()}"') == 4


def test_the_release_journal_page_shows_the_link_changes(team):
    cause = team.item()
    ticket = record(team)
    services.ticket_link_cause(
        user=team.manager, ticket_id=ticket.pk, release=team.project, change=cause.change
    )
    page = team.client(team.viewer).get("/projects/PAY/journal/").content.decode()
    assert "Ticket INC-1" in page
    assert f"Cause linked: {cause.change.key}" in page


def test_the_admin_lists_tickets_read_only(team):
    ticket = record(team, caused_by_release=team.project)
    client = team.client(team.admin)
    assert client.get("/admin/helpdesk/ticket/").status_code == 200
    assert client.get(f"/admin/helpdesk/ticket/{ticket.pk}/change/").status_code == 200
    assert client.get("/admin/helpdesk/ticket/add/").status_code == 403
    assert (
        client.post(f"/admin/helpdesk/ticket/{ticket.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists()
