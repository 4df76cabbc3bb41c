"""A small history built by hand for the KPI tests (tests/test_kpis.py, the Chromium test of
the dashboards): releases, items moved through the engine with back-dated journal rows, votes,
go-lives and help-desk tickets, whose KPIs the tests work out by hand.

Test modules take the fixture with `from tests.kpi_fixtures import *` and the helpers by name.
"""

from datetime import UTC, datetime, timedelta

import pytest

from approvals.models import Approval, Vote
from helpdesk.models import Ticket, TicketKind
from items import engine
from items.models import ReleaseItem
from items.services import item_create
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory

__all__ = ["world"]

DEVELOPING, REVIEW, INTEGRATION, PRODUCTION = 4500, 4540, 4550, 4585
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def create(team: Team, project: ReleaseProject, title: str, when: datetime) -> ReleaseItem:
    access = project_access(user=team.manager, code=project.code)
    return item_create(access=access, fields={"title": title}, at=when)


def move(team: Team, item: ReleaseItem, to: int, when: datetime, **kwargs: object) -> ReleaseItem:
    item.refresh_from_db()
    access = project_access(user=team.manager, code=item.project.code)
    return engine.item_move(
        access=access,
        expected_version=item.version,
        item_id=item.pk,
        to_status_id=to,
        at=when,
        **kwargs,
    )


def go_live(project: ReleaseProject, when: datetime) -> None:
    """The release's journal row that makes it "released" (the stage gates are another
    story, tested in the releases app)."""
    project.refresh_from_db()
    project.lifecycle = Lifecycle.RELEASED
    project._history_date = when
    project.save()


def ticket(reference: str, opened: datetime, **kwargs: object) -> Ticket:
    return Ticket.objects.create(reference=reference, title=reference, opened_at=opened, **kwargs)


@pytest.fixture
def world(team: Team, states: list) -> dict:
    """PAY: A goes 0 -> 1 -> 2 -> 1 -> 2 -> 5 (production), B 0 -> 1 -> 5, C stays in 0; it
    goes live on day 11. CRM (one item) goes live on day 40; HR is open, not live. Tickets:
    three caused by PAY within 30 days (two incidents resolved in 6 h and 48 h, one open), a
    problem on day 45 (outside 30 days, inside 40), two fixed by A's change."""
    crm = ProjectFactory(code="CRM", release_manager=team.manager)
    hr = ProjectFactory(code="HR", release_manager=team.manager)
    for project in (crm, hr):
        MemberFactory(project=project, user=team.manager, role=Role.RELEASE_MANAGER)
    a = create(team, team.project, "A", at(0))
    move(team, a, REVIEW, at(1))
    move(team, a, INTEGRATION, at(3))
    move(team, a, REVIEW, at(4), comment="rework")
    move(team, a, INTEGRATION, at(6))
    move(team, a, PRODUCTION, at(10))
    b = create(team, team.project, "B", at(1))
    move(team, b, REVIEW, at(1, hours=12))
    move(team, b, PRODUCTION, at(3, hours=12))
    create(team, team.project, "C", at(2))
    d = create(team, crm, "D", at(20))
    move(team, d, PRODUCTION, at(30))
    create(team, hr, "E", at(20))
    go_live(team.project, at(11))
    go_live(crm, at(40))
    incident = TicketKind.INCIDENT
    pay = team.project
    ticket("I1", at(12), kind=incident, caused_by_release=pay, resolved_at=at(12, hours=6))
    ticket("I2", at(20), kind=incident, caused_by_release=pay, resolved_at=at(22))
    ticket("I3", at(13), kind=incident, caused_by_release=pay)
    ticket("P1", at(45), kind=TicketKind.PROBLEM, caused_by_release=pay)
    ticket("F1", at(-30), fixed_by_change=a.change)
    ticket("F2", at(-20), fixed_by_change=a.change)
    # Votes on A leaving review: 5 h after it entered (day 1), 10 h after it re-entered (day 4).
    for hours_after, entered in ((5, at(1)), (10, at(4))):
        vote = Approval(
            item=a,
            from_state_id=REVIEW,
            to_state_id=INTEGRATION,
            round=1,
            approver=team.approver,
            vote=Vote.APPROVE,
        )
        vote._history_date = entered + timedelta(hours=hours_after)
        vote.save()
        vote.withdrawn = True  # the second one may be given: the first is withdrawn
        vote._history_date = entered + timedelta(hours=hours_after)
        vote.save()
    return {"a": a, "b": b, "crm": crm, "hr": hr}
