"""Help-desk tickets: the model's rules, the links and their journal, who may write them."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk import services
from helpdesk.journal import ticket_history_entries
from helpdesk.models import Ticket, TicketKind
from helpdesk.selectors import HELP_DESK, ticket_history
from helpdesk.services import TicketValues
from items.services import item_include
from journal.selectors import PROJECT_SOURCES, JournalQuery, journal_entries
from projects.roles import Role
from tests.factories import ItemFactory, MemberFactory, ProjectFactory

OPENED = timezone.now() - timedelta(days=3)


def values(reference: str = "INC-1", **links: object) -> TicketValues:
    return TicketValues(
        reference=reference,
        kind=TicketKind.INCIDENT,
        title="Payments time out",
        opened_at=OPENED,
        **links,
    )


@pytest.fixture
def other(team):
    """A second release, CRM, managed by someone else; the PAY team's manager is no member."""
    project = ProjectFactory(code="CRM", name="CRM 7")
    MemberFactory(project=project, user=team.outsider, role=Role.RELEASE_MANAGER)
    return project


def test_a_manager_records_a_ticket_caused_by_a_change_of_the_release(team):
    item = team.item()
    ticket = services.ticket_create(
        user=team.manager,
        values=values(caused_by_release=team.project, caused_by_change=item.change),
    )
    row = ticket.history.get()
    assert row.change_kind == "created"
    assert row.history_user == team.manager
    assert row.history_change_reason == f"Cause linked: {item.change.key}"
    assert ticket.created_by == team.manager


def test_a_causing_change_must_be_included_in_the_causing_release(team, other):
    elsewhere = ItemFactory(project=other)
    with pytest.raises(services.TicketError) as refused:
        services.ticket_create(
            user=team.admin,
            values=values(caused_by_release=team.project, caused_by_change=elsewhere.change),
        )
    assert refused.value.field == "caused_by_change"
    assert not Ticket.objects.exists()


def test_a_change_shipped_in_two_releases_may_cause_a_ticket_in_either(team, other):
    item = team.item()
    item_include(access=other_access(team, other), ref=item.key)
    ticket = services.ticket_create(
        user=team.admin, values=values(caused_by_release=other, caused_by_change=item.change)
    )
    assert ticket.caused_by_release == other


def other_access(team, other):
    from projects.access import project_access

    return project_access(user=team.admin, code=other.code)


def test_a_causing_change_without_a_release_is_refused(team):
    item = team.item()
    with pytest.raises(services.TicketError) as refused:
        services.ticket_create(user=team.admin, values=values(caused_by_change=item.change))
    assert refused.value.field == "caused_by_release"
    assert refused.value.message == services.CAUSE_NEEDS_RELEASE.format(change=item.change.key)


def test_the_database_refuses_a_causing_change_without_a_release_too(team):
    item = team.item()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            reference="INC-9", title="x", opened_at=OPENED, caused_by_change=item.change
        )


def test_a_ticket_cannot_be_resolved_before_it_was_opened(team):
    bad = TicketValues(
        reference="INC-2",
        kind="incident",
        title="x",
        opened_at=OPENED,
        resolved_at=OPENED - timedelta(hours=1),
    )
    with pytest.raises(services.TicketError) as refused:
        services.ticket_create(user=team.admin, values=bad)
    assert refused.value.field == "resolved_at"


def test_a_taken_reference_is_a_conflict(team):
    services.ticket_create(user=team.manager, values=values())
    with pytest.raises(services.ReferenceTaken):
        services.ticket_create(user=team.manager, values=values())


def test_linking_and_unlinking_the_cause_and_the_fix_is_journaled_with_reasons(team):
    cause, fix = team.item(), team.item()
    ticket = services.ticket_create(user=team.manager, values=values())
    services.ticket_link_cause(
        user=team.manager, ticket_id=ticket.pk, release=team.project, change=cause.change
    )
    services.ticket_link_fix(user=team.manager, ticket_id=ticket.pk, change=fix.change)
    services.ticket_link_fix(user=team.manager, ticket_id=ticket.pk, change=None)
    services.ticket_link_cause(user=team.manager, ticket_id=ticket.pk, release=None)
    reasons = list(
        ticket.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == [
        "",
        f"Cause linked: {cause.change.key}",
        f"Fix linked: {fix.change.key}",
        "Fix unlinked",
        "Cause unlinked",
    ]


def test_a_link_that_changes_nothing_writes_no_journal_row(team):
    ticket = services.ticket_create(
        user=team.manager, values=values(caused_by_release=team.project)
    )
    services.ticket_link_cause(user=team.manager, ticket_id=ticket.pk, release=team.project)
    assert ticket.history.count() == 1


def test_the_links_show_in_the_journal_of_the_release_they_name(team, other):
    cause = team.item()
    ticket = services.ticket_create(user=team.manager, values=values())
    services.ticket_link_cause(
        user=team.manager, ticket_id=ticket.pk, release=team.project, change=cause.change
    )
    services.ticket_link_cause(user=team.manager, ticket_id=ticket.pk, release=None)
    entries, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="tickets"), project=team.project
    )
    said = [(e.action, e.summary) for e in entries]
    assert said == [
        ("Cause unlinked", f"No longer caused by PAY, change {cause.change.key} “{cause.title}”"),
        ("Cause linked", f"Caused by PAY, change {cause.change.key} “{cause.title}”"),
        ("Ticket recorded", "Incident recorded: Payments time out"),
    ]
    elsewhere, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="tickets"), project=other
    )
    assert elsewhere == []


def test_a_release_journal_never_names_another_release(team, other):
    fix = team.item()
    ticket = services.ticket_create(
        user=team.admin, values=values(caused_by_release=other, fixed_by_change=fix.change)
    )
    entries, _ = journal_entries(
        sources=PROJECT_SOURCES, query=JournalQuery(source="tickets"), project=team.project
    )
    assert [e.summary for e in entries] == [
        f"Incident recorded: Payments time out (caused by another release; fixed by "
        f"{fix.change.key} “{fix.title}”)"
    ]
    assert ticket.reference in entries[0].subject


def test_the_ticket_page_history_hides_releases_its_reader_cannot_see(team, other):
    ticket = services.ticket_create(user=team.admin, values=values(caused_by_release=other))
    rows = ticket_history(ticket=ticket)
    seen_by_manager = ticket_history_entries(user=team.manager, rows=rows)
    seen_by_admin = ticket_history_entries(user=team.admin, rows=rows)
    assert seen_by_manager[0].summary.endswith("(caused by another release)")
    assert seen_by_admin[0].summary.endswith("(caused by CRM)")


# --- Who may write -------------------------------------------------------------------------


def test_only_a_manager_of_the_release_may_link_a_ticket_to_it(team, other):
    ticket = services.ticket_create(user=team.manager, values=values())
    with pytest.raises(services.TicketNotAllowed) as refused:
        services.ticket_link_cause(user=team.manager, ticket_id=ticket.pk, release=other)
    assert refused.value.message == services.NOT_MANAGER_OF.format(code="CRM")
    ticket.refresh_from_db()
    assert ticket.caused_by_release is None


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_members_other_than_managers_may_not_record_tickets(team, role):
    with pytest.raises(services.TicketNotAllowed):
        services.ticket_create(
            user=getattr(team, role), values=values(caused_by_release=team.project)
        )


def test_a_manager_may_not_unlink_a_cause_in_a_release_they_do_not_manage(team, other):
    ticket = services.ticket_create(user=team.outsider, values=values(caused_by_release=other))
    with pytest.raises(services.TicketNotAllowed):
        services.ticket_link_cause(user=team.manager, ticket_id=ticket.pk, release=None)


def test_a_fix_may_be_linked_only_by_a_manager_of_a_release_including_the_change(team, other):
    ticket = services.ticket_create(user=team.outsider, values=values(caused_by_release=other))
    fix = team.item()
    with pytest.raises(services.TicketNotAllowed):
        services.ticket_link_fix(user=team.outsider, ticket_id=ticket.pk, change=fix.change)
    services.ticket_link_fix(user=team.admin, ticket_id=ticket.pk, change=fix.change)
    ticket.refresh_from_db()
    assert ticket.fixed_by_change == fix.change


def test_the_help_desk_writes_as_itself_with_its_reason(team):
    ticket, outcome = services.ticket_upsert(
        user=HELP_DESK,
        values=values(caused_by_release=team.project),
        origin="Posted by the help desk",
    )
    row = ticket.history.get()
    assert outcome == "created"
    assert row.history_user is None
    assert (
        row.history_change_reason
        == "Posted by the help desk; cause linked: a release, no change named"
    )


# --- Demo data -------------------------------------------------------------------------------


def test_the_demo_records_caused_tickets_some_fixed_some_open_and_only_once(team):
    from datetime import UTC, datetime

    from helpdesk.demo import tickets_seed_demo
    from planning.models import Milestone
    from planning.schedule import schedule_record_actual

    # Went live (as the journal records it) on their release dates, three months apart.
    live = {"OLD": datetime(2026, 3, 2, 7, tzinfo=UTC), "NEW": datetime(2026, 6, 1, 7, tzinfo=UTC)}
    for code, at in live.items():
        release = ProjectFactory(code=code, actual_release_date=at.date())
        schedule_record_actual(project_id=release.pk, milestone=Milestone.GO_LIVE_START, at=at)
        for _ in range(3):
            ItemFactory(project=release)
    now = timezone.make_aware(timezone.datetime(2026, 11, 1))
    codes = list(live)
    created = tickets_seed_demo(actor=team.admin, codes=codes, per_release=4, now=now, seed=3)
    assert created
    assert {t.caused_by_release.code for t in created} <= {"OLD", "NEW"}
    assert all(live[t.caused_by_release.code] <= t.opened_at <= now for t in created)
    fixed = [t for t in created if t.fixed_by_change_id]
    assert fixed
    assert all(t.resolved_at and t.caused_by_release.code == "OLD" for t in fixed)
    # Fixed by a change of NEW: resolved only after NEW went live, though OLD's tickets were
    # opened within 30 days of OLD's go-live, months before.
    assert all(live["NEW"] < t.resolved_at <= now for t in fixed)
    assert tickets_seed_demo(actor=team.admin, codes=codes, per_release=4, now=now, seed=3) == []


def test_the_demo_dates_a_go_live_the_journal_did_not_record_at_ten_on_the_release_day(team):
    from datetime import date

    from helpdesk.demo import GO_LIVE_HOUR, tickets_seed_demo

    for code, day in (("OLD", date(2026, 3, 2)), ("NEW", date(2026, 6, 1))):
        release = ProjectFactory(code=code, actual_release_date=day)
        for _ in range(3):
            ItemFactory(project=release)
    now = timezone.make_aware(timezone.datetime(2026, 11, 1))
    created = tickets_seed_demo(actor=team.admin, codes=["OLD", "NEW"], now=now, seed=3)
    old_live = timezone.make_aware(timezone.datetime(2026, 3, 2, GO_LIVE_HOUR))
    new_live = timezone.make_aware(timezone.datetime(2026, 6, 1, GO_LIVE_HOUR))
    fixed = [t for t in created if t.fixed_by_change_id]
    assert fixed
    assert all(t.opened_at >= old_live for t in created)
    assert all(t.resolved_at > new_live for t in fixed)


def test_the_manager_of_an_empty_release_may_not_change_a_ticket_of_another(team, other):
    empty = ProjectFactory(code="NIL")
    MemberFactory(project=empty, user=team.manager, role=Role.RELEASE_MANAGER)
    ticket = services.ticket_create(user=team.outsider, values=values(caused_by_release=other))
    with pytest.raises(services.TicketNotAllowed):
        services.ticket_update(
            user=team.manager,
            ticket_id=ticket.pk,
            kind="problem",
            title="Renamed",
            opened_at=OPENED,
            resolved_at=None,
        )
